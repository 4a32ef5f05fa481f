import { t } from './i18n.js';
// Normalizers: the API contract (shared/design/api.md) names endpoints and
// a few fields; where the responders' exact field names are still being
// settled on their branches, these accept the camelCase names first and
// the snake_case column names of docs/schema.md second, so pages are
// written against one shape.

const pick = (o, ...keys) => {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};
const num = (v, d = 0) => (v === undefined || v === null || v === '' || Number.isNaN(Number(v)) ? d : Number(v));

export function category(c) {
  return {
    id: String(pick(c, 'id')),
    name: pick(c, 'name') || '',
    pricePaise: num(pick(c, 'pricePaise', 'price_paise', 'price')),
    colour: pick(c, 'colour', 'color') || '#FFFFFF',
    sortOrder: num(pick(c, 'sortOrder', 'sort_order')),
  };
}

export function seat(tk) {
  return {
    id: String(pick(tk, 'id', 'seatId')),
    section: pick(tk, 'section') || '',
    row: String(pick(tk, 'row', 'rowLabel', 'row_label') ?? ''),
    label: String(pick(tk, 'label', 'seatLabel', 'seat_label', 'number') ?? ''),
    x: num(pick(tk, 'x')),
    y: num(pick(tk, 'y')),
    categoryId: String(pick(tk, 'priceCategoryId', 'price_category_id', 'categoryId') ?? ''),
    blocked: !!pick(tk, 'blocked'),
    accessible: !!pick(tk, 'accessible'),
  };
}

export function ticketType(tk) {
  const capacity = num(pick(tk, 'capacity'));
  const sold = num(pick(tk, 'sold'));
  return {
    id: String(pick(tk, 'id')),
    name: pick(tk, 'name') || '',
    description: pick(tk, 'description') || '',
    pricePaise: num(pick(tk, 'pricePaise', 'price_paise', 'price')),
    capacity,
    available: num(pick(tk, 'available', 'remaining'), Math.max(0, capacity - sold)),
    salesStartsAt: pick(tk, 'salesStartsAt', 'sales_starts_at') || null,
    salesEndsAt: pick(tk, 'salesEndsAt', 'sales_ends_at') || null,
    perOrderLimit: num(pick(tk, 'perOrderLimit', 'per_order_limit'), 10) || 10,
  };
}

// Seats of a layout: the flat list, or the organizers' document of
// docs/seatmap.md (sections → rows → seats, category by name).
function flattenSeats(e, cats) {
  const flat = pick(e.layout || {}, 'seats') || pick(e, 'seats');
  if (flat) return flat.map(seat);
  const byName = new Map(cats.map((c) => [c.name, c.id]));
  const out = [];
  for (const sec of pick(e.layout || {}, 'sections') || pick(e, 'sections') || []) {
    for (const row of sec.rows || []) {
      for (const tk of row.seats || []) {
        if (!tk || typeof tk !== 'object' || tk.gap) continue;
        const cat = tk.category ?? row.category;
        out.push({
          ...seat({ ...tk, section: sec.name || '', row: row.label }),
          categoryId: cat !== undefined ? String(byName.get(cat) ?? cat) : String(pick(tk, 'priceCategoryId', 'categoryId') ?? ''),
          sold: !!tk.sold,
        });
      }
    }
  }
  return out;
}

export function refundPolicy(e) {
  const r = pick(e, 'refundPolicy', 'refund_policy');
  if (r && typeof r === 'object') {
    return { type: r.type || 'none', cutoffHours: num(r.cutoffHours), feePaise: num(r.feePaise), feeBps: num(r.feeBps) };
  }
  return { type: r || 'none', cutoffHours: num(pick(e, 'refundCutoffHours', 'refund_cutoff_hours')), feePaise: num(pick(e, 'refundFeePaise', 'refund_fee_paise')), feeBps: num(pick(e, 'refundFeeBps', 'refund_fee_bps')) };
}

