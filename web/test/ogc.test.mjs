// Headless-browser test of the OGC API HTML pages (/ogc/collections/{id}/items?f=html):
//   E2E_USER=… E2E_PASSWORD=… node web/test/ogc.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER should be a designer (pipelines). Checks that a page of items shows its features on a
// small map over the base map, that clicking one opens it, and that coded values read as
// Chinese labels. Prints `N passed, N failed` last.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 900}});
  const idle = () => page.evaluate(() => new Promise((resolve) => {
    const map = window.__ogcMap;
    if (map.loaded() && !map.isMoving()) { setTimeout(resolve, 300); return; }
    map.once('idle', () => resolve());
  }));
  try {
    const items = '/ogc/collections/pipelines/items?f=html&limit=20';
    await t.check('the items page opens after logging in', () => t.login(page, items));
    await t.check('the map draws the page\'s pipelines over the base map', async () => {
      await page.waitForFunction(() => window.__ogcMap?.getLayer('items-line'), null, {timeout: 20000});
      await idle();
      const drawn = await page.evaluate(() => {
        const m = window.__ogcMap;
        return {items: new Set(m.queryRenderedFeatures({layers: ['items-line']}).map((f) => f.id)).size,
          base: m.queryRenderedFeatures().filter((f) => f.sourceLayer === 'buildings' || f.sourceLayer === 'roads').length};
      });
      return drawn.items >= 10 && drawn.base > 0 ? null : `items ${drawn.items}, base features ${drawn.base}`;
    });
    await t.check('coded values in the table read as Chinese labels', async () => {
      const text = await page.textContent('table tbody');
      if (/water_supply|drainage_|heating|telecom/.test(text)) return 'English codes in the table';
      return /供水|雨水|污水|供暖|供气|通信|供电/.test(text) ? null : `no pipeline kind label: ${text.slice(0, 200)}`;
    });
    await page.screenshot({path: path.join(t.artifacts, 'ogc-items.png'), fullPage: true});
    await t.check('clicking a pipeline on the map opens that feature\'s page with its map', async () => {
      const at = await page.evaluate(() => {
        const m = window.__ogcMap;
        const f = m.queryRenderedFeatures({layers: ['items-line']})[0];
        const c = f.geometry.type === 'LineString' ? f.geometry.coordinates : f.geometry.coordinates[0];
        const p = m.project(c[Math.floor(c.length / 2)]);
        const r = m.getCanvas().getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y, id: f.id};
      });
      await Promise.all([page.waitForURL(new RegExp(`/items/${at.id}\\?f=html$`)), page.mouse.click(at.x, at.y)]);
      await page.waitForFunction(() => window.__ogcMap?.getLayer('items-line'), null, {timeout: 20000});
      await idle();
      const n = await page.evaluate(() => window.__ogcMap.queryRenderedFeatures({layers: ['items-line']}).length);
      return n > 0 ? null : 'the feature page draws nothing';
    });
    await t.finalChecks(page);
  } finally {
    await browser.close();
  }
});
