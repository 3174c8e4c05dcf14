// SignStream dashboard page: one websocket to the DashboardVerticle, which filters, caps and downsamples on its
// side; this page renders what arrives. Plain ES module, no framework, nothing loaded from elsewhere.
import { draw, drawColorbar } from './render.js';
import { lineChart, plain } from './charts.js';
import { startMonitoring } from './monitoring.js';

const MAX_CARDS = 24;
const MAX_COMPARISONS = 4;
const MAX_DEAD_LETTERS = 50;
const CHART_POINTS = 120; // health pushes, one a second: two minutes
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 8000;

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');

const state = {
  ws: null,
  backoff: BACKOFF_FIRST_MS,
  count: 0,
  paused: false,
  pending: [], // explanation frames waiting for the next animation frame
  flushScheduled: false,
  overlay: true,
  throughput: [],
  latency: [],
};

// ---------- connection ----------

function setStatus(s, retryText = '') {
  $('status').textContent = s;
  $('status').dataset.state = s;
  $('retry').textContent = retryText;
}

function connect() {
  setStatus('connecting');
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`
    + (token ? `?token=${encodeURIComponent(token)}` : '');
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = () => {
    state.backoff = BACKOFF_FIRST_MS;
    setStatus('connected');
    sendFilter(); // a new connection starts unfiltered on the server: tell it again
    if (state.paused) send({ type: 'pause', paused: true });
  };
  ws.onmessage = (e) => onFrame(JSON.parse(e.data));
  ws.onclose = () => {
    if (state.ws !== ws) return;
    state.ws = null;
    // Exponential backoff with jitter, so many pages do not all knock at the same instant after a restart.
    const delay = Math.round(state.backoff * (0.8 + Math.random() * 0.4));
    state.backoff = Math.min(BACKOFF_MAX_MS, state.backoff * 2);
    setStatus('disconnected', `retry in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(connect, delay);
  };
}

function send(obj) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(obj));
}

function onFrame(f) {
  switch (f.type) {
    case 'hello':
      showHealth(f.health);
      showDeadLetterList(f.health.deadLetters.recent);
      break;
    case 'explanation':
      if (state.paused) return;
      state.count++;
      $('count').textContent = String(state.count);
      queueCard(f);
      break;
    case 'comparison': addComparison(f); break;
    case 'dead-letter': addDeadLetter(f, true); break;
    case 'health': showHealth(f); break;
    case 'stats':
      $('dropped').textContent = String(f.dropped);
      $('skipped').textContent = String(f.skipped);
      break;
    case 'ack': onAck(f); break;
    default: break;
  }
}

// ---------- filters and pause ----------

const FILTERS = [['model', 'filter-model', 'models'], ['method', 'filter-method', 'methods'], ['engine', 'filter-engine', 'engines']];

function currentFilter() {
  const f = {};
  for (const [key, id] of FILTERS) f[key] = $(id).value || null;
  return f;
}

function sendFilter() {
  $('filter-status').textContent = 'applying filter…';
  $('filter-status').dataset.applied = '';
  send({ type: 'filter', ...currentFilter() });
}

function describeFilter(f) {
  const parts = FILTERS.filter(([key]) => f[key]).map(([key]) => `${key}=${f[key]}`);
  return parts.length ? parts.join(' ') : 'all maps';
}

function onAck(f) {
  if (f.what === 'filter') {
    $('filter-status').textContent = describeFilter(f.value);
    $('filter-status').dataset.applied = describeFilter(f.value);
  } else if (f.what === 'pause') {
    $('pause').dataset.applied = String(f.value);
  }
}

function updateCatalog(catalog) {
  for (const [, id, listName] of FILTERS) {
    const select = $(id);
    const known = new Set([...select.options].map((o) => o.value));
    for (const value of catalog[listName] || []) {
      if (!known.has(value)) select.add(new Option(value, value));
    }
  }
}

for (const [, id] of FILTERS) {
  $(id).addEventListener('change', () => {
    // Cards of the old selection would mislead: start the grid afresh.
    state.pending = [];
    $('grid').replaceChildren();
    $('grid-empty').hidden = false;
    sendFilter();
  });
}

$('pause').addEventListener('click', () => {
  state.paused = !state.paused;
  $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  $('pause').classList.toggle('active', state.paused);
  send({ type: 'pause', paused: state.paused });
});

// ---------- cards ----------

