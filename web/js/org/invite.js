// Accepting a team invitation: the link in the invitation message
// (/organizer/invite.html?token=…, POST /api/tenants/invitations/accept)
// or, without a link, the signed-in user's pending invitations
// (GET /api/tenants/invitations/mine, POST …/:id/accept).
import * as api from '../api.js';
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, showError, clearMsg, loading, param } from '../dom.js';
import { myInvitations, switchToJoined, roleName } from './common.js';
import { t } from '../i18n.js';

const KEY = 'zt_invite_token';

// The token of the link, kept for this tab only (sessionStorage) so that a
// sign-in reload keeps it, and taken out of the address bar and history.
function takeToken() {
  let tk = param('token');
  try {
    if (tk) sessionStorage.setItem(KEY, tk);
    else tk = sessionStorage.getItem(KEY);
  } catch { /* storage off: the token lives in this page only */ }
  if (param('token')) history.replaceState(null, '', location.pathname);
  return tk;
}

function forget() {
  try { sessionStorage.removeItem(KEY); } catch { /* nothing kept */ }
}

// The invitation id is the token's first 16 bytes (base64url).
function idOf(token) {
  try {
    const b = atob(token.slice(0, 22).replace(/-/g, '+').replace(/_/g, '/') + '==');
    const hex = Array.from(b.slice(0, 16), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  } catch {
    return '';
  }
}

async function joined(body, ans) {
  forget();
  const tenant = await switchToJoined(ans);
  replace(body,
    h('p.msg.msg-ok', { id: 'invite-done', role: 'status', text: t('org.invite.joined', { org: tenant ? tenant.name : t('org.invite.the_org'), role: roleName(ans.invitation.role) }) }),
    h('p', {}, h('a.btn.btn-primary', { href: '/organizer/', text: t('org.invite.go_portal') })));
}

async function main() {
  const body = $('#invite-body');
  const token = takeToken();
  const session = await boot();
  if (!session) {
    const btn = h('button.btn.btn-primary', { type: 'button', id: 'invite-signin', text: token ? t('org.invite.sign_in_accept') : t('common.sign_in') });
    btn.addEventListener('click', async () => {
      if (await signIn({ reason: t('org.invite.sign_in_with') })) location.reload();
    });
    replace(body, h('p', { text: token
      ? t('org.invite.invited_sign_in')
      : t('org.invite.sign_in_see') }), btn);
    return;
  }
  const who = session.user.email || session.user.phone || '';
  const list = h('div', { id: 'my-invites' });
  if (!token) {
    const found = await myInvitations(list, (ans) => joined(body, ans));
    replace(body, found.length ? h('p', { text: t('org.invite.for_who', { who }) }) : h('p', { text: t('org.invite.none_for', { who }) }), list);
    return;
  }
  const found = await myInvitations(list, (ans) => joined(body, ans));
  const mine = found.find((inv) => inv.invitationId === idOf(token));
  const msg = h('p.msg', { id: 'invite-msg', hidden: true });
  const btn = h('button.btn.btn-primary', { type: 'button', id: 'invite-accept', text: t('org.invite.accept') });
  btn.addEventListener('click', async () => {
    clearMsg(msg);
    try {
      const ans = await loading(btn, api.post('/api/tenants/invitations/accept', { token }));
      await joined(body, ans);
    } catch (err) {
      showError(msg, err);
      // another account may still accept it after signing in again
      if (err.code !== 'invitation_not_for_you' && err.status >= 400 && err.status < 500 && err.status !== 429) forget();
    }
  });
  replace(body,
    h('p', { text: mine
      ? t(mine.invitedBy ? 'org.common.invites_you_by' : 'org.common.invites_you', { org: mine.tenant.name, role: roleName(mine.role), by: mine.invitedBy })
      : t('org.invite.invited') }),
    h('p.small.muted', { text: t('org.invite.signed_in_as', { who }) }),
    btn, msg);
}

main().catch((err) => showError($('#page-msg'), err));
