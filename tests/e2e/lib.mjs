// Helpers for the browser tests: Debian's chromium driven by
// playwright-core (never a downloaded browser), the stack's ZT_TEST_*
// hooks (docs/stack.md), sign-in through the provider fakes, minted tokens.
import { chromium } from 'playwright-core';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const OUT = path.join(here, 'output');
mkdirSync(OUT, { recursive: true });

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests with scripts/dev test (docs/stack.md, "Test hooks")`);
  return v.replace(/\/$/, '');
}
export const BASE = need('ZT_TEST_BASE_URL');
export const FAKES = process.env.ZT_TEST_FAKES_URL ? process.env.ZT_TEST_FAKES_URL.replace(/\/$/, '') : null;
export const VAR = process.env.ZT_TEST_VAR || null;
// The Razorpay emulator of the test stack (docs/payments.md), test keys.
export const RAZORPAY = process.env.ZT_TEST_RAZORPAY_URL ? process.env.ZT_TEST_RAZORPAY_URL.replace(/\/$/, '') : null;
export const RZP_KEY = 'rzp_test_ztic';
export const RZP_SECRET = 'rzp_test_secret';

// An order on the emulator, as the bookings responder will make one.
export async function emulatorOrder(amountPaise, receipt = 'e2e') {
  if (!RAZORPAY) throw new Error('the Razorpay emulator is not running (ZT_TEST_RAZORPAY_URL)');
  const r = await fetch(`${RAZORPAY}/v1/orders`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${RZP_KEY}:${RZP_SECRET}`).toString('base64')}` },
    body: JSON.stringify({ amount: amountPaise, currency: 'INR', receipt }),
  });
  if (!r.ok) throw new Error(`emulator order: ${r.status} ${await r.text()}`);
  return r.json();
}
export function checkoutSignature(orderId, paymentId) {
  return createHmac('sha256', RZP_SECRET).update(`${orderId}|${paymentId}`).digest('hex');
}

export const CHROMIUM = process.env.ZT_CHROMIUM || '/usr/bin/chromium';
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 860 } };

// A context + page that records console errors, page errors, CSP
// violations and dialogs (an XSS payload would open one).
export async function open(browser, opts = {}) {
  const context = await browser.newContext({ baseURL: BASE, timezoneId: 'Asia/Kolkata', locale: 'en-IN', ...(opts.device || PHONE) });
  const page = await context.newPage();
  const problems = { errors: [], csp: [], dialogs: [] };
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/i.test(t)) problems.csp.push(t);
    else if (m.type() === 'error' && !/Failed to load resource/.test(t)) problems.errors.push(t);
  });
  page.on('dialog', async (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    if (opts.acceptDialogs) await d.accept(); else await d.dismiss();
  });
  return { context, page, problems };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

// ---- provider fakes --------------------------------------------------------
export async function fakeCode(to, provider = 'resend', { after = 0 } = {}) {
  if (!FAKES) throw new Error('the provider fakes are not running (ZT_TEST_FAKES_URL)');
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const r = await fetch(`${FAKES}/_fake/messages?provider=${provider}&to=${encodeURIComponent(to)}`);
    const msgs = await r.json();
    const fresh = msgs.slice(after);
    for (let i = fresh.length - 1; i >= 0; i--) {
      const m = fresh[i];
      const found = JSON.stringify([m.text, m.body, m.message, m.subject]).match(/\b(\d{6})\b/);
      if (found) return found[1];
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no code reached ${provider} for ${to}`);
}
// Failures injected by earlier suites (POST /_fake/fail) that were never
// consumed would hit our first sends: clear them before a browser suite.
export async function clearFakeFailures() {
  if (FAKES) await fetch(`${FAKES}/_fake/fail`, { method: 'DELETE' });
}

// The integration suite restarts Redis; each auth worker then answers its
// first Redis-backed request with 503 redis_unavailable (a stale
// connection is not retried: reported upstream). Give every worker of the
// pool one throw-away send before a browser suite signs in through the UI.
export async function warmAuth(workers = 4) {
  for (let i = 0; i < workers; i++) {
    await call('POST', '/api/auth/otp/send', { body: { channel: 'email', to: newEmail('warm') } }).catch(() => {});
  }
}

