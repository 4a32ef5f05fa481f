// Enrolment from an invitation link (/admin/enrol.html#<token>): an email
// code proves the address, the server answers a new TOTP secret (QR and
// key), two consecutive authenticator codes activate the account.
import { $, showError, clearMsg, loading, text } from '/js/dom.js';
import { call, sixDigits } from '/admin/common.js';
import { t } from '/js/i18n.js';

const token = location.hash.replace(/^#/, '');
// the token leaves the address bar (and any later Referer) at once
if (token) history.replaceState(null, '', location.pathname);
let challengeId = null;
const msg = $('#en-msg');

if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
  showError(msg, t('adm.enrol_incomplete'));
  $('#en-send').hidden = true;
}

$('#en-send').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg(msg);
  const btn = ev.submitter || $('#en-send button');
  try {
    const r = await loading(btn, call('POST', '/api/admin/signin/code', { email: $('#en-email').value.trim() }));
    challengeId = r.challengeId;
    $('#en-start').hidden = false;
    $('#en-code').focus();
  } catch (e) { showError(msg, e); }
});

$('#en-start').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg(msg);
  const code = $('#en-code').value.trim();
  if (!sixDigits(code)) { showError(msg, t('adm.email_six')); return; }
  try {
    const r = await loading(ev.submitter || $('#en-start button'),
      call('POST', '/api/admin/enrol/start', { token, challengeId, code }));
    // the server's own SVG, shown as an image (never parsed into the page)
    $('#en-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(r.qrSvg)}`;
    text($('#en-secret'), r.secret.replace(/(.{4})/g, '$1 ').trim());
    text($('#en-account'), r.account);
    $('#en-send').hidden = true;
    $('#en-start').hidden = true;
    $('#en-confirm').hidden = false;
    $('#en-code1').focus();
  } catch (e) { showError(msg, e); }
});

$('#en-confirm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg(msg);
  const code1 = $('#en-code1').value.trim();
  const code2 = $('#en-code2').value.trim();
  if (!sixDigits(code1) || !sixDigits(code2)) { showError(msg, t('adm.totp_six')); return; }
  try {
    await loading(ev.submitter || $('#en-confirm button'), call('POST', '/api/admin/enrol/confirm', { token, code1, code2 }));
    $('#en-confirm').hidden = true;
    $('#en-done').hidden = false;
  } catch (e) { showError(msg, e); }
});
