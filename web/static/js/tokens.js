// The account page (/account): the user's personal access tokens for QGIS and GDAL — list,
// create (the token is shown once), revoke.
import {el, getJSON} from './util.js';
import {renderAccount, sendJSON, whoami} from './account.js';
import {t} from './msg.js';

const message = document.getElementById('message');
function say(text, error = false) {
  message.textContent = text;
  message.classList.toggle('error', error);
  message.hidden = false;
}

const date = (v, none) => (v ? new Date(v).toLocaleString('zh-CN') : none);

function state(token) {
  if (token.revoked_at) return '已撤销';
  if (token.expires_at && new Date(token.expires_at) < new Date()) return '已过期';
  return '有效';
}

async function loadTokens() {
  const {tokens} = await getJSON('/api/v1/tokens');
  const rows = tokens.map((token) => {
    const s = state(token);
    const revoke = el('button', {type: 'button', text: '撤销', disabled: s !== '有效'});
    revoke.addEventListener('click', () => revokeToken(token));
    return el('tr', {class: s === '有效' ? '' : 'disabled', 'data-id': String(token.id)},
      el('td', {text: token.name}), el('td', {}, el('code', {text: `${token.hint}…`})),
      el('td', {text: date(token.created_at)}), el('td', {text: date(token.expires_at, '不过期')}),
      el('td', {text: date(token.last_used_at, '未使用')}), el('td', {text: String(token.requests)}),
      el('td', {class: 'state', text: s}), el('td', {}, revoke));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', {colspan: '8', text: '还没有令牌。'})));
  document.querySelector('#tokens tbody').replaceChildren(...rows);
}

async function revokeToken(token) {
  if (!confirm(t('token.revoke.confirm', token.name))) return;
  try {
    await sendJSON('DELETE', `/api/v1/tokens/${token.id}`);
    document.getElementById('new-secret').hidden = true;
    say(t('token.revoked', token.name));
  } catch (e) {
    say(e.message, true);
  }
  await loadTokens();
}

document.getElementById('new-token').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  try {
    const res = await sendJSON('POST', '/api/v1/tokens', {name: f.name.value.trim(), expires: f.expires.value});
    document.getElementById('secret').textContent = res.token;
    document.getElementById('new-secret').hidden = false;
    message.hidden = true;
    f.reset();
  } catch (e) {
    say(e.message, true);
  }
  await loadTokens();
});

document.getElementById('copy-secret').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(document.getElementById('secret').textContent);
    say(t('token.copied'));
  } catch {
    say(t('token.copy.failed'), true);
  }
});

renderAccount(document.getElementById('account'));
whoami().then((me) => { if (me) document.getElementById('me-name').textContent = me.user.username; });
loadTokens().catch((e) => say(e.message, true));
