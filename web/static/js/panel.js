// The side panel: community search, filters (stage, batch, 街道, old only) and the layer switcher
// with its legend. Everything it shows about codes and colours comes from /api/v1/labels and from
// the style itself, so the legend cannot drift from what the map draws.
import {el, getJSON, debounce, matchPairs, toast} from './util.js';
import {setScope} from './nav.js';
import {errorText} from './api.js';
import {t} from './msg.js';

// Style layers that draw communities; filters apply to all of them.
const COMMUNITY_LAYERS = ['communities-fill', 'communities-line', 'community_labels'];
const HIGHLIGHT_LAYERS = ['communities-highlight', 'communities-highlight-glow'];
const NO_STAGE = 'none';

// Layer groups of the switcher, in panel order. legend: which style layer and paint property
// hold the colours, and which code list names them.
const GROUPS = [
  {id: 'communities', title: '小区', on: true, icon: 'box'},
  {id: 'buildings', title: '楼栋', on: true, icon: 'building'},
  {id: 'roads', title: '道路', on: true, icon: 'road'},
  {id: 'facilities', title: '配套设施', on: true, icon: 'dot',
    legend: {layer: 'facilities-circle', paint: 'circle-color', enum: 'facility_level', shape: 'dot'}},
  {id: 'parking', title: '停车', on: true, icon: 'dot',
    legend: {layer: 'parking-circle', paint: 'circle-color', enum: 'parking_kind', shape: 'dot'}},
  {id: 'gates', title: '出入口', on: true, icon: 'dot',
    legend: {layer: 'gates-circle', paint: 'circle-color', enum: 'gate_kind', shape: 'dot'}},
  {id: 'candidate_sites', title: '候选用地', on: true, icon: 'box',
    legend: {layer: 'candidate_sites-fill', paint: 'fill-color', enum: 'site_origin', shape: 'box'}},
  {id: 'pipelines', title: '管线', on: false, icon: 'line',
    legend: {layer: 'pipelines-line', paint: 'line-color', enum: 'pipeline_kind', shape: 'line'}},
  {id: 'coverage', title: '配套盲区', on: false, icon: 'box'},
  {id: 'living_circles', title: '生活圈', on: false, icon: 'line',
    legend: {layer: 'living_circles-line', paint: 'line-color', shape: 'line', name: (k) => `${k}分钟生活圈`}},
  {id: 'areas', title: '片区', on: true, icon: 'line'},
];

/**
 * initPanel wires the panel to the map. ctx: {map, catalogue, labels, communities}. Returns the
 * functions tests and other modules use: selectCommunity, applyFilters, state.
 */
