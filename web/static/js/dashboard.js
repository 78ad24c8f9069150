// The leadership dashboard (GET /dashboard): progress against the 2021 targets, an overlay map
// (stages, the six goals, living-circle coverage, and pipeline condition for the roles that may
// see pipes), charts (Apache ECharts, vendored) and tables by 街道 and department, overdue plans,
// and the residents' satisfaction with the six goals (GET /api/v1/satisfaction).
// Everything is measured at an as-of date: ?as_of=, else the programme's setting, else today.
import {el, getJSON, vectorLayers} from './util.js';
import {renderAccount, sendJSON, whoami} from './account.js';
import {errorText, codeLists} from './api.js';
import {addExport} from './tables.js';
import {t} from './msg.js';

const maplibregl = window.maplibregl;
const echarts = window.echarts;
const origin = window.location.origin;
const $ = (id) => document.getElementById(id);

const wan = (yuan) => (yuan / 10000);
const fmt = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 1});
const fmt0 = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 0});
const pct = (x) => `${fmt.format(x * 100)}%`;

const GOAL_COLOURS = {met: '#238443', in_progress: '#f59e0b', none: '#c8d0d8'};
const PIPE_CONDITION = ['match', ['get', 'condition'], 'good', '#1a9850', 'fair', '#fee08b', 'poor', '#fc8d59', 'critical', '#d73027', '#999999'];
const FUNDING_COLOURS = ['#1f5f99', '#4a90c8', '#9ecae1', '#f59e0b', '#8c6d31', '#7b3294', '#1b9e77'];

const state = {
  params: new URLSearchParams(location.search),
  data: null, plans: new Map(), labels: {}, me: null, style: null, map: null, mode: 'stage',
  charts: {}, vectorLayers: new Set(),
};
window.renewmapDashboard = state; // for the browser test
state.refit = () => fitCommunities();

function say(text, error = false) {
  const m = $('message');
  m.textContent = text;
  m.classList.toggle('error', error);
  m.hidden = !text;
}

// ---------- data ----------

function progressURL() {
  const q = new URLSearchParams();
  const batch = state.params.get('batch_year') ?? '2021';
  if (batch) q.set('batch_year', batch);
  if (state.params.get('as_of')) q.set('as_of', state.params.get('as_of'));
  return `/api/v1/progress?${q}`;
}

async function load() {
  try {
    const data = await getJSON(progressURL());
    state.data = data;
    render(data);
    if (state.ready) renderTrend();
    say('');
  } catch (err) {
    say(t('dashboard.failed', errorText(err)), true);
  }
}

function render(d) {
  const asof = $('asof');
  asof.value = d.as_of;
  const source = {query: '（临时查看）', setting: '（默认统计日期）', today: '（今天）'}[d.as_of_source] || '';
  $('asof-note').textContent = source;
  $('asof-save').hidden = !(d.may_set_as_of && d.as_of_source === 'query');
  $('asof-today').hidden = !(d.may_set_as_of && d.settings.as_of);
  $('batch').value = d.batch_year ? String(d.batch_year) : '';
  renderCards(d);
  renderCharts(d);
  renderTables(d);
}

// ---------- cards ----------

function targetCard(id, title, count, unit, scale = 1, digits = 0) {
  const card = $(id);
  const f = digits ? fmt : fmt0;
  const v = (x) => f.format(x / scale);
  const children = [el('h3', {text: title})];
  if (count) {
    children.push(
      el('p', {class: 'big'}, v(count.planned), el('small', {text: ` / 目标 ${v(count.target)} ${unit}`})),
      bar(count.started / count.target, count.completed / count.target),
      el('div', {class: 'bar-legend'},
        el('span', {text: `已开工 ${v(count.started)}（${pct(count.started / count.target)}）`}),
        el('span', {text: `已竣工 ${v(count.completed)}（${pct(count.completed / count.target)}）`})));
  }
  card.replaceChildren(...children);
}

function bar(started, completed) {
  const b = el('div', {class: 'bar', role: 'img', 'aria-label': `已开工${pct(started)}，已竣工${pct(completed)}`});
  const s = el('span', {class: 'started'});
  const c = el('span', {class: 'completed'});
  s.style.width = `${Math.min(100, started * 100)}%`;
  c.style.width = `${Math.min(100, completed * 100)}%`;
  b.append(s, c);
  return b;
}

