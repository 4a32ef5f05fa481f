import { t } from '/js/i18n.js';
// The camera: the back camera's stream in a <video>, frames sampled a few
// times a second into a canvas, scaled down to at most 640 px, and decoded
// by the worker (decoder.js, jsQR). onCode(text) gets each decoded text;
// the caller decides what to do with repeats.

const MAX_SIDE = 640;
const EVERY_MS = 120;

export class Camera {
  constructor(video, onCode) {
    this.video = video;
    this.onCode = onCode;
    this.stream = null;
    this.worker = null;
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    this.busy = false;
    this.paused = false;
    this.timer = null;
    this.seq = 0;
  }

  // Resolves when frames flow; throws a DOMException (NotAllowedError,
  // NotFoundError…) the page explains.
  async start() {
    if (this.stream) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new DOMException(t('scan.no_camera_https'), 'NotSupportedError');
    }
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    this.video.setAttribute('playsinline', '');
    this.video.muted = true;
    await this.video.play().catch(() => {});
    if (!this.worker) {
      this.worker = new Worker(new URL('./decoder.js', import.meta.url));
      this.worker.onmessage = (e) => {
        this.busy = false;
        if (e.data.text && !this.paused) this.onCode(e.data.text);
      };
      this.worker.onerror = (e) => { this.busy = false; console.error('scan: decoder', e.message); };
    }
    this.timer = setInterval(() => this.tick(), EVERY_MS);
  }

  tick() {
    const v = this.video;
    if (this.busy || this.paused || !v.videoWidth || v.readyState < 2) return;
    const scale = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
    const w = Math.round(v.videoWidth * scale);
    const h = Math.round(v.videoHeight * scale);
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    this.ctx.drawImage(v, 0, 0, w, h);
    const img = this.ctx.getImageData(0, 0, w, h);
    this.busy = true;
    this.seq += 1;
    this.worker.postMessage({ id: this.seq, width: w, height: h, data: img.data }, [img.data.buffer]);
  }

  pause() { this.paused = true; }
  resume() { this.paused = false; }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.stream) for (const tk of this.stream.getTracks()) tk.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.busy = false;
  }
}
