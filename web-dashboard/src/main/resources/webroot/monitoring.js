// The monitoring view: polls GET /api/monitoring and /api/monitoring/alerts (same origin, so the access cookie
// goes along) and draws, per key of the chosen model, the reference and current mean maps side by side and the
// drift score over time with its threshold; the alert list; the cross-engine agreement per model and method.
import { seismic } from './render.js';
import { lineChart, plain } from './charts.js';

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text; // text only: the data comes from outside
  return e;
}

const query = (() => {
  const token = new URLSearchParams(location.search).get('token');
  return token ? `?token=${encodeURIComponent(token)}` : '';
})();

let latest = { keys: [], alerts: 0 };
let alerts = [];
let lastText = ''; // what was drawn: an unchanged answer is not redrawn (no flicker, elements stay put)

/** Draws a non-negative normalised map (channels summed) on a canvas, white → red by value / max. */
export function drawMeanMap(canvas, values, shape) {
  const channels = shape.length >= 2 ? shape[0] : 1;
  const width = shape.length >= 3 ? shape[shape.length - 1] : values.length / channels;
  const height = shape.length >= 3 ? shape[shape.length - 2] : 1;
  const plane = width * height;
  const summed = new Float64Array(plane);
  for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) summed[p] += values[c * plane + p] || 0;
  let max = 0;
  for (const v of summed) max = Math.max(max, v);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(width, height);
  for (let p = 0; p < plane; p++) {
    const [r, g, b] = seismic(max > 0 ? summed[p] / max : 0);
    img.data.set([r, g, b, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}

function keyLabel(k) {
  return k.targetClass === null || k.targetClass === undefined ? 'all classes' : `class ${k.targetClass}`;
}

function fillSelect(select, values) {
  const current = select.value;
  const known = [...select.options].map((o) => o.value);
  if (known.join('\u0000') !== values.join('\u0000')) {
    select.replaceChildren(...values.map((v) => new Option(v, v)));
    if (values.includes(current)) select.value = current;
  }
}

function render() {
  const keys = latest.keys;
  fillSelect($('mon-model'), [...new Set(keys.map((k) => k.model))].sort());
  const model = $('mon-model').value;
  fillSelect($('mon-method'), [...new Set(keys.filter((k) => k.model === model).map((k) => k.method))].sort());
  const method = $('mon-method').value;
  const shown = keys.filter((k) => k.model === model && k.method === method)
    .sort((a, b) => (a.targetClass ?? -1) - (b.targetClass ?? -1));
  const last = keys.reduce((m, k) => Math.max(m, k.windowEnd), 0);
  $('mon-summary').textContent = keys.length
    ? `${keys.length} keys · ${latest.alerts} alerts · last window closed ${new Date(last).toLocaleTimeString()}`
    : 'waiting for the first closed window…';
  const list = $('mon-keys');
  list.replaceChildren(...shown.map(renderKey));
  renderAlerts();
  renderCross(keys);
}

function renderKey(k) {
  const box = el('div', 'mon-key');
  box.dataset.key = k.key;
  const d = k.drift;
  box.dataset.alerting = d && d.alerting ? 'true' : 'false';
  const head = el('div', 'mon-key-head');
  head.append(el('b', '', `${k.model}:${k.modelVersion ?? '*'} · ${k.method} · ${keyLabel(k)}`),
    el('span', 'muted', `${k.count} maps in the last window`));
  if (d) {
    head.append(el('span', `score${d.alerting ? ' alerting' : ''}`,
      `drift ${plain(d.score)} / ${plain(d.threshold)}${d.alerting ? ' · ALERT' : ''}`));
  } else {
    head.append(el('span', 'muted', 'learning the reference'));
  }
  box.append(head);
  const row = el('div', 'mon-key-row');
  for (const [label, values] of [['reference', k.referenceMap], ['last window', k.meanMap]]) {
    const fig = el('figure', 'mean-map');
    const canvas = el('canvas', `map ${label === 'reference' ? 'reference' : 'current'}`);
    if (values && values.length) drawMeanMap(canvas, values, k.mapShape);
    fig.append(canvas, el('figcaption', '', values && values.length ? label
      : `${label}: after ${d ? '' : 'the first windows'}`));
    row.append(fig);
  }
  const chartFig = el('figure', 'drift-chart');
  const chart = el('canvas', 'chart');
  chart.width = 360;
  chart.height = 110;
  lineChart(chart, (k.history || []).map((p) => ({ x: p.windowEnd, y: p.score })),
    { threshold: d ? d.threshold : undefined });
  chartFig.append(chart, el('figcaption', '', d
    ? `1 − cosine per window (dashed: threshold ${plain(d.threshold)}) · top-k rank r ${plain(d.rankCorrelation)}`
      + ` · p ${d.pValue < 0.001 ? '< 0.001' : plain(d.pValue)} · ${d.reference} reference (${d.referenceWindows} windows)`
    : '1 − cosine per window, once the reference is learned'));
  row.append(chartFig);
  box.append(row);
  return box;
}

function renderAlerts() {
  const list = $('mon-alerts');
  list.replaceChildren(...alerts.slice(0, 50).map((a) => {
    const li = el('li', `alert ${a.kind}`);
    li.dataset.kind = a.kind;
    li.append(el('span', 'kind', a.kind),
      el('span', '', `${a.model}:${a.modelVersion ?? '*'} · ${a.method} · ${a.targetClass === null ? 'all classes' : `class ${a.targetClass}`}`),
      el('span', 'muted', `window ${new Date(a.windowStart).toLocaleTimeString()}–${new Date(a.windowEnd).toLocaleTimeString()}`
        + ` · score ${plain(a.score)} vs ${plain(a.threshold)}`),
      el('span', 'reason', a.reason));
    return li;
  }));
  $('mon-alerts-empty').hidden = alerts.length > 0;
  $('mon-alert-count').textContent = alerts.length ? `(${alerts.length})` : '';
  const badge = $('tab-alerts');
  badge.hidden = alerts.length === 0;
  badge.textContent = String(alerts.length);
}

function renderCross(keys) {
  const rows = keys.filter((k) => k.crossEngine);
  const body = $('mon-cross').tBodies[0];
  body.replaceChildren(...rows.map((k) => {
    const c = k.crossEngine;
    const tr = el('tr');
    tr.dataset.model = k.model;
    tr.dataset.ok = String(c.pearsonMin >= c.threshold);
    const model = el('td', 'clip', k.model);
    model.title = k.model;
    const method = el('td', 'clip', k.method);
    method.title = k.method;
    tr.append(model, method, el('td', 'num', String(c.pairs)),
      el('td', `num${c.pearsonMin < c.threshold ? ' bad' : ''}`, c.pearsonMin.toFixed(5)),
      el('td', 'num', c.maxAbsDelta.toExponential(1)));
    return tr;
  }));
  $('mon-cross-empty').hidden = rows.length > 0;
}

async function poll() {
  try {
    const [m, a] = await Promise.all([fetch(`/api/monitoring${query}`), fetch(`/api/monitoring/alerts${query}`)]);
    if (m.ok && a.ok) {
      const [mt, at] = [await m.text(), await a.text()];
      if (mt + at !== lastText) {
        lastText = mt + at;
        latest = JSON.parse(mt);
        alerts = JSON.parse(at);
        render();
      }
    }
  } catch (e) {
    // the server is restarting: the next poll tries again
  }
}

export function startMonitoring() {
  $('mon-model').addEventListener('change', render);
  $('mon-method').addEventListener('change', render);
  poll();
  setInterval(poll, POLL_MS);
}
