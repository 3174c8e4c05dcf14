// Drawing of relevance maps: the seismic colour map (METHODS.md §4) and the three kinds of view the server sends
// (image, series, bars). No DOM lookups here, only canvases handed in, so the module is easy to test on its own.

// matplotlib 'seismic': anchors at t = 0, .25, .5, .75, 1, linear in between, sampled at 256 points.
const ANCHORS = [[0, 0, 0.3], [0, 0, 1], [1, 1, 1], [1, 0, 0], [0.5, 0, 0]];

/** 256 RGB entries (bytes), entry i taken at t = i / 255. */
export const SEISMIC = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * 4;
    const k = Math.min(3, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) {
      lut[i * 3 + c] = Math.round((ANCHORS[k][c] + f * (ANCHORS[k + 1][c] - ANCHORS[k][c])) * 255);
    }
  }
  return lut;
})();

/** LUT index of a value normalised to [-1, 1]: floor(t·256) with t = (r+1)/2, t = 1 → 255, NaN → -1. */
export function colorIndex(r) {
  if (Number.isNaN(r)) return -1;
  const t = (r + 1) / 2;
  return Math.max(0, Math.min(255, Math.floor(t * 256)));
}

/** RGB bytes of a normalised value (matplotlib gives NaN black). */
export function seismic(r) {
  const i = colorIndex(r);
  return i < 0 ? [0, 0, 0] : [SEISMIC[i * 3], SEISMIC[i * 3 + 1], SEISMIC[i * 3 + 2]];
}

function bytes(b64, signed) {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return signed ? new Int8Array(out.buffer) : out;
}

/** Decodes a view's base64 arrays once; the result is cached on the view. */
export function decode(view) {
  if (!view.decoded) {
    view.decoded = {
      input: bytes(view.input, view.kind === 'bars'),
      relevance: bytes(view.relevance, true), // normalised by max|R| on the server: q / 127 is in [-1, 1]
    };
  }
  return view.decoded;
}

/**
 * Draws a view. mode: 'overlay' (input with the relevance over it, alpha 0.5 as SignXAI's overlay_heatmap),
 * 'input' or 'heat'. Images are drawn at their own resolution (CSS scales them, pixelated); plots at w × h.
 */
export function draw(canvas, view, mode = 'overlay', w = 256, h = 128) {
  if (view.kind === 'image') return drawImage(canvas, view, mode);
  canvas.width = w;
  canvas.height = h;
  if (view.kind === 'series') return drawSeries(canvas, view, mode);
  return drawBars(canvas, view, mode);
}

function drawImage(canvas, view, mode) {
  const { input, relevance } = decode(view);
  const n = view.width * view.height;
  canvas.width = view.width;
  canvas.height = view.height;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(view.width, view.height);
  const rgb = view.channels === 3;
  for (let p = 0; p < n; p++) {
    const r = input[p];
    const g = rgb ? input[n + p] : input[p];
    const b = rgb ? input[2 * n + p] : input[p];
    const [hr, hg, hb] = seismic(relevance[p] / 127);
    const o = p * 4;
    if (mode === 'input') {
      img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b;
    } else if (mode === 'heat') {
      img.data[o] = hr; img.data[o + 1] = hg; img.data[o + 2] = hb;
    } else {
      img.data[o] = 0.5 * r + 0.5 * hr; img.data[o + 1] = 0.5 * g + 0.5 * hg; img.data[o + 2] = 0.5 * b + 0.5 * hb;
    }
    img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const LINE_COLOURS = ['#111111', '#1b7837', '#762a83', '#e08214', '#01665e', '#666666', '#8c510a', '#4d4d00'];

// A strip of relevance colours along the time axis, the channels as lines over it.
function drawSeries(canvas, view, mode) {
  const { input, relevance } = decode(view);
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const n = view.length;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, h);
  if (mode !== 'input') {
    ctx.globalAlpha = mode === 'heat' ? 1 : 0.75;
    for (let i = 0; i < n; i++) {
      const x0 = Math.floor((i * w) / n);
      const x1 = Math.max(x0 + 1, Math.floor(((i + 1) * w) / n));
      const [r, g, b] = seismic(relevance[i] / 127);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x0, 0, x1 - x0, h);
    }
    ctx.globalAlpha = 1;
  }
  if (mode === 'heat') return;
  ctx.lineWidth = 1.5;
  for (let c = 0; c < view.channels; c++) {
    ctx.strokeStyle = LINE_COLOURS[c % LINE_COLOURS.length];
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = ((i + 0.5) * w) / n;
      const y = h - 4 - (input[c * n + i] / 255) * (h - 8);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
}

// One bar per feature from a zero baseline, coloured by its relevance.
function drawBars(canvas, view, mode) {
  const { input, relevance } = decode(view);
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const n = view.length;
  const mid = h / 2;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, h);
  for (let i = 0; i < n; i++) {
    const x0 = Math.floor((i * w) / n);
    const x1 = Math.max(x0 + 1, Math.floor(((i + 1) * w) / n) - (w / n >= 4 ? 1 : 0));
    const [r, g, b] = seismic(relevance[i] / 127);
    if (mode === 'heat') {
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x0, 0, x1 - x0, h);
      continue;
    }
    const v = (input[i] / 127) * (mid - 4);
    ctx.fillStyle = mode === 'input' ? '#888888' : `rgb(${r},${g},${b})`;
    ctx.fillRect(x0, v >= 0 ? mid - v : mid, x1 - x0, Math.max(1, Math.abs(v)));
    if (mode === 'overlay') {
      ctx.strokeStyle = 'rgba(0,0,0,0.35)';
      ctx.strokeRect(x0 + 0.5, (v >= 0 ? mid - v : mid) + 0.5, Math.max(0, x1 - x0 - 1), Math.max(0, Math.abs(v) - 1));
    }
  }
  ctx.strokeStyle = '#444444';
  ctx.beginPath();
  ctx.moveTo(0, mid + 0.5);
  ctx.lineTo(w, mid + 0.5);
  ctx.stroke();
}

/** The colour scale from -1 to 1, one LUT entry per pixel column. */
export function drawColorbar(canvas) {
  const ctx = canvas.getContext('2d');
  for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = seismic((x / (canvas.width - 1)) * 2 - 1);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, 0, 1, canvas.height);
  }
}
