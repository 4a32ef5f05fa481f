// Accept a ticket transfer from its link: /transfer.html?id=<transfer id>
// (POST /api/bookings/transfers/:id/accept, signed in with the email or
// phone the sender typed; docs/commerce.md).
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, showError, param } from '../dom.js';
import { accept } from './transfers.js';

const box = $('#transfer');

function offer(id) {
  const btn = h('button.btn.btn-primary', { type: 'button', id: 'accept', text: 'Accept the ticket' });
  const m = h('p.msg', { hidden: true });
  btn.addEventListener('click', async () => {
    try {
      await accept(id, btn);
      replace(box, h('div.empty', {}, h('p', { text: 'The ticket is yours: its QR code is on My tickets.' }), h('a.btn.btn-primary', { href: '/tickets.html', text: 'My tickets' })));
    } catch (err) {
      showError(m, err);
    }
  });
  replace(box, h('div.panel', {}, h('p', { text: 'Someone is giving you a ticket. Accept it to get your own QR code; theirs stops working.' }), btn, m));
}

async function main() {
  const id = param('id');
  if (!id) { replace(box, h('p.msg.msg-error', { text: 'This link has no transfer in it.' })); return; }
  const s = await boot();
  if (!s) {
    const b = h('button.btn.btn-primary', { type: 'button', text: 'Sign in' });
    b.addEventListener('click', async () => { if (await signIn({ reason: 'Sign in with the email or phone the ticket was sent to.' })) offer(id); });
    replace(box, h('div.empty', {}, h('p', { text: 'Sign in with the email or phone the ticket was sent to.' }), b));
    return;
  }
  offer(id);
}
main();
