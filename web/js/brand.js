// Organizer branding on public pages (docs/branding.md): the accent
// colour (contrast-checked by the server) and the uploaded logo.
import { h } from './dom.js';

export function brand(tenant) {
  const b = (tenant && tenant.branding) || {};
  if (/^#[0-9a-f]{6}$/i.test(b.accent || '')) document.documentElement.style.setProperty('--accent', b.accent);
}

export function organizerBadge(tenant) {
  const b = tenant.branding || {};
  const logo = /^\/media\/[0-9a-f]{32}\.(png|jpg)$/.test(b.logoUrl || '')
    ? h('img.org-logo', { src: b.logoUrl, alt: '', width: 32, height: 32 }) : null;
  if (!tenant.slug) return h('span', { text: tenant.name || '—' });
  return h('a.org-link', { href: `/o/${encodeURIComponent(tenant.slug)}` }, logo, h('span', { text: tenant.name || '—' }));
}

