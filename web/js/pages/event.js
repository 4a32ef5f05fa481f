// Event page: details, the live seat map and GA passes, holds with a
// countdown, checkout and payment.
//
// APIs: GET /api/events/:id; GET /api/seats/status/:id (snapshot with v);
// /live/events/:id (seats.held|seats.released|seats.sold|ga.changed);
// POST /api/seats/lock, DELETE /api/seats/lock/:seatId,
// DELETE /api/seats/lock?eventId=; POST /api/bookings,
// POST /api/bookings/confirm; /live/bookings/:id.
import * as api from '../api.js';
import { boot } from '../app.js';
import { requireSignIn } from '../auth.js';
import { h, $, replace, text, showError, clearMsg, showOk, stamp, toast, loading, param } from '../dom.js';
import { rupees, number, category, dateTime, time as fmtTime, mmss } from '../format.js';
import { event as normEvent, seatStatus, statusOf, booking as normBooking } from '../model.js';
import { createSeatMap, swatch, seatName } from '../seatmap.js';
import { subscribe, expiry } from '../live.js';
import * as pay from '../pay.js';
import { brand, organizerBadge } from '../brand.js';
import { showPoster } from '../poster.js';
import { passHeaders, toQueue } from '../queue.js';
import { mountWaitlist } from './waitlist.js';
import { mountRegForm } from './regform.js'; // registration form step (docs/commerce.md)
import { t, tpl } from '../i18n.js';

// /event.html?id=<id or slug>, or the short link /e/<tenant>/<event>
const shortLink = /^\/e\/([a-z0-9-]+)\/([a-z0-9-]+)\/?$/.exec(location.pathname);
const eventKey = param('id') || param('slug') || (shortLink ? `${shortLink[1]}/${shortLink[2]}` : null);
let ev = null;
let map = null;
let live = null;
const mine = new Map();          // seatId → expiresAt (ms)
const gaQty = new Map();         // ticketTypeId → quantity held
let gaExpires = null;            // ms
const gaAvail = new Map();       // ticketTypeId → available
const gaRows = new Map();        // ticketTypeId → {output, minus, plus, avail}
const pendingSeat = new Set();   // seat ids with a lock/release in flight
let countdownTimer = null;

const msg = $('#hold-msg');
const pageMsg = $('#page-msg');

// Other people's holds expire on their own: free them on time.
const othersExpiry = expiry((ids) => {
  for (const id of ids) if (map && map.getState(id) === 'held') map.setState(id, 'available');
});

// ---------------------------------------------------------------- load --
async function main() {
  boot();
  if (!eventKey) {
    $('#event-loading').hidden = true;
    showError(pageMsg, t('event.no_event'));
    return;
  }
  try {
    ev = normEvent(await api.get(`/api/events/${eventKey.split('/').map(encodeURIComponent).join('/')}`, {}));
  } catch (err) {
    $('#event-loading').hidden = true;
    showError(pageMsg, err);
    return;
  }
  renderDetails();
  if (ev.seats.length) renderSeats();
  if (ev.ticketTypes.length) renderGA();
  $('#event-loading').hidden = true;
  $('#event').hidden = false;
  renderSummary();
  mountWaitlist(ev, $('#event .layout-2 > div'));   // sold out: the waiting list
  if (statusOf(ev) === 'live' || statusOf(ev) === 'upcoming') startLive();
  await resumeReturn();
}

function renderDetails() {
  document.title = `${ev.title} — ztic`;
  replace($('#ev-stamp'), stamp(statusOf(ev)));
  text($('#ev-kicker'), [category(ev.category), ev.city].filter(Boolean).join(' · '));
  text($('#ev-title'), ev.title);
  showPoster($('#ev-title').closest('header'), ev);
  text($('#ev-when'), ev.endsAt ? `${dateTime(ev.startsAt)} – ${fmtTime(ev.endsAt)}` : dateTime(ev.startsAt));
  text($('#ev-where'), [ev.venueName, ev.venueAddress, ev.city].filter(Boolean).join(', ') || t('event.venue_tba'));
  replace($('#ev-by'), organizerBadge(ev.tenant));
  brand(ev.tenant);
  text($('#ev-refund'), ev.refundPolicy === 'before_start'
    ? t('event.refund_before', { n: Number(ev.refundCutoffHours) || 0 })
    : t('event.no_refunds'));
  text($('#ev-desc'), ev.description || t('event.no_description'));
}

