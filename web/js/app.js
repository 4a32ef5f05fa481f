// Page shell shared by every page: the account corner of the top bar.
import * as api from './api.js';
import { signIn } from './auth.js';
import { h, replace, $, toast } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';

// The language chosen in the top bar is saved on the account too (when
// signed in), so another browser signing in picks it up. Until the server
// knows the field (hindi-server adds `lang` to PATCH /api/auth/me) the
// call may be refused: the choice is kept in this browser all the same.
i18n.onChange((lang) => (api.getSession() ? api.patch('/api/auth/me', { lang }) : null));

// An account's language applies in a browser that has no choice of its
// own yet: once, then it is this browser's too.
function adoptAccountLang(session) {
  const l = session && session.user && session.user.lang;
  if (!l || !i18n.LANGS[l] || i18n.chosen()) return false;
  i18n.remember(l);
  if (l === i18n.lang) return false;
  location.reload();
  return true;
}

function who(session) {
  const u = session && session.user;
  if (!u) return '';
  return u.name || u.email || u.phone || t('app.signed_in');
}

function renderAccount(slot, session) {
  if (!slot) return;
  if (session && session.user) {
    const out = h('button.btn.btn-small', {
      type: 'button', text: t('app.sign_out'), id: 'signout',
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
      h('a.small.account-name', { href: '/account.html', text: who(session), title: t('app.your_account_name', { name: who(session) }) }),
      h('a.small.account-short', { href: '/account.html', text: t('app.account') }),
      ' ', out);
  } else {
    replace(slot, h('button.btn.btn-small.btn-primary', {
      type: 'button', text: t('common.sign_in'), id: 'signin',
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
  if (session) adoptAccountLang(api.getSession());
  renderAccount(slot, session ? api.getSession() : null);
  return session ? api.getSession() : null;
}
