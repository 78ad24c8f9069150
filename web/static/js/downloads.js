// The designer downloads page: choose a community, area, bbox or the whole layer, the layers and
// the coordinate system, then download GeoJSON files or a zip bundle. Downloads are plain links
// to /download/…, so the browser streams them to disk (no file is held in page memory).
import {request, errorText} from './api.js';
import {roleName} from './account.js';
import {t} from './msg.js';

const $ = (id) => document.getElementById(id);

const state = {
  community: null, // {id, name}
  collections: [], // [{id, title}]
};

function scope() {
  return document.querySelector('input[name="scope"]:checked').value;
}

function crs() {
  return document.querySelector('input[name="crs"]:checked').value;
}

function checkedLayers() {
  return [...document.querySelectorAll('#layers input[type="checkbox"]:checked')].map((c) => c.value);
}

function status(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

// getJSON sends a visitor whose session ended to the login page.
async function getJSON(path) {
  try {
    return await request(path);
  } catch (err) {
    if (err.status === 401) location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw err;
  }
}

// parseBBox checks "west,south,east,north" in WGS84 degrees; returns an error message or null.
export function bboxProblem(text) {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 4) return '范围应为 4 个数：西,南,东,北';
  const v = parts.map(Number);
  if (parts.some((p) => p === '') || v.some((x) => !Number.isFinite(x))) return '范围中有无效数字';
  const [w, s, e, n] = v;
  if (w < -180 || e > 180 || s < -90 || n > 90) return '经纬度超出范围';
  if (w > e) return '西边界大于东边界';
  if (s > n) return '南边界大于北边界';
  return null;
}

function showPane() {
  for (const k of ['community', 'area', 'bbox', 'all']) $('pane-' + k).hidden = scope() !== k;
  $('download-zip').disabled = !(scope() === 'community' || scope() === 'area');
}

// scopeQuery is the query of a single-layer download, or null (with a message) when incomplete.
function scopeQuery() {
  const q = new URLSearchParams();
  switch (scope()) {
    case 'community':
      if (!state.community) return [null, '请先搜索并选择一个小区'];
      q.set('community', state.community.id);
      break;
    case 'area': {
      const v = $('area-select').value;
      if (!v) return [null, '请先选择一个片区'];
      q.set('area', v);
      break;
    }
    case 'bbox': {
      const text = $('bbox').value.trim();
      const p = bboxProblem(text);
      $('bbox-error').textContent = p || '';
      $('bbox-error').hidden = !p;
      if (p) return [null, p];
      q.set('bbox', text.split(',').map((s) => s.trim()).join(','));
      break;
    }
    default:
  }
  q.set('crs', crs());
  return [q, null];
}

function download(href) {
  const a = document.createElement('a');
  a.href = href;
  a.download = '';
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

function downloadLayers() {
  const layers = checkedLayers();
  if (!layers.length) return status('请至少选择一个图层', true);
  const [q, problem] = scopeQuery();
  if (!q) return status(problem, true);
  // Browsers may ask once before letting a page start several downloads.
  const ext = $('format').value || '.geojson';
  layers.forEach((l, i) => setTimeout(() => download(`/download/${encodeURIComponent(l)}${ext}?${q}`), i * 400));
  status(`正在下载 ${layers.length} 个图层……`);
}

function downloadZip() {
  const layers = checkedLayers();
  if (!layers.length) return status('请至少选择一个图层', true);
  let href;
  if (scope() === 'community') {
    if (!state.community) return status('请先搜索并选择一个小区', true);
    href = `/download/community/${state.community.id}${$('format').value || '.zip'}`;
  } else if (scope() === 'area') {
    const v = $('area-select').value;
    if (!v) return status('请先选择一个片区', true);
    href = `/download/area/${encodeURIComponent(v)}${$('format').value || '.zip'}`;
  } else {
    return status('数据包只能按小区或片区下载', true);
  }
  const q = new URLSearchParams({ crs: crs() });
  if (layers.length < state.collections.length) q.set('layers', layers.join(','));
  download(`${href}?${q}`);
  status('正在生成数据包……（下载开始后会保存到浏览器的下载目录）');
}

let searchTimer = 0;
async function search() {
  const q = $('community-search').value.trim();
  const list = $('community-results');
  try {
    const { communities } = await getJSON('/api/v1/communities?limit=30&q=' + encodeURIComponent(q));
    list.replaceChildren(...communities.map((c) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'result';
      b.dataset.id = c.id;
      b.textContent = c.name;
      const small = document.createElement('span');
      small.className = 'muted';
      small.textContent = ` ${c.subdistrict_name || ''} · ${c.code}`;
      b.append(small);
      b.addEventListener('click', () => choose(c));
      li.append(b);
      return li;
    }));
    if (!communities.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = '没有找到匹配的小区';
      list.replaceChildren(li);
    }
  } catch (err) {
    status(errorText(err), true);
  }
}

