// Accepting a team invitation: the link in the invitation message
// (/organizer/invite.html?token=…, POST /api/tenants/invitations/accept)
// or, without a link, the signed-in user's pending invitations
// (GET /api/tenants/invitations/mine, POST …/:id/accept).
import * as api from '../api.js';
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, showError, clearMsg, loading, param } from '../dom.js';
import { myInvitations, switchToJoined } from './common.js';

const KEY = 'zt_invite_token';

// The token of the link, kept for this tab only (sessionStorage) so that a
// sign-in reload keeps it, and taken out of the address bar and history.
function takeToken() {
  let t = param('token');
  try {
    if (t) sessionStorage.setItem(KEY, t);
    else t = sessionStorage.getItem(KEY);
  } catch { /* storage off: the token lives in this page only */ }
  if (param('token')) history.replaceState(null, '', location.pathname);
  return t;
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
    h('p.msg.msg-ok', { id: 'invite-done', role: 'status', text: `You joined ${tenant ? tenant.name : 'the organization'} as ${ans.invitation.role}.` }),
    h('p', {}, h('a.btn.btn-primary', { href: '/organizer/', text: 'Go to the organizer portal' })));
}

async function main() {
  const body = $('#invite-body');
  const token = takeToken();
  const session = await boot();
  if (!session) {
    const btn = h('button.btn.btn-primary', { type: 'button', id: 'invite-signin', text: token ? 'Sign in to accept' : 'Sign in' });
    btn.addEventListener('click', async () => {
      if (await signIn({ reason: 'Sign in with the email address or phone number the invitation was sent to.' })) location.reload();
    });
    replace(body, h('p', { text: token
      ? 'You have been invited to join an organization on ztic. Sign in with the email address or phone number the invitation was sent to.'
      : 'Sign in to see the invitations sent to you.' }), btn);
    return;
  }
  const who = session.user.email || session.user.phone || '';
  const list = h('div', { id: 'my-invites' });
  if (!token) {
    const found = await myInvitations(list, (ans) => joined(body, ans));
    replace(body, found.length ? h('p', { text: `Invitations for ${who}:` }) : h('p', { text: `No pending invitations for ${who}.` }), list);
    return;
  }
  const found = await myInvitations(list, (ans) => joined(body, ans));
  const mine = found.find((inv) => inv.invitationId === idOf(token));
  const msg = h('p.msg', { id: 'invite-msg', hidden: true });
  const btn = h('button.btn.btn-primary', { type: 'button', id: 'invite-accept', text: 'Accept invitation' });
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
      ? `${mine.tenant.name} invites you to join as ${mine.role}${mine.invitedBy ? ` (sent by ${mine.invitedBy})` : ''}.`
      : 'You have been invited to join an organization on ztic.' }),
    h('p.small.muted', { text: `Signed in as ${who}. The invitation must have been sent to this email address or phone number.` }),
    btn, msg);
}

main().catch((err) => showError($('#page-msg'), err));
