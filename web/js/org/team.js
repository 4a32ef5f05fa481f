// Tenant profile (GET/PATCH /api/tenants/me) and team
// (GET/DELETE /api/tenants/me/members[/:userId]); invitations
// (POST /api/tenants/me/members answers 202 with a pending invitation,
// GET/DELETE /api/tenants/me/invitations[/:id]).
import * as api from '../api.js';
import { h, $, replace, showError, showOk, clearMsg, loading, stamp } from '../dom.js';
import { dateTime } from '../format.js';
import { orgSession, signInPanel, roleAtLeast, roleName } from './common.js';
import { t } from '../i18n.js';

const root = $('#org-root');

function fill(form, tk) {
  const b = tk.branding || {};
  const p = tk.payout || tk.payoutDetails || {};
  const set = (name, v) => { const el = form.elements.namedItem(name); if (el && v !== undefined && v !== null) el.value = v; };
  set('name', tk.name);
  set('institution', tk.institution);
  set('contactEmail', tk.contactEmail || tk.contact_email);
  set('contactPhone', tk.contactPhone || tk.contact_phone);
  set('tagline', b.tagline);
  if (/^#[0-9a-fA-F]{6}$/.test(b.accent || '')) set('accent', b.accent);
  set('method', p.method);
  set('upiId', p.upiId || p.upi_id);
  set('bankAccountName', p.accountName || p.bankAccountName);
  set('bankAccountNumber', p.accountNumber || p.bankAccountNumber);
  set('bankIfsc', p.ifsc || p.bankIfsc);
}

function memberRow(m, me, canManage, reload) {
  const who = m.email || m.phone || m.name || m.userId;
  const msg = h('span.small');
  const remove = canManage && m.userId !== me ? h('button.btn.btn-small.btn-danger', { type: 'button', text: t('org.team.remove') }) : null;
  remove && remove.addEventListener('click', async () => {
    if (!confirm(t('org.team.confirm_remove', { who }))) return;
    try {
      await loading(remove, api.del(`/api/tenants/me/members/${encodeURIComponent(m.userId)}`));
      reload();
    } catch (err) {
      msg.className = 'small msg-error';
      msg.textContent = err.message;
    }
  });
  return h('tr', {}, h('td', { text: who }), h('td', { text: roleName(m.role) }), h('td', {}, remove, msg));
}

async function loadMembers(session, canManage) {
  const rows = $('#member-rows');
  try {
    const ans = await api.get('/api/tenants/me/members');
    const list = Array.isArray(ans) ? ans : ans.members || [];
    replace(rows, list.map((m) => memberRow({ ...m, userId: m.userId || m.id }, session.user.id, canManage, () => loadMembers(session, canManage))));
  } catch (err) {
    showError($('#team-msg'), err);
  }
}

function inviteRow(inv, reload) {
  const who = inv.email || inv.phone || '';
  const msg = h('span.small');
  const revoke = h('button.btn.btn-small.btn-danger', { type: 'button', text: t('org.team.revoke') });
  revoke.addEventListener('click', async () => {
    if (!confirm(t('org.team.confirm_revoke', { who }))) return;
    try {
      await loading(revoke, api.del(`/api/tenants/me/invitations/${encodeURIComponent(inv.invitationId)}`));
      reload();
    } catch (err) {
      msg.className = 'small msg-error';
      msg.textContent = err.message;
    }
  });
  return h('tr', { 'data-invitation': inv.invitationId },
    h('td', { text: who }), h('td', { text: roleName(inv.role) }),
    h('td', {}, stamp('pending', t('admin.pending'))),
    h('td', { text: inv.expiresAt ? dateTime(inv.expiresAt) : '' }),
    h('td', {}, revoke, msg));
}

async function loadInvitations() {
  const box = $('#pending-invites');
  try {
    const ans = await api.get('/api/tenants/me/invitations');
    const list = ans.invitations || [];
    box.hidden = list.length === 0;
    replace($('#invite-rows'), list.map((inv) => inviteRow(inv, loadInvitations)));
  } catch (err) {
    showError($('#team-msg'), err);
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
  if (s.needsOnboarding) { location.replace('/organizer/'); return; }
  root.hidden = true;
  $('#team-page').hidden = false;
  const owner = roleAtLeast(s.session.role, 'owner');
  const manager = roleAtLeast(s.session.role, 'manager');
  const form = $('#profile-form');
  // managers edit the profile; payout details are the owners' (masked)
  if (!manager) for (const el of form.elements) el.disabled = true;
  if (!owner) for (const el of form.querySelectorAll('fieldset input, fieldset select')) el.disabled = true;
  try {
    const tk = await loading(form, api.get('/api/tenants/me'));
    fill(form, tk.tenant || tk);
  } catch (err) {
    showError($('#profile-msg'), err);
  }
  let payoutTouched = false;
  form.querySelector('fieldset').addEventListener('input', () => { payoutTouched = true; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#profile-msg');
    clearMsg(msg);
    const f = Object.fromEntries(new FormData(form));
    const body = {
      name: f.name, institution: f.institution, contactEmail: f.contactEmail || '', contactPhone: f.contactPhone || '',
      branding: { tagline: f.tagline || '', accent: f.accent },
    };
    // payout details come back masked: send them only when they were typed
    if (owner && payoutTouched) {
      body.payout = f.method === 'upi' ? { method: 'upi', upiId: f.upiId } : { method: 'bank', accountName: f.bankAccountName, accountNumber: f.bankAccountNumber, ifsc: f.bankIfsc };
    }
    try {
      await loading($('#profile-save'), api.patch('/api/tenants/me', body));
      showOk(msg, t('common.saved'));
      payoutTouched = false;
    } catch (err) {
      showError(msg, err);
    }
  });
  const inv = $('#invite-form');
  if (!manager) { inv.hidden = true; $('#team-h').parentElement.hidden = true; }
  inv.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#team-msg');
    clearMsg(msg);
    const f = Object.fromEntries(new FormData(inv));
    const who = (f.who || '').trim();
    if (!who) { showError(msg, t('org.team.enter_who')); return; }
    const body = who.includes('@') ? { email: who, role: f.role } : { phone: who, role: f.role };
    try {
      const ans = await loading($('#invite-submit'), api.post('/api/tenants/me/members', body));
      inv.reset();
      showOk(msg, t(ans.email ? 'org.team.sent_email' : 'org.team.sent_phone', { to: ans.email || ans.phone }));
      loadInvitations();
    } catch (err) {
      showError(msg, err);
    }
  });
  if (manager) { loadMembers(s.session, manager); loadInvitations(); }
}
main();
