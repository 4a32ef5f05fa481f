// The platform admin console (/admin/): sign-in with an email code and an
// authenticator code, then organizations (approve, reject, suspend,
// reinstate), events (unlist, relist, cancel), payouts and refunds
// (money.js), users, the audit log, platform figures and admins. Everything goes
// through /api/admin/ with the session cookie; a 401 anywhere shows the
// sign-in again (the session ended, or the admin was disabled).
import { $, $$, h, replace, text, showError, showOk, clearMsg, loading, stamp } from '/js/dom.js';
import { dateTime, rupees } from '/js/format.js';
import { call, sixDigits } from '/admin/common.js';
import { moneyTabs } from '/admin/money.js';
import { t } from '/js/i18n.js';

let challengeId = null;
let me = null;

function signedOut(message) {
  me = null;
  $('#console').hidden = true;
  $('#admin-nav').hidden = true;
  $('#booting').hidden = true;
  $('#signin').hidden = false;
  $('#si-verify').hidden = true;
  text($('#account'), '');
  if (message) showError($('#si-msg'), message);
}

// Run a console call; a 401 means the session is gone.
async function run(p, msgEl) {
  try {
    return await p;
  } catch (e) {
    if (e.status === 401) signedOut(t('adm.session_ended'));
    else if (msgEl) showError(msgEl, e);
    throw e;
  }
}

// ---- sign-in ----------------------------------------------------------------

$('#si-send').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg($('#si-msg'));
  try {
    const r = await loading($('#si-send-btn'), call('POST', '/api/admin/signin/code', { email: $('#si-email').value.trim() }));
    challengeId = r.challengeId;
    $('#si-verify').hidden = false;
    $('#si-code').focus();
  } catch (e) { showError($('#si-msg'), e); }
});

$('#si-verify').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg($('#si-msg'));
  const code = $('#si-code').value.trim();
  const totp = $('#si-totp').value.trim();
  if (!sixDigits(code) || !sixDigits(totp)) { showError($('#si-msg'), t('adm.both_six')); return; }
  try {
    const r = await loading($('#si-verify-btn'), call('POST', '/api/admin/signin', { challengeId, code, totp }));
    $('#si-code').value = '';
    $('#si-totp').value = '';
    signedIn(r.admin);
  } catch (e) {
    // a used email code cannot be tried again: ask for a new one
    if (e.status === 401 || e.status === 403) $('#si-verify').hidden = true;
    showError($('#si-msg'), e);
  }
});

$('#signout').addEventListener('click', async () => {
  await call('POST', '/api/admin/signout', {}).catch(() => {});
  signedOut();
});

function signedIn(admin) {
  me = admin;
  $('#booting').hidden = true;
  $('#signin').hidden = true;
  clearMsg($('#si-msg'));
  $('#console').hidden = false;
  $('#admin-nav').hidden = false;
  text($('#account'), admin.email);
  show(location.hash.replace('#', '') || 'tenants');
}

// ---- tabs -----------------------------------------------------------------------

const money = moneyTabs(run, fresh);
const loaders = { tenants: loadTenants, events: loadEvents, payouts: money.payouts, refunds: money.refunds, users: async () => {}, audit: loadAudit, figures: loadFigures, admins: loadAdmins };