function renderCards(d) {
  // The target of the batch shown: none under 全部方案 (the cards then count all plans).
  const target = d.targets.find((x) => x.batch_year === d.batch_year);
  const tot = d.totals;
  if (target) {
    targetCard('card-communities', '改造小区（个）', target.progress_communities, '个');
    targetCard('card-buildings', '楼栋（栋）', target.progress_buildings, '栋');
    targetCard('card-households', '户数（户）', target.progress_households, '户');
    targetCard('card-area', '建筑面积（万m²）', target.progress_floor_area, '万m²', 10000, 1);
    const late = target.days_left < 0;
    $('card-time').replaceChildren(el('h3', {text: late ? '已超过完成期限' : '距完成期限'}),
      el('p', {class: 'big'}, fmt0.format(Math.abs(target.days_left)), el('small', {text: ' 天'})),
      el('p', {class: 'sub', text: `期限 ${target.due} · 截至 ${d.as_of}`}),
      el('p', {class: 'sub', text: `逾期方案 ${target.overdue} 个`}));
    $('card-time').classList.toggle('alert', late || target.overdue > 0);
  } else {
    const plain = (id, title, value) => $(id).replaceChildren(el('h3', {text: title}), el('p', {class: 'big', text: value}),
      el('p', {class: 'sub', text: d.batch_year ? '该批次未设定目标' : '全部批次合计'}));
    plain('card-communities', '改造小区（个）', fmt0.format(tot.communities));
    plain('card-buildings', '楼栋（栋）', fmt0.format(tot.buildings));
    plain('card-households', '户数（户）', fmt0.format(tot.households));
    plain('card-area', '建筑面积（万m²）', fmt.format(tot.floor_area / 10000));
    $('card-time').replaceChildren(el('h3', {text: '逾期方案'}), el('p', {class: 'big', text: String(d.overdue.length)}),
      el('p', {class: 'sub', text: `截至 ${d.as_of}`}));
  }
  const funded = tot.budget ? tot.funded / tot.budget : 0;
  $('card-money').replaceChildren(el('h3', {text: '改造投资（万元）'}),
    el('p', {class: 'big'}, fmt0.format(wan(tot.budget))),
    el('p', {class: 'sub', text: `已落实资金 ${fmt0.format(wan(tot.funded))} 万元（${pct(funded)}）`}),
    el('p', {class: 'sub', text: `改造内容完成 ${tot.items_done}/${tot.items} 项（${pct(tot.done_share)}）`}));
}

// ---------- charts ----------

/** monthsOf lists the months (YYYY-MM) from the first to the last of dates. */
function monthsOf(dates) {
  const sorted = dates.filter(Boolean).map((d) => d.slice(0, 7)).sort();
  if (!sorted.length) return [];
  const out = [];
  let [y, m] = sorted[0].split('-').map(Number);
  const last = sorted[sorted.length - 1];
  for (let guard = 0; guard < 600; guard++) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= last) break;
    m++; if (m > 12) { m = 1; y++; }
  }
  return out;
}

// renderTrend draws, month by month, how many plans of the batch shown were planned to start and
// finish and how many actually did (cumulative), from the plans' dates (loaded plans have no
// stage history, so the dates are the record).
function renderTrend() {
  const batch = state.data?.batch_year;
  const plans = [...state.plans.values()].filter((p) => !batch || p.batch_year === batch);
  const fields = [['planned_start', '计划开工', '#9ecae1', 'dashed'], ['actual_start', '实际开工', '#1f5f99', 'solid'],
    ['planned_end', '计划竣工', '#a1d99b', 'dashed'], ['actual_end', '实际竣工', '#238443', 'solid']];
  const months = monthsOf(plans.flatMap((p) => fields.map(([f]) => p[f])));
  const asOf = state.data?.as_of?.slice(0, 7);
  chart('chart-trend')?.setOption({
    animation: false,
    grid: {left: 48, right: 24, top: 34, bottom: 28},
    legend: {top: 0, textStyle: {fontSize: 13}},
    tooltip: {trigger: 'axis'},
    xAxis: {type: 'category', data: months, axisLabel: axisText},
    yAxis: {type: 'value', name: '小区', minInterval: 1, axisLabel: axisText},
    series: fields.map(([f, name, color, type]) => ({type: 'line', name, symbol: 'none', step: 'end',
      lineStyle: {color, type, width: 2}, itemStyle: {color},
      // actual dates are known only up to the as-of month
      data: months.map((mo) => (f.startsWith('actual') && asOf && mo > asOf ? null
        : plans.filter((p) => p[f] && p[f].slice(0, 7) <= mo).length)),
      markLine: f === 'actual_start' && asOf ? {symbol: 'none', label: {formatter: '统计截至'}, lineStyle: {color: '#b35806'},
        data: [{xAxis: asOf}]} : undefined})),
  }, true);
}

