// The event's poster (an upload under /media/…, or a URL the organizer
// gave; docs/web.md, branding): on the event page and the catalogue cards.
import { h, safeUrl } from './dom.js';
import { t } from './i18n.js';

// The block's strings (web/i18n/*.json).
const T = { alt: (title) => t('poster.alt', { title }) };

// An <img class="poster"> for ev, or null when it has none (or an unsafe
// URL). A poster that fails to load removes itself.
export function posterImg(ev, extra = '') {
  const url = ev && ev.posterUrl;
  if (!url || !safeUrl(url)) return null;
  const img = h(`img.poster${extra}`, { src: url, alt: T.alt(ev.title || ''), loading: 'lazy', decoding: 'async' });
  img.addEventListener('error', () => img.remove());
  return img;
}

// Put ev's poster at the top of the element head (once).
export function showPoster(head, ev) {
  if (!head || head.querySelector('.poster')) return;
  const img = posterImg(ev, '.event-poster');
  if (img) head.prepend(img);
}