// ------------------------------------------------------------ seat map --
function renderSeats() {
  $('#seats-section').hidden = false;
  const legend = $('#legend');
  for (const c of ev.categories) {
    legend.append(h('li', {}, swatch('category', c.colour), h('span', { text: `${c.name} ${rupees(c.pricePaise, { free: true })}` })));
  }
  legend.append(
    h('li', {}, swatch('mine'), h('span', { text: t('event.your_selection') })),
    h('li', {}, swatch('held'), h('span', { text: t('event.held_by_someone') })),
    h('li', {}, swatch('sold'), h('span', { text: t('event.sold') })),
    h('li', {}, swatch('blocked'), h('span', { text: t('event.not_for_sale') })));
  map = createSeatMap($('#seatmap'), {
    seats: ev.seats,
    categories: ev.categories,
    label: t('event.seat_map_of', { title: ev.title }),
    onActivate: toggleSeat,
  });
}

function applySnapshot(raw) {
  const snap = seatStatus(raw);
  othersExpiry.clear();
  if (map) {
    const held = new Set(snap.held);
    const sold = new Set(snap.sold);
    const mineNow = snap.mine ? new Set(snap.mine.seats) : null;
    for (const id of map.ids()) {
      const seat = map.seat(id);
      let st = seat.blocked ? 'blocked' : 'available';
      // Our own holds come from the lock answers and expire locally; a
      // snapshot taken just before a lock must not undo it.
      if (sold.has(id)) st = 'sold';
      else if (mineNow && mineNow.has(id)) st = 'mine';
      else if (mine.has(id)) st = 'mine';
      else if (held.has(id)) st = 'held';
      if (st !== 'mine' && mine.has(id)) mine.delete(id);
      map.setState(id, st);
    }
    if (mineNow && snap.mine.expiresAt) for (const id of mineNow) mine.set(id, Date.parse(snap.mine.expiresAt));
  }
  if (snap.mine) {
    gaQty.clear();
    for (const [k, q] of Object.entries(snap.mine.ga)) if (q > 0) gaQty.set(k, q);
    gaExpires = totalGa() ? Date.parse(snap.mine.expiresAt) || null : null;
  }
  if (map) for (const [id, at] of snap.heldExpires) if (map.getState(id) === 'held') othersExpiry.add([id], at);
  for (const [k, v] of Object.entries(snap.ga)) setGaAvail(k, v);
  renderSummary();
  return snap;
}

function applyMessage(m) {
  const ids = (m.seats || m.seatIds || []).map(String);
  switch (m.type) {
    case 'seats.held':
      for (const id of ids) {
        if (mine.has(id) || !map) continue;
        if (map.getState(id) === 'available') map.setState(id, 'held');
      }
      if (m.expiresAt) othersExpiry.add(ids.filter((id) => !mine.has(id)), m.expiresAt);
      break;
    case 'seats.released':
      othersExpiry.remove(ids);
      for (const id of ids) {
        if (!map) break;
        if (pendingSeat.has(id)) continue;
        if (mine.has(id)) { mine.delete(id); }
        // also after seats.sold: a refund or cancellation puts sold seats
        // back on sale with seats.released (zt_hold_unsell); versions keep
        // the order, so a release never overtakes a later sale
        if (map.getState(id) !== 'blocked') map.setState(id, 'available');
      }
      break;
    case 'seats.sold':
      othersExpiry.remove(ids);
      for (const id of ids) { mine.delete(id); if (map) map.setState(id, 'sold'); }
      break;
    case 'ga.changed': {
      const ga = m.ga || (m.ticketTypeId ? { [m.ticketTypeId]: m.available } : {});
      for (const [k, v] of Object.entries(ga)) setGaAvail(k, typeof v === 'object' ? v.available : v);
      break;
    }
    default:
      break;
  }
  if (m.ga && m.type !== 'ga.changed') for (const [k, v] of Object.entries(m.ga)) setGaAvail(k, typeof v === 'object' ? v.available : v);
  renderSummary();
}

