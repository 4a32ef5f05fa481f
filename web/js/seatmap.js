// SVG seat map: draws seats at their layout x/y (1 unit = one seat pitch,
// stage above y = 0), one <g> per seat with an accessible name, a state
// class and a state mark (so state is never told by colour alone):
//   available  category colour, plain
//   mine       accent fill + check mark, thick stroke
//   held       hatched grey (pattern) + dot
//   sold       dark fill + cross
//   blocked    dashed outline + dash
// Zoom and pan: wheel, drag, pinch, and the +/−/fit buttons. Keyboard:
// one seat is in the tab order (roving tabindex); arrow keys move between
// seats by geometry, Home/End to the row's ends, Enter/Space toggles.
import { s, h } from './dom.js';
import { rupees } from './format.js';
import { t } from './i18n.js';

const STATE_WORD = { available: t('seat.available'), mine: t('seat.mine'), held: t('seat.held'), sold: t('seat.sold'), blocked: t('seat.blocked') };

export function seatName(seat, cat, state) {
  const parts = [t('seat.row_seat', { row: seat.row, seat: seat.label })];
  if (cat) parts.push(cat.name, rupees(cat.pricePaise, { free: true }));
  parts.push(STATE_WORD[state] || state);
  return parts.join(', ');
}

// createSeatMap(container, {seats, categories, onActivate(seat, state),
//   interactive: true, label: 'Seat map'}) → controller
export function createSeatMap(container, opts) {
  const seats = opts.seats || [];
  const cats = new Map((opts.categories || []).map((c) => [c.id, c]));
  const byId = new Map();
  const state = new Map();
  const interactive = opts.interactive !== false;

  // ---- geometry
  let minX = 0, minY = 0, maxX = 1, maxY = 1;
  if (seats.length) {
    minX = Math.min(...seats.map((pt) => pt.x));
    maxX = Math.max(...seats.map((pt) => pt.x));
    minY = Math.min(...seats.map((pt) => pt.y));
    maxY = Math.max(...seats.map((pt) => pt.y));
  }
  const top = Math.min(minY, 0);
  const full = { x: minX - 2, y: top - 3.4, w: maxX - minX + 3.5, h: maxY - top + 4.6 };
  let vb = { ...full };

  const svg = s('svg.seatmap', {
    viewBox: vbString(full), role: 'group', 'aria-label': opts.label || t('org.live.seat_map'),
    preserveAspectRatio: 'xMidYMin meet', focusable: 'false',
  });
  const defs = s('defs', {},
    s('pattern', { id: 'pat-held', patternUnits: 'userSpaceOnUse', width: '0.25', height: '0.25', patternTransform: 'rotate(45)' },
      s('rect', { width: '0.25', height: '0.25', fill: '#D9D0C3' }),
      s('line', { x1: '0', y1: '0', x2: '0', y2: '0.25', stroke: '#8C7B6E', 'stroke-width': '0.1' })));
  svg.append(defs);
  // the map keeps its proportions; CSS caps the height on tall maps
  svg.style.setProperty('aspect-ratio', `${full.w} / ${full.h}`);
  const world = s('g', { class: 'world' });
  svg.append(world);

  // stage
  const stageW = Math.max(4, (maxX - minX) * 0.6);
  const cx = (minX + maxX) / 2;
  world.append(
    s('rect.stage', { x: cx - stageW / 2, y: top - 3, width: stageW, height: 0.9 }),
    s('text.stage-text', { x: cx, y: top - 2.37, 'text-anchor': 'middle', text: t('seat.stage') }));

  // row labels (left of each section's row) and section labels
  const rows = new Map();
  const sections = new Map();
  for (const pt of seats) {
    const key = `${pt.section}\u0000${pt.row}`;
    const r = rows.get(key) || { minX: Infinity, y: pt.y, row: pt.row };
    r.minX = Math.min(r.minX, pt.x);
    rows.set(key, r);
    const sec = sections.get(pt.section) || { minY: Infinity, xs: [] };
    sec.minY = Math.min(sec.minY, pt.y);
    sec.xs.push(pt.x);
    sections.set(pt.section, sec);
  }
  for (const r of rows.values()) {
    world.append(s('text.row-label', { x: r.minX - 0.9, y: r.y + 0.18, 'text-anchor': 'middle', 'aria-hidden': 'true', text: r.row }));
  }
  if (sections.size > 1) {
    for (const [name, sec] of sections) {
      if (!name) continue;
      const mid = (Math.min(...sec.xs) + Math.max(...sec.xs)) / 2;
      world.append(s('text.section-label', { x: mid, y: sec.minY - 0.75, 'text-anchor': 'middle', 'aria-hidden': 'true', text: name }));
    }
  }

  // seats
  const layer = s('g', { class: 'seats' });
  world.append(layer);
  for (const pt of seats) {
    const cat = cats.get(pt.categoryId);
    const g = s('g.seat', {
      transform: `translate(${pt.x} ${pt.y})`,
      'data-id': pt.id,
      tabindex: '-1',
      role: interactive ? 'button' : 'img',
    });
    if (cat) g.style.setProperty('--cat', tint(cat.colour));
    g.append(
      s('rect.shape', { x: '-0.4', y: '-0.4', width: '0.8', height: '0.8' }),
      s('path.mark', { d: '', fill: 'none' }),
      s('rect.focus-ring', { x: '-0.55', y: '-0.55', width: '1.1', height: '1.1' }),
      s('title', {}));
    layer.append(g);
    byId.set(pt.id, { seat: pt, g, cat });
    setState(pt.id, pt.blocked ? 'blocked' : 'available');
  }

  // ---- state
  function setState(id, st) {
    const e = byId.get(id);
    if (!e) return;
    if (e.seat.blocked && st !== 'blocked' && !opts.editable) st = 'blocked';
    state.set(id, st);
    e.g.setAttribute('class', `seat ${st}`);
    e.g.querySelector('.mark').setAttribute('d', MARKS[st] || '');
    const name = seatName(e.seat, e.cat, st);
    e.g.setAttribute('aria-label', name);
    if (interactive) e.g.setAttribute('aria-pressed', st === 'mine' ? 'true' : 'false');
    if (interactive) e.g.setAttribute('aria-disabled', st === 'available' || st === 'mine' ? 'false' : 'true');
    e.g.querySelector('title').textContent = name;
  }

  // ---- activation (click / Enter / Space)
  function activate(id) {
    const e = byId.get(id);
    if (!e || !interactive) return;
    opts.onActivate && opts.onActivate(e.seat, state.get(id));
  }

  // ---- keyboard: roving tabindex
  let current = null;
  function focusSeat(id, { scroll = true } = {}) {
    const e = byId.get(id);
    if (!e) return;
    if (current && byId.get(current)) byId.get(current).g.setAttribute('tabindex', '-1');
    current = id;
    e.g.setAttribute('tabindex', '0');
    e.g.focus({ preventScroll: true });
    if (scroll) ensureVisible(e.seat);
  }
  // the first focusable seat: first available seat in reading order
  const ordered = [...seats].sort((a, b) => a.y - b.y || a.x - b.x);
  if (ordered.length && interactive) {
    const first = ordered.find((pt) => !pt.blocked) || ordered[0];
    current = first.id;
    byId.get(first.id).g.setAttribute('tabindex', '0');
  }

  function neighbour(id, dir) {
    const a = byId.get(id).seat;
    let best = null, bestScore = Infinity;
    for (const pt of seats) {
      if (pt.id === id) continue;
      const dx = pt.x - a.x, dy = pt.y - a.y;
      let score;
      if (dir === 'left' || dir === 'right') {
        if (Math.abs(dy) > 0.5) continue;
        if (dir === 'left' ? dx >= 0 : dx <= 0) continue;
        score = Math.abs(dx);
      } else {
        if (dir === 'up' ? dy >= -0.5 : dy <= 0.5) continue;
        score = Math.abs(dy) * 100 + Math.abs(dx);
      }
      if (score < bestScore) { bestScore = score; best = pt; }
    }
    return best && best.id;
  }
  function rowEnd(id, last) {
    const a = byId.get(id).seat;
    const row = seats.filter((pt) => Math.abs(pt.y - a.y) <= 0.5);
    row.sort((p, q) => p.x - q.x);
    return (last ? row[row.length - 1] : row[0]).id;
  }

  svg.addEventListener('keydown', (ev) => {
    const g = ev.target.closest && ev.target.closest('.seat');
    if (!g) return;
    const id = g.getAttribute('data-id');
    const dirs = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    let next = null;
    if (dirs[ev.key]) next = neighbour(id, dirs[ev.key]);
    else if (ev.key === 'Home') next = rowEnd(id, false);
    else if (ev.key === 'End') next = rowEnd(id, true);
    else if (ev.key === 'Enter' || ev.key === ' ' || ev.key === 'Spacebar') {
      ev.preventDefault();
      activate(id);
      return;
    } else return;
    ev.preventDefault();
    if (next) focusSeat(next);
  });
  svg.addEventListener('focusin', (ev) => {
    const g = ev.target.closest && ev.target.closest('.seat');
    if (g && g.getAttribute('data-id') !== current) focusSeat(g.getAttribute('data-id'), { scroll: false });
  });

  // ---- zoom and pan (viewBox)
  function vbString(b) { return `${b.x} ${b.y} ${b.w} ${b.h}`; }
  function apply() { svg.setAttribute('viewBox', vbString(vb)); }
  function zoom(factor, px = 0.5, py = 0.5) {
    const w = Math.min(full.w * 1.2, Math.max(4, vb.w / factor));
    const hh = vb.h * (w / vb.w);
    vb = { x: vb.x + (vb.w - w) * px, y: vb.y + (vb.h - hh) * py, w, h: hh };
    apply();
  }
  function fit() { vb = { ...full }; apply(); }
  function ensureVisible(pt) {
    const m = 1;
    if (pt.x - m < vb.x || pt.x + m > vb.x + vb.w || pt.y - m < vb.y || pt.y + m > vb.y + vb.h) {
      vb = { ...vb, x: pt.x - vb.w / 2, y: pt.y - vb.h / 2 };
      apply();
    }
  }
  // screen → fraction of the viewport
  function frac(ev) {
    const r = svg.getBoundingClientRect();
    return [(ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height];
  }
  svg.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const [px, py] = frac(ev);
    zoom(ev.deltaY < 0 ? 1.2 : 1 / 1.2, px, py);
  }, { passive: false });

  const pointers = new Map();
  let drag = null, pinch = null, moved = false;
  svg.addEventListener('pointerdown', (ev) => {
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    moved = false;
    if (pointers.size === 1) drag = { x: ev.clientX, y: ev.clientY, vb: { ...vb } };
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), vb: { ...vb } };
      drag = null;
    }
  });
  svg.addEventListener('pointermove', (ev) => {
    if (!pointers.has(ev.pointerId)) return;
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    const r = svg.getBoundingClientRect();
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d > 0) {
        vb = { ...pinch.vb };
        zoom(d / pinch.d);
        moved = true;
      }
    } else if (drag) {
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!moved && Math.hypot(dx, dy) < 6) return;
      if (!moved) { svg.setPointerCapture(ev.pointerId); svg.classList.add('panning'); }
      moved = true;
      const scale = Math.max(vb.w / r.width, vb.h / r.height);
      vb = { ...drag.vb, x: drag.vb.x - dx * scale, y: drag.vb.y - dy * scale };
      apply();
    }
  });
  const up = (ev) => {
    pointers.delete(ev.pointerId);
    if (pointers.size < 2) pinch = null;
    if (pointers.size === 0) { drag = null; svg.classList.remove('panning'); }
  };
  svg.addEventListener('pointerup', up);
  svg.addEventListener('pointercancel', up);
  svg.addEventListener('click', (ev) => {
    if (moved) { moved = false; return; }
    const g = ev.target.closest && ev.target.closest('.seat');
    if (!g) return;
    const id = g.getAttribute('data-id');
    focusSeat(id, { scroll: false });
    activate(id);
  });

  const tools = h('div.seatmap-tools', {},
    h('button.icon-btn', { type: 'button', 'aria-label': t('seat.zoom_in'), text: '+', on: { click: () => zoom(1.4) } }),
    h('button.icon-btn', { type: 'button', 'aria-label': t('seat.zoom_out'), text: '−', on: { click: () => zoom(1 / 1.4) } }),
    h('button.icon-btn', { type: 'button', 'aria-label': t('seat.fit'), text: '⤢', on: { click: fit } }));
  const wrap = h('div.seatmap-wrap', {}, svg, tools);
  container.replaceChildren(wrap);

  return {
    svg,
    setState,
    getState: (id) => state.get(id),
    seat: (id) => byId.get(id) && byId.get(id).seat,
    category: (id) => byId.get(id) && byId.get(id).cat,
    ids: () => [...byId.keys()],
    focusSeat,
    fit,
    zoom,
    count(st) { let n = 0; for (const v of state.values()) if (v === st) n++; return n; },
  };
}

