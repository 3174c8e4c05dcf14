// Small line charts on a canvas: a series over time, an optional horizontal threshold line, the y range from 0.
// No DOM lookups here: the canvas is handed in.

/**
 * Draws points [{x, y}] (x increasing) as a line. options: {threshold, yMax, colour, label}.
 * The y axis starts at 0 and reaches max(yMax, 1.25 × the largest value, 1.25 × threshold).
 */
export function lineChart(canvas, points, options = {}) {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const pad = { left: 34, right: 6, top: 6, bottom: 12 };
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, h);
  const values = points.map((p) => p.y).filter((v) => Number.isFinite(v));
  let top = Math.max(options.yMax || 0, ...values.map((v) => v * 1.25), (options.threshold || 0) * 1.25);
  if (!(top > 0)) top = 1;
  const x0 = points.length ? points[0].x : 0;
  const x1 = points.length ? points[points.length - 1].x : 1;
  const sx = (x) => pad.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * (w - pad.left - pad.right) : (w - pad.left - pad.right));
  const sy = (y) => h - pad.bottom - (y / top) * (h - pad.top - pad.bottom);
  // axes and the top value in plain numbers
  ctx.strokeStyle = '#cccccc';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.left, pad.top);
  ctx.lineTo(pad.left, h - pad.bottom);
  ctx.lineTo(w - pad.right, h - pad.bottom);
  ctx.stroke();
  ctx.fillStyle = '#666666';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText(plain(top), pad.left - 3, pad.top + 8);
  ctx.fillText('0', pad.left - 3, h - pad.bottom);
  if (Number.isFinite(options.threshold)) {
    ctx.strokeStyle = '#b2182b';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(pad.left, sy(options.threshold) + 0.5);
    ctx.lineTo(w - pad.right, sy(options.threshold) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  const drawn = points.filter((p) => Number.isFinite(p.y));
  if (!drawn.length) return;
  ctx.strokeStyle = options.colour || '#2166ac';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  drawn.forEach((p, i) => (i === 0 ? ctx.moveTo(sx(p.x), sy(p.y)) : ctx.lineTo(sx(p.x), sy(p.y))));
  ctx.stroke();
  ctx.fillStyle = options.colour || '#2166ac';
  for (const p of drawn) {
    if (Number.isFinite(options.threshold) && p.y > options.threshold) ctx.fillStyle = '#b2182b';
    else ctx.fillStyle = options.colour || '#2166ac';
    ctx.fillRect(sx(p.x) - 1.5, sy(p.y) - 1.5, 3, 3);
  }
}

/** A number in plain notation (no exponent) with about three significant digits. */
export function plain(v) {
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return 'n/a';
  const a = Math.abs(v);
  if (a >= 100) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  if (a >= 0.001) return v.toFixed(3);
  return v.toFixed(6);
}
