// The waiting room's pass, kept per event in sessionStorage (this tab;
// another tab asks the server again and gets the same place and pass),
// and what the event page does with it (docs/waiting-room.md).

const key = (eventId) => `zt_qpass:${eventId}`;

export function savePass(eventId, pass, expiresAt) {
  try { sessionStorage.setItem(key(eventId), JSON.stringify({ pass, expiresAt })); } catch { /* private mode */ }
}

// The stored pass of eventId while it is valid, else null.
export function passOf(eventId) {
  try {
    const p = JSON.parse(sessionStorage.getItem(key(eventId)) || 'null');
    return p && Date.parse(p.expiresAt) > Date.now() ? p : null;
  } catch {
    return null;
  }
}

// Extra request options for lock and booking calls: the pass header.
export function passHeaders(eventId) {
  const p = passOf(eventId);
  return p ? { headers: { 'X-Queue-Pass': p.pass } } : {};
}

// An API error saying the sale has a waiting room: send the person there
// (returns true when it did).
export function toQueue(err, eventId) {
  if (!err || err.code !== 'queue_required') return false;
  const url = (err.body && err.body.joinUrl) || `/queue.html?event=${encodeURIComponent(eventId)}`;
  location.assign(url);
  return true;
}

// Where someone in place `place` stands, from one tick message m:
// {ahead, wait (seconds, or null), progress 0..1}.  Pure (tests).
export function standing(place, m, joinedK = 0) {
  if (!place) return { ahead: null, wait: null, progress: 0 };
  const k = m.admittedUpTo || 0;
  const ahead = Math.max(0, place - k);
  const rate = m.measuredPerMinute > 0 ? m.measuredPerMinute : m.ratePerMinute;
  const wait = ahead === 0 ? 0 : (rate > 0 && !m.paused && !m.soldOut ? Math.ceil((ahead / rate) * 60) : null);
  const span = Math.max(1, place - joinedK);
  const progress = Math.min(1, Math.max(0, (k - joinedK) / span));
  return { ahead, wait, progress };
}
