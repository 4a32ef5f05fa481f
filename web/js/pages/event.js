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
import { rupees, dateTime, time as fmtTime, mmss, plural } from '../format.js';
import { event as normEvent, seatStatus, statusOf, booking as normBooking } from '../model.js';
import { createSeatMap, swatch, seatName } from '../seatmap.js';
import { subscribe, expiry } from '../live.js';
import * as pay from '../pay.js';
import { brand, organizerBadge } from '../brand.js';
import { showPoster } from '../poster.js';
import { passHeaders, toQueue } from '../queue.js';
import { mountWaitlist } from './waitlist.js';
import { mountRegForm } from './regform.js'; // registration form step (docs/commerce.md)

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
    showError(pageMsg, 'No event given. Pick one from the list of events.');
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
  text($('#ev-kicker'), [ev.category, ev.city].filter(Boolean).join(' · '));
  text($('#ev-title'), ev.title);
  showPoster($('#ev-title').closest('header'), ev);
  text($('#ev-when'), ev.endsAt ? `${dateTime(ev.startsAt)} – ${fmtTime(ev.endsAt)}` : dateTime(ev.startsAt));
  text($('#ev-where'), [ev.venueName, ev.venueAddress, ev.city].filter(Boolean).join(', ') || 'Venue to be announced');
  replace($('#ev-by'), organizerBadge(ev.tenant));
  brand(ev.tenant);
  text($('#ev-refund'), ev.refundPolicy === 'before_start'
    ? `Cancel up to ${ev.refundCutoffHours || 0} hours before the start for a refund.`
    : 'No refunds (the event may still be cancelled by the organizer, with a full refund).');
  text($('#ev-desc'), ev.description || 'No description yet.');
}