function show(tab) {
  if (!loaders[tab]) tab = 'tenants';
  for (const p of $$('[data-panel]')) p.hidden = p.dataset.panel !== tab;
  for (const a of $$('#admin-nav a')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  loaders[tab]().catch(() => {});
}
window.addEventListener('hashchange', () => { if (me) show(location.hash.replace('#', '')); });

// ---- organizations -----------------------------------------------------------

const STATUS = { pending: ['stamp-pending', t('adm.waiting')], active: ['stamp-live', t('admin.active')],
  suspended: ['stamp-cancelled', t('admin.suspended')], rejected: ['stamp-cancelled', t('admin.rejected')] };
const statusStamp = (s) => h(`span.stamp.${(STATUS[s] || [])[0] || 'stamp-draft'}`, { text: (STATUS[s] || [])[1] || s });

const ACTIONS = {
  pending: [['approve', t('adm.approve'), false], ['reject', t('adm.reject'), true]],
  active: [['suspend', t('adm.suspend'), true]],
  suspended: [['reinstate', t('adm.reinstate'), false]],
  rejected: [],
};

function payoutText(p) {
  if (!p) return t('adm.not_given');
  if (p.method === 'upi') return `UPI ${p.upiId}`;
  return t('adm.bank', { name: p.bankAccountName, number: p.bankAccountNumber, ifsc: p.bankIfsc });
}

function tenantRow(tk) {
  const reason = h('input.input', { type: 'text', maxlength: 500, placeholder: t('adm.reason'), 'aria-label': t('adm.reason_for', { name: tk.name }) });
  const msg = h('p.msg', { hidden: true });
  const buttons = (ACTIONS[tk.status] || []).map(([action, label, needsReason]) => h(
    `button.btn.btn-small${action === 'approve' || action === 'reinstate' ? '.btn-primary' : '.btn-danger'}`,
    { type: 'button', dataset: { action }, text: label, on: { click: async (ev) => {
      clearMsg(msg);
      const why = reason.value.trim();
      if (needsReason && !why) { showError(msg, t('adm.give_reason_owners')); reason.focus(); return; }
      try {
        const r = await loading(ev.currentTarget, run(call('POST', `/api/admin/tenants/${encodeURIComponent(tk.id)}/${action}`, why ? { reason: why } : {}), msg));
        tk.status = r.status;
        row.replaceWith(tenantRow(tk));
        showOk($('#t-msg'), t('adm.now_status', { name: tk.name, status: r.status }));
      } catch { /* shown */ }
    } } }));
  const owners = (tk.owners || []).map((o) => h('div.small', { text: [o.name, o.email, o.phone].filter(Boolean).join(' · ') }));
  const row = h('tr', { dataset: { tenant: tk.id } },
    h('td', {}, h('strong', { text: tk.name }), h('div.small', { text: `/${tk.slug}` }),
      tk.institution ? h('div.small', { text: tk.institution }) : null, h('div.small.muted', { text: t('adm.n_events', { n: tk.events }) })),
    h('td', {}, statusStamp(tk.status)),
    h('td', {}, h('div.small', { text: [tk.contactEmail, tk.contactPhone].filter(Boolean).join(' · ') }), owners),
    h('td.small', { text: payoutText(tk.payout) }),
    h('td.small', { text: dateTime(tk.createdAt) }),
    h('td', {}, buttons.length ? [reason, h('div.btn-row', {}, buttons)] : null, msg));
  return row;
}

// A list shows only the answer to its latest request.
const latest = {};
function fresh(key) {
  const n = (latest[key] || 0) + 1;
  latest[key] = n;
  return () => latest[key] === n;
}

async function loadTenants() {
  const current = fresh('tenants');
  const q = new URLSearchParams();
  const status = $('#t-status').value;
  const search = $('#t-q').value.trim();
  if (status) q.set('status', status);
  if (search) q.set('q', search);
  const body = $('#tenant-rows');
  const r = await run(call('GET', `/api/admin/tenants?${q}`), $('#t-msg'));
  if (!current()) return;
  replace(body, r.tenants.length ? r.tenants.map(tenantRow)
    : h('tr', {}, h('td', { colspan: 6, text: t('adm.no_orgs') })));
}

let searchTimer;
$('#t-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadTenants().catch(() => {}); });
$('#t-status').addEventListener('change', () => { clearMsg($('#t-msg')); loadTenants().catch(() => {}); });
$('#t-q').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => loadTenants().catch(() => {}), 250);
});

// ---- events ------------------------------------------------------------------------

