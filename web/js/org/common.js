// Organizer portal shell: sign-in, the active tenant, the tenant switcher.
import * as api from '../api.js';
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, text, showError } from '../dom.js';

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
  const sel = h('select.select', { id: 'tenant-select', 'aria-label': 'Organization' },
    ms.map((m) => h('option', { value: m.tenantId, selected: m.tenantId === tenant.tenantId, text: `${m.name} (${m.role}${m.status && m.status !== 'active' ? `, ${m.status}` : ''})` })));
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
export function signInPanel(el, reason = 'Sign in to manage your events.') {
  const btn = h('button.btn.btn-primary', { type: 'button', text: 'Sign in', id: 'org-signin' });
  btn.addEventListener('click', async () => { if (await signIn({ reason })) location.reload(); });
  replace(el, h('div.empty', {}, h('p', { text: reason }), btn));
}

export function roleAtLeast(role, need) {
  const rank = { scanner: 1, manager: 2, owner: 3 };
  return (rank[role] || 0) >= (rank[need] || 0);
}

export function tenantNote(el, tenant) {
  if (tenant && tenant.status && tenant.status !== 'active') {
    text(el, `${tenant.name} is ${tenant.status}: you can build events now; they appear in the public catalogue once the platform approves the organization.`);
    el.className = 'msg msg-info';
    el.hidden = false;
  }
}