function queueCard(f) {
  state.pending.push(f);
  if (state.pending.length > MAX_CARDS) state.pending.splice(0, state.pending.length - MAX_CARDS);
  if (!state.flushScheduled) {
    state.flushScheduled = true;
    // Render once per animation frame however many maps arrived; the timeout covers hidden tabs.
    const flush = () => { if (state.flushScheduled) flushCards(); };
    requestAnimationFrame(flush);
    setTimeout(flush, 250);
  }
}

function flushCards() {
  state.flushScheduled = false;
  const grid = $('grid');
  for (const f of state.pending) grid.prepend(makeCard(f));
  state.pending = [];
  while (grid.children.length > MAX_CARDS) grid.lastChild.remove();
  $('grid-empty').hidden = grid.children.length > 0;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text; // always text, never HTML: the data comes from outside
  return e;
}

const fmt = (v, digits = 3) => (v === null || v === undefined ? 'n/a' : Number(v).toPrecision(digits));
const ms = (v) => (v === null || v === undefined ? 'n/a' : `${plain(Number(v))} ms`);

function targetText(f) {
  const label = f.targetLabel ? `${f.targetLabel} (${f.target})` : `class ${f.target}`;
  return `${label} · logit ${fmt(f.logit, 4)}`;
}

function makeCard(f) {
  const card = el('div', 'card');
  card.tabIndex = 0;
  card.dataset.model = f.modelId;
  card.dataset.method = f.method;
  card.dataset.engine = f.engine;
  card.dataset.eventId = f.eventId;
  const canvas = el('canvas', `map ${f.view.kind}`);
  canvas.dataset.mode = state.overlay ? 'overlay' : 'heat';
  draw(canvas, f.view, canvas.dataset.mode);
  card.view = f.view;
  card.append(canvas,
    el('div', 'model', `${f.modelId}:${f.modelVersion}`),
    el('div', 'method', f.method),
    el('div', `engine ${f.engine}`, `${f.engine} · ${f.device}`),
    el('div', 'target', targetText(f)),
    el('div', 'latency', `${ms(f.latencyMillis)} (queued ${ms(f.queuedMillis)})`));
  card.title = `event ${f.eventId}`;
  card.addEventListener('click', () => openDetail(f));
  card.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDetail(f); });
  return card;
}

// ---------- detail view ----------

function openDetail(f) {
  $('detail-title').textContent = `${f.modelId}:${f.modelVersion} · ${f.method} · ${f.engine}`;
  $('detail-meta').textContent = `event ${f.eventId} · ${targetText(f)} · shape [${f.inputShape.join(', ')}] ${f.layout}`
    + ` · ${ms(f.computeMillis)} compute, ${ms(f.queuedMillis)} queued`
    + (f.view.downsample ? ` · shown downsampled ×${[].concat(f.view.downsample).join('×')}` : '');
  draw($('detail-input'), f.view, 'input', 512, 256);
  draw($('detail-heat'), f.view, 'heat', 512, 256);
  draw($('detail-overlay'), f.view, 'overlay', 512, 256);
  drawColorbar($('colorbar'));
  // Colours are normalised symmetric by max|R| of what is drawn; the raw range is the map's own.
  const scale = f.view.relevanceMaxAbs;
  $('colorbar-min').textContent = fmt(-scale, 3);
  $('colorbar-max').textContent = fmt(scale, 3);
  $('detail-range').textContent = `raw relevance: min ${fmt(f.min, 4)} · max ${fmt(f.max, 4)} · sum ${fmt(f.sum, 4)}`
    + ` · positive share ${f.sharePositive === null ? 'n/a' : `${(100 * f.sharePositive).toFixed(1)} %`}`
    + ` · input range [${fmt(f.view.inputMin, 3)}, ${fmt(f.view.inputMax, 3)}]`;
  $('detail').hidden = false;
}

function closeDetail() { $('detail').hidden = true; }
$('detail-close').addEventListener('click', closeDetail);
$('detail').addEventListener('click', (e) => { if (e.target === $('detail')) closeDetail(); });
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeDetail(); });

// ---------- comparisons ----------

