// The sign-in sheet: choose email / SMS / WhatsApp, enter the identifier,
// then the 6-digit code. Server messages are shown in place: a 429 with a
// Retry-After countdown, a wrong code with the tries left. "Continue with
// Google" shows when the server offers it (GET /api/auth/providers); that
// sign-in leaves the page and comes back to it signed in, or with
// ?signin_error=<code>, which reopens the sheet with the reason.
import * as api from './api.js';
import { h, text, showError, clearMsg, showOk, loading, param } from './dom.js';
import { mmss } from './format.js';
import { t, tpl } from './i18n.js';

const CHANNELS = [
  { id: 'email', label: t('auth.ch_email'), type: 'email', auto: 'email', placeholder: 'you@college.ac.in', inputmode: 'email', hint: t('auth.hint_email') },
  { id: 'sms', label: 'SMS', type: 'tel', auto: 'tel', placeholder: '98765 43210', inputmode: 'tel', hint: t('auth.hint_sms') },
  { id: 'whatsapp', label: 'WhatsApp', type: 'tel', auto: 'tel', placeholder: '98765 43210', inputmode: 'tel', hint: t('auth.hint_whatsapp') },
];

// What a refused Google sign-in comes back with (docs/auth.md).
const GOOGLE_ERRORS = {
  missing_state_cookie: t('auth.google_state'),
  invalid_state: t('auth.google_state'),
  google_refused: t('auth.google_refused'),
  email_unverified: t('auth.google_unverified'),
  google_unavailable: t('auth.google_unavailable'),
  rate_limited: t('auth.rate_limited'),
};
const GOOGLE_FAILED = t('auth.google_failed');

let open = null; // the promise of a sheet already showing
let providers = null; // GET /api/auth/providers, asked once a page

function offered() {
  if (!providers) providers = api.get('/api/auth/providers', { auth: false }).catch(() => ({}));
  return providers;
}

// signIn({reason, error}) → Promise<session|null> (null when dismissed).
export function signIn({ reason, error } = {}) {
  if (open) return open;
  open = new Promise((resolve) => {
    const sheet = buildSheet(reason, resolve, error);
    document.body.append(sheet);
    sheet.showModal();
    sheet.querySelector('input[name="to"]').focus();
  }).finally(() => { open = null; });
  return open;
}

// The session, asking the person to sign in first if needed.
export async function requireSignIn(reason) {
  await api.restore();
  if (api.isSignedIn()) return api.getSession();
  return signIn({ reason });
}

// "Continue with Google": a plain link to the start of the flow, which
// returns to this page; hidden unless the server offers it.
function googleRow() {
  const url = new URL(location.href);
  url.searchParams.delete('signin_error');
  const next = url.pathname + url.search;
  const link = h('a.btn.btn-block', {
    id: 'signin-google',
    href: `/api/auth/google/start?next=${encodeURIComponent(next)}`,
    text: t('auth.continue_google'),
    on: { click: () => api.hintSession() },
  });
  const row = h('div.mt-3', { hidden: true }, h('p.hint', { text: t('auth.or') }), link);
  offered().then((p) => { row.hidden = !(p && p.google); });
  return row;
}

// Back from a refused Google sign-in: drop the code from the address and
// reopen the sheet with the reason.
function googleErrorFromUrl() {
  const code = param('signin_error');
  if (!code) return;
  const url = new URL(location.href);
  url.searchParams.delete('signin_error');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  signIn({ error: GOOGLE_ERRORS[code] || GOOGLE_FAILED }).then((s) => { if (s) location.reload(); });
}
if (typeof location !== 'undefined') setTimeout(googleErrorFromUrl, 0);

