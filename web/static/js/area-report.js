// The printable area report (GET /area-report?id=N): GET /api/v1/areas/:id/report laid out as
// sections of tables, with print CSS. DOM is built with textContent only (util.el).
import {el, getJSON, formatNumber} from './util.js';
import {renderAccount} from './account.js';
import {errorText, codeLists} from './api.js';
import {t} from './msg.js';

const $ = (id) => document.getElementById(id);
const num = (n) => formatNumber(n);
const money = (n) => new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 0}).format(n);
const pct = (x) => `${(x * 100).toFixed(1)}%`;

// drawMap shows the area's communities (blue) on the district map, framed to them; the canvas
// keeps its pixels so the map prints.
async function drawMap(members) {
  const maplibregl = window.maplibregl;
  if (!maplibregl) return;
  const ids = members.map((m) => m.id);
  const {communities} = await getJSON('/api/v1/communities?limit=500');
  const box = communities.filter((c) => ids.includes(c.id) && Array.isArray(c.bbox)).reduce((b, c) =>
    [Math.min(b[0], c.bbox[0]), Math.min(b[1], c.bbox[1]), Math.max(b[2], c.bbox[2]), Math.max(b[3], c.bbox[3])], [180, 90, -180, -90]);
  const map = new maplibregl.Map({container: 'report-map', style: `${location.origin}/tiles/style.json`, interactive: false,
    attributionControl: {compact: true}, canvasContextAttributes: {preserveDrawingBuffer: true},
    bounds: box[0] < box[2] ? [[box[0], box[1]], [box[2], box[3]]] : undefined, fitBoundsOptions: {padding: 30, maxZoom: 16}});
  window.renewmapReport = {map};
  map.once('load', () => {
    const before = map.getLayer('community_labels') ? 'community_labels' : undefined;
    const like = map.getStyle().layers.find((l) => l['source-layer'] === 'communities');
    if (!like) return;
    map.addLayer({id: 'report-members', type: 'fill', source: like.source, 'source-layer': 'communities',
      filter: ['in', ['id'], ['literal', ids]], paint: {'fill-color': '#1f5f99', 'fill-opacity': 0.45}}, before);
    map.addLayer({id: 'report-members-line', type: 'line', source: like.source, 'source-layer': 'communities',
      filter: ['in', ['id'], ['literal', ids]], paint: {'line-color': '#1f5f99', 'line-width': 2.5}}, before);
  });
}

function rows(tbody, list, cells) {
  $(tbody).tBodies[0].replaceChildren(...list.map((x) => el('tr', {}, cells(x).map((c) =>
    (c instanceof Node ? c : el('td', {text: c ?? '—'}))))));
}