function stageColours() {
  const expr = state.style?.layers.find((l) => l.id === 'communities-fill')?.paint?.['fill-color'];
  const out = {};
  if (Array.isArray(expr) && expr[0] === 'match') {
    for (let i = 2; i + 1 < expr.length; i += 2) out[expr[i]] = expr[i + 1];
  }
  return out;
}

// chart returns the chart drawn in the element id; every option set on it carries the 保存为图片
// tool (ECharts saveAsImage, the file named after the panel's heading), for reports.
function chart(id) {
  if (!echarts) return null;
  if (!state.charts[id]) state.charts[id] = echarts.init($(id), null, {renderer: 'canvas'});
  const inst = state.charts[id];
  const name = $(id).closest('.panel')?.querySelector('h2')?.firstChild?.textContent || '图表';
  const toolbox = {right: 4, top: 0, itemSize: 14, feature: {saveAsImage: {title: '保存为图片', name, pixelRatio: 2}}};
  return {setOption: (option, notMerge) => inst.setOption({toolbox, ...option}, notMerge)};
}

const axisText = {fontSize: 13, color: '#52606d'};

function renderCharts(d) {
  if (!echarts) { say(t('charts.failed'), true); return; }
  const colours = stageColours();
  const stages = d.by_stage;
  chart('chart-stage')?.setOption({
    animation: false,
    grid: {left: 44, right: 16, top: 16, bottom: 30},
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
    xAxis: {type: 'category', data: stages.map((g) => g.name), axisLabel: axisText},
    yAxis: {type: 'value', minInterval: 1, axisLabel: axisText},
    series: [{type: 'bar', name: '小区数', barMaxWidth: 48,
      data: stages.map((g) => ({value: g.communities, itemStyle: {color: colours[g.key] || '#6baed6'}})),
      label: {show: true, position: 'top', fontSize: 14, fontWeight: 'bold'}}],
  }, true);

  const total = (d.funding_sources || []).reduce((a, s) => a + (d.totals.funds[s.code] || 0), 0);
  const share = Object.fromEntries((d.funding_sources || []).map((s) => [s.name, total ? (d.totals.funds[s.code] || 0) / total : 0]));
  const funds = (d.funding_sources || []).map((s, i) => ({name: s.name, value: Math.round(wan(d.totals.funds[s.code] || 0)),
    itemStyle: {color: FUNDING_COLOURS[i % FUNDING_COLOURS.length]}})).filter((x) => x.value > 0);
  chart('chart-funding')?.setOption({
    animation: false,
    tooltip: {trigger: 'item', formatter: '{b}：{c} 万元（{d}%）'},
    legend: {orient: 'vertical', right: 4, top: 'middle', textStyle: {fontSize: 13},
      formatter: (name) => `${name}  ${pct(share[name] || 0)}`},
    series: [{type: 'pie', radius: ['42%', '74%'], center: ['32%', '52%'], data: funds, minShowLabelAngle: 20,
      label: {position: 'inside', formatter: '{d}%', fontSize: 12, color: '#fff', fontWeight: 'bold'}}],
    graphic: funds.length ? [] : [{type: 'text', left: 'center', top: 'middle', style: {text: '尚无资金数据', fill: '#8896a4', fontSize: 14}}],
  }, true);

  const subs = d.by_subdistrict;
  chart('chart-subdistrict')?.setOption({
    animation: false,
    grid: {left: 56, right: 48, top: 30, bottom: 30},
    legend: {top: 0, textStyle: {fontSize: 13}},
    tooltip: {trigger: 'axis'},
    xAxis: {type: 'category', data: subs.map((g) => g.name), axisLabel: axisText},
    yAxis: [{type: 'value', name: '户', axisLabel: axisText}, {type: 'value', name: '%', max: 100, axisLabel: axisText}],
    series: [
      {type: 'bar', name: '户数', barMaxWidth: 44, data: subs.map((g) => g.households), itemStyle: {color: '#4a90c8'}},
      {type: 'line', name: '改造内容完成率', yAxisIndex: 1, data: subs.map((g) => Math.round(g.done_share * 1000) / 10),
        itemStyle: {color: '#238443'}, symbolSize: 8, label: {show: true, formatter: '{c}%'}},
    ],
  }, true);

  const goals = d.goals;
  chart('chart-goals')?.setOption({
    animation: false,
    grid: {left: 60, right: 20, top: 30, bottom: 24},
    legend: {top: 0, textStyle: {fontSize: 13}},
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
    yAxis: {type: 'category', data: goals.map((g) => g.name), inverse: true, axisLabel: {...axisText, fontSize: 14}},
    xAxis: {type: 'value', minInterval: 1, axisLabel: axisText},
    series: ['met', 'in_progress', 'none'].map((k) => ({type: 'bar', stack: 'g', name: state.labels.goal_state?.[k] || k,
      data: goals.map((g) => g[k]), itemStyle: {color: GOAL_COLOURS[k]}, barMaxWidth: 22,
      label: {show: k !== 'none', formatter: (p) => (p.value ? p.value : '')}})),
  }, true);
}