function startLive() {
  const state = $('#live-state');
  live = subscribe(`/live/events/${encodeURIComponent(ev.id)}`, {
    snapshot: async () => {
      const snap = applySnapshot(await api.get(`/api/seats/status/${encodeURIComponent(ev.id)}`, { auth: api.isSignedIn() }));
      if (pageMsg.dataset.from === 'live') { clearMsg(pageMsg); delete pageMsg.dataset.from; }
      return snap;
    },
    apply: applyMessage,
    onState: (s) => text(state, s === 'live' ? t('live.live') : s === 'closed' ? '' : t('live.connecting')),
  });
  live.ready.catch((err) => { showError(pageMsg, err); pageMsg.dataset.from = 'live'; });
}

// ---------------------------------------------------------------- holds --
// A lock answer is the whole hold (seats + GA, one expiry for all of it):
// {holdId, expiresAt, seats:[…], ga:[{ticketTypeId, quantity}]}; holdId
// null when nothing is held any more.
function applyHold(r) {
  if (!r || typeof r !== 'object') return;
  const at = Date.parse(r.expiresAt) || Date.now() + 300000;
  if (Array.isArray(r.seats)) {
    const now = new Set(r.seats.map(String));
    for (const id of [...mine.keys()]) {
      if (!now.has(id)) { mine.delete(id); if (map && map.getState(id) === 'mine') map.setState(id, 'available'); }
    }
    for (const id of now) { mine.set(id, at); othersExpiry.remove([id]); if (map) map.setState(id, 'mine'); }
  }
  if (Array.isArray(r.ga)) {
    gaQty.clear();
    for (const g of r.ga) if (Number(g.quantity) > 0) gaQty.set(String(g.ticketTypeId), Number(g.quantity));
  }
  gaExpires = totalGa() ? at : null;
  if (r.holdId === null) { for (const id of mine.keys()) if (map) map.setState(id, 'available'); mine.clear(); gaQty.clear(); gaExpires = null; }
}

async function ensureSignedIn() {
  await api.restore();
  if (api.isSignedIn()) return true;
  const s = await requireSignIn(t('event.sign_in_to_hold'));
  if (!s) return false;
  // just signed in: the snapshot may now tell which holds are ours
  if (live) live.resync().catch(() => {});
  return true;
}

async function toggleSeat(seat, st) {
  clearMsg(msg);
  if (pendingSeat.has(seat.id)) return;
  if (st === 'held' || st === 'sold' || st === 'blocked') {
    showError(msg, t('event.seat_not_available', { seat: seatName(seat, map.category(seat.id), st) }));
    return;
  }
  if (!(await ensureSignedIn())) return;
  pendingSeat.add(seat.id);
  const g = map.svg.querySelector(`[data-id="${CSS.escape(seat.id)}"]`);
  g && g.setAttribute('aria-busy', 'true');
  try {
    if (st === 'mine') {
      await api.del(`/api/seats/lock/${encodeURIComponent(seat.id)}${api.qs({ eventId: ev.id })}`);
      mine.delete(seat.id);
      map.setState(seat.id, 'available');
    } else {
      if (mine.size + totalGa() >= ev.perUserLimit) {
        showError(msg, t('event.limit', { n: ev.perUserLimit }));
        return;
      }
      const r = await api.post('/api/seats/lock', { eventId: ev.id, seatIds: [seat.id], ga: [] }, passHeaders(ev.id));
      if (r && Array.isArray(r.seats)) applyHold(r);
      else {
        mine.set(seat.id, Date.parse(r && r.expiresAt) || Date.now() + 300000);
        othersExpiry.remove([seat.id]);
        map.setState(seat.id, 'mine');
      }
    }
  } catch (err) {
    if (toQueue(err, ev.id)) return;
    if (err.status === 409) {
      const conflicts = (err.body && (err.body.conflicts || (err.body.error && err.body.error.conflicts))) || [seat.id];
      for (const c of conflicts) {
        const id = String(typeof c === 'object' ? c.seatId || c.id : c);
        if (map.getState(id) === 'available') map.setState(id, 'held');
      }
    }
    showError(msg, err);
  } finally {
    pendingSeat.delete(seat.id);
    g && g.removeAttribute('aria-busy');
    renderSummary();
  }
}

