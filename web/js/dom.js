// DOM helpers. Rule of the house: data only ever reaches the page through
// textContent and setAttribute (never innerHTML, insertAdjacentHTML,
// document.write or an event-handler attribute). An event titled
// `<img src=x onerror=alert(1)>` renders as those characters.

import { t } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

// h('a.card', {href: url, 'aria-label': x}, child, 'text', [more]) builds
// an element. Props: attributes (string/number/boolean), `class`,
// `dataset` (object), `on` ({click: fn}), `style` (object of CSS props),
// `text` (textContent). Children: nodes or strings (text nodes); arrays are
// flattened; null/undefined/false are skipped.
export function h(tag, props, ...children) {
  return build(document.createElement.bind(document), tag, props, children);
}

// The same for SVG elements.
export function s(tag, props, ...children) {
  return build((t) => document.createElementNS(SVG_NS, t), tag, props, children);
}

function build(create, tag, props, children) {
  const [name, ...classes] = String(tag).split('.');
  const el = create(name || 'div');
  if (classes.length) el.setAttribute('class', classes.join(' '));
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  if (props) setProps(el, props);
  append(el, children);
  return el;
}

export function setProps(el, props) {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) {
      if (k !== 'text' && k !== 'on' && k !== 'dataset' && k !== 'style') el.removeAttribute(k);
      continue;
    }
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class') {
      const extra = el.getAttribute('class');
      el.setAttribute('class', extra && !props.replaceClass ? `${extra} ${v}` : String(v));
    } else if (k === 'replaceClass') continue;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    else if (k === 'style') for (const [sk, sv] of Object.entries(v)) el.style.setProperty(sk, String(sv));
    else if (/^on/i.test(k)) throw new Error(`dom: refusing inline handler attribute ${k}`);
    else if ((k === 'href' || k === 'src' || k === 'action') && !safeUrl(v)) el.setAttribute(k, '#');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return el;
}

// Only http(s), relative and same-document URLs; never javascript:/data:.
export function safeUrl(v) {
  const str = String(v).trim();
  if (str.startsWith('/') || str.startsWith('#') || str.startsWith('?') || str.startsWith('./')) return true;
  try {
    const u = new URL(str, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' || (u.protocol === 'blob:' && u.origin === location.origin);
  } catch {
    return false;
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replace all children of el.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function text(el, value) {
  el.textContent = value === null || value === undefined ? '' : String(value);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// Show a server (or any) error in place: sets the text of a .msg element.
export function showError(el, err) {
  if (!el) return;
  el.className = 'msg msg-error';
  el.setAttribute('role', 'alert');
  text(el, errorText(err));
  el.hidden = false;
}
export function showOk(el, message) {
  if (!el) return;
  el.className = 'msg msg-ok';
  el.setAttribute('role', 'status');
  text(el, message);
  el.hidden = false;
}
export function clearMsg(el) {
  if (!el) return;
  text(el, '');
  el.hidden = true;
}
export function errorText(err) {
  if (!err) return t('common.something_went_wrong');
  if (typeof err === 'string') return err;
  return err.message || t('common.something_went_wrong');
}

// loading(el, promise): marks el busy after 200 ms (so fast answers do not
// flash), clears when the promise settles. Buttons get aria-busy and are
// disabled meanwhile. Returns the promise.
export function loading(el, promise, delay = 200) {
  if (!el) return promise;
  const isBtn = el.tagName === 'BUTTON';
  if (isBtn) el.disabled = true;
  const timer = setTimeout(() => {
    el.setAttribute('aria-busy', 'true');
    if (!isBtn) el.classList.add('is-loading');
  }, delay);
  const done = () => {
    clearTimeout(timer);
    el.removeAttribute('aria-busy');
    el.classList.remove('is-loading');
    if (isBtn) el.disabled = false;
  };
  promise.then(done, done);
  return promise;
}

// Toasts: short confirmations and errors that are not tied to one field.
let toastBox;
export function toast(message, kind = 'info', ms = 5000) {
  if (!toastBox) {
    toastBox = h('div.toasts', { 'aria-live': 'polite', role: 'status' });
    document.body.append(toastBox);
  }
  const close = h('button', { type: 'button', 'aria-label': t('common.dismiss'), text: '✕' });
  const box = h(`div.toast.toast-${kind}`, {}, h('span', { text: errorText(message) }), close);
  close.addEventListener('click', () => box.remove());
  toastBox.append(box);
  if (ms > 0) setTimeout(() => box.remove(), ms);
  return box;
}

// Query-string value.
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

// A small stamp for a status word.
const STAMPS = {
  live: ['stamp-live', 'stamp.on_sale'],
  onsale: ['stamp-live', 'stamp.on_sale'],
  upcoming: ['stamp-upcoming', 'stamp.upcoming'],
  soldout: ['stamp-soldout', 'stamp.sold_out'],
  cancelled: ['stamp-cancelled', 'stamp.cancelled'],
  completed: ['stamp-cancelled', 'stamp.ended'],
  draft: ['stamp-draft', 'stamp.draft'],
  published: ['stamp-live', 'stamp.published'],
  confirmed: ['stamp-ok', 'stamp.confirmed'],
  pending: ['stamp-pending', 'stamp.awaiting_payment'],
  expired: ['stamp-cancelled', 'stamp.expired'],
  refunded: ['stamp-cancelled', 'stamp.refunded'],
};
export function stamp(kind, label) {
  const [cls, word] = STAMPS[kind] || ['', kind];
  return h(`span.stamp.${cls || 'stamp-draft'}`, { text: label || (cls ? t(word) : word) });
}

// Save blob as a file named name: a hidden link to a blob: URL, clicked
// (fetches that need the bearer token cannot be plain links).
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
