// The login page: posts the form as JSON and, on success, goes where the visitor was headed.

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const submit = document.getElementById('login-submit');

// next is the page to return to: only a path on this site, never another origin.
function next() {
  const n = new URLSearchParams(location.search).get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

function showError(text) {
  error.textContent = text;
  error.hidden = false;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showError('请输入用户名和密码');
    return;
  }
  submit.disabled = true;
  try {
    const res = await fetch('/api/v1/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.ok) {
      location.assign(next());
      return;
    }
    const body = await res.json().catch(() => ({}));
    showError(body.error || `登录失败（${res.status}）`);
  } catch {
    showError('无法连接服务器，请稍后重试');
  } finally {
    submit.disabled = false;
  }
});
