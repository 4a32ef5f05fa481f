// The registration form of an event (docs/commerce.md, "Forms and teams"):
// build its questions, approval mode and team limits (GET/PUT
// /api/events/…/form), decide registrations (POST /api/bookings/:id/accept
// | reject), see the teams and download the attendee CSV. Managers and
// owners. /organizer/forms.html?event=<id>.
import * as api from '../api.js';
import { h, $, replace, showError, showOk, clearMsg, loading, param, saveBlob } from '../dom.js';
import { t } from '../i18n.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';

// every string of this module (web/i18n/*.json, org.forms.*)
const STR = {
  title: t('common.registration_form'),
  forManagers: t('org.forms.for_managers'),
  eventId: t('org.forms.event_id'),
  open: t('org.forms.open'),
  settings: t('org.forms.settings'),
  approval: t('org.forms.approval'),
  window: t('org.forms.window'),
  teamMin: t('org.forms.team_min'),
  teamMax: t('org.forms.team_max'),
  teamHint: t('org.forms.team_hint'),
  questions: t('org.forms.questions'),
  label: t('org.forms.question'),
  kind: t('common.kind'),
  kinds: {
    text: t('org.forms.k_text'),
    long_text: t('org.forms.k_long_text'),
    choice: t('org.forms.k_choice'),
    multi_choice: t('org.forms.k_multi_choice'),
    number: t('org.forms.k_number'),
    date: t('org.forms.k_date'),
    file: t('org.forms.k_file'),
    consent: t('org.forms.k_consent'),
  },
  scope: t('org.forms.scope'),
  scopes: { order: t('org.forms.scope_order'), ticket: t('org.forms.scope_ticket') },
  required: t('org.forms.required'),
  options: t('org.forms.options'),
  maxKb: t('org.forms.max_kb'),
  add: t('org.forms.add'),
  remove: t('org.forms.remove'),
  up: t('org.forms.up'),
  save: t('org.forms.save'),
  saved: t('org.forms.saved'),
  registrations: t('org.forms.registrations'),
  none: t('org.forms.none'),
  accept: t('org.forms.accept'),
  reject: t('org.forms.reject'),
  rejectWhy: t('org.forms.reject_why'),
  teams: t('org.forms.teams'),
  noTeams: t('org.forms.no_teams'),
  csv: t('org.forms.csv'),
};

const root = $('#org-root');
const page = $('#forms-page');

function questionRow(q, list, redraw) {
  const label = h('input.input', { value: q.label || '', maxlength: '200', 'aria-label': STR.label, 'data-f': 'label' });
  const kind = h('select.select', { 'aria-label': STR.kind, 'data-f': 'kind' },
    ...Object.entries(STR.kinds).map(([k, x]) => h('option', { value: k, text: x, selected: q.kind === k })));
  const scope = h('select.select', { 'aria-label': STR.scope, 'data-f': 'scope' },
    ...Object.entries(STR.scopes).map(([k, x]) => h('option', { value: k, text: x, selected: q.scope === k })));
  const req = h('input', { type: 'checkbox', checked: Boolean(q.required), 'aria-label': STR.required, 'data-f': 'required' });
  const opts = h('input.input', { value: (q.options || []).join(', '), 'aria-label': STR.options, 'data-f': 'options' });
  const kb = h('input.input', { type: 'number', min: '1', max: '1024', value: q.maxBytes ? String(Math.floor(q.maxBytes / 1024)) : '1024', 'aria-label': STR.maxKb, 'data-f': 'maxKb' });
  const rm = h('button.btn.btn-small.btn-danger', { type: 'button', text: STR.remove });
  const up = h('button.btn.btn-small', { type: 'button', text: STR.up });
  const sync = () => {
    q.label = label.value.trim();
    q.kind = kind.value;
    q.scope = scope.value;
    q.required = req.checked;
    q.options = opts.value.split(',').map((x) => x.trim()).filter(Boolean);
    q.maxBytes = Math.max(1, Math.min(1024, Number(kb.value) || 1024)) * 1024;
  };
  for (const el of [label, kind, scope, req, opts, kb]) el.addEventListener('change', sync);
  rm.addEventListener('click', () => { list.splice(list.indexOf(q), 1); redraw(); });
  up.addEventListener('click', () => {
    const i = list.indexOf(q);
    if (i > 0) { list.splice(i, 1); list.splice(i - 1, 0, q); redraw(); }
  });
  return h('tr.question', {}, h('td', {}, label), h('td', {}, kind), h('td', {}, scope),
    h('td', {}, req), h('td', {}, opts), h('td', {}, kb), h('td', {}, up, rm));
}