function eventRow(e) {
  const reason = h('input.input', { type: 'text', maxlength: 500, placeholder: t('adm.reason'), 'aria-label': t('adm.reason_for', { name: e.title }) });
  const msg = h('p.msg', { hidden: true });
  const act = (action, label, cls, done) => h(`button.btn.btn-small.${cls}`, { type: 'button', dataset: { action }, text: label, on: { click: async (ev) => {
    clearMsg(msg);
    const why = reason.value.trim();
    if (action !== 'relist' && !why) { showError(msg, t('adm.give_reason_audit')); reason.focus(); return; }
    try {
      const r = await loading(ev.currentTarget, run(call('POST', `/api/admin/events/${encodeURIComponent(e.id)}/${action}`, why ? { reason: why } : {}), msg));
      if (r.status) e.status = r.status;
      if ('unlistedReason' in r) e.unlistedReason = r.unlistedReason;
      row.replaceWith(eventRow(e));
      showOk($('#e-msg'), done);
    } catch { /* shown */ }
  } } });
  const open = e.status === 'draft' || e.status === 'published';
  const buttons = [
    open && !e.unlistedReason ? act('unlist', t('adm.unlist'), 'btn-danger', t('adm.unlisted_ok', { title: e.title })) : null,
    e.unlistedReason ? act('relist', t('adm.relist'), 'btn-primary', t('adm.relisted_ok', { title: e.title })) : null,
    open ? act('cancel', t('org.event.cancel_event'), 'btn-danger', t('adm.cancelled_ok', { title: e.title })) : null,
  ].filter(Boolean);
  const row = h('tr', { dataset: { event: e.id } },
    h('td', {}, h('strong', { text: e.title }), h('div.small', { text: e.city || '' })),
    h('td.small', { text: e.tenantName }),
    h('td.small', { text: dateTime(e.startsAt) }),
    h('td', {}, stamp(e.status), e.unlistedReason ? h('div.small.unlisted', { text: t('adm.unlisted_reason', { reason: e.unlistedReason }) }) : null),
    h('td.num', { text: `${e.ticketsLive} · ${rupees(e.livePaise)}` }),
    h('td', {}, buttons.length ? [reason, h('div.btn-row', {}, buttons)] : null, msg));
  return row;
}

async function loadEvents() {
  const current = fresh('events');
  const q = new URLSearchParams();
  const search = $('#e-q').value.trim();
  if (search) q.set('q', search);
  const r = await run(call('GET', `/api/admin/events?${q}`), $('#e-msg'));
  if (!current()) return;
  replace($('#event-rows'), r.events.length ? r.events.map(eventRow)
    : h('tr', {}, h('td', { colspan: 6, text: t('adm.no_events') })));
}
let eventTimer;
$('#e-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadEvents().catch(() => {}); });
$('#e-q').addEventListener('input', () => {
  clearTimeout(eventTimer);
  eventTimer = setTimeout(() => loadEvents().catch(() => {}), 250);
});

// ---- users ------------------------------------------------------------------------------

function userCard(u) {
  const msg = h('p.msg', { hidden: true });
  const end = h('button.btn.btn-small.btn-danger', { type: 'button', text: t('adm.end_all'), on: { click: async (ev) => {
    clearMsg(msg);
    try {
      const r = await loading(ev.currentTarget, run(call('POST', `/api/admin/users/${encodeURIComponent(u.id)}/signout`, {}), msg));
      showOk(msg, t('adm.ended_n', { n: r.sessionsEnded }));
    } catch { /* shown */ }
  } } });
  return h('div.panel', { dataset: { user: u.id } },
    h('h2', { text: u.name || u.email || u.phone }),
    h('p.small', { text: [u.email, u.phone, `id ${u.id}`, t('adm.active_signins', { n: u.sessions })].filter(Boolean).join(' · ') }),
    h('div.btn-row', {}, end), msg,
    u.bookings.length ? h('div.table-wrap', {}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { text: t('adm.booked') }), h('th', { text: t('common.event') }), h('th', { text: t('common.organization') }), h('th', { text: t('common.status') }), h('th.num', { text: t('org.live.total') }))),
      h('tbody', {}, u.bookings.map((b) => h('tr', {},
        h('td.small', { text: dateTime(b.createdAt) }), h('td', { text: b.eventTitle }), h('td.small', { text: b.tenantName }),
        h('td', {}, stamp(b.status)), h('td.num', { text: rupees(b.totalPaise) }))))))
      : h('p.small', { text: t('adm.no_bookings') }));
}

$('#u-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg($('#u-msg'));
  try {
    const r = await loading(ev.submitter, run(call('GET', `/api/admin/users?${new URLSearchParams({ q: $('#u-q').value.trim() })}`), $('#u-msg')));
    replace($('#user-results'), r.users.length ? r.users.map(userCard) : h('p', { text: t('adm.nobody') }));
  } catch { /* shown */ }
});

// ---- audit ------------------------------------------------------------------------