const MARKS = {
  mine: 'M -0.22 0 L -0.06 0.18 L 0.24 -0.18',
  sold: 'M -0.2 -0.2 L 0.2 0.2 M 0.2 -0.2 L -0.2 0.2',
  blocked: 'M -0.2 0 L 0.2 0',
  held: 'M 0 -0.05 a 0.05 0.05 0 1 0 0.001 0',
};

// Category colours come from organizers: keep them readable as a fill by
// mixing with paper; refuse anything that is not #rrggbb.
export function tint(colour) {
  if (!/^#[0-9a-fA-F]{6}$/.test(colour || '')) return '#FFFDF8';
  const n = parseInt(colour.slice(1), 16);
  const mix = (c, p) => Math.round(c * 0.55 + p * 0.45);
  const r = mix((n >> 16) & 255, 0xF5), g = mix((n >> 8) & 255, 0xF0), b = mix(n & 255, 0xE8);
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

// A legend swatch as a tiny SVG, same marks as on the map.
export function swatch(kind, colour) {
  const cls = kind === 'category' ? 'available' : kind;
  const shape = s('rect', { class: 'shape', x: '-0.4', y: '-0.4', width: '0.8', height: '0.8' });
  if (kind === 'held') shape.style.setProperty('fill', 'url(#pat-held-sw)');
  const g = s('g', { class: `seat ${cls}`, transform: 'translate(0.5 0.5)' },
    shape, s('path', { class: 'mark', d: MARKS[kind] || '', fill: 'none' }));
  if (colour) g.style.setProperty('--cat', tint(colour));
  return s('svg', { viewBox: '0 0 1 1', 'aria-hidden': 'true' },
    kind === 'held' ? s('defs', {}, s('pattern', { id: 'pat-held-sw', patternUnits: 'userSpaceOnUse', width: '0.25', height: '0.25', patternTransform: 'rotate(45)' },
      s('rect', { width: '0.25', height: '0.25', fill: '#D9D0C3' }),
      s('line', { x1: '0', y1: '0', x2: '0', y2: '0.25', stroke: '#8C7B6E', 'stroke-width': '0.1' }))) : null, g);
}
