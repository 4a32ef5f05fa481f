// Payment step. The booking answer carries a Razorpay order; two ways to pay:
//
// - Test mode with the gateway emulator (dev and tests): the browser goes
//   to the emulator's checkout page, GET <emulator>/checkout/<order_id>
//   ?callback=<our URL>, which comes back to the callback with
//   razorpay_order_id / razorpay_payment_id / razorpay_signature (or an
//   error) in the query. The booking answer names the page as
//   payment.checkoutUrl (or payment.emulatorUrl + /checkout/<order>).
// - Real Razorpay Checkout (real keys): checkout.js from
//   checkout.razorpay.com, loaded only when needed; nginx allows it on
//   /event.html only (docs/web.md, "Content-Security-Policy").
//
// Either way the proof goes to POST /api/bookings/confirm; the webhook may
// confirm first, which the server treats as the same outcome.
import * as api from './api.js';

const RZP_SRC = 'https://checkout.razorpay.com/v1/checkout.js';

export function paymentOf(answer) {
  const p = (answer && (answer.payment || answer.order || (answer.booking && answer.booking.payment))) || null;
  if (!p) return null;
  const orderId = p.orderId || p.razorpayOrderId || p.order_id || p.id;
  let checkoutUrl = p.checkoutUrl || p.checkout_url || null;
  const emu = p.emulatorUrl || p.emulator_url || p.testCheckoutBase;
  if (!checkoutUrl && emu && orderId) checkoutUrl = `${String(emu).replace(/\/$/, '')}/checkout/${encodeURIComponent(orderId)}`;
  return {
    orderId,
    keyId: p.keyId || p.key_id || p.key || null,
    amountPaise: p.amountPaise ?? p.amount ?? null,
    currency: p.currency || 'INR',
    checkoutUrl,
  };
}

// Send the browser to the emulator; it comes back to callbackUrl.
export function gotoTestCheckout(payment, callbackUrl) {
  const u = new URL(payment.checkoutUrl, location.href);
  u.searchParams.set('callback', callbackUrl);
  location.assign(u.toString());
}

// Proof carried back in the query by the emulator (or null).
export function returnedProof(params = new URLSearchParams(location.search)) {
  const payment = params.get('razorpay_payment_id');
  const order = params.get('razorpay_order_id');
  const sig = params.get('razorpay_signature');
  if (payment && order && sig) return { ok: true, razorpay_order_id: order, razorpay_payment_id: payment, razorpay_signature: sig };
  const err = params.get('error[description]') || params.get('error_description') || params.get('error');
  if (err || params.get('status') === 'failed' || params.get('status') === 'cancelled') {
    return { ok: false, message: err || 'The payment did not go through.', code: params.get('error[code]') || params.get('error_code') || params.get('status') || 'payment_failed' };
  }
  return null;
}

let rzpLoading = null;
function loadRazorpay() {
  if (globalThis.Razorpay) return Promise.resolve();
  if (rzpLoading) return rzpLoading;
  rzpLoading = new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = RZP_SRC;
    s.async = true;
    s.onload = () => resolve();
    s.onerror = () => { rzpLoading = null; reject(new api.ApiError(0, 'checkout_unavailable', 'Could not load the payment window. Check your connection and try again.')); };
    document.head.append(s);
  });
  return rzpLoading;
}

// Real Razorpay Checkout. Resolves with the proof, rejects with an
// ApiError-like {code, message} on failure or dismissal.
export async function razorpayCheckout(payment, { name, description, prefill }) {
  await loadRazorpay();
  return new Promise((resolve, reject) => {
    const rzp = new globalThis.Razorpay({
      key: payment.keyId,
      order_id: payment.orderId,
      amount: payment.amountPaise,
      currency: payment.currency,
      name: name || 'ztic',
      description: description || '',
      prefill: prefill || {},
      theme: { color: '#6B2737' },
      handler: (r) => resolve({ ok: true, ...r }),
      modal: { ondismiss: () => reject(new api.ApiError(0, 'payment_cancelled', 'Payment window closed. Your seats stay held until the timer runs out.')) },
    });
    rzp.on('payment.failed', (r) => reject(new api.ApiError(402, (r.error && r.error.code) || 'payment_failed', (r.error && r.error.description) || 'The payment failed.')));
    rzp.open();
  });
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
