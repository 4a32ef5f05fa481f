import { t, locale } from './i18n.js';
// The one way pages talk to the API.
//
// - JSON in, JSON out; errors are thrown as ApiError {status, code,
//   message, body, retryAfter} taken from the server's
//   {"error":{"code","message"}} (nginx's own errors have that shape too).
// - The access token lives in memory only (never localStorage). The
//   refresh token is the HttpOnly cookie zt_refresh (Path=/api/auth), so a
//   new page gets its access token with one POST /api/auth/token/refresh.
// - A 401 on an authenticated call triggers ONE refresh, shared by every
//   call that fails meanwhile (single flight), then each retries once.
// - localStorage keeps only a hint "a session may exist" so anonymous
//   visitors do not pay a refresh round trip on every page.

const HINT = 'zt_session_hint';
const TIMEOUT_MS = 20000;

let accessToken = null;
let session = null;           // {user, memberships, tenantId, role}
let refreshing = null;        // the in-flight refresh promise
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message, body = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

export function getToken() { return accessToken; }

// Seconds until the access token expires (from its exp claim), or 0.
function secondsLeft(token) {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return claims.exp - Date.now() / 1000;
  } catch {
    return 0;
  }
}

// An access token good for at least another minute (refreshing first if
// needed), for the places that cannot send a header: EventSource and
// WebSocket subscriptions to private channels take it as ?token=.
export async function freshToken() {
  if (!accessToken && refreshing) await refreshing.catch(() => {});
  if (accessToken && secondsLeft(accessToken) > 60) return accessToken;
  await refresh();
  return accessToken;
}
export function getSession() { return session; }
export function isSignedIn() { return accessToken !== null; }

// Tests and the sign-in sheet set the token directly.
export function setToken(token, body = null) {
  accessToken = token || null;
  if (body) {
    session = {
      user: body.user || session?.user || null,
      memberships: body.memberships || session?.memberships || [],
      tenantId: body.tenantId ?? null,
      role: body.role ?? null,
    };
  }
  if (!accessToken) session = null;
  try {
    if (accessToken) localStorage.setItem(HINT, '1');
    else localStorage.removeItem(HINT);
  } catch { /* private mode */ }
  for (const fn of listeners) {
    try { fn(session); } catch (e) { console.error(e); }
  }
}

// A sign-in that finishes on another page load (Sign in with Google
// comes back through a redirect): let that page's restore() look for it.
export function hintSession() {
  try { localStorage.setItem(HINT, '1'); } catch { /* private mode */ }
}

export function onAuthChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function messageFor(status) {
  if (status === 0) return t('api.network');
  if (status === 401) return t('api.sign_in');
  if (status === 403) return t('api.forbidden');
  if (status === 404) return t('api.not_found');
  if (status === 429) return t('api.too_many');
  if (status >= 500) return t('api.server');
  return t('api.failed', { status });
}

async function parse(res) {
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const raw = await res.text();
  if (!raw) return null;
  if (type.includes('json')) {
    try { return JSON.parse(raw); } catch { return { _raw: raw }; }
  }
  return { _raw: raw };
}

function toError(res, body) {
  const e = body && body.error;
  const ra = res.headers.get('Retry-After');
  const retryAfter = ra && /^\d+$/.test(ra) ? Number(ra) : null;
  return new ApiError(
    res.status,
    (e && e.code) || `http_${res.status}`,
    (e && e.message) || messageFor(res.status),
    body,
    retryAfter,
  );
}

async function send(method, path, body, { auth = true, headers = {}, signal, timeout = TIMEOUT_MS } = {}) {
  // the person's language, so the server's messages come in it (docs/web.md)
  const h = { Accept: 'application/json', 'Accept-Language': locale, ...headers };
  let payload;
  if (body !== undefined && body !== null) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (auth && accessToken) h.Authorization = `Bearer ${accessToken}`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException('timeout', 'TimeoutError')), timeout);
  if (signal) signal.addEventListener('abort', () => ctl.abort(signal.reason), { once: true });
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, credentials: 'same-origin', signal: ctl.signal });
  } catch (err) {
    if (signal && signal.aborted) throw err;
    const timedOut = ctl.signal.aborted;
    throw new ApiError(0, timedOut ? 'timeout' : 'network',
      timedOut ? t('api.timeout') : messageFor(0));
  } finally {
    clearTimeout(timer);
  }
  const data = await parse(res);
  return { res, data };
}

// refresh({tenantId}): rotate the refresh cookie for a new access token.
// Concurrent callers share one request. Resolves to the session body or
// throws ApiError (and then the session is cleared).
export function refresh(tenantId = null) {
  if (refreshing && !tenantId) return refreshing;
  const p = (async () => {
    const { res, data } = await send('POST', '/api/auth/token/refresh',
      tenantId ? { tenantId } : {}, { auth: false });
    if (!res.ok) {
      const err = toError(res, data);
      // Only a refused session ends it (a 403 not_a_member on a tenant
      // switch, or a 5xx, keeps the current one).
      if (res.status === 401) setToken(null);
      throw err;
    }
    setToken(data.accessToken, data);
    return data;
  })();
  if (!tenantId) {
    refreshing = p;
    p.then(() => { refreshing = null; }, () => { refreshing = null; });
  }
  return p;
}

// On page load: get an access token from the cookie if a session may exist.
// Never throws; resolves to the session or null.
let restoring = null;
export function restore() {
  if (restoring) return restoring;
  let hint = null;
  try { hint = localStorage.getItem(HINT); } catch { hint = '1'; }
  restoring = hint ? refresh().catch(() => null) : Promise.resolve(null);
  return restoring;
}

// request(method, path, body, opts): JSON result, or throws ApiError.
// opts.auth=false sends no token and never refreshes.
export async function request(method, path, body, opts = {}) {
  const auth = opts.auth !== false;
  if (auth && !accessToken && refreshing) await refreshing.catch(() => {});
  const sentWith = accessToken;
  let { res, data } = await send(method, path, body, opts);
  if (res.status === 401 && auth && !path.startsWith('/api/auth/otp')) {
    const code = data && data.error && data.error.code;
    // Only a token problem is worth a refresh; e.g. a wrong OTP is not.
    if (!['invalid_code', 'code_expired'].includes(code)) {
      // A refresh that finished while this call was in flight already
      // gave us a newer token: retry with it instead of refreshing again.
      if (!accessToken || accessToken === sentWith) {
        try {
          await refresh();
        } catch (err) {
          throw toError(res, data);
        }
      }
      ({ res, data } = await send(method, path, body, opts));
    }
  }
  if (!res.ok) throw toError(res, data);
  return data;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body = {}, opts) => request('POST', path, body, opts);
export const patch = (path, body = {}, opts) => request('PATCH', path, body, opts);
export const put = (path, body = {}, opts) => request('PUT', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

// A raw answer (CSV export, a PDF) with the same auth and refresh rules.
async function fetchRaw(path) {
  const go = () => fetch(path, {
    headers: { 'Accept-Language': locale, ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}) },
    credentials: 'same-origin',
  });
  let res = await go().catch(() => { throw new ApiError(0, 'network', messageFor(0)); });
  if (res.status === 401) {
    await refresh();
    res = await go();
  }
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    throw toError(res, body);
  }
  return res;
}

export const getText = (path) => fetchRaw(path).then((res) => res.text());
export const getBlob = (path) => fetchRaw(path).then((res) => res.blob());

export async function logout() {
  try {
    await send('POST', '/api/auth/logout', {}, { auth: false });
  } finally {
    setToken(null);
  }
}

// Query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
