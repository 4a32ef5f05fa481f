// Ticket transfer on My tickets (docs/commerce.md, "Ticket transfer"):
// POST /api/bookings/:id/tickets/:ticketId/transfer, GET
// /api/bookings/transfers/mine, POST /api/bookings/transfers/:id/accept |
// cancel, GET /api/bookings/transfers/tickets/:id/qr.svg.
import * as api from '../api.js';
import { h, text, showError, clearMsg, toast, loading } from '../dom.js';

// "Transfer" on a live ticket of a confirmed booking: opens a small form
// for the recipient's email or phone; the server applies the organizer's
// rules and its refusals show in m.
export function transferButton(b, t, m) {
  const btn = h('button.btn.btn-small', { type: 'button', text: 'Transfer', 'data-transfer': t.id });
  const to = h('input.input', { type: 'text', autocomplete: 'off', 'aria-label': 'Recipient email or phone', placeholder: 'email or phone' });
  const send = h('button.btn.btn-small.btn-primary', { type: 'submit', text: 'Send' });
  const form = h('form.btn-row', { hidden: true, novalidate: true }, to, send);
  btn.addEventListener('click', () => { form.hidden = !form.hidden; if (!form.hidden) to.focus(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMsg(m);
    const who = to.value.trim();
    if (!who) return;
    try {
      const ans = await loading(send, api.post(`/api/bookings/${encodeURIComponent(b.id)}/tickets/${encodeURIComponent(t.id)}/transfer`, who.includes('@') ? { email: who } : { phone: who }));
      form.hidden = true;
      btn.disabled = true;
      text(btn, 'Offered');
      toast(`Offered to ${ans.to}. They accept it signed in with that ${who.includes('@') ? 'email' : 'phone'}; your QR code stops working then.`, 'ok');
    } catch (err) {
      showError(m, err);
    }
  });
  return h('span', {}, btn, form);
}

function receivedQr(t) {
  const img = h('img.qr', { alt: 'QR code of a ticket you received', width: 320, height: 320, hidden: true });
  const fig = h('figure.ticket-qr', { 'data-ticket': t.id }, img, h('figcaption.small', { text: 'Received ticket · turn your screen brightness up at the gate' }));
  api.getText(`/api/bookings/transfers/tickets/${encodeURIComponent(t.id)}/qr.svg`)
    .then((svg) => { img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`; img.hidden = false; })
    .catch(() => fig.replaceChildren(h('p.small', { text: 'The QR code could not be loaded. Reload the page to try again.' })));
  return fig;
}

export async function accept(id, btn) {
  return loading(btn, api.post(`/api/bookings/transfers/${encodeURIComponent(id)}/accept`, {}));
}

// Offers addressed to me (Accept / Decline) and tickets I received, with
// their QR codes, into el (hidden when there is nothing).
export async function transfersPanel(el, reload) {
  let mine;
  try {
    mine = await api.get('/api/bookings/transfers/mine');
  } catch (err) {
    return;
  }
  const m = h('p.msg', { hidden: true });
  const offers = (mine.incoming || []).map((x) => {
    const ok = h('button.btn.btn-small.btn-primary', { type: 'button', text: 'Accept' });
    const no = h('button.btn.btn-small', { type: 'button', text: 'Decline' });
    ok.addEventListener('click', async () => {
      clearMsg(m);
      try { await accept(x.id, ok); toast('The ticket is yours.', 'ok'); reload(); } catch (err) { showError(m, err); }
    });
    no.addEventListener('click', async () => {
      clearMsg(m);
      try { await loading(no, api.post(`/api/bookings/transfers/${encodeURIComponent(x.id)}/cancel`, {})); reload(); } catch (err) { showError(m, err); }
    });
    return h('li', { 'data-transfer-offer': x.id }, h('span', { text: 'A ticket offered to you' }), h('span.btn-row', {}, ok, no));
  });
  const received = (mine.received || []).filter((t) => t.qr);
  el.replaceChildren();
  el.hidden = !offers.length && !received.length;
  if (offers.length) el.append(h('h2', { text: 'Offered to you' }), h('ul.selection-list', {}, offers), m);
  if (received.length) el.append(h('h2', { text: 'Received' }), h('div.ticket-qrs', { 'aria-label': 'QR codes of tickets you received' }, received.map(receivedQr)));
}
