// The login page: posts the form as JSON and, on success, goes where the visitor was headed.
import {request, showError} from './api.js';
import {t} from './msg.js';

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

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showError(error, t('login.missing'));
    return;
  }
  submit.disabled = true;
  try {
    await request('/api/v1/login', {method: 'POST', body: {username, password}});
    location.assign(next());
  } catch (err) {
    showError(error, err);
  } finally {
    submit.disabled = false;
  }
});