function bodyOf(f, qs) {
  const b = {
    approval: f.querySelector('#fm-approval').checked,
    paymentWindowMinutes: Number(f.querySelector('#fm-window').value) || 1440,
    questions: qs.map((q) => {
      const o = { label: q.label, kind: q.kind, scope: q.scope || 'order', required: Boolean(q.required) };
      if (q.id) o.id = q.id;
      if (q.kind === 'choice' || q.kind === 'multi_choice') o.options = q.options || [];
      if (q.kind === 'file') o.maxBytes = q.maxBytes || 1048576;
      return o;
    }),
  };
  const lo = f.querySelector('#fm-tmin').value;
  const hi = f.querySelector('#fm-tmax').value;
  if (lo !== '' || hi !== '') { b.teamMin = Number(lo); b.teamMax = Number(hi); }
  return b;
}

async function registrations(evId, box) {
  try {
    const ans = await api.get(`/api/events/${encodeURIComponent(evId)}/registrations?status=waiting`);
    const rows = ans.registrations.map((b) => {
      const msg = h('span.small');
      const ok = h('button.btn.btn-small.btn-primary', { type: 'button', text: STR.accept });
      const no = h('button.btn.btn-small.btn-danger', { type: 'button', text: STR.reject });
      const decide = async (btn, path, body) => {
        try { await loading(btn, api.post(path, body)); registrations(evId, box); } catch (err) { msg.className = 'small msg-error'; msg.textContent = err.message; }
      };
      ok.addEventListener('click', () => decide(ok, `/api/bookings/${encodeURIComponent(b.id)}/accept`, {}));
      no.addEventListener('click', () => {
        const reason = prompt(STR.rejectWhy) || '';
        decide(no, `/api/bookings/${encodeURIComponent(b.id)}/reject`, reason ? { reason } : {});
      });
      const who = b.buyer ? (b.buyer.name || b.buyer.email || b.buyer.phone || '') : '';
      const answers = (b.answers || []).map((a) => `${a.label}: ${Array.isArray(a.value) ? a.value.join('; ') : a.value}`).join(' · ');
      return h('tr', { 'data-booking': b.id }, h('td', { text: who }), h('td.small', { text: answers }), h('td', {}, ok, no, msg));
    });
    replace(box, rows.length ? h('table', {}, h('tbody', {}, ...rows)) : h('p.small.muted', { text: STR.none }));
  } catch (err) {
    replace(box, h('p.small.msg-error', { text: err.message }));
  }
}

async function teams(evId, box) {
  try {
    const ans = await api.get(`/api/events/${encodeURIComponent(evId)}/teams`);
    replace(box, ans.teams.length
      ? h('ul', {}, ...ans.teams.map((tm) => h('li', { text: `${tm.name} (${tm.size}): ${tm.members.map((m) => m.name || '—').join(', ')}` })))
      : h('p.small.muted', { text: STR.noTeams }));
  } catch (err) {
    replace(box, h('p.small.muted', { text: err.code === 'not_a_team_event' ? STR.noTeams : err.message }));
  }
}