function buildSheet(reason, resolve, error) {
  let channel = CHANNELS[0];
  let challengeId = null;
  let cooldownTimer = null;
  let settled = false;

  const finish = (value) => {
    if (settled) return;
    settled = true;
    clearInterval(cooldownTimer);
    sheet.close();
    sheet.remove();
    resolve(value);
  };

  // --- step 1: where to send the code
  const msg1 = h('p.msg', { hidden: true, 'aria-live': 'polite' });
  const toInput = h('input.input', { id: 'signin-to', name: 'to', required: true });
  const hint = h('p.hint', { id: 'signin-to-hint' });
  const sendBtn = h('button.btn.btn-primary.btn-block', { type: 'submit', text: t('account.send_code') });
  const countdown = h('p.hint', { 'aria-live': 'polite' });
  const radios = CHANNELS.map((c, i) => h('label', {},
    h('input', { type: 'radio', name: 'channel', value: c.id, checked: i === 0, on: { change: () => setChannel(c) } }),
    h('span', { text: c.label })));
  const toLabel = h('label', { for: 'signin-to', text: t('account.email_address') });
  const form1 = h('form', { novalidate: true },
    h('div.field', {}, h('span.label', { id: 'signin-ch', text: t('auth.send_by') }),
      h('div.segmented', { role: 'radiogroup', 'aria-labelledby': 'signin-ch' }, radios)),
    h('div.field', {}, toLabel, toInput, hint),
    msg1, sendBtn, countdown, googleRow());

  function setChannel(c) {
    channel = c;
    setProps(toInput, c);
    text(toLabel, c.id === 'email' ? t('account.email_address') : t('auth.mobile_number'));
    text(hint, c.hint);
    clearMsg(msg1);
  }
  function setProps(el, c) {
    el.type = c.type;
    el.autocomplete = c.auto;
    el.placeholder = c.placeholder;
    el.inputMode = c.inputmode;
    el.setAttribute('aria-describedby', 'signin-to-hint');
    el.value = '';
  }
  setChannel(channel);
  if (error) showError(msg1, error);

  function startCooldown(seconds, btn, label) {
    clearInterval(cooldownTimer);
    let left = seconds;
    btn.disabled = true;
    const tick = () => {
      if (left <= 0) {
        clearInterval(cooldownTimer);
        btn.disabled = false;
        text(countdown, '');
        text(resendNote, '');
        return;
      }
      const line = t('auth.cooldown', { label, time: mmss(left) });
      text(countdown, line);
      text(resendNote, line);
      left -= 1;
    };
    tick();
    cooldownTimer = setInterval(tick, 1000);
  }

  async function send(fromStep2 = false) {
    const to = toInput.value.trim();
    const box = fromStep2 ? msg2 : msg1;
    clearMsg(box);
    if (!to) {
      showError(msg1, channel.id === 'email' ? t('auth.enter_email') : t('auth.enter_mobile'));
      toInput.setAttribute('aria-invalid', 'true');
      toInput.focus();
      return;
    }
    toInput.removeAttribute('aria-invalid');
    const btn = fromStep2 ? resendBtn : sendBtn;
    try {
      const res = await loading(btn, api.post('/api/auth/otp/send', { channel: channel.id, to }, { auth: false }));
      challengeId = res.challengeId;
      text(sentTo, to);
      form1.hidden = true;
      form2.hidden = false;
      codeInput.value = '';
      codeInput.focus();
      if (fromStep2) showOk(msg2, t('auth.new_code_sent'));
      startCooldown(30, resendBtn, t('auth.resend_possible'));
    } catch (err) {
      showError(box, err);
      if (err.status === 429 && err.retryAfter) startCooldown(err.retryAfter, btn, t('auth.try_again'));
      if (err.code === 'invalid_field' || err.status === 400) toInput.setAttribute('aria-invalid', 'true');
    }
  }
  form1.addEventListener('submit', (e) => { e.preventDefault(); send(false); });

  // --- step 2: the code
  const sentTo = h('strong');
  const msg2 = h('p.msg', { hidden: true, 'aria-live': 'polite' });
  const codeInput = h('input.input.input-code', {
    id: 'signin-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxlength: '6', required: true, 'aria-describedby': 'signin-code-hint',
  });
  const verifyBtn = h('button.btn.btn-primary.btn-block', { type: 'submit', text: t('auth.verify_sign_in') });
  const resendBtn = h('button.btn.btn-small', { type: 'button', text: t('auth.send_new_code'), on: { click: () => send(true) } });
  const resendNote = h('span.hint', { 'aria-live': 'polite' });
  const backBtn = h('button.btn.btn-small.btn-ghost', {
    type: 'button', text: t('common.change'),
    on: { click: () => { form2.hidden = true; form1.hidden = false; clearMsg(msg1); toInput.focus(); } },
  });
  const form2 = h('form', { novalidate: true, hidden: true },
    h('p', {}, ...tpl('auth.sent_code_to', { to: sentTo }), ' ', backBtn),
    h('div.field', {}, h('label', { for: 'signin-code', text: t('account.6_digit_code') }), codeInput,
      h('p.hint', { id: 'signin-code-hint', text: t('auth.code_valid') })),
    msg2, verifyBtn,
    h('div.btn-row.mt-3', {}, resendBtn, resendNote));

  codeInput.addEventListener('input', () => {
    codeInput.value = codeInput.value.replace(/\D/g, '').slice(0, 6);
    if (codeInput.value.length === 6) form2.requestSubmit();
  });
  form2.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = codeInput.value.trim();
    clearMsg(msg2);
    if (!/^\d{6}$/.test(code)) {
      showError(msg2, t('auth.enter_6'));
      codeInput.focus();
      return;
    }
    if (verifyBtn.disabled) return;
    try {
      const body = await loading(verifyBtn, api.post('/api/auth/otp/verify', { challengeId, code }, { auth: false }));
      api.setToken(body.accessToken, body);
      finish(api.getSession());
    } catch (err) {
      showError(msg2, err);
      codeInput.setAttribute('aria-invalid', 'true');
      codeInput.select();
      if (err.code === 'code_expired') verifyBtn.disabled = true;
    }
  });
  codeInput.addEventListener('input', () => { verifyBtn.disabled = false; });

  const closeBtn = h('button.icon-btn', { type: 'button', 'aria-label': t('common.close'), text: '✕', on: { click: () => finish(null) } });
  const sheet = h('dialog.sheet', { 'aria-labelledby': 'signin-title', id: 'signin-sheet' },
    h('div.sheet-head', {}, h('h2', { id: 'signin-title', text: t('common.sign_in') }), closeBtn),
    h('div.sheet-body', {},
      reason ? h('p.small', { text: reason }) : null,
      form1, form2,
      h('p.hint', { text: t('auth.no_password') })));
  sheet.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
  return sheet;
}
