// Headless-browser test of the leadership dashboard (GET /dashboard) on the demo data:
//   E2E_USER=… E2E_PASSWORD=… node web/test/dashboard.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER is a leader (or admin). Logs in through the login page at 1920×1080 and checks the
// 2021 targets (24 / 146 / 9,120 / 72.1万 m²) with their bars, the as-of date the demo sets
// (2021-11-30) and that changing it changes the overdue list, the overlay map (communities by
// stage, the six goals, pipeline condition for a leader), the charts, the tables and the
// residents' satisfaction panel. Screenshot:
// artifacts/dashboard.png. Prints `N passed, N failed` last.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1920, height: 1080}});
  try {
    await t.check('/dashboard sends a visitor to the login page and opens after logging in', () => t.login(page, '/dashboard'));
    await page.waitForFunction(() => window.renewmapDashboard?.ready, null, {timeout: 30000});

    await t.check('a CJK font renders (铁 differs from a character no font has)', () => page.evaluate(() => {
      const draw = (ch) => {
        const c = document.createElement('canvas');
        c.width = 40; c.height = 40;
        const g = c.getContext('2d');
        g.font = '32px sans-serif';
        g.fillText(ch, 2, 32);
        return c.toDataURL();
      };
      return draw('铁') === draw('\uFDD0') ? 'the CJK glyph draws like a missing one' : null;
    }));

    await t.check('the progress cards show the 2021 targets: 24 / 146 / 9,120 / 72.1万 m²', async () => {
      const text = (id) => page.textContent(`#${id}`);
      const want = {'card-communities': '24 / 目标 24 个', 'card-buildings': '146 / 目标 146 栋',
        'card-households': '9,120 / 目标 9,120 户', 'card-area': '72.1 / 目标 72.1 万m²'};
      for (const [id, s] of Object.entries(want)) {
        const got = (await text(id)).replace(/\s+/g, ' ');
        if (!got.includes(s)) return `${id}: ${JSON.stringify(got)} lacks ${s}`;
      }
      const bars = await page.$$eval('.card .bar .completed', (bs) => bs.map((b) => b.style.width));
      if (bars.length !== 4 || bars.some((w) => !w || w === '0%')) return `completion bars ${bars}`;
      const time = await text('card-time');
      return time.includes('2022-07-31') ? null : `deadline card ${JSON.stringify(time)}`;
    });

    await t.check('the demo is measured at its as-of date 2021-11-30 with four plans overdue', async () => {
      const asof = await page.inputValue('#asof');
      if (asof !== '2021-11-30') return `as-of ${asof}`;
      const rows = await page.$$eval('#table-overdue tbody tr', (rs) => rs.map((r) => r.textContent));
      if (rows.length !== 4 || !rows.every((r) => r.includes('逾期未开工'))) return `overdue rows ${JSON.stringify(rows)}`;
      return null;
    });

    await t.check('the tables by 街道 and by department add up to the batch', async () => {
      const foot = await page.textContent('#table-subdistrict tfoot');
      if (!foot.includes('24') || !foot.includes('9,120')) return `街道 total ${JSON.stringify(foot)}`;
      const depts = await page.$$eval('#table-department tbody tr', (rs) => rs.length);
      return depts >= 3 ? null : `${depts} departments`;
    });

    await t.check('the five charts are drawn (ECharts canvases)', async () => {
      const sizes = await page.$$eval('.chart-box', (bs) => bs.map((b) => {
        const c = b.querySelector('canvas');
        return c ? c.width * c.height : 0;
      }));
      return sizes.length === 5 && sizes.every((s) => s > 10000) ? null : `canvases ${sizes}`;
    });

    const idle = () => page.evaluate(() => new Promise((resolve) => {
      const map = window.renewmapDashboard.map;
      if (map.loaded() && !map.isMoving()) { setTimeout(resolve, 300); return; }
      map.once('idle', () => resolve());
    }));
    await t.check('the map draws the communities coloured by stage', async () => {
      await page.waitForFunction(() => window.renewmapDashboard.map?.isStyleLoaded(), null, {timeout: 20000});
      await idle();
      const n = await page.evaluate(() => window.renewmapDashboard.map.queryRenderedFeatures({layers: ['communities-fill']})
        .filter((f) => f.properties.stage).length);
      const legend = await page.textContent('#legend');
      if (n < 20) return `${n} staged communities drawn`;
      return legend.includes('组织实施') ? null : `legend ${JSON.stringify(legend)}`;
    });

    await t.check('the six-goals overlay draws communities with their goal states', async () => {
      await page.click('.modes button[data-mode="goals"]');
      await idle();
      const feats = await page.evaluate(() => window.renewmapDashboard.map.queryRenderedFeatures({layers: ['goals-fill']})
        .map((f) => f.properties.goals_met));
      if (feats.length < 20) return `${feats.length} goal features`;
      if (!feats.some((g) => g > 0)) return 'no community meets a goal';
      const stageVisible = await page.evaluate(() => window.renewmapDashboard.map.getLayoutProperty('communities-fill', 'visibility'));
      return stageVisible === 'none' ? null : 'the stage fill still shows under the goals';
    });

    await t.check('the 生活圈配套 overlay is one colour per community, then per 街道, not the circles', async () => {
      await page.click('.modes button[data-mode="coverage"]');
      const drawn = async (layer) => {
        await page.waitForFunction((l) => window.renewmapDashboard.map.getLayoutProperty(l, 'visibility') === 'visible', layer, {timeout: 10000});
        await idle();
        return page.evaluate((l) => {
          const m = window.renewmapDashboard.map;
          const fs = m.queryRenderedFeatures({layers: [l]});
          const paint = m.getPaintProperty(l, 'fill-color');
          const colours = new Set(fs.map((f) => { const i = paint.indexOf(f.id, 2); return i > 0 && i % 2 === 0 ? paint[i + 1] : 'none'; }));
          return {n: fs.length, colours: [...colours], circles: m.getLayoutProperty('living_circles-fill', 'visibility')};
        }, layer);
      };
      const c = await drawn('coverage-communities');
      if (c.n < 20 || c.colours.length < 2 || c.colours.includes('none') || c.circles !== 'none') return `communities ${JSON.stringify(c)}`;
      await page.selectOption('#coverage-by', 'subdistricts');
      const s = await drawn('coverage-subdistricts');
      if (!s.n || s.colours.includes('none')) return `街道 ${JSON.stringify(s)}`;
      const legend = await page.textContent('#legend');
      await page.screenshot({path: `${t.artifacts}/dashboard-coverage-subdistricts.png`});
      await page.click('.modes button[data-mode="stage"]');
      return legend.includes('可达必配设施') ? null : `legend ${JSON.stringify(legend)}`;
    });

    await t.check('管线状况 shows the district: communities, then 街道, coloured by failing pipes; the pipes from zoom 15', async () => {
      const hidden = await page.$eval('.modes button[data-mode="pipelines"]', (b) => b.hidden);
      if (hidden) return 'the pipelines overlay is not offered to a leader';
      const zoom = await page.evaluate(() => window.renewmapDashboard.map.getZoom());
      await page.click('.modes button[data-mode="pipelines"]');
      await page.selectOption('#coverage-by', 'communities');
      const drawn = async (layer) => {
        await page.waitForFunction((l) => window.renewmapDashboard.map.getLayoutProperty(l, 'visibility') === 'visible', layer, {timeout: 10000});
        await idle();
        return page.evaluate((l) => {
          const m = window.renewmapDashboard.map;
          const paint = m.getPaintProperty(l, 'fill-color');
          const coloured = m.queryRenderedFeatures({layers: [l]}).filter((f) => paint.indexOf(f.id, 2) > 0);
          return {n: coloured.length, colours: new Set(coloured.map((f) => paint[paint.indexOf(f.id, 2) + 1])).size, zoom: m.getZoom()};
        }, layer);
      };
      const c = await drawn('pipes-communities');
      if (Math.abs(c.zoom - zoom) > 0.01) return `the map moved from zoom ${zoom} to ${c.zoom}`;
      if (c.n < 10 || c.colours < 2) return `communities ${JSON.stringify(c)}`;
      const hint = await page.textContent('#map-hint');
      const legend = await page.textContent('#legend');
      if (!hint.includes('放大至15级') || !legend.includes('较差、危险管线')) return `hint ${JSON.stringify(hint)}, legend ${JSON.stringify(legend)}`;
      await page.screenshot({path: `${t.artifacts}/dashboard-pipelines-district.png`});
      await page.selectOption('#coverage-by', 'subdistricts');
      const s = await drawn('pipes-subdistricts');
      if (!s.n) return `街道 ${JSON.stringify(s)}`;
      await page.evaluate(() => window.renewmapDashboard.map.jumpTo({zoom: 15.2}));
      await idle();
      const n = await page.evaluate(() => window.renewmapDashboard.map.queryRenderedFeatures({layers: ['pipelines-line']}).length);
      const hintHidden = await page.$eval('#map-hint', (h) => h.hidden);
      await page.selectOption('#coverage-by', 'communities');
      await page.click('.modes button[data-mode="stage"]');
      await page.evaluate(() => window.renewmapDashboard.refit());
      return n > 0 && hintHidden && legend.includes('较差') ? null : `${n} pipes at zoom 15.2, hint hidden ${hintHidden}`;
    });

    await t.check('clicking a community opens its plan summary with a link to the plan page', async () => {
      await idle();
      const point = await page.evaluate(() => {
        const map = window.renewmapDashboard.map;
        const f = map.queryRenderedFeatures({layers: ['communities-fill']}).find((x) => x.properties.stage === 'construction');
        if (!f) return null;
        // the middle of the feature's bounding box in screen space
        const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
        const xs = ring.map((c) => map.project(c));
        const x = xs.reduce((s, q) => s + q.x, 0) / xs.length;
        const y = xs.reduce((s, q) => s + q.y, 0) / xs.length;
        const rect = map.getCanvas().getBoundingClientRect();
        return {x: rect.left + x, y: rect.top + y};
      });
      if (!point) return 'no community under construction drawn';
      await page.mouse.click(point.x, point.y);
      await page.waitForSelector('.maplibregl-popup .pop', {timeout: 5000});
      const text = await page.textContent('.maplibregl-popup .pop');
      await page.keyboard.press('Escape');
      return text.includes('查看改造方案') && text.includes('排水通') ? null : `popup ${JSON.stringify(text)}`;
    });

    await t.check('the residents\' satisfaction panel says no community has been rated yet (the demo has no survey)', async () => {
      const summary = await page.textContent('#satisfaction-summary');
      if (!summary.includes('尚无满意度评价')) return `summary ${JSON.stringify(summary)}`;
      return await page.isHidden('#table-satisfaction') ? null : 'an empty satisfaction table is shown';
    });

    await t.check('ratings show per community and for the district, coloured by score', async () => {
      // The page's rendering of a known answer (the API's own figures are tested in Go).
      const goal = (g, name, dist) => {
        const count = dist.reduce((a, b) => a + b, 0);
        const mean = count ? dist.reduce((a, n, i) => a + n * (i + 1), 0) / count : 0;
        return {goal: g, name, count, mean, distribution: dist};
      };
      const six = (dists) => [['drain', '排水通'], ['road', '路面平'], ['light', '路灯亮'], ['function', '功能全'],
        ['environment', '环境美'], ['management', '管理优']].map(([g, n], i) => goal(g, n, dists[i] || [0, 0, 0, 0, 0]));
      const body = {
        communities: [
          {community_code: 'C1', community_name: '测试甲小区', plan_id: 1, survey_id: 1, status: 'closed', codes_issued: 108,
            ballots: 2, participation: 2 / 108, mean: 3, goals: six([[0, 1, 0, 0, 1], [0, 0, 0, 1, 0], [], [], [], [1, 0, 0, 0, 0]])},
          {community_code: 'C2', community_name: '测试乙小区', plan_id: 2, survey_id: 2, status: 'open', codes_issued: 40,
            ballots: 0, participation: 0, mean: 0, goals: six([])},
        ],
        district: {communities: 2, ballots: 2, codes_issued: 148, mean: 3, goals: six([[0, 1, 0, 0, 1], [0, 0, 0, 1, 0], [], [], [], [1, 0, 0, 0, 0]])},
      };
      const p2 = await page.context().newPage();
      try {
        await p2.route('**/api/v1/satisfaction', (r) => r.fulfill({json: body}));
        await p2.goto(`${t.base}/dashboard`);
        await p2.waitForFunction(() => window.renewmapDashboard?.ready, null, {timeout: 30000});
        const summary = await p2.textContent('#satisfaction-summary');
        if (!summary.includes('2 个小区、2 份答卷') || !summary.includes('3.00 分')) return `summary ${JSON.stringify(summary)}`;
        const head = await p2.$$eval('#table-satisfaction thead th', (ths) => ths.map((th) => th.textContent));
        if (head.length !== 11 || head[5] !== '排水通' || head[10] !== '管理优') return `header ${JSON.stringify(head)}`;
        const rows = await p2.$$eval('#table-satisfaction tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
        const [a, b] = rows;
        if (rows.length !== 2 || a[0] !== '测试甲小区' || a[1] !== '已结束' || a[2] !== '2 / 108' || a[3] !== '1.9%') return `row ${JSON.stringify(a)}`;
        if (a[5] !== '3.50' || a[6] !== '4.00' || a[7] !== '—' || a[10] !== '1.00') return `goal scores ${JSON.stringify(a.slice(4))}`;
        if (b[1] !== '评价中' || b[4] !== '—') return `unrated community ${JSON.stringify(b)}`;
        const grades = await p2.$$eval('#table-satisfaction tbody tr:first-child .score', (ss) => ss.map((s) => s.className));
        if (grades.join() !== 'score fair,score fair,score good,score poor') return `score colours ${grades}`;
        const foot = await p2.textContent('#table-satisfaction tfoot');
        return foot.includes('全区') && foot.includes('2 / 148') ? null : `district row ${JSON.stringify(foot)}`;
      } finally {
        await p2.close();
      }
    });

    await page.screenshot({path: path.join(t.artifacts, 'dashboard.png')});

    await t.check('changing the as-of date to after the deadline lists the unfinished plans', async () => {
      await page.fill('#asof', '2022-08-15');
      await page.dispatchEvent('#asof', 'change');
      await page.waitForFunction(() => window.renewmapDashboard.data?.as_of === '2022-08-15', null, {timeout: 10000});
      const rows = await page.$$eval('#table-overdue tbody tr', (rs) => rs.map((r) => r.textContent));
      const card = await page.textContent('#card-time');
      if (!rows.some((r) => r.includes('逾期未竣工'))) return `overdue rows ${JSON.stringify(rows.slice(0, 3))}`;
      if (!card.includes('已超过完成期限')) return `deadline card ${JSON.stringify(card)}`;
      return new URL(page.url()).searchParams.get('as_of') === '2022-08-15' ? null : `URL ${page.url()}`;
    });

    await t.finalChecks(page, () => page.evaluate(() => window.renewmapDashboard.mapErrors || []));
  } finally {
    await browser.close();
  }
});
