// The data-quality panel (数据质量) of the planner map: what GET /api/v1/quality finds in the data
// — isolated communities, dangles, buildings and facilities far from the walk network,
// communities and buildings of unknown year, provisional (待核实) outlines, unknown values and
// facility kinds without any data — each entry leading to its place on the map (with the editing
// tool that fixes it ready, for those who may edit), where the dangles (red) and the far buildings
// and facilities (orange) are marked. After an edit the report is computed again (the walk network
// follows within seconds), so a fixed finding goes away.
import {el, getJSON, formatNumber} from './util.js';
import {t} from './msg.js';

const SHOWN = 20; // entries listed per group; the count says how many there are

/** initQuality loads the report into #quality-body, and again after each edit. app: {map, panel}; communitiesP: the list. */
export async function initQuality(app, communitiesP) {
  const body = document.getElementById('quality-body');
  let q;
  try {
    q = await getJSON('/api/v1/quality');
  } catch (err) {
    body.replaceChildren(el('p', {class: 'note', text: `数据质量报告加载失败：${err.message}`}));
    return;
  }
  const communities = await communitiesP;
  render(app, communities, q);
  // After an edit: the findings that come from the tables change at once, the isolated
  // communities when the walk network has been rebuilt (its version changes); ask until then.
  let polling = 0;
  window.addEventListener('renewmap:edited', async () => {
    const mine = ++polling;
    const was = q.version;
    for (let i = 0; i < 20 && mine === polling; i++) {
      await new Promise((r) => setTimeout(r, i ? 1500 : 300));
      const next = await getJSON('/api/v1/quality').catch(() => null);
      if (!next || mine !== polling) continue;
      q = next;
      render(app, communities, q);
      if (q.version !== was) break;
    }
  });
}

