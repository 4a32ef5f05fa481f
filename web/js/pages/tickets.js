// My tickets: GET /api/bookings/mine, live status per booking over
// /live/bookings/:id, cancel within the event's policy
// (POST /api/bookings/:id/cancel), the tickets as a PDF
// (GET /api/bookings/:id/tickets.pdf).
import * as api from '../api.js';
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, text, showError, clearMsg, stamp, toast, loading, saveBlob } from '../dom.js';
import { rupees, dateTime } from '../format.js';
import { booking as normBooking } from '../model.js';
import { stream } from '../live.js';
import * as pay from '../pay.js';
import { transferButton, transfersPanel } from './transfers.js';
import { registrationActions } from './regpay.js'; // approval mode (docs/commerce.md)
import { t, tpl } from '../i18n.js';

const box = $('#bookings');
const msg = $('#msg');
const subs = new Map();

// The server applies the event's refund policy (409 not_refundable with
// its message otherwise): offer the button on confirmed bookings of events
// that have not started, unless the server said no already.
function canCancel(b) {
  if (b.status !== 'confirmed') return false;
  if (b.cancellable !== undefined && b.cancellable !== null) return !!b.cancellable;
  return !b.event.startsAt || Date.parse(b.event.startsAt) > Date.now();
}

// Tickets in seat order (C2 before C10), whatever order the server keeps.
const byLabel = (ts) => [...ts].sort((x, y) => (x.seatLabel || x.ticketType || '').localeCompare(y.seatLabel || y.ticketType || '', 'en', { numeric: true }));

// A live ticket's QR code: the SVG the server draws from the signed
// payload (GET …/tickets/:id/qr.svg, the buyer only), shown as a data: URL
// (the CSP allows img-src 'self' data:; the request needs the bearer token).
function qrFigure(b, tk) {
  const name = tk.seatLabel || tk.ticketType || t('tickets.ticket');
  const img = h('img.qr', { alt: t('tickets.qr_for', { name }), width: 320, height: 320, hidden: true });
  const fig = h('figure.ticket-qr', { 'data-ticket': tk.id },
    img, h('figcaption.small', { text: t('tickets.brightness', { name }) }));
  api.getText(`/api/bookings/${encodeURIComponent(b.id)}/tickets/${encodeURIComponent(tk.id)}/qr.svg`)
    .then((svg) => {
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      img.hidden = false;
    })
    .catch(() => fig.replaceChildren(h('p.small', { text: t('tickets.qr_failed') })));
  return fig;
}

function ticketLine(tk, b, m) {
  const given = tk.status === 'transferred';
  return h('li', {},
    h('span', { text: tk.seatLabel || tk.ticketType || t('tickets.ticket') }),
    h('span', {}, tk.status !== 'live' ? stamp(given ? 'cancelled' : tk.status === 'refunded' ? 'refunded' : 'cancelled', given ? t('tickets.transferred') : undefined) : null,
      tk.checkedInAt ? h('span.small', { text: ` · ${t('tickets.checked_in')}` }) : null,
      b.status === 'confirmed' && tk.status === 'live' && !tk.checkedInAt ? transferButton(b, tk, m) : null));
}

function qrCodes(b) {
  const live = byLabel(b.tickets).filter((tk) => tk.status === 'live' && tk.qr);
  if (b.status !== 'confirmed' || !live.length) return null;
  return h('div.ticket-qrs', { 'aria-label': t('tickets.qrs_label') }, live.map((tk) => qrFigure(b, tk)));
}

// The booking's tickets as a PDF (one page per live ticket, docs/tickets.md):
// fetched with the bearer token (a plain link could not carry it) and
// saved from a blob: URL under the server's file name.
function pdfButton(b, m) {
  const btn = h('button.btn.btn-small', { type: 'button', text: t('tickets.download_pdf'), 'data-pdf': b.id });
  btn.addEventListener('click', async () => {
    clearMsg(m);
    try {
      const blob = await loading(btn, api.getBlob(`/api/bookings/${encodeURIComponent(b.id)}/tickets.pdf`));
      saveBlob(blob, `ztic-${b.id.slice(0, 8)}.pdf`);
    } catch (err) {
      showError(m, err);
    }
  });
  return btn;
}

