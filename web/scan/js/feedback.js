// Sound and vibration for a result, so the gate keeper need not look:
// admitted = one high beep and a short buzz; already admitted = two middle
// beeps; refused = a long low tone and a long buzz (WebAudio, no files).
let ctx = null;

// Browsers start audio only after a gesture: the page calls this on the
// first tap (Start scanning).
export function unlock() {
  try {
    if (!ctx) ctx = new AudioContext();
    if (ctx.state === 'suspended') ctx.resume();
  } catch { ctx = null; }
}

function tone(freq, start, dur, type = 'sine') {
  const o = ctx.createOscillator();
  const g = ctx.createGain();
  o.type = type;
  o.frequency.value = freq;
  g.gain.setValueAtTime(0.0001, ctx.currentTime + start);
  g.gain.exponentialRampToValueAtTime(0.35, ctx.currentTime + start + 0.01);
  g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + start + dur);
  o.connect(g).connect(ctx.destination);
  o.start(ctx.currentTime + start);
  o.stop(ctx.currentTime + start + dur + 0.02);
}

const KINDS = {
  admitted: { tones: [[1320, 0, 0.15]], buzz: [80] },
  already: { tones: [[660, 0, 0.12], [660, 0.18, 0.12]], buzz: [80, 80, 80] },
  refused: { tones: [[220, 0, 0.5, 'square']], buzz: [400] },
};

// signal('admitted' | 'already' | 'refused')
export function signal(kind) {
  const k = KINDS[kind] || KINDS.refused;
  try {
    if (ctx && ctx.state === 'running') for (const tk of k.tones) tone(...tk);
  } catch { /* no audio */ }
  try {
    if (navigator.vibrate) navigator.vibrate(k.buzz);
  } catch { /* no vibration */ }
}
