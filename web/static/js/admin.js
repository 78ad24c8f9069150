// The administrator's page: list, create and change accounts; see and lift login throttling;
// require approval of planners' imports and outline confirmations, and approve or reject them;
// read the audit log.
import {el, getJSON} from './util.js';
import {renderAccount, roleName, sendJSON, whoami} from './account.js';
import {errorText} from './api.js';
import {known, t} from './msg.js';

// The roles, each with what it may do (role.* and role.*.scope in the catalogue).
const ROLES = await Promise.all(['viewer', 'planner', 'designer', 'leader', 'admin'].map(async (code) => {
  const name = await roleName(code);
  const scope = known(`role.${code}.scope`, '');
  return [code, scope ? `${name}（${scope}）` : name];
}));

const message = document.getElementById('message');
function say(text, error = false) {
  message.textContent = text;
  message.classList.toggle('error', error);
  message.hidden = false;
}

function roleSelect(value) {
  return el('select', {'aria-label': '角色'}, ROLES.map(([code, name]) =>
    el('option', {value: code, selected: code === value, text: name})));
}

async function loadUsers() {
  const {users} = await getJSON('/api/v1/users');
  const me = await whoami();
  const rows = users.map((u) => {
    const role = roleSelect(u.role);
    role.disabled = u.username === me.user.username;
    role.addEventListener('change', () => change(u.username, {role: role.value}, `${u.username} 的角色已改为 ${role.selectedOptions[0].text}`));
    const toggle = el('button', {type: 'button', text: u.disabled ? '启用' : '停用', disabled: u.username === me.user.username});
    toggle.addEventListener('click', () => change(u.username, {disabled: !u.disabled}, `${u.username} 已${u.disabled ? '启用' : '停用'}`));
    const reset = el('button', {type: 'button', text: '重设密码'});
    reset.addEventListener('click', () => resetPassword(u.username));
    return el('tr', {class: u.disabled ? 'disabled' : '', dataset: {user: u.username}},
      el('td', {text: u.username}), el('td', {text: u.display_name}), el('td', {}, role),
      el('td', {text: u.disabled ? '已停用' : '正常'}), el('td', {text: new Date(u.created_at).toLocaleString('zh-CN')}),
      el('td', {class: 'zones'}, u.role === 'planner' ? zonesEditor(u.username) : u.role === 'admin' ? '全部' : '—'),
      el('td', {}, toggle, reset));
  });
  document.querySelector('#users tbody').replaceChildren(...rows);
}

// zonesEditor limits a planner's map editing to some 街道 (none ticked: everywhere).
function zonesEditor(username) {
  const summary = el('summary', {text: '……'});
  const box = el('details', {class: 'zones-editor'}, summary);
  Promise.all([subdistrictsP, getJSON(`/api/v1/edit-zones/${encodeURIComponent(username)}`)]).then(([all, {subdistricts}]) => {
    const show = (codes) => { summary.textContent = codes.length ? codes.map((c) => all[c] || c).join('、') : '全部街道'; };
    show(subdistricts);
    const boxes = Object.entries(all).map(([code, name]) =>
      el('label', {class: 'check'}, el('input', {type: 'checkbox', value: code, checked: subdistricts.includes(code)}), ` ${name}`));
    const save = el('button', {type: 'button', text: '保存范围', onclick: async () => {
      const codes = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      try {
        await sendJSON('PUT', `/api/v1/edit-zones/${encodeURIComponent(username)}`, {subdistricts: codes});
        show(codes);
        box.open = false;
        say(codes.length ? t('admin.zones.some', username, codes.map((c) => all[c] || c).join('、')) : t('admin.zones.all', username));
      } catch (e) {
        say(errorText(e), true);
      }
      await loadAudit(true);
    }});
    box.append(...boxes, save);
  }).catch((e) => { summary.textContent = errorText(e); });
  return box;
}
const subdistrictsP = getJSON('/api/v1/labels').then((l) => l.subdistrict || {});

async function change(username, body, done) {
  try {
    await sendJSON('PATCH', `/api/v1/users/${encodeURIComponent(username)}`, body);
    say(done);
  } catch (e) {
    say(errorText(e), true);
  }
  await loadUsers();
  await loadThrottle();
  await loadAudit(true);
}

// loadThrottle lists the failed-login counts; an account's row ("全部地址") can be unlocked.
async function loadThrottle() {
  const {throttles} = await getJSON('/api/v1/login-throttle');
  const when = (at) => (at ? new Date(at).toLocaleString('zh-CN') : '—');
  const rows = throttles.map((th) => {
    const unlock = el('button', {type: 'button', text: '解除限制', hidden: !th.account});
    unlock.addEventListener('click', async () => {
      try {
        await sendJSON('POST', `/api/v1/users/${encodeURIComponent(th.account)}/unlock`, {});
        say(t('admin.unlocked', th.account));
      } catch (e) {
        say(errorText(e), true);
      }
      await loadThrottle();
      await loadAudit(true);
    });
    return el('tr', {class: th.until ? 'disabled' : ''},
      el('td', {text: th.account || '（全部账号）'}), el('td', {text: th.address || '（全部地址）'}),
      el('td', {text: String(th.failures)}), el('td', {text: when(th.last_at)}), el('td', {text: th.until ? when(th.until) : '未限制'}),
      el('td', {}, unlock));
  });
  document.querySelector('#throttle tbody').replaceChildren(...rows);
}

