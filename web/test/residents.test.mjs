// Headless-browser test of the residents' pages on a phone (375×740) over the demo data:
//   E2E_USER=… E2E_PASSWORD=… node web/test/residents.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER is a planner. A visitor without login opens a community's public notice (公示) and the
// district list; the planner opens a menu survey for a plan in 制定方案 and issues household codes
// on /survey-admin; a resident (another browser, no login) fills in the survey with a code on the
// phone, changes it, and a wrong code is refused; the planner sees the ranked results with the
// resident's comment shown as text. Screenshots: artifacts/notice.png, survey.png, results.png.
import path from 'node:path';
import {latinProblem, suite} from './harness.mjs';

const t = suite();
const phone = {width: 375, height: 740};

const cjkRenders = (page) => page.evaluate(() => {
  const draw = (ch) => {
    const c = document.createElement('canvas');
    c.width = 40; c.height = 40;
    const g = c.getContext('2d');
    g.font = '32px sans-serif';
    g.fillText(ch, 2, 32);
    return c.toDataURL();
  };
  return draw('铁') === draw('\uFDD0') ? 'the CJK glyph draws like a missing one' : null;
});

// noOverflow: nothing is wider than the phone (tables scroll inside their own box).
const noOverflow = (page) => page.evaluate(() =>
  document.documentElement.scrollWidth > window.innerWidth + 1 ? `page is ${document.documentElement.scrollWidth}px wide` : null);