// ------------------------------------------------------------------- GA --
function renderGA() {
  $('#ga-section').hidden = false;
  const box = $('#ga-list');
  for (const tt of ev.ticketTypes) {
    gaAvail.set(tt.id, tt.available);
    const out = h('output', { 'aria-live': 'polite', text: '0', id: `qty-${tt.id}` });
    const minus = h('button', { type: 'button', text: '−', 'aria-label': t('event.one_less', { name: tt.name }) });
    const plus = h('button', { type: 'button', text: '+', 'aria-label': t('event.one_more', { name: tt.name }) });
    const avail = h('span.small', {});
    minus.addEventListener('click', () => changeGa(tt, -1));
    plus.addEventListener('click', () => changeGa(tt, +1));
    const ended = tt.salesEndsAt && Date.parse(tt.salesEndsAt) < Date.now();
    box.append(h('div.ga-row', { 'data-type': tt.id },
      h('div', {},
        h('strong', { text: tt.name }), ' ',
        h('span.price', { text: rupees(tt.pricePaise, { free: true }) }),
        tt.description ? h('p.small.muted', { text: tt.description }) : null,
        h('div', {}, avail, ended ? h('span.small', { text: ` · ${t('event.sales_ended')}` }) : null)),
      h('div.qty', { role: 'group', 'aria-label': t('event.quantity_of', { name: tt.name }) }, minus, out, plus)));
    gaRows.set(tt.id, { out, minus, plus, avail, type: tt, ended });
    setGaAvail(tt.id, tt.available);
  }
}

function setGaAvail(id, n) {
  gaAvail.set(String(id), Number(n) || 0);
  const row = gaRows.get(String(id));
  if (!row) return;
  const a = gaAvail.get(String(id));
  text(row.avail, a <= 0 ? t('stamp.sold_out') : a <= 20 ? t('event.only_left', { n: a }) : t('event.n_available', { n: number(a) }));
  updateGaButtons();
}

function totalGa() { let n = 0; for (const q of gaQty.values()) n += q; return n; }

function updateGaButtons() {
  for (const [id, row] of gaRows) {
    const q = gaQty.get(id) || 0;
    text(row.out, String(q));
    row.minus.disabled = q <= 0;
    row.plus.disabled = row.ended || (gaAvail.get(id) || 0) <= 0 || q >= row.type.perOrderLimit || mine.size + totalGa() >= ev.perUserLimit;
  }
}

async function changeGa(tt, delta) {
  clearMsg(msg);
  if (!(await ensureSignedIn())) return;
  const row = gaRows.get(tt.id);
  const q = Math.max(0, (gaQty.get(tt.id) || 0) + delta);
  row.minus.disabled = row.plus.disabled = true;
  try {
    // The hold for a ticket type is set to the new quantity (0 releases).
    const r = await loading(row.out.parentElement, api.post('/api/seats/lock', { eventId: ev.id, seatIds: [], ga: [{ ticketTypeId: tt.id, quantity: q }] }, passHeaders(ev.id)));
    if (r && (Array.isArray(r.ga) || r.holdId === null)) applyHold(r);
    else {
      if (q) gaQty.set(tt.id, q); else gaQty.delete(tt.id);
      gaExpires = totalGa() ? Date.parse(r && r.expiresAt) || Date.now() + 300000 : null;
    }
  } catch (err) {
    if (toQueue(err, ev.id)) return;
    const avail = err.body && err.body.available;
    if (avail && typeof avail === 'object') for (const [k, v] of Object.entries(avail)) setGaAvail(k, v);
    showError(msg, err);
  } finally {
    updateGaButtons();
    renderSummary();
  }
}

