// The gate scanner (docs/scanner.md): sign in (the shared sheet), pick
// the event and the gate, then scan. Online, each code goes to
// POST /api/checkin/scan and the server's verdict is shown; offline (or
// when the server cannot be reached) the device judges it with the event's
// bundle (gate.js) and queues it for POST /api/checkin/sync.
import * as api from '/js/api.js';
import { signIn } from '/js/auth.js';
import { h, $, replace, text, showError, showOk, clearMsg, loading, toast } from '/js/dom.js';
import { dateShort, time } from '/js/format.js';
import { eventList } from '/js/model.js';
import { orgSession } from '/js/org/common.js';
import * as store from './store.js';
import { Gate } from './gate.js';
import { parse } from './ticket.js';
import { Camera } from './camera.js';
import { signal, unlock } from './feedback.js';
import { t } from '/js/i18n.js';

const RESULT_MS = { admitted: 1800, already: 5000, refused: 5000 };
const SAME_CODE_QUIET_MS = 1500;   // a code still in view is not scanned again
const STATS_EVERY_MS = 15000;
const BUNDLE_EVERY_MS = 5 * 60 * 1000;
const HEARTBEAT_MS = 10000;

const state = {
  signedIn: false,
  eventId: null,
  eventName: '',
  gateName: '',
  gate: null,          // Gate of the event being scanned
  camera: null,
  busy: false,
  lastText: null,
  lastSeen: 0,
  resultTimer: null,
  server: null,        // {admitted, total, gate} from the server, when known
  timers: [],
};

const deviceId = store.deviceId();

function show(id) {
  for (const s of ['signin-box', 'setup', 'scanner']) $(`#${s}`).hidden = s !== id;
  $('#boot').hidden = true;
}

function isOnline() { return navigator.onLine !== false; }

// ---- the banner: offline, queue, sync ---------------------------------------
function renderNet() {
  const box = $('#net');
  const q = state.gate ? state.gate.queue.length : 0;
  const btn = $('#sync-now');
  let line = '';
  if (!isOnline()) {
    line = state.gate ? t('scan.net_offline_gate', { n: q }) : t('scan.net_offline');
  } else if (state.gate && !state.signedIn) {
    line = t('scan.net_signed_out', { n: q });
  } else if (q > 0) {
    line = t('scan.net_waiting', { n: q });
  }
  box.hidden = !line;
  box.classList.toggle('is-online', isOnline());
  text($('#net-text'), line);
  btn.hidden = q === 0;
  btn.disabled = !isOnline() || !state.signedIn;
}

async function syncNow({ quiet = false } = {}) {
  const g = state.gate;
  if (!g || !g.queue.length || !isOnline() || !state.signedIn) { renderNet(); return; }
  try {
    const sum = await loading($('#sync-now'), g.sync(deviceId));
    const parts = [t('scan.synced', { n: sum.sent })];
    if (sum.duplicates) parts.push(t('scan.duplicates', { n: sum.duplicates }));
    if (sum.refused.length) parts.push(t('scan.refused_by_server', { n: sum.refused.length, reasons: sum.refused.map((r) => r.message).join('; ') }));
    if (!quiet || sum.duplicates || sum.refused.length) toast(parts.join(' · '), sum.refused.length ? 'error' : 'ok', 8000);
    renderBundleInfo();
    await refreshStats();
  } catch (err) {
    if (!quiet) toast(err, 'error');
  }
  renderNet();
  renderCounts();
}

// A queue left over (a lost `online` event, a sync that failed, a session
// that came back) is retried every HEARTBEAT_MS while online.
async function heartbeat() {
  if (!isOnline() || !state.gate || !state.gate.queue.length) return;
  if (!state.signedIn) {
    await api.refresh().catch(() => null);
    state.signedIn = api.isSignedIn();
  }
  await syncNow({ quiet: true });
}

// ---- counts -------------------------------------------------------------------
function renderCounts() {
  const g = state.gate;
  let c = state.server;
  if (!c || !isOnline() || !state.signedIn) {
    const local = g ? g.counts() : { admitted: 0, total: 0 };
    let here = 0;
    if (g) {
      for (const a of g.admitted.values()) if (a.gate === state.gateName) here += 1;
      for (const [id, a] of Object.entries(g.mine)) if (a.gate === state.gateName && !g.admitted.has(id)) here += 1;
    }
    c = { admitted: local.admitted, total: local.total || (c && c.total) || null, gate: here };
  }
  text($('#count-admitted'), c.admitted ?? 0);
  text($('#count-total'), c.total ?? '—');
  text($('#count-gate'), c.gate ?? 0);
}

