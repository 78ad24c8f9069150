// The import page (/import, planners and admins): upload a foreign file, read its layers and
// fields with a proposed mapping, edit the mapping, preview the mapped features on the map (a dry
// run: the report says what would be inserted and updated), then import in the background with a
// progress bar fed by the job the database holds (docs/import.md).
import {el, toast} from './util.js';
import {renderAccount, sendJSON} from './account.js';
import {errorText, getJSON} from './api.js';
import {known, t} from './msg.js';

let job = null;
let map = null;
let layers = [];
let format = '';

function message(text, error = false) {
  const box = document.getElementById('message');
  box.textContent = text;
  box.classList.toggle('error', error);
  box.hidden = !text;
}

async function upload(ev) {
  ev.preventDefault();
  const file = document.getElementById('file').files[0];
  if (!file) { message(t('import.nofile'), true); return; }
  if (file.size > 8 * 1024 * 1024) { message(t('import.toolarge'), true); return; }
  message(t('import.detecting'));
  for (const id of ['fields-card', 'mapping-card', 'preview-card', 'run-card']) document.getElementById(id).hidden = true;
  try {
    const up = await sendJSON('POST', `/api/v1/imports?name=${encodeURIComponent(file.name)}`, file);
    job = up.job;
    layers = up.layers;
    format = up.format;
    const select = document.getElementById('layer');
    select.replaceChildren(...layers.map((l) => el('option', {value: l.name, text: `${l.name}（${l.count} 条）`})));
    document.getElementById('layer-choice').hidden = layers.length < 2;
    showLayer(layers[0], {samples: layers[0].samples, proposal: up.proposal, why: up.why});
    message((up.notes || []).join('；'));
  } catch (err) {
    message(t('import.unreadable', errorText(err)), true);
  }
}

/** showLayer shows a layer's fields with sample values and the mapping proposed for it. */
function showLayer(layer, p) {
  document.getElementById('layer-info').textContent =
    `${known(`import.format.${format}`, format)} · 图层“${layer.name}”：${layer.geometry === 'None' ? '表格（无几何）' : known(`import.geometry.${layer.geometry}`, layer.geometry)}，${layer.count} 条，坐标系：${layer.crs === 'none given' ? '文件未说明' : layer.crs}` +
    (layers.length > 1 ? `（共 ${layers.length} 个图层，每次导入一个）` : '');
  document.querySelector('#fields tbody').replaceChildren(...layer.fields.map((f) =>
    el('tr', {}, el('td', {text: f}), el('td', {text: ((p.samples || {})[f] || []).join(' | ')}))));
  document.getElementById('why').replaceChildren(...(p.why || []).map((w) => el('li', {text: w})));
  document.getElementById('mapping').value = p.proposal;
  syncProvisional();
  document.getElementById('fields-card').hidden = false;
  document.getElementById('mapping-card').hidden = false;
  document.getElementById('preview-card').hidden = true;
}

/** syncProvisional offers 聚类生成待核实小区 for a mapping of buildings, ticked when it says provisional: true. */
function syncProvisional() {
  const text = document.getElementById('mapping').value;
  document.getElementById('provisional-choice').hidden = !/^layer:\s*buildings\s*$/m.test(text);
  document.getElementById('provisional').checked = /^provisional:\s*true\s*$/m.test(text);
}

/** toggleProvisional writes the box's state into the mapping (provisional: true, docs/import.md). */
function toggleProvisional() {
  const box = document.getElementById('mapping');
  const text = box.value.replace(/^provisional:.*(\n|$)/m, '');
  box.value = document.getElementById('provisional').checked ? `${text.replace(/\n*$/, '\n')}provisional: true\n` : text;
}

async function chooseLayer() {
  const name = document.getElementById('layer').value;
  message(t('import.layers'));
  try {
    const p = await sendJSON('POST', `/api/v1/imports/${job.id}/propose`, {layer: name});
    showLayer(layers.find((l) => l.name === name), p);
    message('');
  } catch (err) {
    message(t('import.layers.failed', errorText(err)), true);
  }
}

