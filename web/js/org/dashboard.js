// Live dashboard of one event: KPIs, sales over time (SVG), the seat map
// coloured by state, bookings with refunds, CSV export. Live over
// /live/tenant (booking.confirmed, refund, checkin with running totals)
// and, for a published event, /live/events/:id (seat states). A draft's
// dashboard lives on the tenant channel alone: its public channel does
// not exist (issue #23).
import * as api from '../api.js';
import { h, s, $, text, replace, showError, clearMsg, loading, stamp, param, toast } from '../dom.js';
import { rupees, rupeesPlain, dateTime, time as fmtTime, date as fmtDate } from '../format.js';
import { event as normEvent, seatStatus, booking as normBooking } from '../model.js';
import { createSeatMap, swatch } from '../seatmap.js';
import { subscribe, expiry, stream } from '../live.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';
import { queuePanel } from './queue.js';
import { t } from '../i18n.js';

const root = $('#org-root');
const eventId = param('id');
let ev = null;
let map = null;
let canRefund = false;
const totals = { ticketsSold: 0, revenuePaise: 0, refundedPaise: 0, heldNow: 0, checkedIn: 0 };
let series = [];                 // [{at(ms), tickets(cumulative), revenuePaise(cumulative)}]
let bookings = [];
const gaHeld = new Map();

function kpis() {
  text($('#k-sold'), String(totals.ticketsSold));
  text($('#k-revenue'), rupees(totals.revenuePaise));
  text($('#k-refunds'), rupees(totals.refundedPaise));
  text($('#k-checkin'), String(totals.checkedIn));
  const held = map ? map.count('held') : 0;
  let ga = 0;
  for (const n of gaHeld.values()) ga += n;
  text($('#k-held'), String(held + ga || totals.heldNow || 0));
}

// ---- chart: cumulative tickets over time, as a stepped line
function chart() {
  const W = 600, H = 180, P = { l: 36, r: 10, t: 10, b: 24 };
  const pts = series.length ? series : [{ at: Date.now(), tickets: 0 }];
  const t0 = Math.min(...pts.map((p) => p.at));
  const t1 = Math.max(Date.now(), ...pts.map((p) => p.at));
  const maxY = Math.max(1, ...pts.map((p) => p.tickets));
  const x = (tk) => P.l + ((tk - t0) / Math.max(1, t1 - t0)) * (W - P.l - P.r);
  const y = (v) => H - P.b - (v / maxY) * (H - P.t - P.b);
  let d = `M ${x(t0)} ${y(0)}`;
  for (const p of pts) d += ` H ${x(p.at).toFixed(1)} V ${y(p.tickets).toFixed(1)}`;
  d += ` H ${x(t1).toFixed(1)}`;
  const area = `${d} V ${y(0)} H ${x(t0)} Z`;
  const svg = s('svg.chart', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('org.dash.chart', { n: totals.ticketsSold }) },
    s('path.area', { d: area }),
    s('path.line', { d }),
    s('line.axis', { x1: P.l, y1: H - P.b, x2: W - P.r, y2: H - P.b }),
    s('line.axis', { x1: P.l, y1: P.t, x2: P.l, y2: H - P.b }),
    s('text', { x: P.l - 4, y: y(maxY) + 4, 'text-anchor': 'end', text: String(maxY) }),
    s('text', { x: P.l - 4, y: H - P.b, 'text-anchor': 'end', text: '0' }),
    s('text', { x: P.l, y: H - 6, text: `${fmtDate(t0)} ${fmtTime(t0)}` }),
    s('text', { x: W - P.r, y: H - 6, 'text-anchor': 'end', text: t('org.dash.now') }));
  replace($('#chart'), svg);
}

