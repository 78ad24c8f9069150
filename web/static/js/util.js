// Small helpers shared by the planner map's modules. DOM is always built with textContent, never
// with innerHTML, so data from tiles and the API cannot inject markup. getJSON is the shared fetch
// wrapper's (api.js), re-exported for the modules that import it from here.
import {getJSON} from './api.js';

export {getJSON};

/**
 * el creates an element: el('li', {class: 'x', text: '…', title: '…', dataset: {code: 'a'}}, child…).
 * Any other key becomes an attribute (never 'style': the page runs under a CSP without inline styles).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/**
 * vectorLayers returns the vector_layers of the TileJSON of every vector source of a map style
 * (the composite tiles and each analysis overlay); a source that cannot be read calls onError
 * and adds nothing.
 */
export async function vectorLayers(style, onError = () => {}) {
  const urls = Object.values(style?.sources || {}).filter((s) => s.type === 'vector' && s.url).map((s) => s.url);
  const docs = await Promise.all(urls.map((u) => getJSON(u).catch((err) => { onError(err); return {}; })));
  return docs.flatMap((tj) => tj.vector_layers || []);
}

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

const numberFormat = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 1});
const plainFormat = new Intl.NumberFormat('zh-CN', {maximumFractionDigits: 1, useGrouping: false});

/** formatNumber groups thousands (12,345.6), except for years and codes where grouping misleads. */
export function formatNumber(n, prop = '') {
  if (typeof n !== 'number' || !Number.isFinite(n)) return String(n);
  if (/year|_id$|^id$|minutes/.test(prop)) return plainFormat.format(n);
  return numberFormat.format(n);
}

let toastTimer;
/** toast shows a short message at the bottom of the map (errors the user should know about). */
export function toast(message, ms = 6000) {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, ms);
}

/** matchPairs finds the first ['match', input, k1, v1, …, default] inside a style expression. */
export function matchPairs(expr) {
  if (!Array.isArray(expr)) return null;
  if (expr[0] === 'match') {
    const pairs = [];
    for (let i = 2; i + 1 < expr.length; i += 2) {
      const keys = Array.isArray(expr[i]) ? expr[i] : [expr[i]];
      for (const k of keys) pairs.push([k, expr[i + 1]]);
    }
    return {pairs, fallback: expr[expr.length - 1]};
  }
  for (const sub of expr) {
    const found = matchPairs(sub);
    if (found) return found;
  }
  return null;
}

/**
 * refreshTiles makes the map fetch its vector tiles again after the user changed data. Tiles are
 * sent with Cache-Control no-cache, so the browser revalidates them by ETag; the short delay lets
 * the server's tile cache see the new data version first (it learns of changes by NOTIFY).
 */
export function refreshTiles(map, source = 'renewmap') {
  setTimeout(() => {
    const src = map.getSource(source);
    if (src && typeof src.setUrl === 'function' && src.url) src.setUrl(src.url);
  }, 300);
}
