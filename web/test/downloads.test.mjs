// Headless-browser test of the designer downloads page (GET /downloads), per shared/TESTING.md:
//   BASE_URL=http://127.0.0.1:8080 E2E_USER=designer E2E_PASSWORD=… node web/test/downloads.test.mjs [BASE_URL] [ARTIFACT_DIR]
// Logs in through /login as a designer, picks a community, downloads its zip bundle and one
// layer in EPSG:4550, and checks what arrived. The page must be fully offline (any request to
// another host fails the test) and obey the strict CSP. Prints `N passed, N failed` last; exits 1
// on any failure.
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {inflateRawSync} from 'node:zlib';
import {latinProblem, suite} from './harness.mjs';

const t = suite();
const {base, artifacts, user, password, check} = t;

// unzip lists a zip's entries from its central directory and inflates them.
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = {};
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    files[name] = method === 8 ? inflateRawSync(raw) : raw;
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 1000}});
  try {
    await check('the downloads page sends a visitor without a session to the login', async () => {
      await page.goto(base + '/downloads', {waitUntil: 'load'});
      if (!new URL(page.url()).pathname.startsWith('/login')) return `landed on ${page.url()}`;
      return null;
    });
    await check('logs in through /login and returns to /downloads', async () => {
      await page.fill('#username', user);
      await page.fill('#password', password);
      await Promise.all([page.waitForURL((u) => new URL(u).pathname === '/downloads', {timeout: 15000}), page.click('#login-submit')]);
      await page.waitForSelector('body[data-ready]', {timeout: 20000});
      const ready = await page.getAttribute('body', 'data-ready');
      if (ready !== 'true') return `page not ready: ${ready}; status ${await page.textContent('#status')}`;
      if (await page.title() !== '数据下载 · 铁西区老旧小区改造一张图') return `title ${await page.title()}`;
      return null;
    });
    await check('shows the OGC API and XYZ URLs, the demo notice and the layer choices', async () => {
      const ogc = await page.textContent('#ogc-url');
      const xyz = await page.textContent('#xyz-url');
      if (ogc !== base + '/ogc') return `OGC URL ${ogc}`;
      if (xyz !== base + '/tiles/all/{z}/{x}/{y}.mvt') return `XYZ URL ${xyz}`;
      if (!(await page.getByText('示例数据', {exact: true}).first().isVisible())) return 'no 示例数据 badge';
      const layers = await page.$$eval('#layers input', (xs) => xs.map((x) => x.value));
      for (const want of ['buildings', 'roads', 'pipelines', 'communities']) if (!layers.includes(want)) return `layers ${layers}`;
      if (layers.some((l) => l.endsWith('_labels'))) return `label layers offered: ${layers}`;
      if (!(await page.isHidden('#role-warning'))) return 'a designer is told they may not download';
      return null;
    });
    let community = '';
    await check('searches and picks a community', async () => {
      await page.fill('#community-search', '');
      await page.waitForSelector('#community-results .result', {timeout: 10000});
      const first = page.locator('#community-results .result').first();
      community = (await first.evaluate((b) => b.firstChild.textContent)).trim();
      await page.fill('#community-search', community);
      await page.waitForFunction((name) => [...document.querySelectorAll('#community-results .result')]
        .some((b) => b.firstChild.textContent.trim() === name), community, {timeout: 10000});
      await page.locator('#community-results .result', {hasText: community}).first().click();
      const sel = await page.textContent('#community-selected');
      if (!sel.includes(community)) return `selected ${sel}`;
      return null;
    });
    await check('downloads the community zip with buildings.geojson and metadata.json', async () => {
      await page.click('#layers-all');
      const [dl] = await Promise.all([page.waitForEvent('download', {timeout: 30000}), page.click('#download-zip')]);
      const file = path.join(artifacts, 'downloads-bundle.zip');
      await dl.saveAs(file);
      if (await dl.failure()) return `download failed: ${await dl.failure()}`;
      if (!dl.suggestedFilename().endsWith('.zip')) return `file name ${dl.suggestedFilename()}`;
      const files = unzip(await readFile(file));
      for (const want of ['buildings.geojson', 'metadata.json', 'README.txt']) if (!files[want]) return `zip lacks ${want}: ${Object.keys(files)}`;
      const b = JSON.parse(files['buildings.geojson'].toString('utf8'));
      if (b.type !== 'FeatureCollection' || !b.features.length) return `buildings.geojson: ${b.type}, ${b.features && b.features.length} features`;
      const meta = JSON.parse(files['metadata.json'].toString('utf8'));
      if (meta.notice !== '示例数据（生成，非调查数据）') return `metadata notice ${meta.notice}`;
      if (!meta.clip || meta.clip.name !== community) return `metadata clip ${JSON.stringify(meta.clip)}`;
      if (!meta.created_by.startsWith(user)) return `metadata created_by ${meta.created_by}`;
      return null;
    });
    await check('downloads the community as one GeoPackage when that format is chosen', async () => {
      await page.selectOption('#format', '.gpkg');
      const [dl] = await Promise.all([page.waitForEvent('download', {timeout: 60000}), page.click('#download-zip')]);
      const file = path.join(artifacts, 'downloads-bundle.gpkg');
      await dl.saveAs(file);
      if (!dl.suggestedFilename().endsWith('.gpkg')) return `file name ${dl.suggestedFilename()}`;
      const head = (await readFile(file)).subarray(0, 16).toString('latin1');
      if (head !== 'SQLite format 3\0') return `not a GeoPackage: ${JSON.stringify(head)}`;
      await page.selectOption('#format', '');
      return null;
    });
    await check('downloads one layer in EPSG:4550 (metres, crs member)', async () => {
      await page.click('#layers-none');
      await page.check('#layer-buildings');
      await page.check('input[name="crs"][value="4550"]');
      const [dl] = await Promise.all([page.waitForEvent('download', {timeout: 30000}), page.click('#download-layers')]);
      const file = path.join(artifacts, 'downloads-buildings-4550.geojson');
      await dl.saveAs(file);
      const fc = JSON.parse(await readFile(file, 'utf8'));
      if (!fc.crs || fc.crs.properties.name !== 'urn:ogc:def:crs:EPSG::4550') return `crs ${JSON.stringify(fc.crs)}`;
      const [x, y] = fc.features[0].geometry.coordinates[0][0][0];
      if (!(x > 500000 && x < 700000 && y > 4700000 && y < 4900000)) return `first vertex ${x}, ${y} not in metres near Siping`;
      return null;
    });
    await check('a typed bad bbox is refused with a message', async () => {
      await page.check('#scope-bbox');
      await page.fill('#bbox', '124.37,43.15,124.33,43.18');
      await page.click('#download-layers');
      const msg = await page.textContent('#status');
      if (!msg.includes('西边界大于东边界')) return `status ${msg}`;
      return latinProblem(msg);
    });
    await page.screenshot({path: path.join(artifacts, 'downloads.png'), fullPage: true});
    await t.finalChecks(page);
  } finally {
    await browser.close();
  }
});
