// Event editor: details, the seat-map generator with a live SVG preview
// (click or Enter on a seat blocks it), GA pass types, save
// (POST /api/events or PATCH /api/events/:id), publish and cancel
// (POST /api/events/:id/publish, /cancel).
import * as api from '../api.js';
import { h, $, $$, text, replace, showError, showOk, clearMsg, loading, stamp, param } from '../dom.js';
import { toLocalInput, fromLocalInput, rupees } from '../format.js';
import { event as normEvent } from '../model.js';
import { createSeatMap } from '../seatmap.js';
import { generate, parseAisles, rowLabel } from '../layout.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';
import { venuePicker, chosenVenue, doneWithVenue } from './venue-pick.js';
import { t } from '../i18n.js';

const root = $('#org-root');
const form = $('#event-form');
let eventId = param('id');
let status = 'draft';
const blocked = new Set();
let preview = null;

const DEFAULT_TIERS = [
  { name: 'Platinum', pricePaise: 149900, colour: '#7b2cbf', fromRow: 1, toRow: 2 },
  { name: 'Gold', pricePaise: 79900, colour: '#f4a261', fromRow: 3, toRow: 6 },
  { name: 'Silver', pricePaise: 29900, colour: '#2a9d8f', fromRow: 7, toRow: 10 },
];
const DEFAULT_TYPES = [{ name: 'Standing', pricePaise: 49900, capacity: 100, perOrderLimit: 6 }];

const paise = (v) => Math.round(parseFloat(String(v).replace(/[₹,\s]/g, '')) * 100) || 0;
const rupeeValue = (p) => (p % 100 ? (p / 100).toFixed(2) : String(p / 100));

// ---- price categories (tiers)
function tierRow(tk) {
  const i = $$('#tiers .tier').length;
  const row = h('div.ga-row.tier', {},
    h('div.form-grid.three', {},
      field(`tier-name-${i}`, t('common.name'), h('input.input', { name: 'tierName', value: tk.name, maxlength: '60', required: true })),
      field(`tier-price-${i}`, t('org.ed.price'), h('input.input', { name: 'tierPrice', value: rupeeValue(tk.pricePaise), inputmode: 'decimal' })),
      field(`tier-colour-${i}`, t('org.ed.colour'), h('input.input', { name: 'tierColour', type: 'color', value: tk.colour })),
      field(`tier-from-${i}`, t('org.ed.from_row'), h('input.input', { name: 'tierFrom', type: 'number', min: '1', value: tk.fromRow })),
      field(`tier-to-${i}`, t('org.ed.to_row'), h('input.input', { name: 'tierTo', type: 'number', min: '1', value: tk.toRow }))),
    h('button.btn.btn-small.btn-ghost', { type: 'button', text: t('org.team.remove'), 'aria-label': t('org.ed.remove_category', { name: tk.name }), on: { click: () => { row.remove(); redraw(); } } }));
  $('#tiers').append(row);
}
function field(id, label, input) {
  input.id = id;
  return h('div.field', {}, h('label', { for: id, text: label }), input);
}
function tiers() {
  return $$('#tiers .tier').map((r) => ({
    name: r.querySelector('[name=tierName]').value.trim() || 'Seats',
    pricePaise: paise(r.querySelector('[name=tierPrice]').value),
    colour: r.querySelector('[name=tierColour]').value,
    fromRow: Number(r.querySelector('[name=tierFrom]').value) || 1,
    toRow: Number(r.querySelector('[name=tierTo]').value) || 1,
  }));
}

// ---- GA types
function typeRow(tk) {
  const i = $$('#types .ttype').length;
  const row = h('div.ga-row.ttype', {},
    h('div.form-grid.three', {},
      field(`tt-name-${i}`, t('common.name'), h('input.input', { name: 'ttName', value: tk.name, maxlength: '60' })),
      field(`tt-price-${i}`, t('org.ed.price'), h('input.input', { name: 'ttPrice', value: rupeeValue(tk.pricePaise), inputmode: 'decimal' })),
      field(`tt-cap-${i}`, t('org.ed.capacity'), h('input.input', { name: 'ttCap', type: 'number', min: '1', value: tk.capacity })),
      field(`tt-lim-${i}`, t('org.ed.per_order'), h('input.input', { name: 'ttLimit', type: 'number', min: '1', max: '100', value: tk.perOrderLimit || 6 }))),
    h('button.btn.btn-small.btn-ghost', { type: 'button', text: t('org.team.remove'), on: { click: () => row.remove() } }));
  if (tk.id) row.dataset.id = tk.id;
  $('#types').append(row);
}
function types() {
  return $$('#types .ttype').map((r) => ({
    ...(r.dataset.id ? { id: r.dataset.id } : {}),
    name: r.querySelector('[name=ttName]').value.trim(),
    pricePaise: paise(r.querySelector('[name=ttPrice]').value),
    capacity: Number(r.querySelector('[name=ttCap]').value) || 0,
    perOrderLimit: Number(r.querySelector('[name=ttLimit]').value) || 6,
  })).filter((tk) => tk.name);
}

