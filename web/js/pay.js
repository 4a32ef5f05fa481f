// Payment step. The booking answer carries a Razorpay order; the page pays
// it with Razorpay Checkout (checkout.js: `new Razorpay(options).open()`,
// `handler` gets razorpay_order_id / razorpay_payment_id /
// razorpay_signature). Which checkout.js: the one the API names
// (payment.checkoutScript), else Razorpay's own. In dev and tests that is
// the gateway emulator's shim ($ZT_RAZORPAY_BASE_URL/v1/checkout.js,
// docs/payments.md), which opens the emulator's TEST MODE checkout page,
// GET <emulator>/checkout/<order_id>, in an overlay, so the page needs no
// test switch. nginx lets /event.html load exactly that origin
// (docs/web.md, "Content-Security-Policy").
//
// The proof goes to POST /api/bookings/confirm; the webhook may confirm
// first, which the server treats as the same outcome.
import * as api from './api.js';
import { t } from './i18n.js';

export const RAZORPAY_JS = 'https://checkout.razorpay.com/v1/checkout.js';

export function paymentOf(answer) {
  // the booking answer carries payment: {orderId, keyId, amount, currency,
  // checkoutScript} (docs/bookings.md)
  const p = (answer && (answer.payment || answer.order || (answer.booking && answer.booking.payment))) || null;
  if (!p || !(p.orderId || p.order_id)) return null;
  const orderId = p.orderId || p.razorpayOrderId || p.order_id || p.id;
  let script = p.checkoutScript || p.checkoutJs || p.scriptUrl || p.script || null;
  const page = p.checkoutUrl || p.checkout_url || null;
  if (!script && page) script = `${new URL(page, location.href).origin}/v1/checkout.js`;
  return {
    orderId,
    keyId: p.keyId || p.key_id || p.key || null,
    amountPaise: p.amountPaise ?? p.amount ?? null,
    currency: p.currency || 'INR',
    script: script || RAZORPAY_JS,
  };
}

// Proof carried back in the query (a server-side callback that redirects
// to the event page with Razorpay's fields), or null.
export function returnedProof(params = new URLSearchParams(location.search)) {
  const payment = params.get('razorpay_payment_id');
  const order = params.get('razorpay_order_id');
  const sig = params.get('razorpay_signature');
  if (payment && order && sig) return { ok: true, razorpay_order_id: order, razorpay_payment_id: payment, razorpay_signature: sig };
  const err = params.get('error[description]') || params.get('error_description') || params.get('error');
  if (err || params.get('status') === 'failed' || params.get('status') === 'cancelled') {
    return { ok: false, message: err || t('pay.not_through'), code: params.get('error[code]') || params.get('error_code') || params.get('status') || 'payment_failed' };
  }
  return null;
}

const loaded = new Map();
function loadCheckout(src) {
  if (loaded.has(src)) return loaded.get(src);
  const p = new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.async = true;
    el.onload = () => (globalThis.Razorpay ? resolve() : reject(new api.ApiError(0, 'checkout_unavailable', t('pay.window_not_loaded'))));
    el.onerror = () => { loaded.delete(src); reject(new api.ApiError(0, 'checkout_unavailable', t('pay.window_failed'))); };
    document.head.append(el);
  });
  loaded.set(src, p);
  return p;
}

// Razorpay Checkout. Resolves with the proof; rejects with an ApiError on
// failure or when the person closes the window. A failed attempt can be
// retried inside the window, so failures are reported through onFailure
// and only a dismissal ends the promise without a proof.
export async function checkout(payment, { name, description, prefill, onFailure = () => {} }) {
  await loadCheckout(payment.script);
  return new Promise((resolve, reject) => {
    let lastFailure = null;
    const rzp = new globalThis.Razorpay({
      key: payment.keyId,
      order_id: payment.orderId,
      amount: payment.amountPaise,
      currency: payment.currency,
      name: name || 'ztic',
      description: description || '',
      prefill: prefill || {},
      theme: { color: '#6B2737' },
      handler: (r) => resolve({ ok: true, razorpay_order_id: r.razorpay_order_id, razorpay_payment_id: r.razorpay_payment_id, razorpay_signature: r.razorpay_signature }),
      modal: {
        ondismiss: () => reject(lastFailure || new api.ApiError(0, 'payment_cancelled', t('pay.dismissed'))),
      },
    });
    rzp.on('payment.failed', (r) => {
      const e = (r && r.error) || {};
      lastFailure = new api.ApiError(402, e.code || 'payment_failed', t('pay.failed', { reason: e.description || t('pay.bank_declined') }));
      onFailure(lastFailure);
    });
    rzp.open();
  });
}

// Why an order closed before it was paid (closeReason of the booking
// read, docs/bookings.md "Closed on release"), as a person reads it; null
// when it was not closed that way.
export function closedWhy(b) {
  if (b && b.closeReason && b.status === 'refunded') return t('pay.closed_refunded');
  switch (b && b.closeReason) {
    case 'hold_released': return t('pay.closed_released');
    case 'hold_expired': return t('pay.closed_expired');
    default: return null;
  }
}

// Read the booking again just before Checkout opens: an order closed
// meanwhile (its hold released in another tab, or expired) must not be
// paid. Resolves with the booking while it is pending; otherwise rejects
// with an ApiError (code order_closed) saying why.
export async function stillPayable(bookingId) {
  const ans = await api.get(`/api/bookings/${encodeURIComponent(bookingId)}`);
  const b = ans.booking || ans;
  if (b.status === 'pending') return b;
  const why = closedWhy(b) || t('pay.closed_status', { status: b.status });
  throw new api.ApiError(409, 'order_closed', `${why} Pick your seats again to book.`);
}

// POST /api/bookings/confirm with the proof.
export function confirm(bookingId, proof) {
  return api.post('/api/bookings/confirm', {
    bookingId,
    razorpay_order_id: proof.razorpay_order_id,
    razorpay_payment_id: proof.razorpay_payment_id,
    razorpay_signature: proof.razorpay_signature,
  }, { timeout: 30000 });
}

// After a timeout we do not know: ask the booking until it settles.
export async function pollBooking(bookingId, { tries = 10, every = 3000 } = {}) {
  for (let i = 0; i < tries; i++) {
    try {
      const b = await api.get(`/api/bookings/${encodeURIComponent(bookingId)}`);
      const st = (b.booking || b).status;
      if (st && st !== 'pending') return b.booking || b;
    } catch (err) {
      if (err.status && err.status < 500 && err.status !== 0) throw err;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  return null;
}
