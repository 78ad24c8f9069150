// Who is logged in: the account line of every page (name, role, what the role may do, logout),
// and sendJSON, which every state-changing request uses so it carries the session's CSRF token.
import {el} from './util.js';
import {codeLists, request} from './api.js';
import {t} from './msg.js';

let me = null;

/** whoami returns /api/v1/me (cached), or null when nobody is logged in. */
export async function whoami() {
  if (me) return me;
  me = await request('/api/v1/me').catch(() => null);
  return me;
}

/**
 * sendJSON sends a state-changing request with the CSRF token (and extra headers, e.g. the
 * If-Match of a versioned record); a non-2xx answer throws its message. as: 'blob' returns the
 * answer as a file to save (request in api.js).
 */
export async function sendJSON(method, url, body, headers = {}, as = 'json') {
  const who = await whoami();
  return request(url, {method, body, as, headers: {'X-CSRF-Token': who ? who.csrf_token : '', ...headers}});
}

/** roleName returns the Chinese name of a role (role in /api/v1/labels), or its code when the
 * labels cannot be read. */
export async function roleName(role) {
  const lists = await codeLists().catch(() => ({}));
  return lists.role?.[role] || role;
}

/** renderAccount fills container with the account line. */
export async function renderAccount(container) {
  const who = await whoami();
  if (!who) return;
  const u = who.user;
  const may = [];
  if (who.may.edit) may.push('编辑方案与片区');
  if (who.may.download) may.push('下载数据');
  if (who.may.sensitive) may.push('查看地下管线');
  if (who.may.admin) may.push('管理账号');
  const logout = el('button', {class: 'link-button', type: 'button', id: 'logout', text: t('logout')});
  logout.addEventListener('click', async () => {
    try {
      await sendJSON('POST', '/api/v1/logout');
    } finally {
      location.assign('/login');
    }
  });
  container.replaceChildren(
    el('span', {class: 'account-name', id: 'account-name', text: u.display_name || u.username}),
    el('span', {class: 'account-role', text: await roleName(u.role),
      title: may.length ? `可以：${may.join('、')}` : '仅可浏览地图（不含地下管线）'}),
    ...(who.may.admin ? [el('a', {class: 'link-button', href: '/admin', text: '账号管理'})] : []),
    logout,
  );
  container.hidden = false;
}