function addComparison(f) {
  const box = el('div', 'comparison');
  box.dataset.eventId = f.eventId;
  box.dataset.r = f.pearson === null ? '' : String(f.pearson);
  box.append(el('div', 'title', `${f.modelId} · ${f.method} · event ${f.eventId}`));
  const pair = el('div', 'pair');
  for (const side of [f.left, f.right]) {
    const fig = el('figure');
    const canvas = el('canvas', `map ${side.view.kind}`);
    draw(canvas, side.view, 'overlay');
    fig.append(canvas, el('figcaption', `engine ${side.engine}`, `${side.engine} · ${ms(side.latencyMillis)}`));
    fig.addEventListener('click', () => openDetail(side));
    pair.append(fig);
  }
  box.append(pair);
  const figures = el('div', 'figures');
  figures.append(el('span', 'r', `r = ${f.pearson === null ? 'n/a' : f.pearson.toFixed(4)}`),
    el('span', 'diff', `max|Δ| = ${fmt(f.maxAbsDiff, 3)}`));
  if (f.problem) figures.append(el('span', 'problem', f.problem));
  box.append(figures);
  const list = $('comparisons');
  list.prepend(box);
  while (list.children.length > MAX_COMPARISONS) list.lastChild.remove();
  $('comparisons-empty').hidden = true;
}

// ---------- dead letters ----------

function addDeadLetter(d, fresh) {
  const li = el('li', 'dead-letter');
  li.dataset.code = d.errorCode;
  li.append(el('span', 'code', d.errorCode), el('span', 'reason', d.reason));
  const where = [d.modelId, d.method].filter(Boolean).join(' · ');
  li.append(el('span', 'where muted',
    `${where ? `${where} · ` : ''}${d.sourceTopic}[${d.partition}]@${d.offset} · ${new Date(d.timeMillis).toLocaleTimeString()}`));
  const list = $('dead-letters');
  if (fresh) list.prepend(li); else list.append(li);
  while (list.children.length > MAX_DEAD_LETTERS) list.lastChild.remove();
}

function showDeadLetterList(recent) {
  $('dead-letters').replaceChildren();
  for (const d of recent) addDeadLetter(d, false);
}

// ---------- health ----------

function showHealth(h) {
  updateCatalog(h.catalog);
  $('health-summary').textContent = `${h.explanations} maps · ${h.comparisons} comparisons · `
    + `${h.invalidMessages} invalid messages · ${h.clients ? h.clients.length : 0} pages connected · window ${h.windowSeconds} s`;
  const body = $('health').tBodies[0];
  body.replaceChildren();
  for (const row of h.models) {
    const tr = el('tr');
    tr.dataset.model = row.model;
    tr.dataset.method = row.method;
    const model = el('td', 'clip', row.model);
    model.title = row.model;
    const method = el('td', 'clip', row.method);
    method.title = row.method;
    tr.append(model, method, el('td', 'num', plain(row.eventsPerSecond)),
      el('td', 'num', plain(row.p50Millis)), el('td', 'num', plain(row.p95Millis)), el('td', 'num', String(row.count)));
    body.append(tr);
  }
  recordCharts(h);
  const dl = h.deadLetters;
  $('dead-letter-total').textContent = dl.total ? `(${dl.total})` : '';
  const codes = $('dead-letter-codes');
  codes.replaceChildren();
  for (const [code, n] of Object.entries(dl.byCode)) {
    const chip = el('span', 'chip', `${code} ${n}`);
    chip.dataset.code = code;
    codes.append(chip);
  }
}

// ---------- throughput and latency over time ----------

function recordCharts(h) {
  const now = Date.now();
  const rate = h.models.reduce((s, r) => s + r.eventsPerSecond, 0);
  const worst = h.models.reduce((m, r) => (Number.isFinite(r.p95Millis) ? Math.max(m, r.p95Millis) : m), -Infinity);
  const p95 = Number.isFinite(worst) ? worst : NaN;
  state.throughput.push({ x: now, y: rate });
  state.latency.push({ x: now, y: p95 });
  for (const series of [state.throughput, state.latency]) {
    if (series.length > CHART_POINTS) series.splice(0, series.length - CHART_POINTS);
  }
  lineChart($('chart-throughput'), state.throughput, { colour: '#1b7837' });
  lineChart($('chart-latency'), state.latency, { colour: '#762a83' });
  $('throughput-now').textContent = `· now ${plain(rate)}`;
  $('latency-now').textContent = Number.isFinite(p95) ? `· now ${plain(p95)}` : '';
}

// ---------- overlay toggle, legend, tabs ----------

$('overlay-toggle').addEventListener('change', () => {
  state.overlay = $('overlay-toggle').checked;
  for (const card of $('grid').children) {
    const canvas = card.querySelector('canvas');
    canvas.dataset.mode = state.overlay ? 'overlay' : 'heat';
    draw(canvas, card.view, canvas.dataset.mode);
  }
});
drawColorbar($('legend'));

for (const tab of document.querySelectorAll('.tabs button')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll('.tabs button')) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      $(other.dataset.view).hidden = !selected;
    }
  });
}

connect();
startMonitoring();
