// Catalogue: GET /api/events?q&city&category&from&to (published events).
import * as api from '../api.js';
import { boot } from '../app.js';
import { h, $, replace, showError, clearMsg, stamp, text } from '../dom.js';
import { rupees, dateShort, fromLocalInput, category } from '../format.js';
import { eventList, statusOf } from '../model.js';
import { posterImg } from '../poster.js';
import { brand } from '../brand.js';
import { t } from '../i18n.js';

const list = $('#events');
const more = $('#more');
const msg = $('#list-msg');
const form = $('#filters');
let cursor = null;
let page = 1;
let seq = 0;
const orgSlug = (location.pathname.match(/^\/o\/([a-z0-9-]{1,64})\/?$/) || [])[1] || '';
let orgShown = false;

// The organizer page's head from the first event's organizer card.
function showOrg(tenant) {
  if (!orgSlug || orgShown || !tenant) return;
  orgShown = true;
  const b = tenant.branding || {};
  $('#all-head').hidden = true;
  $('#org-head').hidden = false;
  document.title = `${tenant.name} — ztic`;
  text($('#org-name'), tenant.name);
  text($('#org-tagline'), b.tagline || '');
  const logo = $('#org-logo');
  if (logo && /^\/media\/[0-9a-f]{32}\.(png|jpg)$/.test(b.logoUrl || '')) { logo.src = b.logoUrl; logo.hidden = false; }
  brand(tenant);
}

function filters() {
  const f = new FormData(form);
  const p = {};
  // the organizer page /o/<tenant> (index.html too): its events only
  if (orgSlug) p.tenant = orgSlug;
  for (const k of ['q', 'city', 'category']) {
    const v = String(f.get(k) || '').trim();
    if (v) p[k] = v;
  }
  // Dates are IST days: from 00:00 to 23:59 IST.
  if (f.get('from')) p.from = fromLocalInput(`${f.get('from')}T00:00`);
  if (f.get('to')) p.to = fromLocalInput(`${f.get('to')}T23:59`);
  return p;
}

export function card(ev) {
  const st = statusOf(ev);
  const where = [ev.venueName, ev.city].filter(Boolean).join(', ');
  return h('a.card.event-card', { href: `/event.html?id=${encodeURIComponent(ev.slug && ev.tenant.slug ? ev.id : ev.id)}`, 'data-id': ev.id },
    stamp(st),
    posterImg(ev, '.card-poster'),
    h('p.caps.muted', { text: [category(ev.category), ev.tenant.name].filter(Boolean).join(' · ') || t('common.event') }),
    h('h3', { text: ev.title }),
    h('div.card-meta', {},
      h('span', { text: dateShort(ev.startsAt) }),
      where ? h('span', { text: where }) : null),
    h('div.card-foot', {},
      h('span.small', { text: ev.layoutKind === 'ga' ? t('org.event.general_admission') : ev.layoutKind === 'hybrid' ? t('catalogue.seats_passes') : t('catalogue.pick_seat') }),
      h('span.price', { text: ev.minPricePaise ? t('catalogue.from_price', { price: rupees(ev.minPricePaise) }) : t('format.free') })));
}

async function load(reset) {
  const mine = ++seq;
  if (reset) { cursor = null; page = 1; }
  clearMsg(msg);
  list.setAttribute('aria-busy', 'true');
  const slow = setTimeout(() => { if (reset) replace(list, h('div.skeleton'), h('div.skeleton'), h('div.skeleton')); }, 200);
  try {
    const params = { ...filters() };
    if (cursor) params.cursor = cursor; else if (page > 1) params.page = page;
    const data = eventList(await api.get(`/api/events${api.qs(params)}`, { auth: false }));
    if (mine !== seq) return;
    clearTimeout(slow);
    if (reset) list.replaceChildren();
    for (const ev of data.events) list.append(card(ev));
    if (data.events.length) showOrg(data.events[0].tenant);
    if (!list.children.length) {
      replace(list, h('div.empty', {}, h('p', { text: t('catalogue.no_events') })));
    }
    cursor = data.next;
    more.hidden = !data.next;
    const n = list.querySelectorAll('.event-card').length;
    text($('#count'), n ? t('catalogue.n_events', { n }) : '');
  } catch (err) {
    if (mine !== seq) return;
    clearTimeout(slow);
    if (reset) list.replaceChildren();
    showError(msg, err);
  } finally {
    if (mine === seq) list.setAttribute('aria-busy', 'false');
  }
}

let debounce;
form.addEventListener('input', () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => load(true), 300);
});
form.addEventListener('submit', (e) => { e.preventDefault(); load(true); });
more.addEventListener('click', () => { page += 1; load(false); });

// Filters from the address (?city=Mumbai) pre-fill the form.
for (const [k, v] of new URLSearchParams(location.search)) {
  const el = form.elements.namedItem(k);
  if (el) el.value = v;
}
boot();
load(true);