async function openEvent(evId) {
  const msg = h('p.msg', { hidden: true });
  let form;
  try {
    form = await api.get(`/api/events/mine/${encodeURIComponent(evId)}/form`);
  } catch (err) {
    showError($('#page-msg'), err);
    return;
  }
  const qs = form.questions.map((q) => ({ ...q }));
  const tbody = h('tbody');
  const redraw = () => replace(tbody, ...qs.map((q) => questionRow(q, qs, redraw)));
  redraw();
  const add = h('button.btn.btn-small', { type: 'button', text: STR.add });
  add.addEventListener('click', () => { qs.push({ label: '', kind: 'text', scope: 'order', required: false }); redraw(); });
  const save = h('button.btn.btn-primary', { type: 'submit', text: STR.save, id: 'fm-save' });
  const f = h('form.panel', { novalidate: true, id: 'form-builder' },
    h('h2', { text: STR.settings }),
    h('p.field', {}, h('label', {}, h('input', { type: 'checkbox', id: 'fm-approval', checked: form.approval }), ` ${STR.approval}`)),
    h('div.form-grid.three', {},
      h('div.field', {}, h('label', { for: 'fm-window', text: STR.window }), h('input.input', { id: 'fm-window', type: 'number', min: '5', max: '20160', value: String(form.paymentWindowMinutes) })),
      h('div.field', {}, h('label', { for: 'fm-tmin', text: STR.teamMin }), h('input.input', { id: 'fm-tmin', type: 'number', min: '1', max: '50', value: form.teamMin == null ? '' : String(form.teamMin) })),
      h('div.field', {}, h('label', { for: 'fm-tmax', text: STR.teamMax }), h('input.input', { id: 'fm-tmax', type: 'number', min: '1', max: '50', value: form.teamMax == null ? '' : String(form.teamMax) }))),
    h('p.small.muted', { text: STR.teamHint }),
    h('h2', { text: STR.questions }),
    h('div.table-wrap', {}, h('table', {}, h('thead', {}, h('tr', {}, ...[STR.label, STR.kind, STR.scope, STR.required, STR.options, STR.maxKb, ''].map((x) => h('th', { text: x })))), tbody)),
    h('p', {}, add), msg, save);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMsg(msg);
    for (const el of f.querySelectorAll('[data-f]')) el.dispatchEvent(new Event('change'));
    try {
      const ans = await loading(save, api.put(`/api/events/${encodeURIComponent(evId)}/form`, bodyOf(f, qs)));
      qs.splice(0, qs.length, ...ans.questions.map((q) => ({ ...q })));
      redraw();
      showOk(msg, STR.saved);
    } catch (err) {
      showError(msg, err);
    }
  });
  const regs = h('div', { id: 'fm-registrations' });
  const tms = h('div', { id: 'fm-teams' });
  const csv = h('button.btn', { type: 'button', text: STR.csv });
  csv.addEventListener('click', async () => {
    try { saveBlob(await loading(csv, api.getBlob(`/api/events/${encodeURIComponent(evId)}/attendees.csv`)), 'attendees.csv'); } catch (err) { showError(msg, err); }
  });
  replace(page, h('div.section-head', {}, h('h1', { text: STR.title })), f,
    h('section.panel', {}, h('h2', { text: STR.registrations }), regs),
    h('section.panel', {}, h('h2', { text: STR.teams }), tms), h('p', {}, csv));
  registrations(evId, regs);
  teams(evId, tms);
}

async function main() {
  let s;
  try {
    s = await orgSession();
  } catch (err) {
    showError($('#page-msg'), err);
    return;
  }
  if (s.needsSignIn) { signInPanel(root); return; }
  if (s.needsOnboarding || !roleAtLeast(s.session.role, 'manager')) {
    replace(root, h('div.empty', {}, h('p', { text: STR.forManagers })));
    return;
  }
  root.hidden = true;
  page.hidden = false;
  const id = param('event');
  if (id) { openEvent(id); return; }
  const input = h('input.input', { id: 'fm-event', autocomplete: 'off', 'aria-label': STR.eventId, placeholder: STR.eventId });
  const go = h('button.btn', { type: 'submit', text: STR.open });
  const pick = h('form.panel', {}, h('h1', { text: STR.title }), h('p', {}, input, ' ', go));
  pick.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = input.value.trim();
    if (v) { history.replaceState(null, '', `?event=${encodeURIComponent(v)}`); openEvent(v); }
  });
  replace(page, pick);
}
main();