// -------------------------------------------------------------- summary --
function earliestExpiry() {
  let tt = Infinity;
  for (const at of mine.values()) tt = Math.min(tt, at);
  if (gaExpires && totalGa()) tt = Math.min(tt, gaExpires);
  return Number.isFinite(tt) ? tt : null;
}

function renderSummary() {
  const list = $('#sel-list');
  list.replaceChildren();
  let total = 0;
  // in seat order (Row C 4 before Row C 5 before Row C 12), not by id
  const name = (id) => { const x = map && map.seat(id); return x ? `${x.row} ${x.label}` : String(id); };
  const seatIds = [...mine.keys()].sort((a, b) => name(a).localeCompare(name(b), 'en', { numeric: true }));
  for (const id of seatIds) {
    const seat = map && map.seat(id);
    const cat = map && map.category(id);
    if (!seat) continue;
    total += cat ? cat.pricePaise : 0;
    list.append(h('li', {}, h('span', { text: `${t('seat.row_seat', { row: seat.row, seat: seat.label })}${cat ? ` · ${cat.name}` : ''}` }), h('span.price', { text: rupees(cat ? cat.pricePaise : 0, { free: true }) })));
  }
  for (const [id, q] of gaQty) {
    const tt = ev.ticketTypes.find((x) => x.id === id);
    if (!tt || !q) continue;
    total += tt.pricePaise * q;
    list.append(h('li', {}, h('span', { text: `${q} × ${tt.name}` }), h('span.price', { text: rupees(tt.pricePaise * q, { free: true }) })));
  }
  const count = seatIds.length + totalGa();
  $('#sel-empty').hidden = count > 0;
  text($('#sel-total'), rupees(total));
  $('#checkout').disabled = count === 0;
  text($('#checkout'), count ? t('event.checkout_n', { n: count }) : t('event.checkout'));
  $('#release').hidden = count === 0;
  $('#dock').hidden = count === 0;
  document.body.classList.toggle('has-dock', count > 0);
  text($('#dock-count'), t('event.n_tickets', { n: count }));
  text($('#dock-total'), rupees(total));
  updateGaButtons();
  tickCountdown();
}