// ---------- residents' satisfaction (效果共评) ----------

const SURVEY_STATUS = {open: '评价中', closed: '已结束'};

// scoreCell shows a mean rating out of 5, coloured good (≥ 4), fair (≥ 3) or poor; '—' when
// nobody rated.
function scoreCell(mean, count) {
  if (!count) return el('td', {class: 'num empty', text: '—'});
  const grade = mean >= 4 ? 'good' : mean >= 3 ? 'fair' : 'poor';
  return el('td', {class: 'num'}, el('span', {class: `score ${grade}`, text: mean.toFixed(2)}));
}

async function loadSatisfaction() {
  const summary = $('satisfaction-summary');
  let s;
  try {
    s = await getJSON('/api/v1/satisfaction');
  } catch (err) {
    summary.textContent = t('satisfaction.failed', errorText(err));
    return;
  }
  const table = $('table-satisfaction');
  const d = s.district;
  if (!s.communities.length) {
    summary.textContent = '尚无满意度评价：小区完工后，在“居民调查”页发起满意度评价并向住户发放评价码。';
    table.hidden = true;
    return;
  }
  const rated = (gs) => gs.reduce((n, g) => n + g.count, 0);
  summary.textContent = `${d.communities} 个小区、${fmt0.format(d.ballots)} 份答卷（发放评价码 ${fmt0.format(d.codes_issued)} 个），` +
    (rated(d.goals) ? `六个目标总体平均 ${d.mean.toFixed(2)} 分（满分 5 分）。` : '尚无评分。');
  table.querySelector('thead').replaceChildren(el('tr', {},
    el('th', {text: '小区'}), el('th', {text: '评价'}), el('th', {class: 'num', text: '答卷 / 发放'}),
    el('th', {class: 'num', text: '参与率'}), el('th', {class: 'num', text: '总体'}),
    ...d.goals.map((g) => el('th', {class: 'num', text: g.name}))));
  table.querySelector('tbody').replaceChildren(...s.communities.map((c) => el('tr', {},
    el('td', {text: c.community_name}), el('td', {text: SURVEY_STATUS[c.status] || c.status}),
    num(`${fmt0.format(c.ballots)} / ${fmt0.format(c.codes_issued)}`),
    num(c.codes_issued ? pct(c.participation) : '—'), scoreCell(c.mean, rated(c.goals)),
    ...c.goals.map((g) => scoreCell(g.mean, g.count)))));
  table.querySelector('tfoot').replaceChildren(el('tr', {},
    el('td', {text: '全区'}), el('td', {text: `${d.communities} 个小区`}),
    num(`${fmt0.format(d.ballots)} / ${fmt0.format(d.codes_issued)}`),
    num(d.codes_issued ? pct(d.ballots / d.codes_issued) : '—'), scoreCell(d.mean, rated(d.goals)),
    ...d.goals.map((g) => scoreCell(g.mean, g.count))));
  table.hidden = false;
}

// ---------- tables ----------

function shareCell(x) {
  const i = el('i');
  i.style.width = `${Math.round(x * 100)}%`;
  return el('td', {class: 'nowrap'}, el('span', {class: 'share'}, i), pct(x));
}
const num = (v) => el('td', {class: 'num', text: v});