export function initPanel(ctx) {
  const {map} = ctx;
  const labels = ctx.labels || {};
  const state = {stages: new Set(), batch: '', subdistrict: '', oldOnly: false, selected: null};
  const $ = (id) => document.getElementById(id);

  // ---- panel collapse, and map padding so the map's centre is the centre of what is visible.
  const panel = $('panel');
  const toggle = $('panel-toggle');
  const updatePadding = () => {
    const collapsed = panel.classList.contains('collapsed');
    const wide = window.innerWidth >= 720;
    const left = !collapsed && wide ? panel.getBoundingClientRect().right : 0;
    map.setPadding({left: Math.round(left), top: 0, right: 0, bottom: 0});
  };
  toggle.addEventListener('click', () => {
    const collapsed = panel.classList.toggle('collapsed');
    toggle.setAttribute('aria-expanded', String(!collapsed));
    toggle.title = collapsed ? '展开面板' : '收起面板';
    updatePadding();
  });
  window.addEventListener('resize', debounce(updatePadding, 150));
  updatePadding();

  // ---- stage checkboxes, coloured like the map (the style's match expression is the legend).
  const stageStyle = matchPairs(map.getPaintProperty('communities-fill', 'fill-color')) || {pairs: [], fallback: '#ccc'};
  const stageList = [...stageStyle.pairs, [NO_STAGE, stageStyle.fallback]];
  const stageBox = $('filter-stage');
  for (const [code, colour] of stageList) {
    state.stages.add(code);
    const name = code === NO_STAGE ? '未纳入改造计划' : (labels.plan_stage?.[code] || code);
    const input = el('input', {type: 'checkbox', value: code, checked: true});
    input.addEventListener('change', () => {
      if (input.checked) state.stages.add(code); else state.stages.delete(code);
      applyFilters();
    });
    stageBox.append(el('label', {class: 'check'}, input, swatch('box', colour), name));
  }
  const setAllStages = (on) => {
    for (const input of stageBox.querySelectorAll('input')) {
      input.checked = on;
      if (on) state.stages.add(input.value); else state.stages.delete(input.value);
    }
    applyFilters();
  };
  $('stage-all').addEventListener('click', () => setAllStages(true));
  $('stage-none').addEventListener('click', () => setAllStages(false));

  // ---- batch and 街道 selects from the code lists.
  const batchSel = $('filter-batch');
  for (const [code, name] of Object.entries(labels.batch || {})) batchSel.append(el('option', {value: code, text: name}));
  batchSel.append(el('option', {value: NO_STAGE, text: '未列入批次'}));
  batchSel.addEventListener('change', () => { state.batch = batchSel.value; applyFilters(); });

  const subSel = $('filter-subdistrict');
  const subs = Object.entries(labels.subdistrict || {}).sort((a, b) => a[0].localeCompare(b[0]));
  for (const [code, name] of subs) subSel.append(el('option', {value: code, text: name}));
  subSel.addEventListener('change', () => { state.subdistrict = subSel.value; applyFilters(); });

  const oldBox = $('filter-old');
  oldBox.addEventListener('change', () => { state.oldOnly = oldBox.checked; applyFilters(); });

  $('filter-reset').addEventListener('click', () => {
    batchSel.value = ''; subSel.value = ''; oldBox.checked = false;
    state.batch = ''; state.subdistrict = ''; state.oldOnly = false;
    setAllStages(true);
  });

  // filterExpression is the map-side twin of matches() below.
  function filterExpression() {
    const all = ['all'];
    if (state.stages.size < stageList.length) {
      all.push(['in', ['coalesce', ['get', 'stage'], NO_STAGE], ['literal', [...state.stages]]]);
    }
    if (state.batch) all.push(['==', ['coalesce', ['get', 'batch'], NO_STAGE], state.batch]);
    if (state.subdistrict) all.push(['==', ['get', 'subdistrict'], state.subdistrict]);
    if (state.oldOnly) all.push(['==', ['get', 'is_old'], true]);
    return all.length > 1 ? all : null;
  }
  function matches(c) {
    return state.stages.has(c.stage || NO_STAGE) &&
      (!state.batch || (c.batch || NO_STAGE) === state.batch) &&
      (!state.subdistrict || c.subdistrict === state.subdistrict) &&
      (!state.oldOnly || c.is_old === true);
  }
  function applyFilters() {
    const f = filterExpression();
    for (const id of COMMUNITY_LAYERS) if (map.getLayer(id)) map.setFilter(id, f);
    const list = ctx.communities || [];
    const shown = list.filter(matches).length;
    $('filter-count').textContent = list.length ? `显示 ${shown} / ${list.length} 个小区` : '';
  }

  // ---- search.
  const input = $('search');
  const results = $('search-results');
  let active = -1;
  let found = [];
  let aborter;
  const stageName = (c) => (c.stage ? (labels.plan_stage?.[c.stage] || c.stage) : '未纳入计划');
  const stageColour = (c) => (stageList.find(([k]) => k === (c.stage || NO_STAGE)) || [])[1];

  function renderResults(q) {
    results.replaceChildren();
    active = -1;
    if (!q) { results.hidden = true; input.setAttribute('aria-expanded', 'false'); return; }
    if (!found.length) {
      results.append(el('li', {class: 'empty', text: '未找到匹配的小区'}));
    }
    found.forEach((c, i) => {
      const li = el('li', {role: 'option', id: `sr-${i}`, dataset: {index: String(i)}},
        el('span', {class: 'sr-name', text: c.name}),
        el('span', {class: 'sr-meta'},
          el('span', {text: c.subdistrict_name || ''}),
          el('span', {class: 'chip'}, swatch('box', stageColour(c)), stageName(c)),
          c.is_old ? el('span', {class: 'chip chip-old', text: '老旧'}) : null));
      li.addEventListener('mousedown', (ev) => ev.preventDefault());
      li.addEventListener('click', () => pick(i));
      results.append(li);
    });
    results.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }
  function setActive(i) {
    const items = results.querySelectorAll('li[role=option]');
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach((li, j) => li.setAttribute('aria-selected', String(j === active)));
    input.setAttribute('aria-activedescendant', items[active].id);
    items[active].scrollIntoView({block: 'nearest'});
  }
  function pick(i) {
    const c = found[i];
    if (!c) return;
    input.value = c.name;
    results.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    selectCommunity(c);
  }
  const search = debounce(async (q) => {
    aborter?.abort();
    aborter = new AbortController();
    if (!q) { found = []; renderResults(''); return; }
    try {
      const body = await getJSON(`/api/v1/communities?q=${encodeURIComponent(q)}&limit=20`, {signal: aborter.signal});
      found = body.communities || [];
      renderResults(q);
    } catch (err) {
      if (err.name !== 'AbortError') toast(t('search.failed', errorText(err)));
    }
  }, 180);
  input.addEventListener('input', () => search(input.value.trim()));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') { ev.preventDefault(); setActive(active + 1); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); setActive(active - 1); }
    else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (found.length) pick(active >= 0 ? active : 0);
    } else if (ev.key === 'Escape') { results.hidden = true; input.setAttribute('aria-expanded', 'false'); }
  });
  input.addEventListener('blur', () => setTimeout(() => { results.hidden = true; }, 150));
  input.addEventListener('focus', () => { if (input.value.trim() && found.length) results.hidden = false; });

  // ---- selection: highlight on the map, fly there, show a card.
  function highlight(code) {
    for (const id of HIGHLIGHT_LAYERS) if (map.getLayer(id)) map.setFilter(id, ['==', ['get', 'code'], code || '']);
  }
  function selectCommunity(c, {fly = true} = {}) {
    state.selected = c;
    setScope({community: c.id});
    highlight(c.code);
    if (fly && Array.isArray(c.bbox) && c.bbox.length === 4) {
      map.fitBounds([[c.bbox[0], c.bbox[1]], [c.bbox[2], c.bbox[3]]], {padding: 60, maxZoom: 17, duration: 900});
    }
    $('selected-name').textContent = c.name;
    const facts = $('selected-facts');
    facts.replaceChildren();
    const add = (k, v) => facts.append(el('dt', {text: k}), el('dd', {text: v}));
    add('街道', c.subdistrict_name || labels.subdistrict?.[c.subdistrict] || '—');
    add('改造阶段', stageName(c));
    add('批次', c.batch ? (labels.batch?.[c.batch] || c.batch) : '—');
    add('老旧小区', c.is_old == null ? '未知（建成年份待核实）' : c.is_old ? '是' : '否');
    $('selected').hidden = false;
    ctx.onSelect?.(c);
  }
  $('selected-clear').addEventListener('click', () => {
    state.selected = null;
    setScope({community: null});
    highlight('');
    $('selected').hidden = true;
    ctx.onClear?.();
    input.value = '';
    found = [];
    renderResults('');
  });

  // ---- layer switcher with legend.
  const present = new Set(Object.keys(ctx.catalogue || {}));
  const styleLayers = map.getStyle().layers;
  const layersOf = (group) => styleLayers.filter((l) => l.metadata?.['renewmap:group'] === group);
  const rows = [];
  for (const g of GROUPS) {
    const ids = layersOf(g.id).map((l) => l.id);
    const sources = [...new Set(layersOf(g.id).map((l) => l['source-layer']).filter(Boolean))];
    const available = sources.some((s) => present.has(s));
    const minzoom = Math.min(...sources.map((s) => ctx.catalogue?.[s]?.minzoom ?? 0));
    const box = el('input', {type: 'checkbox', checked: g.on && available, disabled: !available});
    const hint = el('span', {class: 'layer-hint'});
    const legend = available ? legendFor(g) : null;
    const li = el('li', {class: `layer-row${available ? '' : ' unavailable'}`, dataset: {group: g.id}},
      el('label', {class: 'check layer-check'}, box, groupIcon(g),
        el('span', {class: 'layer-title', text: g.title}), hint),
      legend);
    const setVisible = (on) => {
      for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
      li.classList.toggle('off', !on);
    };
    box.addEventListener('change', () => setVisible(box.checked));
    setVisible(box.checked);
    if (!available) hint.textContent = t('layer.unavailable');
    rows.push({hint, minzoom, available});
    $('layer-list').append(li);
  }
  const updateHints = () => {
    const zoom = map.getZoom();
    for (const r of rows) {
      if (!r.available) continue;
      r.hint.textContent = zoom < r.minzoom ? t('layer.zoomin', r.minzoom, '') : '';
    }
  };
  map.on('zoomend', updateHints);
  updateHints();

  function legendFor(g) {
    if (g.id === 'communities') {
      return el('ul', {class: 'legend'},
        el('li', {}, swatch('edge-old', '#7a4a25'), '老旧小区'),
        el('li', {}, swatch('edge', '#8c8c8c'), '其他小区'),
        el('li', {}, swatch('edge-selected', '#0077cc'), '当前选中'),
        el('li', {class: 'legend-note', text: '填充颜色表示改造阶段，见上方筛选'}));
    }
    if (g.id === 'buildings') {
      return el('ul', {class: 'legend'}, el('li', {}, swatch('ramp', ''), '颜色越深层数越多'));
    }
    if (!g.legend) return null;
    const m = matchPairs(map.getPaintProperty(g.legend.layer, g.legend.paint));
    if (!m) return null;
    const items = m.pairs.map(([code, colour]) => el('li', {}, swatch(g.legend.shape, colour),
      g.legend.name ? g.legend.name(code) : (labels[g.legend.enum]?.[code] || code)));
    if (g.id === 'facilities') {
      items.push(el('li', {}, swatch('dot', '#777'), labels.facility_status?.existing || '现状'),
        el('li', {}, swatch('ring', '#777'), labels.facility_status?.planned || '规划'));
    }
    if (g.id === 'pipelines') items.push(el('li', {class: 'legend-note', text: '粗线：状况较差或危险'}));
    return el('ul', {class: 'legend'}, items);
  }

  applyFilters();
  return {state, applyFilters, selectCommunity, highlight, setCommunities(list) { ctx.communities = list; applyFilters(); }};
}

/** swatch draws a legend key; its colour is set through CSSOM, which the CSP allows. */
function swatch(shape, colour) {
  const s = el('span', {class: `swatch swatch-${shape}`, 'aria-hidden': 'true'});
  if (colour) {
    if (shape === 'line' || shape.startsWith('edge') || shape === 'ring') s.style.borderColor = colour;
    else s.style.backgroundColor = colour;
  }
  return s;
}

function groupIcon(g) {
  const colours = {
    communities: '#9ecae1', buildings: '#cdbfab', roads: '#e8b860', facilities: '#2166ac',
    parking: '#3182bd', gates: '#4d4d4d', candidate_sites: '#fdae6b', pipelines: '#1f78b4',
    living_circles: '#1b9e77', areas: '#c51b7d', coverage: '#d73027',
  };
  const shape = {dot: 'dot', line: 'line', box: 'box', building: 'box', road: 'line'}[g.icon] || 'box';
  return swatch(shape, colours[g.id] || '#999');
}
