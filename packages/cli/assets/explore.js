// The explore page: asks the idxflow server for the grid whenever a control moves (one request
// in flight; changes meanwhile are folded into the next), paints it, and shows one sample's
// draws and the statistics on request. No framework, nothing fetched but this server's answers.
import { buildControls, markBad } from './explore-controls.js';
import { cellOrigin, paintField, paintGrid, paintHistogram, paintImage } from './explore-draw.js';

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const headers = token ? { authorization: `Bearer ${token}` } : {};

/** What the page exposes for measurement: redraw latencies (ms) and the grid shown. */
const explore = { latencies: [], version: 0, grid: undefined, sample: undefined, stats: undefined, cellOrigin };
window.explore = explore;

/** GET an endpoint with the page's settings; resolves with the response, throws its error message. */
async function get(path, extra = {}, signal) {
  const response = await fetch(`${path}?${new URLSearchParams([...settings(), ...Object.entries(extra)])}`, { headers, signal });
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error ?? `${response.status} ${response.statusText}`);
  return response;
}

let flagsOf = () => [];
/** The settings as query parameters: data, seed, epoch, then the augmentation flags. */
function settings() {
  const pairs = [['split', $('split').value], ['seed', $('seed').value], ['epoch', $('epoch').value], ['rows', $('rows').value], ['draws', $('draws').value]];
  if (!$('dataset').disabled) pairs.push(['dataset', $('dataset').value]);
  if ($('label').value !== '') pairs.push(['label', $('label').value]);
  if ($('indices').value.trim() !== '') pairs.push(['indices', $('indices').value.trim()]);
  else pairs.push(['skip', String(skip)]);
  return [...pairs, ...flagsOf()];
}

let skip = 0;
let dirtySince = null; // when the oldest change not yet asked for happened
let inFlight = false;
let selected; // { row, col } of the clicked cell

function showError(error) {
  $('status').textContent = error.message;
  $('status').classList.add('error');
  markBad($('controls'), error.message);
}

/** A change: ask for the grid now, or as soon as the request in flight is answered. */
function changed() {
  dirtySince ??= performance.now();
  void pump();
}

async function pump() {
  if (inFlight || dirtySince === null) return;
  const since = dirtySince;
  dirtySince = null;
  inFlight = true;
  try {
    const response = await get('/api/grid');
    const server = Number(/dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1]);
    const body = new DataView(await response.arrayBuffer());
    const length = body.getUint32(0, true);
    const grid = JSON.parse(new TextDecoder().decode(new Uint8Array(body.buffer, 4, length)));
    paintGrid($('grid'), grid, new Uint8Array(body.buffer, 4 + length));
    const drawn = performance.now() - since;
    await new Promise((resolve) => requestAnimationFrame(resolve)); // the frame that shows it
    explore.latencies.push({ drawn, painted: performance.now() - since, server });
    explore.grid = grid;
    showGrid(grid, drawn);
    explore.version++;
  } catch (error) {
    showError(error);
  } finally {
    inFlight = false;
  }
  if (dirtySince !== null) void pump();
  else scheduleStats();
}

function showGrid(grid, ms) {
  $('status').textContent = `${grid.rows} × ${grid.cols - 1} draws of ${grid.total} samples (seed ${grid.seed}), drawn in ${ms.toFixed(0)} ms`;
  $('status').classList.remove('error');
  markBad($('controls'), '');
  $('epochs').textContent = `${grid.epoch} to ${grid.epoch + grid.cols - 2}`;
  $('command').textContent = grid.command;
  $('command-note').textContent = `Draw j (from 0) of the row of sample i is image (${grid.epoch} + j) × ${grid.total} + i of the file it writes.`;
  $('code').textContent = grid.code;
  if (selected && selected.row < grid.rows && selected.col < grid.cols) void showSample(selected);
  else select(undefined);
}

function select(cell) {
  selected = cell;
  $('selection').hidden = !cell;
  if (!cell) return;
  const origin = cellOrigin(explore.grid, cell.row, cell.col);
  Object.assign($('selection').style, { left: `${origin.x}px`, top: `${origin.y}px`, width: `${origin.width}px`, height: `${origin.height}px` });
}

const number = (v, digits = 3) => (v === undefined || v === null ? 'off' : Number(v.toFixed(digits)).toString());

let sampleAsked = 0;
/** The table rows of a policy's draws (policyDraws()): each chain's ops with their magnitudes, AugMix's weights. */
function policyRows(p) {
  const op = (s) => `${s.op}${s.bin === null ? '' : `(${number(s.magnitude)})`}${s.applied ? '' : ' (not applied)'}`;
  const rows = p.chains.map((chain, c) => [p.chains.length > 1 ? `${p.kind} chain ${c + 1}` : p.kind, chain.map(op).join(', ') || 'none']);
  if (p.subPolicy !== undefined) rows.unshift([`${p.kind} sub-policy`, String(p.subPolicy)]);
  if (p.mix) rows.push([`${p.kind} weights`, [p.mix.original, ...p.mix.weights].map((w) => number(w)).join(', ')]);
  return rows;
}

