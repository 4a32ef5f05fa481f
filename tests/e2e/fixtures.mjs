// Contract fixtures: API answers shaped as the responders on the org and
// seats branches answer them (docs/organizers.md, docs/seatmap.md,
// lib/zt_hold.h), for the page tests that run before those responders are
// on main. Each stubbed route is
// the documented contract; tests that use them are named "(stubbed API)".

export const XSS = '<img src=x onerror=alert(1)>';
const day = 86400000;

// GET /api/events/:id as the events responder answers it (branch org,
// docs/organizers.md and docs/seatmap.md): the event, its organizer's
// card, categories, sections → rows → seats (category by name), ticket
// types with `available`, and availability.
export function reservedEvent({ id = 'c1000000-0000-4000-8000-0000000000e1', title = 'Techfest Keynote: The Future of Robotics', rows = 10, perRow = 12, status = 'published' } = {}) {
  const categories = [
    { id: 'cat-plat', name: 'Platinum', pricePaise: 149900, colour: '#7b2cbf' },
    { id: 'cat-gold', name: 'Gold', pricePaise: 120000, colour: '#f4a261' },
    { id: 'cat-silv', name: 'Silver', pricePaise: 29900, colour: '#2a9d8f' },
  ];
  const sections = [{ name: 'Stalls', rows: [] }, { name: 'Balcony', rows: [] }];
  for (let r = 1; r <= rows; r++) {
    const row = String.fromCharCode(64 + r);
    const seats = [];
    for (let s = 1; s <= perRow; s++) {
      const seat = {
        id: `seat-${row}${s}`, label: String(s),
        x: (s - 1) + (s > perRow / 2 ? 1 : 0), y: (r - 1) + (r > rows / 2 ? 1 : 0),
        category: r <= 2 ? 'Platinum' : r <= 5 ? 'Gold' : 'Silver',
      };
      if (row === 'A' && (s === 1 || s === perRow)) seat.blocked = true;
      seats.push(seat);
    }
    sections[r <= rows / 2 ? 0 : 1].rows.push({ label: row, seats });
  }
  return {
    id, slug: 'keynote', title, description: 'An evening with robotics researchers.\nLive demo on stage.',
    category: 'talk', tags: ['tech'], city: 'Mumbai', venueName: 'Convocation Hall, IIT Bombay', venueAddress: 'Powai',
    startsAt: new Date(Date.now() + 21 * day).toISOString(), endsAt: new Date(Date.now() + 21 * day + 9000000).toISOString(),
    timezone: 'Asia/Kolkata', status, layoutKind: 'reserved', perUserLimit: 6,
    refundPolicy: { type: 'before_start', cutoffHours: 48, feeBps: 1000 },
    tenant: { slug: 'techfest-iitb', name: 'Techfest IIT Bombay', institution: 'IIT Bombay' },
    priceFromPaise: 29900,
    categories, sections, ticketTypes: [],
    availability: { seats: { total: rows * perRow - 2, available: rows * perRow - 2 }, categories: [], ga: { total: 0, available: 0 } },
  };
}

export function gaEvent({ id = 'c1000000-0000-4000-8000-0000000000e2', title = 'Indie Night Live' } = {}) {
  return {
    id, slug: 'indie-night-live', title, description: 'Three bands, one night.', category: 'music', city: 'Bengaluru',
    venueName: 'The Humming Tree', startsAt: new Date(Date.now() + 10 * day).toISOString(), status: 'published',
    layoutKind: 'ga', perUserLimit: 10, refundPolicy: { type: 'none' }, tenant: { name: 'Bassline Live', slug: 'bassline-live' },
    priceFromPaise: 49900, categories: [], sections: [],
    ticketTypes: [
      { id: 'tt-early', name: 'Early Bird', description: '', pricePaise: 49900, capacity: 150, available: 10, perOrderLimit: 4 },
      { id: 'tt-regular', name: 'Regular', description: '', pricePaise: 79900, capacity: 350, available: 350, perOrderLimit: 6 },
    ],
    availability: { seats: { total: 0, available: 0 }, categories: [], ga: { total: 500, available: 360 } },
  };
}

// GET /api/events: {events: [event without layout + tenant card + priceFromPaise], next}
export function listOf(events) {
  return { events: events.map(({ categories, sections, ticketTypes, availability, ...e }) => e), next: null };
}

// Route the documented endpoints to fixtures. `state` is mutable so a
// test can change what the next snapshot says. Returns the call log.
export async function stubApi(page, { events = [], status = {}, lock } = {}) {
  const calls = [];
  const json = (route, code, body) => route.fulfill({ status: code, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route(/\/api\/events(\?.*)?$/, (route) => { calls.push(['GET', route.request().url()]); json(route, 200, listOf(events)); });
  await page.route(/\/api\/events\/[^/?]+$/, (route) => {
    const id = decodeURIComponent(route.request().url().split('/api/events/')[1]);
    const ev = events.find((e) => e.id === id || e.slug === id);
    calls.push(['GET', route.request().url()]);
    if (!ev) return json(route, 404, { error: { code: 'event_not_found', message: 'no such event' } });
    return json(route, 200, ev);
  });
  await page.route(/\/api\/seats\/status\/.+$/, (route) => {
    calls.push(['GET', route.request().url()]);
    json(route, 200, { v: 1, held: [], sold: [], ga: {}, ...(typeof status === 'function' ? status() : status) });
  });
  // POST /api/seats/lock answers the caller's whole hold (branch seats,
  // lib/zt_hold.h): {holdId, expiresAt, seats, ga:[{ticketTypeId, quantity}]}
  const hold = { seats: new Set(), ga: new Map() };
  await page.route(/\/api\/seats\/lock.*$/, async (route) => {
    const req = route.request();
    const body = req.postData() ? JSON.parse(req.postData()) : null;
    calls.push([req.method(), req.url(), body]);
    if (lock) return lock(route, req, body, json);
    if (req.method() === 'POST') {
      for (const id of body.seatIds || []) hold.seats.add(id);
      for (const g of body.ga || []) { if (g.quantity > 0) hold.ga.set(g.ticketTypeId, g.quantity); else hold.ga.delete(g.ticketTypeId); }
      if (!hold.seats.size && !hold.ga.size) return json(route, 200, { holdId: null, expiresAt: null, seats: [], ga: [], eventId: body.eventId });
      return json(route, 200, {
        holdId: 'h1', expiresAt: new Date(Date.now() + 300000).toISOString(), eventId: body.eventId,
        seats: [...hold.seats], ga: [...hold.ga].map(([ticketTypeId, quantity]) => ({ ticketTypeId, quantity })),
      });
    }
    const m = new URL(req.url()).pathname.match(/\/lock\/(.+)$/);
    if (m) hold.seats.delete(decodeURIComponent(m[1])); else { hold.seats.clear(); hold.ga.clear(); }
    return route.fulfill({ status: 204, body: '' });
  });
  return calls;
}

// An EventSource answer: each message as one `data:` event.
export function sse(messages) {
  return messages.map((m) => `data: ${JSON.stringify(m)}\n\n`).join('');
}