// ---- generator + preview
function generator() {
  const f = form.elements;
  const seatsPerRow = Number(f.seatsPerRow.value) || 1;
  return { rows: Number(f.rows.value) || 1, seatsPerRow, aisles: parseAisles(f.aisles.value, seatsPerRow), tiers: tiers() };
}
function kind() { return form.elements.layoutKind.value; }

let redrawTimer;
function redraw() {
  clearTimeout(redrawTimer);
  redrawTimer = setTimeout(draw, 120);
}
let drawn = '';
function draw() {
  const k = kind();
  $('#gen').hidden = k === 'ga';
  $('#ga').hidden = k === 'reserved';
  if (k === 'ga') return;
  const g = generator();
  // redraw only when the map changes (keeps focus and zoom while typing)
  const key = JSON.stringify(g);
  if (key === drawn && preview) return;
  drawn = key;
  const { categories, seats } = generate({ ...g, blocked });
  const open = seats.filter((s) => !s.blocked).length;
  text($('#gen-count'), `${t('org.ed.gen_count', { seats: seats.length, blocked: blocked.size, open })} · ${categories.map((c) => `${c.name} ${rupees(c.pricePaise, { free: true })}`).join(' · ')}`);
  preview = createSeatMap($('#preview'), {
    seats, categories, editable: true, label: t('org.ed.preview_label'),
    onActivate: (seat) => {
      if (blocked.has(seat.id)) blocked.delete(seat.id); else blocked.add(seat.id);
      seat.blocked = blocked.has(seat.id);
      preview.setState(seat.id, seat.blocked ? 'blocked' : 'available');
      text($('#gen-count'), t('org.ed.gen_count', { seats: seats.length, blocked: blocked.size, open: seats.length - blocked.size }));
    },
  });
}

// ---- load / save
function fillFrom(ev) {
  const f = form.elements;
  f.title.value = ev.title;
  f.slug.value = ev.slug;
  f.category.value = ev.category || 'other';
  f.city.value = ev.city;
  f.venueName.value = ev.venueName;
  f.venueAddress.value = ev.venueAddress;
  f.startsAt.value = toLocalInput(ev.startsAt);
  f.endsAt.value = toLocalInput(ev.endsAt);
  f.perUserLimit.value = ev.perUserLimit;
  f.refundPolicy.value = ev.refund.type;
  f.refundCutoffHours.value = ev.refund.cutoffHours || 0;
  f.description.value = ev.description;
  for (const r of f.layoutKind) r.checked = r.value === ev.layoutKind;
  if (ev.seats.length) {
    const rows = [...new Set(ev.seats.map((s) => s.row))];
    f.rows.value = rows.length;
    f.seatsPerRow.value = Math.max(...rows.map((r) => ev.seats.filter((s) => s.row === r).length));
    const first = ev.seats.filter((s) => s.row === rows[0]).sort((a, b) => a.x - b.x);
    const aisles = [];
    for (let i = 1; i < first.length; i++) if (first[i].x - first[i - 1].x > 1) aisles.push(Number(first[i - 1].label) || i);
    f.aisles.value = aisles.join(', ');
    blocked.clear();
    for (const s of ev.seats) if (s.blocked) blocked.add(`${s.row}${s.label}`);
    $('#tiers').replaceChildren();
    for (const c of ev.categories) {
      const rs = ev.seats.filter((s) => s.categoryId === c.id).map((s) => rows.indexOf(s.row) + 1);
      tierRow({ ...c, fromRow: rs.length ? Math.min(...rs) : 1, toRow: rs.length ? Math.max(...rs) : 1 });
    }
  }
  if (ev.ticketTypes.length) {
    $('#types').replaceChildren();
    for (const tk of ev.ticketTypes) typeRow(tk);
  }
}

