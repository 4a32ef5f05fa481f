// The gate's offline half (docs/scanner.md, "Offline"): the event's bundle
// (GET /api/checkin/events/:id/bundle), judging a ticket on the device
// exactly as the server would (signature, event, window, revoked,
// admitted), the device's own admitted set, the queue of scans judged
// here, and syncing it (POST /api/checkin/sync, first scan wins by
// scannedAt on the server).
import * as api from '/js/api.js';
import { time, dateTime } from '/js/format.js';
import * as store from './store.js';
import { parse, verify, importKeys } from './ticket.js';
import { t } from '/js/i18n.js';

export const SYNC_BATCH = 500;   // the most scans one sync call takes

export class Gate {
  constructor(eventId) {
    this.eventId = eventId;
    this.bundle = null;
    this.keys = new Map();
    this.revoked = new Set();
    this.admitted = new Map();    // ticketId → {gate, at, by} from the bundle
    this.tickets = new Map();     // ticketId → {id, bookingId, label, holder}
    this.mine = {};               // ticketId → {gate, at} admitted by this device
    this.queue = [];              // [{payload|ticketId, gate, scannedAt}]
    this.syncing = null;
  }

  // Whatever this device kept for the event (works with no network).
  async load() {
    const [bundle, queue, mine] = await Promise.all([
      store.get(`bundle:${this.eventId}`),
      store.get(`queue:${this.eventId}`),
      store.get(`mine:${this.eventId}`),
    ]);
    this.queue = Array.isArray(queue) ? queue : [];
    this.mine = mine && typeof mine === 'object' ? mine : {};
    if (bundle) await this.use(bundle);
    return this;
  }

  async use(bundle) {
    this.bundle = bundle;
    this.keys = await importKeys(bundle.keys);
    this.revoked = new Set(bundle.revoked || []);
    this.admitted = new Map((bundle.admitted || []).map((a) => [a.ticketId, a]));
    this.tickets = new Map((bundle.tickets || []).map((tk) => [tk.id, tk]));
  }

  // Download the bundle and keep it. Throws ApiError (e.g. offline).
  async fetchBundle() {
    const b = await api.get(`/api/checkin/events/${encodeURIComponent(this.eventId)}/bundle`);
    if (!b || !b.event || b.event.id !== this.eventId) throw new Error('the bundle is not this event’s');
    b.fetchedAt = new Date().toISOString();
    await store.set(`bundle:${this.eventId}`, b);
    await this.use(b);
    return b;
  }

  get ready() { return this.bundle !== null; }

  // Tickets admitted as far as this device knows, and the event's total.
  counts() {
    const ids = new Set(this.admitted.keys());
    for (const id of Object.keys(this.mine)) ids.add(id);
    return { admitted: ids.size, total: this.tickets.size };
  }

  ticket(id) { return this.tickets.get(id) || null; }

  // An admission the server made (an online scan): remembered so an
  // offline scan later on this device knows it.
  async remember(ticketId, gate, at) {
    if (!ticketId) return;
    this.mine[ticketId] = { gate, at: at || new Date().toISOString(), synced: true };
    await store.set(`mine:${this.eventId}`, this.mine);
  }

