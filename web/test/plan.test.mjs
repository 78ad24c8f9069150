// Headless-browser test of the plan page (GET /plan) on the demo data:
//   E2E_USER=… E2E_PASSWORD=… [E2E_VIEWER=… E2E_VIEWER_PASSWORD=…] node web/test/plan.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER is a planner: on a plan in 制定方案 it edits an item's quantity (the cost follows),
// advances the plan to 方案审核, and is refused 公示确认 with the reason (资金未落实) in Chinese.
// E2E_VIEWER, when given, is a viewer: the same plan shows no edit controls and the API refuses a
// change with 403. Screenshot: artifacts/plan.png. Prints `N passed, N failed` last.
import path from 'node:path';
import {latinProblem, suite} from './harness.mjs';

const t = suite();

await t.run(async () => {
  const {plans} = await t.getJSON('/api/v1/plans?stage=planning');
  const plan = plans.find((p) => p.items > 0 && p.consent_rate >= 0.7 && p.management_after && p.planned_start);
  const {browser, context, page} = await t.browser({viewport: {width: 1440, height: 1000}});
  try {
    if (!plan) throw new Error('the demo has no plan in 制定方案 ready for review');
    const url = `/plan?id=${plan.id}`;
    await t.check('/plan sends a visitor to the login page and opens the plan after logging in', () => t.login(page, url));
    await page.waitForFunction(() => window.renewmapPlan?.ready, null, {timeout: 20000});

    await t.check('the plan shows its community, stage, goals and items', async () => {
      const title = await page.textContent('#plan-title');
      if (title !== plan.community.name) return `title ${title}`;
      const current = await page.textContent('#stepper li[aria-current="step"]');
      if (current !== '制定方案') return `current stage ${current}`;
      const goals = await page.$$eval('#goals .goal', (gs) => gs.map((g) => g.textContent));
      if (goals.length !== 6 || !goals[0].includes('排水通')) return `goals ${goals}`;
      const rows = await page.$$eval('#items tbody tr', (rs) => rs.length);
      return rows === plan.items ? null : `${rows} item rows, want ${plan.items}`;
    });

    await t.check('the planner edits an item: the cost and the budget follow', async () => {
      const row = page.locator('#items tbody tr').first();
      const unit = Number(await row.locator('input.cost').inputValue());
      await row.locator('input.qty').fill('37');
      await row.locator('button', {hasText: '保存'}).click();
      await page.waitForFunction(() => /已保存/.test(document.querySelector('#plan-message').textContent));
      const cost = (await row.locator('td').nth(4).textContent()).replace(/,/g, '');
      const want = Math.round(37 * unit * 100) / 100;
      return Number(cost) === want ? null : `cost ${cost}, want ${want}`;
    });

    await t.check('the planner adds an item from the menu', async () => {
      const before = await page.$$eval('#items tbody tr', (rs) => rs.length);
      const code = await page.$eval('#add-item select[name=menu_code] optgroup option', (o) => o.value);
      await page.selectOption('#add-item select[name=menu_code]', code);
      await page.fill('#add-item input[name=quantity]', '2');
      await page.click('#add-item button[type=submit]');
      await page.waitForFunction(() => /已添加/.test(document.querySelector('#plan-message').textContent));
      const after = await page.$$eval('#items tbody tr', (rs) => rs.length);
      return after === before + 1 ? null : `${before} → ${after} rows`;
    });

    await t.check('the planner advances the plan to 方案审核', async () => {
      await page.click('#moves .move[data-direction="forward"] button');
      await page.waitForFunction(() => /已推进/.test(document.querySelector('#plan-message').textContent), null, {timeout: 10000});
      const current = await page.textContent('#stepper li[aria-current="step"]');
      const history = await page.textContent('#history');
      return current === '方案审核' && history.includes('制定方案 → 方案审核') ? null : `stage ${current}, history ${history}`;
    });

    await t.check('公示确认 is refused with the reason in Chinese (资金未落实)', async () => {
      const listed = await page.textContent('#moves .move[data-direction="forward"] .reasons');
      if (!listed.includes('资金未落实')) return `blocked reasons ${JSON.stringify(listed)}`;
      await page.click('#moves .move[data-direction="forward"] button');
      await page.waitForFunction(() => document.querySelector('#plan-message').classList.contains('error'), null, {timeout: 10000});
      const msg = await page.textContent('#plan-message');
      t.forgetExpected(409, `/api/v1/plans/${plan.id}/stage`);
      return msg.includes('不能进入“公示确认”阶段') && msg.includes('资金未落实') ? latinProblem(msg) : `message ${JSON.stringify(msg)}`;
    });

    await t.check('a 公示期 that ends before it opens is refused in Chinese', async () => {
      await page.fill('#notice-period input[name=opens_on]', '2021-06-30');
      await page.fill('#notice-period input[name=closes_on]', '2021-06-01');
      await page.fill('#notice-period input[name=feedback]', '社区居委会接待室');
      await page.evaluate(() => { const m = document.getElementById('plan-message'); m.classList.remove('error'); m.textContent = ''; });
      await page.click('#save-notice');
      await page.waitForFunction(() => {
        const m = document.querySelector('#plan-message');
        return m.classList.contains('error') && m.textContent;
      }, null, {timeout: 10000});
      t.forgetExpected(400, `/api/v1/plans/${plan.id}/notice-period`);
      const msg = await page.textContent('#plan-message');
      await page.evaluate(() => document.getElementById('notice-period').reset());
      return /公示/.test(msg) ? latinProblem(msg) : `message ${JSON.stringify(msg)}`;
    });

    await t.check('funding the budget in full clears the funding gap', async () => {
      const budget = await page.evaluate(() => window.renewmapPlan.view.cost);
      await page.fill('#funding input[name=central]', String(budget));
      await page.click('#save-funding');
      await page.waitForFunction(() => /已保存资金方案/.test(document.querySelector('#plan-message').textContent));
      const gap = await page.textContent('#funding-gap');
      return gap.includes('资金已全部落实') ? null : `gap ${gap}`;
    });

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: path.join(t.artifacts, 'plan.png'), fullPage: true});
    await t.finalChecks(page);

    if (process.env.E2E_VIEWER) {
      const viewerContext = await browser.newContext({viewport: {width: 1280, height: 900}, locale: 'zh-CN'});
      const vp = await viewerContext.newPage();
      await t.check('a viewer sees the plan without edit controls', async () => {
        await vp.goto(t.base + url);
        await vp.fill('#username', process.env.E2E_VIEWER);
        await vp.fill('#password', process.env.E2E_VIEWER_PASSWORD);
        await Promise.all([vp.waitForURL(t.base + url, {timeout: 15000}), vp.click('#login-submit')]);
        await vp.waitForFunction(() => window.renewmapPlan?.ready, null, {timeout: 20000});
        if (await vp.isHidden('#readonly')) return 'no read-only note';
        const note = await vp.textContent('#readonly');
        if (!note.includes('不能编辑')) return `note ${note}`;
        const buttons = await vp.$$eval('#moves button, #items tbody button', (bs) => bs.length);
        const visible = await vp.$$eval('.edit-only', (es) => es.filter((e) => !e.hidden).length);
        const enabled = await vp.$$eval('#basic input, #basic select, #items input, #funding input', (es) => es.filter((e) => !e.disabled).length);
        return buttons || visible || enabled ? `${buttons} buttons, ${visible} edit sections, ${enabled} enabled inputs` : null;
      });
      await t.check('the API refuses a viewer\'s change with 403 and says why', async () => {
        const res = await vp.evaluate(async (id) => {
          const me = await (await fetch('/api/v1/me')).json();
          const etag = (await fetch(`/api/v1/plans/${id}`)).headers.get('ETag');
          const r = await fetch(`/api/v1/plans/${id}`, {method: 'PATCH', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token, 'If-Match': etag},
            body: JSON.stringify({consent_rate: 0.99})});
          return {status: r.status, body: await r.json()};
        }, plan.id);
        return res.status === 403 && res.body.error.includes('无权') ? null : JSON.stringify(res);
      });
      await vp.screenshot({path: path.join(t.artifacts, 'plan-viewer.png'), fullPage: false});
      await viewerContext.close();
    }
  } finally {
    await context.close();
    await browser.close();
  }
});