// The event's fields (docs/organizers.md, "Events").
function fields() {
  const f = Object.fromEntries(new FormData(form));
  const b = {
    title: f.title.trim(), slug: f.slug.trim(), category: f.category, city: f.city.trim(),
    venueName: f.venueName.trim(), venueAddress: f.venueAddress.trim(), description: f.description,
    startsAt: fromLocalInput(f.startsAt), endsAt: fromLocalInput(f.endsAt),
    perUserLimit: Number(f.perUserLimit) || 6,
    refundPolicy: f.refundPolicy === 'before_start' ? { type: 'before_start', cutoffHours: Number(f.refundCutoffHours) || 0 } : { type: 'none' },
    layoutKind: kind(),
  };
  // a published event's link and kind are fixed
  if (status !== 'draft') { delete b.slug; delete b.layoutKind; }
  return b;
}

// "A-J" style row ranges for the generator (rows are 1-based numbers in
// the form; labels A, B, … as the generator makes them).
function rowRange(from, to, rows) {
  const a = Math.max(1, Math.min(rows, from)), z = Math.max(a, Math.min(rows, to));
  return a === z ? rowLabel(a - 1) : `${rowLabel(a - 1)}-${rowLabel(z - 1)}`;
}

// The layout document of docs/seatmap.md, made with its generator.
function layoutDoc() {
  const k = kind();
  const doc = { kind: k };
  if (k !== 'ga') {
    const g = generator();
    const tiersNow = g.tiers.length ? g.tiers : [{ name: 'Seats', pricePaise: 0, colour: '#888888', fromRow: 1, toRow: g.rows }];
    doc.categories = tiersNow.map((tk) => ({ name: tk.name, pricePaise: tk.pricePaise, colour: tk.colour }));
    const byRow = new Map();
    for (const id of [...blocked].sort()) {
      const m = id.match(/^([A-Z]+)(\d+)$/);
      if (!m) continue;
      byRow.set(m[1], [...(byRow.get(m[1]) || []), m[2]]);
    }
    doc.generate = {
      section: '',
      rows: rowRange(1, g.rows, g.rows),
      seatsPerRow: g.seatsPerRow,
      aisleAfter: g.aisles,
      category: tiersNow[tiersNow.length - 1].name,
      categories: tiersNow.slice(0, -1).map((tk) => ({ rows: rowRange(tk.fromRow, tk.toRow, g.rows), category: tk.name })),
      blocked: [...byRow].map(([row, seats]) => ({ rows: row, seats: seats.join(',') })),
      // the preview leaves an empty row between categories: so does this
      rowGapAfter: tiersNow.slice(0, -1).map((tk) => rowLabel(Math.max(1, Math.min(g.rows, tk.toRow)) - 1)),
    };
  }
  if (k !== 'reserved') doc.ticketTypes = types().map(({ id, ...tk }) => tk);
  return doc;
}

function showStatus() {
  replace($('#ed-stamp'), stamp(status));
  $('#publish').hidden = !eventId || status !== 'draft';
  $('#cancel-event').hidden = !eventId || status !== 'published';
  $('#ed-links').hidden = !eventId;
  if (eventId) {
    $('#ed-dashboard').href = `/organizer/live.html?id=${encodeURIComponent(eventId)}`;
    $('#ed-public').href = `/event.html?id=${encodeURIComponent(eventId)}`;
    $('#ed-waitlist').href = `/organizer/waitlist.html?event=${encodeURIComponent(eventId)}`;
    $('#ed-forms').href = `/organizer/forms.html?event=${encodeURIComponent(eventId)}`;
  }
  text($('#save'), status === 'draft' ? t('org.event.save_draft') : t('org.ed.save_changes'));
}