function renderTables(d) {
  const subRows = d.by_subdistrict.map((g) => el('tr', {},
    el('td', {text: g.name}), num(g.communities), num(g.buildings), num(fmt0.format(g.households)),
    num(fmt.format(g.floor_area / 10000)), num(fmt0.format(wan(g.budget))), num(fmt0.format(wan(g.funded))), shareCell(g.done_share)));
  $('table-subdistrict').tBodies[0].replaceChildren(...subRows);
  const tot = d.totals;
  $('table-subdistrict').tFoot.replaceChildren(el('tr', {}, el('td', {text: '合计'}), num(tot.communities), num(tot.buildings),
    num(fmt0.format(tot.households)), num(fmt.format(tot.floor_area / 10000)), num(fmt0.format(wan(tot.budget))),
    num(fmt0.format(wan(tot.funded))), shareCell(tot.done_share)));

  const deptRows = d.by_department.map((g) => el('tr', {},
    el('td', {text: g.name}), num(g.communities), num(g.items), num(g.items_done), num(fmt0.format(wan(g.budget))), shareCell(g.done_share)));
  $('table-department').tBodies[0].replaceChildren(...(deptRows.length ? deptRows : [el('tr', {}, el('td', {class: 'empty', colspan: 6, text: '暂无改造内容'}))]));

  $('overdue-note').textContent = `截至 ${d.as_of}，共 ${d.overdue.length} 个`;
  const lateRows = d.overdue.map((o) => el('tr', {},
    el('td', {}, el('a', {href: `/plan?id=${o.plan_id}`, text: o.community})), el('td', {text: o.subdistrict}),
    el('td', {text: o.stage_name}), el('td', {}, el('span', {class: `pill ${o.kind === 'not_completed' ? 'bad' : 'warn'}`, text: o.reason})),
    el('td', {text: o.due}), num(`${o.days_late} 天`)));
  $('table-overdue').tBodies[0].replaceChildren(...(lateRows.length ? lateRows : [el('tr', {}, el('td', {class: 'empty', colspan: 6, text: '没有逾期的方案'}))]));
}

// ---------- map ----------

// Which style groups each overlay shows; communities-line and the labels stay on for orientation.
const MODES = {
  stage: {groups: new Set(['base', 'roads', 'communities']), title: '改造阶段'},
  goals: {groups: new Set(['base', 'roads', 'goals']), title: '六个目标（已达标目标数）'},
  coverage: {groups: new Set(['base', 'roads', 'coverage-areas']), title: '生活圈配套完整度'},
  pipelines: {groups: new Set(['base', 'roads', 'pipelines']), title: '地下管线状况'},
};
const ALWAYS = new Set(['communities-line', 'community_labels', 'subdistrict_labels']);