await t.run(async () => {
  // The public list, without logging in.
  const pub = await fetch(`${t.base}/api/public/notices`).then((r) => r.json());
  const notice = pub.notices[0];
  // The plan the plan page's test edits (web/test/plan.test.mjs) is left alone.
  const {plans} = await t.getJSON('/api/v1/plans?stage=planning');
  const theirs = plans.find((p) => p.items > 0 && p.consent_rate >= 0.7 && p.management_after && p.planned_start);
  const plan = [...plans].reverse().find((p) => p !== theirs && p.community.households > 0);

  const visitor = await t.browser({viewport: phone});
  const planner = await t.browser({viewport: phone});
  try {
    if (!notice) throw new Error('the demo has no publicised plan');
    if (!plan) throw new Error('the demo has no plan in 制定方案');
    const vp = visitor.page;

    await t.check('the district list of notices is public and links each community', async () => {
      await vp.goto(`${t.base}/notices`);
      await vp.waitForSelector('body[data-ready=true]');
      const n = await vp.$$eval('#notices li a', (as) => as.length);
      return n === pub.notices.length ? null : `${n} links, want ${pub.notices.length}`;
    });

    await t.check(`the notice of ${notice.community_name} opens without login: works, budget, funding, schedule`, async () => {
      await vp.click(`#notices a[href="/notice/${encodeURIComponent(notice.community_code)}"]`);
      await vp.waitForSelector('body[data-ready=true]');
      if (!new URL(vp.url()).pathname.startsWith('/notice/')) return `at ${vp.url()}`;
      const title = await vp.textContent('#title');
      if (!title.includes(notice.community_name)) return `title ${title}`;
      const rows = await vp.$$eval('#works tbody tr', (rs) => rs.length);
      if (rows !== notice.item_count) return `${rows} works, want ${notice.item_count}`;
      const facts = await vp.textContent('#facts');
      if (!facts.includes(notice.stage_name) || !facts.includes('万元')) return `facts ${facts}`;
      const schedule = await vp.textContent('#schedule');
      if (notice.planned_start && !schedule.includes(notice.planned_start)) return `schedule ${schedule}`;
      return null;
    });

    await t.check('the notice draws the community map (outline, buildings) and a QR code of its address', async () => {
      const outline = await vp.$$eval('#map svg path.outline', (ps) => ps.length);
      const buildings = await vp.$$eval('#map svg path.building', (ps) => ps.length);
      if (outline < 1 || buildings < 1) return `${outline} outlines, ${buildings} buildings`;
      const modules = await vp.$eval('#qr svg path', (p) => p.getAttribute('d').length);
      const url = await vp.textContent('#page-url');
      if (modules < 500 || !url.endsWith(`/notice/${notice.community_code}`)) return `QR ${modules}, url ${url}`;
      return null;
    });
    await t.check('a CJK font renders on the phone', () => cjkRenders(vp));
    await t.check('the notice fits the phone width', () => noOverflow(vp));
    await vp.screenshot({path: path.join(t.artifacts, 'notice.png'), fullPage: true});

    await t.check('a plan not yet publicised shows no notice', async () => {
      await vp.goto(`${t.base}/notice/${encodeURIComponent(plan.community.code)}`);
      await vp.waitForSelector('#message:not([hidden])');
      t.forgetExpected(404, `/api/public/notices/${encodeURIComponent(plan.community.code)}`);
      const msg = await vp.textContent('#message');
      return msg.includes('暂无公示') && (await vp.$$('#works tbody tr')).length === 0 ? null : `message ${msg}`;
    });

    // The planner opens a survey and issues three codes.
    const pp = planner.page;
    let codes = [];
    await t.check('/survey-admin asks a planner to log in', () => t.login(pp, '/survey-admin'));

    await t.check('the planner sets the 公示期 and feedback channel; the public notice shows them', async () => {
      const {plans: all} = await t.getJSON('/api/v1/plans');
      const pl = all.find((p) => p.community.code === notice.community_code);
      await pp.setViewportSize({width: 1280, height: 800});
      await pp.goto(`${t.base}/plan?id=${pl.id}`);
      await pp.waitForSelector('#notice-period:visible');
      await pp.fill('#notice-period input[name=opens_on]', '2021-10-09');
      await pp.fill('#notice-period input[name=closes_on]', '2021-10-01');
      await pp.fill('#notice-period input[name=feedback]', '社区居委会接待室');
      await pp.click('#save-notice');
      await pp.waitForFunction(() => document.querySelector('#plan-message').classList.contains('error'));
      const refused = await pp.textContent('#plan-message');
      t.forgetExpected(400, `/api/v1/plans/${pl.id}/notice-period`);
      if (!refused.includes('结束日期不能早于开始日期')) return `refusal ${JSON.stringify(refused)}`;
      await pp.fill('#notice-period input[name=closes_on]', '2021-10-16');
      await pp.click('#save-notice');
      await pp.waitForFunction(() => /已保存公示期/.test(document.querySelector('#plan-message').textContent));
      await pp.setViewportSize(phone);
      await vp.goto(`${t.base}/notice/${encodeURIComponent(notice.community_code)}`);
      await vp.waitForSelector('body[data-ready=true]');
      const text = await vp.textContent('#period-card');
      await pp.goto(`${t.base}/survey-admin`); // where the survey checks below start
      return text.includes('公示期：2021-10-09 至 2021-10-16') && text.includes('社区居委会接待室') ? null : `notice ${JSON.stringify(text)}`;
    });
    await pp.waitForSelector('body[data-ready=true]', {timeout: 15000});
    await t.check(`the planner opens a menu survey for ${plan.community.name}`, async () => {
      await pp.selectOption('#open-plan', String(plan.id));
      if (await pp.inputValue('#open-kind') !== 'menu') return 'kind is not menu';
      await pp.fill('#open-max', '3');
      await pp.click('#open-submit');
      await pp.waitForFunction(() => /已发起/.test(document.querySelector('#message').textContent));
      await pp.waitForSelector('#surveys tbody tr:has-text("进行中")');
      return null;
    });
    await t.check('the planner issues three codes: a printable sheet of slips with QR codes', async () => {
      const row = pp.locator('#surveys tbody tr', {hasText: plan.community.name}).first();
      await row.locator('input[type=number]').fill('3');
      await row.locator('button', {hasText: '发放登记码'}).click();
      await pp.waitForSelector('#sheet .slip');
      codes = await pp.$$eval('#sheet .slip .code', (cs) => cs.map((c) => c.textContent));
      const qrs = await pp.$$eval('#sheet .slip .qr svg', (s) => s.length);
      if (codes.length !== 3 || qrs !== 3) return `${codes.length} codes, ${qrs} QR codes`;
      if (!codes.every((c) => /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/.test(c))) return `codes ${codes}`;
      const url = await pp.textContent('#sheet .slip .url');
      return url.includes(`/survey/${plan.community.code}`) ? null : `slip url ${url}`;
    });

    // A resident fills in the survey on the phone.
    const community = encodeURIComponent(plan.community.code);
    const picks = [];
    await t.check('a wrong code is refused with a clear message', async () => {
      await vp.goto(`${t.base}/survey/${community}`);
      await vp.waitForSelector('body[data-ready=code]');
      await vp.fill('#code', '00000-00000');
      await vp.click('#code-submit');
      await vp.waitForSelector('#message.error:not([hidden])');
      t.forgetExpected(403, `/api/public/surveys/${community}/code`);
      const msg = await vp.textContent('#message');
      return msg.includes('登记码不正确') ? latinProblem(msg) : `message ${msg}`;
    });
    await t.check('the resident enters a code, ticks and ranks works, agrees and comments', async () => {
      await vp.fill('#code', codes[0].toLowerCase().replace('-', ' '));
      await vp.click('#code-submit');
      await vp.waitForSelector('body[data-ready=form]');
      const items = await vp.$$eval('#menu .menu-item', (is) => is.map((i) => i.dataset.code));
      const parts = await vp.$$eval('#menu .part h3', (hs) => hs.map((h) => h.textContent));
      if (items.length !== 42 || !parts.includes('房屋功能')) return `${items.length} items, parts ${parts}`;
      picks.push('I07', 'I17', 'E05');
      for (const code of picks) await vp.check(`#item-${code}`);
      await vp.click('.menu-item[data-code=I17] button');
      await vp.click('.menu-item[data-code=I07] button');
      await vp.click('#priorities li:nth-child(2) button[aria-label=上移]');
      const order = await vp.$$eval('#priorities li .name', (ns) => ns.map((n) => n.textContent));
      if (order.length !== 2 || !order[0].includes('排水')) return `priorities ${order}`;
      // Without 同意/不同意 the form says so beside the question, where the resident is looking.
      await vp.click('#submit');
      const err = vp.locator('#consent-error');
      await err.waitFor({state: 'visible', timeout: 5000});
      const inView = await err.evaluate((e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; });
      if (!inView || !(await err.textContent()).includes('请选择是否同意')) return 'the missing-consent error is not shown in view';
      await vp.check('#consent input[value=yes]', {force: true});
      await vp.fill('#comment', '<b>请先修排水</b> & 路灯');
      await vp.locator('.menu-item[data-code=I07]').scrollIntoViewIfNeeded();
      await vp.evaluate(() => window.scrollBy(0, -120));
      await vp.screenshot({path: path.join(t.artifacts, 'survey.png'), fullPage: false});
      await vp.click('#submit');
      await vp.waitForSelector('body[data-saved="1"]');
      const msg = await vp.textContent('#message');
      return msg.includes('提交成功') ? null : `message ${msg}`;
    });
    await t.check('the survey page fits the phone width', () => noOverflow(vp));
    await t.check('re-entering the code (from the slip’s QR link) shows the ballot; a change replaces it', async () => {
      await vp.goto('about:blank'); // a scanned QR code opens a fresh page, not a fragment change
      await vp.goto(`${t.base}/survey/${community}#${codes[0]}`);
      await vp.waitForSelector('body[data-ready=code]');
      if (new URL(vp.url()).hash) return 'the code stayed in the address bar';
      if (await vp.inputValue('#code') !== codes[0]) return 'the QR link did not fill in the code';
      await vp.click('#code-submit');
      await vp.waitForSelector('body[data-ready=form]');
      if (await vp.isHidden('#previous')) return 'no notice of the previous ballot';
      const checked = await vp.$$eval('#menu input:checked', (is) => is.map((i) => i.value).sort());
      if (checked.join() !== [...picks].sort().join()) return `checked ${checked}`;
      if (await vp.inputValue('#comment') !== '<b>请先修排水</b> & 路灯') return 'comment not restored verbatim';
      await vp.uncheck('#item-E05');
      await vp.click('#submit');
      await vp.waitForSelector('body[data-saved="1"]');
      const msg = await vp.textContent('#message');
      return msg.includes('已更新') ? null : `message ${msg}`;
    });
    await vp.screenshot({path: path.join(t.artifacts, 'survey-full.png'), fullPage: true});
    await t.check('a second household answers with another code', async () => {
      await vp.goto(`${t.base}/survey/${community}`);
      await vp.waitForSelector('body[data-ready=code]');
      await vp.fill('#code', codes[1]);
      await vp.click('#code-submit');
      await vp.waitForSelector('body[data-ready=form]');
      await vp.check('#item-I17');
      await vp.check('#consent input[value=no]', {force: true});
      await vp.click('#submit');
      await vp.waitForSelector('body[data-saved="1"]');
      return null;
    });

    // The planner's ranked results.
    await t.check('the planner sees the results ranked, next to the plan’s items', async () => {
      const row = pp.locator('#surveys tbody tr', {hasText: plan.community.name}).first();
      await row.locator('button', {hasText: '查看结果'}).click();
      await pp.waitForSelector('#ranking tbody tr');
      const ranked = await pp.$$eval('#ranking tbody tr', (rs) => rs.map((r) => r.dataset.code));
      // I17 chosen by both households (2), I07 by one: I17 first.
      if (ranked.join() !== 'I17,I07') return `ranking ${ranked}`;
      const first = await pp.textContent('#ranking tbody tr:first-child');
      if (!first.includes('66.7%') && !first.includes('100.0%')) return `first row ${first}`;
      const facts = await pp.textContent('#results-card .facts');
      if (!facts.includes('2 户') || !facts.includes('66.7%')) return `facts ${facts}`;
      return null;
    });
    await t.check('the resident’s comment is shown as text, never as markup', async () => {
      const li = await pp.$eval('#comments li', (l) => ({text: l.textContent, tags: l.querySelectorAll('*').length}));
      return li.text === '<b>请先修排水</b> & 路灯' && li.tags === 0 ? null : JSON.stringify(li);
    });
    await pp.locator('#results-card').screenshot({path: path.join(t.artifacts, 'results.png')});
    await t.check('closing the survey writes the consent to the plan; its codes are then refused', async () => {
      pp.once('dialog', (d) => d.accept());
      const row = pp.locator('#surveys tbody tr', {hasText: plan.community.name}).first();
      await row.locator('button', {hasText: '结束调查'}).click();
      await pp.waitForFunction(() => /调查已结束/.test(document.querySelector('#message').textContent));
      const msg = await pp.textContent('#message');
      const want = `${(Math.round(1000 / plan.community.households) / 10).toFixed(1)}%`;
      if (!msg.includes('已写入方案') || !msg.includes(want)) return `message ${msg}, want ${want}`;
      await vp.goto(`${t.base}/survey/${community}`);
      await vp.waitForSelector('#message.error:not([hidden])');
      const closed = await vp.textContent('#message');
      return closed.includes('已结束') ? null : `resident sees ${closed}`;
    });
    await t.finalChecks(pp);
  } finally {
    await visitor.browser.close();
    await planner.browser.close();
  }
});
