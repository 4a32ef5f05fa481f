import { t, locale } from '/js/i18n.js';
// The admin console's calls: same-origin fetch with the admin session
// cookie (HttpOnly, Path=/api/admin/), always JSON (the server refuses
// anything a cross-site form could send). No bearer token, no storage.
export class AdminError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export async function call(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json', 'Accept-Language': locale } };
  if (method !== 'GET') {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body || {});
  }
  let r;
  try {
    r = await fetch(path, opts);
  } catch {
    throw new AdminError(0, 'network', t('api.network_admin'));
  }
  if (r.status === 204) return null;
  let j = null;
  try { j = await r.json(); } catch { /* not JSON */ }
  if (!r.ok) {
    const e = (j && j.error) || {};
    const wait = Number(r.headers.get('Retry-After')) || null;
    let msg = e.message || t('adm.server_answered', { status: r.status });
    if (r.status === 429 && wait) msg += ` ${t('adm.try_in', { n: Math.ceil(wait / 60) })}`;
    throw new AdminError(r.status, e.code || 'error', msg, wait);
  }
  return j;
}

export const sixDigits = (v) => /^[0-9]{6}$/.test(String(v || '').trim());