async function refreshStats() {
  if (!state.eventId || !state.signedIn || !isOnline()) return;
  try {
    const s = await api.get(`/api/checkin/events/${encodeURIComponent(state.eventId)}/stats`);
    const here = (s.gates || []).find((x) => x.name === state.gateName);
    state.server = { admitted: s.admitted, total: s.total, gate: here ? here.admitted : 0 };
    renderCounts();
  } catch { /* the count waits for the next answer */ }
}

// ---- the offline copy -----------------------------------------------------------
function renderBundleInfo() {
  const g = state.gate;
  const el = $('#bundle-info');
  if (!g || !g.ready) {
    text(el, t('scan.no_copy_yet'));
    return;
  }
  const b = g.bundle;
  text(el, t('scan.copy_info', { tickets: t('scan.n_tickets', { n: g.tickets.size }), admissions: t('scan.n_admissions', { n: g.admitted.size }), time: time(b.fetchedAt || b.generatedAt) }));
}

async function updateBundle({ quiet = true } = {}) {
  if (!state.gate || !state.signedIn || !isOnline()) return;
  try {
    await loading($('#refresh-bundle'), state.gate.fetchBundle());
    if (!quiet) toast(t('scan.copy_updated'), 'ok');
  } catch (err) {
    if (!quiet) toast(err, 'error');
  }
  renderBundleInfo();
  renderCounts();
}

// ---- the verdict --------------------------------------------------------------------
function ticketLine(tk) {
  if (!tk) return '';
  return [tk.label, tk.holder].filter(Boolean).join(' · ');
}

function showResult(r) {
  const box = $('#result');
  box.className = `scan-result is-${r.result}`;
  box.dataset.result = r.result;
  box.dataset.code = r.code || r.result;
  box.dataset.offline = r.offline ? '1' : '0';
  text($('#verdict'), { admitted: t('scan.v_admitted'), already: t('scan.v_already'), refused: t('scan.v_refused') }[r.result]);
  text($('#result-ticket'), ticketLine(r.ticket));
  text($('#result-msg'), r.message || '');
  box.hidden = false;
  signal(r.result);
  clearTimeout(state.resultTimer);
  state.resultTimer = setTimeout(() => hideResult(false), RESULT_MS[r.result] || 4000);
  $('#next').focus();
}

// Back to scanning. `fresh` (the Scan next button) allows the code that
// is still in view to be read again at once.
function hideResult(fresh) {
  clearTimeout(state.resultTimer);
  $('#result').hidden = true;
  if (fresh) state.lastText = null;
  state.lastSeen = Date.now();
  state.busy = false;
  if (state.camera) state.camera.resume();
}

// The bundle's ticket a signed code or a ticket id names (for the
// verdict's seat and holder when the server's answer has none).
function localTicket(input) {
  if (!state.gate) return null;
  if (input.ticketId) return state.gate.ticket(input.ticketId);
  const tk = parse(input.payload);
  return tk ? state.gate.ticket(tk.ticketId) : null;
}

// Judge one code or ticket id: the server when it can be reached, else
// this device.
async function submit(input) {
  const g = state.gate;
  let r = null;
  if (isOnline() && state.signedIn) {
    try {
      const ans = await api.post('/api/checkin/scan', { eventId: state.eventId, gate: state.gateName, ...input });
      const tk = ans.ticket || null;
      r = { result: 'admitted', code: 'admitted', ticket: tk, message: `${ans.gate || state.gateName}, ${time(ans.admittedAt || Date.now())}` };
      if (ans.counts) state.server = { admitted: ans.counts.admitted, total: ans.counts.total, gate: ans.counts.gate };
      if (tk && g) await g.remember(tk.id, ans.gate || state.gateName, ans.admittedAt);
    } catch (err) {
      const unreachable = err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504;
      if (unreachable || err.status === 401) {
        if (err.status === 401) state.signedIn = api.isSignedIn();
        r = null;   // judged here below
      } else if (err.status === 409 && err.code === 'already_admitted') {
        r = { result: 'already', code: err.code, message: err.message, ticket: (err.body && err.body.ticket) || localTicket(input) };
      } else {
        // which seat a refunded or cancelled ticket was; never the
        // holder of a forged or foreign code
        const known = ['ticket_refunded', 'ticket_cancelled'].includes(err.code) ? localTicket(input) : null;
        r = { result: 'refused', code: err.code, message: err.message, ticket: (err.body && err.body.ticket) || known };
      }
    }
  }
  if (!r) {
    r = g ? await g.judge(input, state.gateName) : { result: 'refused', code: 'no_bundle', message: t('scan.no_copy_event') };
    if (r.result === 'admitted') r.message = t('scan.checked_offline');
  }
  showResult(r);
  renderCounts();
  renderNet();
}

