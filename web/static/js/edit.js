// Editing the map (planners and admins): draw and reshape community outlines, buildings, paths
// and roads, gates and facilities with terra-draw (vendored; globals terraDraw and
// terraDrawMaplibreGlAdapter), set their attributes in a form built from /api/v1/edit/schema and
// the code lists, save through /api/v1/edit/… with the feature's version (If-Match: a stale save
// is refused with a conflict message), browse a feature's history and restore an earlier state.
// The server validates with the importer's rules and joins a drawn path to the network itself;
// the snapping here only helps the eye (tile geometry is quantised).
import {el, getJSON, toast, refreshTiles} from './util.js';
import {sendJSON, whoami} from './account.js';
import {ApiError, errorText} from './api.js';
import {known, t} from './msg.js';

const LAYERS = {
  communities: {title: '小区轮廓', mode: 'polygon', hint: '依次点击轮廓的各个顶点，点击第一个顶点闭合。'},
  buildings: {title: '楼栋', mode: 'polygon', hint: '依次点击楼栋轮廓的各个顶点，点击第一个顶点闭合。'},
  roads: {title: '道路/步行道', mode: 'linestring', hint: '从已有道路的端点或顶点开始，依次点击，双击或再次点击最后一点结束；两端会自动连接到 5 米内的道路。'},
  gates: {title: '出入口', mode: 'point', hint: '在小区边界上点击出入口的位置。'},
  facilities: {title: '设施', mode: 'point', hint: '点击设施的位置。'},
};
const SNAP_PX = 12;

/**
 * call sends an editing request through the one fetch wrapper (sendJSON: the CSRF token, and
 * If-Match when version is given); it returns {ok, status, data} or, refused, {ok: false, status,
 * error} with the Chinese message, so that each action shows it its own way (a conflict with a
 * reload button).
 */
async function call(method, url, body, version) {
  try {
    const data = await sendJSON(method, url, body, version ? {'If-Match': version} : {});
    return {ok: true, status: data === null ? 204 : 200, data};
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return {ok: false, status: err.status, error: err.message};
  }
}

function start() {
  const app = window.renewmap;
  if (!app || !window.terraDraw || !window.terraDrawMaplibreGlAdapter) return;
  app.ready.then(async (ready) => {
    const who = await whoami();
    if (!who || !who.may.edit) return;
    const schema = await getJSON('/api/v1/edit/schema').catch((err) => { toast(t('edit.schema.failed', errorText(err))); return null; });
    ready.me = who;
    if (schema) app.edit = initEdit(ready, schema);
  });
}

