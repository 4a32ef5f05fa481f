// A QR code as a fake camera (tests/e2e/scan.test.mjs, docs/scanner.md):
// Chromium's --use-file-for-fake-video-capture=<file.y4m> plays a Y4M
// file as the camera, looping. This module turns a QR matrix into such a
// file: 640 × 480, 4:2:0, black modules on white with a quiet zone.
//
// The matrix comes from the server's own QR image of a ticket
// (GET /api/bookings/:id/tickets/:ticketId/qr.svg, lib/zt_qr.c: one path
// of "M<x> <y>h1v1h-1z" squares in a viewBox of N × N modules), or, for a
// text the server never signs (a forged payload), from Debian's qrencode
// (the same libqrencode, level M, 8-bit mode).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const W = 640;
const H = 480;

// matrixFromSvg(svg) → rows of booleans (true = black), quiet zone included.
export function matrixFromSvg(svg) {
  const vb = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  if (!vb) throw new Error('qr.svg: no viewBox');
  const n = Number(vb[1]);
  const m = Array.from({ length: n }, () => new Array(n).fill(false));
  for (const [, x, y] of svg.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) m[Number(y)][Number(x)] = true;
  return m;
}

// matrixFromText(text): the same through qrencode (margin 4 added here).
export function matrixFromText(text) {
  const out = execFileSync('qrencode', ['-l', 'M', '-8', '-m', '0', '-t', 'ASCII', '-o', '-', text], { encoding: 'utf8' });
  const rows = out.split('\n').filter((l) => l.length).map((l) => {
    const r = [];
    for (let i = 0; i < l.length; i += 2) r.push(l[i] === '#');
    return r;
  });
  const n = rows.length + 8;
  const m = Array.from({ length: n }, () => new Array(n).fill(false));
  rows.forEach((r, y) => r.forEach((v, x) => { m[y + 4][x + 4] = v; }));
  return m;
}

// writeY4M(file, matrix | null, frames): a Y4M of `frames` identical
// frames; null = a blank white picture (a camera pointed at nothing).
export function writeY4M(file, matrix, frames = 2) {
  const y = Buffer.alloc(W * H, 235);
  if (matrix) {
    const n = matrix.length;
    const scale = Math.floor((Math.min(W, H) - 40) / n);
    const x0 = Math.floor((W - n * scale) / 2);
    const y0 = Math.floor((H - n * scale) / 2);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        if (!matrix[r][c]) continue;
        for (let dy = 0; dy < scale; dy++) y.fill(16, (y0 + r * scale + dy) * W + x0 + c * scale, (y0 + r * scale + dy) * W + x0 + (c + 1) * scale);
      }
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), y, chroma);
  writeFileSync(file, Buffer.concat(parts));
}
