// The scanner's service worker (docs/scanner.md, "Opening with no
// network"): keeps the app shell (this page, its styles, modules, the QR
// decoder and icons) in a cache so /scan/ opens at a gate with no
// network. Stale-while-revalidate: a shell file comes from the cache at
// once and is fetched again in the background for the next opening, so a
// deploy reaches phones on their second visit without a version to bump.
// The API (/api/) and live updates (/live/) never pass through here.
const CACHE = 'ztic-scan-shell-v1';
const SHELL = [
  '/scan/',
  '/scan/scan.css',
  '/scan/manifest.json',
  '/scan/icons/icon.svg',
  '/scan/icons/icon-192.png',
  '/scan/icons/icon-512.png',
  '/scan/js/app.js',
  '/scan/js/camera.js',
  '/scan/js/decoder.js',
  '/scan/js/feedback.js',
  '/scan/js/gate.js',
  '/scan/js/store.js',
  '/scan/js/ticket.js',
  '/scan/vendor/jsQR.js',
  '/css/tokens.css',
  '/css/base.css',
  '/js/api.js',
  '/js/app.js',
  '/js/auth.js',
  '/js/dom.js',
  '/js/format.js',
  '/js/i18n.js',
  '/i18n/en.json',
  '/i18n/hi.json',
  '/assets/fonts/NotoSansDevanagari-Regular.ttf',
  '/js/model.js',
  '/js/org/common.js',
  '/favicon.svg',
];
const SHELL_SET = new Set(SHELL);

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

function shellKey(url) {
  if (url.origin !== self.location.origin) return null;
  // the page itself, whatever its query string
  if (url.pathname === '/scan/' || url.pathname === '/scan/index.html') return '/scan/';
  return SHELL_SET.has(url.pathname) ? url.pathname : null;
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const key = shellKey(new URL(req.url));
  if (!key) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    const fresh = fetch(req.mode === 'navigate' ? key : req, { cache: 'no-cache' }).then((res) => {
      if (res.ok && res.type === 'basic') cache.put(key, res.clone());
      return res;
    });
    if (hit) {
      e.waitUntil(fresh.catch(() => {}));
      return hit;
    }
    return fresh;
  })());
});