function startMap() {
  if (!maplibregl) { say(t('map.failed'), true); return; }
  const map = new maplibregl.Map({
    container: 'dash-map', style: `${origin}/tiles/style.json`, center: [124.35, 43.165], zoom: 13.2,
    minZoom: 10, maxZoom: 19, attributionControl: false, dragRotate: false, pitchWithRotate: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-right');
  map.addControl(new maplibregl.ScaleControl({maxWidth: 100, unit: 'metric'}), 'bottom-right');
  map.addControl(new maplibregl.AttributionControl({compact: true}), 'bottom-right');
  state.map = map;
  state.mapErrors = [];
  map.on('error', (ev) => state.mapErrors.push(ev?.error?.message || String(ev)));
  map.once('load', () => {
    state.mapLoaded = true;
    if (map.getLayer('pipelines-line')) map.setPaintProperty('pipelines-line', 'line-color', PIPE_CONDITION);
    addAreaLayers(map);
    setMode(state.mode);
    wireClicks(map);
  });
  map.on('zoomend', () => updateHint());
}

// The 生活圈配套 overlay: one colour per community or per 街道, by the share of the required
// facility kinds its households reach on average (GET /api/v1/coverage/complete), instead of
// every community's circles at once. The 管线状况 overlay the same way below zoom 15, by the share
// of pipe length in poor or critical condition (GET /api/v1/pipelines/condition); from zoom 15
// the pipes themselves.
const COMPLETE_RAMP = [[0, '#d73027', '低于25%'], [0.25, '#fc8d59', '25%–35%'], [0.35, '#fee08b', '35%–45%'],
  [0.45, '#91cf60', '45%–60%'], [0.6, '#1a9850', '60%及以上']];
const PIPE_RAMP = [[0, '#1a9850', '低于10%'], [0.1, '#91cf60', '10%–25%'], [0.25, '#fee08b', '25%–40%'],
  [0.4, '#fc8d59', '40%–60%'], [0.6, '#d73027', '60%及以上']];
const PIPE_LINES_ZOOM = 15;
const AREA_OVERLAYS = {
  coverage: {group: 'coverage-areas', prefix: 'coverage', url: '/api/v1/coverage/complete', share: 'required_share', ramp: COMPLETE_RAMP,
    failed: (why) => t('completeness.failed', why)},
  pipelines: {group: 'pipelines', prefix: 'pipes', url: '/api/v1/pipelines/condition', share: 'bad_share', ramp: PIPE_RAMP,
    failed: (why) => t('pipes.condition.failed', why), maxzoom: PIPE_LINES_ZOOM},
};
const AREA_UNITS = ['communities', 'subdistricts'];
const AREA_LAYER_IDS = new Set(Object.values(AREA_OVERLAYS).flatMap((o) => AREA_UNITS.map((u) => `${o.prefix}-${u}`)));

function rampColour(ramp, share) {
  let colour = ramp[0][1];
  for (const [from, c] of ramp) if (share >= from) colour = c;
  return colour;
}

function addAreaLayers(map) {
  const before = map.getLayer('communities-line') ? 'communities-line' : undefined;
  for (const o of Object.values(AREA_OVERLAYS)) {
    for (const unit of AREA_UNITS) {
      const like = map.getStyle().layers.find((l) => l['source-layer'] === unit);
      if (!like) continue;
      map.addLayer({id: `${o.prefix}-${unit}`, type: 'fill', source: like.source, 'source-layer': unit,
        metadata: {'renewmap:group': o.group}, layout: {visibility: 'none'}, ...(o.maxzoom ? {maxzoom: o.maxzoom} : {}),
        paint: {'fill-color': '#f0f0f0', 'fill-opacity': 0.78, 'fill-outline-color': '#ffffff'}}, before);
    }
  }
}

// paintAreas colours the areas of the current mode's overlay (none for the other modes) by
// community or by 街道 as #coverage-by says.
async function paintAreas() {
  const map = state.map;
  const mode = state.mode;
  const o = AREA_OVERLAYS[mode];
  if (!o) return;
  state.areaFigures ??= {};
  try {
    state.areaFigures[mode] ??= await getJSON(o.url);
  } catch (err) {
    say(o.failed(errorText(err)), true);
    return;
  }
  if (state.mode !== mode) return;
  const by = $('coverage-by').value;
  for (const unit of AREA_UNITS) {
    const id = `${o.prefix}-${unit}`;
    if (!map.getLayer(id)) continue;
    const list = state.areaFigures[mode][unit] || [];
    map.setPaintProperty(id, 'fill-color', list.length
      ? ['match', ['id'], ...list.flatMap((a) => [a.id, rampColour(o.ramp, a[o.share])]), '#f0f0f0'] : '#f0f0f0');
    map.setLayoutProperty(id, 'visibility', unit === by ? 'visible' : 'none');
  }
}

// fitCommunities frames the communities in the programme (those with a stage).
function fitCommunities(list) {
  if (list) state.communities = list;
  const staged = (state.communities || []).filter((c) => c.stage);
  if (!staged.length || !state.map) return;
  const box = staged.reduce((b, c) => [Math.min(b[0], c.bbox[0]), Math.min(b[1], c.bbox[1]), Math.max(b[2], c.bbox[2]), Math.max(b[3], c.bbox[3])],
    [180, 90, -180, -90]);
  state.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], {padding: 30, duration: 0, maxZoom: 15});
}

