// The public notice (公示) of a community's plan (/notice/{code}) and the district's list
// (/notices): read-only, no login. Everything is built with textContent; the community map is an
// SVG drawn from the public GeoJSON (outline, buildings, gates only); the QR code is drawn
// locally. Also exports the small helpers the other residents' pages share.
import qrcode from '/static/vendor/qrcode-generator.mjs';
import {el, getJSON} from './util.js';
import {errorText} from './api.js';
import {t} from './msg.js';

const SVG = 'http://www.w3.org/2000/svg';

/** svg creates an SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'text') node.textContent = v; else node.setAttribute(k, String(v));
  }
  node.append(...children);
  return node;
}

/** qrSVG draws text as a QR code (error correction M) in an SVG of one path. */
export function qrSVG(text, label = '二维码') {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 2;
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (qr.isDark(y, x)) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }
  }
  const size = n + 2 * quiet;
  return svg('svg', {viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges'},
    svg('rect', {width: size, height: size, fill: '#fff'}),
    svg('path', {d, fill: '#000'}));
}

const money = new Intl.NumberFormat('zh-CN', {minimumFractionDigits: 2, maximumFractionDigits: 2});
const plain = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 2});

/** yuan formats an amount of money: 1,234.50. */
export const yuan = (n) => money.format(n);
/** wan formats a large amount in 万元. */
export const wan = (n) => `${plain.format(Math.round(n / 100) / 100)} 万元`;
/** pct formats a share 0–1 as a percentage with one decimal. */
export const pct = (x) => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
export const num = (n) => plain.format(n);

function showError(message) {
  const box = document.getElementById('message');
  box.textContent = message;
  box.hidden = false;
}

/** communityFromPath reads the last path segment: /notice/C1 → C1. */
export function communityFromPath() {
  const parts = location.pathname.split('/').filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || '');
}

function facts(dl, pairs) {
  dl.replaceChildren(...pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => el('div', {}, el('dt', {text: k}), el('dd', {text: String(v)}))));
}

// drawMap renders the community's outline, buildings and gates into box as an SVG. Coordinates
// are projected equirectangularly around the community (accurate at this scale).
function drawMap(box, fc) {
  const feats = fc.features || [];
  const pts = [];
  const walk = (c) => (typeof c[0] === 'number' ? pts.push(c) : c.forEach(walk));
  feats.forEach((f) => walk(f.geometry.coordinates));
  if (!pts.length) return false;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of pts) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  const w = Math.max((maxX - minX) * k, 1e-6);
  const h = Math.max(maxY - minY, 1e-6);
  const width = 600;
  const pad = 24;
  const scale = (width - 2 * pad) / w;
  const height = Math.min(Math.max(h * scale + 2 * pad, 220), 700);
  const s = Math.min(scale, (height - 2 * pad) / h);
  const ox = (width - w * s) / 2;
  const oy = (height - h * s) / 2;
  const P = ([x, y]) => [ox + (x - minX) * k * s, oy + (maxY - y) * s];
  const ringPath = (ring) => ring.map((c, i) => { const [x, y] = P(c); return `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`; }).join('') + 'Z';
  const polyPath = (g) => (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [])
    .map((poly) => poly.map(ringPath).join('')).join('');
  const root = svg('svg', {viewBox: `0 0 ${width} ${height.toFixed(0)}`});
  const labels = [];
  for (const f of feats) {
    const p = f.properties || {};
    if (p.kind === 'community') root.append(svg('path', {d: polyPath(f.geometry), class: 'outline', 'fill-rule': 'evenodd'}));
  }
  for (const f of feats) {
    const p = f.properties || {};
    if (p.kind !== 'building') continue;
    root.append(svg('path', {d: polyPath(f.geometry), class: 'building'}, svg('title', {text: `${p.number}（${p.floors}层）`})));
    const ring = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates[0][0] : f.geometry.coordinates[0];
    const c = ring.slice(0, -1).reduce((a, q) => [a[0] + q[0] / (ring.length - 1), a[1] + q[1] / (ring.length - 1)], [0, 0]);
    const [x, y] = P(c);
    labels.push(svg('text', {x: x.toFixed(1), y: y.toFixed(1), class: 'label', text: p.number}));
  }
  for (const f of feats) {
    const p = f.properties || {};
    if (p.kind !== 'gate' || f.geometry.type !== 'Point') continue;
    const [x, y] = P(f.geometry.coordinates);
    root.append(svg('circle', {cx: x.toFixed(1), cy: y.toFixed(1), r: 9, class: 'gate'}, svg('title', {text: `${p.name || '出入口'}（${p.gate_kind}）`})));
    labels.push(svg('text', {x: (x + 13).toFixed(1), y: (y + 7).toFixed(1), class: 'gate-label', text: p.name || '出入口'}));
  }
  root.append(...labels);
  box.replaceChildren(root);
  return true;
}