// ---- bookings table
function bookingRow(b) {
  const m = h('span.small');
  const actions = h('td', {}, m);
  if (canRefund && b.status === 'confirmed') {
    const btn = h('button.btn.btn-small.btn-danger', { type: 'button', text: t('org.dash.refund'), 'data-refund': b.id });
    btn.addEventListener('click', async () => {
      if (!confirm(t('org.dash.confirm_refund', { amount: rupees(b.totalPaise), who: b.buyerName || b.buyerEmail }))) return;
      try {
        const ans = await loading(btn, api.post(`/api/bookings/${encodeURIComponent(b.id)}/refund`, { reason: 'organizer' }));
        const nb = normBooking(ans.booking || ans);
        if (!nb.buyerEmail) Object.assign(nb, { buyerName: b.buyerName, buyerEmail: b.buyerEmail, buyerPhone: b.buyerPhone });
        if (!nb.tickets.length) nb.tickets = b.tickets;
        if (nb.status === 'confirmed' && !(ans.status || (ans.booking && ans.booking.status))) nb.status = 'refunded';
        replaceBooking(nb);
        toast(t('org.dash.refund_started', { amount: rupees(b.totalPaise) }), 'ok');
      } catch (err) {
        m.className = 'small msg-error';
        m.textContent = err.message;
      }
    });
    actions.prepend(btn);
  }
  const what = b.tickets.length ? b.tickets.map((tk) => tk.seatLabel || tk.ticketType).sort((x, y) => String(x).localeCompare(String(y), 'en', { numeric: true })).join('; ') : '';
  return h('tr', { 'data-booking': b.id },
    h('td', { text: dateTime(b.createdAt) }),
    h('td', {}, h('div', { text: b.buyerName || '—' }), h('div.small.muted', { text: b.buyerEmail || b.buyerPhone || '' })),
    h('td', { text: what || `${b.tickets.length}` }),
    h('td.num.price', { text: rupees(b.totalPaise, { free: true }) }),
    h('td', {}, stamp(b.status)),
    actions);
}
function renderBookings() {
  const rows = $('#bk-rows');
  if (!bookings.length) replace(rows, h('tr', {}, h('td', { colspan: '6', text: t('org.dash.no_bookings') })));
  else replace(rows, bookings.map(bookingRow));
}
function replaceBooking(b) {
  const i = bookings.findIndex((x) => x.id === b.id);
  if (i >= 0) bookings[i] = b; else bookings.unshift(b);
  renderBookings();
}

