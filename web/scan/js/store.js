// What the scanner keeps on the device (docs/scanner.md, "On the device"):
// one IndexedDB database `ztic-scan` with one key/value store. Small
// settings (device id, gate, event) live in localStorage.
//
//   bundle:<eventId>  the offline bundle (keys, revoked, admitted, tickets)
//   queue:<eventId>   scans judged on this device, not yet synced
//   mine:<eventId>    {ticketId: {gate, at}} admitted by this device

const DB = 'ztic-scan';
const STORE = 'kv';
let dbp = null;

function db() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  return dbp;
}

async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tk = d.transaction(STORE, mode);
    const req = fn(tk.objectStore(STORE));
    tk.oncomplete = () => resolve(req ? req.result : undefined);
    tk.onerror = () => reject(tk.error);
    tk.onabort = () => reject(tk.error);
  });
}

export const get = (key) => tx('readonly', (s) => s.get(key));
export const set = (key, value) => tx('readwrite', (s) => s.put(value, key));
export const del = (key) => tx('readwrite', (s) => s.delete(key));
export const clear = () => tx('readwrite', (s) => s.clear());
export const keys = () => tx('readonly', (s) => s.getAllKeys());

// Settings in localStorage (missing in private mode: then nothing is kept).
export function setting(name, value) {
  const key = `zt_scan_${name}`;
  try {
    if (value === undefined) return localStorage.getItem(key);
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, String(value));
  } catch { /* private mode */ }
  return value;
}

// This device's id, made once (sync uses it to tell devices apart).
export function deviceId() {
  let id = setting('device');
  if (!id || !/^[A-Za-z0-9-]{1,64}$/.test(id)) id = setting('device', crypto.randomUUID());
  return id;
}
