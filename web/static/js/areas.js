// The 片区 planning page (GET /areas): its own MapLibre map with the service's style, and tools
// to suggest areas (clusters of old communities), adjust and save them, site facilities on
// candidate sites (greedy maximal covering) and hand the choice to the what-if API, read the
// parking gap and the dig-once list. DOM is built with textContent only (util.el).
import {el, getJSON, toast, formatNumber, refreshTiles} from './util.js';
import {renderAccount, sendJSON, whoami} from './account.js';
import {errorText, codeLists} from './api.js';
import {addExport} from './tables.js';
import {t} from './msg.js';

const maplibregl = window.maplibregl;
const origin = window.location.origin;
const $ = (id) => document.getElementById(id);
const EMPTY = {type: 'FeatureCollection', features: []};
const num = (n) => formatNumber(n);
// Style groups the page keeps visible (see tiles/style.json metadata renewmap:group).
const KEEP_GROUPS = new Set(['base', 'communities', 'roads', 'areas', 'candidate_sites', 'buildings']);

const app = {map: null, labels: {}, me: null, suggestions: [], saved: [], edit: null, siting: null, dig: null, errors: []};
window.renewmap = app;

function setStatus(id, text, error = false) {
  const box = $(id);
  box.textContent = text;
  box.classList.toggle('error', error);
}