function onCode(textRead) {
  const now = Date.now();
  if (state.busy || !$('#result').hidden) return;
  if (textRead === state.lastText && now - state.lastSeen < SAME_CODE_QUIET_MS) {
    state.lastSeen = now;
    return;
  }
  state.lastText = textRead;
  state.lastSeen = now;
  state.busy = true;
  state.camera.pause();
  submit({ payload: textRead }).catch((err) => {
    showResult({ result: 'refused', code: 'error', message: err.message || String(err) });
  });
}

// ---- manual entry --------------------------------------------------------------------
function openManual() {
  const sheet = $('#manual-sheet');
  const q = $('#manual-q');
  q.value = '';
  replace($('#manual-list'));
  clearMsg($('#manual-msg'));
  if (!state.gate || !state.gate.ready) showError($('#manual-msg'), t('scan.list_with_copy'));
  if (state.camera) state.camera.pause();
  sheet.showModal();
  q.focus();
}

function closeManual() {
  $('#manual-sheet').close();
  if (state.camera && $('#result').hidden) state.camera.resume();
}

function renderMatches() {
  const list = $('#manual-list');
  const q = $('#manual-q').value;
  if (!state.gate || !state.gate.ready) return;
  const found = state.gate.search(q);
  clearMsg($('#manual-msg'));
  if (q.trim().length >= 2 && !found.length) showOk($('#manual-msg'), t('scan.no_match'));
  replace(list, found.map((tk) => h('li', { 'data-ticket': tk.id },
    h('span.who', {}, h('strong', { text: tk.holder || t('scan.no_name') }), h('br'),
      h('span.small.mono', { text: t('scan.label_booking', { label: tk.label || '', id: String(tk.bookingId || '').slice(0, 8) }) })),
    h('button.btn.btn-primary.btn-small', {
      type: 'button', text: t('scan.admit'), 'aria-label': t('scan.admit_who', { who: `${tk.holder || ''} ${tk.label || ''}` }),
      on: { click: () => { closeManual(); state.busy = true; if (state.camera) state.camera.pause(); submit({ ticketId: tk.id }); } },
    }))));
}

// ---- setup and start -------------------------------------------------------------------
async function loadEvents() {
  const sel = $('#event');
  const msg = $('#setup-msg');
  replace(sel, h('option', { value: '', text: t('common.loading') }));
  try {
    const list = eventList(await api.get('/api/events/mine?limit=200')).events
      .filter((e) => e.status !== 'cancelled' && e.status !== 'draft');
    // the events nearest to now first
    list.sort((a, b) => Math.abs(Date.parse(a.startsAt) - Date.now()) - Math.abs(Date.parse(b.startsAt) - Date.now()));
    const saved = store.setting('event');
    replace(sel, list.length ? list.map((e) => h('option', { value: e.id, selected: e.id === saved, text: `${e.title} — ${dateShort(e.startsAt)}` }))
      : h('option', { value: '', text: t('scan.no_events') }));
  } catch (err) {
    replace(sel, h('option', { value: '', text: '—' }));
    showError(msg, err);
  }
}

async function startScanning(eventId, eventName, gateName) {
  state.eventId = eventId;
  state.eventName = eventName;
  state.gateName = gateName;
  state.server = null;
  store.setting('event', eventId);
  store.setting('event_name', eventName);
  store.setting('gate', gateName);
  store.setting('scanning', '1');
  state.gate = await new Gate(eventId).load();
  text($('#ev-name'), eventName || t('common.event'));
  text($('#gate-name'), gateName);
  show('scanner');
  renderBundleInfo();
  renderCounts();
  renderNet();
  clearMsg($('#cam-msg'));
  state.camera = state.camera || new Camera($('#video'), onCode);
  state.camera.start().then(() => { document.body.dataset.camera = 'on'; }).catch((err) => {
    showError($('#cam-msg'), err.name === 'NotAllowedError'
      ? t('scan.camera_blocked')
      : t('scan.no_camera', { reason: err.message }));
  });
  if (state.signedIn && isOnline()) {
    await updateBundle();
    await syncNow({ quiet: true });
    await refreshStats();
  }
  for (const tk of state.timers) clearInterval(tk);
  state.timers = [
    setInterval(heartbeat, HEARTBEAT_MS),
    setInterval(refreshStats, STATS_EVERY_MS),
    setInterval(() => updateBundle(), BUNDLE_EVERY_MS),
  ];
  document.body.dataset.ready = '1';
}

