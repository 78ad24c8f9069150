// Headless-browser test of living circles and what-ifs on the planner map (js/access.js):
//   E2E_USER=… E2E_PASSWORD=… node web/test/access.test.mjs BASE_URL [ARTIFACT_DIR]
// Logs in as a planner, selects a community lacking a kindergarten through the search, checks
// that its circles are drawn (rendered features of the circle layer carry its community_id) and
// that the panel lists its gaps and the facilities it reaches, then places a what-if
// kindergarten in it and checks that the shown coverage improves. Screenshot: access.png.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();
const {base, artifacts, check} = t;

async function main() {
  // Circles are computed in the background after the server starts: wait for them.
  const deadline = Date.now() + 120000;
  for (;;) {
    const st = await t.getJSON('/api/v1/access/status').catch(() => null);
    if (st && ['done', 'current'].includes(st.circles?.state)) break;
    if (Date.now() > deadline) throw new Error(`circles not ready: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // A community with a unique name that lacks a kindergarten within 300 m.
  const {communities} = await t.getJSON('/api/v1/communities?limit=500');
  let target = null;
  for (const c of communities.filter((c) => c.is_old && communities.filter((o) => o.name.includes(c.name)).length === 1)) {
    const a = await t.getJSON(`/api/v1/communities/${c.id}/access`);
    const g5 = a.community.gaps.find((g) => g.level === '5min');
    if (g5 && g5.kinds.some((k) => k.kind === 'kindergarten') && a.reached.length > 0) { target = c; break; }
  }
  if (!target) throw new Error('no community lacking a kindergarten');

  const {browser, page} = await t.browser();
  try {
    const idle = (timeout = 30000) => page.evaluate((timeout) => new Promise((resolve, reject) => {
      const m = window.renewmap.map;
      const t = setTimeout(() => reject(new Error('map did not become idle')), timeout);
      m.once('idle', () => { clearTimeout(t); resolve(); });
      m.triggerRepaint();
    }), timeout);
    const circles = () => page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['living_circles-fill']})
      .map((f) => ({community: f.properties.community_id, minutes: f.properties.minutes, profile: f.properties.profile})));

    await check('logging in opens the map', async () => t.login(page, '/'));
    await page.waitForFunction(() => window.renewmap && window.renewmap.map, null, {timeout: 20000});
    await page.evaluate(() => window.renewmap.ready);
    await idle();

    await check(`searching "${target.name}" shows its 5/10/15-minute circles`, async () => {
      await page.locator('#search').fill(target.name);
      await page.locator('#search-results li[role=option]').filter({hasText: target.name}).first().waitFor({timeout: 10000});
      await page.locator('#search').press('Enter');
      await page.waitForSelector('#access-section:not([hidden]) #access-circles li', {timeout: 15000});
      await page.waitForTimeout(1200); // the fly-to
      await idle();
      const fs = await circles();
      if (!fs.length) return 'no circle drawn';
      const others = fs.filter((f) => f.community !== target.id || f.profile !== 'standard');
      if (others.length) return `circles of other communities or profiles drawn: ${JSON.stringify(others.slice(0, 3))}`;
      const minutes = new Set(fs.map((f) => f.minutes));
      if (![5, 10, 15].every((m) => minutes.has(m))) return `minutes drawn: ${[...minutes]}`;
      return null;
    });
    await check('the panel lists its gaps and the facilities it reaches, in Chinese', async () => {
      const gaps = await page.textContent('#access-gaps');
      if (!gaps.includes('5分钟生活圈') || !gaps.includes('幼儿园')) return `gaps ${JSON.stringify(gaps)}`;
      const items = await page.locator('#access-reached li').count();
      const first = await page.textContent('#access-reached li');
      if (!items || !/米|公里/.test(first) || !/分钟/.test(first)) return `${items} reached, first ${JSON.stringify(first)}`;
      const circ = await page.textContent('#access-circles');
      if (!circ.includes('步行 300 米') || !circ.includes('步行 1000 米')) return `circles ${JSON.stringify(circ)}`;
      return null;
    });
    await check('the panel counts minutes as the circles do, and says 缺 only where no household is covered', async () => {
      const a = await t.getJSON(`/api/v1/communities/${target.id}/access`);
      const circ = a.circles.filter((c) => c.profile === 'standard').sort((x, y) => x.distance_m - y.distance_m);
      const kinds = new Map(a.community.kinds.map((k) => [k.kind, k]));
      const rows = await page.$$eval('#access-reached li', (lis) => lis.map((li) => ({kind: li.dataset.kind, text: li.textContent})));
      for (const r of rows) {
        const d = a.reached.find((x) => x.kind === r.kind).distance_m;
        const want = circ.find((c) => d <= c.distance_m);
        const m = /(\d+)分钟内/.exec(r.text);
        if (r.text.includes('约') || (want ? !m || Number(m[1]) !== want.minutes : !r.text.includes('超出'))) {
          return `${JSON.stringify(r.text)} for ${d} m; circles ${circ.map((c) => c.distance_m)}`;
        }
        const k = kinds.get(r.kind);
        if (k.covered > 0 && k.covered < k.households && !r.text.includes('户在服务半径内')) return `no share in ${JSON.stringify(r.text)}`;
      }
      const missing = await page.$$eval('#access-gaps .gap-kinds', (ss) => ss.map((s) => s.textContent));
      for (const k of a.community.kinds.filter((k) => k.covered > 0)) {
        if (missing.some((m) => m.replace(/（[^）]*）/g, '').replace(/^缺 /, '').split('、').includes(k.name))) return `缺 ${k.name}, yet ${k.covered} households are covered`;
      }
      const note = await page.textContent('#access-circle-note');
      if (!note.includes('大门') || !note.includes('40 米')) return `circle note ${JSON.stringify(note)}`;
      return null;
    });
    await check('the winter profile shows the smaller circles', async () => {
      await page.locator('input[name="access-profile"][value="winter"]').check();
      await idle();
      const fs = await circles();
      if (!fs.length || fs.some((f) => f.profile !== 'winter' || f.community !== target.id)) return `drawn ${JSON.stringify(fs.slice(0, 3))}`;
      const circ = await page.textContent('#access-circles');
      if (!circ.includes('步行 240 米')) return `circles ${JSON.stringify(circ)}`;
      await page.locator('input[name="access-profile"][value="standard"]').check();
      await idle();
      return null;
    });
    await check('the blind-spot overlay colours buildings', async () => {
      await page.selectOption('#coverage-overlay', 'blind');
      await idle();
      const n = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['coverage-fill']}).length);
      if (!n) return 'no coverage-fill feature drawn';
      const legend = await page.textContent('#coverage-legend');
      if (!legend.includes('5 类及以上')) return `legend ${JSON.stringify(legend)}`;
      await page.selectOption('#coverage-overlay', 'kindergarten');
      const summary = await page.textContent('#coverage-summary');
      if (!summary.includes('全区幼儿园覆盖率')) return `summary ${JSON.stringify(summary)}`;
      return null;
    });
    await check('a what-if kindergarten in it raises the shown coverage', async () => {
      await page.selectOption('#whatif-kind', 'kindergarten');
      await page.click('#whatif-place');
      const pt = await page.evaluate((c) => {
        const m = window.renewmap.map;
        const p = m.project(c);
        const r = m.getCanvas().getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y};
      }, target.center);
      await page.mouse.click(pt.x, pt.y);
      const li = page.locator('#whatif-kinds li[data-kind="kindergarten"]');
      await li.waitFor({timeout: 10000});
      const before = Number(await li.getAttribute('data-before'));
      const after = Number(await li.getAttribute('data-after'));
      if (!(after > before)) return `kindergarten share ${before} → ${after}`;
      const text = await page.textContent('#whatif-result');
      if (!text.includes('新增覆盖') || !text.includes(target.name) || !text.includes('补齐')) return `result ${JSON.stringify(text)}`;
      if (await page.locator('.rm-popup').count()) return 'a popup opened while placing';
      if (!(await page.locator('#whatif-save').isVisible())) return 'no 保存方案 button for a planner';
      // The map shows it: the buildings newly covered are recoloured on the 幼儿园 overlay, and
      // 推演前 takes the colour away again.
      await idle();
      const recoloured = () => page.evaluate(() => {
        const m = window.renewmap.map;
        const paint = JSON.stringify(m.getPaintProperty('coverage-fill', 'fill-color'));
        const ids = paint.includes('#00a6ca') ? JSON.parse(paint.match(/\["literal",(\[[^\]]*\])\]/)[1]) : [];
        const drawn = m.queryRenderedFeatures({layers: ['coverage-fill']}).filter((f) => ids.includes(f.id)).length;
        return {ids: ids.length, drawn, visible: m.getLayoutProperty('coverage-fill', 'visibility') !== 'none'};
      });
      const afterMap = await recoloured();
      if (!afterMap.visible || !afterMap.ids || !afterMap.drawn) return `map after the what-if: ${JSON.stringify(afterMap)}`;
      if ((await page.inputValue('#coverage-overlay')) !== 'kindergarten') return 'the overlay does not show 幼儿园';
      await page.click('.whatif-toggle button[data-after="false"]');
      const beforeMap = await recoloured();
      if (beforeMap.ids) return `推演前 still shows ${beforeMap.ids} recoloured buildings`;
      // The kindergarten's served area (300 m along the paths) is drawn after, not before.
      const served = () => page.evaluate(() => {
        const m = window.renewmap.map;
        return {drawn: m.queryRenderedFeatures({layers: ['whatif-served-line', 'whatif-served-fill']}).length,
          visible: m.getLayoutProperty('whatif-served-line', 'visibility') !== 'none'};
      });
      if ((await served()).visible) return '推演前 still shows the served area';
      await page.click('.whatif-toggle button[data-after="true"]');
      if (!(await recoloured()).ids) return '推演后 does not bring the colour back';
      await idle();
      const area = await served();
      if (!area.visible || !area.drawn) return `served area after: ${JSON.stringify(area)}`;
      if (!(await page.textContent('#whatif-result')).includes('服务范围（幼儿园步行 300 米）')) return 'the figures do not name the served area';
      // Esc leaves the placing mode.
      await page.keyboard.press('Escape');
      if ((await page.getAttribute('#whatif-place', 'aria-pressed')) !== 'false') return 'Esc did not leave the placing mode';
      // Zoomed out enough to see the 15-minute circle.
      await page.evaluate((c) => window.renewmap.map.jumpTo({center: c, zoom: 15.2}), target.center);
      await idle();
      await page.screenshot({path: path.join(artifacts, 'access.png')});
      return null;
    });
    await check('a passage through a building is refused with the reason', async () => {
      await page.click('#whatif-path');
      const ends = await page.evaluate(() => {
        const m = window.renewmap.map;
        const r = m.getCanvas().getBoundingClientRect();
        for (const f of m.queryRenderedFeatures({layers: ['buildings-fill']})) {
          const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
          const ps = ring.map((c) => m.project(c));
          const xs = ps.map((p) => p.x);
          const cy = ps.reduce((s, p) => s + p.y, 0) / ps.length;
          const [x0, x1] = [Math.min(...xs) - 6, Math.max(...xs) + 6];
          if (x0 < 340 || x1 > r.width - 60 || cy < 60 || cy > r.height - 60 || x1 - x0 < 20) continue;
          const free = (x) => !m.queryRenderedFeatures([x, cy], {layers: ['buildings-fill']}).length;
          if (free(x0) && free(x1)) return [{x: r.left + x0, y: r.top + cy}, {x: r.left + x1, y: r.top + cy}];
        }
        return null;
      });
      if (!ends) return 'no building with free ground on both sides in view';
      await page.mouse.click(ends[0].x, ends[0].y);
      await page.mouse.click(ends[1].x, ends[1].y);
      const hint = await page.textContent('#whatif-hint');
      const n = await page.locator('.whatif-marker.end').count();
      await page.keyboard.press('Escape');
      return hint.includes('不能穿过楼栋') && n === 0 ? null : `hint ${JSON.stringify(hint)}, ${n} passage ends left`;
    });
    await check('a passage across a community wall is offered as a gate (打破小区分割)', async () => {
      // Ends 24 px either side of a vertex of a community's outline, on a line free of buildings.
      const ends = await page.evaluate(() => {
        const m = window.renewmap.map;
        const r = m.getCanvas().getBoundingClientRect();
        const q = (p, layer) => m.queryRenderedFeatures(p, {layers: [layer]});
        for (const f of m.queryRenderedFeatures({layers: ['communities-fill']})) {
          const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
          const ps = ring.map((c) => m.project(c));
          const cx = ps.reduce((s, p) => s + p.x, 0) / ps.length;
          const cy = ps.reduce((s, p) => s + p.y, 0) / ps.length;
          for (const v of ps) {
            const len = Math.hypot(v.x - cx, v.y - cy) || 1;
            const [dx, dy] = [(v.x - cx) / len, (v.y - cy) / len];
            const a = [v.x - dx * 24, v.y - dy * 24];
            const b = [v.x + dx * 24, v.y + dy * 24];
            if ([a, b].some(([x, y]) => x < 340 || y < 60 || x > r.width - 60 || y > r.height - 60)) continue;
            let clear = true;
            for (let i = 0; i <= 20 && clear; i++) clear = !q([a[0] + (b[0] - a[0]) * i / 20, a[1] + (b[1] - a[1]) * i / 20], 'buildings-fill').length;
            const ca = q(a, 'communities-fill')[0]?.id;
            const cb = q(b, 'communities-fill')[0]?.id;
            if (clear && ca !== cb) return [{x: r.left + a[0], y: r.top + a[1]}, {x: r.left + b[0], y: r.top + b[1]}];
          }
        }
        return null;
      });
      if (!ends) return 'no community wall with free ground on both sides in view';
      let asked = '';
      page.once('dialog', (d) => { asked = d.message(); d.accept(); });
      await page.click('#whatif-path');
      await page.mouse.click(ends[0].x, ends[0].y);
      await page.mouse.click(ends[1].x, ends[1].y);
      await page.locator('#whatif-result p').first().waitFor({timeout: 10000});
      const gates = await page.locator('.whatif-marker.gate').count();
      await page.keyboard.press('Escape');
      if (!asked.includes('打破小区分割') || gates !== 1) return `asked ${JSON.stringify(asked)}, ${gates} gates`;
      // The selected community's circles are redrawn with the gate (推演后) in place of the
      // stored ones, which come back under 推演前.
      await page.waitForFunction(() => /重绘/.test(document.querySelector('#whatif-result').textContent), null, {timeout: 10000});
      await idle();
      const circlesNow = () => page.evaluate(() => {
        const m = window.renewmap.map;
        return {redrawn: m.queryRenderedFeatures({layers: ['whatif-circles-line']}).length,
          stored: m.getLayoutProperty('living_circles-line', 'visibility') !== 'none'};
      });
      const after = await circlesNow();
      if (!after.redrawn || after.stored) return `推演后 circles: ${JSON.stringify(after)}`;
      await page.click('.whatif-toggle button[data-after="false"]');
      await idle();
      const before = await circlesNow();
      await page.click('.whatif-toggle button[data-after="true"]');
      return !before.redrawn && before.stored ? null : `推演前 circles: ${JSON.stringify(before)}`;
    });
    await check('clearing removes the proposal', async () => {
      await page.click('#whatif-clear');
      const n = await page.locator('.whatif-marker').count();
      const text = await page.textContent('#whatif-result');
      return n || text ? `${n} markers, result ${JSON.stringify(text)}` : null;
    });
    await t.finalChecks(page, () => page.evaluate(() => window.renewmap.errors));
  } finally {
    await browser.close();
  }
}

await t.run(main);
