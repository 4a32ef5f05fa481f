// Live channels over nchan (EventSource) with the snapshot + version
// protocol of architecture.md ("Live updates"):
//
//   1. load the snapshot (it carries v),
//   2. subscribe; every message carries v,
//   3. drop a message with v <= current; apply v == current + 1;
//   4. on a gap (v > current + 1) wait up to GAP_WAIT_MS for the missing
//      ones (several server processes publish, each gathering its
//      messages for a moment: they can arrive out of order); if they do
//      not come, or after a reconnect, refetch the snapshot and carry on
//      from its v.
//
// A message {type: 'batch', msgs: [...]} carries several changes of one
// server process, in order (docs/live.md, "Batches"): each is handled as
// if it had come alone.
//
// Holds are not announced when they expire: messages carry expiresAt and
// the seat map frees those seats locally on time (see expiry()).
//
// subscribe(url, {snapshot, apply, onState}) → {close()}
//   snapshot(): Promise<{v, …}>   loads the snapshot and installs it
//   apply(msg): void              applies one in-order message
//   onState(state): 'connecting' | 'live' | 'reconnecting' | 'closed'

export const GAP_WAIT_MS = 1000;

export function subscribe(url, { snapshot, apply, onState = () => {}, EventSourceImpl = globalThis.EventSource, gapWaitMs = GAP_WAIT_MS } = {}) {
  let v = -1;
  let gapTimer = null;
  let es = null;
  let closed = false;
  let resyncing = null;
  let pending = [];
  let backoff = 1000;

  async function resync() {
    if (resyncing) return resyncing;
    resyncing = (async () => {
      let snap;
      try {
        snap = await snapshot();
      } finally {
        resyncing = null;
      }
      v = Number(snap && snap.v) || 0;
      clearTimeout(gapTimer);
      gapTimer = null;
      // Messages that arrived while the snapshot loaded: apply the newer.
      const queued = pending.sort((a, b) => a.v - b.v);
      pending = [];
      for (const m of queued) handle(m, true);
    })();
    return resyncing;
  }

  // Apply the waiting messages that now follow in order.
  function drain() {
    pending.sort((a, b) => a.v - b.v);
    while (pending.length && pending[0].v <= v + 1) {
      const m = pending.shift();
      if (m.v <= v) continue;
      v = m.v;
      try { apply(m); } catch (e) { console.error('live: apply failed', e); }
    }
    if (!pending.length) { clearTimeout(gapTimer); gapTimer = null; }
  }

  function handle(msg, afterResync = false) {
    if (msg && msg.type === 'batch' && Array.isArray(msg.msgs)) {
      for (const m of msg.msgs) handle(m, afterResync);
      return;
    }
    if (!msg || msg.v === undefined || msg.v === null) return;
    msg.v = Number(msg.v);
    if (!Number.isFinite(msg.v)) return;
    if (resyncing) { pending.push(msg); return; }
    if (msg.v <= v) return;                     // stale or duplicate
    if (msg.v > v + 1 && !afterResync) {        // gap: wait for the missing
      pending.push(msg);
      if (!gapTimer) {
        gapTimer = setTimeout(() => {
          gapTimer = null;
          if (pending.length) resync().catch(() => {});
        }, gapWaitMs);
      }
      return;
    }
    // (right after a resync a remaining gap is the server's numbering,
    // not a loss: apply rather than loop)
    v = msg.v;
    try { apply(msg); } catch (e) { console.error('live: apply failed', e); }
    if (pending.length && !resyncing) drain();
  }

  async function connect() {
    if (closed) return;
    onState(v < 0 ? 'connecting' : 'reconnecting');
    let u;
    try {
      u = typeof url === 'function' ? await url() : url;
    } catch {
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
      return;
    }
    if (closed) return;
    es = new EventSourceImpl(u);
    es.onopen = () => {
      backoff = 1000;
      onState('live');
      // After a reconnect anything may have been missed.
      if (v >= 0) resync().catch(() => {});
    };
    es.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      handle(msg);
    };
    es.onerror = () => {
      if (closed) return;
      // EventSource retries by itself while the channel answers; when it
      // gives up (CLOSED), reconnect with backoff.
      if (es.readyState === 2) {
        onState('reconnecting');
        es.close();
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 30000);
      } else {
        onState('reconnecting');
      }
    };
  }

  // Subscribe first, then load the snapshot: messages that arrive in
  // between are queued and the ones newer than the snapshot applied.
  resyncing = null;
  const first = (async () => {
    connect();
    await resync();
  })();
  // A snapshot that failed (server restarting, 503) is tried again with
  // backoff until one arrives; the caller shows the first error.
  let retryIn = 2000;
  const retry = () => {
    if (closed || v >= 0) return;
    resync().catch(() => {
      retryIn = Math.min(retryIn * 2, 30000);
      setTimeout(retry, retryIn);
    });
  };
  first.catch(() => setTimeout(retry, retryIn));

  return {
    ready: first,
    get version() { return v; },
    resync,
    close() {
      closed = true;
      clearTimeout(gapTimer);
      if (es) es.close();
      onState('closed');
    },
  };
}

// stream(url, onMessage): a plain subscription (private channels: a
// booking, the tenant dashboard) whose URL is rebuilt on every reconnect,
// so a ?token= is always fresh (nchan drops private subscribers after the
// token's lifetime). url may be a function returning a promise.
export function stream(url, onMessage, { onState = () => {}, EventSourceImpl = globalThis.EventSource } = {}) {
  let es = null;
  let closed = false;
  let backoff = 1000;
  async function connect() {
    if (closed || !EventSourceImpl) return;
    let u;
    try {
      u = typeof url === 'function' ? await url() : url;
    } catch {
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 60000);
      return;
    }
    if (closed) return;
    es = new EventSourceImpl(u);
    es.onopen = () => { backoff = 1000; onState('live'); };
    es.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      try { onMessage(m); } catch (e) { console.error('live: handler failed', e); }
    };
    es.onerror = () => {
      if (closed) return;
      onState('reconnecting');
      // reconnect ourselves, with a fresh URL (token), not EventSource's
      // automatic retry of the old one
      es.close();
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 60000);
    };
  }
  connect();
  return { close() { closed = true; if (es) es.close(); onState('closed'); } };
}

// expiry(): one timer that frees held seats at their expiresAt.
//   const ex = expiry((ids) => markFree(ids));
//   ex.add(['s1','s2'], '2026-11-22T10:05:00Z'); ex.remove(['s1']);
export function expiry(onExpire, now = () => Date.now()) {
  const at = new Map();   // id → ms
  let timer = null;
  function schedule() {
    clearTimeout(timer);
    if (!at.size) return;
    let next = Infinity;
    for (const t of at.values()) next = Math.min(next, t);
    timer = setTimeout(fire, Math.max(0, Math.min(next - now(), 2 ** 31 - 1)));
  }
  function fire() {
    const t = now();
    const due = [];
    for (const [id, ms] of at) if (ms <= t) due.push(id);
    for (const id of due) at.delete(id);
    if (due.length) onExpire(due);
    schedule();
  }
  return {
    add(ids, expiresAt) {
      const ms = typeof expiresAt === 'number' ? expiresAt : Date.parse(expiresAt);
      if (!Number.isFinite(ms)) return;
      for (const id of ids) at.set(String(id), ms);
      schedule();
    },
    remove(ids) {
      for (const id of ids) at.delete(String(id));
      schedule();
    },
    clear() { at.clear(); clearTimeout(timer); },
  };
}