export async function fakeCount(to, provider = 'resend') {
  const r = await fetch(`${FAKES}/_fake/messages?provider=${provider}&to=${encodeURIComponent(to)}`);
  return (await r.json()).length;
}

export const newEmail = (tag = 'e2e') => `${tag}-${randomUUID().slice(0, 12)}@test.ztic.in`;

// ---- API calls from node, from a chosen loopback address -------------------
// Each helper sign-in comes from its own 127.x.y.z so the per-address OTP
// limit (ZT_OTP_IP_MAX) counts only that call; the browser itself signs in
// from 127.0.0.1 through the real sheet.
function randomLoopback() {
  const r = (n) => 1 + Math.floor(Math.random() * n);
  return `127.${r(250)}.${r(250)}.${r(250)}`;
}

export function call(method, urlPath, { body, token, cookie, ip } = {}) {
  const u = new URL(BASE + urlPath);
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const headers = { Accept: 'application/json' };
  if (payload) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = payload.length; }
  if (token) headers.Authorization = `Bearer ${token}`;
  if (cookie) headers.Cookie = cookie;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, localAddress: ip || randomLoopback() }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// Sign in through the API (OTP via the fakes). Returns
// {token, refresh, user, body, ip}.
export async function apiSignIn(email = newEmail()) {
  const ip = randomLoopback();
  const before = await fakeCount(email);
  const s = await call('POST', '/api/auth/otp/send', { body: { channel: 'email', to: email }, ip });
  if (s.status !== 202) throw new Error(`otp/send ${s.status}: ${s.text}`);
  const code = await fakeCode(email, 'resend', { after: before });
  const v = await call('POST', '/api/auth/otp/verify', { body: { challengeId: s.json.challengeId, code }, ip });
  if (v.status !== 200) throw new Error(`otp/verify ${v.status}: ${v.text}`);
  const set = [].concat(v.headers['set-cookie'] || []).find((c) => c.startsWith('zt_refresh='));
  const refresh = set ? set.split(';')[0].slice('zt_refresh='.length) : null;
  return { token: v.json.accessToken, refresh, user: v.json.user, body: v.json, ip, email };
}

// Put a signed-in session into a browser context: the refresh cookie as
// the server set it, and the page's "a session may exist" hint.
export async function adoptSession(context, session) {
  const u = new URL(BASE);
  await context.addCookies([{ name: 'zt_refresh', value: session.refresh, domain: u.hostname, path: '/api/auth', httpOnly: true, sameSite: 'Strict' }]);
  await context.addInitScript(() => { try { localStorage.setItem('zt_session_hint', '1'); } catch { /* */ } });
}

// ---- tokens minted from the stack's own key (like tests/integration/ztauth.py)
function secrets() {
  if (!VAR) throw new Error('ZT_TEST_VAR is not set');
  const out = {};
  for (const line of readFileSync(path.join(VAR, 'secrets.env'), 'utf8').split('\n')) {
    const m = line.match(/^(?:export )?([A-Z0-9_]+)=(.*)$/);
    if (m) out[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
  return out;
}
const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
export function mint(sub, { tid, role, ttl = 900 } = {}) {
  const s = secrets();
  const kid = s.ZT_JWT_KID;
  const pair = s.ZT_JWT_KEYS.split(',').map((p) => p.split(':')).find(([k]) => k === kid);
  const key = Buffer.from(pair.slice(1).join(':'), 'base64');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'ztic', aud: 'ztic-api', sub, iat: now, exp: now + ttl };
  if (tid) claims.tid = tid;
  if (role) claims.role = role;
  const signing = `${b64u({ alg: 'HS256', typ: 'JWT', kid })}.${b64u(claims)}`;
  return `${signing}.${createHmac('sha256', key).update(signing).digest('base64url')}`;
}

// Is an API area served on this stack? (nginx answers 502 bad_gateway for
// an area whose responder is not built yet.)
export async function areaUp(urlPath) {
  const r = await call('GET', urlPath);
  return r.status !== 502 && !(r.json && r.json.error && r.json.error.code === 'bad_gateway');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
