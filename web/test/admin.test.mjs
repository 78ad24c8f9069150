// Headless-browser test of the administrator's page (GET /admin):
//   E2E_USER=… E2E_PASSWORD=… node web/test/admin.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER must be an admin; E2E_PLANNER / E2E_PLANNER_PASSWORD a planner. Logs in through the
// login page, creates an account, limits it to one 街道, changes its role, finds both changes in
// the audit log; requires approval of imports, has the planner ask for one and rejects it on the
// page (then lifts the requirement again); and checks that the login page's next stays on the
// site. Prints `N passed, N failed` last.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();
const name = `planner${Date.now() % 100000}`;

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 900}});
  try {
    await t.check('/admin sends a visitor to the login page and opens after logging in', () => t.login(page, '/admin'));
    await t.check('the accounts table lists the accounts', async () => {
      await page.waitForSelector('#users tbody tr', {timeout: 10000});
      const text = await page.textContent('#users');
      return text.includes(t.user) ? null : `table lacks ${t.user}`;
    });
    await t.check('creating an account shows its one-time password', async () => {
      await page.fill('#new-user input[name=username]', name);
      await page.fill('#new-user input[name=display_name]', '李四 英雄街道');
      await page.selectOption('#new-role', 'planner');
      await page.click('#new-user button[type=submit]');
      await page.waitForSelector('#message:not([hidden])');
      const msg = await page.textContent('#message');
      if (!/初始密码：\S{16,}/.test(msg)) return `message ${JSON.stringify(msg)}`;
      await page.waitForSelector(`#users tbody tr:has-text("${name}")`);
      return null;
    });
    await t.check('the new planner is limited to one 街道 from the accounts table', async () => {
      const row = page.locator(`#users tbody tr:has-text("${name}")`);
      await row.locator('.zones-editor summary').click();
      const first = row.locator('.zones-editor input[type=checkbox]').first();
      const code = await first.getAttribute('value');
      await first.check();
      await row.locator('.zones-editor button').click();
      await page.waitForFunction((n) => document.querySelector('#message').textContent.includes(`${n} 只能编辑`), name, {timeout: 10000});
      // Asked in the page's own session (an API login of the admin's here would be a second one).
      const {subdistricts} = await page.evaluate(async (n) => (await fetch(`/api/v1/edit-zones/${n}`)).json(), name);
      if (subdistricts.length !== 1 || subdistricts[0] !== code) return `zones stored: ${subdistricts}, want ${code}`;
      const summary = await row.locator('.zones-editor summary').textContent();
      return summary.includes('全部') ? `summary: ${summary}` : null;
    });
    await t.check('changing its role is saved and audited', async () => {
      const row = page.locator(`#users tbody tr:has-text("${name}")`);
      await row.locator('select').selectOption('designer');
      await page.waitForFunction((n) => document.querySelector('#message').textContent.includes(`${n} 的角色已改为`), name);
      // The row of this change (the demo data's own settings change is a 修改 row too).
      await page.waitForSelector(`#audit tbody tr:has-text('"role":"designer"')`);
      const audit = await page.textContent('#audit');
      if (!audit.includes('新建') || !audit.includes('"role":"designer"')) return 'audit log lacks the creation or the role change';
      return null;
    });
    await t.check('failed logins show in 登录限制 and an administrator lifts them', async () => {
      const ghost = `ghost${Date.now() % 100000}`;
      for (let i = 0; i < 6; i++) {
        await fetch(`${t.base}/api/v1/login`, {method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({username: ghost, password: 'wrong-guess'})});
      }
      await page.reload({waitUntil: 'load'});
      const row = page.locator(`#throttle tbody tr:has-text("${ghost}")`).first();
      await row.waitFor({timeout: 10000});
      const [failures, until] = [await row.locator('td').nth(2).textContent(), await row.locator('td').nth(4).textContent()];
      if (failures !== '5' || until === '未限制') return `${failures} failures, limited until ${until}: want 5 and a time`;
      await row.locator('button').click();
      await page.waitForFunction((n) => document.querySelector('#message').textContent.includes(`${n} 的登录限制已解除`), ghost);
      await page.waitForSelector(`#throttle tbody tr:has-text("${ghost}")`, {state: 'detached', timeout: 10000});
      t.forgetExpected(401, '/api/v1/login');
      return null;
    });
    await t.check('with approval of imports required, a planner\'s import waits in the queue and 退回 fails it with the reason', async () => {
      const planner = await t.client(process.env.E2E_PLANNER, process.env.E2E_PLANNER_PASSWORD);
      const file = `审批测试${Date.now() % 100000}.geojson`;
      await page.check('#approve-import');
      await page.waitForFunction(() => /审批设置已保存：导入须审批/.test(document.getElementById('message').textContent), null, {timeout: 10000});
      try {
        const up = await planner('POST', `/api/v1/imports?name=${encodeURIComponent(file)}`, {type: 'FeatureCollection', features: [
          {type: 'Feature', properties: {rid: 'X1', kind: '支路'}, geometry: {type: 'LineString', coordinates: [[124.331, 43.151], [124.336, 43.151]]}}]});
        if (up.status !== 201) return `upload: ${up.status} ${JSON.stringify(up.data)}`;
        const run = await planner('POST', `/api/v1/imports/${up.data.job.id}/run`, {mapping: up.data.proposal});
        if (run.status !== 202 || run.data.state !== 'pending') return `run: ${run.status} ${JSON.stringify(run.data)}`;
        await page.reload({waitUntil: 'load'});
        const row = page.locator(`#approvals tbody tr[data-state=pending]:has-text("${file}")`);
        await row.waitFor({timeout: 10000});
        page.once('dialog', (d) => d.accept('坐标系不对'));
        await row.locator('button.reject').click();
        await page.locator(`#approvals tbody tr[data-state=rejected]:has-text("${file}")`).waitFor({timeout: 10000});
        const job = await planner('GET', `/api/v1/imports/${up.data.job.id}`);
        if (job.data.state !== 'failed' || !job.data.message.includes('坐标系不对')) return `the rejected job: ${JSON.stringify(job.data)}`;
        const audited = await page.waitForFunction(() => [...document.querySelectorAll('#audit tbody tr')]
          .some((tr) => tr.textContent.includes('退回') && tr.textContent.includes('坐标系不对')), null, {timeout: 10000}).then(() => true, () => false);
        return audited ? null : 'the rejection is not in the audit log';
      } finally {
        await page.uncheck('#approve-import');
        await page.waitForFunction(() => /导入无须审批/.test(document.getElementById('message').textContent), null, {timeout: 10000});
      }
    });
    await page.screenshot({path: path.join(t.artifacts, 'admin.png'), fullPage: true});
    // Browsers read "\" as "/" and drop tabs: these next values once led to evil.example.
    await t.check('a next that a browser reads as another host is not followed after login', async () => {
      for (const next of ['/%5Cevil.example/', '/%09/evil.example/']) {
        // Logged out first: with a session the login POST would need its CSRF token.
        await page.evaluate(async () => {
          const me = await fetch('/api/v1/me');
          if (me.ok) await fetch('/api/v1/logout', {method: 'POST', headers: {'X-CSRF-Token': (await me.json()).csrf_token}});
        });
        await page.goto(`${t.base}/login?next=${next}`, {waitUntil: 'domcontentloaded'});
        await page.fill('#username', t.user);
        await page.fill('#password', t.password);
        await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login'), {timeout: 15000}), page.click('#login-submit')]);
        if (new URL(page.url()).origin !== t.base) return `next=${next} led to ${page.url()}`;
      }
      return null;
    });
    await t.finalChecks(page);
  } finally {
    await browser.close();
  }
});
