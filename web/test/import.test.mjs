// Headless-browser test of the import page (GET /import) at 1280×720:
//   E2E_USER=… E2E_PASSWORD=… node web/test/import.test.mjs BASE_URL [ARTIFACT_DIR]
// E2E_USER must be a planner (or an admin). Uploads a contractor's GeoJSON of roads in its own
// schema, checks the proposed mapping, previews it on the map (a dry run), imports it with the
// progress bar until the notes show, and checks a DWG is refused asking for DXF; a buildings file
// without communities is refused until 聚类生成待核实小区 is ticked, then previews 待核实 communities;
// a roads file with faults in its values is refused in Chinese, each problem a line.
// Screenshot: artifacts/import.png. Prints `N passed, N failed` last.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {latinProblem, suite} from './harness.mjs';

const t = suite();
const {base, artifacts, check} = t;
const stamp = Date.now() % 100000;
const roads = {
  type: 'FeatureCollection',
  features: [
    {type: 'Feature', properties: {osm_id: `w${stamp}1`, kind: '支路', name: '测试一路'},
      geometry: {type: 'LineString', coordinates: [[124.331, 43.151], [124.336, 43.151]]}},
    {type: 'Feature', properties: {osm_id: `w${stamp}2`, kind: '小区内部路', name: '测试二路'},
      geometry: {type: 'LineString', coordinates: [[124.332, 43.152], [124.332, 43.155]]}},
  ],
};

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 720}});
  try {
    await check('/import sends a visitor to the login page and opens after logging in', () => t.login(page, '/import'));

    await check('a DWG is refused with a Chinese message asking for DXF', async () => {
      await page.setInputFiles('#file', {name: 'plan.dwg', mimeType: 'application/octet-stream', buffer: Buffer.from('AC1032\0\0binary')});
      await page.click('#upload');
      await page.waitForFunction(() => document.getElementById('message').textContent.includes('文件无法导入'), null, {timeout: 20000});
      const msg = await page.textContent('#message');
      t.forgetExpected(400, '/api/v1/imports?name=plan.dwg');
      // The user's own file name may show; nothing else in Latin letters.
      return msg.includes('DXF') ? latinProblem(msg.replace('plan.dwg', '')) : `message ${JSON.stringify(msg)}`;
    });

    await check('a GeoPackage with two layers offers both and proposes for the one chosen', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'import-test-'));
      const gj = path.join(dir, 'r.geojson');
      writeFileSync(gj, JSON.stringify(roads));
      const gpkg = path.join(dir, 'two.gpkg');
      execFileSync('ogr2ogr', ['-f', 'GPKG', '-nln', '房屋', gpkg, gj]);
      execFileSync('ogr2ogr', ['-f', 'GPKG', '-update', '-nln', '道路', gpkg, gj]);
      const buffer = readFileSync(gpkg);
      rmSync(dir, {recursive: true});
      await page.setInputFiles('#file', {name: 'two.gpkg', mimeType: 'application/geopackage+sqlite3', buffer});
      await page.click('#upload');
      await page.waitForSelector('#layer-choice:not([hidden])', {timeout: 30000});
      const options = await page.locator('#layer option').count();
      if (options !== 2) return `${options} layers offered`;
      await page.selectOption('#layer', '道路');
      await page.waitForFunction(() => document.getElementById('mapping').value.includes('source_layer: 道路'), null, {timeout: 30000});
      return (await page.textContent('#layer-info')).includes('道路') ? null : 'the layer shown is not the one chosen';
    });

    await check('uploading a foreign GeoJSON lists its fields and proposes a roads mapping', async () => {
      await page.setInputFiles('#file', {name: `承包商道路${stamp}.geojson`, mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(roads))});
      await page.click('#upload');
      await page.waitForSelector('#mapping-card:not([hidden])', {timeout: 30000});
      const fields = await page.textContent('#fields');
      const mapping = await page.inputValue('#mapping');
      if (!fields.includes('osm_id') || !fields.includes('小区内部路')) return `fields ${JSON.stringify(fields)}`;
      const info = await page.textContent('#layer-info');
      if (!info.startsWith('GeoJSON · ') || !info.includes('：线，')) return `layer line ${JSON.stringify(info)}`;
      for (const want of ['layer: roads', 'class: kind', 'name: name', '{osm_id}']) {
        if (!mapping.includes(want)) return `the proposal lacks ${want}: ${mapping}`;
      }
      return null;
    });

    await check('the preview draws the mapped roads on the map and says what would be inserted', async () => {
      await page.click('#preview');
      await page.waitForSelector('#preview-card:not([hidden])', {timeout: 30000});
      const report = await page.textContent('#report');
      if (!report.includes('新增 2')) return `report ${JSON.stringify(report)}`;
      await page.waitForFunction(() => window.renewmap && window.renewmap.map && window.renewmap.map.getLayer('preview-line'), null, {timeout: 30000});
      await page.evaluate(() => new Promise((resolve) => { const m = window.renewmap.map; m.once('idle', resolve); m.triggerRepaint(); }));
      const n = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['preview-line']}).length);
      return n > 0 ? null : 'no previewed road drawn';
    });

    await check('importing shows the progress bar finishing and the notes', async () => {
      await page.click('#run');
      await page.waitForFunction(() => document.getElementById('progress-text').textContent.includes('已完成'), null, {timeout: 60000});
      const notes = await page.textContent('#notes');
      const bar = await page.evaluate(() => { const b = document.getElementById('progress'); return b.value === b.max; });
      if (!bar) return 'the progress bar is not full';
      return notes.includes('新增 2') ? null : `notes ${JSON.stringify(notes)}`;
    });

    await check('buildings without a community are refused naming 聚类生成待核实小区, and gathered into 待核实 communities when it is ticked', async () => {
      // Two groups of three slabs on either side of 建设街 (a street of the demo with no community
      // near), no community field.
      const street = 124.3625525;
      const sq = (x, y) => [[[x, y], [x + 0.0001, y], [x + 0.0001, y + 0.0001], [x, y + 0.0001], [x, y]]];
      const features = [];
      for (const [side, x] of [['W', street - 0.0002], ['E', street + 0.0001]]) {
        for (let i = 0; i < 3; i++) {
          features.push({type: 'Feature', properties: {编号: `${side}${stamp}${i}`, 层数: 6, 单元: 2, 户数: 24, 面积: 1800, 年代: 1990},
            geometry: {type: 'Polygon', coordinates: sq(x, 43.1656 + i * 0.00021)}});
        }
      }
      await page.setInputFiles('#file', {name: `楼栋${stamp}.geojson`, mimeType: 'application/geo+json',
        buffer: Buffer.from(JSON.stringify({type: 'FeatureCollection', features}))});
      await page.click('#upload');
      await page.waitForFunction(() => document.getElementById('fields').textContent.includes('编号'), null, {timeout: 30000});
      await page.fill('#mapping', 'layer: buildings\ncode: "T-{编号}"\nfields: {number: 编号, floors: 层数, units: 单元, households: 户数, floor_area: 面积, completed_year: 年代}\n');
      if (await page.isHidden('#provisional-choice')) return 'no 聚类生成待核实小区 for a mapping of buildings';
      await page.click('#preview');
      await page.waitForFunction(() => document.getElementById('message').textContent.includes('没有所属小区'), null, {timeout: 30000});
      const refusal = await page.textContent('#message');
      t.forgetExpected(400, '/preview');
      if (!refusal.includes('6 栋楼') || !refusal.includes('聚类生成待核实小区')) return `refusal ${JSON.stringify(refusal)}`;
      // It names some of the buildings by their place in the file and code: nothing else in Latin letters.
      const latin = latinProblem(refusal.replaceAll(`楼栋${stamp}.geojson`, '').replace(/T-[WE]\d+/g, ''));
      if (latin) return latin;
      await page.check('#provisional');
      if (!(await page.inputValue('#mapping')).includes('provisional: true')) return 'ticking did not write provisional: true';
      await page.click('#preview');
      await page.waitForFunction(() => document.getElementById('report').textContent.includes('待核实'), null, {timeout: 30000});
      const report = await page.textContent('#report');
      if (!report.includes('2 个待核实小区') || !report.includes('收纳 6 栋')) return `report ${JSON.stringify(report)}`;
      await page.uncheck('#provisional');
      return (await page.inputValue('#mapping')).includes('provisional') ? 'unticking left provisional in the mapping' : null;
    });

    await check('a file with faults in its data is refused in Chinese, each problem naming the value', async () => {
      const faulty = {type: 'FeatureCollection', features: [
        {type: 'Feature', properties: {编号: `F${stamp}`, 等级: '快速路', 步行: '也许', 宽: '三米'},
          geometry: {type: 'LineString', coordinates: [[124.331, 43.151], [124.336, 43.151]]}},
        {type: 'Feature', properties: {编号: `G${stamp}`, 等级: '支路', 步行: '是', 宽: '6'}, geometry: null}]};
      const name = `有误道路${stamp}.geojson`;
      await page.setInputFiles('#file', {name, mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(faulty))});
      await page.click('#upload');
      await page.waitForFunction(() => document.getElementById('fields').textContent.includes('等级'), null, {timeout: 30000});
      await page.fill('#mapping', 'layer: roads\ncode: "F-{编号}"\nfields: {class: 等级, walkable: 步行, width_m: 宽}\n');
      await page.click('#preview');
      await page.waitForFunction(() => document.getElementById('message').textContent.includes('不在代码表中'), null, {timeout: 30000});
      const msg = await page.textContent('#message');
      t.forgetExpected(400, '/preview');
      for (const want of ['“快速路”不在代码表中', '“也许”不是', '“三米”不是数字', '没有几何图形']) {
        if (!msg.includes(want)) return `the message lacks ${want}: ${JSON.stringify(msg)}`;
      }
      // The user's own file name, the mapping's property names and codes may show; nothing else in Latin letters.
      return latinProblem(msg.replaceAll(name, '').replace(/\b(class|walkable|width_m)\b|[FG]-[FG]\d+/g, ''));
    });

    await page.screenshot({path: path.join(artifacts, 'import.png')});
    await t.finalChecks(page);
  } finally {
    await browser.close();
  }
});