function setMode(mode) {
  state.mode = mode;
  for (const b of document.querySelectorAll('.modes button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  const map = state.map;
  if (!map || !state.mapLoaded) return;
  const m = MODES[mode];
  for (const l of map.getStyle().layers) {
    const group = l.metadata?.['renewmap:group'];
    // The area overlays are shown by paintAreas, one unit at a time.
    const on = ALWAYS.has(l.id) || (m.groups.has(group) && !AREA_LAYER_IDS.has(l.id) && !(l.id === 'communities-fill' && mode !== 'stage')) || l.type === 'background';
    map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
  }
  const by = $('coverage-by');
  by.hidden = !AREA_OVERLAYS[mode];
  by.setAttribute('aria-label', mode === 'pipelines' ? '管线状况的统计单元' : '配套完整度的统计单元');
  paintAreas();
  renderLegend(mode);
  updateHint();
}

function updateHint() {
  const hint = $('map-hint');
  const z = state.map?.getZoom() ?? 0;
  const pipes = state.mode === 'pipelines' && z < PIPE_LINES_ZOOM;
  hint.hidden = !pipes;
  const byStreet = $('coverage-by').value === 'subdistricts';
  hint.textContent = !pipes ? '' : byStreet ? t('pipes.hint.subdistricts', PIPE_LINES_ZOOM) : t('pipes.hint.communities', PIPE_LINES_ZOOM);
}

function swatch(colour, line = false) {
  const s = el('span', {class: `swatch${line ? ' line' : ''}`, 'aria-hidden': 'true'});
  if (line) s.style.borderColor = colour; else s.style.backgroundColor = colour;
  return s;
}

function renderLegend(mode) {
  const box = $('legend');
  const layer = (id) => state.map.getStyle().layers.find((l) => l.id === id);
  let items = [];
  if (mode === 'stage') {
    const colours = stageColours();
    items = Object.entries(colours).map(([k, c]) => [state.labels.plan_stage?.[k] || k, c]);
    items.push(['未纳入改造计划', layer('communities-fill')?.paint?.['fill-color']?.at?.(-1) || '#eee']);
  } else if (mode === 'goals') {
    const expr = layer('goals-fill')?.paint?.['fill-color'];
    if (Array.isArray(expr)) {
      items.push([`0 个目标达标`, expr[2]]);
      for (let i = 3; i + 1 < expr.length; i += 2) items.push([`${expr[i]} 个目标达标`, expr[i + 1]]);
    }
  } else if (mode === 'coverage') {
    items = [...COMPLETE_RAMP].reverse().map(([, c, text]) => [`可达必配设施 ${text}`, c]);
  } else if (mode === 'pipelines') {
    items = [...PIPE_RAMP].reverse().map(([, c, text]) => [`较差、危险管线 ${text}`, c]);
    for (let i = 2; i + 1 < PIPE_CONDITION.length; i += 2) items.push([state.labels.pipe_condition?.[PIPE_CONDITION[i]] || PIPE_CONDITION[i], PIPE_CONDITION[i + 1], true]);
  }
  box.replaceChildren(el('h4', {text: MODES[mode].title}),
    el('ul', {}, items.map(([name, colour, line]) => el('li', {}, swatch(colour, line), name))));
}

function wireClicks(map) {
  const popup = new maplibregl.Popup({maxWidth: '320px', focusAfterOpen: false});
  map.on('click', (ev) => {
    const layers = ['communities-fill', 'goals-fill'].filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
    const hits = map.queryRenderedFeatures(ev.point, {layers});
    if (!hits.length) { popup.remove(); return; }
    const f = hits[0];
    const p = f.properties || {};
    const plan = state.plans.get(Number(f.id));
    const body = el('div', {class: 'pop'}, el('h3', {text: p.name || '小区'}));
    if (plan) {
      body.append(...[el('p', {text: `${plan.community.subdistrict_name} · ${plan.stage_name} · ${state.labels.batch?.[plan.batch] || plan.batch}${plan.batch_year ? `（${plan.batch_year}）` : ''}`}),
        el('p', {text: `${plan.community.buildings} 栋 · ${fmt0.format(plan.community.households)} 户 · 投资 ${fmt0.format(wan(plan.cost))} 万元`}),
        el('div', {class: 'goal-dots'}, plan.goals.map((g) => el('span', {class: `pill ${g.state === 'met' ? 'ok' : g.state === 'in_progress' ? 'warn' : 'none'}`, text: `${g.name}·${state.labels.goal_state?.[g.state] || g.state}`}))),
        plan.overdue ? el('p', {}, el('span', {class: 'pill bad', text: `${plan.overdue.reason} ${plan.overdue.days_late} 天`})) : null,
        el('p', {}, el('a', {href: `/plan?id=${plan.id}`, text: '查看改造方案 →'}))].filter(Boolean));
    } else {
      body.append(el('p', {class: 'empty', text: '尚未纳入改造计划'}));
    }
    popup.setLngLat(ev.lngLat).setDOMContent(body).addTo(map);
  });
  map.on('mousemove', (ev) => {
    const layers = ['communities-fill', 'goals-fill'].filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
    map.getCanvas().style.cursor = map.queryRenderedFeatures(ev.point, {layers}).length ? 'pointer' : '';
  });
}

// ---------- controls ----------

// setWall turns the 大屏 mode on or off: the page fills the screen (full screen when asked by a
// click), without the navigation header and the controls, its text scaled for a wall display
// (dashboard.css, html.wall); ?screen=wall opens the dashboard in it.
function setWall(on, fullscreen) {
  document.documentElement.classList.toggle('wall', on);
  $('wall').setAttribute('aria-pressed', String(on));
  if (fullscreen && on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  if (fullscreen && !on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
  setTimeout(() => { Object.values(state.charts).forEach((c) => c.resize()); state.map?.resize(); }, 100);
}

function navigate(changes) {
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined) state.params.delete(k); else state.params.set(k, v);
  }
  history.replaceState(null, '', `${location.pathname}${state.params.toString() ? `?${state.params}` : ''}`);
  load();
}

function wireControls() {
  $('asof').addEventListener('change', (ev) => {
    if (ev.target.value) navigate({as_of: ev.target.value});
  });
  $('batch').addEventListener('change', (ev) => navigate({batch_year: ev.target.value}));
  $('asof-form').addEventListener('submit', (ev) => ev.preventDefault());
  $('asof-save').addEventListener('click', async () => {
    try {
      await sendJSON('PATCH', '/api/v1/programme/settings', {as_of: $('asof').value});
      navigate({as_of: null});
      say(t('dashboard.asof.saved', $('asof').value));
    } catch (err) { say(errorText(err), true); }
  });
  $('asof-today').addEventListener('click', async () => {
    try {
      await sendJSON('PATCH', '/api/v1/programme/settings', {as_of: null});
      navigate({as_of: null});
    } catch (err) { say(errorText(err), true); }
  });
  for (const b of document.querySelectorAll('.modes button')) b.addEventListener('click', () => setMode(b.dataset.mode));
  $('coverage-by').addEventListener('change', () => { paintAreas(); updateHint(); });
  $('wall').addEventListener('click', () => setWall(!document.documentElement.classList.contains('wall'), true));
  $('print').addEventListener('click', () => window.print());
  document.addEventListener('fullscreenchange', () => { if (!document.fullscreenElement) setWall(false, false); });
  let resizing;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => Object.values(state.charts).forEach((c) => c.resize()), 150);
  });
}