// Remove what the phone keeps of every event (a shared or lent phone),
// unless scans are still waiting to sync: those would be lost.
async function forget() {
  const msg = $('#forget-msg');
  clearMsg(msg);
  let waiting = 0;
  for (const k of await store.keys()) {
    if (String(k).startsWith('queue:')) waiting += ((await store.get(k)) || []).length;
  }
  if (waiting) {
    showError(msg, t('scan.not_synced', { n: waiting }));
    return;
  }
  await store.clear();
  for (const k of ['event', 'event_name', 'scanning']) store.setting(k, null);
  state.gate = null;
  showOk(msg, t('scan.removed'));
}

function setupForm() {
  const form = $('#setup-form');
  $('#gate').value = store.setting('gate') || '';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    unlock();
    const msg = $('#setup-msg');
    clearMsg(msg);
    const sel = $('#event');
    const gateName = $('#gate').value.trim();
    if (!sel.value) { showError(msg, t('scan.choose_event')); return; }
    if (!gateName || gateName.length > 40) {
      $('#gate').setAttribute('aria-invalid', 'true');
      showError(msg, t('scan.name_gate'));
      return;
    }
    $('#gate').removeAttribute('aria-invalid');
    const name = sel.selectedOptions[0].textContent.replace(/ — .*$/, '');
    await loading($('#start'), startScanning(sel.value, name, gateName));
  });
}

function wire() {
  document.addEventListener('pointerdown', unlock, { once: true });
  $('#next').addEventListener('click', () => hideResult(true));
  $('#sync-now').addEventListener('click', () => syncNow());
  $('#forget').addEventListener('click', () => forget().catch((err) => showError($('#forget-msg'), err)));
  $('#manual').addEventListener('click', openManual);
  $('#manual-close').addEventListener('click', closeManual);
  $('#manual-sheet').addEventListener('cancel', (e) => { e.preventDefault(); closeManual(); });
  $('#manual-q').addEventListener('input', renderMatches);
  $('#refresh-bundle').addEventListener('click', () => updateBundle({ quiet: false }));
  $('#scan-signin').addEventListener('click', async () => { if (await signIn({ reason: t('scan.sign_in') })) location.reload(); });
  $('#change').addEventListener('click', async () => {
    if (state.camera) state.camera.stop();
    store.setting('scanning', null);
    delete document.body.dataset.ready;
    if (!state.signedIn) { show('signin-box'); return; }
    show('setup');
    await loadEvents();
  });
  window.addEventListener('offline', () => { renderNet(); renderCounts(); });
  window.addEventListener('online', async () => {
    renderNet();
    if (!api.isSignedIn()) await api.refresh().catch(() => null);
    state.signedIn = api.isSignedIn();
    await syncNow({ quiet: true });
    await refreshStats();
    renderNet();
  });
  api.onAuthChange(() => { state.signedIn = api.isSignedIn(); renderNet(); });
}

async function main() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/scan/sw.js', { scope: '/scan/' }).catch((e) => console.warn('scan: service worker', e));
  }
  wire();
  setupForm();
  const org = await orgSession().catch(() => ({ needsSignIn: true }));
  state.signedIn = api.isSignedIn() && !org.needsSignIn && !org.needsOnboarding;
  const savedEvent = store.setting('event');
  const savedGate = store.setting('gate');
  // Back to scanning where this phone left off: with the session, or
  // without one (offline, or signed out) from the offline copy.
  if (savedEvent && savedGate && store.setting('scanning')) {
    const kept = await store.get(`bundle:${savedEvent}`).catch(() => null);
    if (state.signedIn || kept) {
      await startScanning(savedEvent, store.setting('event_name') || (kept && kept.event && kept.event.name) || '', savedGate);
      return;
    }
  }
  if (!state.signedIn) {
    show('signin-box');
    if (org.needsOnboarding) showError($('#page-msg'), t('scan.no_team'));
    else if (!isOnline()) showError($('#page-msg'), t('scan.offline_first'));
    renderNet();
    return;
  }
  show('setup');
  await loadEvents();
}

main().catch((err) => { $('#boot').hidden = true; showError($('#page-msg'), err); });
