// The waiting room on the live dashboard (docs/waiting-room.md): the
// organizer's controls (on/off, window, rate, pass life, pause) through
// GET/PUT /api/queue/:event/settings, and a live view (in the pre-queue,
// waiting, admitted, rate) from the room's channel /live/queue/:event:
// the same one message per tick every waiting buyer receives.
import * as api from '../api.js';
import { h, text, showError, clearMsg, loading } from '../dom.js';
import { stream } from '../live.js';
import { t } from '../i18n.js';

export function queuePanel(parent, ev) {
  const url = `/api/queue/${encodeURIComponent(ev.id)}/settings`;
  const f = {
    on: h('input', { type: 'checkbox', id: 'q-on' }),
    opens: h('input', { type: 'number', id: 'q-opens', min: 0, max: 1440 }),
    rate: h('input', { type: 'number', id: 'q-rate', min: 1, max: 1000000 }),
    ttl: h('input', { type: 'number', id: 'q-ttl', min: 60, max: 7200 }),
  };
  const pause = h('button.btn', { type: 'button', id: 'q-pause' });
  const save = h('button.btn.btn-primary', { type: 'submit', text: t('org.q.save') });
  const msg = h('p.msg', { hidden: true });
  const kv = {};
  const stat = (id, label) => { kv[id] = h('strong', { id: `q-${id}`, text: '–' }); return h('li', {}, h('span', { text: `${label}: ` }), kv[id]); };
  const panel = h('section.panel', { id: 'queue-panel', 'aria-labelledby': 'q-h' },
    h('h2', { id: 'q-h', text: t('queue.waiting_room') }),
    h('form', { id: 'q-form' },
      h('label', {}, f.on, ` ${t('org.q.on')}`),
      h('label', {}, `${t('org.q.opens')} `, f.opens),
      h('label', {}, `${t('org.q.rate')} `, f.rate),
      h('label', {}, `${t('org.q.ttl')} `, f.ttl),
      save, ' ', pause),
    msg,
    h('ul.kpis', { 'aria-live': 'polite' }, stat('pre', t('org.q.pre')), stat('waiting', t('org.q.waiting')),
      stat('admitted', t('org.q.admitted')), stat('measured', t('org.q.measured')), stat('state', t('org.q.state'))));
  parent.append(panel);
  let cur = null;
  let sub = null;

  function show(s) {
    cur = s;
    f.on.checked = s.on;
    f.opens.value = s.opensMinutes;
    f.rate.value = s.ratePerMinute;
    f.ttl.value = s.passSeconds;
    text(pause, s.paused ? t('org.q.resume') : t('org.q.pause'));
    pause.disabled = !s.on;
    text(kv.pre, String(s.preQueue));
    text(kv.waiting, String(s.waiting));
    text(kv.admitted, String(s.admitted));
    text(kv.state, !s.on ? t('org.q.off') : s.soldOut ? t('org.q.sold_out') : s.paused ? t('org.q.paused') : t('org.q.admitting'));
    if (s.on && !sub) sub = stream(`/live/queue/${encodeURIComponent(ev.id)}`, onTick);
    if (!s.on && sub) { sub.close(); sub = null; }
  }

  function onTick(m) {
    if (m.type !== 'queue.tick') return;
    text(kv.pre, String(m.drawn ? 0 : m.preQueue));
    text(kv.waiting, String(Math.max(0, m.total - m.admittedUpTo)));
    text(kv.admitted, String(m.admittedUpTo));
    text(kv.measured, String(m.measuredPerMinute));
    text(kv.state, m.soldOut ? t('org.q.sold_out') : m.paused ? t('org.q.paused') : t('org.q.admitting'));
  }

  async function put(body) {
    clearMsg(msg);
    try { show(await api.put(url, body)); } catch (err) { showError(msg, err); }
  }

  panel.querySelector('form').addEventListener('submit', (e) => {
    e.preventDefault();
    loading(save, put({ on: f.on.checked, opensMinutes: Number(f.opens.value), ratePerMinute: Number(f.rate.value), passSeconds: Number(f.ttl.value) }));
  });
  pause.addEventListener('click', () => cur && put({ paused: !cur.paused }));
  api.get(url).then(show).catch((err) => showError(msg, err));
}
