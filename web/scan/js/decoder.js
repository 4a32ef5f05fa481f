// QR decoding off the main thread: a classic worker that loads jsQR (npm,
// copied to vendor/ by scripts/dev, docs/scanner.md) and answers each
// frame {id, width, height, data: Uint8ClampedArray RGBA} with
// {id, text} (text null when no code was found).
/* global jsQR */
importScripts('../vendor/jsQR.js');

self.onmessage = (e) => {
  const { id, width, height, data } = e.data;
  let text = null;
  try {
    const code = jsQR(data, width, height, { inversionAttempts: 'attemptBoth' });
    if (code && typeof code.data === 'string' && code.data) text = code.data;
  } catch (err) {
    text = null;
  }
  self.postMessage({ id, text });
};
