// Organizer home: onboarding for a user without an organization
// (POST /api/tenants/onboard, then refresh with {tenantId}), else the
// tenant's events (GET /api/events?tenant=<id>&status=all).
import * as api from '../api.js';
import { h, $, replace, showError, clearMsg, loading, stamp } from '../dom.js';
import { dateTime, rupees } from '../format.js';
import { eventList } from '../model.js';
import { orgSession, signInPanel, tenantNote, myInvitations, switchToJoined } from './common.js';
import { t } from '../i18n.js';

const root = $('#org-root');

function slugify(s) {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

function onboarding(session) {
  root.hidden = true;
  $('#onboard').hidden = false;
  // invited to a team? join it instead of (or before) creating one
  myInvitations($('#my-invites'), async (ans) => {
    await switchToJoined(ans);
    location.reload();
  }).then((list) => { $('#invites-box').hidden = list.length === 0; });
  const form = $('#onboard-form');
  const name = $('#ob-name');
  const slug = $('#ob-slug');
  let slugTouched = false;
  if (session.user && session.user.email) $('#ob-email').value = session.user.email;
  if (session.user && session.user.phone) $('#ob-phone').value = session.user.phone;
  slug.addEventListener('input', () => { slugTouched = true; });
  name.addEventListener('input', () => { if (!slugTouched) slug.value = slugify(name.value); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#onboard-msg');
    clearMsg(msg);
    const f = Object.fromEntries(new FormData(form));
    if (!f.name.trim() || !/^[a-z0-9-]+$/.test(f.slug)) {
      showError(msg, t('org.home.enter_name_slug'));
      return;
    }
    try {
      const body = { name: f.name.trim(), slug: f.slug, institution: f.institution.trim() || undefined, contactEmail: f.contactEmail.trim() || undefined, contactPhone: f.contactPhone.trim() || undefined };
      const ans = await loading($('#onboard-submit'), api.post('/api/tenants/onboard', body));
      const tenantId = ans.tenantId || (ans.tenant && ans.tenant.id) || ans.id;
      if (ans.accessToken) api.setToken(ans.accessToken, ans);
      if (ans.tenant && ans.tenant.slug && ans.tenant.slug !== body.slug) slug.value = ans.tenant.slug;
      // Remember the new tenant in the refresh family (docs/auth.md).
      await api.refresh(tenantId);
      location.reload();
    } catch (err) {
      showError(msg, err);
    }
  });
}

async function home(tenant) {
  root.hidden = true;
  $('#home').hidden = false;
  tenantNote($('#tenant-note'), tenant);
  const rows = $('#event-rows');
  const slow = setTimeout(() => replace(rows, h('tr', {}, h('td', { colspan: '4' }, h('span.spinner'), ` ${t('common.loading')}`))), 200);
  try {
    const list = eventList(await api.get('/api/events/mine?limit=200'));
    clearTimeout(slow);
    rows.replaceChildren();
    if (!list.events.length) {
      replace(rows, h('tr', {}, h('td', { colspan: '5', text: t('org.home.no_events') })));
      return;
    }
    for (const ev of list.events) {
      rows.append(h('tr', { 'data-id': ev.id },
        h('td', {}, h('a', { href: `/organizer/event.html?id=${encodeURIComponent(ev.id)}`, text: ev.title })),
        h('td', { text: dateTime(ev.startsAt) }),
        h('td', {}, stamp(ev.status),
          // a platform admin took it out of the catalogue (docs/admin.md)
          ev.unlistedReason ? h('div.small.unlisted', { text: t('org.home.unlisted', { reason: ev.unlistedReason }) }) : null),
        h('td.num', { text: ev.sales ? `${ev.sales.ticketsLive ?? 0} · ${rupees(ev.sales.livePaise ?? 0)}` : '—' }),
        h('td', {}, h('a.btn.btn-small', { href: `/organizer/live.html?id=${encodeURIComponent(ev.id)}`, text: t('org.live.live') }))));
    }
  } catch (err) {
    clearTimeout(slow);
    rows.replaceChildren();
    showError($('#events-msg'), err);
  }
}

async function main() {
  try {
    const s = await orgSession();
    if (s.needsSignIn) { signInPanel(root, t('org.home.sign_in')); return; }
    if (s.needsOnboarding) { onboarding(s.session); return; }
    await home(s.tenant);
  } catch (err) {
    root.hidden = true;
    showError($('#page-msg'), err);
  }
}
main();