function choose(c) {
  state.community = { id: c.id, name: c.name };
  const s = $('community-selected');
  s.textContent = `已选择：${c.name}（${c.code}）`;
  s.hidden = false;
  for (const b of document.querySelectorAll('#community-results .result')) {
    b.classList.toggle('chosen', b.dataset.id === String(c.id));
  }
  status('');
}

async function loadLayers() {
  // The checkboxes: the feature collections this role may download, in catalogue order.
  const cols = await getJSON('/ogc/collections?f=json');
  state.collections = cols.collections.map((c) => ({ id: c.id, title: c.title || c.id }));
  const defaults = new Set(['communities', 'buildings', 'roads', 'gates', 'pipelines', 'parking', 'facilities']);
  $('layers').replaceChildren(...state.collections.map((l) => {
    const label = document.createElement('label');
    label.className = 'layer';
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.value = l.id;
    cb.id = 'layer-' + l.id;
    cb.checked = defaults.has(l.id);
    const code = document.createElement('code');
    code.textContent = l.id;
    label.append(cb, ' ' + l.title + ' ', code);
    return label;
  }));
}

async function loadAreas() {
  const sel = $('area-select');
  try {
    const fc = await getJSON('/ogc/collections/areas/items?f=json&limit=1000');
    const opts = fc.features.map((f) => {
      const o = document.createElement('option');
      o.value = f.id;
      o.textContent = `${f.properties.name || '片区'}（${f.properties.code || f.id}）`;
      return o;
    });
    sel.replaceChildren(...opts);
    $('area-empty').hidden = opts.length > 0;
    sel.hidden = opts.length === 0;
  } catch {
    $('area-empty').hidden = false;
    sel.hidden = true;
  }
}

async function main() {
  $('ogc-url').textContent = `${location.origin}/ogc`;
  $('ogc-url-2').textContent = `${location.origin}/ogc`;
  $('xyz-url').textContent = `${location.origin}/tiles/all/{z}/{x}/{y}.mvt`;
  for (const b of document.querySelectorAll('button.copy')) {
    b.addEventListener('click', async () => {
      const text = $(b.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        b.textContent = t('copy.done');
      } catch {
        b.textContent = t('copy.failed');
      }
    });
  }
  for (const r of document.querySelectorAll('input[name="scope"]')) r.addEventListener('change', showPane);
  $('community-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 200);
  });
  $('download-layers').addEventListener('click', downloadLayers);
  $('download-zip').addEventListener('click', downloadZip);
  $('layers-all').addEventListener('click', () => document.querySelectorAll('#layers input').forEach((c) => { c.checked = true; }));
  $('layers-none').addEventListener('click', () => document.querySelectorAll('#layers input').forEach((c) => { c.checked = false; }));

  // Opened from the map with its view (?bbox=w,s,e,n) or a community (?community=id).
  const params = new URLSearchParams(location.search);
  if (params.get('bbox')) {
    $('bbox').value = params.get('bbox');
    $('scope-bbox').checked = true;
  }
  showPane();

  try {
    const me = await getJSON('/api/v1/me');
    $('account').textContent = `${me.user.display_name || me.user.username}（${await roleName(me.user.role)}）`;
    if (!me.may.download) {
      $('role-warning').hidden = false;
      $('download-layers').disabled = true;
      $('download-zip').disabled = true;
    }
    await Promise.all([loadLayers(), loadAreas(), search()]);
    const cid = params.get('community');
    if (cid) {
      const b = document.querySelector(`#community-results .result[data-id="${CSS.escape(cid)}"]`);
      if (b) b.click();
    }
    document.body.dataset.ready = 'true';
  } catch (err) {
    status(errorText(err), true);
    document.body.dataset.ready = 'error';
  }
}

main();