/** render shows report q in the panel and on the map. */
function render(app, communities, q) {
  const body = document.getElementById('quality-body');
  const fly = (p) => app.map.flyTo({center: p, zoom: 18, duration: 800});
  // For a planner or admin (the editing module is loaded), a finding opens the tool that fixes it;
  // for the other roles it only shows the place.
  const fixOr = (how, show) => () => (app.edit?.fix ? app.edit.fix(how) : show());
  const group = (key, title, count, items, empty) => el('details', {class: 'quality-group', dataset: {group: key}, open: count > 0 && key !== 'unknown'},
    el('summary', {}, title, el('span', {class: count ? 'quality-n bad' : 'quality-n', text: String(count)})),
    count || items.length ? el('ul', {class: 'quality-list'}, ...items.slice(0, SHOWN),
      count > SHOWN ? el('li', {class: 'note', text: `…… 另有 ${count - SHOWN} 项（renewmap quality 列出全部）`}) : false)
      : el('p', {class: 'note', text: empty}));

  const isolated = q.isolated.map((c) => el('li', {},
    el('button', {type: 'button', class: 'link-button', dataset: {community: String(c.community)}, text: c.name,
      onclick: () => {
        const found = communities.find((x) => Number(x.id) === c.community);
        if (!found) return;
        app.panel.selectCommunity(found, {fly: !app.edit?.fix});
        const b = found.bbox;
        if (app.edit?.fix && Array.isArray(b) && b.length === 4) app.edit.fix({tool: 'path', at: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], zoom: 17});
      }}),
    el('span', {class: 'quality-why', text: `${t(`isolation.${c.reason}`)} · ${c.buildings} 栋楼、${formatNumber(c.households)} 户`})));
  // A dangle is a few metres short: zoom in until that gap is some 40 pixels wide, so the
  // planner clicks the loose end and the street apart.
  const gapZoom = (d) => Math.min(20, Math.max(17, Math.log2(156543 * Math.cos(d.end[1] * Math.PI / 180) * 40 / Math.max(d.distance_m, 0.5))));
  // A building far from the paths: zoom out until the nearest one is some 250 pixels away, in view.
  const nearZoom = (f) => (f.distance_m == null ? 16
    : Math.min(18, Math.max(15, Math.log2(156543 * Math.cos(f.point[1] * Math.PI / 180) * 250 / f.distance_m))));
  const dangles = q.dangles.map((d) => el('li', {},
    el('button', {type: 'button', class: 'link-button', dataset: {road: d.road}, text: `道路 ${d.road}`,
      onclick: fixOr({tool: 'path', at: d.end, zoom: gapZoom(d)}, () => fly(d.end))}),
    el('span', {class: 'quality-why', text: `端点距道路 ${d.near} ${d.distance_m.toFixed(1)} 米，未相接`})));
  const far = q.far.map((f) => el('li', {},
    el('button', {type: 'button', class: 'link-button', dataset: {layer: f.layer, id: String(f.id)}, text: `${f.layer === 'facilities' ? '设施' : '楼栋'} ${f.name || f.code}`,
      onclick: fixOr({tool: 'pick', layer: f.layer, id: f.id, at: f.point, zoom: nearZoom(f)}, () => fly(f.point))}),
    el('span', {class: 'quality-why', text: f.distance_m == null ? '附近没有步行道路' : `距步行道路 ${Math.round(f.distance_m)} 米`})));
  const layerName = {communities: '小区', buildings: '楼栋'};
  const years = q.unknown_year.map((f) => el('li', {},
    el('button', {type: 'button', class: 'link-button', dataset: {layer: f.layer, id: String(f.id)}, text: `${layerName[f.layer]} ${f.name || f.code}`,
      onclick: fixOr({tool: 'pick', layer: f.layer, id: f.id, at: f.point, focus: 'edit-f-completed_year'}, () => fly(f.point))}),
    el('span', {class: 'quality-why', text: '建成年份未知，请补填'})));
  const provisional = q.provisional.map((f) => el('li', {},
    el('button', {type: 'button', class: 'link-button', dataset: {layer: f.layer, id: String(f.id)}, text: f.name || f.code,
      onclick: fixOr({tool: 'pick', layer: 'communities', id: f.id, at: f.point, zoom: 17, focus: 'edit-confirm'}, () => fly(f.point))}),
    el('span', {class: 'quality-why', text: '轮廓由系统推测，请确认或修改'})));
  const unknown = q.unknown.filter((u) => u.unknown || u.placeholder).map((u) => el('li', {},
    el('span', {text: u.label}),
    el('span', {class: 'quality-why', text: `${u.unknown} / ${u.rows} 未知/待核实${u.placeholder ? `，${u.placeholder} 仍为占位值 1900` : ''}`})));
  const nodata = q.no_data_kinds.map((k) => el('li', {dataset: {kind: k.code}, text: k.name}));

  showOnMap(app.map, q);

  const problems = q.isolated.length + q.dangles.length + q.far_count + q.unknown_year_count + q.provisional.length;
  document.getElementById('quality-count').textContent = problems ? `${problems} 项待处理` : '未发现路网问题';
  body.replaceChildren(
    group('isolated', '孤立小区', q.isolated.length, isolated, '没有与城市道路隔断的小区'),
    group('dangles', '断头路（5 米内未接上）', q.dangles.length, dangles, '没有断头路'),
    group('far', '远离步行路网的楼栋和设施', q.far_count, far, '所有楼栋和设施都在步行道路附近'),
    group('years', '建成年份未知的小区和楼栋', q.unknown_year_count, years, '所有小区和楼栋都有建成年份'),
    group('provisional', '待核实的小区轮廓（系统推测）', q.provisional.length, provisional, '没有待核实的小区轮廓'),
    group('unknown', '未知/待核实的属性', unknown.length, unknown, '没有未知的属性'),
    group('nodata', '无数据的设施类型（不计为缺口）', nodata.length, nodata, '每类设施都有数据'));
}

/** showOnMap marks the dangles' loose ends and the far buildings and facilities on the map. */
function showOnMap(map, q) {
  const point = (p, props) => ({type: 'Feature', geometry: {type: 'Point', coordinates: p}, properties: props});
  const data = {type: 'FeatureCollection', features: [
    ...q.dangles.map((d) => point(d.end, {kind: 'dangle', road: d.road})),
    ...q.far.map((f) => point(f.point, {kind: 'far', code: f.code}))]};
  if (map.getSource('quality')) {
    map.getSource('quality').setData(data);
    return;
  }
  map.addSource('quality', {type: 'geojson', data});
  map.addLayer({id: 'quality-points', type: 'circle', source: 'quality', paint: {
    'circle-radius': 7, 'circle-color': ['match', ['get', 'kind'], 'dangle', '#d7301f', '#fc8d59'],
    'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2}});
}