export function event(raw) {
  const e = (raw && (raw.event || raw)) || {};
  const layout = e.layout || {};
  const cats = (pick(layout, 'priceCategories', 'categories') || pick(e, 'priceCategories', 'price_categories', 'categories') || []).map((c, i) => category({ sortOrder: i, ...c, id: c.id ?? c.name }));
  const seats = flattenSeats(e, cats);
  const types = (pick(e, 'ticketTypes', 'ticket_types') || pick(layout, 'ticketTypes') || []).map(ticketType);
  const tenant = e.tenant || {};
  const prices = [...cats.map((c) => c.pricePaise), ...types.map((tk) => tk.pricePaise)];
  const rp = refundPolicy(e);
  const avail = e.availability || null;
  return {
    id: String(pick(e, 'id') ?? ''),
    slug: pick(e, 'slug') || '',
    title: pick(e, 'title') || '',
    description: pick(e, 'description') || '',
    category: pick(e, 'category') || '',
    tags: pick(e, 'tags') || [],
    city: pick(e, 'city') || '',
    venueName: pick(e, 'venueName', 'venue_name', 'venue') || '',
    venueAddress: pick(e, 'venueAddress', 'venue_address') || '',
    startsAt: pick(e, 'startsAt', 'starts_at') || null,
    endsAt: pick(e, 'endsAt', 'ends_at') || null,
    status: pick(e, 'status') || 'published',
    posterUrl: pick(e, 'posterUrl', 'poster_url') || '',
    layoutKind: pick(e, 'layoutKind', 'layout_kind') || pick(layout, 'kind') || (seats.length && types.length ? 'hybrid' : seats.length ? 'reserved' : 'ga'),
    perUserLimit: num(pick(e, 'perUserLimit', 'per_user_limit'), 10) || 10,
    refundPolicy: rp.type,
    refundCutoffHours: rp.cutoffHours,
    refund: rp,
    salesStartsAt: pick(e, 'salesStartsAt', 'sales_starts_at') || null,
    salesEndsAt: pick(e, 'salesEndsAt', 'sales_ends_at') || null,
    soldOut: !!pick(e, 'soldOut', 'sold_out') || (avail ? soldOutBy(avail, seats.length, types.length) : false),
    minPricePaise: num(pick(e, 'priceFromPaise', 'minPricePaise', 'min_price_paise'), prices.length ? Math.min(...prices) : 0),
    tenant: { id: pick(tenant, 'id') || pick(e, 'tenantId', 'tenant_id') || '', name: pick(tenant, 'name') || pick(e, 'tenantName', 'organizer') || '', slug: pick(tenant, 'slug') || '', branding: tenant.branding || {} },
    categories: cats.sort((a, b) => a.sortOrder - b.sortOrder),
    seats,
    ticketTypes: types,
    sales: e.sales || null,
    listed: e.listed,
    unlistedReason: pick(e, 'unlistedReason') || null,
  };
}

function soldOutBy(a, nSeats, nTypes) {
  const seatsLeft = a.seats ? num(a.seats.available) : 0;
  const gaLeft = a.ga ? num(a.ga.available) : 0;
  return (nSeats || nTypes) ? seatsLeft + gaLeft === 0 : false;
}

// The list answer: {events:[…]} or {items:[…]} or […], plus paging.
export function eventList(raw) {
  const list = Array.isArray(raw) ? raw : (raw && (raw.events || raw.items || raw.data)) || [];
  return {
    events: list.map(event),
    next: (raw && (raw.nextCursor || raw.next || raw.cursor)) || null,
    total: raw && raw.total,
  };
}

// Card status: cancelled / sold out / on sale ("live") / upcoming.
export function statusOf(ev, now = Date.now()) {
  if (ev.status === 'cancelled') return 'cancelled';
  if (ev.status === 'completed' || (ev.endsAt && Date.parse(ev.endsAt) < now)) return 'completed';
  if (ev.status === 'draft') return 'draft';
  if (ev.soldOut) return 'soldout';
  if (ev.salesStartsAt && Date.parse(ev.salesStartsAt) > now) return 'upcoming';
  return 'live';
}

