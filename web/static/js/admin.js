// The administrator's page: list, create and change accounts; see and lift login throttling;
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
    return el('tr', {class: u.disabled ? 'disabled' : ''},
      el('td', {text: u.username}), el('td', {text: u.display_name}), el('td', {}, role),
      el('td', {text: u.disabled ? '已停用' : '正常'}), el('td', {text: new Date(u.created_at).toLocaleString('zh-CN')}),
      el('td', {}, toggle, reset));
  });
  document.querySelector('#users tbody').replaceChildren(...rows);
}

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
loadAudit(true).catch((e) => say(errorText(e), true));
