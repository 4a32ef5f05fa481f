// Saved venues of the active tenant (docs/commerce.md, "Venues"):
// GET/POST /api/tenants/me/venues, GET/PATCH/DELETE …/:id. Managers and
// owners. A venue's layout is the event layout document (docs/seatmap.md);
// the event editor offers "Start from a saved venue" (venue-pick.js).
import * as api from '../api.js';
import { h, $, replace, text, showError, showOk, clearMsg, loading } from '../dom.js';
import { dateTime } from '../format.js';
import { t } from '../i18n.js';
import { eventList } from '../model.js';
import { orgSession, signInPanel, roleAtLeast } from './common.js';

// The page's strings (web/i18n/*.json, org.venues.*).
const T = {
  title: t('common.venues'),
  intro: t('org.venues.intro'),
  list: t('org.venues.list'),
  none: t('org.venues.none'),
  name: t('common.name'), kind: t('org.venues.layout_kind'), sizeHead: t('org.venues.size'), updated: t('org.venues.updated'),
  kinds: { reserved: t('org.venues.kind_reserved'), ga: t('org.venues.kind_ga'), hybrid: t('org.venues.kind_hybrid') },
  size: (v) => [v.seatCount ? t('org.venues.n_seats', { n: v.seatCount }) : '', v.ticketTypeCount ? t('org.venues.n_pass_types', { n: v.ticketTypeCount }) : ''].filter(Boolean).join(', '),
  edit: t('org.venues.edit'), remove: t('org.venues.delete'),
  confirmDelete: (n) => t('org.venues.confirm_delete', { name: n }),
  saveFromEvent: t('org.venues.save_from_event'),
  event: t('common.event'), venueName: t('org.venues.venue_name'), saveVenue: t('org.venues.save_as_venue'),
  noEvents: t('org.venues.no_events'),
  saved: (n) => t('org.venues.saved', { name: n }),
  formNew: t('org.venues.new_venue'), formEdit: (n) => t('org.venues.edit_name', { name: n }),
  description: t('common.description'),
  layout: t('org.venues.layout_json'),
  layoutHint: t('org.venues.layout_hint'),
  save: t('org.venues.save_venue'), clear: t('org.venues.new_venue'),
  badJson: t('org.venues.bad_json'),
  onlyManagers: t('org.venues.only_managers'),
};

const EXAMPLE = {
  kind: 'reserved',
  categories: [{ name: 'Gold', pricePaise: 79900, colour: '#f4a261' }, { name: 'Silver', pricePaise: 29900, colour: '#2a9d8f' }],
  generate: { section: 'Stalls', rows: 'A-J', seatsPerRow: 20, aisleAfter: [10], category: 'Silver', categories: [{ rows: 'A-C', category: 'Gold' }] },
};

function fillForm(v) {
  const f = $('#venue-form').elements;
  f.id.value = v ? v.id : '';
  f.name.value = v ? v.name : '';
  f.description.value = v ? v.description : '';
  f.layout.value = JSON.stringify(v ? v.layout : EXAMPLE, null, 2);
  text($('#vn-form-h'), v ? T.formEdit(v.name) : T.formNew);
}

function row(v, reload) {
  const msg = h('span.small');
  const edit = h('button.btn.btn-small', { type: 'button', text: T.edit });
  edit.addEventListener('click', async () => {
    try {
      fillForm(await loading(edit, api.get(`/api/tenants/me/venues/${encodeURIComponent(v.id)}`)));
      $('#vn-name').focus();
    } catch (err) { msg.className = 'small msg-error'; msg.textContent = err.message; }
  });
  const del = h('button.btn.btn-small.btn-danger', { type: 'button', text: T.remove });
  del.addEventListener('click', async () => {
    if (!confirm(T.confirmDelete(v.name))) return;
    try {
      await loading(del, api.del(`/api/tenants/me/venues/${encodeURIComponent(v.id)}`));
      reload();
    } catch (err) { msg.className = 'small msg-error'; msg.textContent = err.message; }
  });
  return h('tr', { 'data-venue': v.id },
    h('td', {}, h('strong', { text: v.name }), v.description ? h('div.small.muted', { text: v.description }) : null),
    h('td', { text: T.kinds[v.kind] || v.kind }),
    h('td', { text: T.size(v) }),
    h('td.small', { text: dateTime(v.updatedAt) }),
    h('td', {}, edit, del, msg));
}

async function load() {
  try {
    const ans = await api.get('/api/tenants/me/venues');
    const list = ans.venues || [];
    replace($('#venue-rows'), list.length ? list.map((v) => row(v, load)) : h('tr', {}, h('td', { colspan: '5', class: 'muted', text: T.none })));
  } catch (err) {
    showError($('#page-msg'), err);
  }
}

async function loadEvents() {
  const sel = $('#vf-event');
  try {
    const evs = eventList(await api.get('/api/events/mine?limit=200')).events.filter((e) => e && e.id);
    replace(sel, evs.length ? evs.map((e) => h('option', { value: e.id, text: e.title })) : h('option', { value: '', text: T.noEvents }));
  } catch (err) {
    showError($('#vf-msg'), err);
  }
}

function labels() {
  const set = (id, v) => text($(id), v);
  set('#vn-h1', T.title); set('#vn-intro', T.intro); set('#vn-list-h', T.list);
  set('#vn-th-name', T.name); set('#vn-th-kind', T.kind); set('#vn-th-size', T.sizeHead); set('#vn-th-updated', T.updated);
  set('#vn-save-h', T.saveFromEvent); set('#vf-event-l', T.event); set('#vf-name-l', T.venueName); set('#vf-save', T.saveVenue);
  set('#vn-name-l', T.name); set('#vn-desc-l', T.description); set('#vn-layout-l', T.layout); set('#vn-layout-hint', T.layoutHint);
  set('#vn-save', T.save); set('#vn-new', T.clear);
}

async function main() {
  let s;
  try {
    s = await orgSession();
  } catch (err) {
    showError($('#page-msg'), err);
    return;
  }
  if (s.needsSignIn) { signInPanel($('#org-root')); return; }
  if (s.needsOnboarding || !roleAtLeast(s.session.role, 'manager')) {
    replace($('#org-root'), h('div.empty', {}, h('p', { text: T.onlyManagers })));
    return;
  }
  labels();
  $('#org-root').hidden = true;
  $('#venues-page').hidden = false;
  fillForm(null);
  $('#vn-new').addEventListener('click', () => { clearMsg($('#vn-msg')); fillForm(null); });
  $('#venue-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#vn-msg');
    clearMsg(msg);
    const f = e.currentTarget.elements;
    let layout;
    try { layout = JSON.parse(f.layout.value); } catch { showError(msg, T.badJson); return; }
    const body = { name: f.name.value.trim(), description: f.description.value, layout };
    try {
      const v = await loading($('#vn-save'), f.id.value
        ? api.patch(`/api/tenants/me/venues/${encodeURIComponent(f.id.value)}`, body)
        : api.post('/api/tenants/me/venues', body));
      showOk(msg, T.saved(v.name));
      fillForm(v);
      load();
    } catch (err) {
      showError(msg, err);
    }
  });
  $('#venue-from-event').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('#vf-msg');
    clearMsg(msg);
    const f = e.currentTarget.elements;
    try {
      const v = await loading($('#vf-save'), api.post('/api/tenants/me/venues', { name: f.name.value.trim(), fromEventId: f.fromEventId.value }));
      showOk(msg, T.saved(v.name));
      f.name.value = '';
      load();
    } catch (err) {
      showError(msg, err);
    }
  });
  load();
  loadEvents();
}
main();