// Seat status snapshot {v, held, sold, ga, mine}. held entries may be ids
// or {id|seatId, expiresAt}.
export function seatStatus(raw) {
  const ids = (list) => (list || []).map((x) => (typeof x === 'object' ? String(pick(x, 'id', 'seatId')) : String(x)));
  const held = (raw && raw.held) || [];
  const expires = new Map();
  for (const x of held) {
    if (x && typeof x === 'object' && pick(x, 'expiresAt')) expires.set(String(pick(x, 'id', 'seatId')), pick(x, 'expiresAt'));
  }
  const ga = {};
  for (const [k, v] of Object.entries((raw && raw.ga) || {})) {
    ga[k] = typeof v === 'object' ? num(pick(v, 'available', 'remaining')) : num(v);
  }
  const mine = raw && raw.mine;
  const mineGa = {};
  if (mine && mine.ga) {
    for (const g of Array.isArray(mine.ga) ? mine.ga : Object.entries(mine.ga).map(([k, q]) => ({ ticketTypeId: k, quantity: q }))) {
      mineGa[String(g.ticketTypeId)] = num(g.quantity);
    }
  }
  return {
    v: num(raw && raw.v),
    held: ids(held),
    heldExpires: expires,
    sold: ids(raw && raw.sold),
    ga,
    blocked: ids(raw && raw.blocked),
    mine: mine && mine.holdId !== null ? { seats: ids(mine.seats || (Array.isArray(mine) ? mine : [])), ga: mineGa, expiresAt: mine.expiresAt || null } : null,
  };
}

// A booking as the bookings responder answers it (branch book,
// docs/bookings.md): items carry the labels, tickets the ids.
export function booking(b) {
  const ev = b.event || {};
  const labels = new Map();
  for (const it of b.items || []) {
    if (it.seatId) labels.set(`s:${it.seatId}`, it.label);
    if (it.ticketTypeId) labels.set(`t:${it.ticketTypeId}`, it.label);
  }
  const buyer = b.buyer || {};
  return {
    id: String(pick(b, 'id', 'bookingId')),
    status: pick(b, 'status') || 'pending',
    closeReason: pick(b, 'closeReason') || null,
    eventId: String(pick(b, 'eventId', 'event_id') || pick(ev, 'id') || ''),
    event: {
      id: String(pick(b, 'eventId') || pick(ev, 'id') || ''),
      title: pick(ev, 'title') || pick(b, 'eventTitle') || '',
      startsAt: pick(ev, 'startsAt') || pick(b, 'startsAt') || null,
      venueName: pick(ev, 'venue', 'venueName') || pick(b, 'venueName') || '',
    },
    subtotalPaise: num(pick(b, 'subtotalPaise', 'subtotal_paise')),
    feePaise: num(pick(b, 'feePaise', 'fee_paise')),
    taxPaise: num(pick(b, 'taxPaise', 'tax_paise')),
    totalPaise: num(pick(b, 'totalPaise', 'total_paise', 'amountPaise')),
    expiresAt: pick(b, 'expiresAt', 'expires_at') || null,
    createdAt: pick(b, 'createdAt', 'created_at') || null,
    confirmedAt: pick(b, 'confirmedAt', 'confirmed_at') || null,
    buyerName: pick(buyer, 'name') || pick(b, 'buyerName', 'buyer_name') || '',
    buyerEmail: pick(buyer, 'email') || pick(b, 'buyerEmail', 'buyer_email') || '',
    buyerPhone: pick(buyer, 'phone') || pick(b, 'buyerPhone', 'buyer_phone') || '',
    cancellable: pick(b, 'cancellable', 'canCancel'),
    refundPaise: pick(b, 'refundPaise', 'refundablePaise'),
    items: (b.items || []).map((it) => ({ label: it.label || '', quantity: num(it.quantity, 1), unitPricePaise: num(it.unitPricePaise) })),
    tickets: (pick(b, 'tickets') || []).map((tk) => {
      const label = (tk.seatId && labels.get(`s:${tk.seatId}`)) || (tk.ticketTypeId && labels.get(`t:${tk.ticketTypeId}`)) || '';
      return {
        id: String(pick(tk, 'id')),
        status: pick(tk, 'status') || 'live',
        seatLabel: pick(tk, 'seatLabel') || (tk.seat ? t('seat.row_seat', { row: pick(tk.seat, 'row', 'rowLabel', 'row_label'), seat: pick(tk.seat, 'label', 'seatLabel', 'seat_label') }) : (tk.seatId ? label : '')),
        ticketType: pick(tk, 'ticketTypeName') || (tk.ticketType && tk.ticketType.name) || (tk.ticketTypeId ? label : ''),
        pricePaise: num(pick(tk, 'pricePaise', 'price_paise')),
        checkedInAt: pick(tk, 'checkedInAt', 'checked_in_at') || null,
        // the signed gate payload (docs/tickets.md): live tickets, buyer only
        qr: pick(tk, 'qr') || null,
      };
    }),
    payment: pick(b, 'payment') || null,
  };
}