async function preview() {
  message(t('import.previewing'));
  document.getElementById('run-card').hidden = true;
  try {
    const pv = await sendJSON('POST', `/api/v1/imports/${job.id}/preview`, {mapping: document.getElementById('mapping').value});
    document.getElementById('crs').textContent = `坐标：${pv.crs}`;
    document.getElementById('report').textContent = `将导入 ${pv.count} 条：\n${pv.report}` +
      (pv.unmatched && pv.unmatched.length ? `\n未匹配（不会导入）：\n${pv.unmatched.join('\n')}` : '');
    document.getElementById('preview-card').hidden = false;
    showOnMap(pv.features);
    message('');
  } catch (err) {
    document.getElementById('preview-card').hidden = true;
    message(t('import.preview.failed', errorText(err)), true);
  }
}

function showOnMap(fc) {
  const bounds = new maplibregl.LngLatBounds();
  const extend = (c) => (typeof c[0] === 'number' ? bounds.extend(c) : c.forEach(extend));
  fc.features.forEach((f) => f.geometry && extend(f.geometry.coordinates));
  if (!map) {
    map = new maplibregl.Map({
      container: 'map', style: `${location.origin}/tiles/style.json`, center: [124.35, 43.165], zoom: 13,
      attributionControl: false, dragRotate: false,
    });
    map.on('error', (e) => console.warn('map', e.error && e.error.message));
    window.renewmap = {map}; // for the browser test
  }
  const draw = () => {
    const src = map.getSource('preview');
    if (src) { src.setData(fc); } else {
      map.addSource('preview', {type: 'geojson', data: fc});
      map.addLayer({id: 'preview-fill', type: 'fill', source: 'preview', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: {'fill-color': '#e4572e', 'fill-opacity': 0.45}});
      map.addLayer({id: 'preview-line', type: 'line', source: 'preview', filter: ['==', ['geometry-type'], 'LineString'],
        paint: {'line-color': '#e4572e', 'line-width': 3}});
      map.addLayer({id: 'preview-point', type: 'circle', source: 'preview', filter: ['==', ['geometry-type'], 'Point'],
        paint: {'circle-color': '#e4572e', 'circle-radius': 6}});
    }
    if (!bounds.isEmpty()) map.fitBounds(bounds, {padding: 40, maxZoom: 17, duration: 0});
  };
  if (map.isStyleLoaded()) draw(); else map.once('load', draw);
}

async function run() {
  document.getElementById('run').disabled = true;
  document.getElementById('run-card').hidden = false;
  try {
    let j = await sendJSON('POST', `/api/v1/imports/${job.id}/run`, {mapping: document.getElementById('mapping').value});
    while (j.state === 'running') {
      progress(j);
      await new Promise((r) => setTimeout(r, 400));
      j = await getJSON(`/api/v1/imports/${job.id}`);
    }
    progress(j);
    document.getElementById('notes').textContent = j.message;
    if (j.state === 'done') { message(t('import.done')); toast(t('import.done')); }
    else if (j.state === 'pending') message(t('import.pending'));
    else message(j.message, true);
  } catch (err) {
    message(t('import.failed', errorText(err)), true);
  }
}

function progress(j) {
  const bar = document.getElementById('progress');
  bar.max = Math.max(j.total, 1);
  bar.value = j.state === 'done' ? bar.max : j.done;
  const states = {running: '导入中', done: '已完成', failed: '失败', uploaded: '等待', pending: '等待审批'};
  // total is twice the features: reading them, then writing them.
  const pct = j.total ? Math.round((100 * (j.state === 'done' ? j.total : j.done)) / j.total) : 0;
  document.getElementById('progress-text').textContent = `${states[j.state] || j.state} ${pct}%`;
}

renderAccount(document.getElementById('account'));
document.getElementById('upload-form').addEventListener('submit', upload);
document.getElementById('preview').addEventListener('click', preview);
document.getElementById('layer').addEventListener('change', chooseLayer);
document.getElementById('run').addEventListener('click', run);
document.getElementById('mapping').addEventListener('input', syncProvisional);
document.getElementById('provisional').addEventListener('change', toggleProvisional);