async function start() {
  renderAccount($('account'));
  $('print').addEventListener('click', () => window.print());
  const id = new URLSearchParams(location.search).get('id');
  if (!id || !/^\d+$/.test(id)) {
    $('status').textContent = t('report.noid');
    $('status').classList.add('error');
    return;
  }
  let r;
  let labels;
  try {
    [r, labels] = await Promise.all([getJSON(`/api/v1/areas/${id}/report`), codeLists()]);
  } catch (err) {
    $('status').textContent = t('report.failed', errorText(err));
    $('status').classList.add('error');
    return;
  }
  const L = (e, code) => (code === 'none' || !code ? t('batch.none') : (labels[e]?.[code] || code));
  const a = r.area;
  const tot = a.totals;
  document.title = `${a.name} · 片区报告`;
  $('title').textContent = `${a.name} 片区报告`;
  $('subtitle').textContent = `编号 ${a.code} · ${a.created_by || '—'} 创建于 ${new Date(a.created_at).toLocaleDateString('zh-CN')} · 生成于 ${new Date(r.generated_at).toLocaleString('zh-CN')}`;

  const facts = [['小区', `${tot.communities}个`], ['楼栋', `${tot.buildings}栋`], ['户数', `${num(tot.households)}户`],
    ['建筑面积', `${num(tot.floor_area)}m²`], ['建成年代', `${tot.completed_from ? `${tot.completed_from}–${tot.completed_to}年` : ''}${tot.unknown_year ? `（${tot.unknown_year}个小区未知/待核实）` : ''}` || '—'],
    ['批次', Object.entries(tot.batches).map(([k, n]) => `${L('batch', k)}${n}`).join('、')],
    ['阶段', Object.entries(tot.stages).map(([k, n]) => `${L('plan_stage', k)}${n}`).join('、')]];
  $('totals').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {text: k}), el('dd', {text: v})]));
  drawMap(a.members).catch(() => { $('report-map').hidden = true; });
  rows('members', a.members, (m) => [m.name, m.subdistrict, m.completed_year == null ? '未知' : String(m.completed_year), num(m.buildings), num(m.households),
    num(m.floor_area), L('batch', m.batch), L('plan_stage', m.stage)]);

  const names = new Map(a.members.map((m) => [m.id, m.name]));
  // A gap without a site of its own: either no candidate site can host the kind, or those that
  // can (listed in 五) went to other gaps — saying "none can" then would contradict 五.
  const noSite = (kind) => {
    const able = r.sites.filter((x) => (x.hostable_kinds || []).includes(kind));
    return able.length ? `可承载的${able.slice(0, 2).map((x) => x.name).join('、')}${able.length > 2 ? '等' : ''}已安排给其他设施`
      : '无可承载的候选用地';
  };
  const siteFor = new Map(r.gap_sites.map((g) => [g.kind.kind, g]));
  const gaps = r.gaps.filter((g) => g.gap);
  rows('gaps', gaps, (g) => {
    const s = siteFor.get(g.kind);
    return [g.name, labels.facility_level?.[g.level] || g.level, `${num(g.covered)}/${num(g.households)}`,
      el('td', {class: 'bad', text: pct(g.share)}), el('td', {class: 'text', text: g.gap_members.length === a.members.length ? `全部${a.members.length}个小区`
        : g.gap_members.slice(0, 4).map((m) => names.get(m) || m).join('、') + (g.gap_members.length > 4 ? `等${g.gap_members.length}个` : '')}),
      el('td', {class: 'text', text: s?.site ? `${s.site.name}${s.site.inside ? '（片区内）' : `（片区外${Math.round(s.site.distance_m)}m）`}` : noSite(g.kind)}),
      s?.site ? `${num(s.newly_covered)}户` : '—'];
  });
  if (!gaps.length) $('gaps').tBodies[0].replaceChildren(el('tr', {}, el('td', {colspan: 7, text: '无共性缺口'})));
  // Kinds the dataset holds no facility of: unknown on the ground, so not counted as gaps.
  const noData = r.gaps.filter((g) => g.no_data && g.required);
  $('gaps-nodata').hidden = !noData.length;
  $('gaps-nodata').textContent = `无数据（数据中没有此类设施，未计为缺口）：${noData.map((g) => g.name).join('、')}`;

  const p = r.parking;
  $('parking-note').textContent = `需求按每户${p.ratio}个车位计（老旧小区无国家标准，可调整），并与每户1个车位比较；充电桩按车位的${Math.round(p.charger_share * 100)}%计。`;
  const prow = (name, g) => [name, num(g.households), num(g.supply.capacity.car_space || 0), num(g.supply.capacity.car_lot || 0),
    num(g.demand), el('td', {class: g.gap > 0 ? 'bad' : '', text: num(g.gap)}), num(g.gap_full), num(g.chargers),
    num(g.charger_gap), num(g.bike_places)];
  rows('parking', p.communities, (g) => prow(g.name, g));
  $('parking').tFoot.replaceChildren(el('tr', {}, prow('合计', p.total).map((c) => (c instanceof Node ? c : el('td', {text: c})))));

  if (r.pipelines) {
    const ps = r.pipelines;
    $('pipes-note').textContent = `片区范围内管线共${num(ps.length_m)}m，其中较差/危险或超过设计年限（截至${ps.year}年）的${num(ps.failing_m)}m。`;
    rows('pipes-kind', ps.by_kind, (l) => [L('pipeline_kind', l.key), num(l.pipes), num(l.length_m)]);
    rows('pipes-condition', ps.by_condition, (l) => [L('pipe_condition', l.key), num(l.pipes), num(l.length_m)]);
    rows('pipes-operator', ps.by_operator, (l) => [l.key, num(l.pipes), num(l.length_m)]);
  } else {
    $('pipes-note').textContent = t('pipes.forbidden');
    for (const id of ['pipes-kind', 'pipes-condition', 'pipes-operator']) $(id).hidden = true;
  }

  rows('sites', r.sites, (s) => [s.name, L('site_origin', s.origin), num(s.area_m2),
    s.inside ? '片区内' : `片区外${Math.round(s.distance_m)}m`,
    el('td', {class: 'text', text: s.hostable_kinds.map((k) => L('facility_kind', k)).join('、')})]);
  if (!r.sites.length) $('sites').tBodies[0].replaceChildren(el('tr', {}, el('td', {colspan: 5, text: '无'})));

  const e = r.estimate;
  rows('estimate', e.lines, (l) => [`${l.code} ${l.name}`, num(l.quantity), l.unit, money(l.unit_cost), money(l.cost),
    el('td', {class: 'text', text: l.basis.replace(/待更新管线 (\w+)/g, (_, k) => `待更新${L('pipeline_kind', k)}管线`)})]);
  $('estimate').tFoot.replaceChildren(el('tr', {}, el('td', {text: '合计'}), el('td', {colspan: 3, text: ''}),
    el('td', {id: 'estimate-total', text: money(e.total)}), el('td', {class: 'text', text: `约${(e.total / 10000).toFixed(1)}万元`})));
  $('missing').replaceChildren(...e.missing.map((m) => el('li', {text: `未计费用：${m}`})));
  $('footer').textContent = `步行网络版本 ${r.version}。设施覆盖按步行网络距离计算；停车配建比、充电桩比例、管线设计年限为可调整的假定值。`;
  $('status').hidden = true;
  $('body').hidden = false;
  document.body.dataset.ready = 'true';
}

start();