async function showSample(cell) {
  select(cell);
  const grid = explore.grid;
  const index = grid.indices[cell.row];
  const at = grid.epoch + cell.col - 1;
  const asked = ++sampleAsked;
  try {
    const sample = await (await get('/api/sample', { index, at })).json();
    if (asked !== sampleAsked) return; // a newer click or grid asked since
    explore.sample = sample;
    const d = sample.draws;
    $('sample-title').textContent = `sample ${index} (label ${sample.label}), epoch ${at}${cell.col === 0 ? ' (source shown in the grid)' : ''}`;
    paintImage($('sample-image'), sample.pixels, sample.width, sample.height);
    const longest = paintField($('sample-field'), d.elastic, sample.width, sample.height);
    $('field-note').textContent = d.elastic ? `elastic field: hue the direction, brightness the length (longest ${longest.toFixed(2)} px); arrows to scale` : 'no elastic field for this draw';
    const rows = [
      ['angle', `${number(d.angle)}°`], ['shift', `${number(d.shiftX)}, ${number(d.shiftY)} px`], ['scale', number(d.scale)],
      ['resized crop', d.resizedCrop ? `${d.resizedCrop.height} × ${d.resizedCrop.width} at (${d.resizedCrop.top}, ${d.resizedCrop.left})` : 'none'],
      ['perspective', d.perspective ? `corners to ${d.perspective.end.map((c) => `(${c.join(', ')})`).join(' ')}${d.perspective.coefficients ? '' : ' (singular: not applied)'}` : 'none'],
      ['shear x, y', `${number(d.shear)}°, ${number(d.shearY)}°`], ['flips', [d.flipHorizontal && 'left-right', d.flipVertical && 'top-bottom'].filter(Boolean).join(', ') || 'none'],
      ['thickness', `${number(d.thickness)} px`], ['brightness', number(d.brightness)], ['contrast', number(d.contrast)], ['gamma', number(d.gamma)],
      ['blur', d.blur ? `${d.blur.kernelSize.join(' × ')}, sigma ${number(d.blur.sigma)}` : 'none'], ['sharpness', number(d.sharpness)],
      ['posterize', d.posterize === undefined ? 'none' : `${d.posterize} bits`], ['solarize', number(d.solarize)],
      ['autocontrast, equalize, invert', [d.autocontrast && 'autocontrast', d.equalize && 'equalize', d.invert && 'invert'].filter(Boolean).join(', ') || 'none'],
      ['noise', number(d.noise)], ['erased', d.erase ? `${d.erase.height} × ${d.erase.width} at (${d.erase.top}, ${d.erase.left})` : 'none'],
      ['matrix', d.matrix.map((v) => number(v)).join(', ')],
      ['resampling', d.projective ? `one projective map: ${d.projective.map((v) => number(v)).join(', ')}` : d.resampling],
      ...(d.policy ? policyRows(d.policy) : []),
      ...(d.corruption ? [['corruption', d.corruption.severity === null ? d.corruption.name : `${d.corruption.name}, severity ${d.corruption.severity}`]] : []),
    ];
    $('sample-draws').replaceChildren(...rows.map((cells) => {
      const row = document.createElement('tr');
      row.append(...cells.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
      return row;
    }));
    $('sample-command').textContent = sample.command;
    $('sample-note').textContent = `It writes one part of the export; this sample is image ${sample.offset} of its images file.`;
    $('sample').dataset.shown = `${explore.version} ${cell.row} ${cell.col}`;
  } catch (error) {
    showError(error);
  }
}

let statsTimer;
let statsAbort;
/** Statistics a moment after the grid settles (they take longer, and are abandoned when it changes). */
function scheduleStats() {
  clearTimeout(statsTimer);
  statsAbort?.abort();
  explore.stats = undefined; // those shown are of older settings
  statsTimer = setTimeout(async () => {
    statsAbort = new AbortController();
    try {
      const stats = await (await get('/api/stats', { samples: 2000 }, statsAbort.signal)).json();
      explore.stats = stats;
      $('stats-title').textContent = `${stats.samples} samples at epoch ${$('epoch').value}`;
      paintImage($('stats-mean'), stats.mean, stats.width, stats.height);
      $('stats-outside').textContent = `${(stats.outside * 100).toFixed(2)} % of the ink`;
      paintHistogram($('stats-angles'), stats.angles, stats.samples);
    } catch (error) {
      if (error.name !== 'AbortError') showError(error);
    }
  }, 300);
}

$('grid').addEventListener('click', (event) => {
  const grid = explore.grid;
  if (!grid) return;
  for (let row = 0; row < grid.rows; row++) {
    for (let col = 0; col < grid.cols; col++) {
      const o = cellOrigin(grid, row, col);
      if (event.offsetX >= o.x && event.offsetX < o.x + o.width && event.offsetY >= o.y && event.offsetY < o.y + o.height) return void showSample({ row, col });
    }
  }
});
for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', () => {
    const text = $(button.dataset.copy).textContent;
    navigator.clipboard?.writeText(text).then(() => (button.textContent = 'copied'), () => getSelection().selectAllChildren($(button.dataset.copy)));
  });
}
$('next').addEventListener('click', () => {
  skip += Math.ceil(Number($('rows').value) / ($('label').value === '' ? 10 : 1));
  changed();
});
for (const id of ['dataset', 'split', 'label', 'indices', 'rows', 'draws', 'seed', 'epoch']) {
  $(id).addEventListener('input', () => {
    if (id !== 'seed' && id !== 'epoch') skip = 0;
    changed();
  });
}

const answer = await fetch('/api/info', { headers });
const info = await answer.json();
if (!answer.ok) throw showError(new Error(info.error));
for (const name of info.datasets.length > 0 ? info.datasets : [info.source]) $('dataset').add(new Option(name, name));
$('dataset').value = info.datasets.length > 0 ? info.dataset : info.source;
$('dataset').disabled = info.datasets.length === 0;
$('split').value = info.split;
$('seed').value = String(info.seed);
for (let label = 0; label < 10; label++) $('label').add(new Option(String(label), String(label)));
flagsOf = buildControls($('controls'), info.flags, changed, info.corruptions);
changed();
