// "Start from a saved venue" in the event editor (docs/commerce.md,
// "Venues"): a choice of the tenant's venues shown while creating an
// event; when one is chosen, the editor copies it into the new event with
// POST /api/tenants/me/venues/:id/apply instead of its own seat map.
import * as api from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

// The block's strings (web/i18n/*.json, org.vpick.*).
const T = {
  label: t('org.vpick.label'),
  none: t('org.vpick.none'),
  hint: t('org.vpick.hint'),
  manage: t('org.vpick.manage'),
  seats: (n) => t('org.venues.n_seats', { n }),
};

let select = null;

// The venue chosen, or '' (none, or the block is not shown).
export function chosenVenue() {
  return select && !select.closest('[hidden]') ? select.value : '';
}

// Hide the block once the venue has been copied.
export function doneWithVenue() {
  if (select) select.closest('.venue-pick').hidden = true;
  select = null;
}

// Put the block at the top of container when the tenant has venues.
export async function venuePicker(container) {
  let list = [];
  try {
    list = (await api.get('/api/tenants/me/venues')).venues || [];
  } catch {
    return; // a scanner, or the API is down: the editor works without it
  }
  if (!list.length) return;
  select = h('select.select', { id: 'ev-saved-venue', name: 'savedVenueId' },
    h('option', { value: '', text: T.none }),
    ...list.map((v) => h('option', { value: v.id, text: v.seatCount ? `${v.name} (${T.seats(v.seatCount)})` : v.name })));
  const block = h('div.field.venue-pick', {},
    h('label', { for: 'ev-saved-venue', text: T.label }), select,
    h('span.hint', {}, `${T.hint} `, h('a', { href: '/organizer/venues.html', text: T.manage })));
  const legend = container.querySelector('legend');
  if (legend) legend.after(block); else container.prepend(block);
}