function batchName(code) { return code === 'none' ? t('batch.none') : (app.labels.batch?.[code] || code); }
function kindName(code) { return app.labels.facility_kind?.[code] || code; }
function mix(obj, name) {
  return Object.entries(obj || {}).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${name(k)}${n}`).join('、');
}

// ---- tabs
// tabSources: the map sources a tab draws, shown only while that tab is open (the siting
// markers do not linger over the 停车缺口 table).
const tabSources = {'p-siting': 'sites', 'p-dig': 'dig'};

function initTabs() {
  const tabs = [...document.querySelectorAll('.tabs button')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      for (const other of tabs) {
        const on = other === tab;
        other.setAttribute('aria-selected', String(on));
        $(other.dataset.panel).hidden = !on;
      }
      const style = app.map?.getStyle();
      for (const [panel, source] of Object.entries(tabSources)) {
        for (const l of style?.layers || []) {
          if (l.source === source) app.map.setLayoutProperty(l.id, 'visibility', panel === tab.dataset.panel ? 'visible' : 'none');
        }
      }
    });
  }
}

// ---- map
function initMap() {
  const map = new maplibregl.Map({
    container: 'map', style: `${origin}/tiles/style.json`, center: [124.35, 43.165], zoom: 13.2,
    minZoom: 9, maxZoom: 19, attributionControl: false, dragRotate: false, pitchWithRotate: false,
    locale: {'NavigationControl.ZoomIn': '放大', 'NavigationControl.ZoomOut': '缩小', 'ScaleControl.Meters': '米',
      'ScaleControl.Kilometers': '公里', 'Popup.Close': '关闭', 'Map.Title': '地图'},
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-right');
  map.addControl(new maplibregl.ScaleControl({maxWidth: 120, unit: 'metric'}), 'bottom-right');
  map.on('error', (ev) => {
    const msg = ev?.error?.message || String(ev?.error || ev);
    app.errors.push(msg);
    console.error('map error:', msg);
  });
  app.map = map;
  return new Promise((resolve) => map.once('load', () => {
    // Only what planning needs from the base style: the analysis overlays of the main map
    // (circles, coverage, goals, pipelines, …) would drown the areas.
    for (const l of map.getStyle().layers) {
      if (!KEEP_GROUPS.has(l.metadata?.['renewmap:group'])) map.setLayoutProperty(l.id, 'visibility', 'none');
    }
    // The planning overlays sit under the labels of the base style.
    const before = map.getLayer('roads-label') ? 'roads-label' : undefined;
    map.addSource('suggest', {type: 'geojson', data: EMPTY});
    map.addSource('dig', {type: 'geojson', data: EMPTY});
    map.addSource('sites', {type: 'geojson', data: EMPTY});
    map.addLayer({id: 'suggest-fill', type: 'fill', source: 'suggest',
      paint: {'fill-color': ['case', ['get', 'active'], '#c51b7d', '#e7a1c9'], 'fill-opacity': ['case', ['get', 'active'], 0.28, 0.14]}}, before);
    map.addLayer({id: 'suggest-line', type: 'line', source: 'suggest',
      paint: {'line-color': '#c51b7d', 'line-width': ['case', ['get', 'active'], 3, 1.5]}}, before);
    map.addLayer({id: 'suggest-label', type: 'symbol', source: 'suggest',
      layout: {'text-field': ['get', 'label'], 'text-font': ['sans-serif'], 'text-size': 13},
      paint: {'text-color': '#7a0f4d', 'text-halo-color': '#fff', 'text-halo-width': 2}});
    map.on('mousemove', 'suggest-fill', (ev) => hoverSuggestion(ev.features?.[0]?.properties?.key ?? null));
    map.on('mouseleave', 'suggest-fill', () => hoverSuggestion(null));
    map.addLayer({id: 'members-line', type: 'line', source: 'renewmap', 'source-layer': 'communities',
      filter: ['in', ['id'], ['literal', []]], paint: {'line-color': '#0077cc', 'line-width': 3}}, before);
    map.addLayer({id: 'dig-line', type: 'line', source: 'dig', layout: {'line-cap': 'round'},
      paint: {'line-color': ['step', ['get', 'pipe_length_m'], '#fdae61', 200, '#f46d43', 500, '#a50026'],
        'line-width': ['interpolate', ['linear'], ['zoom'], 12, 4, 17, 10], 'line-opacity': 0.8}}, before);
    map.addLayer({id: 'sites-circle', type: 'circle', source: 'sites',
      paint: {'circle-radius': 11, 'circle-color': ['case', ['get', 'picked'], '#1b7837', '#8c96a0'],
        'circle-stroke-color': '#fff', 'circle-stroke-width': 2}});
    map.addLayer({id: 'sites-label', type: 'symbol', source: 'sites',
      layout: {'text-field': ['get', 'label'], 'text-font': ['sans-serif'], 'text-size': 12, 'text-allow-overlap': true},
      paint: {'text-color': '#fff'}});
    map.on('click', (ev) => onMapClick(ev));
    resolve();
  }));
}

function fitBBox(b) {
  if (Array.isArray(b) && b.length === 4 && b[0] < b[2]) {
    app.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 60, maxZoom: 16.5, duration: 600});
  }
}

function bboxOf(geom) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  if (geom) walk(geom.coordinates);
  return b;
}

// ---- suggestions
// drawSuggestions draws the suggested areas labelled with their key (as in the list); the one
// edited, and the one under the pointer (on the map or in the list), stand out.
function drawSuggestions() {
  const active = app.edit?.key;
  app.map.getSource('suggest').setData({type: 'FeatureCollection', features: app.suggestions.map((f) => ({
    type: 'Feature', geometry: f.geometry, properties: {key: f.properties.key, label: `${f.properties.key} · ${f.properties.totals.communities}个小区`,
      active: f.properties.key === active || f.properties.key === app.hover}}))});
}

function hoverSuggestion(key) {
  if (app.hover === key) return;
  app.hover = key;
  for (const li of $('suggestions').children) li.classList.toggle('hover', li.dataset.key === key);
  drawSuggestions();
}

async function runSuggest() {
  const q = new URLSearchParams({gap: $('gap').value, min: $('singles').checked ? '1' : '2'});
  if ($('batch').value) q.set('batch', $('batch').value);
  if ($('stage').value) q.set('stage', $('stage').value);
  setStatus('suggest-status', t('areas.suggest.running'));
  try {
    const fc = await getJSON(`/api/v1/areas/suggest?${q}`);
    app.suggestions = fc.features;
    drawSuggestions();
    const list = $('suggestions');
    list.replaceChildren();
    for (const f of fc.features) {
      const p = f.properties;
      const tot = p.totals;
      const li = el('li', {class: 'clickable', dataset: {key: p.key}},
        el('div', {class: 'card-title'}, el('span', {}, el('span', {class: 'badge', text: p.key}), ' ',
          p.members.slice(0, 3).map((m) => m.name).join('、') + (p.members.length > 3 ? ' 等' : '')),
        el('span', {text: `${tot.communities}个小区`})),
        el('div', {class: 'card-meta', text: `${num(tot.households)}户 · ${tot.buildings}栋 · ${num(tot.floor_area)}m² · 建成${tot.completed_from}–${tot.completed_to}年`}),
        el('div', {class: 'card-meta', text: `批次：${mix(tot.batches, batchName)}`}));
      li.addEventListener('click', () => startEdit(f));
      li.addEventListener('mouseenter', () => hoverSuggestion(p.key));
      li.addEventListener('mouseleave', () => hoverSuggestion(null));
      list.append(li);
    }
    setStatus('suggest-status', fc.features.length
      ? t('areas.suggest.done', fc.gap, fc.features.length)
      : t('areas.suggest.none'));
  } catch (err) {
    setStatus('suggest-status', t('areas.suggest.failed', errorText(err)), true);
  }
}

function startEdit(f) {
  const p = f.properties;
  app.edit = {key: p.key, members: new Map(p.members.map((m) => [m.id, m])), origin: 'suggested'};
  for (const li of $('suggestions').children) li.classList.toggle('active', li.dataset.key === p.key);
  $('editor').hidden = false;
  $('editor-key').textContent = p.key;
  $('area-name').value = '';
  renderEditor();
  drawSuggestions();
  fitBBox(bboxOf(f.geometry));
}

function renderEditor() {
  const e = app.edit;
  const ms = [...e.members.values()].sort((a, b) => a.id - b.id);
  const hh = ms.reduce((s, m) => s + (m.households || 0), 0);
  const facts = $('editor-totals');
  facts.replaceChildren(el('dt', {text: '小区'}), el('dd', {text: `${ms.length}个`}),
    el('dt', {text: '户数'}), el('dd', {text: num(hh)}));
  const list = $('editor-members');
  list.replaceChildren(...ms.map((m) => {
    const rm = el('button', {type: 'button', class: 'link-button', text: '移出'});
    rm.addEventListener('click', () => { e.members.delete(m.id); e.origin = 'saved'; renderEditor(); });
    return el('li', {}, el('span', {text: `${m.name}（${num(m.households || 0)}户）`}), rm);
  }));
  app.map.setFilter('members-line', ['in', ['id'], ['literal', ms.map((m) => m.id)]]);
}

// pickRoad selects the road of the 先里子后面子 list under a click: lines are hit within a few
// pixels either side, so a north–south road (a thin vertical line) is as easy to click as others.
function pickRoad(ev) {
  if ($('p-dig').hidden || !app.dig || !app.map.getLayer('dig-line')) return false;
  const {x, y} = ev.point;
  const hit = app.map.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], {layers: ['dig-line']})[0];
  if (!hit) return false;
  for (const li of $('dig-list').children) {
    const on = li.dataset.road === String(hit.properties.id);
    li.classList.toggle('active', on);
    if (on) li.scrollIntoView({block: 'nearest'});
  }
  return true;
}

function onMapClick(ev) {
  if (pickRoad(ev)) return;
  if (!app.edit || $('editor').hidden) return;
  const hits = app.map.queryRenderedFeatures(ev.point, {layers: ['communities-fill']});
  if (!hits.length) return;
  const f = hits[0];
  const id = Number(f.id);
  if (!id) return;
  if (app.edit.members.has(id)) app.edit.members.delete(id);
  else app.edit.members.set(id, {id, name: f.properties.name, households: f.properties.households});
  app.edit.origin = 'saved';
  renderEditor();
}

async function saveArea() {
  const name = $('area-name').value.trim();
  if (!name) { toast(t('area.name.missing')); return; }
  const members = [...app.edit.members.keys()];
  if (!members.length) { toast(t('area.members.missing')); return; }
  try {
    const a = await sendJSON('POST', '/api/v1/areas', {name, members, origin: app.edit.origin});
    toast(t('area.saved', a.name, a.code));
    refreshTiles(app.map);
    cancelEdit();
    await loadSaved();
    document.getElementById('tab-saved').click();
  } catch (err) {
    toast(t('save.failed', errorText(err)));
  }
}

function cancelEdit() {
  app.edit = null;
  $('editor').hidden = true;
  for (const li of $('suggestions').children) li.classList.remove('active');
  app.map.setFilter('members-line', ['in', ['id'], ['literal', []]]);
  drawSuggestions();
}

// ---- saved areas
async function loadSaved() {
  const {areas} = await getJSON('/api/v1/areas');
  app.saved = areas;
  const list = $('saved');
  list.replaceChildren();
  $('saved-empty').hidden = areas.length > 0;
  for (const a of areas) {
    const tot = a.totals;
    const actions = el('div', {class: 'card-actions'},
      el('a', {href: `/area-report?id=${encodeURIComponent(a.id)}`, class: 'report-link', text: '片区报告'}));
    const locate = el('button', {type: 'button', class: 'link-button', text: '定位'});
    locate.addEventListener('click', () => fitBBox(a.bbox));
    actions.append(locate);
    if (app.me?.may?.edit) {
      const del = el('button', {type: 'button', class: 'link-button', text: '删除'});
      del.addEventListener('click', async () => {
        if (!window.confirm(t('area.delete.confirm', a.name))) return;
        try {
          await sendJSON('DELETE', `/api/v1/areas/${a.id}`, undefined, {'If-Match': a.version});
          refreshTiles(app.map);
          await loadSaved();
        } catch (err) { toast(t('delete.failed', errorText(err))); }
      });
      actions.append(del);
    }
    list.append(el('li', {dataset: {id: a.id}},
      el('div', {class: 'card-title'}, el('span', {text: a.name}), el('span', {class: 'card-meta', text: a.code})),
      el('div', {class: 'card-meta', text: `${tot.communities}个小区 · ${num(tot.households)}户 · ${tot.buildings}栋 · ${a.members.map((m) => m.name).join('、')}`}),
      actions));
  }
  for (const id of ['siting-scope', 'parking-scope']) {
    const sel = $(id);
    const keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    for (const a of areas) sel.append(el('option', {value: a.id, text: `${a.name}（${a.code}）`}));
    sel.value = [...sel.options].some((o) => o.value === keep) ? keep : sel.value;
  }
}

// ---- siting
async function runSiting() {
  const kind = $('siting-kind').value;
  const q = new URLSearchParams({kind, k: $('siting-k').value || '3'});
  if ($('siting-scope').value) q.set('area', $('siting-scope').value);
  setStatus('siting-status', t('areas.computing'));
  $('whatif-box').hidden = true;
  $('whatif-result').replaceChildren();
  try {
    const r = await getJSON(`/api/v1/siting?${q}`);
    app.siting = r;
    const list = $('siting-picks');
    list.replaceChildren();
    for (const p of r.picks) {
      const s = p.site;
      const who = p.communities.slice(0, 4).map((c) => `${c.name}${c.households}户`).join('、');
      list.append(el('li', {class: 'pick', dataset: {site: s.id}},
        el('div', {class: 'card-title'}, el('span', {}, el('span', {class: 'badge rank', text: p.rank}), ' ', s.name),
          el('span', {text: `新增覆盖 ${num(p.newly_covered)}户`})),
        el('div', {class: 'card-meta', text: `${app.labels.site_origin?.[s.origin] || s.origin} · ${num(s.area_m2)}m² · 单独可覆盖${num(p.alone)}户 · 累计${num(p.cumulative)}户`}),
        who ? el('div', {class: 'card-meta', text: `惠及：${who}`}) : null));
    }
    const picked = new Set(r.picks.map((p) => p.site.id));
    const rankOf = new Map(r.picks.map((p) => [p.site.id, p.rank]));
    app.map.getSource('sites').setData({type: 'FeatureCollection', features: r.ranking.map((x) => ({
      type: 'Feature', geometry: {type: 'Point', coordinates: x.site.point},
      properties: {id: x.site.id, name: x.site.name, picked: picked.has(x.site.id), label: picked.has(x.site.id) ? String(rankOf.get(x.site.id)) : '',
        alone: x.alone}}))});
    const scope = r.scope.type === 'area' ? t('areas.scope.area', r.scope.name) : t('areas.scope.all');
    setStatus('siting-status', r.picks.length
      ? t('areas.siting.done', r.kind.name, r.kind.service_distance, scope, num(r.lacking_before), r.picks.length, num(r.covered), r.sites_considered)
      : t('areas.siting.none', r.kind.name, scope, r.sites_considered));
    if (r.picks.length) {
      $('whatif-box').hidden = false;
      const b = bboxOf({coordinates: r.picks.map((p) => p.site.point)});
      if (Number.isFinite(b[0])) fitBBox([b[0] - 0.004, b[1] - 0.003, b[2] + 0.004, b[3] + 0.003]);
    }
  } catch (err) {
    setStatus('siting-status', t('areas.siting.failed', errorText(err)), true);
  }
}

async function runWhatIf() {
  const box = $('whatif-result');
  box.replaceChildren(el('p', {text: '正在推演……'}));
  try {
    const r = await sendJSON('POST', '/api/v1/scenarios', app.siting.proposal);
    const k = (r.kinds || []).find((x) => x.kind === app.siting.kind.code);
    const items = [];
    if (k) {
      items.push(el('li', {text: `${k.name}覆盖率：${(k.share_before * 100).toFixed(1)}% → ${(k.share_after * 100).toFixed(1)}%（新增${num(k.newly_covered)}户）`}));
    }
    const closed = (r.communities || []).filter((c) => c.closed_gaps.length);
    if (closed.length) items.push(el('li', {text: `补齐配套缺口的小区：${closed.map((c) => c.name).join('、')}`}));
    box.replaceChildren(el('p', {text: '方案推演结果（未写入数据库）：'}), el('ul', {}, items));
  } catch (err) {
    box.replaceChildren(el('p', {class: 'status error', text: `推演失败：${errorText(err)}（方案推演接口不可用时仅显示选址结果）`}));
  }
}

// ---- parking
async function runParking() {
  const q = new URLSearchParams({ratio: $('ratio').value || '0.6'});
  if ($('parking-scope').value) q.set('area', $('parking-scope').value);
  setStatus('parking-status', t('areas.computing'));
  try {
    const r = await getJSON(`/api/v1/parking-gap?${q}`);
    const row = (name, g) => el('tr', {},
      el('td', {text: name}), el('td', {text: num(g.households)}), el('td', {text: num(g.spaces)}),
      el('td', {text: num(g.demand)}), el('td', {class: g.gap > 0 ? 'bad' : '', text: num(g.gap)}),
      el('td', {text: num(g.gap_full)}), el('td', {text: num(g.charger_gap)}));
    $('parking-table').tBodies[0].replaceChildren(...r.communities.map((g) => row(g.name, g)));
    $('parking-table').tFoot.replaceChildren(row('合计', r.total));
    setStatus('parking-status', t('areas.parking.done', r.ratio, Math.round(r.charger_share * 100), num(r.total.gap), num(r.total.charger_gap), r.total.spaces_per_100));
  } catch (err) {
    setStatus('parking-status', t('areas.parking.failed', errorText(err)), true);
  }
}

// ---- dig once
async function runDig() {
  const q = new URLSearchParams({from: $('dig-from').value, to: $('dig-to').value, buffer: $('dig-buffer').value || '5'});
  setStatus('dig-status', t('areas.dig.running'));
  try {
    const r = await getJSON(`/api/v1/dig-once?${q}`);
    app.dig = r;
    app.map.getSource('dig').setData({type: 'FeatureCollection', features: r.roads.map((x) => ({
      type: 'Feature', geometry: x.geometry, properties: {id: x.id, name: x.name, pipe_length_m: x.pipe_length_m}}))});
    const s = r.summary;
    const kinds = (ls) => ls.slice(0, 4).map((l) => `${app.labels.pipeline_kind?.[l.key] || l.key}${num(l.length_m)}m`).join('、');
    $('dig-summary').replaceChildren(
      el('dt', {text: '道路'}), el('dd', {text: `${s.roads}条，${num(s.road_length_m)}m`}),
      el('dt', {text: '待更新管线'}), el('dd', {text: `${num(s.pipe_length_m)}m`}),
      el('dt', {text: '按管线单位'}), el('dd', {text: s.by_operator.slice(0, 4).map((l) => `${l.key}${num(l.length_m)}m`).join('、') || '—'}));
    $('dig-list').replaceChildren(...r.roads.slice(0, 200).map((x) => {
      const li = el('li', {class: 'clickable', dataset: {road: String(x.id)}},
        el('div', {class: 'card-title'}, el('span', {text: x.name || x.code}), el('span', {text: `${x.resurface_year}年翻修`})),
        el('div', {class: 'card-meta', text: `道路${num(x.length_m)}m · 待更新管线${x.pipes.length}条 ${num(x.pipe_length_m)}m`}),
        el('div', {class: 'card-meta', text: kinds(x.by_kind)}));
      li.addEventListener('click', () => fitBBox(bboxOf(x.geometry)));
      return li;
    }));
    setStatus('dig-status', t('areas.dig.done', r.from, r.to, s.roads, r.buffer_m));
  } catch (err) {
    setStatus('dig-status', err.status === 403 ? t('pipes.forbidden') : t('areas.dig.failed', errorText(err)), true);
  }
}

function toggleDig() {
  const on = $('dig-layer').checked;
  for (const id of ['dig-line', 'dig_once-line']) {
    if (app.map.getLayer(id)) app.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }
}

// ---- start
async function start() {
  initTabs();
  renderAccount($('account'));
  if (!maplibregl) { toast(t('map.failed')); return; }
  const [labels, me] = await Promise.all([
    codeLists().catch((err) => { toast(t('labels.failed', errorText(err))); return {}; }),
    whoami(), initMap(),
  ]);
  app.labels = labels;
  app.me = me;
  for (const [code, name] of Object.entries(labels.batch || {})) $('batch').append(el('option', {value: code, text: name}));
  for (const [code, name] of Object.entries(labels.plan_stage || {})) $('stage').append(el('option', {value: code, text: name}));
  for (const [code, name] of Object.entries(labels.facility_kind || {})) $('siting-kind').append(el('option', {value: code, text: name}));
  if (labels.facility_kind?.elderly_day_care) $('siting-kind').value = 'elderly_day_care';
  const settings = await getJSON('/api/v1/planning/settings').catch(() => null);
  if (settings) {
    $('ratio').value = settings.settings.parking_ratio;
    $('dig-buffer').value = settings.settings.dig_once_buffer_m;
  }
  if (!me?.may?.edit) {
    $('save-area').disabled = true;
    $('save-note').textContent = t('areas.save.forbidden');
  }
  $('gap').addEventListener('input', () => { $('gap-value').textContent = $('gap').value; });
  $('suggest').addEventListener('click', runSuggest);
  $('save-area').addEventListener('click', saveArea);
  $('cancel-edit').addEventListener('click', cancelEdit);
  $('siting-run').addEventListener('click', runSiting);
  // 导出 Excel / CSV of the three tools' results.
  addExport($('parking-table').closest('.table-wrap'), '停车缺口', $('parking-table'));
  addExport($('siting-picks'), '设施选址', () => ({
    head: ['名次', '用地', '来源', '面积（m²）', '新增覆盖（户）', '单独可覆盖（户）', '累计覆盖（户）'],
    rows: (app.siting?.picks || []).map((p) => [String(p.rank), p.site.name, app.labels.site_origin?.[p.site.origin] || p.site.origin,
      num(p.site.area_m2), num(p.newly_covered), num(p.alone), num(p.cumulative)]),
  }));
  addExport($('dig-list'), '先里子后面子', () => ({
    head: ['道路', '翻修年份', '道路长度（m）', '待更新管线（条）', '待更新管线长度（m）'],
    rows: (app.dig?.roads || []).map((x) => [x.name || x.code, String(x.resurface_year), num(x.length_m), String(x.pipes.length), num(x.pipe_length_m)]),
  }));
  $('whatif').addEventListener('click', runWhatIf);
  $('parking-run').addEventListener('click', runParking);
  $('dig-run').addEventListener('click', runDig);
  $('dig-layer').addEventListener('change', toggleDig);
  app.map.on('mousemove', (ev) => {
    const hit = app.edit && !$('editor').hidden && app.map.queryRenderedFeatures(ev.point, {layers: ['communities-fill']}).length > 0;
    app.map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  await loadSaved().catch((err) => toast(t('areas.failed', errorText(err))));
  app.ready = true;
}

app.started = start();
