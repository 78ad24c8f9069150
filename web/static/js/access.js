// Living circles (生活圈), coverage and what-ifs on the planner map: the selected community's
// 5/10/15-minute circles (filtered from the living_circles tile layer) with the facilities it
// reaches and its gaps (配套缺口); a coverage overlay (blind spots, or one facility kind); and a
// what-if mode (方案推演) that places facilities or draws passages, asks POST /api/v1/scenarios and
// shows what changes. Planners may save a scenario. All DOM is built with textContent.
import {el, getJSON, formatNumber, toast, refreshTiles} from './util.js';
import {sendJSON, whoami} from './account.js';
import {errorText} from './api.js';
import {t} from './msg.js';
import {CIRCLE_COLOURS, NEWLY_COLOUR, checkPassage, drawWhatIfCircles, paintWhatIf} from './whatif-map.js';

const CIRCLE_LAYERS = ['living_circles-fill', 'living_circles-line'];
const RAMP = [[0, '#1a9850', '0 类（不缺）'], [1, '#91cf60', '1 类'], [2, '#d9ef8b', '2 类'],
  [3, '#fee08b', '3 类'], [4, '#fc8d59', '4 类'], [5, '#d73027', '5 类及以上']];
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const metres = (d) => (d >= 1000 ? `${(d / 1000).toFixed(2)} 公里` : `${Math.round(d)} 米`);

