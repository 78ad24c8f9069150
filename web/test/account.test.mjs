// Headless-browser test of the account page (GET /account):
//   E2E_USER=… E2E_PASSWORD=… node web/test/account.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER should be a designer. Logs in, creates a personal access token, reads the OGC API
// with it the way QGIS does (HTTP Basic: username + token), revokes it on the page and sees it
// refused. Prints `N passed, N failed` last.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();
const name = `QGIS 测试 ${Date.now() % 100000}`;

// basic reads the OGC collections as a desktop client would.
async function basic(token) {
  const res = await fetch(`${t.base}/ogc/collections`, {
    headers: {Accept: 'application/json', Authorization: 'Basic ' + Buffer.from(`${t.user}:${token}`).toString('base64')},
  });
  return {status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text()};
}

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 900}});
  let token = '';
  try {
    await t.check('/account sends a visitor to the login page and opens after logging in', () => t.login(page, '/account'));
    await t.check('the page names the user to type into QGIS', async () => {
      await page.waitForFunction((u) => document.getElementById('me-name').textContent === u, t.user, {timeout: 10000});
      return null;
    });
    await t.check('creating a token shows it once and lists it by its first characters', async () => {
      await page.fill('#new-token input[name=name]', name);
      await page.selectOption('#new-token select[name=expires]', '30d');
      await page.click('#new-token button[type=submit]');
      await page.waitForSelector('#new-secret:not([hidden])');
      token = (await page.textContent('#secret')).trim();
      if (!/^rmt_[A-Za-z0-9_-]{40,}$/.test(token)) return `token ${JSON.stringify(token)}`;
      const row = page.locator(`#tokens tbody tr:has-text("${name}")`);
      await row.waitFor();
      const text = await row.textContent();
      if (!text.includes(token.slice(0, 8)) || text.includes(token) || !text.includes('有效')) return `row ${JSON.stringify(text)}`;
      return null;
    });
    await t.check('the token reads the OGC API with HTTP Basic, pipelines included', async () => {
      const r = await basic(token);
      return r.status === 200 && r.body.includes('"pipelines"') ? null : `${r.status} ${r.body.slice(0, 200)}`;
    });
    await t.check('the account password is refused over HTTP Basic, with a challenge', async () => {
      const r = await basic(t.password);
      return r.status === 401 && /^Basic realm="renewmap"/.test(r.challenge || '') ? null : `${r.status} ${r.challenge}`;
    });
    await t.check('revoking the token on the page makes the API refuse it', async () => {
      page.once('dialog', (d) => d.accept());
      const row = page.locator(`#tokens tbody tr:has-text("${name}")`);
      await row.locator('button', {hasText: '撤销'}).click();
      await page.waitForFunction((n) => [...document.querySelectorAll('#tokens tbody tr')]
        .some((tr) => tr.textContent.includes(n) && tr.querySelector('.state').textContent === '已撤销'), name);
      const r = await basic(token);
      return r.status === 401 && r.challenge ? null : `${r.status} ${r.challenge}`;
    });
    await page.screenshot({path: path.join(t.artifacts, 'account.png'), fullPage: true});
    await t.finalChecks(page);
  } finally {
    await browser.close();
  }
});
