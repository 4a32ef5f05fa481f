// Organizer portal shell: sign-in, the active tenant, the tenant switcher.
import * as api from '../api.js';
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, text, showError } from '../dom.js';
import { t, tpl } from '../i18n.js';

// A member's role as the team page names it.
const ROLES = { owner: t('role.owner'), manager: t('role.manager'), scanner: t('role.scanner') };
export function roleName(role) {
  return ROLES[role] || role || '';
}

// The signed-in user with an active tenant, or a reason why not:
// {session, tenant} | {needsSignIn} | {needsOnboarding, session}
export async function orgSession() {
  let session = await boot();
  if (!session) return { needsSignIn: true };
  const ms = session.memberships || [];
  if (!ms.length) return { needsOnboarding: true, session };
  if (!session.tenantId) {
    // signed in without an active tenant: take the first one
    await api.refresh(ms[0].tenantId);
    session = api.getSession();
  }
  const tenant = ms.find((m) => m.tenantId === session.tenantId) || ms[0];
  renderSwitcher(session, tenant);
  return { session, tenant };
}

// <select> of the user's organizations; switching refreshes with {tenantId}.
function renderSwitcher(session, tenant) {
  const slot = $('#tenant-switch');
  if (!slot) return;
  const ms = session.memberships || [];
  const sel = h('select.select', { id: 'tenant-select', 'aria-label': t('common.organization') },
    ms.map((m) => h('option', { value: m.tenantId, selected: m.tenantId === tenant.tenantId, text: `${m.name} (${roleName(m.role)}${m.status && m.status !== 'active' ? `, ${m.status}` : ''})` })));
  sel.addEventListener('change', async () => {
    try {
      await api.refresh(sel.value);
      location.reload();
    } catch (err) {
      showError($('#page-msg'), err);
    }
  });
  replace(slot, ms.length > 1 ? sel : h('strong', { text: tenant.name }));
}

// Render the "sign in to continue" panel into main.
export function signInPanel(el, reason = t('org.common.sign_in_manage')) {
  const btn = h('button.btn.btn-primary', { type: 'button', text: t('common.sign_in'), id: 'org-signin' });
  btn.addEventListener('click', async () => { if (await signIn({ reason })) location.reload(); });
  replace(el, h('div.empty', {}, h('p', { text: reason }), btn));
}

export function roleAtLeast(role, need) {
  const rank = { scanner: 1, manager: 2, owner: 3 };
  return (rank[role] || 0) >= (rank[need] || 0);
}

export function tenantNote(el, tenant) {
  if (tenant && tenant.status && tenant.status !== 'active') {
    text(el, t('org.common.pending_approval', { name: tenant.name, status: tenant.status }));
    el.className = 'msg msg-info';
    el.hidden = false;
  }
}

// The signed-in user's pending invitations (GET /api/tenants/invitations/mine)
// into el, each with an Accept button (POST …/invitations/:id/accept).
// onAccepted(answer) runs after a successful accept. Resolves to the list.
export async function myInvitations(el, onAccepted) {
  let list = [];
  try {
    list = (await api.get('/api/tenants/invitations/mine')).invitations || [];
  } catch (err) {
    const msg = h('p.msg');
    replace(el, msg);
    showError(msg, err);
    return [];
  }
  replace(el, list.map((inv) => {
    const msg = h('p.msg', { hidden: true });
    const btn = h('button.btn.btn-primary', { type: 'button', text: t('transfer.accept'), 'data-accept': inv.invitationId });
    btn.addEventListener('click', async () => {
      msg.hidden = true;
      btn.disabled = true;
      try {
        const ans = await api.post(`/api/tenants/invitations/${encodeURIComponent(inv.invitationId)}/accept`);
        await onAccepted(ans);
      } catch (err) {
        showError(msg, err);
      } finally {
        btn.disabled = false;
      }
    });
    return h('div.panel.invitation', { 'data-invitation': inv.invitationId },
      h('p', {}, ...tpl(inv.invitedBy ? 'org.common.invites_you_by' : 'org.common.invites_you', { org: h('strong', { text: inv.tenant.name }), role: roleName(inv.role), by: inv.invitedBy })),
      btn, msg);
  }));
  return list;
}

// After an accept: make the joined tenant the active one (the refresh
// family remembers it, docs/auth.md).
export async function switchToJoined(ans) {
  const tenant = ans && ans.invitation && ans.invitation.tenant;
  if (tenant && tenant.id) await api.refresh(tenant.id);
  return tenant;
}
