// Accept a ticket transfer from its link: /transfer.html?id=<transfer id>
// (POST /api/bookings/transfers/:id/accept, signed in with the email or
// phone the sender typed; docs/commerce.md).
import { boot } from '../app.js';
import { signIn } from '../auth.js';
import { h, $, replace, showError, param } from '../dom.js';
import { accept } from './transfers.js';
import { t } from '../i18n.js';

const box = $('#transfer');

function offer(id) {
  const btn = h('button.btn.btn-primary', { type: 'button', id: 'accept', text: t('transfer.accept_the_ticket') });
  const m = h('p.msg', { hidden: true });
  btn.addEventListener('click', async () => {
    try {
      await accept(id, btn);
      replace(box, h('div.empty', {}, h('p', { text: t('transfer.yours_qr') }), h('a.btn.btn-primary', { href: '/tickets.html', text: t('common.my_tickets') })));
    } catch (err) {
      showError(m, err);
    }
  });
  replace(box, h('div.panel', {}, h('p', { text: t('transfer.someone_gives') }), btn, m));
}

async function main() {
  const id = param('id');
  if (!id) { replace(box, h('p.msg.msg-error', { text: t('transfer.no_transfer') })); return; }
  const s = await boot();
  if (!s) {
    const b = h('button.btn.btn-primary', { type: 'button', text: t('common.sign_in') });
    b.addEventListener('click', async () => { if (await signIn({ reason: t('transfer.sign_in_with') })) offer(id); });
    replace(box, h('div.empty', {}, h('p', { text: t('transfer.sign_in_with') }), b));
    return;
  }
  offer(id);
}
main();