function card(b) {
  const st = h('span', {}, stamp(b.status));
  const m = h('p.msg', { hidden: true });
  const actions = h('div.btn-row');
  const el = h('article.ticket', { id: b.id, 'data-booking': b.id, 'data-status': b.status },
    st,
    h('p.caps.muted', { text: b.event.startsAt ? dateTime(b.event.startsAt) : '' }),
    h('h2', {}, b.eventId ? h('a', { href: `/event.html?id=${encodeURIComponent(b.eventId)}`, text: b.event.title || t('common.event') }) : (b.event.title || t('common.event'))),
    b.event.venueName ? h('p.small', { text: b.event.venueName }) : null,
    h('div.perforation', { 'aria-hidden': 'true' }),
    h('ul.selection-list', { 'aria-label': t('common.tickets') }, byLabel(b.tickets).map((tk) => ticketLine(tk, b, m))),
    qrCodes(b),
    h('p.small', {}, ...tpl('tickets.total_booking', { amount: h('strong.price', { text: rupees(b.totalPaise, { free: true }) }), id: b.id.slice(0, 8) })),
    m, actions);
  if (b.status === 'confirmed' && b.tickets.some((tk) => tk.status === 'live' && tk.qr)) {
    actions.append(pdfButton(b, m));
  }
  const why = pay.closedWhy(b);
  if (why) actions.append(h('p.small.close-reason', { text: why }));
  if (b.status === 'pending' && b.expiresAt) {
    actions.append(h('p.small', { text: t('tickets.awaiting_until', { time: dateTime(b.expiresAt) }) }));
  }
  registrationActions(b, actions, m);
  if (canCancel(b)) {
    const btn = h('button.btn.btn-small.btn-danger', { type: 'button', text: b.refundPaise ? t('tickets.cancel_refund', { amount: rupees(b.refundPaise) }) : t('tickets.cancel_booking') });
    btn.addEventListener('click', async () => {
      clearMsg(m);
      if (!confirm(`${t('tickets.confirm_cancel', { title: b.event.title })} ${b.refundPaise ? t('tickets.goes_back', { amount: rupees(b.refundPaise) }) : ''}`)) return;
      try {
        const ans = await loading(btn, api.post(`/api/bookings/${encodeURIComponent(b.id)}/cancel`, {}));
        const nb = normBooking(ans.booking || ans);
        if (!nb.event.title) nb.event = b.event;
        if (!nb.tickets.length) nb.tickets = b.tickets;
        el.replaceWith(card(nb));
        const back = (ans.refund && ans.refund.amountPaise) || (ans.payment && ans.payment.refundedPaise);
        toast(back ? t('tickets.cancelled_back', { amount: rupees(back) }) : t('tickets.booking_cancelled'), 'ok');
      } catch (err) {
        showError(m, err);
      }
    });
    actions.append(btn);
  }
  return el;
}

function watch(b) {
  if (subs.has(b.id)) return;
  if (b.status !== 'pending' && b.status !== 'confirmed') return;
  // /live/bookings/:id is private: the access token goes in ?token=
  const sub = stream(async () => `/live/bookings/${encodeURIComponent(b.id)}?token=${encodeURIComponent(await api.freshToken())}`, (m) => {
    const status = m.status || (m.type === 'booking.confirmed' ? 'confirmed' : m.type === 'booking.refunded' ? 'refunded' : null);
    if (!status) return;
    const el = document.getElementById(b.id);
    if (!el) return;
    // Reload this booking for its tickets and amounts.
    api.get(`/api/bookings/${encodeURIComponent(b.id)}`).then((ans) => {
      const nb = normBooking(ans.booking || ans);
      if (!nb.event.title) nb.event = b.event;
      el.replaceWith(card(nb));
    }).catch((err) => toast(err, 'error'));
  });
  subs.set(b.id, sub);
}

async function load() {
  clearMsg(msg);
  const slow = setTimeout(() => replace(box, h('div.skeleton'), h('div.skeleton')), 200);
  try {
    const ans = await api.get('/api/bookings/mine');
    clearTimeout(slow);
    const list = (Array.isArray(ans) ? ans : ans.bookings || ans.items || []).map(normBooking);
    box.replaceChildren();
    if (!list.length) {
      transfersPanel($('#transfers'), load);
      replace(box, h('div.empty', {}, h('p', { text: t('tickets.none') }), h('a.btn', { href: '/', text: t('tickets.find_event') })));
      return;
    }
    for (const b of list) { box.append(card(b)); watch(b); }
    transfersPanel($('#transfers'), load);
    if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  } catch (err) {
    clearTimeout(slow);
    box.replaceChildren();
    showError(msg, err);
  }
}

async function main() {
  const s = await boot();
  if (!s) {
    $('#signed-out').hidden = false;
    $('#signin-here').addEventListener('click', async () => {
      if (await signIn()) { $('#signed-out').hidden = true; load(); }
    });
    return;
  }
  load();
}
main();