// resetPassword sets a new random password (made here, shown once) and ends the user's sessions.
async function resetPassword(username) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const password = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, 'x');
  await change(username, {password}, `${username} 的新密码：${password}（仅显示这一次，请转交本人）`);
}

document.getElementById('new-user').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  try {
    const res = await sendJSON('POST', '/api/v1/users', {
      username: f.username.value.trim(), display_name: f.display_name.value.trim(), role: f.role.value,
    });
    say(t('admin.created', res.user.username, res.password));
    f.reset();
  } catch (e) {
    say(errorText(e), true);
  }
  await loadUsers();
  await loadAudit(true);
});

// loadApprovals shows the approval settings and the queue (pending first, then the last decided).
async function loadApprovals() {
  const {settings, requests} = await getJSON('/api/v1/approvals');
  document.getElementById('approve-import').checked = settings.import;
  document.getElementById('approve-outline').checked = settings.outline;
  const when = (at) => (at ? new Date(at).toLocaleString('zh-CN') : '');
  const states = {pending: '待审批', approved: '已批准', rejected: '已退回'};
  const what = (r) => (r.kind === 'import' ? `导入 ${r.file}（${r.layer || '未知图层'}）` : `确认小区轮廓 ${r.name}（${r.code}）`);
  const decide = async (r, approve) => {
    let reason = '';
    if (!approve) {
      reason = window.prompt('退回理由（可不填）：', '');
      if (reason === null) return;
    }
    try {
      await sendJSON('POST', `/api/v1/approvals/${r.id}/${approve ? 'approve' : 'reject'}`, {reason});
      say(approve ? t('admin.approval.approved', what(r)) : t('admin.approval.rejected', what(r)));
    } catch (e) {
      say(errorText(e), true);
    }
    await loadApprovals();
    await loadAudit(true);
  };
  const rows = requests.map((r) => el('tr', {dataset: {id: String(r.id), state: r.state}},
    el('td', {text: when(r.requested_at)}), el('td', {text: r.requested_by}), el('td', {text: what(r)}),
    el('td', {text: r.state === 'pending' ? states.pending : `${states[r.state]}（${r.decided_by}，${when(r.decided_at)}${r.reason ? `：${r.reason}` : ''}）`}),
    el('td', {}, r.state === 'pending' ? [
      el('button', {type: 'button', class: 'approve', text: '批准', onclick: () => decide(r, true)}),
      el('button', {type: 'button', class: 'reject', text: '退回', onclick: () => decide(r, false)})] : '')));
  if (!rows.length) rows.push(el('tr', {}, el('td', {colspan: '5', text: '没有审批请求'})));
  document.querySelector('#approvals tbody').replaceChildren(...rows);
}

async function setApprovals() {
  const body = {import: document.getElementById('approve-import').checked, outline: document.getElementById('approve-outline').checked};
  try {
    await sendJSON('PUT', '/api/v1/approvals/settings', body);
    const need = (on) => (on ? t('admin.approval.required') : t('admin.approval.free'));
    say(t('admin.approval.saved', need(body.import), need(body.outline)));
  } catch (e) {
    say(errorText(e), true);
  }
  await loadApprovals();
  await loadAudit(true);
}
document.getElementById('approve-import').addEventListener('change', setApprovals);
document.getElementById('approve-outline').addEventListener('change', setApprovals);

let oldest = 0;
async function loadAudit(fresh = false) {
  if (fresh) oldest = 0;
  const {entries} = await getJSON(`/api/v1/audit?limit=100${oldest ? `&before=${oldest}` : ''}`);
  const rows = entries.map((e) => el('tr', {},
    el('td', {text: new Date(e.at).toLocaleString('zh-CN')}), el('td', {text: e.actor}), el('td', {text: e.address}),
    el('td', {text: known(`audit.${e.action}`, e.action)}), el('td', {text: [e.table, e.row_id].filter(Boolean).join(' #')}),
    el('td', {class: 'change', text: [e.before && `前：${JSON.stringify(e.before)}`, e.after && `后：${JSON.stringify(e.after)}`].filter(Boolean).join('\n')})));
  const body = document.querySelector('#audit tbody');
  if (fresh) body.replaceChildren(...rows); else body.append(...rows);
  if (entries.length) oldest = entries[entries.length - 1].id;
  document.getElementById('audit-more').hidden = entries.length < 100;
}
document.getElementById('audit-more').addEventListener('click', () => loadAudit());

document.getElementById('new-role').replaceChildren(...ROLES.map(([code, name]) => el('option', {value: code, text: name})));
renderAccount(document.getElementById('account'));
loadUsers().catch((e) => say(errorText(e), true));
loadThrottle().catch((e) => say(errorText(e), true));
loadApprovals().catch((e) => say(errorText(e), true));
loadAudit(true).catch((e) => say(errorText(e), true));