async function save(e) {
  e.preventDefault();
  const msg = $('#save-msg');
  clearMsg(msg);
  const b = fields();
  if (!b.title || (b.slug !== undefined && !/^[a-z0-9-]+$/.test(b.slug)) || !b.startsAt || !b.endsAt) {
    showError(msg, t('org.ed.need_fields'));
    return;
  }
  if (Date.parse(b.endsAt) <= Date.parse(b.startsAt)) { showError(msg, t('org.ed.end_after_start')); return; }
  const work = (async () => {
    const ans = eventId ? await api.patch(`/api/events/${encodeURIComponent(eventId)}`, b) : await api.post('/api/events', b);
    const ev = ans && normEvent(ans);
    if (!eventId) {
      eventId = (ev && ev.id) || ans.id;
      history.replaceState(null, '', `?id=${encodeURIComponent(eventId)}`);
    }
    if (ev && ev.status) status = ev.status;
    showStatus();
    // then the seats and passes: a saved venue's copy, or the editor's
    // own (PUT replaces the whole layout)
    const venue = chosenVenue();
    if (venue) {
      const lay = await api.post(`/api/tenants/me/venues/${encodeURIComponent(venue)}/apply`, { eventId });
      doneWithVenue();
      fillFrom(normEvent(await api.get(`/api/events/mine/${encodeURIComponent(eventId)}`)));
      draw();
      return lay;
    }
    return api.put(`/api/events/${encodeURIComponent(eventId)}/layout`, layoutDoc());
  })();
  try {
    const lay = await loading($('#save'), work);
    text($('#ed-title'), b.title);
    const n = lay && (lay.seatCount ?? (Array.isArray(lay.seats) ? lay.seats.length : undefined));
    showOk(msg, n !== undefined ? t('org.ed.saved_seats', { n }) : t('common.saved'));
  } catch (err) {
    showError(msg, err);
  }
}

async function transition(action, btn) {
  const msg = $('#save-msg');
  clearMsg(msg);
  if (action === 'cancel' && !confirm(t('org.ed.confirm_cancel'))) return;
  try {
    const ans = await loading(btn, api.post(`/api/events/${encodeURIComponent(eventId)}/${action}`, {}));
    status = (ans && (ans.status || (ans.event && ans.event.status))) || (action === 'publish' ? 'published' : 'cancelled');
    showStatus();
    const listed = ans && (ans.listed ?? (ans.event && ans.event.listed));
    showOk(msg, action === 'cancel' ? t('org.ed.cancelled')
      : listed === false ? t('org.ed.published_pending')
        : t('org.ed.published'));
  } catch (err) {
    showError(msg, err);
  }
}

async function main() {
  let s;
  try { s = await orgSession(); } catch (err) { showError($('#page-msg'), err); return; }
  if (s.needsSignIn) { signInPanel(root); return; }
  if (s.needsOnboarding) { location.replace('/organizer/'); return; }
  if (!roleAtLeast(s.session.role, 'manager')) { root.hidden = true; showError($('#page-msg'), t('org.ed.only_managers')); return; }
  for (const tk of DEFAULT_TIERS) tierRow(tk);
  for (const tk of DEFAULT_TYPES) typeRow(tk);
  if (eventId) {
    try {
      const ev = normEvent(await api.get(`/api/events/mine/${encodeURIComponent(eventId)}`));
      status = ev.status;
      fillFrom(ev);
      text($('#ed-title'), ev.title || t('common.event'));
      // a platform admin took it out of the catalogue (docs/admin.md)
      if (ev.unlistedReason) showError($('#page-msg'), t('org.ed.unlisted', { reason: ev.unlistedReason }));
    } catch (err) {
      root.hidden = true;
      showError($('#page-msg'), err);
      return;
    }
  }
  root.hidden = true;
  $('#editor').hidden = false;
  const title = form.elements.title;
  const slug = form.elements.slug;
  let slugTouched = !!eventId;
  slug.addEventListener('input', () => { slugTouched = true; });
  title.addEventListener('input', () => {
    if (!slugTouched) slug.value = title.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  });
  for (const n of ['rows', 'seatsPerRow', 'aisles']) form.elements[n].addEventListener('input', redraw);
  $('#tiers').addEventListener('input', redraw);
  for (const r of form.elements.layoutKind) r.addEventListener('change', draw);
  $('#add-tier').addEventListener('click', () => {
    const rows = Number(form.elements.rows.value) || 1;
    tierRow({ name: 'New category', pricePaise: 19900, colour: '#8c7b6e', fromRow: rows, toRow: rows });
    redraw();
  });
  $('#add-type').addEventListener('click', () => typeRow({ name: '', pricePaise: 0, capacity: 50, perOrderLimit: 6 }));
  form.addEventListener('submit', save);
  $('#publish').addEventListener('click', (e) => transition('publish', e.currentTarget));
  $('#cancel-event').addEventListener('click', (e) => transition('cancel', e.currentTarget));
  showStatus();
  draw();
  if (!eventId) venuePicker(form.querySelector('#kind-l').closest('fieldset'));
}
main();
