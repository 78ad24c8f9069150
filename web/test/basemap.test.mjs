// Headless-browser test of the 天地图 base map, against a server started with
// RENEWMAP_BASE_MAP=tianditu and RENEWMAP_TIANDITU_URL pointing at a stand-in host (scripts/e2e.sh):
// the browser's requests to that host are answered here with a small tile image (there is no
// Internet), so the test sees the map ask the eight hosts for base and annotation tiles with the
// key, draw them under the data, show the attribution, and stay within the CSP.
import {suite} from './harness.mjs';
import {pngTile} from './tile-fixtures.mjs';

const t = suite();
const {check} = t;
const stub = process.env.E2E_TIANDITU_URL || 'http://127.0.0.1:9/t{n}';
const stubOrigin = new URL(stub.replace('{n}', '0')).origin;
const tile = pngTile([0xe8]); // a light grey tile, as a tile server would send

await t.run(async () => {
  const {browser, context, page} = await t.browser({viewport: {width: 1280, height: 720}});
  const asked = [];
  await context.route(`${stubOrigin}/**`, (route) => {
    asked.push(route.request().url());
    return route.fulfill({status: 200, contentType: 'image/png', body: tile, headers: {'Access-Control-Allow-Origin': '*'}});
  });
  try {
    await check('logging in opens the map', () => t.login(page, '/'));
    await check('the map draws 天地图 base and annotation tiles from the eight hosts, with the key', async () => {
      await page.waitForFunction(() => window.renewmap?.map?.loaded(), null, {timeout: 30000});
      await page.waitForTimeout(1500);
      const layers = await page.evaluate(() => window.renewmap.map.getStyle().layers.map((l) => l.id).slice(0, 3));
      if (layers.join(',') !== 'background,basemap,basemap-labels') return `first layers ${layers}`;
      const hosts = new Set(asked.map((u) => new URL(u).pathname.split('/')[1]));
      const base = asked.filter((u) => u.includes('LAYER=vec&') && u.includes('tk=e2e-key'));
      const notes = asked.filter((u) => u.includes('LAYER=cva&'));
      return base.length && notes.length && hosts.size > 1 ? null : `${asked.length} tile requests, hosts ${[...hosts]}`;
    });
    await check('the attribution names 天地图', async () => {
      const text = await page.textContent('.maplibregl-ctrl-attrib');
      return text.includes('天地图') ? null : `attribution ${JSON.stringify(text)}`;
    });
    await t.finalChecks(page, () => page.evaluate(() => window.renewmap?.errors || []));
  } finally {
    await browser.close();
  }
});