function tickCountdown() {
  clearInterval(countdownTimer);
  const box = $('#hold-timer');
  const at = earliestExpiry();
  if (!at) { box.hidden = true; return; }
  box.hidden = false;
  const cd = $('#countdown');
  const dcd = $('#dock-countdown');
  const tick = () => {
    const left = (at - Date.now()) / 1000;
    text(cd, mmss(left));
    text(dcd, mmss(left));
    cd.classList.toggle('low', left <= 60);
    dcd.classList.toggle('low', left <= 60);
    if (left <= 0) {
      clearInterval(countdownTimer);
      expireMine();
    }
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

// My hold ran out: free the seats locally (the sweeper confirms).
function expireMine() {
  // holds taken a moment apart expire together (one message, not several)
  const now = Date.now() + 1500;
  let n = 0;
  for (const [id, at] of [...mine]) {
    if (at <= now) { mine.delete(id); if (map && map.getState(id) === 'mine') map.setState(id, 'available'); n++; }
  }
  if (gaExpires && gaExpires <= now && totalGa()) { n += totalGa(); gaQty.clear(); gaExpires = null; }
  if (n) {
    showError(msg, t('event.hold_expired_n', { n }));
    if (checkoutSheet) checkoutSheet.expired();
  }
  renderSummary();
}

$('#release').addEventListener('click', async (e) => {
  clearMsg(msg);
  try {
    await loading(e.currentTarget, api.del(`/api/seats/lock${api.qs({ eventId: ev.id })}`));
    for (const id of mine.keys()) if (map) map.setState(id, 'available');
    mine.clear();
    gaQty.clear();
    gaExpires = null;
    renderSummary();
  } catch (err) {
    showError(msg, err);
  }
});

// ------------------------------------------------------------- checkout --
let checkoutSheet = null;
$('#checkout').addEventListener('click', () => openCheckout());
$('#dock-checkout').addEventListener('click', () => openCheckout());

function openCheckout() {
  const session = api.getSession();
  const user = (session && session.user) || {};
  const m = h('p.msg', { hidden: true });
  const timer = h('span.countdown', { text: '' });
  const breakdown = h('tbody');
  const payBtn = h('button.btn.btn-primary.btn-block', { type: 'submit', id: 'pay', text: t('event.see_total') });
  const to = user.email || user.phone || '';
  // a promo code (docs/commerce.md): sent with the order, priced by the server
  const promo = h('input', { id: 'promo-code', name: 'promoCode', autocomplete: 'off', maxlength: '40', spellcheck: 'false', placeholder: t('event.promo_optional'), 'aria-label': t('event.promo_code') });
  const regBox = h('div', { id: 'reg-form' });
  const reg = mountRegForm(regBox, ev, () => mine.size + totalGa());
  const form = h('form', { novalidate: true },
    h('table.breakdown', { 'aria-label': t('event.price_breakdown') }, breakdown),
    h('p.field', {}, promo), regBox,
    to ? h('p.small', {}, ...tpl('event.tickets_go_to', { to: h('strong', { text: to }) })) : null,
    h('p.small', {}, ...tpl('event.held_for_you', { time: timer })),
    m, payBtn);
  const close = h('button.icon-btn', { type: 'button', 'aria-label': t('common.close'), text: '✕' });
  const sheet = h('dialog.sheet', { 'aria-labelledby': 'co-title', id: 'checkout-sheet' },
    h('div.sheet-head', {}, h('h2', { id: 'co-title', text: t('event.checkout') }), close),
    h('div.sheet-body', {}, form));
  document.body.append(sheet);
  sheet.showModal();
  let bookingId = null;
  let payment = null;
  let dead = false;
  const tickTimer = () => {
    const at = earliestExpiry();
    text(timer, at ? mmss((at - Date.now()) / 1000) : '0:00');
  };
  tickTimer(); // at once: the sheet never shows an empty countdown
  const tt = setInterval(tickTimer, 500);
  const done = () => { clearInterval(tt); sheet.close(); sheet.remove(); checkoutSheet = null; };
  close.addEventListener('click', done);
  sheet.addEventListener('cancel', (e2) => { e2.preventDefault(); done(); });
  checkoutSheet = {
    expired() {
      dead = true;
      payBtn.disabled = true;
      showError(m, t('event.hold_expired_before_pay'));
    },
  };
  // the local subtotal until the server's breakdown arrives
  renderBreakdown(breakdown, null);

  form.addEventListener('submit', async (e2) => {
    e2.preventDefault();
    clearMsg(m);
    if (dead) return;
    try {
      if (!bookingId) {
        // the order is made from our hold; prices come from the server
        const code = promo.value.trim();
        const answers = reg.answers();
        const ans = await loading(payBtn, api.post('/api/bookings', { eventId: ev.id, ...(code ? { promoCode: code } : {}), ...(answers ? { answers } : {}) }, passHeaders(ev.id)));
        const b = normBooking(ans.booking || ans);
        b.discountPaise = Number((ans.booking || ans).discountPaise) || 0;
        promo.disabled = true;
        bookingId = b.id;
        payment = pay.paymentOf(ans);
        renderBreakdown(breakdown, b);
        if ((ans.booking || ans).approval === 'waiting') { dead = true; payBtn.disabled = true; showOk(m, reg.waitingText); return; }
        if (b.status === 'confirmed') {
          done();
          confirmed(b);
          return;
        }
        text(payBtn, t('event.pay_amount', { amount: rupees(b.totalPaise) }));
        return; // a second press pays, after the breakdown was seen
      }
      // the order may have closed since the total was shown (its hold
      // released in another tab): never open Checkout for it
      await loading(payBtn, pay.stillPayable(bookingId));
      // Checkout opens its own window over the page: a modal <dialog> sits
      // in the top layer and would make it inert, so step aside meanwhile.
      sheet.close();
      try {
        await startPayment(bookingId, payment, { email: user.email || undefined, contact: user.phone || undefined, name: user.name || undefined }, m, payBtn);
      } finally {
        if (sheet.isConnected && !sheet.open) sheet.showModal();
      }
    } catch (err) {
      if (toQueue(err, ev.id)) return;
      showError(m, err);
      if (err.code === 'no_holds' || err.code === 'hold_expired') checkoutSheet && checkoutSheet.expired();
      if (err.code === 'order_closed') { dead = true; payBtn.disabled = true; }
    }
  });
  payBtn.focus();
}

function renderBreakdown(tbody, b) {
  tbody.replaceChildren();
  const row = (label, paise, cls) => h(`tr${cls ? `.${cls}` : ''}`, {}, h('td', { text: label }), h('td.num.price', { text: rupees(paise) }));
  if (!b) {
    let sub = 0;
    for (const id of mine.keys()) { const c = map && map.category(id); sub += c ? c.pricePaise : 0; }
    for (const [id, q] of gaQty) { const tt = ev.ticketTypes.find((x) => x.id === id); sub += tt ? tt.pricePaise * q : 0; }
    tbody.append(row(t('common.tickets'), sub), h('tr', {}, h('td.small.muted', { colspan: '2', text: t('event.fees_next_step') })));
    return;
  }
  if (b.discountPaise > 0) {
    tbody.append(row(t('common.tickets'), b.subtotalPaise + b.discountPaise));
    tbody.append(row(t('event.promo_discount'), -b.discountPaise, 'discount'));
  } else {
    tbody.append(row(t('common.tickets'), b.subtotalPaise));
  }
  tbody.append(row(t('event.booking_fee'), b.feePaise));
  tbody.append(row('GST', b.taxPaise));
  tbody.append(row(t('org.live.total'), b.totalPaise, 'total'));
}

async function startPayment(bookingId, payment, prefill, m, btn) {
  if (!payment || !payment.orderId) throw new api.ApiError(0, 'no_payment', t('event.no_payment'));
  const proof = await loading(btn, pay.checkout(payment, {
    name: ev.tenant.name || 'ztic', description: ev.title, prefill,
    onFailure: (err) => showError(m, err),
  }));
  await finishPayment(bookingId, proof, m);
}

async function finishPayment(bookingId, proof, m) {
  const box = m || pageMsg;
  showOk(box, t('event.payment_received'));
  try {
    const ans = await pay.confirm(bookingId, proof);
    confirmed(normBooking(ans.booking || ans));
  } catch (err) {
    if (err.code === 'timeout' || err.status === 0 || err.status >= 500) {
      showOk(box, t('event.still_confirming'));
      const b = await pay.pollBooking(bookingId).catch((e) => { showError(box, e); return null; });
      if (b && b.status === 'confirmed') confirmed(normBooking(b));
      else if (b) showError(box, t('event.booking_status', { status: b.status }));
      else showError(box, t('event.not_confirmed_yet'));
      return;
    }
    showError(box, err);
  }
}

function confirmed(b) {
  sessionStorage.removeItem(`zt_booking_${ev.id}`);
  for (const id of mine.keys()) if (map) map.setState(id, 'sold');
  mine.clear();
  gaQty.clear();
  gaExpires = null;
  renderSummary();
  if (checkoutSheet) { $('#checkout-sheet')?.close(); $('#checkout-sheet')?.remove(); checkoutSheet = null; }
  replace(pageMsg, ...tpl('event.booked', { link: h('a', { href: `/tickets.html#${encodeURIComponent(b.id)}`, text: t('event.see_your_tickets') }) }));
  pageMsg.className = 'msg msg-ok';
  pageMsg.hidden = false;
  pageMsg.setAttribute('role', 'status');
  pageMsg.scrollIntoView({ block: 'center' });
  toast(t('event.booking_confirmed'), 'ok');
}

// Back from the emulator's checkout page: ?booking=…&razorpay_…
async function resumeReturn() {
  const bookingId = param('booking');
  if (!bookingId) return;
  const proof = pay.returnedProof();
  await api.restore();
  // tidy the address bar: the proof is single-use
  history.replaceState(null, '', `${location.pathname}?id=${encodeURIComponent(ev.id)}`);
  if (!proof) return;
  if (!proof.ok) {
    showError(pageMsg, t('event.payment_failed', { reason: proof.message }));
    return;
  }
  await finishPayment(bookingId, proof, pageMsg);
}

main();
