// The seat-map generator, client side, for the editor's live preview:
// rows × seats per row, aisles after given seat numbers, price
// categories over row ranges. Coordinates follow docs/schema.md (1 unit =
// one seat pitch, origin top-left, stage above y = 0); each category
// starts a new section one unit further back.
//
// generate({rows, seatsPerRow, aisles:[6], tiers:[{name, pricePaise,
//   colour, fromRow, toRow}], blocked: Set('C5')}) →
//   {categories:[{id,name,pricePaise,colour,sortOrder}], seats:[…]}

export function rowLabel(i) {
  // 0 → A … 25 → Z, 26 → AA …
  let n = i + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function parseAisles(text, max) {
  return [...new Set(String(text || '').split(/[\s,]+/).map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n < max))].sort((a, b) => a - b);
}

export function generate({ rows, seatsPerRow, aisles = [], tiers = [], blocked = new Set() }) {
  const R = Math.max(1, Math.min(60, rows | 0));
  const C = Math.max(1, Math.min(80, seatsPerRow | 0));
  const cats = tiers.map((t, i) => ({ id: `tier-${i}`, name: t.name, pricePaise: t.pricePaise, colour: t.colour, sortOrder: i + 1, fromRow: t.fromRow, toRow: t.toRow }));
  const tierOf = (r) => {
    for (const c of cats) if (r + 1 >= c.fromRow && r + 1 <= c.toRow) return c;
    return cats[cats.length - 1] || null;
  };
  const seats = [];
  let y = 0;
  let prev = null;
  for (let r = 0; r < R; r++) {
    const cat = tierOf(r);
    if (prev && cat !== prev && r > 0) y += 1;  // a gap between categories
    prev = cat;
    const row = rowLabel(r);
    for (let s = 1; s <= C; s++) {
      const gaps = aisles.filter((a) => s > a).length;
      const label = String(s);
      seats.push({
        id: `${row}${label}`, section: cat ? cat.name : '', row, label,
        x: (s - 1) + gaps, y,
        categoryId: cat ? cat.id : '',
        blocked: blocked.has(`${row}${label}`), accessible: false,
      });
    }
    y += 1;
  }
  return { categories: cats, seats };
}
