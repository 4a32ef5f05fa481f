// The event page's waiting-list block (docs/commerce.md, "Waiting list"):
// the sold-out ticket types and price categories with "Join the waiting
// list", the person's entries with their place in line, Leave, and an
// open offer ("held for you until …": the held seats are the page's own
// selection, so checkout books them).
//
// APIs: GET /api/events/:id/waitlist; POST /api/events/:id/waitlist;
// DELETE /api/events/:id/waitlist/:entryId.
//
// Mounted by event.js (mountWaitlist); self-contained, every English
// string of the block is in T below.
import * as api from '../api.js';
import { requireSignIn } from '../auth.js';
import { h, replace, showError, clearMsg, toast } from '../dom.js';
import { dateTime } from '../format.js';
import { t } from '../i18n.js';

const T = {
  heading: t('common.waiting_list'),
  intro: t('waitlist.intro'),
  join: t('waitlist.join'),
  quantity: t('waitlist.how_many'),
  quantityOf: (name) => t('waitlist.how_many_of', { name }),
  leave: t('waitlist.leave'),
  signIn: t('waitlist.sign_in'),
  joined: (pos) => t('waitlist.joined', { pos }),
  waiting: (pos, n) => t('waitlist.waiting', { pos, n }),
  offered: (until) => t('waitlist.offered', { until }),
  left: t('waitlist.left'),
};

let ev = null;
let root = null;
let onOffer = () => {};

// mountWaitlist(event, parent, {onOffer}) → the block (hidden while no
// list is sold out and the person has no entry).
export function mountWaitlist(event, parent, opts = {}) {
  ev = event;
  onOffer = opts.onOffer || onOffer;
  root = h('section', { id: 'waitlist-section', hidden: true, 'aria-labelledby': 'waitlist-h' });
  parent.append(root);
  load();
  return root;
}

async function load() {
  let data;
  try {
    data = await api.get(`/api/events/${encodeURIComponent(ev.id)}/waitlist`, { auth: api.isSignedIn() });
  } catch {
    return; // the block is an extra: the page works without it
  }
  render(data);
}

function listId(l) { return l.ticketTypeId || l.priceCategoryId; }

function render(data) {
  const live = data.entries.filter((e) => e.status === 'waiting' || e.status === 'offered');
  const mineBy = new Map(live.map((e) => [e.ticketTypeId || e.priceCategoryId, e]));
  const lists = data.lists.filter((l) => l.soldOut || mineBy.has(listId(l)));
  root.hidden = lists.length === 0;
  const msg = h('p.msg', { hidden: true, role: 'status' });
  replace(root,
    h('div.section-head', {}, h('h2', { id: 'waitlist-h', text: T.heading })),
    h('p.small.muted', { text: T.intro }),
    msg,
    h('ul.waitlist-lists', {}, ...lists.map((l) => row(l, mineBy.get(listId(l)), msg))));
  const offer = live.find((e) => e.status === 'offered');
  if (offer) onOffer(offer);
}

function row(l, entry, msg) {
  const li = h('li.waitlist-row', { 'data-list': listId(l) }, h('strong', { text: l.name }), ' ');
  if (entry && entry.status === 'offered') {
    li.append(h('span.waitlist-offer', { text: T.offered(dateTime(entry.offerExpiresAt)) }), ' ',
      leaveButton(entry, msg));
    return li;
  }
  if (entry) {
    li.append(h('span.waitlist-place', { text: T.waiting(entry.position, Number(entry.quantity)) }), ' ',
      leaveButton(entry, msg));
    return li;
  }
  const qty = h('input', {
    type: 'number', min: 1, max: l.maxQuantity, value: 1, 'aria-label': T.quantityOf(l.name),
    class: 'input-narrow',
  });
  const btn = h('button.btn.btn-small', { type: 'button', text: T.join });
  btn.addEventListener('click', async () => {
    clearMsg(msg);
    const s = await requireSignIn(T.signIn);
    if (!s) return;
    btn.disabled = true;
    try {
      const body = { quantity: Number(qty.value) || 1 };
      body[l.ticketTypeId ? 'ticketTypeId' : 'priceCategoryId'] = listId(l);
      const r = await api.post(`/api/events/${encodeURIComponent(ev.id)}/waitlist`, body);
      toast(T.joined(r.position), 'ok');
      await load();
    } catch (err) {
      btn.disabled = false;
      showError(msg, err);
    }
  });
  li.append(h('label.small', {}, `${T.quantity} `, qty), ' ', btn);
  return li;
}

function leaveButton(entry, msg) {
  const btn = h('button.btn.btn-small.btn-ghost', { type: 'button', text: T.leave });
  btn.addEventListener('click', async () => {
    clearMsg(msg);
    btn.disabled = true;
    try {
      await api.del(`/api/events/${encodeURIComponent(ev.id)}/waitlist/${encodeURIComponent(entry.id)}`);
      toast(T.left, 'ok');
      await load();
    } catch (err) {
      btn.disabled = false;
      showError(msg, err);
    }
  });
  return btn;
}
