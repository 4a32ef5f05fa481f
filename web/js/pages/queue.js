// The waiting room (docs/waiting-room.md): join once (POST
// /api/queue/:event: one place per account), then follow the channel
// /live/queue/:event, ONE message per tick for everybody, from which this
// page computes its own position and wait: no polling.  When admitted it
// asks once for the pass and sends the person to the seat map.
import * as api from '../api.js';
import { boot } from '../app.js';
import { requireSignIn } from '../auth.js';
import { $, text, showError, param } from '../dom.js';
import { stream } from '../live.js';
import { savePass, standing } from '../queue.js';
import { t } from '../i18n.js';
import { time as fmtTime } from '../format.js';

const eventId = param('event');
const msg = $('#msg');
let place = null;
let joinedK = 0;
let asking = false;
let passTimer = null;

function minutes(s) {
  if (s === null) return '';
  if (s < 60) return t('queue.less_minute');
  return t('queue.about_minutes', { n: Math.round(s / 60) });
}

function show(st) {
  $('#queue').hidden = false;
  if (st.state === 'admitted' && st.pass) return admitted(st);
  if (st.state === 'expired') {
    text($('#q-state'), t('queue.turn_expired'));
    return;
  }
  if (st.soldOut) { text($('#q-state'), t('queue.sold_out')); return; }
  if (st.place === null) {
    const at = st.salesStartAt ? fmtTime(st.salesStartAt) : t('queue.on_sale_time');
    text($('#q-state'), t('queue.in_at', { time: at }));
    return;
  }
  place = st.place;
  text($('#q-state'), t('queue.your_place', { place }));
}

function admitted(st) {
  savePass(eventId, st.pass, st.passExpiresAt);
  text($('#q-state'), t('queue.your_turn'));
  $('#q-progress').value = 1;
  text($('#q-ahead'), '');
  text($('#q-wait'), '');
  const go = $('#q-go');
  go.href = `/event.html?id=${encodeURIComponent(eventId)}`;
  $('#q-admitted').hidden = false;
  clearInterval(passTimer);
  const tick = () => {
    const left = Math.max(0, Math.round((Date.parse(st.passExpiresAt) - Date.now()) / 1000));
    text($('#q-pass-left'), left > 0 ? t('queue.pass_lasts', { time: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` }) : t('queue.pass_expired'));
  };
  tick();
  passTimer = setInterval(tick, 1000);
}

async function ask() {
  if (asking) return;
  asking = true;
  try { show(await api.get(`/api/queue/${encodeURIComponent(eventId)}`)); } catch (err) { showError(msg, err); } finally { asking = false; }
}

function onTick(m) {
  if (m.type !== 'queue.tick') return;
  if (m.soldOut) { text($('#q-state'), t('queue.sold_out')); return; }
  if (place === null) {
    if (m.drawn) ask();          // the draw happened: learn one's place, once
    return;
  }
  const s = standing(place, m, joinedK);
  $('#q-progress').value = s.progress;
  text($('#q-ahead'), s.ahead > 0 ? t('queue.ahead', { n: s.ahead }) : '');
  text($('#q-wait'), m.paused ? t('queue.paused') : (s.wait ? t('queue.estimated_wait', { time: minutes(s.wait) }) : ''));
  if (s.ahead === 0 && $('#q-admitted').hidden) ask();
}

async function main() {
  boot();
  if (!eventId) { showError(msg, t('queue.no_event')); return; }
  api.get(`/api/events/${encodeURIComponent(eventId)}`).then((ev) => text($('#event-title'), ev.title || '')).catch(() => {});
  await requireSignIn(t('queue.sign_in'));
  try {
    const st = await api.post(`/api/queue/${encodeURIComponent(eventId)}`, null);   // no body
    joinedK = st.admittedUpTo || 0;
    show(st);
  } catch (err) {
    showError(msg, err);
    return;
  }
  stream(`/live/queue/${encodeURIComponent(eventId)}`, onTick);
}

main();
