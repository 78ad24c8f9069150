// Feature popups: every property of the clicked feature with its Chinese field name (from the
// TileJSON's vector_layers) and its Chinese value (code lists from /api/v1/labels).
import {el, formatNumber} from './util.js';
import {t} from './msg.js';

// What a source may leave unknown: shown as such, never as a value (sql/0016_unknown_values.sql).
const UNKNOWABLE = new Set(['completed_year', 'is_old', 'property_type', 'management', 'structure']);

/**
 * describe turns a rendered feature into {layerTitle, title, rows: [[field, value]]}.
 * catalogue: {layerId: {title, fields: {prop: title}}} from the TileJSON; labels: {enum: {code:
 * label}}; layout: {layerId: {fields: [prop…] in catalogue order, enums: {prop: enum | 'enum[]'}}}.
 */
export function describe(feature, {catalogue, labels, layout}) {
  const layerId = feature.sourceLayer || feature.layer?.id;
  const meta = catalogue[layerId] || {title: layerId, fields: {}};
  const props = feature.properties || {};
  const fieldEnums = layout[layerId]?.enums || {};
  const value = (prop) => (UNKNOWABLE.has(prop) && (props[prop] === undefined || props[prop] === null)
    ? t('unknown') : formatValue(props[prop], prop, fieldEnums[prop], labels));

  // The catalogue's order, then any field the TileJSON or the tile adds.
  const names = [...(layout[layerId]?.fields || [])];
  for (const k of [...Object.keys(meta.fields || {}), ...Object.keys(props)]) if (!names.includes(k)) names.push(k);
  const rows = names.filter((p) => meta.fields?.[p] || p in props)
    .map((prop) => [meta.fields?.[prop] || prop, value(prop)]);

  let title = props.name;
  if (!title && layerId === 'buildings' && props.number) {
    title = props.community_name ? `${props.community_name} ${props.number}` : props.number;
  }
  if (!title && props.kind !== undefined && fieldEnums.kind) title = `${value('kind')}${meta.title}`;
  if (!title) title = meta.title;
  return {layerTitle: meta.title, title: String(title), rows};
}

/** formatValue renders one property value for people: labels for codes, 是/否, grouped numbers. */
export function formatValue(v, prop, enumName, labels) {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (enumName) {
    const list = enumName.endsWith('[]');
    const table = labels?.[list ? enumName.slice(0, -2) : enumName] || {};
    const codes = list ? String(v).split(',').map((s) => s.trim()).filter(Boolean) : [String(v)];
    return codes.map((c) => table[c] ?? c).join('、') || '—';
  }
  if (typeof v === 'number') return formatNumber(v, prop);
  return String(v);
}

/** popupContent builds the popup's DOM (textContent only). */
export function popupContent(info) {
  const table = el('table', {class: 'rm-props'},
    el('tbody', {}, info.rows.map(([k, v]) => el('tr', {class: v === '—' ? 'empty' : undefined},
      el('th', {scope: 'row', text: k}), el('td', {text: v})))));
  return el('div', {class: 'rm-popup-body'},
    el('div', {class: 'rm-popup-head'},
      el('span', {class: 'rm-popup-layer', text: info.layerTitle}),
      el('h3', {class: 'rm-popup-title', text: info.title})),
    table);
}