async function start() {
  renderAccount($('account'));
  wireControls();
  if (state.params.get('screen') === 'wall') setWall(true, false);
  const [me, labels, style] = await Promise.all([
    whoami(), codeLists().catch(() => ({})), getJSON('/tiles/style.json').catch(() => null),
  ]);
  state.me = me;
  state.labels = labels;
  state.style = style;
  for (const l of await vectorLayers(style)) state.vectorLayers.add(l.id);
  const pipes = document.querySelector('.modes button[data-mode="pipelines"]');
  pipes.hidden = !(me?.may?.sensitive && state.vectorLayers.has('pipelines'));
  const coverage = document.querySelector('.modes button[data-mode="coverage"]');
  coverage.hidden = !state.vectorLayers.has('coverage');
  const goals = document.querySelector('.modes button[data-mode="goals"]');
  goals.hidden = !state.vectorLayers.has('goals');
  $('csv-link').hidden = !['planner', 'leader', 'admin'].includes(me?.user?.role);
  $('xlsx-link').hidden = $('csv-link').hidden;
  for (const [id, name] of [['table-subdistrict', '按街道'], ['table-department', '按责任部门'], ['table-overdue', '逾期提醒'],
    ['table-satisfaction', '居民满意度']]) addExport($(id), name, $(id));
  startMap();
  getJSON('/api/v1/communities?limit=500').then((b) => fitCommunities(b.communities || [])).catch(() => {});
  const plansP = getJSON('/api/v1/plans').then((b) => {
    for (const p of b.plans || []) state.plans.set(p.community.id, p);
  }).catch(() => {});
  await Promise.all([load(), loadSatisfaction()]);
  await plansP;
  renderTrend();
  state.ready = true;
}

start();
