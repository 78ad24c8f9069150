// The login page: posts the form as JSON and, on success, goes where the visitor was headed.

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const submit = document.getElementById('login-submit');

// next is the page to return to: only a path on this site, never another origin. Browsers read
// "\" as "/" and drop tabs and newlines, so "/\evil.example" or "/<TAB>/evil.example" would
// leave the site: a next must be one "/" followed by visible ASCII other than "\" (the server's
// safeNext applies the same rule), and must resolve to this origin.
function next() {
  const n = new URLSearchParams(location.search).get('next') || '/';
  if (!/^\/(?!\/)[\x21-\x5b\x5d-\x7e]*$/.test(n)) return '/';
  return new URL(n, location.origin).origin === location.origin ? n : '/';
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