// ------------------------------------------------------------ seat map --
function renderSeats() {
  $('#seats-section').hidden = false;
  const legend = $('#legend');
  for (const c of ev.categories) {
    legend.append(h('li', {}, swatch('category', c.colour), h('span', { text: `${c.name} ${rupees(c.pricePaise, { free: true })}` })));
  }
  legend.append(
    h('li', {}, swatch('mine'), h('span', { text: 'Your selection' })),
    h('li', {}, swatch('held'), h('span', { text: 'Held by someone' })),
    h('li', {}, swatch('sold'), h('span', { text: 'Sold' })),
    h('li', {}, swatch('blocked'), h('span', { text: 'Not for sale' })));
  map = createSeatMap($('#seatmap'), {
    seats: ev.seats,
    categories: ev.categories,
    label: `Seat map of ${ev.title}`,
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
    onState: (s) => text(state, s === 'live' ? '● live' : s === 'closed' ? '' : 'connecting…'),
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
  const s = await requireSignIn('Sign in to hold seats. It takes a 6-digit code, no password.');
  if (!s) return false;
  // just signed in: the snapshot may now tell which holds are ours
  if (live) live.resync().catch(() => {});
  return true;
}

async function toggleSeat(seat, st) {
  clearMsg(msg);
  if (pendingSeat.has(seat.id)) return;
  if (st === 'held' || st === 'sold' || st === 'blocked') {
    showError(msg, `${seatName(seat, map.category(seat.id), st)}: not available.`);
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
        showError(msg, `You can hold at most ${plural(ev.perUserLimit, 'ticket')} for this event.`);
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
  for (const t of ev.ticketTypes) {
    gaAvail.set(t.id, t.available);
    const out = h('output', { 'aria-live': 'polite', text: '0', id: `qty-${t.id}` });
    const minus = h('button', { type: 'button', text: '−', 'aria-label': `One less ${t.name}` });
    const plus = h('button', { type: 'button', text: '+', 'aria-label': `One more ${t.name}` });
    const avail = h('span.small', {});
    minus.addEventListener('click', () => changeGa(t, -1));
    plus.addEventListener('click', () => changeGa(t, +1));
    const ended = t.salesEndsAt && Date.parse(t.salesEndsAt) < Date.now();
    box.append(h('div.ga-row', { 'data-type': t.id },
      h('div', {},
        h('strong', { text: t.name }), ' ',
        h('span.price', { text: rupees(t.pricePaise, { free: true }) }),
        t.description ? h('p.small.muted', { text: t.description }) : null,
        h('div', {}, avail, ended ? h('span.small', { text: ' · sales ended' }) : null)),
      h('div.qty', { role: 'group', 'aria-label': `Quantity of ${t.name}` }, minus, out, plus)));
    gaRows.set(t.id, { out, minus, plus, avail, type: t, ended });
    setGaAvail(t.id, t.available);
  }
}

function setGaAvail(id, n) {
  gaAvail.set(String(id), Number(n) || 0);
  const row = gaRows.get(String(id));
  if (!row) return;
  const a = gaAvail.get(String(id));
  text(row.avail, a <= 0 ? 'Sold out' : a <= 20 ? `Only ${a} left` : `${a} available`);
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

async function changeGa(t, delta) {
  clearMsg(msg);
  if (!(await ensureSignedIn())) return;
  const row = gaRows.get(t.id);
  const q = Math.max(0, (gaQty.get(t.id) || 0) + delta);
  row.minus.disabled = row.plus.disabled = true;
  try {
    // The hold for a ticket type is set to the new quantity (0 releases).
    const r = await loading(row.out.parentElement, api.post('/api/seats/lock', { eventId: ev.id, seatIds: [], ga: [{ ticketTypeId: t.id, quantity: q }] }, passHeaders(ev.id)));
    if (r && (Array.isArray(r.ga) || r.holdId === null)) applyHold(r);
    else {
      if (q) gaQty.set(t.id, q); else gaQty.delete(t.id);
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
  let t = Infinity;
  for (const at of mine.values()) t = Math.min(t, at);
  if (gaExpires && totalGa()) t = Math.min(t, gaExpires);
  return Number.isFinite(t) ? t : null;
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
    list.append(h('li', {}, h('span', { text: `Row ${seat.row}, seat ${seat.label}${cat ? ` · ${cat.name}` : ''}` }), h('span.price', { text: rupees(cat ? cat.pricePaise : 0, { free: true }) })));
  }
  for (const [id, q] of gaQty) {
    const t = ev.ticketTypes.find((x) => x.id === id);
    if (!t || !q) continue;
    total += t.pricePaise * q;
    list.append(h('li', {}, h('span', { text: `${q} × ${t.name}` }), h('span.price', { text: rupees(t.pricePaise * q, { free: true }) })));
  }
  const count = seatIds.length + totalGa();
  $('#sel-empty').hidden = count > 0;
  text($('#sel-total'), rupees(total));
  $('#checkout').disabled = count === 0;
  text($('#checkout'), count ? `Checkout · ${plural(count, 'ticket')}` : 'Checkout');
  $('#release').hidden = count === 0;
  $('#dock').hidden = count === 0;
  document.body.classList.toggle('has-dock', count > 0);
  text($('#dock-count'), plural(count, 'ticket'));
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
    showError(msg, `Your hold expired and ${plural(n, 'ticket was', 'tickets were')} released. Pick again to continue.`);
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
  const payBtn = h('button.btn.btn-primary.btn-block', { type: 'submit', id: 'pay', text: 'See the total' });
  const to = user.email || user.phone || '';
  // a promo code (docs/commerce.md): sent with the order, priced by the server
  const promo = h('input', { id: 'promo-code', name: 'promoCode', autocomplete: 'off', maxlength: '40', spellcheck: 'false', placeholder: 'Promo code (optional)', 'aria-label': 'Promo code' });
  const regBox = h('div', { id: 'reg-form' });
  const reg = mountRegForm(regBox, ev, () => mine.size + totalGa());
  const form = h('form', { novalidate: true },
    h('table.breakdown', { 'aria-label': 'Price breakdown' }, breakdown),
    h('p.field', {}, promo), regBox,
    to ? h('p.small', {}, 'Tickets go to ', h('strong', { text: to }), '.') : null,
    h('p.small', {}, 'Held for you for ', timer),
    m, payBtn);
  const close = h('button.icon-btn', { type: 'button', 'aria-label': 'Close', text: '✕' });
  const sheet = h('dialog.sheet', { 'aria-labelledby': 'co-title', id: 'checkout-sheet' },
    h('div.sheet-head', {}, h('h2', { id: 'co-title', text: 'Checkout' }), close),
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
  const t = setInterval(tickTimer, 500);
  const done = () => { clearInterval(t); sheet.close(); sheet.remove(); checkoutSheet = null; };
  close.addEventListener('click', done);
  sheet.addEventListener('cancel', (e2) => { e2.preventDefault(); done(); });
  checkoutSheet = {
    expired() {
      dead = true;
      payBtn.disabled = true;
      showError(m, 'Your hold expired before payment. Close this and pick your seats again.');
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
        text(payBtn, `Pay ${rupees(b.totalPaise)}`);
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
    for (const [id, q] of gaQty) { const t = ev.ticketTypes.find((x) => x.id === id); sub += t ? t.pricePaise * q : 0; }
    tbody.append(row('Tickets', sub), h('tr', {}, h('td.small.muted', { colspan: '2', text: 'Fees and taxes are added by the server in the next step.' })));
    return;
  }
  if (b.discountPaise > 0) {
    tbody.append(row('Tickets', b.subtotalPaise + b.discountPaise));
    tbody.append(row('Promo discount', -b.discountPaise, 'discount'));
  } else {
    tbody.append(row('Tickets', b.subtotalPaise));
  }
  tbody.append(row('Booking fee', b.feePaise));
  tbody.append(row('GST', b.taxPaise));
  tbody.append(row('Total', b.totalPaise, 'total'));
}

async function startPayment(bookingId, payment, prefill, m, btn) {
  if (!payment || !payment.orderId) throw new api.ApiError(0, 'no_payment', 'The server did not create a payment for this booking. Please try again.');
  const proof = await loading(btn, pay.checkout(payment, {
    name: ev.tenant.name || 'ztic', description: ev.title, prefill,
    onFailure: (err) => showError(m, err),
  }));
  await finishPayment(bookingId, proof, m);
}

async function finishPayment(bookingId, proof, m) {
  const box = m || pageMsg;
  showOk(box, 'Payment received. Confirming your tickets…');
  try {
    const ans = await pay.confirm(bookingId, proof);
    confirmed(normBooking(ans.booking || ans));
  } catch (err) {
    if (err.code === 'timeout' || err.status === 0 || err.status >= 500) {
      showOk(box, 'Still confirming your payment… this can take a minute.');
      const b = await pay.pollBooking(bookingId).catch((e) => { showError(box, e); return null; });
      if (b && b.status === 'confirmed') confirmed(normBooking(b));
      else if (b) showError(box, `Booking ${b.status}. If money left your account it will be refunded automatically.`);
      else showError(box, 'We could not confirm the payment yet. Check My tickets in a minute; if it failed, any money taken is refunded automatically.');
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
  replace(pageMsg, 'Booked! ', h('a', { href: `/tickets.html#${encodeURIComponent(b.id)}`, text: 'See your tickets' }), '.');
  pageMsg.className = 'msg msg-ok';
  pageMsg.hidden = false;
  pageMsg.setAttribute('role', 'status');
  pageMsg.scrollIntoView({ block: 'center' });
  toast('Booking confirmed. Your tickets are in My tickets.', 'ok');
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
    showError(pageMsg, `Payment failed: ${proof.message} Your seats stay held until the timer runs out; you can try again.`);
    return;
  }
  await finishPayment(bookingId, proof, pageMsg);
}

main();