// ---- CSV of attendees: the server's export, else built from the list
function csvCell(v) {
  const str = v === null || v === undefined ? '' : String(v);
  // neutralise spreadsheet formulas (=, +, -, @) from user data
  const safe = /^[=+\-@\t\r]/.test(str) ? `'${str}` : str;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
export function attendeesCsv(list) {
  const lines = [['booking', 'status', 'name', 'email', 'phone', 'ticket', 'seat_or_type', 'price_inr', 'checked_in_at'].join(',')];
  for (const b of list) {
    for (const tk of b.tickets.length ? b.tickets : [{ id: '', seatLabel: '', ticketType: '', pricePaise: b.totalPaise, status: b.status }]) {
      lines.push([b.id, tk.status && tk.status !== 'live' ? tk.status : b.status, b.buyerName, b.buyerEmail, b.buyerPhone, tk.id, tk.seatLabel || tk.ticketType, rupeesPlain(tk.pricePaise), tk.checkedInAt || ''].map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
function exportCsv() {
  const csv = attendeesCsv(bookings.filter((b) => b.status === 'confirmed' || b.status === 'refunded' || b.status === 'cancelled'));
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: `${ev.slug || 'event'}-attendees.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- live
// /live/tenant: {type: booking.confirmed | booking.refunded | checkin,
// bookingId, eventId} (docs/bookings.md). Running totals come with the
// message when the publisher adds them, else from a fresh read.
async function onTenantMessage(m) {
  if (m.eventId && String(m.eventId) !== String(ev.id)) return;
  // {type: checkin, admitted, total, gate, gateAdmitted} (docs/checkin.md):
  // the running count itself, nothing to read again
  if (m.type === 'checkin') {
    if (m.admitted !== undefined) totals.checkedIn = Number(m.admitted);
    kpis();
    return;
  }
  const tk = m.totals || null;
  if (tk) {
    if (tk.ticketsSold !== undefined) totals.ticketsSold = Number(tk.ticketsSold);
    if (tk.revenuePaise !== undefined) totals.revenuePaise = Number(tk.revenuePaise);
    if (tk.refundedPaise !== undefined) totals.refundedPaise = Number(tk.refundedPaise);
  } else {
    try {
      ev.sales = normEvent(await api.get(`/api/events/mine/${encodeURIComponent(ev.id)}`)).sales || ev.sales;
      const sl = ev.sales || {};
      totals.ticketsSold = Number(sl.ticketsLive ?? totals.ticketsSold);
      totals.revenuePaise = Number(sl.livePaise ?? totals.revenuePaise);
    } catch (err) { showError($('#page-msg'), err); }
  }
  if (m.type === 'booking.confirmed' || m.type === 'booking.refunded' || m.type === 'refund') {
    series.push({ at: Date.now(), tickets: totals.ticketsSold, revenuePaise: totals.revenuePaise });
    chart();
  }
  if (m.booking) replaceBooking(normBooking(m.booking));
  else if (m.bookingId) {
    try {
      replaceBooking(normBooking(await api.get(`/api/bookings/${encodeURIComponent(m.bookingId)}`)));
    } catch (err) { showError($('#bk-msg'), err); }
  }
  if (m.type === 'booking.refunded') {
    totals.refundedPaise = bookings.filter((b) => b.status === 'refunded').reduce((n, b) => n + b.totalPaise, 0) || totals.refundedPaise;
  }
  kpis();
}

async function loadBookings() {
  try {
    const ans = await api.get(`/api/bookings${api.qs({ eventId })}`);
    bookings = (Array.isArray(ans) ? ans : ans.bookings || ans.items || []).map(normBooking);
    renderBookings();
    if (!series.length) seriesFromBookings();
  } catch (err) {
    showError($('#bk-msg'), err);
  }
}

// Totals from the organizer read of the event (GET /api/events/mine/:id,
// sales: {ticketsLive, ticketsCheckedIn, livePaise, capacity}); the
// curve from the bookings' confirmation times, then live messages.
function loadSales() {
  const sl = ev.sales || {};
  totals.ticketsSold = Number(sl.ticketsLive ?? sl.ticketsSold ?? 0);
  totals.revenuePaise = Number(sl.livePaise ?? sl.revenuePaise ?? 0);
  totals.refundedPaise = Number(sl.refundedPaise ?? 0);
  totals.checkedIn = Number(sl.ticketsCheckedIn ?? 0);
  kpis();
  chart();
}

// The check-in count from the gate's own figures (GET
// /api/checkin/events/:id/stats), then from `checkin` live messages.
async function loadCheckins() {
  try {
    const st = await api.get(`/api/checkin/events/${encodeURIComponent(ev.id)}/stats`);
    totals.checkedIn = Number(st.admitted ?? totals.checkedIn);
    kpis();
  } catch (err) { showError($('#page-msg'), err); }
}

function seriesFromBookings() {
  const paid = bookings.filter((b) => b.status === 'confirmed' && (b.confirmedAt || b.createdAt))
    .map((b) => ({ at: Date.parse(b.confirmedAt || b.createdAt), n: b.tickets.length || 1 }))
    .sort((a, b) => a.at - b.at);
  let n = 0;
  series = paid.map((p) => ({ at: p.at, tickets: (n += p.n) }));
  chart();
}

function startLive() {
  const state = $('#d-live');
  const showState = (st) => text(state, st === 'live' ? t('live.live') : t('live.connecting'));
  // tenant channel (private, ?token=): bookings, refunds, check-ins with
  // running totals
  const tenantUrl = async () => `/live/tenant?token=${encodeURIComponent(await api.freshToken())}`;
  if (ev.status !== 'published') {
    // no public channel for a draft (or a cancelled or completed event):
    // the tenant channel alone, and its state is the page's
    stream(tenantUrl, onTenantMessage, { onState: showState });
    return;
  }
  const others = expiry((ids) => { for (const id of ids) if (map && map.getState(id) === 'held') map.setState(id, 'available'); kpis(); });
  subscribe(`/live/events/${encodeURIComponent(ev.id)}`, {
    snapshot: async () => {
      const snap = seatStatus(await api.get(`/api/seats/status/${encodeURIComponent(ev.id)}`));
      if (map) {
        const held = new Set(snap.held), sold = new Set(snap.sold);
        for (const id of map.ids()) map.setState(id, sold.has(id) ? 'sold' : held.has(id) ? 'held' : map.seat(id).blocked ? 'blocked' : 'available');
        for (const [id, at] of snap.heldExpires) others.add([id], at);
      }
      kpis();
      return snap;
    },
    apply: (m) => {
      const ids = (m.seats || []).map(String);
      if (map) {
        if (m.type === 'seats.held') { for (const id of ids) if (map.getState(id) === 'available') map.setState(id, 'held'); if (m.expiresAt) others.add(ids, m.expiresAt); }
        if (m.type === 'seats.released') { others.remove(ids); for (const id of ids) if (map.getState(id) === 'held' || map.getState(id) === 'sold') map.setState(id, 'available'); } // sold too: refunds
        if (m.type === 'seats.sold') { others.remove(ids); for (const id of ids) map.setState(id, 'sold'); }
      }
      kpis();
    },
    onState: showState,
  }).ready.catch((err) => showError($('#page-msg'), err));
  stream(tenantUrl, onTenantMessage);
}

async function main() {
  let sess;
  try { sess = await orgSession(); } catch (err) { showError($('#page-msg'), err); return; }
  if (sess.needsSignIn) { signInPanel(root); return; }
  if (sess.needsOnboarding) { location.replace('/organizer/'); return; }
  canRefund = roleAtLeast(sess.session.role, 'manager');
  if (!eventId) { root.hidden = true; showError($('#page-msg'), t('queue.no_event')); return; }
  try {
    ev = normEvent(await api.get(`/api/events/mine/${encodeURIComponent(eventId)}`));
  } catch (err) {
    root.hidden = true;
    showError($('#page-msg'), err);
    return;
  }
  root.hidden = true;
  $('#dash').hidden = false;
  text($('#d-title'), ev.title);
  document.title = `${ev.title} · live — ztic`;
  $('#d-edit').href = `/organizer/event.html?id=${encodeURIComponent(ev.id)}`;
  $('#d-csv').addEventListener('click', exportCsv);
  if (ev.seats.length) {
    $('#map-panel').hidden = false;
    for (const c of ev.categories) $('#legend').append(h('li', {}, swatch('category', c.colour), h('span', { text: c.name })));
    $('#legend').append(h('li', {}, swatch('held'), h('span', { text: t('org.dash.held_now') })), h('li', {}, swatch('sold'), h('span', { text: t('event.sold') })), h('li', {}, swatch('blocked'), h('span', { text: t('org.dash.blocked') })));
    map = createSeatMap($('#seatmap'), { seats: ev.seats, categories: ev.categories, interactive: false, label: t('org.dash.seat_states', { title: ev.title }) });
    for (const tk of ev.seats) if (tk.sold) map.setState(tk.id, 'sold');
  }
  if (canRefund) queuePanel($('#dash'), ev);    // managers and owners
  clearMsg($('#bk-msg'));
  loadSales();
  await Promise.all([loadBookings(), loadCheckins()]);
  startLive();
}
main();
