// The shared harness of the browser tests (shared/TESTING.md): Debian chromium through
// playwright-core with WebGL via SwiftShader, fully offline (every request to another host is
// aborted and fails the suite), page errors, console errors, CSP violations and failed requests
// collected, checks counted, and `N passed, N failed` printed last.
//
// A test file: const t = suite(); await t.run(async () => { const b = await t.browser(); … });
// It reads BASE_URL and ARTIFACT_DIR from argv (or the environment) and the account E2E_USER /
// E2E_PASSWORD that scripts/e2e.sh creates.
import {mkdir} from 'node:fs/promises';
import {chromium} from 'playwright-core';

const isNoise = (text) => /GPU stall due to ReadPixels/.test(text);

// The names a Chinese user may see in Latin letters (issue 21: no English, no URL, no code).
const ALLOWED = new Set(['OGC', 'API', 'GeoJSON', 'geojson', 'EPSG', 'QGIS', 'OpenStreetMap', 'CSV', 'Excel', 'WGS', 'CGCS', 'CRS',
  'DXF', 'DWG', 'GeoPackage', 'Shapefile', 'KML', 'GDAL']);

/** latinProblem returns what in text a Chinese user should not see (a URL, a snake_case code, a
 * Latin word outside ALLOWED), or null. */
export function latinProblem(text) {
  if (/https?:\/\/|\/api\//.test(text)) return `a URL in ${JSON.stringify(text)}`;
  const snake = text.match(/\b[a-z]+_[a-z_]+\b/);
  if (snake) return `the code ${snake[0]} in ${JSON.stringify(text)}`;
  const words = (text.match(/\b[A-Za-z][A-Za-z]+\b/g) || []).filter((w) => !ALLOWED.has(w));
  return words.length ? `the Latin words ${words.join(', ')} in ${JSON.stringify(text)}` : null;
}

export function suite() {
  const base = (process.argv[2] || process.env.BASE_URL || '').replace(/\/$/, '');
  const artifacts = process.argv[3] || process.env.ARTIFACT_DIR || 'artifacts';
  const user = process.env.E2E_USER;
  const password = process.env.E2E_PASSWORD;
  if (!base || !user || !password) {
    console.error('usage: E2E_USER=… E2E_PASSWORD=… node TEST BASE_URL [ARTIFACT_DIR]');
    process.exit(2);
  }
  const baseHost = new URL(base).host;
  const problems = {foreign: [], pageErrors: [], consoleErrors: [], badResponses: []};
  let passed = 0;
  let failed = 0;
  let cookie = '';
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const fail = (name, why) => { failed++; console.log(`FAIL ${name} (${secs()}): ${why}`); };

  const t = {
    base, artifacts, user, password, problems,

    /** check runs fn; it passes when fn returns nothing and fails with what it returns or throws. */
    async check(name, fn) {
      try {
        const why = await fn();
        if (why) fail(name, why); else { passed++; console.log(`ok   ${name} (${secs()})`); }
      } catch (err) {
        fail(name, err && err.stack ? err.stack.split('\n').slice(0, 3).join(' | ') : String(err));
      }
    },

    /** getJSON fetches an API path as E2E_USER (logged in through the API on first use). */
    async getJSON(p) {
      if (!cookie) {
        const res = await fetch(base + '/api/v1/login', {
          method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({username: user, password}),
        });
        if (!res.ok) throw new Error(`API login as ${user}: HTTP ${res.status}`);
        cookie = (res.headers.get('set-cookie') || '').split(';')[0];
      }
      const res = await fetch(base + p, {headers: {cookie}});
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
      return res.json();
    },

    /** client logs user in through the API and returns call(method, path, body, headers) → {status, data, etag}. */
    async client(who = user, pass = password) {
      const res = await fetch(base + '/api/v1/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({username: who, password: pass})});
      if (!res.ok) throw new Error(`login ${who}: ${res.status}`);
      const session = (res.headers.get('set-cookie') || '').split(';')[0];
      const {csrf_token: csrf} = await res.json();
      return async (method, p, body, headers = {}) => {
        const r = await fetch(base + p, {method, headers: {cookie: session, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json', ...headers},
          body: body === undefined ? undefined : JSON.stringify(body)});
        const text = await r.text();
        return {status: r.status, data: text ? JSON.parse(text) : null, etag: r.headers.get('ETag')};
      };
    },

    /** browser launches chromium and opens a guarded page; close it with browser.close(). */
    async browser({viewport = {width: 1366, height: 820}} = {}) {
      await mkdir(artifacts, {recursive: true});
      const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
        args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
          '--disable-background-networking', '--disable-component-update',
          '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
      });
      const context = await browser.newContext({viewport, locale: 'zh-CN', deviceScaleFactor: 1, acceptDownloads: true});
      await context.route('**/*', (route) => {
        const u = new URL(route.request().url());
        if (/^(https?|wss?):$/.test(u.protocol) && u.host !== baseHost) {
          problems.foreign.push(route.request().url());
          return route.abort('blockedbyclient');
        }
        return route.continue();
      });
      context.on('response', (res) => {
        if (res.status() >= 400) problems.badResponses.push(`${res.status()} ${res.url()}`);
      });
      await context.addInitScript(() => {
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      const page = await context.newPage();
      page.on('pageerror', (err) => problems.pageErrors.push(String(err)));
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !isNoise(msg.text())) problems.consoleErrors.push(msg.text());
      });
      return {browser, context, page};
    },

    /** login goes to path, expects the login page, logs in as E2E_USER and waits to be back. */
    async login(page, path = '/') {
      await page.goto(base + path, {waitUntil: 'load'});
      if (!new URL(page.url()).pathname.startsWith('/login')) return `not sent to /login but to ${page.url()}`;
      await page.fill('#username', user);
      await page.fill('#password', password);
      await Promise.all([page.waitForURL(base + path, {timeout: 15000}), page.click('#login-submit')]);
      return null;
    },

    /** forgetExpected drops an expected refusal (status, URL suffix) from the problems. */
    forgetExpected(status, suffix) {
      problems.badResponses = problems.badResponses.filter((r) => !(r.startsWith(`${status} `) && r.endsWith(suffix)));
      problems.consoleErrors = problems.consoleErrors.filter((m) => !m.includes(`status of ${status}`));
    },

    /** finalChecks: nothing left the server, no errors, no CSP violations, no failed requests. */
    async finalChecks(page, extraErrors = async () => []) {
      await t.check('no request left the test server', () =>
        problems.foreign.length ? `${problems.foreign.length} foreign: ${problems.foreign.slice(0, 5).join(', ')}` : null);
      await t.check('no page errors or console errors', async () => {
        const all = [...problems.pageErrors, ...problems.consoleErrors, ...await extraErrors()];
        return all.length ? all.slice(0, 5).join(' | ') : null;
      });
      await t.check('no CSP violations and no failed requests', async () => {
        const csp = await page.evaluate(() => window.__csp);
        if (csp.length) return `CSP: ${csp.slice(0, 5).join(', ')}`;
        if (problems.badResponses.length) return problems.badResponses.slice(0, 5).join(', ');
        return null;
      });
    },

    /** run runs main within a time limit, then prints the summary and exits. */
    async run(main, limitMs = 180000) {
      const guard = setTimeout(() => {
        fail('suite', `timed out after ${limitMs / 1000} s`);
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(1);
      }, limitMs);
      try {
        await main();
      } catch (err) {
        fail('suite', err && err.stack ? err.stack : String(err));
      }
      clearTimeout(guard);
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
  return t;
}
