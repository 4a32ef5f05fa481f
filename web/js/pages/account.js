// Your account (docs/privacy.md): your name (PATCH /api/auth/me), a second
// email or phone proven by a code (POST /api/auth/me/identifiers, then
// …/verify), and the sessions you are signed in with
// (GET/DELETE /api/auth/sessions[/:id]).
import * as api from '../api.js';
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, $$, replace, text, showError, showOk, clearMsg, toast, loading, saveBlob } from '../dom.js';
import { dateTime } from '../format.js';
import { t } from '../i18n.js';

function showUser(u) {
  text($('#my-email'), u.email || '—');
  text($('#my-phone'), u.phone || '—');
  const name = $('#name');
  if (document.activeElement !== name) name.value = u.name || '';
}

// ---------------------------------------------------------------- name --
$('#name-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('#name-msg');
  clearMsg(m);
  const name = $('#name').value.trim();
  if (!name) { showError(m, t('account.enter_name')); $('#name').setAttribute('aria-invalid', 'true'); return; }
  $('#name').removeAttribute('aria-invalid');
  try {
    const ans = await loading($('#name-save'), api.patch('/api/auth/me', { name }));
    showUser(ans.user);
    await api.refresh().catch(() => null); // the top bar shows the new name
    showOk(m, t('common.saved'));
  } catch (err) {
    showError(m, err);
  }
});

// ------------------------------------------------------ email and phone --
let challenge = null;
const channel = () => ($$('#ident-form input[name="channel"]').find((x) => x.checked) || {}).value || 'email';
for (const r of $$('#ident-form input[name="channel"]')) {
  r.addEventListener('change', () => {
    const email = channel() === 'email';
    text($('#ident-to-label'), email ? t('account.email_address') : t('auth.mobile_number'));
    $('#ident-to').type = email ? 'email' : 'tel';
    $('#ident-to').autocomplete = email ? 'email' : 'tel';
  });
}
$('#ident-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('#ident-msg');
  clearMsg(m);
  const to = $('#ident-to').value.trim();
  if (!to) { showError(m, channel() === 'email' ? t('auth.enter_email') : t('auth.enter_mobile')); return; }
  try {
    const ans = await loading($('#ident-send'), api.post('/api/auth/me/identifiers', { channel: channel(), to }));
    challenge = ans.challengeId;
    text($('#code-to'), to);
    $('#ident-form').hidden = true;
    $('#code-form').hidden = false;
    $('#ident-code').value = '';
    $('#ident-code').focus();
  } catch (err) {
    showError(m, err);
  }
});
$('#code-back').addEventListener('click', () => {
  $('#code-form').hidden = true;
  $('#ident-form').hidden = false;
  clearMsg($('#code-msg'));
  $('#ident-to').focus();
});
$('#code-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('#code-msg');
  clearMsg(m);
  const code = $('#ident-code').value.trim();
  if (!/^[0-9]{6}$/.test(code)) { showError(m, t('auth.enter_6')); return; }
  try {
    const ans = await loading($('#code-verify'), api.post('/api/auth/me/identifiers/verify', { challengeId: challenge, code }));
    showUser(ans.user);
    $('#code-form').hidden = true;
    $('#ident-form').hidden = false;
    $('#ident-to').value = '';
    toast(t('account.added'), 'ok');
  } catch (err) {
    showError(m, err);
  }
});

// ------------------------------------------------------------ sessions --
// "Chrome on Android" from a User-Agent, else the string itself.
function device(ua) {
  if (!ua) return t('account.unknown_device');
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux|X11/.test(ua) ? 'Linux' : null;
  if (browser && os) return t('account.browser_on_os', { browser, os });
  return ua.length > 60 ? `${ua.slice(0, 60)}…` : ua;
}

