// Headless-browser test of every staff page at the three office screen sizes (1280×720,
// 1440×900, 1920×1080), as an administrator (who may use every page): the navigation header is
// there, nothing scrolls sideways, no two panels (maps, charts, tables) overlap, and a screenshot
// of each goes to artifacts/screens-<page>-<size>.png; the residents' public pages (公示 list and
// notice) and an area report too. Then each error path a user can hit here (a wrong password, a
// forbidden page, a missing page, bad input in the forms of 停车缺口, 先里子后面子, 访问令牌 and
// 账号管理 (a name taken, a name of bad characters), a what-if facility far from the paths) is
// triggered and the text shown must be Chinese: no Latin word outside the allowed names
// (harness.mjs latinProblem), no URL and no snake_case code. The refused stage move
// (plan.test.mjs) and the wrong survey code (residents.test.mjs) are checked the same way in
// their suites, and the other forms in forms.test.mjs.
import {latinProblem, suite} from './harness.mjs';

const t = suite();
const {check} = t;

const SIZES = [[1280, 720], [1440, 900], [1920, 1080]];
const PAGES = ['/', '/plan', '/areas', '/dashboard', '/downloads', '/import', '/survey-admin', '/notices', '/account', '/admin'];
// Pages without the staff header: the residents' public pages.
const isPublic = (p) => p === '/notices' || p.startsWith('/notice/');
// layoutProblem checks, in the page, sideways scroll and overlapping panels.
function layoutProblem(wantNav = true) {
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) return `scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`;
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    return r.width > 4 && r.height > 4 && s.visibility !== 'hidden' && s.display !== 'none' && !e.closest('[hidden]');
  };
  const panels = [...document.querySelectorAll('.maplibregl-map, .chart-box, [_echarts_instance_], table')]
    .filter(visible)
    .filter((e, _, all) => !all.some((o) => o !== e && o.contains(e)));
  const boxes = panels.map((e) => ({e, r: e.getBoundingClientRect()}));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r;
      const b = boxes[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2) {
        const name = (e) => e.id || e.className || e.tagName;
        return `${name(boxes[i].e)} overlaps ${name(boxes[j].e)} by ${Math.round(w)}×${Math.round(h)} px`;
      }
    }
  }
  const nav = document.querySelector('body > .site-nav');
  if (wantNav !== (!!nav && nav.getBoundingClientRect().height > 0)) return wantNav ? 'no navigation header' : 'the navigation header is shown';
  return null;
}

