// Headless-browser test of the 片区 planning page (GET /areas) and the printable area report:
//   E2E_USER=… E2E_PASSWORD=… node web/test/areas.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER must be a planner (or an admin). Logs in through the login page, suggests areas and
// checks they are drawn, saves one, opens its report, runs a siting query (drawn as ranked
// markers) and hands it to the what-if API, reads the parking gap and the dig-once list.
// Screenshots: artifacts/areas.png, artifacts/area-report.png. Prints `N passed, N failed` last.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();
const {base, artifacts, check} = t;
const areaName = `测试片区${Date.now() % 100000}`;

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1400, height: 860}});
  try {
    const idle = (timeout = 30000) => page.evaluate((timeout) => new Promise((resolve, reject) => {
      const m = window.renewmap.map;
      const t = setTimeout(() => reject(new Error('map did not become idle')), timeout);
      m.once('idle', () => { clearTimeout(t); resolve(); });
      m.triggerRepaint();
    }), timeout);
    const rendered = (layer) => page.evaluate((layer) => window.renewmap.map.queryRenderedFeatures({layers: [layer]}).length, layer);

    await check('/areas sends a visitor to the login page and opens after logging in', () => t.login(page, '/areas'));
    await check('the map loads the service style and draws communities', async () => {
      await page.waitForFunction(() => window.renewmap && window.renewmap.ready === true, null, {timeout: 30000});
      await idle();
      const n = await rendered('communities-fill');
      return n > 0 ? null : 'no communities drawn';
    });

    await check('suggesting areas lists them and draws their outlines', async () => {
      await page.click('#suggest');
      await page.waitForSelector('#suggestions li', {timeout: 20000});
      const items = await page.locator('#suggestions li').count();
      const status = await page.textContent('#suggest-status');
      if (!status.includes('建议片区')) return `status ${JSON.stringify(status)}`;
      await idle();
      const drawn = await rendered('suggest-fill');
      return items > 0 && drawn > 0 ? null : `${items} suggestions, ${drawn} drawn`;
    });

    await check('suggestions are labelled on the map and light up when hovered in the list', async () => {
      const labels = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['suggest-label']})
        .map((f) => f.properties.label));
      if (!labels.length || !labels.every((l) => /个小区$/.test(l))) return `labels ${JSON.stringify(labels.slice(0, 3))}`;
      const li = page.locator('#suggestions li').first();
      const key = await li.getAttribute('data-key');
      await li.hover();
      await idle();
      const lit = await page.evaluate((k) => window.renewmap.map.querySourceFeatures('suggest')
        .filter((f) => f.properties.active).map((f) => f.properties.key), key);
      await page.mouse.move(5, 400);
      return lit.length && lit.every((k) => k === key) ? null : `hovering ${key} lit ${JSON.stringify(lit)}`;
    });

    await check('a narrower gap gives smaller suggestions', async () => {
      const first = async () => page.evaluate(() => window.renewmap.suggestions[0]?.properties.totals.communities || 0);
      const wide = await first();
      await page.locator('#gap').fill('10');
      await page.click('#suggest');
      await page.waitForFunction(() => document.querySelector('#suggest-status').textContent.startsWith('间距10米'), null, {timeout: 20000});
      const narrow = await first();
      await page.locator('#gap').fill('50');
      await page.click('#suggest');
      await page.waitForFunction(() => document.querySelector('#suggest-status').textContent.startsWith('间距50米'), null, {timeout: 20000});
      return narrow > 0 && narrow < wide ? null : `largest suggestion: ${wide} communities at 50 m, ${narrow} at 10 m`;
    });

    await check('picking a suggestion, clicking a community off and naming it saves the area', async () => {
      await page.locator('#suggestions li').first().click();
      await page.waitForSelector('#editor:not([hidden])');
      await idle();
      const before = await page.locator('#editor-members li').count();
      // Click the first member's polygon on the map: it leaves the area.
      const spot = await page.evaluate(() => {
        const m = window.renewmap.map;
        const ids = [...window.renewmap.edit.members.keys()];
        for (const f of m.queryRenderedFeatures({layers: ['communities-fill']})) {
          if (ids.includes(Number(f.id))) {
            const hit = m.queryRenderedFeatures({layers: ['communities-fill']}).find((g) => g.id === f.id);
            const ring = hit.geometry.type === 'Polygon' ? hit.geometry.coordinates[0] : hit.geometry.coordinates[0][0];
            const c = ring.reduce((s, p) => [s[0] + p[0] / ring.length, s[1] + p[1] / ring.length], [0, 0]);
            const p = m.project(c);
            const again = m.queryRenderedFeatures(p, {layers: ['communities-fill']});
            if (again.length && again[0].id === f.id) return {x: p.x, y: p.y};
          }
        }
        return null;
      });
      if (!spot) return 'no member polygon to click';
      const box = await page.locator('#map canvas').boundingBox();
      await page.mouse.click(box.x + spot.x, box.y + spot.y);
      await page.waitForFunction((n) => document.querySelectorAll('#editor-members li').length === n - 1, before, {timeout: 5000});
      await page.mouse.click(box.x + spot.x, box.y + spot.y); // and back in
      await page.waitForFunction((n) => document.querySelectorAll('#editor-members li').length === n, before, {timeout: 5000});
      await page.fill('#area-name', areaName);
      await page.click('#save-area');
      await page.waitForSelector(`#saved li:has-text("${areaName}")`, {timeout: 15000});
      return null;
    });

    await check('the saved area is drawn by the areas tile layer', async () => {
      await page.locator(`#saved li:has-text("${areaName}") button:has-text("定位")`).click();
      await page.waitForTimeout(800);
      await idle();
      const names = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['areas-line']}).map((f) => f.properties.name));
      return names.length ? null : 'no saved area drawn';
    });

    await check('siting ranks candidate sites, draws them and hands them to the what-if', async () => {
      await page.click('#tab-siting');
      await page.selectOption('#siting-kind', 'elderly_day_care');
      await page.selectOption('#siting-scope', '');
      await page.click('#siting-run');
      await page.waitForSelector('#siting-picks li', {timeout: 20000});
      const status = await page.textContent('#siting-status');
      const first = await page.textContent('#siting-picks li');
      if (!/新增覆盖\s*[\d,]+户/.test(first) || !status.includes('缺配')) return `pick ${JSON.stringify(first)} status ${JSON.stringify(status)}`;
      await page.waitForTimeout(900);
      await idle();
      const markers = await rendered('sites-circle');
      if (!markers) return 'no site markers drawn';
      await page.click('#whatif');
      await page.waitForFunction(() => /覆盖率|推演失败/.test(document.querySelector('#whatif-result').textContent), null, {timeout: 15000});
      const w = await page.textContent('#whatif-result');
      return w.includes('覆盖率') ? null : `what-if: ${w}`;
    });

    await check('the parking gap table lists communities and a total', async () => {
      await page.click('#tab-parking');
      const opt = await page.locator('#parking-scope option', {hasText: areaName}).getAttribute('value');
      await page.selectOption('#parking-scope', opt);
      await page.click('#parking-run');
      await page.waitForSelector('#parking-table tbody tr', {timeout: 15000});
      const foot = await page.textContent('#parking-table tfoot');
      const status = await page.textContent('#parking-status');
      return foot.includes('合计') && status.includes('缺车位') ? null : `${foot} / ${status}`;
    });

    await check('dig once lists roads with failing pipes and draws them', async () => {
      await page.click('#tab-dig');
      await page.fill('#dig-from', '2021');
      await page.fill('#dig-to', '2024');
      await page.click('#dig-run');
      await page.waitForSelector('#dig-list li', {timeout: 20000});
      const first = await page.textContent('#dig-list li');
      if (!/待更新管线\d+条/.test(first)) return `first road ${JSON.stringify(first)}`;
      await page.locator('#dig-list li').first().click();
      await page.waitForTimeout(800);
      await idle();
      return (await rendered('dig-line')) ? null : 'no dig-once roads drawn';
    });

    await check('clicking a road a few pixels beside it (north–south too) selects it in the list', async () => {
      await page.evaluate(() => window.renewmap.map.jumpTo({zoom: 13.5}));
      await idle();
      const spot = await page.evaluate(() => {
        const m = window.renewmap.map;
        const r = m.getCanvas().getBoundingClientRect();
        const steep = (f) => {
          const cs = f.geometry.type === 'LineString' ? f.geometry.coordinates : f.geometry.coordinates[0];
          const a = m.project(cs[0]);
          const b = m.project(cs[cs.length - 1]);
          return Math.abs(b.y - a.y) > Math.abs(b.x - a.x) ? {a, b} : null;
        };
        for (const f of m.queryRenderedFeatures({layers: ['dig-line']})) {
          const s = steep(f);
          if (!s) continue;
          const x = (s.a.x + s.b.x) / 2 + 4;
          const y = (s.a.y + s.b.y) / 2;
          if (x > 10 && y > 10 && x < r.width - 60 && y < r.height - 10) return {x: r.left + x, y: r.top + y, id: String(f.properties.id)};
        }
        return null;
      });
      if (!spot) return 'no north–south dig-once road in view';
      await page.mouse.click(spot.x, spot.y);
      const active = await page.locator('#dig-list li.active').getAttribute('data-road').catch(() => null);
      return active === spot.id ? null : `clicked road ${spot.id}, selected ${active}`;
    });

    await page.click('#tab-siting');
    await page.waitForTimeout(300);
    await idle().catch(() => {});
    await page.screenshot({path: path.join(artifacts, 'areas.png')});

    await check('the area report opens with its sections and an estimate', async () => {
      await page.click('#tab-saved');
      const link = page.locator(`#saved li:has-text("${areaName}") a.report-link`);
      await Promise.all([page.waitForURL(/\/area-report\?id=\d+/), link.click()]);
      await page.waitForSelector('body[data-ready=true]', {timeout: 30000});
      const title = await page.textContent('#title');
      const members = await page.locator('#members tbody tr').count();
      const total = await page.textContent('#estimate-total');
      const gaps = await page.locator('#gaps tbody tr').count();
      if (!title.includes(areaName) || members < 1 || !/\d/.test(total) || gaps < 1) {
        return `title ${JSON.stringify(title)}, ${members} members, total ${JSON.stringify(total)}, ${gaps} gap rows`;
      }
      // No gap row says no site can host a facility that a site in 五 lists as hostable.
      const clash = await page.evaluate(() => {
        const hostable = [...document.querySelectorAll('#sites tbody tr')].map((tr) => tr.cells[4]?.textContent || '').join('、');
        return [...document.querySelectorAll('#gaps tbody tr')]
          .filter((tr) => tr.cells[5].textContent.includes('无可承载') && hostable.includes(tr.cells[0].textContent))
          .map((tr) => tr.cells[0].textContent);
      });
      if (clash.length) return `gap rows say no site can host ${clash.join('、')}, yet 五 lists one`;
      // The report's map draws the area's communities.
      await page.waitForFunction(() => {
        const m = window.renewmapReport?.map;
        return m && m.getLayer('report-members') && m.loaded() && m.queryRenderedFeatures({layers: ['report-members']}).length > 0;
      }, null, {timeout: 20000}).catch(() => {});
      const drawnMembers = await page.evaluate(() => new Set((window.renewmapReport?.map?.queryRenderedFeatures({layers: ['report-members']}) || [])
        .map((f) => f.id)).size);
      if (drawnMembers !== members) return `the report map draws ${drawnMembers} of ${members} communities`;
      await page.screenshot({path: path.join(artifacts, 'area-report.png'), fullPage: true});
      await page.emulateMedia({media: 'print'});
      const printHidden = await page.evaluate(() => getComputedStyle(document.querySelector('.top')).display === 'none');
      await page.emulateMedia({media: 'screen'});
      return printHidden ? null : 'the toolbar still shows in print';
    });

    await t.finalChecks(page, () => page.evaluate(() => (window.renewmap?.errors || [])));
  } finally {
    await browser.close();
  }
});