/** initAccess wires the 生活圈, 覆盖分析 and 方案推演 sections. app: {map, labels, panel}. */
export function initAccess(app) {
  const {map} = app;
  const $ = (id) => document.getElementById(id);
  // The 生活圈 level's name (facility_level in /api/v1/labels).
  const levelName = (level) => app.labels.facility_level?.[level] || level || '';
  const state = {community: null, profile: 'standard', access: null, coverage: null, kinds: [],
    mode: '', facilities: [], passages: [], pathStart: null, pathStartPoint: null, markers: [], seq: 0, result: null,
    showAfter: true, overlayBase: null};

  // ---- circles of the selected community.
  function circleFilter() {
    if (!state.community) return ['==', ['get', 'profile'], 'standard'];
    return ['all', ['==', ['get', 'community_id'], state.community.id], ['==', ['get', 'profile'], state.profile]];
  }
  function showCircles() {
    const box = document.querySelector('#layer-list li[data-group="living_circles"] input');
    // A what-if's redrawn circles stand in for the stored ones while 推演后 shows them.
    const redrawn = drawWhatIfCircles(map, state.result, state.showAfter, state.profile);
    for (const id of CIRCLE_LAYERS) {
      if (!map.getLayer(id)) continue;
      map.setFilter(id, circleFilter());
      const on = !redrawn && (state.community ? true : Boolean(box?.checked));
      map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    }
  }
  for (const r of document.querySelectorAll('input[name="access-profile"]')) {
    r.addEventListener('change', () => {
      state.profile = r.value;
      showCircles();
      renderAccess();
    });
  }

  async function select(c) {
    if (!c || !c.id) return;
    state.community = {id: Number(c.id), name: c.name || ''};
    showCircles();
    $('access-section').hidden = false;
    $('access-name').textContent = state.community.name;
    try {
      state.access = await getJSON(`/api/v1/communities/${state.community.id}/access`);
      if (!state.community.name) $('access-name').textContent = state.access.community.name;
      renderAccess();
      preferMissingKind();
    } catch (err) {
      toast(t('access.failed', errorText(err)));
    }
  }
  function clear() {
    state.community = null;
    state.access = null;
    showCircles();
    $('access-section').hidden = true;
  }

  function renderAccess() {
    const a = state.access;
    if (!a) return;
    const circles = a.circles.filter((c) => c.profile === state.profile);
    $('access-circles').replaceChildren(...circles.map((c) => {
      const sw = el('span', {class: 'swatch swatch-line', 'aria-hidden': 'true'});
      sw.style.borderColor = CIRCLE_COLOURS[c.minutes] || '#2166ac';
      return el('li', {dataset: {minutes: String(c.minutes)}}, sw, `${c.minutes}分钟生活圈`,
        el('span', {class: 'dist', text: `步行 ${Math.round(c.distance_m)} 米`}));
    }));
    // Per kind: the share of the community's households covered, and the nearest distance.
    const kinds = new Map((a.community.kinds || []).map((k, i) => [k.kind, {...k, nearest: a.nearest?.[i]}]));
    const partial = (k) => k && k.covered > 0 && k.covered < k.households;
    // Minutes the way the circles count them: the smallest circle of the profile holding the walk.
    const byDist = [...circles].sort((x, y) => x.distance_m - y.distance_m);
    const within = (d) => {
      const c = byDist.find((x) => d <= x.distance_m);
      return c ? `${c.minutes}分钟内` : `超出${byDist.length ? byDist[byDist.length - 1].minutes : 15}分钟`;
    };
    // Gaps per level, in the standard's order: missing (no household covered) or partly covered;
    // kinds the dataset has no facility of are 无数据, never gaps.
    const gaps = a.community.gaps || [];
    const rows = [];
    for (const level of ['15min', '10min', '5min', 'block']) {
      const g = gaps.find((x) => x.level === level);
      const parts = [];
      if (g && g.kinds.length) {
        const none = g.kinds.filter((k) => !partial(kinds.get(k.kind)));
        const some = g.kinds.filter((k) => partial(kinds.get(k.kind)));
        const far = (k) => { const d = kinds.get(k.kind)?.nearest; return d == null ? '' : `（最近 ${metres(d)}）`; };
        if (none.length) parts.push(el('span', {class: 'gap-kinds', text: `缺 ${none.map((k) => k.name + far(k)).join('、')}`}));
        if (some.length) {
          parts.push(el('span', {class: 'gap-partial', text: `覆盖不足 ${some.map((k) => `${k.name} ${pct(kinds.get(k.kind).share)} 户`).join('、')}`}));
        }
      }
      const none = (a.community.kinds || []).filter((k) => k.no_data && k.required && k.level === level);
      rows.push(el('div', {class: 'gap-row'}, el('span', {class: 'gap-level', text: levelName(level)}),
        ...(parts.length ? parts : [el('span', {class: 'gap-none', text: '无缺口'})]),
        none.length ? el('span', {class: 'gap-nodata', text: `无数据：${none.map((k) => k.name).join('、')}`}) : false));
    }
    $('access-gaps').replaceChildren(...rows);
    const iso = $('access-isolated');
    iso.hidden = !a.isolated;
    iso.textContent = !a.isolated ? '' : a.isolated.reason === 'no_paths'
      ? `该小区没有内部道路：${a.isolated.buildings} 栋楼以直线接入最近道路或大门计算距离`
      : `孤立小区：${t('isolation.unreachable')}（${a.isolated.buildings} 栋楼受影响），覆盖结果不可信，请核实路网数据`;
    // The nearest facility of each kind, nearest first.
    const seen = new Set();
    const nearest = a.reached.filter((r) => !seen.has(r.kind) && seen.add(r.kind));
    $('access-reached-count').textContent = `1公里内 ${a.reached.length} 处`;
    $('access-reached').replaceChildren(...nearest.map((r) => {
      const k = kinds.get(r.kind);
      const share = partial(k) ? ` · ${pct(k.share)} 户在服务半径内` : '';
      return el('li', {class: r.within_service ? '' : 'far', dataset: {kind: r.kind},
        title: r.within_service ? '在服务半径内' : '超出该类设施的服务半径'},
      el('span', {class: 'r-name', text: r.name || r.kind_name}),
      el('span', {class: 'r-kind', text: `${r.kind_name} · ${levelName(r.level)}`}),
      el('span', {class: 'r-dist', text: `${metres(r.distance_m)} · ${within(r.distance_m)}${share}`}));
    }));
    if (!nearest.length) $('access-reached').append(el('li', {text: '1公里内没有可达的设施'}));
  }

  // ---- coverage overlay.
  const overlay = $('coverage-overlay');
  async function loadCoverage() {
    state.coverage = await getJSON('/api/v1/coverage');
    state.kinds = state.coverage.kinds;
    const group = el('optgroup', {label: '按设施类型（红色：服务半径内没有）'});
    for (const k of state.kinds.filter((k) => k.required)) {
      group.append(el('option', {value: k.kind, disabled: k.no_data,
        text: `${k.name}（${k.no_data ? '无数据' : levelName(k.level)}）`}));
    }
    overlay.append(group);
    const kindSel = $('whatif-kind');
    for (const level of ['15min', '10min', '5min', 'block']) {
      const og = el('optgroup', {label: levelName(level)});
      for (const k of state.kinds.filter((x) => x.level === level)) {
        og.append(el('option', {value: k.kind, text: `${k.name}${k.required ? '' : '（宜配）'}`}));
      }
      kindSel.append(og);
    }
    kindSel.value = 'kindergarten';
  }
  function setOverlay(value) {
    const layer = 'coverage-fill';
    if (!map.getLayer(layer)) return;
    const legend = $('coverage-legend');
    const summary = $('coverage-summary');
    map.setLayoutProperty(layer, 'visibility', value ? 'visible' : 'none');
    legend.hidden = !value;
    if (!value) { summary.textContent = ''; legend.replaceChildren(); return; }
    const sw = (c) => { const s = el('span', {class: 'swatch swatch-box', 'aria-hidden': 'true'}); s.style.backgroundColor = c; return s; };
    if (value === 'blind') {
      map.setPaintProperty(layer, 'fill-color', ['step', ['get', 'missing_required'], ...RAMP.flatMap(([n, c], i) => (i ? [n, c] : [c]))]);
      legend.replaceChildren(...RAMP.map(([, c, label]) => el('li', {}, sw(c), label)),
        el('li', {class: 'legend-note', text: '楼栋颜色：步行可达范围内缺少的必配设施类数'}));
      summary.textContent = '';
      return;
    }
    const k = state.kinds.find((x) => x.kind === value);
    if (!k) return;
    state.overlayBase = ['case', ['in', `、${k.name}、`, ['concat', '、', ['get', 'missing'], '、']], '#d73027', '#1a9850'];
    map.setPaintProperty(layer, 'fill-color', state.overlayBase);
    legend.replaceChildren(el('li', {}, sw('#1a9850'), `${k.service_distance}米内有`), el('li', {}, sw('#d73027'), `${k.service_distance}米内没有`),
      el('li', {}, sw(NEWLY_COLOUR), '推演后新增覆盖'));
    summary.textContent = `全区${k.name}覆盖率 ${pct(k.share)}（${formatNumber(k.covered)} / ${formatNumber(k.households)} 户）`;
  }
  overlay.addEventListener('change', () => {
    setOverlay(overlay.value);
    const box = document.querySelector('#layer-list li[data-group="coverage"] input');
    if (box) { box.checked = Boolean(overlay.value); box.closest('li').classList.toggle('off', !overlay.value); }
  });
  // The layer switcher's 配套盲区 box shows the blind spots; the selector follows it.
  document.querySelector('#layer-list li[data-group="coverage"] input')?.addEventListener('change', (ev) => {
    overlay.value = ev.target.checked ? (overlay.value || 'blind') : '';
    setOverlay(overlay.value);
  });

  // ---- what-if.
  const hint = $('whatif-hint');
  const placeBtn = $('whatif-place');
  const pathBtn = $('whatif-path');
  const saveBtn = $('whatif-save');
  function setMode(mode) {
    state.mode = state.mode === mode ? '' : mode;
    state.pathStart = null;
    placeBtn.setAttribute('aria-pressed', String(state.mode === 'place'));
    pathBtn.setAttribute('aria-pressed', String(state.mode === 'path'));
    map.getContainer().classList.toggle('map-capturing', Boolean(state.mode));
    if (state.pathStart === null && state.pathStartPoint) { state.markers.pop()?.remove(); state.pathStartPoint = null; }
    hint.textContent = state.mode === 'place' ? t('whatif.hint.place')
      : state.mode === 'path' ? t('whatif.hint.path') : t('whatif.hint');
  }
  placeBtn.addEventListener('click', () => setMode('place'));
  // Esc leaves the drawing mode (and drops a passage's start not yet joined to an end).
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && state.mode) setMode(state.mode); });
  pathBtn.addEventListener('click', () => setMode('path'));
  $('whatif-clear').addEventListener('click', clearScenario);
  saveBtn.addEventListener('click', saveScenario);
  whoami().then((who) => { if (who?.may?.edit) saveBtn.hidden = false; });
  saveBtn.disabled = true;

  function marker(lngLat, cls, title) {
    const node = el('div', {class: `whatif-marker ${cls}`, title});
    const m = new window.maplibregl.Marker({element: node}).setLngLat(lngLat).addTo(map);
    state.markers.push(m);
  }
  function drawPaths() {
    const data = {type: 'FeatureCollection', features: state.passages.filter((p) => p.type === 'path').map((p) => ({type: 'Feature', properties: {},
      geometry: {type: 'LineString', coordinates: [p.from, p.to]}}))};
    const src = map.getSource('whatif');
    if (src) { src.setData(data); return; }
    map.addSource('whatif', {type: 'geojson', data});
    map.addLayer({id: 'whatif-path', type: 'line', source: 'whatif', metadata: {'renewmap:group': 'whatif'},
      paint: {'line-color': '#7b3294', 'line-width': 4, 'line-dasharray': [2, 1]}});
  }
  function communityAt(point) {
    const f = map.queryRenderedFeatures(point, {layers: ['communities-fill'].filter((id) => map.getLayer(id))})[0];
    return f && f.id !== undefined ? Number(f.id) : 0;
  }
  function onMapClick(ev) {
    if (!state.mode) return false;
    const ll = [Number(ev.lngLat.lng.toFixed(7)), Number(ev.lngLat.lat.toFixed(7))];
    if (state.mode === 'place') {
      const kind = $('whatif-kind').value;
      const k = state.kinds.find((x) => x.kind === kind);
      const f = {kind, lon: ll[0], lat: ll[1]};
      const comm = communityAt(ev.point);
      if (comm) f.community = comm;
      state.facilities.push(f);
      marker(ll, '', `拟建${k ? k.name : kind}`);
    } else if (!state.pathStart) {
      state.pathStart = ll;
      state.pathStartPoint = ev.point;
      marker(ll, 'end', '通道起点');
      hint.textContent = t('whatif.hint.end');
      return true;
    } else {
      const check = checkPassage(map, state.pathStartPoint, ev.point);
      if (check.building) {
        // A passage cannot run through a building: the start is dropped, the user draws again.
        state.markers.pop()?.remove();
        state.pathStart = null;
        state.pathStartPoint = null;
        hint.textContent = t('whatif.hint.building', check.building);
        return true;
      }
      const from = state.pathStart;
      state.pathStart = null;
      state.pathStartPoint = null;
      if (check.gate && window.confirm(check.gate.name ? t('whatif.wall.named', check.gate.name) : t('whatif.wall'))) {
        state.markers.pop()?.remove();
        state.passages.push({type: 'gate', community: check.gate.community, lon: check.gate.lngLat[0], lat: check.gate.lngLat[1]});
        marker(check.gate.lngLat, 'gate', '拟开小区门');
        hint.textContent = t('whatif.hint.gate');
      } else {
        state.passages.push({type: 'path', from, to: ll});
        marker(ll, 'end', '通道终点');
        hint.textContent = t('whatif.hint.added');
        drawPaths();
      }
    }
    evaluate();
    return true;
  }

  function body() {
    const b = {facilities: state.facilities, passages: state.passages};
    if (state.community) b.community = state.community.id;
    return b;
  }
  async function evaluate() {
    if (!state.facilities.length && !state.passages.length) { renderResult(null); return; }
    const seq = ++state.seq;
    try {
      const res = await sendJSON('POST', '/api/v1/scenarios', body());
      if (seq !== state.seq) return;
      state.result = res;
      renderResult(res);
    } catch (err) {
      // The last item could not be placed (e.g. too far from any path): drop it.
      if (state.mode === 'place' && state.facilities.length) { state.facilities.pop(); state.markers.pop()?.remove(); }
      else if (state.passages.length) {
        const gone = state.passages.pop();
        state.markers.pop()?.remove();
        if (gone.type === 'path') state.markers.pop()?.remove();
        drawPaths();
      }
      toast(t('whatif.failed', errorText(err)));
      if (state.facilities.length || state.passages.length) evaluate(); else renderResult(null);
    }
  }
  function renderResult(res) {
    const box = $('whatif-result');
    saveBtn.disabled = !res;
    state.result = res;
    showCircles();
    if (!res) {
      box.replaceChildren();
      if (state.overlayBase) paintWhatIf(map, state.overlayBase, [], false);
      return;
    }
    const kind = state.facilities.at(-1)?.kind || $('whatif-kind').value;
    const shown = res.kinds.find((k) => k.kind === kind);
    if (shown && shown.required) {
      // The coverage overlay shows the kind placed, with what the proposal newly covers.
      if (overlay.value !== kind) { overlay.value = kind; setOverlay(kind); }
      paintWhatIf(map, state.overlayBase, shown.newly_buildings || [], state.showAfter);
    }
    const focusKinds = new Set([...state.facilities.map((f) => f.kind), kind]);
    const changed = res.kinds.filter((k) => k.newly_covered > 0 || focusKinds.has(k.kind));
    const newly = res.kinds.reduce((s, k) => s + k.newly_covered, 0);
    const items = changed.map((k) => el('li', {dataset: {kind: k.kind, before: String(k.share_before), after: String(k.share_after)}},
      `${k.name}：全区覆盖率 ${pct(k.share_before)} → `, el('span', {class: k.newly_covered ? 'up' : '', text: pct(k.share_after)}),
      k.newly_covered ? `（新增覆盖 ${formatNumber(k.newly_covered)} 户）` : '（无变化）'));
    const closed = res.communities.filter((c) => c.closed_gaps.length);
    const served = res.served?.features || [];
    const drawn = el('p', {class: 'whatif-drawn'}, served.length ? `地图上青色虚线为拟建设施的服务范围（${[...new Set(served.map((f) => `${f.properties.name}步行 ${f.properties.service_distance} 米`))].join('、')}）。` : '',
      res.circles?.features?.length ? '生活圈已按新增通道重绘（实线）。' : '');
    const toggle = shown && shown.required ? el('div', {class: 'whatif-toggle', role: 'group', 'aria-label': '推演前后'},
      ...[[false, `推演前 ${pct(shown.share_before)}`], [true, `推演后 ${pct(shown.share_after)}`]].map(([after, text]) =>
        el('button', {type: 'button', class: 'button', 'aria-pressed': String(state.showAfter === after), dataset: {after: String(after)}, text,
          onclick: () => { state.showAfter = after; renderResult(res); }}))) : null;
    const parts = [
      toggle,
      el('p', {}, '新增覆盖 ', el('span', {class: 'big', id: 'whatif-newly', text: formatNumber(newly)}), ' 户·次',
        el('span', {class: 'count', text: `（计算用时 ${res.elapsed_ms.toFixed(1)} 毫秒）`})),
      el('ul', {id: 'whatif-kinds'}, items),
      drawn.textContent ? drawn : null,
    ];
    if (res.community) {
      const before = res.community.before.gaps.flatMap((g) => g.kinds.map((k) => k.name));
      const after = new Set(res.community.after.gaps.flatMap((g) => g.kinds.map((k) => k.name)));
      const gone = before.filter((n) => !after.has(n));
      parts.push(el('p', {}, `${res.community.after.name}：`, gone.length
        ? el('span', {class: 'up', text: `补齐 ${gone.join('、')}`}) : '配套缺口未变化'));
    }
    parts.push(el('p', {}, closed.length
      ? `缺口得以补齐的小区（${closed.length} 个）：${closed.slice(0, 12).map((c) => `${c.name}（${c.closed_gaps.map((k) => k.name).join('、')}）`).join('；')}${closed.length > 12 ? ' 等' : ''}`
      : '没有小区的配套缺口因此补齐。'));
    box.replaceChildren(...parts.filter(Boolean));
  }
  function clearScenario() {
    state.facilities = [];
    state.passages = [];
    state.pathStart = null;
    state.seq++;
    for (const m of state.markers) m.remove();
    state.markers = [];
    drawPaths();
    renderResult(null);
  }
  async function saveScenario() {
    if (!state.facilities.length && !state.passages.length) return;
    if (!window.confirm(t('whatif.save.confirm'))) return;
    try {
      const res = await sendJSON('POST', '/api/v1/scenarios/save', body());
      toast(t('whatif.saved', res.saved.length));
      refreshTiles(map);
      clearScenario();
      setMode('');
    } catch (err) {
      toast(t('save.failed', errorText(err)));
    }
  }
  function preferMissingKind() {
    // Offer the first required kind the selected community lacks within 300 m.
    const g = (state.access?.community.gaps || []).find((x) => x.level === '5min');
    if (g && g.kinds.length && !state.facilities.length) $('whatif-kind').value = g.kinds[0].kind;
  }

  loadCoverage().catch((err) => toast(t('coverage.failed', errorText(err))));
  showCircles();
  return {select, clear, onMapClick, state, setOverlay, capturing: () => Boolean(state.mode)};
}