function details(d) {
  if (!d || typeof d !== 'object') return '';
  const parts = [];
  if (d.before && d.after) parts.push(`${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`);
  if (d.reason) parts.push(`reason: ${d.reason}`);
  for (const [k, v] of Object.entries(d)) if (!['before', 'after', 'reason'].includes(k)) parts.push(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  return parts.join(' · ');
}

async function loadAudit() {
  const current = fresh('audit');
  const q = new URLSearchParams();
  const action = $('#a-action').value.trim();
  const tenant = $('#a-tenant').value.trim();
  if (action) q.set('action', action);
  if (tenant) q.set('tenantId', tenant);
  clearMsg($('#a-msg'));
  const r = await run(call('GET', `/api/admin/audit?${q}`), $('#a-msg'));
  if (!current()) return;
  replace($('#audit-rows'), r.entries.length ? r.entries.map((e) => h('tr', {},
    h('td.small', { text: dateTime(e.at) }),
    h('td.small', { text: e.actorAdminEmail ? t('adm.admin_who', { email: e.actorAdminEmail }) : (e.actorUserEmail || '—') }),
    h('td', {}, h('code', { text: e.action })),
    h('td.small', { text: e.tenantName || (e.tenantId ? e.tenantId : t('adm.platform')) }),
    h('td.small', { text: details(e.details) })))
    : h('tr', {}, h('td', { colspan: 5, text: t('adm.nothing_matches') })));
}
$('#a-filters').addEventListener('submit', (ev) => { ev.preventDefault(); loadAudit().catch(() => {}); });

// ---- figures ------------------------------------------------------------------------

const kpi = (label, value) => h('div.kpi', {}, h('span.value', { text: String(value) }), h('span.label', { text: label }));

async function loadFigures() {
  const f = await run(call('GET', '/api/admin/figures'), $('#f-msg'));
  const tk = f.tenants || {};
  replace($('#figures'),
    kpi(t('adm.k_orgs_waiting'), tk.pending || 0),
    kpi(t('adm.k_orgs_active'), tk.active || 0),
    kpi(t('adm.k_suspended'), tk.suspended || 0),
    kpi(t('adm.k_on_sale'), f.eventsOnSale),
    kpi(t('adm.k_tickets_today'), f.tickets.today),
    kpi(t('adm.k_tickets_7'), f.tickets.days7),
    kpi(t('adm.k_sales_today'), rupees(f.gmvPaise.today)),
    kpi(t('adm.k_sales_7'), rupees(f.gmvPaise.days7)),
    kpi(t('adm.k_refunds_today'), `${f.refunds.today.count} · ${rupees(f.refunds.today.paise)}`),
    kpi(t('adm.k_refunds_7'), `${f.refunds.days7.count} · ${rupees(f.refunds.days7.paise)}`),
    kpi(t('adm.k_refunds_pending'), f.refunds.pending),
    kpi(t('adm.k_checkins'), f.checkinsToday));
}

// ---- admins ---------------------------------------------------------------------------

async function loadAdmins() {
  const r = await run(call('GET', '/api/admin/admins'));
  replace($('#admin-rows'), r.admins.map((a) => {
    const cell = h('td');
    if (a.status !== 'disabled' && a.id !== me.id) {
      cell.append(h('button.btn.btn-small.btn-danger', { type: 'button', text: t('org.promo.disable'), on: { click: async (ev) => {
        const reason = window.prompt(t('adm.why_disable', { email: a.email }));
        if (!reason) return;
        try {
          await loading(ev.currentTarget, run(call('POST', `/api/admin/admins/${encodeURIComponent(a.id)}/disable`, { reason })));
          loadAdmins().catch(() => {});
        } catch (e) { if (e.status !== 401) showError($('#inv-msg'), e); }
      } } }));
    }
    return h('tr', {}, h('td', { text: a.email }), h('td', { text: a.name }), h('td', {}, stamp(a.status === 'active' ? 'published' : 'draft', a.status)), cell);
  }));
}

$('#inv-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearMsg($('#inv-msg'));
  try {
    const r = await loading(ev.submitter, run(call('POST', '/api/admin/admins', { email: $('#inv-email').value.trim(), name: $('#inv-name').value.trim() }), $('#inv-msg')));
    showOk($('#inv-msg'), t('adm.invited', { url: r.enrolUrl }));
    $('#inv-email').value = '';
    $('#inv-name').value = '';
    loadAdmins().catch(() => {});
  } catch { /* shown */ }
});

// ---- start -----------------------------------------------------------------------------

call('GET', '/api/admin/me').then((r) => signedIn(r.admin), (e) => {
  if (e.status === 401) signedOut();
  else { $('#booting').hidden = true; showError($('#page-msg'), e); }
});
