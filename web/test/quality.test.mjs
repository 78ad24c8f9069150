// Headless-browser test of the data-quality panel (js/quality.js) and the isolated community's
// warning in the 生活圈 section (js/access.js), against a server holding the network with faults
// on purpose (internal/ingest/testdata/faults, loaded by scripts/e2e.sh):
//   E2E_USER=… E2E_PASSWORD=… node web/test/quality.test.mjs BASE_URL [ARTIFACT_DIR]
// The panel must name the two isolated communities (断头路小区, 孤岛小区) and the dangle of road
// QA-P1; clicking 断头路小区 selects it and the 生活圈 section says it is isolated; facility kinds
// without data are listed as 无数据 and never as gaps. Screenshot: quality.png.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();
const {base, artifacts, check} = t;

async function main() {
  const q = await t.getJSON('/api/v1/quality');
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 720}});
  try {
    await check('logging in opens the map', async () => t.login(page, '/'));
    await page.waitForFunction(() => window.renewmap && window.renewmap.map, null, {timeout: 20000});
    await page.evaluate(() => window.renewmap.ready);

    await check('the quality panel lists both isolated communities', async () => {
      await page.waitForSelector('#quality-body details[data-group=isolated] li', {timeout: 20000});
      const names = await page.locator('#quality-body details[data-group=isolated] li button').allTextContents();
      if (!(names.includes('断头路小区') && names.includes('孤岛小区'))) return `isolated listed: ${names}`;
      if (names.length !== q.isolated.length) return `${names.length} listed, the API says ${q.isolated.length}`;
      const n = await page.locator('#quality-body details[data-group=isolated] .quality-n').textContent();
      return n === '2' ? null : `count shown: ${n}`;
    });
    await check('the quality panel names the dangle 3 m short of the street', async () => {
      const row = page.locator('#quality-body details[data-group=dangles] li').first();
      const text = await row.textContent();
      return /QA-P1/.test(text) && /QR-MAIN 3\.0 米/.test(text) ? null : `dangle row: ${text}`;
    });
    await check('clicking the dangle flies to its loose end, marked on the map, with the path tool ready', async () => {
      await page.waitForFunction(() => window.renewmap.edit?.fix, null, {timeout: 15000});
      await page.locator('#quality-body button[data-road="QA-P1"]').click();
      const tool = await page.evaluate(() => ({drawing: window.renewmap.edit.state.drawing, layer: window.renewmap.edit.state.layer}));
      if (!tool.drawing || tool.layer !== 'roads') return `the path tool is not ready: ${JSON.stringify(tool)}`;
      await page.waitForTimeout(1200); // the fly-to
      await page.evaluate(() => new Promise((resolve) => { const m = window.renewmap.map; m.once('idle', resolve); m.triggerRepaint(); }));
      const roads = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['quality-points']})
        .filter((f) => f.properties.kind === 'dangle').map((f) => f.properties.road));
      return roads.includes('QA-P1') ? null : `dangle marks drawn: ${roads}`;
    });
    await check('kinds without data are listed as 无数据', async () => {
      const kinds = await page.locator('#quality-body details[data-group=nodata] li').evaluateAll((ls) => ls.map((l) => l.dataset.kind));
      return kinds.includes('bus_stop') && !kinds.includes('kindergarten') ? null : `no-data kinds: ${kinds.slice(0, 8)}`;
    });
    await check('clicking 断头路小区 shows it isolated in the 生活圈 section', async () => {
      await page.locator('#quality-body button[data-community]').filter({hasText: '断头路小区'}).click();
      const warn = page.locator('#access-isolated:not([hidden])');
      await warn.waitFor({timeout: 15000});
      const text = await warn.textContent();
      if (!/孤立小区/.test(text) || !/未接入城市道路/.test(text)) return `warning: ${text}`;
      const gaps = await page.locator('#access-gaps').textContent();
      if (!/幼儿园/.test(gaps)) return `the kindergarten gap is not shown: ${gaps}`;
      if (/缺[^无]*公交车站/.test(gaps)) return `a kind without data is shown as a gap: ${gaps}`;
      return /无数据：[^缺]*公交车站/.test(gaps) ? null : `bus stops not shown as 无数据: ${gaps}`;
    });
    await page.screenshot({path: path.join(artifacts, 'quality.png')});
    await t.finalChecks(page);
  } finally {
    await browser.close();
  }
}

await t.run(main);