async function showNotice() {
  const code = communityFromPath();
  let n;
  try {
    n = await getJSON(`/api/public/notices/${encodeURIComponent(code)}`);
  } catch (err) {
    document.getElementById('title').textContent = '暂无公示';
    showError(err.status === 404 ? t('notice.none') : t('notice.failed', errorText(err)));
    return;
  }
  document.title = `${n.community_name} 改造方案公示 · 铁西区老旧小区改造`;
  document.getElementById('title').textContent = `${n.community_name} 改造方案公示`;
  document.getElementById('subtitle').textContent = [n.subdistrict_name, n.address, `方案编号 ${n.plan_code}`].filter(Boolean).join(' · ');
  const summary = document.getElementById('summary');
  facts(document.getElementById('facts'), [
    ['当前阶段', n.stage_name],
    ['总投资', wan(n.budget)],
    ['改造项目', `${n.items.length} 项`],
    ['楼栋 / 户数', `${n.buildings} 栋 / ${num(n.households)} 户`],
    ['建成年代', n.completed_year ? `${n.completed_year} 年` : null],
    ['建筑面积', `${num(n.floor_area)} m²`],
    ['居民同意率', n.consent_rate == null ? null : pct(n.consent_rate)],
    ['改造批次', n.batch_year ? `${n.batch_year} 年` : null],
  ]);
  summary.hidden = false;
  // 公示期 and where to send views, when the planners have set them.
  const np = n.notice_period;
  document.getElementById('period-card').hidden = !np;
  if (np) {
    document.getElementById('period').textContent = `公示期：${np.opens_on} 至 ${np.closes_on}`;
    document.getElementById('feedback').textContent = `对方案有意见或建议，请在公示期内反馈：${np.feedback}`;
  }

  const tbody = document.querySelector('#works tbody');
  tbody.replaceChildren(...n.items.map((it) => el('tr', {},
    el('td', {class: 'item'}, el('div', {text: it.name}),
      el('div', {class: 'tags'}, el('span', {class: 'badge', text: it.part_name}),
        el('span', {class: 'muted narrow-only', text: `${it.department} · ${it.status_name}`}))),
    el('td', {class: 'num', text: `${num(it.quantity)} ${it.unit}`}),
    el('td', {class: 'num', text: yuan(it.cost)}),
    el('td', {class: 'wide-only', text: it.department}),
    el('td', {class: 'wide-only', text: it.status_name}))));
  document.getElementById('works-total').textContent = yuan(n.budget);
  document.getElementById('works-card').hidden = false;

  const total = n.funding.reduce((a, f) => a + f.amount, 0);
  document.querySelector('#funding tbody').replaceChildren(
    ...n.funding.map((f) => el('tr', {}, el('td', {text: f.source_name}), el('td', {class: 'num', text: yuan(f.amount)}),
      el('td', {class: 'num', text: total ? pct(f.amount / total) : ''}))),
    el('tr', {}, el('td', {text: '合计'}), el('td', {class: 'num', text: yuan(total)}), el('td', {class: 'num', text: n.funding.length ? '100.0%' : ''})));
  if (!n.funding.length) document.querySelector('#funding tbody').prepend(el('tr', {}, el('td', {colspan: 3, text: '资金来源尚未落实'})));
  document.getElementById('funding-card').hidden = false;

  facts(document.getElementById('schedule'), [
    ['计划开工', n.planned_start || '待定'],
    ['计划竣工', n.planned_end || '待定'],
    ['实际开工', n.actual_start],
    ['实际竣工', n.actual_end],
  ]);
  document.getElementById('departments').textContent = n.departments.length ? n.departments.join('、') : '—';
  document.getElementById('schedule-card').hidden = false;

  const url = location.origin + location.pathname;
  document.getElementById('qr').replaceChildren(qrSVG(url, '本公示页面的二维码'));
  document.getElementById('page-url').textContent = url;
  document.getElementById('qr-card').hidden = false;
  const print = document.getElementById('print');
  print.hidden = false;
  print.addEventListener('click', () => window.print());

  try {
    const fc = await getJSON(`/api/public/notices/${encodeURIComponent(code)}/map`);
    if (drawMap(document.getElementById('map'), fc)) document.getElementById('map-card').hidden = false;
  } catch { /* the notice stands without its drawing */ }
  document.body.dataset.ready = 'true';
}

async function showNotices() {
  let list;
  try {
    ({notices: list} = await getJSON('/api/public/notices'));
  } catch (err) {
    showError(t('notices.failed', errorText(err)));
    return;
  }
  document.getElementById('count').textContent = `公示中的方案（${list.length} 个小区）`;
  const ul = document.getElementById('notices');
  ul.replaceChildren(...list.map((n) => el('li', {},
    el('a', {href: `/notice/${encodeURIComponent(n.community_code)}`},
      el('div', {class: 'row'}, el('span', {class: 'name', text: n.community_name}), el('span', {class: 'badge stage', text: n.stage_name})),
      el('div', {class: 'meta', text: [n.subdistrict_name, `${n.item_count} 项改造`, `投资 ${wan(n.budget)}`,
        n.planned_start && n.planned_end ? `${n.planned_start} 至 ${n.planned_end}` : null].filter(Boolean).join(' · ')})))));
  if (!list.length) ul.append(el('li', {class: 'muted', text: '目前没有公示中的改造方案。'}));
  document.body.dataset.ready = 'true';
}

const page = document.body.dataset.page;
if (page === 'notice') showNotice();
else if (page === 'notices') showNotices();
