// Headless-browser test of the error paths of the forms not checked elsewhere (issue 21: every
// message a user can see in Chinese): as a planner, through the page as a user would, bad input is
// entered in the login form, the plan page's item, funding, basic and 公示期 forms, the survey
// page's open, issue and close actions, the 片区 page's save and 配套选址, the residents' survey
// and rating code forms, the dashboard's 统计截至 date and the import page's mapping; each time a
// Chinese message must show, and it must hold no Latin word outside the allowed names
// (harness.mjs latinProblem), no URL and no snake_case code.
//   E2E_USER=… E2E_PASSWORD=… node web/test/forms.test.mjs BASE_URL [ARTIFACT_DIR]
// It opens surveys: run it after the residents suite. Prints `N passed, N failed` last.
import {latinProblem, suite} from './harness.mjs';

const t = suite();
const {check} = t;
const CHINESE = /[\u4e00-\u9fff]/;

// shown waits for the error box selector to hold a new error and returns its text.
async function shown(page, selector, timeout = 10000) {
  await page.waitForFunction((s) => {
    const m = document.querySelector(s);
    return m && !m.hidden && m.textContent.trim() && (m.classList.contains('error') || s === '#toast');
  }, selector, {timeout});
  return (await page.textContent(selector)).trim();
}
// clear empties a message box so the next error is a new one.
const clear = (page, selector) => page.evaluate((s) => { const m = document.querySelector(s); m.textContent = ''; m.classList.remove('error'); }, selector);
// chinese passes when text is a Chinese message with no Latin word, URL or code.
const chinese = (text, want) => (want && !want.test(text)) || !CHINESE.test(text) ? `message ${JSON.stringify(text)}` : latinProblem(text);