function initEdit(app, schema) {
  const {map} = app;
  const TD = window.terraDraw;
  const snapToMap = (event) => snapToRendered(map, event);
  const draw = new TD.TerraDraw({
    adapter: new window.terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({map}),
    modes: [
      new TD.TerraDrawPolygonMode({snapping: {toCustom: snapToMap}}),
      new TD.TerraDrawLineStringMode({snapping: {toCustom: snapToMap}}),
      new TD.TerraDrawPointMode(),
      // The server judges validity (the importer's rules) and says what is wrong in Chinese.
      new TD.TerraDrawSelectMode({flags: {
        polygon: {feature: {selfIntersectable: true, coordinates: {draggable: true, midpoints: true, deletable: true, snappable: {toCustom: snapToMap}}}},
        linestring: {feature: {coordinates: {draggable: true, midpoints: true, deletable: true, snappable: {toCustom: snapToMap}}}},
        point: {feature: {draggable: true}},
      }}),
    ],
  });
  draw.start();
  draw.setMode('select');

  const state = {layer: 'communities', feature: null, drawId: null, picking: false, drawing: false, geometryChanged: false, history: []};
  const section = buildSection();
  const $ = (id) => section.querySelector(`#${id}`);
  document.getElementById('panel-body').prepend(section);

  draw.on('finish', (id, ctx) => {
    if (ctx && ctx.action === 'draw') {
      state.drawing = false;
      state.drawId = id;
      state.geometryChanged = true;
      draw.setMode('select');
      draw.selectFeature(id);
      setHint(t('edit.drawn'));
    } else if (id === state.drawId) {
      state.geometryChanged = true;
    }
  });
  draw.on('change', (ids, type) => {
    if (type === 'update' && ids.includes(state.drawId)) state.geometryChanged = true;
  });

  function buildSection() {
    const layerSelect = el('select', {id: 'edit-layer'},
      Object.entries(LAYERS).map(([k, v]) => el('option', {value: k, text: v.title})));
    return el('section', {class: 'section edit-section', id: 'edit-section', 'aria-labelledby': 'h-edit'},
      el('h2', {id: 'h-edit'}, '地图编辑', el('span', {class: 'count', text: '保存后写入数据库'})),
      el('label', {class: 'field', for: 'edit-layer'}, el('span', {class: 'field-label', text: '图层'}), layerSelect),
      el('div', {class: 'button-row'},
        el('button', {class: 'button', type: 'button', id: 'edit-new', 'aria-pressed': 'false', text: '新建', onclick: startNew}),
        el('button', {class: 'button', type: 'button', id: 'edit-pick', 'aria-pressed': 'false', text: '选择要素', onclick: startPick})),
      el('p', {class: 'note', id: 'edit-hint', text: '选择图层后点“新建”在地图上绘制，或点“选择要素”再点击地图上的要素进行修改。'}),
      el('div', {class: 'button-row'},
        el('button', {class: 'button', type: 'button', id: 'edit-proposals', 'aria-pressed': 'false', text: '推测小区轮廓', onclick: toggleProposals}),
        el('button', {class: 'button', type: 'button', id: 'edit-proposals-save', hidden: true, text: '全部保存为待核实', onclick: saveProposals})),
      el('p', {class: 'note', id: 'edit-proposals-note', hidden: true}),
      el('div', {class: 'edit-card', id: 'edit-card', hidden: true},
        el('h3', {class: 'sub-head', id: 'edit-title'}),
        el('p', {id: 'edit-provisional', class: 'note edit-provisional', hidden: true},
          el('span', {class: 'badge badge-demo', text: '待核实'}), ' 由道路街区或楼栋聚类推测的轮廓，确认前不作为围墙参与步行计算。'),
        el('form', {id: 'edit-form', class: 'edit-form', onsubmit: (ev) => { ev.preventDefault(); save(); }}),
        el('div', {class: 'button-row'},
          el('button', {class: 'button button-primary', type: 'button', id: 'edit-save', text: '保存', onclick: save}),
          el('button', {class: 'button', type: 'button', id: 'edit-cancel', text: '取消', onclick: reset}),
          el('button', {class: 'button', type: 'button', id: 'edit-confirm', text: '确认轮廓', hidden: true, onclick: confirmOutline}),
          el('button', {class: 'button button-quiet', type: 'button', id: 'edit-delete', text: '删除', onclick: remove})),
        el('p', {id: 'edit-message', class: 'edit-message', role: 'alert'}),
        el('div', {id: 'edit-history-box', hidden: true},
          el('h3', {class: 'sub-head'}, '修改历史',
            el('button', {class: 'link-button', type: 'button', id: 'edit-undo', text: '撤销上次修改', onclick: undo})),
          el('ol', {id: 'edit-history', class: 'edit-history'}))),
    );
  }

  function setHint(text) { $('edit-hint').textContent = text; }
  // setMessage shows text; the importer's detail names a file, feature and property: the
  // property is shown by its Chinese title and the rest dropped.
  function setMessage(text, kind = 'error') {
    const m = $('edit-message');
    const titles = Object.fromEntries(schema[state.layer].fields.map((f) => [f.name, f.title]));
    m.textContent = text.replace(/[a-z_]+\.geojson: feature \d+( \(code "[^"]*"\))?: /g, '')
      .replace(/property "(\w+)"/g, (all, name) => `属性“${titles[name] || name}”`);
    m.dataset.kind = kind;
  }
  function press(id, on) { $(id).setAttribute('aria-pressed', on ? 'true' : 'false'); }
  // edited tells the other panels (the data-quality report) that the data changed.
  function edited() {
    refreshTiles(map);
    window.dispatchEvent(new CustomEvent('renewmap:edited', {detail: {layer: state.layer}}));
  }

  function reset() {
    draw.clear();
    draw.setMode('select');
    Object.assign(state, {feature: null, drawId: null, picking: false, drawing: false, geometryChanged: false, history: []});
    press('edit-new', false);
    press('edit-pick', false);
    map.doubleClickZoom.enable();
    $('edit-card').hidden = true;
    setMessage('');
  }

  function startNew() {
    reset();
    state.layer = $('edit-layer').value;
    const cfg = LAYERS[state.layer];
    state.drawing = true;
    // A double click ends a line in terra-draw; it must not zoom the map as well.
    map.doubleClickZoom.disable();
    press('edit-new', true);
    draw.setMode(cfg.mode);
    setHint(cfg.hint);
    showCard(null);
  }

  function startPick() {
    reset();
    state.layer = $('edit-layer').value;
    state.picking = true;
    press('edit-pick', true);
    setHint(t('edit.pick', LAYERS[state.layer].title));
  }

  // onMapClick takes the map's clicks while editing (no popups then); it returns true when it did.
  function onMapClick(ev) {
    if (state.picking) {
      const layers = map.getStyle().layers
        .filter((l) => l.type !== 'symbol' && l.metadata?.['renewmap:group'] === state.layer).map((l) => l.id);
      const p = ev.point;
      const hits = map.queryRenderedFeatures([[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]], {layers})
        .filter((f) => f.sourceLayer === state.layer && f.id !== undefined);
      if (!hits.length) { setHint(t('edit.pick.none', LAYERS[state.layer].title)); return true; }
      load(state.layer, hits[0].id);
      return true;
    }
    return state.drawing || state.feature !== null || state.drawId !== null;
  }

  async function load(layer, id) {
    state.picking = false;
    press('edit-pick', false);
    const res = await call('GET', `/api/v1/edit/${layer}/${id}`);
    if (!res.ok) { setMessage(res.error); return; }
    showFeature(res.data);
    await loadHistory();
  }

  function showFeature(f) {
    draw.clear();
    draw.setMode('select');
    state.layer = f.layer;
    state.feature = f;
    state.geometryChanged = false;
    state.drawId = null;
    const cfg = LAYERS[f.layer];
    let geometry = f.geometry;
    if (geometry.type === 'MultiPolygon') {
      geometry = geometry.coordinates.length === 1 ? {type: 'Polygon', coordinates: geometry.coordinates[0]} : null;
    }
    if (geometry) {
      const id = crypto.randomUUID();
      const [result] = draw.addFeatures([{id, type: 'Feature', geometry, properties: {mode: cfg.mode}}]);
      if (result && result.valid !== false) {
        state.drawId = id;
        draw.selectFeature(id);
      }
    }
    setHint(state.drawId ? t('edit.reshape') : t('edit.multipart'));
    showCard(f);
  }

  function showCard(f) {
    const fields = schema[state.layer].fields;
    $('edit-title').textContent = f ? `${LAYERS[state.layer].title} ${f.properties.name || f.properties.number || ''}（${f.code}）` : `新建${LAYERS[state.layer].title}`;
    $('edit-form').replaceChildren(...fields.filter((fd) => fd.name !== 'code').map((fd) => fieldInput(fd, f ? f.properties[fd.name] : fd.default)));
    $('edit-provisional').hidden = !(f && f.provisional);
    $('edit-confirm').hidden = !(f && f.provisional);
    $('edit-delete').hidden = !f;
    $('edit-history-box').hidden = !f;
    $('edit-card').hidden = false;
    setMessage('');
  }

  function fieldInput(fd, value) {
    const id = `edit-f-${fd.name}`;
    const label = el('span', {class: 'field-label', text: fd.title + (fd.required ? ' *' : '')});
    let input;
    const list = fd.kind === 'enum' ? app.labels[fd.enum] : fd.kind === 'ref' && fd.ref === 'subdistricts' ? app.labels.subdistrict : null;
    if (list) {
      input = el('select', {id, name: fd.name},
        el('option', {value: '', text: fd.required && fd.kind !== 'ref' ? '请选择' : '（空）'}),
        Object.entries(list).map(([code, name]) => el('option', {value: code, text: name, selected: code === value})));
    } else if (fd.kind === 'boolean') {
      input = el('input', {id, name: fd.name, type: 'checkbox', checked: value === true, dataset: {kind: fd.kind}});
      return el('label', {class: 'check', for: id}, input, ` ${fd.title}`);
    } else {
      const type = {integer: 'number', number: 'number', date: 'date'}[fd.kind] || 'text';
      input = el('input', {id, name: fd.name, type, value: value ?? '', min: fd.min, max: fd.max,
        step: fd.kind === 'number' ? 'any' : undefined,
        placeholder: fd.kind !== 'ref' ? undefined : state.layer === 'roads' ? '留空为公共道路；填小区编码则为小区内部路' : '留空则取所在的小区'});
    }
    input.dataset.kind = fd.kind;
    input.dataset.required = fd.required ? '1' : '';
    return el('label', {class: 'field', for: id}, label, input);
  }

  function formValues() {
    const props = {};
    const missing = [];
    const wrong = [];
    for (const input of $('edit-form').querySelectorAll('input, select')) {
      const {kind, required} = input.dataset;
      let v;
      if (kind === 'boolean') v = input.checked;
      else if (input.value.trim() === '') v = null;
      else if (kind === 'integer' || kind === 'number') v = Number(input.value);
      else v = input.value.trim();
      const fd = schema[state.layer].fields.find((x) => x.name === input.name);
      if (v === null && required && !(kind === 'ref' && !state.feature)) missing.push(fd.title);
      if (typeof v === 'number' && (!Number.isFinite(v) || (kind === 'integer' && !Number.isInteger(v)) ||
          (fd.min !== undefined && v < fd.min) || (fd.max !== undefined && v > fd.max))) {
        const range = fd.min !== undefined && fd.max !== undefined ? ` ${fd.min}–${fd.max} 之间的` : '';
        wrong.push(`“${fd.title}”应为${range}${kind === 'integer' ? '整数' : '数值'}`);
      }
      props[input.name] = v;
    }
    return {props, missing, wrong};
  }

  function currentGeometry() {
    if (!state.drawId) return null;
    const f = draw.getSnapshotFeature(state.drawId);
    return f ? f.geometry : null;
  }

  async function save() {
    setMessage('');
    const {props, missing, wrong} = formValues();
    if (missing.length) { setMessage(t('edit.missing', missing.join('、'))); return; }
    if (wrong.length) { setMessage(`${wrong.join('；')}。`); return; }
    const geometry = currentGeometry();
    if (!state.feature && !geometry) { setMessage(t('edit.nogeometry')); return; }
    const body = {properties: props};
    if (geometry && (state.geometryChanged || !state.feature)) body.geometry = geometry;
    const res = state.feature
      ? await call('PUT', `/api/v1/edit/${state.layer}/${state.feature.id}`, body, state.feature.version)
      : await call('POST', `/api/v1/edit/${state.layer}`, body);
    if (res.status === 412) {
      setMessage(t('edit.conflict', res.error), 'conflict');
      $('edit-message').append(' ', el('button', {class: 'link-button', type: 'button', id: 'edit-reload', text: '重新加载最新版本',
        onclick: () => load(state.layer, state.feature.id)}));
      return;
    }
    if (!res.ok) { setMessage(res.error); return; }
    toast(t('edit.saved.toast', LAYERS[state.layer].title, res.data.code));
    edited();
    showFeature(res.data);
    setMessage(t('edit.saved'), 'ok');
    await loadHistory();
  }

  async function remove() {
    if (!state.feature || !window.confirm(t('edit.delete.confirm', LAYERS[state.layer].title, state.feature.code))) return;
    const res = await call('DELETE', `/api/v1/edit/${state.layer}/${state.feature.id}`, undefined, state.feature.version);
    if (!res.ok) { setMessage(res.error, res.status === 412 ? 'conflict' : 'error'); return; }
    toast(t('edit.deleted', state.feature.code));
    edited();
    reset();
  }

  async function confirmOutline() {
    const res = await call('POST', `/api/v1/edit/communities/${state.feature.id}/confirm`, undefined, state.feature.version);
    if (!res.ok) { setMessage(res.error, res.status === 412 ? 'conflict' : 'error'); return; }
    if (res.status === 202) { setMessage(t('edit.confirm.pending'), 'ok'); await loadHistory(); return; }
    edited();
    showFeature(res.data);
    setMessage(t('edit.confirmed'), 'ok');
    await loadHistory();
  }

  async function loadHistory() {
    if (!state.feature) return;
    const h = await getJSON(`/api/v1/edit/${state.layer}/${state.feature.id}/history`).catch(() => ({history: []}));
    state.history = h.history || [];
    const fmt = (at) => new Date(at).toLocaleString('zh-CN', {hour12: false});
    $('edit-history').replaceChildren(...state.history.map((e) => el('li', {dataset: {entry: String(e.entry)}},
      `${fmt(e.at)} ${e.actor} ${known(`audit.${e.action}`, e.action)}`,
      e.before ? el('button', {class: 'link-button', type: 'button', text: '恢复到此前', onclick: () => restore(e.entry)}) : '')));
    $('edit-undo').hidden = !state.history.some((e) => e.before);
    if (!state.history.length) $('edit-history').append(el('li', {class: 'note', text: '尚无编辑记录（导入的原始数据）。'}));
  }

  async function restore(entry) {
    const res = await call('POST', `/api/v1/edit/${state.layer}/${state.feature.id}/restore`, {entry}, state.feature.version);
    if (!res.ok) { setMessage(res.error, res.status === 412 ? 'conflict' : 'error'); return; }
    edited();
    if (res.status === 204) { toast(t('edit.undone.deleted')); reset(); return; }
    showFeature(res.data);
    setMessage(t('edit.restored'), 'ok');
    await loadHistory();
  }

  function undo() {
    const last = state.history.find((e) => e.before);
    if (last) restore(last.entry);
  }

  // Proposed outlines: street blocks no community covers (GET /api/v1/outlines/proposals), drawn
  // dashed; an admin stores them as 待核实 communities, which planners then confirm or redraw.
  async function toggleProposals() {
    const on = $('edit-proposals').getAttribute('aria-pressed') !== 'true';
    press('edit-proposals', on);
    for (const id of ['edit-proposals-fill', 'edit-proposals-line']) if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource('edit-proposals')) map.removeSource('edit-proposals');
    $('edit-proposals-note').hidden = !on;
    $('edit-proposals-save').hidden = true;
    if (!on) return;
    const fc = await getJSON('/api/v1/outlines/proposals').catch((err) => { setHint(t('edit.proposals.failed', errorText(err))); return null; });
    if (!fc) return;
    map.addSource('edit-proposals', {type: 'geojson', data: fc});
    map.addLayer({id: 'edit-proposals-fill', type: 'fill', source: 'edit-proposals', paint: {'fill-color': '#e8590c', 'fill-opacity': 0.12}});
    map.addLayer({id: 'edit-proposals-line', type: 'line', source: 'edit-proposals', paint: {'line-color': '#e8590c', 'line-width': 1.5, 'line-dasharray': [3, 2]}});
    const withYear = fc.features.filter((f) => f.properties.year).length;
    $('edit-proposals-note').textContent = fc.features.length
      ? `找到 ${fc.features.length} 个没有小区轮廓的街区（虚线），其中 ${withYear} 个内有楼栋可定建成年份。可用“新建”按街区描绘小区轮廓。`
      : '没有未被小区覆盖的街区。';
    $('edit-proposals-save').hidden = !(app.me?.may?.admin && withYear);
  }

  async function saveProposals() {
    if (!window.confirm(t('edit.proposals.confirm'))) return;
    const res = await call('POST', '/api/v1/outlines/proposals/save');
    if (!res.ok) { setHint(res.error); return; }
    toast(t('edit.proposals.saved', res.data.saved.length, res.data.skipped));
    edited();
    press('edit-proposals', true);
    await toggleProposals();
  }

  /**
   * fix opens the map at a data-quality finding with the tool that fixes it ready:
   * {tool: 'path', at} draws a path (an isolated community, a dangle: from the loose end to the
   * street); {tool: 'outline', at} draws a community outline; {tool: 'pick', layer, at} or
   * {tool: 'pick', layer, id} edits a feature (a building far from the paths, an unknown year);
   * focus names the control to put the cursor in once it is loaded (the year's field, 确认轮廓).
   */
  async function fix({tool, layer, id, at, zoom = 18, focus}) {
    if (at) map.jumpTo({center: at, zoom});
    const layers = {path: 'roads', outline: 'communities'};
    $('edit-layer').value = layers[tool] || layer;
    section.scrollIntoView({block: 'start'});
    if (tool === 'path' || tool === 'outline') startNew();
    else if (id) {
      await load(layer, id);
      const target = focus && section.querySelector(`#${focus}`);
      if (target && !target.hidden) {
        target.focus();
        target.scrollIntoView({block: 'center'});
      }
    } else startPick();
  }

  // A link from the quality report: /?fix=path&at=124.35,43.16 (or &layer=buildings&id=12).
  const q = new URLSearchParams(location.search);
  if (q.get('fix')) {
    const at = (q.get('at') || '').split(',').map(Number);
    map.once('idle', () => fix({tool: q.get('fix'), layer: q.get('layer') || 'buildings', id: Number(q.get('id')) || undefined,
      at: at.length === 2 && at.every(Number.isFinite) ? at : undefined, focus: q.get('focus') || undefined}));
  }

  return {onMapClick, state, draw, load, fix, capturing: () => state.drawing || state.picking};
}

// snapToRendered returns the nearest vertex of a drawn road, outline or building within SNAP_PX
// pixels of the pointer, else the nearest point on one of their lines, else nothing.
function snapToRendered(map, event) {
  const x = event.containerX;
  const y = event.containerY;
  const layers = map.getStyle().layers
    .filter((l) => ['roads', 'communities', 'buildings'].includes(l.metadata?.['renewmap:group']) && l.type !== 'symbol')
    .map((l) => l.id);
  const feats = map.queryRenderedFeatures([[x - SNAP_PX, y - SNAP_PX], [x + SNAP_PX, y + SNAP_PX]], {layers});
  let best = null;
  let bestD = SNAP_PX;
  let line = null;
  let lineD = SNAP_PX;
  for (const f of feats) {
    for (const part of lines(f.geometry)) {
      const pts = part.map((c) => map.project(c));
      pts.forEach((p, i) => {
        const d = Math.hypot(p.x - x, p.y - y);
        if (d < bestD) { bestD = d; best = part[i]; }
        if (i === 0) return;
        const a = pts[i - 1];
        const dx = p.x - a.x;
        const dy = p.y - a.y;
        const l2 = dx * dx + dy * dy;
        const u = l2 ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / l2)) : 0;
        const q = {x: a.x + u * dx, y: a.y + u * dy};
        const dq = Math.hypot(q.x - x, q.y - y);
        if (dq < lineD) { lineD = dq; line = q; }
      });
    }
  }
  if (best) return best;
  if (line) {
    const ll = map.unproject([line.x, line.y]);
    return [ll.lng, ll.lat];
  }
  return undefined;
}

function lines(g) {
  switch (g.type) {
    case 'LineString': return [g.coordinates];
    case 'MultiLineString': case 'Polygon': return g.coordinates;
    case 'MultiPolygon': return g.coordinates.flat();
    default: return [];
  }
}

start();
