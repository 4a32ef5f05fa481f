// Contract fixtures: API answers shaped as shared/design/api.md and
// docs/schema.md describe them, for the page tests that run before the
// events / seats / bookings responders are on main. Each stubbed route is
// the documented contract; tests that use them are named "(stubbed API)".

export const XSS = '<img src=x onerror=alert(1)>';
const day = 86400000;

export function reservedEvent({ id = 'c1000000-0000-4000-8000-0000000000e1', title = 'Techfest Keynote: The Future of Robotics', rows = 10, perRow = 12, status = 'published' } = {}) {
  const cats = [
    { id: 'cat-plat', name: 'Platinum', pricePaise: 149900, colour: '#7b2cbf', sortOrder: 1 },
    { id: 'cat-gold', name: 'Gold', pricePaise: 120000, colour: '#f4a261', sortOrder: 2 },
    { id: 'cat-silv', name: 'Silver', pricePaise: 29900, colour: '#2a9d8f', sortOrder: 3 },
  ];
  const seats = [];
  for (let r = 1; r <= rows; r++) {
    for (let s = 1; s <= perRow; s++) {
      const row = String.fromCharCode(64 + r);
      seats.push({
        id: `seat-${row}${s}`, section: r <= rows / 2 ? 'Stalls' : 'Balcony', row, label: String(s),
        x: (s - 1) + (s > perRow / 2 ? 1 : 0), y: (r - 1) + (r > rows / 2 ? 1 : 0),
        priceCategoryId: r <= 2 ? 'cat-plat' : r <= 5 ? 'cat-gold' : 'cat-silv',
        blocked: row === 'A' && (s === 1 || s === perRow), accessible: false,
      });
    }
  }
  return {
    id, slug: 'keynote', title, description: 'An evening with robotics researchers.\nLive demo on stage.',
    category: 'talk', city: 'Mumbai', venueName: 'Convocation Hall, IIT Bombay', venueAddress: 'Powai',
    startsAt: new Date(Date.now() + 21 * day).toISOString(), endsAt: new Date(Date.now() + 21 * day + 9000000).toISOString(),
    status, layoutKind: 'reserved', perUserLimit: 6, refundPolicy: 'before_start', refundCutoffHours: 48,
    tenant: { id: 't1', name: 'Techfest IIT Bombay', slug: 'techfest-iitb' },
    priceCategories: cats, seats, ticketTypes: [],
  };
}

export function gaEvent({ id = 'c1000000-0000-4000-8000-0000000000e2', title = 'Indie Night Live' } = {}) {
  return {
    id, slug: 'indie-night-live', title, description: 'Three bands, one night.', category: 'music', city: 'Bengaluru',
    venueName: 'The Humming Tree', startsAt: new Date(Date.now() + 10 * day).toISOString(), status: 'published',
    layoutKind: 'ga', perUserLimit: 10, refundPolicy: 'none', tenant: { name: 'Bassline Live', slug: 'bassline-live' },
    priceCategories: [], seats: [],
    ticketTypes: [
      { id: 'tt-early', name: 'Early Bird', pricePaise: 49900, capacity: 150, sold: 140, perOrderLimit: 4 },
      { id: 'tt-regular', name: 'Regular', pricePaise: 79900, capacity: 350, sold: 0, perOrderLimit: 6 },
    ],
  };
}

export function listOf(events) {
  return { events: events.map((e) => ({ ...e, seats: undefined })), nextCursor: null };
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
    if (!ev) return json(route, 404, { error: { code: 'not_found', message: 'no such event' } });
    return json(route, 200, { event: ev });
  });
  await page.route(/\/api\/seats\/status\/.+$/, (route) => {
    calls.push(['GET', route.request().url()]);
    json(route, 200, { v: 1, held: [], sold: [], ga: {}, ...(typeof status === 'function' ? status() : status) });
  });
  await page.route(/\/api\/seats\/lock.*$/, async (route) => {
    const req = route.request();
    const body = req.postData() ? JSON.parse(req.postData()) : null;
    calls.push([req.method(), req.url(), body]);
    if (lock) return lock(route, req, body, json);
    if (req.method() === 'POST') return json(route, 200, { holdId: 'h1', expiresAt: new Date(Date.now() + 300000).toISOString() });
    return route.fulfill({ status: 204, body: '' });
  });
  return calls;
}

// An EventSource answer: each message as one `data:` event.
export function sse(messages) {
  return messages.map((m) => `data: ${JSON.stringify(m)}\n\n`).join('');
}
