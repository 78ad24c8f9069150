// Export of the tables a page shows: 导出 Excel (POST /api/v1/table.xlsx, made with excelize on
// the server) and 导出 CSV (made here, UTF-8 with a BOM so Excel opens it), from the rows as shown.
import {el} from './util.js';
import {showError} from './api.js';
import {t} from './msg.js';
import {sendJSON} from './account.js';

/** tableData reads a <table>: its header texts and the texts of its body and footer rows. */
export function tableData(table) {
  const text = (c) => c.textContent.trim().replace(/\s+/g, ' ');
  const head = [...(table.tHead?.rows[0]?.cells || [])].map(text);
  const rows = [...table.tBodies].flatMap((b) => [...b.rows]).concat([...(table.tFoot?.rows || [])])
    .map((r) => [...r.cells].map(text));
  return {head, rows};
}

function save(blob, file) {
  const a = el('a', {href: URL.createObjectURL(blob), download: file});
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// csvCell quotes a cell and keeps a spreadsheet from reading it as a formula.
function csvCell(v) {
  const s = /^[=+\-@\t\r]/.test(v) && !/^-?[\d.,]+%?$/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * addExport puts 导出 Excel and 导出 CSV buttons before anchor. source is a <table> or a function
 * returning {head, rows}; name names the file and the sheet (e.g. 停车缺口).
 */
export function addExport(anchor, name, source) {
  const data = () => (typeof source === 'function' ? source() : tableData(source));
  const status = el('span', {class: 'export-status', role: 'status'});
  const xlsx = el('button', {type: 'button', class: 'export-button', text: '导出 Excel', onclick: async () => {
    const {head, rows} = data();
    if (!rows.length) { status.textContent = t('export.empty'); return; }
    status.textContent = '';
    try {
      const blob = await sendJSON('POST', '/api/v1/table.xlsx', {name, head, rows}, {}, 'blob');
      save(blob, `${name}.xlsx`);
    } catch (err) { showError(status, err, t('export.failed')); }
  }});
  const csv = el('button', {type: 'button', class: 'export-button', text: '导出 CSV', onclick: () => {
    const {head, rows} = data();
    if (!rows.length) { status.textContent = t('export.empty'); return; }
    const text = [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n');
    save(new Blob(['\uFEFF', text, '\r\n'], {type: 'text/csv;charset=utf-8'}), `${name}.csv`);
  }});
  const bar = el('div', {class: 'export-bar no-print'}, xlsx, csv, status);
  anchor.before(bar);
  return bar;
}