await t.run(async () => {
  const {browser, context, page} = await t.browser({viewport: {width: 1280, height: 720}});
  try {
    await check('a wrong password is refused in Chinese', async () => {
      await page.goto(`${t.base}/login`);
      await page.fill('#username', t.user);
      await page.fill('#password', 'not-the-password');
      await page.click('#login-submit');
      await page.waitForSelector('#login-error:not([hidden])');
      t.forgetExpected(401, '/api/v1/login');
      return latinProblem(await page.textContent('#login-error'));
    });

    const err = await t.login(page, '/');
    if (err) throw new Error(err);

    await check('the header shows every page to an administrator', async () => {
      await page.waitForSelector('.site-nav a.site-link');
      const links = await page.$$eval('.site-nav a.site-link', (as) => as.map((a) => a.getAttribute('href').split('?')[0]));
      const missing = PAGES.filter((p) => !links.includes(p));
      return missing.length ? `missing ${missing.join(', ')}` : null;
    });

    await check('the header names the user and the role in Chinese', async () =>
      latinProblem(await page.innerText('.site-nav')));

    // A notice and an area report, when the data has them (the areas suite saves areas first).
    const extra = [];
    const {areas} = await t.getJSON('/api/v1/areas');
    if (areas.length) extra.push(`/area-report?id=${areas[0].id}`);
    const notices = await (await fetch(`${t.base}/api/public/notices`)).json();
    if (notices.notices?.length) extra.push(`/notice/${encodeURIComponent(notices.notices[0].community_code)}`);
    for (const [w, h] of SIZES) {
      await page.setViewportSize({width: w, height: h});
      for (const p of [...PAGES, ...extra]) {
        await check(`${p} at ${w}×${h}: no sideways scroll, no overlapping panels`, async () => {
          await page.goto(t.base + p, {waitUntil: 'networkidle'});
          if (!isPublic(p)) await page.waitForSelector('.site-nav');
          const problem = await page.evaluate(layoutProblem, !isPublic(p));
          const name = p === '/' ? 'map' : p.slice(1).replace(/\?id=/, '-').replace(/\//g, '-');
          await page.screenshot({path: `${t.artifacts}/screens-${name}-${w}x${h}.png`});
          return problem;
        });
      }
    }

    for (const [w, h] of [[1920, 1080], [3840, 2160]]) {
      await page.setViewportSize({width: w, height: h});
      await check(`the dashboard's 大屏 mode at ${w}×${h}: no header, no sideways scroll, no overlapping panels`, async () => {
        await page.goto(`${t.base}/dashboard?screen=wall`, {waitUntil: 'networkidle'});
        await page.waitForFunction(() => window.renewmapDashboard?.ready);
        const problem = await page.evaluate(layoutProblem, false);
        await page.screenshot({path: `${t.artifacts}/screens-dashboard-wall-${w}x${h}.png`});
        return problem;
      });
    }

    await page.setViewportSize({width: 1440, height: 900});
    await check('under 全部方案 the KPI cards count all plans, not the 2021 target', async () => {
      await page.goto(`${t.base}/dashboard?batch_year=`, {waitUntil: 'networkidle'});
      await page.waitForFunction(() => window.renewmapDashboard?.ready);
      const card = await page.textContent('#card-communities');
      const {plans} = await t.getJSON('/api/v1/plans');
      return !card.includes('/ 目标') && card.includes('全部批次') && card.includes(String(plans.length)) ? null : `card ${JSON.stringify(card)} with ${plans.length} plans`;
    });

    await check('the monthly chart shows planned and actual starts and finishes, ending at the plans\' count', async () => {
      const series = await page.evaluate(() => window.echarts.getInstanceByDom(document.getElementById('chart-trend')).getOption().series
        .map((s) => ({name: s.name, last: s.data.filter((v) => v !== null).at(-1)})));
      const {plans} = await t.getJSON('/api/v1/plans');
      const planned = plans.filter((p) => p.planned_start).length;
      const names = series.map((s) => s.name).join(',');
      if (names !== '计划开工,实际开工,计划竣工,实际竣工') return `series ${names}`;
      return series[0].last === planned ? null : `计划开工 ends at ${series[0].last}, ${planned} plans have a planned start`;
    });

    await check('the 按街道 table downloads as Excel and CSV with the rows shown', async () => {
      await page.goto(`${t.base}/dashboard`, {waitUntil: 'networkidle'});
      await page.waitForFunction(() => window.renewmapDashboard?.ready);
      const bar = page.locator('#table-subdistrict').locator('xpath=preceding-sibling::div[contains(@class,"export-bar")]');
      const [xlsx] = await Promise.all([page.waitForEvent('download'), bar.getByText('导出 Excel').click()]);
      const [csv] = await Promise.all([page.waitForEvent('download'), bar.getByText('导出 CSV').click()]);
      const {readFile} = await import('node:fs/promises');
      const book = await readFile(await xlsx.path());
      const text = (await readFile(await csv.path())).toString('utf8');
      const first = await page.textContent('#table-subdistrict tbody tr td');
      if (xlsx.suggestedFilename() !== '按街道.xlsx' || book.subarray(0, 2).toString() !== 'PK') return `xlsx ${xlsx.suggestedFilename()} ${book.length} bytes`;
      return csv.suggestedFilename() === '按街道.csv' && text.startsWith('\uFEFF街道,') && text.includes(first.trim()) ? null : `csv ${JSON.stringify(text.slice(0, 80))}`;
    });

    await check('a deep link keeps the community: /?community=ID → 改造方案 and 数据下载 carry it', async () => {
      const {communities} = await t.getJSON('/api/v1/communities?limit=1');
      const id = communities[0].id;
      await page.goto(`${t.base}/?community=${id}`, {waitUntil: 'networkidle'});
      await page.waitForSelector('#selected:not([hidden])');
      const hrefs = await page.$$eval('.site-nav a.site-link, a[data-carries]', (as) => as.map((a) => a.getAttribute('href')));
      const want = [`/plan?community=${id}`, `/downloads?community=${id}`];
      const missing = want.filter((u) => !hrefs.includes(u));
      return missing.length ? `links ${hrefs.join(' ')} lack ${missing.join(', ')}` : null;
    });

    await check('bad input in the 停车缺口 form is refused in Chinese', async () => {
      await page.goto(`${t.base}/areas`, {waitUntil: 'networkidle'});
      await page.click('#tab-parking');
      await page.fill('#ratio', '9');
      await page.click('#parking-run');
      await page.waitForFunction(() => document.querySelector('#parking-status').classList.contains('error'), null, {timeout: 10000});
      t.forgetExpected(400, 'ratio=9');
      const shown = await page.evaluate(() => window.renewmap.map.getStyle().layers
        .filter((l) => l.source === 'sites' && window.renewmap.map.getLayoutProperty(l.id, 'visibility') !== 'none').map((l) => l.id));
      if (shown.length) return `siting markers still shown on the 停车缺口 tab: ${shown.join(', ')}`;
      const text = await page.textContent('#parking-status');
      return text.includes('车位配比') ? latinProblem(text) : `message ${JSON.stringify(text)}`;
    });

    await check('a 先里子后面子 year range the wrong way round is refused in Chinese', async () => {
      await page.click('#tab-dig');
      await page.fill('#dig-from', '2025');
      await page.fill('#dig-to', '2021');
      await page.click('#dig-run');
      await page.waitForFunction(() => document.querySelector('#dig-status').classList.contains('error'), null, {timeout: 10000});
      t.forgetExpected(400, 'to=2021&buffer=5');
      const text = await page.textContent('#dig-status');
      return text.includes('查询失败') ? latinProblem(text) : `message ${JSON.stringify(text)}`;
    });

    await check('a what-if facility far from the paths is refused in Chinese', async () => {
      await page.goto(`${t.base}/`, {waitUntil: 'networkidle'});
      await page.waitForFunction(() => window.renewmap?.map?.loaded());
      await page.click('#whatif-place');
      // 30 km east of the district: no walk network within 500 m.
      await page.evaluate(() => window.renewmap.map.jumpTo({center: [124.75, 43.16], zoom: 15}));
      const box = await page.locator('#map canvas').boundingBox();
      await page.mouse.click(box.x + box.width * 0.7, box.y + box.height / 2);
      await page.waitForFunction(() => /方案推演失败/.test(document.querySelector('#toast').textContent), null, {timeout: 10000});
      t.forgetExpected(400, '/api/v1/scenarios');
      await page.keyboard.press('Escape');
      const text = await page.textContent('#toast');
      return text.includes('500') ? latinProblem(text) : `message ${JSON.stringify(text)}`;
    });

    await check('a token without a name is refused in Chinese', async () => {
      await page.goto(`${t.base}/account`, {waitUntil: 'networkidle'});
      await page.fill('#new-token input[name="name"]', '   ');
      await page.click('#new-token button[type="submit"]');
      await page.waitForSelector('#message.error:not([hidden])', {timeout: 10000});
      t.forgetExpected(400, '/api/v1/tokens');
      return latinProblem(await page.textContent('#message'));
    });

    await check('an account name already taken is refused in Chinese', async () => {
      await page.goto(`${t.base}/admin`, {waitUntil: 'networkidle'});
      await page.fill('#new-user input[name="username"]', t.user);
      await page.click('#new-user button[type="submit"]');
      await page.waitForSelector('#message.error:not([hidden])', {timeout: 10000});
      t.forgetExpected(409, '/api/v1/users');
      return latinProblem(await page.textContent('#message'));
    });

    await check('an account name with a space and a 。 is refused in Chinese, by the page not the browser', async () => {
      await page.goto(`${t.base}/admin`, {waitUntil: 'networkidle'});
      await page.fill('#new-user input[name="username"]', '张 三。');
      await page.click('#new-user button[type="submit"]');
      await page.waitForSelector('#message.error:not([hidden])', {timeout: 10000});
      t.forgetExpected(400, '/api/v1/users');
      const text = await page.textContent('#message');
      return /用户名/.test(text) ? latinProblem(text) : `message ${JSON.stringify(text)}`;
    });

    await check('a page that does not exist is a Chinese page', async () => {
      const res = await page.goto(`${t.base}/no-such-page`);
      t.forgetExpected(404, '/no-such-page');
      const text = await page.innerText('main');
      return res.status() === 404 && text.includes('页面不存在') ? latinProblem(text) : `${res.status()} ${JSON.stringify(text)}`;
    });

    await t.finalChecks(page);
  } finally {
    await context.close();
    await browser.close();
  }

  // A viewer may not use the account page, nor the survey page.
  const viewer = process.env.E2E_VIEWER;
  if (viewer) {
    const {browser: b2, context: c2, page: vp} = await t.browser({viewport: {width: 1280, height: 720}});
    try {
      await vp.goto(`${t.base}/login`);
      await vp.fill('#username', viewer);
      await vp.fill('#password', process.env.E2E_VIEWER_PASSWORD);
      await Promise.all([vp.waitForURL(`${t.base}/`), vp.click('#login-submit')]);
      for (const p of ['/admin', '/survey-admin']) {
        await check(`${p} is a Chinese 403 page for a viewer, and not in the viewer's header`, async () => {
          const res = await vp.goto(t.base + p);
          await vp.waitForSelector('.site-nav');
          const text = await vp.innerText('main');
          const links = await vp.$$eval('.site-nav a.site-link', (as) => as.map((a) => a.getAttribute('href')));
          if (links.includes(p)) return `the header offers ${p}`;
          return res.status() === 403 && text.includes('没有权限') ? latinProblem(text) : `${res.status()} ${JSON.stringify(text)}`;
        });
      }
    } finally {
      await c2.close();
      await b2.close();
    }
  }
}, 400000);
