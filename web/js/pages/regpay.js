// A registration of an approval-mode event on "My tickets" (docs/commerce.md,
// "Forms and teams"): waiting for the organizer, or accepted and to be paid
// within its window (the usual Razorpay Checkout, then the server's
// confirmation). Self-contained: tickets.js only mounts it on a pending card.
import * as api from '../api.js';
import { h, showError, loading } from '../dom.js';
import { rupees } from '../format.js';
import { t } from '../i18n.js';
import * as pay from '../pay.js';

// every string of this module (web/i18n/*.json, regpay.*)
const STR = {
  waiting: t('regpay.waiting'),
  pay: (amount) => t('regpay.pay', { amount }),
};

// Append to actions what a pending registration b offers (m: its message).
export function registrationActions(b, actions, m) {
  if (b.status !== 'pending') return;
  api.get(`/api/bookings/${encodeURIComponent(b.id)}`).then((raw) => {
    if (raw.approval === 'waiting') {
      actions.append(h('p.small.registration', { text: STR.waiting }));
      return;
    }
    const payment = raw.approval === 'accepted' ? pay.paymentOf(raw) : null;
    if (!payment) return;
    const btn = h('button.btn.btn-small.btn-primary', { type: 'button', text: STR.pay(rupees(raw.totalPaise)) });
    btn.addEventListener('click', async () => {
      try {
        const proof = await loading(btn, pay.checkout(payment, {
          name: 'ztic', description: (raw.event && raw.event.title) || '', prefill: {},
          onFailure: (err) => showError(m, err),
        }));
        await loading(btn, pay.confirm(raw.id, proof));
        location.reload();
      } catch (err) {
        showError(m, err);
      }
    });
    actions.append(btn);
  }).catch(() => {});
}
