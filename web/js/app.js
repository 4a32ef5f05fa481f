// Page shell shared by every page: the account corner of the top bar.
import * as api from './api.js';
import { signIn } from './auth.js';
import { h, replace, $, toast } from './dom.js';

function who(session) {
  const u = session && session.user;
  if (!u) return '';
  return u.name || u.email || u.phone || 'Signed in';
}

function renderAccount(slot, session) {
  if (!slot) return;
  if (session && session.user) {
    const out = h('button.btn.btn-small', {
      type: 'button', text: 'Sign out', id: 'signout',
      on: {
        click: async () => {
          await api.logout().catch((e) => toast(e, 'error'));
          location.reload();
        },
      },
    });
    // the name opens the account page (a short "Account" where the name
    // is hidden: phones)
    replace(slot,
      h('a.small.account-name', { href: '/account.html', text: who(session), title: `Your account: ${who(session)}` }),
      h('a.small.account-short', { href: '/account.html', text: 'Account' }),
      ' ', out);
  } else {
    replace(slot, h('button.btn.btn-small.btn-primary', {
      type: 'button', text: 'Sign in', id: 'signin',
      // like sign-out, sign-in re-renders the page with the new session
      // (issue #23: /organizer/ kept saying "Sign in to …" under a top
      // bar that already showed the organizer's name)
      on: { click: async () => { if (await signIn()) location.reload(); } },
    }));
  }
}

// boot(): restores the session (one refresh if a session may exist) and
// keeps the account corner current. Resolves to the session or null.
export async function boot() {
  const slot = $('#account');
  api.onAuthChange((s) => renderAccount(slot, s));
  const session = await api.restore();
  renderAccount(slot, session ? api.getSession() : null);
  return session ? api.getSession() : null;
}