await t.run(async () => {
  const {browser, context, page} = await t.browser({viewport: {width: 1440, height: 900}});
  try {
    await check('login with nothing entered is refused in Chinese', async () => {
      await page.goto(`${t.base}/login`);
      await page.click('#login-submit');
      await page.waitForSelector('#login-error:not([hidden])');
      t.forgetExpected(400, '/api/v1/login');
      return chinese(await page.textContent('#login-error'));
    });

    const err = await t.login(page, '/plan');
    if (err) throw new Error(err);

    // ---- the plan page
    const {plans} = await t.getJSON('/api/v1/plans');
    const plan = plans.find((p) => p.stage === 'planning' && p.items > 0);
    if (!plan) throw new Error('the demo has no plan in 制定方案 with items');
    await page.goto(`${t.base}/plan?id=${plan.id}`);
    await page.waitForFunction(() => window.renewmapPlan?.ready, null, {timeout: 20000});
    const M = '#plan-message';
    const planForm = async (name, fill, want, expect) => check(name, async () => {
      await page.goto(`${t.base}/plan?id=${plan.id}`);
      await page.waitForFunction(() => window.renewmapPlan?.ready, null, {timeout: 20000});
      await clear(page, M);
      await fill();
      const text = await shown(page, M);
      if (expect) t.forgetExpected(...expect);
      return chinese(text, want);
    });
    const item = () => page.locator('#items tbody tr').first();
    const itemID = await page.evaluate(() => window.renewmapPlan.view.plan.items[0].id);
    await planForm('a negative item quantity is refused in Chinese', async () => {
      await item().locator('input.qty').fill('-3');
      await item().locator('button', {hasText: '保存'}).click();
    }, /数量/, [400, `/api/v1/plans/${plan.id}/items/${itemID}`]);
    await planForm('a negative unit cost is refused in Chinese', async () => {
      await item().locator('input.cost').fill('-10');
      await item().locator('button', {hasText: '保存'}).click();
    }, /单价/, [400, `/api/v1/plans/${plan.id}/items/${itemID}`]);
    // The form leaves checking to the page (novalidate): the browser's own bubble would be in
    // the browser's language, not always Chinese.
    await planForm('adding an item without choosing one is refused in Chinese', async () => {
      await page.fill('#add-item input[name=quantity]', '2');
      await page.click('#add-item button[type=submit]');
    }, /改造内容|菜单/);
    await planForm('adding an item with a quantity of 0 is refused in Chinese', async () => {
      const code = await page.$eval('#add-item select[name=menu_code] optgroup option', (o) => o.value);
      await page.selectOption('#add-item select[name=menu_code]', code);
      await page.fill('#add-item input[name=quantity]', '0');
      await page.click('#add-item button[type=submit]');
    }, /数量/, [400, `/api/v1/plans/${plan.id}/items`]);
    await planForm('a negative funding amount is refused in Chinese', async () => {
      await page.fill('#funding input[name=central]', '-100');
      await page.click('#save-funding');
    }, /金额|资金/, [400, `/api/v1/plans/${plan.id}/funding`]);
    await check('funding over the budget is saved and flagged in Chinese, or refused in Chinese', async () => {
      await page.goto(`${t.base}/plan?id=${plan.id}`);
      await page.waitForFunction(() => window.renewmapPlan?.ready, null, {timeout: 20000});
      await clear(page, M);
      const budget = await page.evaluate(() => window.renewmapPlan.view.cost);
      await page.fill('#funding input[name=central]', String(Math.round(budget * 3 + 1000)));
      await page.click('#save-funding');
      await page.waitForFunction(() => document.querySelector('#plan-message').textContent, null, {timeout: 10000});
      const text = await page.textContent(M);
      const gap = await page.textContent('#funding-gap');
      t.forgetExpected(400, `/api/v1/plans/${plan.id}/funding`);
      t.forgetExpected(409, `/api/v1/plans/${plan.id}/funding`);
      if (!/超出预算/.test(text + gap)) return `message ${JSON.stringify(text)}, gap ${JSON.stringify(gap)}`;
      return latinProblem(`${text} ${gap}`);
    });
    await planForm('a planned finish before the planned start is refused in Chinese', async () => {
      await page.fill('#basic input[name=planned_start]', '2024-06-01');
      await page.fill('#basic input[name=planned_end]', '2023-01-01');
      await page.click('#save-basic');
    }, /竣工|开工|日期/, [400, `/api/v1/plans/${plan.id}`]);
    await planForm('a consent rate over 100% is refused in Chinese', async () => {
      await page.fill('#basic input[name=consent_rate]', '150');
      await page.click('#save-basic');
    }, /同意率/, [400, `/api/v1/plans/${plan.id}`]);
    await planForm('a batch year out of range is refused in Chinese', async () => {
      await page.fill('#basic input[name=batch_year]', '1800');
      await page.click('#save-basic');
    }, /年/, [400, `/api/v1/plans/${plan.id}`]);
    await planForm('a 公示期 without a feedback channel is refused in Chinese', async () => {
      await page.fill('#notice-period input[name=opens_on]', '2021-06-01');
      await page.fill('#notice-period input[name=closes_on]', '2021-06-30');
      await page.fill('#notice-period input[name=feedback]', '');
      await page.click('#save-notice');
    }, /反馈|公示/, [400, `/api/v1/plans/${plan.id}/notice-period`]);

    // ---- the survey page
    const S = '#message';
    const surveyPage = async () => {
      await page.goto(`${t.base}/survey-admin`);
      await page.waitForSelector('body[data-ready="true"]', {timeout: 20000});
      await clear(page, S);
    };
    await check('opening a survey without choosing a plan is refused in Chinese', async () => {
      await surveyPage();
      await page.click('#open-submit');
      return chinese(await shown(page, S), /方案/);
    });
    const usable = await page.$$eval('#open-plan option', (os) => os.map((o) => o.value).filter(Boolean));
    const {surveys: before} = await t.getJSON('/api/v1/surveys');
    const openPlans = new Set(before.filter((s) => s.status === 'open').map((s) => String(s.plan_id)));
    const planning = new Set(plans.filter((p) => p.stage === 'planning').map((p) => String(p.id)));
    const fresh = usable.find((id) => planning.has(id) && !openPlans.has(id));
    await check('a survey with 0 priorities is refused in Chinese', async () => {
      if (!fresh) return 'no plan in 制定方案 without an open survey';
      await surveyPage();
      await page.selectOption('#open-plan', fresh);
      await page.fill('#open-max', '0');
      await page.click('#open-submit');
      const text = await shown(page, S);
      t.forgetExpected(400, '/api/v1/surveys');
      return chinese(text, /优先/);
    });
    await check('a survey closing in the past is refused in Chinese', async () => {
      await surveyPage();
      await page.selectOption('#open-plan', fresh);
      await page.fill('#open-closes', '2001-01-01');
      await page.click('#open-submit');
      const text = await shown(page, S);
      t.forgetExpected(400, '/api/v1/surveys');
      return chinese(text, /日期|截止/);
    });
    await check('a second survey on a plan with one open is refused in Chinese', async () => {
      await surveyPage();
      await page.selectOption('#open-plan', fresh);
      await page.click('#open-submit');
      await page.waitForFunction(() => /已发起/.test(document.querySelector('#message').textContent), null, {timeout: 10000});
      await clear(page, S);
      await page.click('#open-submit');
      const text = await shown(page, S);
      t.forgetExpected(409, '/api/v1/surveys');
      return chinese(text, /调查/);
    });
    const row = () => page.locator('#surveys tbody tr', {hasText: '进行中'}).first();
    await check('issuing 0 codes is refused in Chinese', async () => {
      await surveyPage();
      await row().locator('input').fill('0');
      await row().locator('button', {hasText: '发放登记码'}).click();
      return chinese(await shown(page, S), /登记码|数量/);
    });
    await check('issuing more codes than allowed is refused in Chinese', async () => {
      await surveyPage();
      await row().locator('input').fill('5000');
      await row().locator('button', {hasText: '发放登记码'}).click();
      const text = await shown(page, S);
      t.forgetExpected(400, '/codes');
      return chinese(text, /登记码|数量|户/);
    });
    await check('closing a survey someone else closed is refused in Chinese', async () => {
      await surveyPage();
      const id = await row().getAttribute('data-survey');
      const call = await t.client();
      const res = await call('POST', `/api/v1/surveys/${id}/close`);
      if (res.status !== 200) return `closing through the API: ${res.status} ${JSON.stringify(res.data)}`;
      page.once('dialog', (d) => d.accept());
      await page.locator(`#surveys tbody tr[data-survey="${id}"] button`, {hasText: '结束调查'}).click();
      const text = await shown(page, S);
      t.forgetExpected(409, `/api/v1/surveys/${id}/close`);
      t.forgetExpected(400, `/api/v1/surveys/${id}/close`);
      return chinese(text, /调查/);
    });

    // ---- the residents' code forms: a 满意度评价 opened on the survey page first, when none is open
    await check('a 满意度评价 opens for a plan past 竣工验收', async () => {
      const {surveys} = await t.getJSON('/api/v1/surveys');
      if (surveys.some((s) => s.status === 'open' && s.kind === 'satisfaction')) return null;
      const open = new Set(surveys.filter((s) => s.status === 'open').map((s) => s.plan_id));
      const done = plans.find((p) => (p.stage === 'accepted' || p.stage === 'handed_over') && !open.has(p.id));
      if (!done) return 'the demo has no plan in 竣工验收 or 移交管理';
      await surveyPage();
      await page.selectOption('#open-plan', String(done.id));
      await page.click('#open-submit');
      await page.waitForFunction(() => /已发起/.test(document.querySelector('#message').textContent), null, {timeout: 10000});
      return null;
    });
    await check('/survey of a closed survey says so in Chinese', async () => {
      const code = plans.find((p) => String(p.id) === fresh)?.community.code;
      await page.goto(`${t.base}/survey/${encodeURIComponent(code)}`);
      await page.waitForFunction(() => !document.getElementById('message').hidden, null, {timeout: 15000});
      return chinese(await page.textContent('#message'), /结束/);
    });
    await check('/rate: a code left empty or wrong is refused in Chinese', async () => {
      const {surveys} = await t.getJSON('/api/v1/surveys');
      const open = surveys.find((s) => s.status === 'open' && s.kind === 'satisfaction');
      if (!open) return 'no open 满意度评价';
      const code = open.community_code;
      await page.goto(`${t.base}/rate/${encodeURIComponent(code)}`);
      await page.waitForSelector('body[data-ready="code"]', {timeout: 15000});
      await page.click('#code-submit');
      const empty = await shown(page, '#message');
      if (chinese(empty, /登记码/)) return chinese(empty, /登记码/);
      await clear(page, '#message');
      await page.fill('#code', 'NOT-A-CODE-1');
      await page.click('#code-submit');
      const wrong = await shown(page, '#message');
      for (const status of [400, 403, 404]) t.forgetExpected(status, '/code');
      return chinese(wrong, /登记码/);
    });

    // ---- the 片区 page
    await check('saving a 片区 without a name is refused in Chinese', async () => {
      await page.goto(`${t.base}/areas`, {waitUntil: 'networkidle'});
      await page.waitForFunction(() => window.renewmap?.ready === true, null, {timeout: 30000});
      await page.click('#suggest');
      await page.waitForSelector('#suggestions li', {timeout: 20000});
      await page.locator('#suggestions li').first().click();
      await page.waitForSelector('#editor:not([hidden])');
      await page.fill('#area-name', '   ');
      await page.click('#save-area');
      await page.waitForFunction(() => /名称/.test(document.querySelector('#toast').textContent), null, {timeout: 10000});
      return chinese(await page.textContent('#toast'), /名称/);
    });
    await check('配套选址 with too many sites is refused in Chinese', async () => {
      await page.click('#tab-siting');
      await page.fill('#siting-k', '99');
      await page.evaluate(() => { document.querySelector('#toast').textContent = ''; });
      await page.click('#siting-run');
      await page.waitForFunction(() => {
        const s = document.querySelector('#siting-status');
        return (s && s.classList.contains('error') && s.textContent) || /失败/.test(document.querySelector('#toast').textContent);
      }, null, {timeout: 15000});
      t.forgetExpected(400, 'k=99');
      const text = await page.evaluate(() => {
        const s = document.querySelector('#siting-status');
        return s && s.classList.contains('error') ? s.textContent : document.querySelector('#toast').textContent;
      });
      return chinese(text.trim());
    });

    // ---- the dashboard's 统计截至 date
    await check('a 统计截至 date before 2000 is refused in Chinese', async () => {
      await page.goto(`${t.base}/dashboard`, {waitUntil: 'networkidle'});
      await page.waitForFunction(() => window.renewmapDashboard?.ready, null, {timeout: 30000});
      await page.fill('#asof', '1990-01-01');
      const text = await shown(page, '#message');
      t.forgetExpected(400, 'as_of=1990-01-01');
      t.problems.badResponses = t.problems.badResponses.filter((r) => !(r.startsWith('400 ') && r.includes('as_of=1990-01-01')));
      return chinese(text, /年份/);
    });

    // ---- the import page's mapping
    await check('a mapping naming an unknown target is refused in Chinese', async () => {
      await page.goto(`${t.base}/import`);
      const fc = {type: 'FeatureCollection', features: [{type: 'Feature', properties: {kind: '支路', name: '映射测试路'},
        geometry: {type: 'LineString', coordinates: [[124.331, 43.151], [124.336, 43.151]]}}]};
      await page.setInputFiles('#file', {name: 'roads.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(fc))});
      await page.click('#upload');
      await page.waitForSelector('#mapping-card:not([hidden])', {timeout: 20000});
      const mapping = await page.inputValue('#mapping');
      // A broken mapping as a user might type it: an unknown target and a line without a colon.
      await page.fill('#mapping', `${mapping.replace(/^layer:.*$/m, "layer: 不存在的图层")}\n这一行没有冒号\n`);
      await page.click('#preview');
      const text = await shown(page, '#message', 20000);
      t.forgetExpected(400, '/preview');
      // The user's own field names may show; take them out.
      return chinese(text.replace(/roads\.geojson|\b(kind|name)\b/g, ''));
    });

    await page.screenshot({path: `${t.artifacts}/forms.png`});
    await t.finalChecks(page);
  } finally {
    await context.close();
    await browser.close();
  }
}, 300000);
