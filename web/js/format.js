// Money and dates for India. Money arrives as integer paise; dates as
// RFC 3339 UTC and are shown in Asia/Kolkata (IST) whatever the device's
// zone is, because that is where the fests happen. Both languages use the
// Indian grouping (1,23,45,678; ₹1,23,456.50) and Latin digits, as Indian
// apps in Hindi do (Chromium's hi-IN gives Latin digits too); dates in
// Hindi take Hindi month and day names ("सोम, 14 दिस॰ 2026").
import { t, locale } from './i18n.js';

export const TZ = 'Asia/Kolkata';

// An event's category code (GET /api/events), as the filter names it.
const CATEGORIES = {
  tech: t('common.tech'), cultural: t('common.cultural'), music: t('common.music'), workshop: t('common.workshop'),
  talk: t('common.talk'), sports: t('common.sports'), comedy: t('common.comedy'), other: t('common.other'),
};
export function category(code) {
  return CATEGORIES[code] || code || '';
}

// Indian digit grouping (1,00,000) without relying on the device locale
// data: group the last three digits, then pairs.
export function groupIndian(n) {
  const neg = n < 0;
  let s = String(Math.trunc(Math.abs(n)));
  if (s.length > 3) {
    const last = s.slice(-3);
    let rest = s.slice(0, -3);
    const parts = [];
    while (rest.length > 2) {
      parts.unshift(rest.slice(-2));
      rest = rest.slice(0, -2);
    }
    if (rest) parts.unshift(rest);
    s = `${parts.join(',')},${last}`;
  }
  return (neg ? '-' : '') + s;
}

// 120000 → "₹1,200"; 49950 → "₹499.50"; 0 → "Free" when free=true.
export function rupees(paise, { free = false } = {}) {
  const p = Number(paise);
  if (!Number.isFinite(p)) return '—';
  if (p === 0 && free) return t('format.free');
  const neg = p < 0;
  const abs = Math.abs(Math.round(p));
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  const s = `₹${groupIndian(whole)}${frac ? `.${String(frac).padStart(2, '0')}` : ''}`;
  return neg ? `−${s}` : s;
}

// "₹1,200" for a screen reader is fine; this is for CSV (no symbol).
export function rupeesPlain(paise) {
  const p = Math.round(Number(paise) || 0);
  return `${p < 0 ? '-' : ''}${Math.floor(Math.abs(p) / 100)}.${String(Math.abs(p) % 100).padStart(2, '0')}`;
}

const fmtCache = new Map();
function fmt(opts) {
  const key = JSON.stringify(opts);
  if (!fmtCache.has(key)) fmtCache.set(key, new Intl.DateTimeFormat(opts.numeric ? 'en-IN' : locale, { timeZone: TZ, ...opts, numeric: undefined }));
  return fmtCache.get(key);
}

function toDate(v) {
  if (v instanceof Date) return v;
  if (v === null || v === undefined || v === '') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

// "Sat, 14 Dec 2026, 6:00 pm IST"
export function dateTime(v) {
  const d = toDate(v);
  if (!d) return '';
  return `${fmt({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true }).format(d)} IST`;
}
// "14 Dec 2026"
export function date(v) {
  const d = toDate(v);
  return d ? fmt({ day: 'numeric', month: 'short', year: 'numeric' }).format(d) : '';
}
// "6:00 pm"
export function time(v) {
  const d = toDate(v);
  return d ? fmt({ hour: 'numeric', minute: '2-digit', hour12: true }).format(d) : '';
}
// 12345678 → "1,23,45,678" (both languages)
export function number(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '—';
  const [whole, frac] = String(Math.abs(v)).split('.');
  return `${v < 0 ? '-' : ''}${groupIndian(Number(whole))}${frac ? `.${frac}` : ''}`;
}
// Short card form: "SAT 14 DEC · 6:00 pm"
export function dateShort(v) {
  const d = toDate(v);
  if (!d) return '';
  const day = fmt({ weekday: 'short', day: 'numeric', month: 'short' }).format(d);
  return `${day} · ${time(d)}`;
}

// "YYYY-MM-DD" of a date in IST (for date filters).
export function isoDayIST(v) {
  const d = toDate(v);
  if (!d) return '';
  const parts = fmt({ numeric: true, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

// IST wall-clock "YYYY-MM-DDTHH:MM" (for <input type=datetime-local>) ↔ UTC.
export function toLocalInput(v) {
  const d = toDate(v);
  if (!d) return '';
  const parts = fmt({ numeric: true, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}
export function fromLocalInput(s) {
  if (!s) return null;
  // IST is UTC+05:30 all year (no daylight saving).
  const d = new Date(`${s}:00+05:30`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace('.000Z', 'Z');
}

// "4:59" for a countdown in seconds.
export function mmss(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// "3 seats" in English; in other languages the caller uses t(key, {n}).
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many || `${one}s`}`;
}
