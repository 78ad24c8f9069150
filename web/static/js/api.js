// The one fetch wrapper of every page and its one error display. A failed request throws an
// ApiError whose message is Chinese and fit to show: the server's catalogue text, or the
// catalogue's message for the status; never a URL, a status code or English.
import {codeText} from './msg.js';

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const statusCodes = {400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
  412: 'precondition_failed', 413: 'too_large', 429: 'too_many_requests', 503: 'unavailable'};

/**
 * request sends a same-origin request and returns the parsed JSON answer (null when empty).
 * body is sent as JSON, or as it is when it is a Blob (a File to upload); headers are added (e.g.
 * the CSRF token, If-Match); as: 'blob' returns the answer as a Blob (a file to save);
 * credentials: 'omit' sends no session cookie (a resident's form, even in a staff member's browser).
 */
export async function request(url, {method = 'GET', body, headers = {}, signal, as = 'json', credentials = 'same-origin'} = {}) {
  const h = {Accept: 'application/json', ...headers};
  const raw = body instanceof Blob;
  if (body !== undefined && !raw) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {method, signal, headers: h, credentials,
      body: body === undefined || raw ? body : JSON.stringify(body)});
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(codeText('network'), 0, 'network');
  }
  if (res.ok && as === 'blob') return res.blob();
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const code = data?.code || statusCodes[res.status] || (res.status >= 500 ? 'internal' : 'error');
    throw new ApiError(data?.error || codeText(code), res.status, code);
  }
  return data;
}

/** getJSON fetches a same-origin URL and parses JSON; a non-2xx answer throws an ApiError. */
export function getJSON(url, {signal} = {}) {
  return request(url, {signal});
}

let labelsRead;
/**
 * codeLists returns the code lists of /api/v1/labels (enumeration → code → Chinese label), the one
 * source of the labels of coded values; read once per page.
 */
export function codeLists() {
  labelsRead ??= getJSON('/api/v1/labels');
  return labelsRead;
}

/** errorText is what the user is shown for err: its message when it came from request. */
export function errorText(err) {
  if (err instanceof ApiError) return err.message;
  if (typeof err === 'string') return err;
  return codeText('error');
}

/**
 * showError is the one error display: it writes the message (after a prefix such as 保存失败)
 * into box, marks it as an alert and scrolls it into view.
 */
export function showError(box, err, prefix = '') {
  if (!box) return;
  const text = errorText(err);
  box.textContent = prefix ? `${prefix}：${text}` : text;
  box.classList.add('error');
  box.setAttribute('role', 'alert');
  box.hidden = false;
  box.scrollIntoView({block: 'nearest'});
}
