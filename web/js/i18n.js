// The page's language (docs/web.md, "Language"). One flat catalogue per
// language under /i18n/<lang>.json; a page loads only the one it shows,
// before any other module runs (top-level await), so t() is synchronous.
//
// The choice: this browser's remembered one (localStorage), else the
// account's (app.js applies it after sign-in), else the first of
// navigator.languages we have. Changing it reloads the page: every page
// builds its DOM from data with the strings of the moment, and a reload
// re-renders all of it (holds live on the server, the session in the
// refresh cookie, so nothing is lost).
//
// Organizer texts (event titles, descriptions, names) are data: shown as
// written, never looked up here.

export const LANGS = { en: 'English', hi: 'हिन्दी' };
export const DEFAULT = 'en';
const STORE = 'zt_lang';
// <html lang> and the locale Intl formats with: Indian English and Hindi
export const LOCALES = { en: 'en-IN', hi: 'hi-IN' };

function stored() {
  try {
    const v = localStorage.getItem(STORE);
    return v && LANGS[v] ? v : null;
  } catch {
    return null;
  }
}

// "hi-IN" → "hi"; the first language the person lists that we have.
export function fromNavigator(list = (typeof navigator !== 'undefined' && navigator.languages) || []) {
  for (const l of list) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGS[base]) return base;
  }
  return DEFAULT;
}

export function chosen() {
  return stored() !== null;
}

export const lang = stored() || fromNavigator();
export const locale = LOCALES[lang];

async function load(l) {
  const r = await fetch(`/i18n/${l}.json`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`catalogue ${l}: ${r.status}`);
  return r.json();
}

let catalogue = {};
try {
  catalogue = await load(lang);
} catch (e) {
  // a page without its strings still works: t() answers the key's English
  // fallback below only if English loads
  if (lang !== DEFAULT) {
    try { catalogue = await load(DEFAULT); } catch { /* keys shown */ }
  }
}

const plurals = new Intl.PluralRules(locale);

// t(key, {n: 3}) → the catalogue's "<key>.one" or "<key>.other" (by the language's plural rules; Hindi counts 0 and 1
// as "one") with {n} and any other {name} replaced. A missing key shows as
// the key itself (the catalogue test keeps that from happening).
export function t(key, params) {
  let s = catalogue[key];
  if (s === undefined && params && typeof params.n === 'number') {
    const form = plurals.select(params.n);
    s = catalogue[`${key}.${form}`];
    if (s === undefined) s = catalogue[`${key}.other`];
  }
  if (s === undefined) return key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
}

// tpl(key, {to: node}) → the string cut into text and the given nodes at
// their {placeholders}, for h(): a sentence whose word order differs by
// language can still hold an element ("We sent a code to <strong>").
export function tpl(key, nodes) {
  const out = [];
  const s = t(key);
  let last = 0;
  s.replace(/\{(\w+)\}/g, (m, name, at) => {
    out.push(s.slice(last, at));
    out.push(nodes[name] === undefined ? m : nodes[name]);
    last = at + m.length;
    return m;
  });
  out.push(s.slice(last));
  return out.filter((x) => x !== '');
}

export function has(key) {
  return catalogue[key] !== undefined;
}

// Static HTML: data-i18n="key" replaces the element's text;
// data-i18n-attr="placeholder:key;aria-label:key2" sets attributes.
export function apply(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const key = el.getAttribute('data-i18n');
    if (has(key)) el.textContent = t(key);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.getAttribute('data-i18n-attr').split(';')) {
      const i = pair.indexOf(':');
      if (i < 1) continue;
      const key = pair.slice(i + 1).trim();
      if (has(key)) el.setAttribute(pair.slice(0, i).trim(), t(key));
    }
  }
}

const hooks = [];
// fn(lang) runs before the reload (app.js saves the choice on the account)
export function onChange(fn) {
  hooks.push(fn);
}

export function remember(l) {
  try { localStorage.setItem(STORE, l); } catch { /* private mode */ }
}

export async function setLang(l, { reload = true } = {}) {
  if (!LANGS[l]) return;
  remember(l);
  await Promise.all(hooks.map((fn) => Promise.resolve().then(() => fn(l)).catch(() => {})));
  if (reload && l !== lang) location.reload();
}

// The switcher in the top bar of every page: a native <select> (keyboard
// and screen readers for free), each language named in its own script.
export function switcher() {
  const sel = document.createElement('select');
  sel.id = 'lang';
  sel.className = 'select lang-switch';
  sel.setAttribute('aria-label', t('common.language'));
  sel.title = t('common.language');
  for (const [code, name] of Object.entries(LANGS)) {
    const o = document.createElement('option');
    o.value = code;
    o.lang = LOCALES[code];
    o.textContent = name;
    if (code === lang) o.selected = true;
    sel.append(o);
  }
  sel.addEventListener('change', () => setLang(sel.value));
  return sel;
}

function mount() {
  const bar = document.querySelector('.topbar');
  if (!bar || bar.querySelector('#lang')) return;
  const account = bar.querySelector('#account');
  if (account) bar.insertBefore(switcher(), account);
  else bar.append(switcher());
}

if (typeof document !== 'undefined') {
  document.documentElement.lang = locale;
  apply();
  mount();
}
