// An event's waiting lists for its organizer (docs/commerce.md, "Waiting
// list"): /organizer/waitlist.html?event=<id>. Every entry in line order
// with its quantity and state (waiting, offered until …, booked, expired,
// left), the counts per state, and "Offer now" for a waiting entry.
// APIs: GET /api/events/:id/waitlist/entries,
// POST /api/events/:id/waitlist/entries/:entryId/offer. Managers and
// owners. Every English string of the page is in T below.
import * as api from '../api.js';
import { h, $, replace, text, showError, loading, param } from '../dom.js';
import { dateTime } from '../format.js';
import { t } from '../i18n.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';

const STATES = {
  waiting: t('org.wl.st_waiting'),
  offered: t('org.wl.st_offered'),
  booked: t('org.wl.st_booked'),
  expired: t('org.wl.st_expired'),
  left: t('org.wl.st_left'),
  cancelled: t('org.wl.st_cancelled'),
};

const T = {
  title: t('common.waiting_list'),
  list: t('org.wl.list'),
  intro: t('org.wl.intro'),
  head: ['#', t('org.wl.h_person'), t('org.wl.h_wants'), t('org.wl.h_list'), t('org.wl.h_state'), t('org.wl.h_joined'), ''],
  offer: t('org.wl.offer'),
  offered: t('org.wl.offered'),
  noEvent: t('org.wl.no_event'),
  forManagers: t('org.wl.for_managers'),
  empty: t('org.wl.empty'),
  state: (e) => (e.status === 'offered' && e.offerExpiresAt ? t('org.wl.offered_until', { time: dateTime(e.offerExpiresAt) }) : STATES[e.status] || e.status),
  counts: (c) => t('org.wl.counts', c),
};

const root = $('#org-root');
const eventId = param('event');

function row(e, reload) {
  const msg = h('span.small');
  const btn = e.status === 'waiting' ? h('button.btn.btn-small', { type: 'button', text: T.offer }) : null;
  btn && btn.addEventListener('click', async () => {
    try {
      await loading(btn, api.post(`/api/events/${encodeURIComponent(eventId)}/waitlist/entries/${encodeURIComponent(e.id)}/offer`));
      msg.className = 'small msg-ok';
      msg.textContent = T.offered;
      reload();
    } catch (err) {
      msg.className = 'small msg-error';
      msg.textContent = err.message;
    }
  });
  return h('tr', { 'data-entry': e.id, 'data-status': e.status },
    h('td', { text: e.position ?? '' }),
    h('td', {}, h('span', { text: e.name || '' }), h('br'), h('span.small.muted', { text: e.contact || '' })),
    h('td', { text: String(e.quantity) }),
    h('td.small', { text: e.ticketTypeId || e.priceCategoryId }),
    h('td', { text: T.state(e) }),
    h('td.small', { text: dateTime(e.joinedAt) }),
    h('td', {}, btn, msg));
}

async function load() {
  try {
    const ans = await api.get(`/api/events/${encodeURIComponent(eventId)}/waitlist/entries`);
    text($('#wl-counts'), T.counts(ans.counts));
    replace($('#wl-rows'), ans.entries.length
      ? ans.entries.map((e) => row(e, load))
      : h('tr', {}, h('td', { colspan: 7, text: T.empty })));
  } catch (err) {
    showError($('#page-msg'), err);
  }
}

async function main() {
  let s;
  try {
    s = await orgSession();
  } catch (err) {
    showError($('#page-msg'), err);
    return;
  }
  if (s.needsSignIn) { signInPanel(root); return; }
  if (s.needsOnboarding || !roleAtLeast(s.session.role, 'manager')) {
    replace(root, h('div.empty', {}, h('p', { text: T.forManagers })));
    return;
  }
  if (!eventId) { replace(root, h('div.empty', {}, h('p', { text: T.noEvent }))); return; }
  root.hidden = true;
  $('#wl-page').hidden = false;
  text($('#wl-title'), T.title);
  text($('#wl-list-h'), T.list);
  text($('#wl-intro'), T.intro);
  replace($('#wl-head'), h('tr', {}, T.head.map((x) => h('th', { text: x }))));
  load();
}
main();
