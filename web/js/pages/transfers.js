// Ticket transfer on My tickets (docs/commerce.md, "Ticket transfer"):
// POST /api/bookings/:id/tickets/:ticketId/transfer, GET
// /api/bookings/transfers/mine, POST /api/bookings/transfers/:id/accept |
// cancel, GET /api/bookings/transfers/tickets/:id/qr.svg.
import * as api from '../api.js';
import { h, text, showError, clearMsg, toast, loading } from '../dom.js';
import { t } from '../i18n.js';

// "Transfer" on a live ticket of a confirmed booking: opens a small form
// for the recipient's email or phone; the server applies the organizer's
// rules and its refusals show in m.
export function transferButton(b, tk, m) {
  const btn = h('button.btn.btn-small', { type: 'button', text: t('transfer.transfer'), 'data-transfer': tk.id });
  const to = h('input.input', { type: 'text', autocomplete: 'off', 'aria-label': t('transfer.recipient'), placeholder: t('transfer.email_or_phone') });
  const send = h('button.btn.btn-small.btn-primary', { type: 'submit', text: t('transfer.send') });
  const form = h('form.btn-row', { hidden: true, novalidate: true }, to, send);
  btn.addEventListener('click', () => { form.hidden = !form.hidden; if (!form.hidden) to.focus(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearMsg(m);
    const who = to.value.trim();
    if (!who) return;
    try {
      const ans = await loading(send, api.post(`/api/bookings/${encodeURIComponent(b.id)}/tickets/${encodeURIComponent(tk.id)}/transfer`, who.includes('@') ? { email: who } : { phone: who }));
      form.hidden = true;
      btn.disabled = true;
      text(btn, t('transfer.offered'));
      toast(t(who.includes('@') ? 'transfer.offered_email' : 'transfer.offered_phone', { to: ans.to }), 'ok');
    } catch (err) {
      showError(m, err);
    }
  });
  return h('span', {}, btn, form);
}

function receivedQr(tk) {
  const img = h('img.qr', { alt: 'QR code of a ticket you received', width: 320, height: 320, hidden: true });
  const fig = h('figure.ticket-qr', { 'data-ticket': tk.id }, img, h('figcaption.small', { text: t('transfer.received_brightness') }));
  api.getText(`/api/bookings/transfers/tickets/${encodeURIComponent(tk.id)}/qr.svg`)
    .then((svg) => { img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`; img.hidden = false; })
    .catch(() => fig.replaceChildren(h('p.small', { text: t('tickets.qr_failed') })));
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
    const ok = h('button.btn.btn-small.btn-primary', { type: 'button', text: t('transfer.accept') });
    const no = h('button.btn.btn-small', { type: 'button', text: t('transfer.decline') });
    ok.addEventListener('click', async () => {
      clearMsg(m);
      try { await accept(x.id, ok); toast(t('transfer.yours'), 'ok'); reload(); } catch (err) { showError(m, err); }
    });
    no.addEventListener('click', async () => {
      clearMsg(m);
      try { await loading(no, api.post(`/api/bookings/transfers/${encodeURIComponent(x.id)}/cancel`, {})); reload(); } catch (err) { showError(m, err); }
    });
    return h('li', { 'data-transfer-offer': x.id }, h('span', { text: t('transfer.offered_to_you_one') }), h('span.btn-row', {}, ok, no));
  });
  const received = (mine.received || []).filter((tk) => tk.qr);
  el.replaceChildren();
  el.hidden = !offers.length && !received.length;
  if (offers.length) el.append(h('h2', { text: t('transfer.offered_to_you') }), h('ul.selection-list', {}, offers), m);
  if (received.length) el.append(h('h2', { text: t('transfer.received') }), h('div.ticket-qrs', { 'aria-label': t('transfer.received_qrs') }, received.map(receivedQr)));
}
