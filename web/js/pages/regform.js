// The registration form step of the checkout (docs/commerce.md, "Forms and
// teams"): the event's questions (GET /api/events/:id/form), file uploads
// (POST /api/events/:id/form-files), and for a team event the buyer's team
// (create or join with an invite code). The answers go with the booking
// (POST /api/bookings {answers}); the server checks them and its message
// names a refused question. Self-contained: event.js only mounts it.
import * as api from '../api.js';
import { h, showError, showOk, clearMsg, loading } from '../dom.js';
import { t } from '../i18n.js';

// every string of this module (web/i18n/*.json, regform.*)
const STR = {
  heading: t('regform.heading'),
  required: t('regform.required'),
  choose: t('regform.choose'),
  perTicket: (n) => t('regform.per_ticket', { n }),
  uploading: t('regform.uploading'),
  uploaded: (f) => t('regform.uploaded', { type: f.mediaType, kb: Math.ceil(f.sizeBytes / 1024) }),
  fileHint: (q) => t('regform.file_hint', { kb: Math.floor((q.maxBytes || 1048576) / 1024) }),
  team: t('regform.team'),
  teamSize: (min, max) => t('regform.team_size', { min, max }),
  inTeam: (tm) => t('regform.in_team', { name: tm.name, n: Number(tm.size) }),
  teamName: t('regform.team_name'),
  create: t('regform.create'),
  inviteCode: t('regform.invite_code'),
  join: t('regform.join'),
  created: (code) => t('regform.created', { code }),
  approval: t('regform.approval'),
  waiting: t('regform.waiting'),
};

function ticketInputs(q, n) {
  return q.scope === 'ticket' ? Array.from({ length: n }, (_, i) => i + 1) : [0];
}

function input(q, id, ev, fileIds) {
  const label = q.label;
  if (q.kind === 'long_text') return h('textarea.input', { id, maxlength: '5000', rows: '3', 'aria-label': label });
  if (q.kind === 'number') return h('input.input', { id, type: 'number', step: 'any', 'aria-label': label });
  if (q.kind === 'date') return h('input.input', { id, type: 'date', 'aria-label': label });
  if (q.kind === 'consent') return h('input', { id, type: 'checkbox' });
  if (q.kind === 'choice') {
    return h('select.select', { id, 'aria-label': label }, h('option', { value: '', text: STR.choose }),
      ...q.options.map((o) => h('option', { value: o, text: o })));
  }
  if (q.kind === 'multi_choice') {
    return h('span', { id, role: 'group', 'aria-label': label },
      ...q.options.map((o) => h('label.small', {}, h('input', { type: 'checkbox', value: o }), ` ${o} `)));
  }
  if (q.kind === 'file') {
    const f = h('input', { id, type: 'file', accept: (q.fileTypes || []).join(','), 'aria-label': label });
    const note = h('span.small.muted', { text: STR.fileHint(q) });
    f.addEventListener('change', async () => {
      fileIds.delete(id);
      const file = f.files && f.files[0];
      if (!file) return;
      note.textContent = STR.uploading;
      try {
        const r = await fetch(`/api/events/${encodeURIComponent(ev.id)}/form-files?questionId=${encodeURIComponent(q.id)}`, {
          method: 'POST', body: file, credentials: 'same-origin',
          headers: { Authorization: `Bearer ${api.getToken() || ''}`, 'Content-Type': 'application/octet-stream' },
        });
        const body = await r.json();
        if (!r.ok) throw new Error((body.error && body.error.message) || String(r.status));
        fileIds.set(id, body.id);
        note.textContent = STR.uploaded(body);
      } catch (err) {
        note.className = 'small msg-error';
        note.textContent = err.message;
      }
    });
    return h('span', {}, f, ' ', note);
  }
  return h('input.input', { id, maxlength: '500', 'aria-label': label });
}

function valueOf(q, el, id, fileIds) {
  if (q.kind === 'consent') return el.checked;
  if (q.kind === 'multi_choice') return [...el.querySelectorAll('input:checked')].map((x) => x.value);
  if (q.kind === 'file') return fileIds.get(id) || null;
  const v = el.value.trim();
  if (v === '') return null;
  return q.kind === 'number' ? Number(v) : v;
}

function teamBlock(ev, form) {
  const msg = h('p.msg', { hidden: true });
  const state = h('p.small');
  const name = h('input.input', { id: 'team-name', maxlength: '60', 'aria-label': STR.teamName, placeholder: STR.teamName });
  const code = h('input.input', { id: 'team-code', maxlength: '32', autocomplete: 'off', 'aria-label': STR.inviteCode, placeholder: STR.inviteCode });
  const mk = h('button.btn.btn-small', { type: 'button', text: STR.create });
  const jn = h('button.btn.btn-small', { type: 'button', text: STR.join });
  const show = (tm) => { state.textContent = STR.inTeam(tm); };
  api.get(`/api/events/${encodeURIComponent(ev.id)}/teams/mine`).then(show).catch(() => {});
  mk.addEventListener('click', async () => {
    clearMsg(msg);
    try {
      const tm = await loading(mk, api.post(`/api/events/${encodeURIComponent(ev.id)}/teams`, { name: name.value.trim() }));
      show(tm);
      showOk(msg, STR.created(tm.inviteCode));
    } catch (err) { showError(msg, err); }
  });
  jn.addEventListener('click', async () => {
    clearMsg(msg);
    try {
      show(await loading(jn, api.post(`/api/events/${encodeURIComponent(ev.id)}/teams/join`, { inviteCode: code.value.trim() })));
    } catch (err) { showError(msg, err); }
  });
  return h('fieldset.reg-team', {}, h('legend', { text: STR.team }),
    h('p.small.muted', { text: STR.teamSize(form.teamMin, form.teamMax) }), state,
    h('p', {}, name, ' ', mk), h('p', {}, code, ' ', jn), msg);
}

// Mount the step into box for event ev; tickets() counts the held tickets.
// Returns { answers(): the answers object or undefined, approval() }.
export function mountRegForm(box, ev, tickets) {
  const fields = [];
  const fileIds = new Map();
  let form = null;
  api.get(`/api/events/${encodeURIComponent(ev.id)}/form`).then((f) => {
    form = f;
    if (!f || (!f.questions.length && !f.teamMin && !f.approval)) return;
    const parts = [h('legend', { text: STR.heading })];
    if (f.approval) parts.push(h('p.small.muted', { text: STR.approval }));
    if (f.teamMin) parts.push(teamBlock(ev, f));
    for (const q of f.questions) {
      for (const n of ticketInputs(q, tickets())) {
        const id = `q-${q.id}-${n}`;
        const el = input(q, id, ev, fileIds);
        fields.push({ q, n, id, el });
        const text = `${q.label}${n ? ` — ${STR.perTicket(n)}` : ''}${q.required ? ` ${STR.required}` : ''}`;
        parts.push(h('p.field', { 'data-question': q.id }, h('label', { for: id, text }), ' ', el));
      }
    }
    box.replaceChildren(h('fieldset.reg-form', {}, ...parts));
  }).catch(() => {});
  return {
    approval: () => Boolean(form && form.approval),
    waitingText: STR.waiting,
    answers() {
      if (!fields.length) return undefined;
      const a = {};
      for (const { q, n, id, el } of fields) {
        const v = valueOf(q, el, id, fileIds);
        if (q.scope === 'ticket') {
          (a[q.id] = a[q.id] || [])[n - 1] = v;
        } else if (v !== null) {
          a[q.id] = v;
        }
      }
      return a;
    },
  };
}