  // judge({payload} | {ticketId}, gate) → {result: admitted | already |
  // refused, code, message, ticket}. An admission is queued for sync.
  async judge(input, gate) {
    if (!this.bundle) {
      return refused('no_bundle', t('scan.g_no_bundle'));
    }
    const now = Date.now();
    let ticketId = input.ticketId || null;
    if (input.payload !== undefined) {
      const tk = parse(input.payload);
      if (!tk) return refused('malformed', t('scan.g_malformed'));
      if (!(await verify(tk, this.keys))) {
        return refused('forged', t('scan.g_forged'));
      }
      if (tk.eventId !== this.bundle.event.id) return refused('wrong_event', t('scan.g_wrong_event'));
      if (now < tk.validFrom * 1000) return refused('not_yet_valid', t('scan.g_not_yet', { time: dateTime(tk.validFrom * 1000) }));
      if (now > tk.validUntil * 1000) return refused('expired', t('scan.g_expired', { time: dateTime(tk.validUntil * 1000) }));
      ticketId = tk.ticketId;
    } else if (!this.tickets.has(ticketId)) {
      return refused('not_found', t('scan.g_not_found'));
    }
    const ticket = this.ticket(ticketId) || { id: ticketId };
    if (this.revoked.has(ticketId)) return { ...refused('ticket_revoked', t('scan.g_revoked')), ticket };
    const seen = this.admitted.get(ticketId) || this.mine[ticketId];
    if (seen) {
      const key = seen.by ? 'scan.g_already_by' : (this.mine[ticketId] ? 'scan.g_already_here' : 'scan.g_already');
      return { result: 'already', code: 'already_admitted', message: t(key, { gate: seen.gate, time: time(seen.at), by: seen.by }), ticket };
    }
    const at = new Date(now).toISOString();
    const scan = input.payload !== undefined ? { payload: input.payload } : { ticketId };
    this.queue.push({ ...scan, gate, scannedAt: at, ticketId });
    this.mine[ticketId] = { gate, at };
    await Promise.all([
      store.set(`queue:${this.eventId}`, this.queue),
      store.set(`mine:${this.eventId}`, this.mine),
    ]);
    return { result: 'admitted', code: 'admitted', message: t('scan.g_admitted_offline'), ticket, offline: true };
  }

  // Manual entry: live tickets whose booking id starts with, or whose
  // holder name contains, the query (at most `limit`).
  search(q, limit = 20) {
    const s = String(q || '').trim().toLowerCase();
    if (s.length < 2) return [];
    const out = [];
    for (const tk of this.tickets.values()) {
      if (String(tk.bookingId || '').toLowerCase().startsWith(s)
          || String(tk.id).toLowerCase().startsWith(s)
          || String(tk.holder || '').toLowerCase().includes(s)) {
        out.push(tk);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  // Send the queue (in batches of SYNC_BATCH). One sync at a time; a
  // second caller shares it. Resolves to {sent, admitted, duplicates,
  // refused: [{ticketId, message}]}; throws ApiError (kept queue intact).
  sync(deviceId) {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      const sum = { sent: 0, admitted: 0, duplicates: 0, refused: [] };
      let version = null;
      while (this.queue.length) {
        const batch = this.queue.slice(0, SYNC_BATCH);
        const ans = await api.post('/api/checkin/sync', {
          eventId: this.eventId,
          deviceId,
          scans: batch.map((q) => (q.payload !== undefined
            ? { payload: q.payload, gate: q.gate, scannedAt: q.scannedAt }
            : { ticketId: q.ticketId, gate: q.gate, scannedAt: q.scannedAt })),
        });
        for (const r of (ans && ans.results) || []) {
          const q = batch[r.index];
          if (r.result === 'admitted') sum.admitted += 1;
          else if (r.result === 'duplicate') sum.duplicates += 1;
          else sum.refused.push({ ticketId: r.ticketId || (q && q.ticketId), message: r.message || r.code });
          if (q && q.ticketId && this.mine[q.ticketId]) this.mine[q.ticketId].synced = true;
        }
        // only what was sent leaves the queue: scans made meanwhile stay
        this.queue.splice(0, batch.length);
        sum.sent += batch.length;
        await Promise.all([
          store.set(`queue:${this.eventId}`, this.queue),
          store.set(`mine:${this.eventId}`, this.mine),
        ]);
        if (ans && Number.isInteger(ans.version)) version = ans.version;
      }
      // the server's admitted set moved on: take the new bundle
      if (version !== null && this.bundle && version !== this.bundle.version) {
        await this.fetchBundle().catch(() => {});
      }
      return sum;
    })().finally(() => { this.syncing = null; });
    return this.syncing;
  }
}

function refused(code, message) {
  return { result: 'refused', code, message, ticket: null };
}