function sessionLine(s) {
  const end = s.current ? null : h('button.btn.btn-small', { type: 'button', text: t('account.end'), 'aria-label': t('account.end_session_on', { device: device(s.userAgent) }) });
  const li = h('li', { 'data-session': s.id },
    h('span', {},
      h('strong', { text: device(s.userAgent), title: s.userAgent || '' }),
      s.current ? h('span.small', { text: ` · ${t('account.this_device')}` }) : null,
      h('br'),
      h('span.small.muted', { text: t('account.signed_in_used', { signed: dateTime(s.createdAt), used: dateTime(s.lastUsedAt) }) })),
    end);
  if (end) {
    end.addEventListener('click', async () => {
      try {
        await loading(end, api.del(`/api/auth/sessions/${encodeURIComponent(s.id)}`));
        li.remove();
        toast(t('account.session_ended'), 'ok');
      } catch (err) {
        showError($('#sessions-msg'), err);
      }
    });
  }
  return li;
}

async function loadSessions() {
  const m = $('#sessions-msg');
  clearMsg(m);
  try {
    const ans = await api.get('/api/auth/sessions');
    replace($('#sessions'), ...ans.sessions.map(sessionLine));
  } catch (err) {
    showError(m, err);
  }
}

$('#end-others').addEventListener('click', async (e) => {
  try {
    const ans = await loading(e.currentTarget, api.del('/api/auth/sessions'));
    toast(ans.ended ? t('account.signed_out_n', { n: ans.ended }) : t('account.no_other_sessions'), 'ok');
    loadSessions();
  } catch (err) {
    showError($('#sessions-msg'), err);
  }
});

// ------------------------------------------------------------ consents --
function showConsents(c) {
  $('#c-marketing').checked = !!c.marketing.granted;
  $('#c-organizer').checked = !!c.organizerContact.granted;
  const at = (x) => (x.at ? t(x.granted ? 'account.given_at' : 'account.withdrawn_at', { time: dateTime(x.at) }) : t('account.not_given'));
  text($('#c-marketing-at'), at(c.marketing));
  text($('#c-organizer-at'), at(c.organizerContact));
}
$('#consent-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('#consent-msg');
  clearMsg(m);
  try {
    const c = await loading($('#consent-save'), api.put('/api/auth/me/consents', { marketing: $('#c-marketing').checked, organizerContact: $('#c-organizer').checked }));
    showConsents(c);
    showOk(m, t('common.saved'));
  } catch (err) {
    showError(m, err);
  }
});

// ------------------------------------------------------ export, delete --
$('#export').addEventListener('click', async (e) => {
  const m = $('#export-msg');
  clearMsg(m);
  try {
    const data = await loading(e.currentTarget, api.get('/api/auth/me/export'));
    saveBlob(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }), 'ztic-my-data.json');
  } catch (err) {
    showError(m, err);
  }
});

let deletion = null;
$('#delete-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('#delete-msg');
  clearMsg(m);
  try {
    const ans = await loading($('#delete-start'), api.post('/api/auth/me/deletion', { confirm: true }));
    deletion = ans.challengeId;
    text($('#delete-to'), ans.channel === 'email' ? $('#my-email').textContent : $('#my-phone').textContent);
    $('#delete-form').hidden = true;
    $('#delete-code-form').hidden = false;
    $('#delete-code').focus();
  } catch (err) {
    showError(m, err);
  }
});
$('#delete-cancel').addEventListener('click', () => {
  $('#delete-code-form').hidden = true;
  $('#delete-form').hidden = false;
});
$('#delete-code-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const m = $('#delete-code-msg');
  clearMsg(m);
  const code = $('#delete-code').value.trim();
  if (!/^[0-9]{6}$/.test(code)) { showError(m, t('auth.enter_6')); return; }
  try {
    await loading($('#delete-confirm'), api.post('/api/auth/me/deletion/confirm', { challengeId: deletion, code }));
    api.setToken(null);
    location.replace('/?deleted=1');
  } catch (err) {
    showError(m, err);
  }
});

async function show() {
  $('#signed-out').hidden = true;
  $('#signed-in').hidden = false;
  try {
    const me = await api.get('/api/auth/me');
    showUser(me.user);
  } catch (err) {
    showError($('#msg'), err);
  }
  loadSessions();
  api.get('/api/auth/me/consents').then(showConsents).catch((err) => showError($('#consent-msg'), err));
}

async function main() {
  const s = await boot();
  if (!s) {
    $('#signed-out').hidden = false;
    $('#signin-here').addEventListener('click', async () => { if (await signIn()) location.reload(); });
    return;
  }
  show();
}

main();
