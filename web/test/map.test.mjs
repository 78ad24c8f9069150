// Headless-browser test of the planner map (GET /), per shared/TESTING.md:
//   E2E_USER=… E2E_PASSWORD=… node web/test/map.test.mjs BASE_URL [ARTIFACT_DIR]
// Logs in through the login page, then checks that the map draws communities, buildings and
// Chinese labels, opens popups with Chinese field names, searches and filters, all offline and
// under the service's CSP (harness.mjs). Prints `N passed, N failed` last; exits 1 on failure.
import path from 'node:path';
import {suite} from './harness.mjs';

const t = suite();
const {base, artifacts, user, password, problems, check} = t;

async function main() {
  // Test data from the API itself: communities with their bboxes.
  const {communities} = await t.getJSON('/api/v1/communities?limit=500');
  if (!Array.isArray(communities) || communities.length < 2) throw new Error('need at least 2 communities from /api/v1/communities');
  const area = (c) => (c.bbox[2] - c.bbox[0]) * (c.bbox[3] - c.bbox[1]);
  // A mid-sized old community to search for, with a name no other community contains.
  const target = [...communities]
    .filter((c) => c.is_old && Array.isArray(c.bbox) && communities.filter((o) => o.name.includes(c.name)).length === 1)
    .sort((a, b) => area(b) - area(a))[Math.floor(communities.length / 8)] || communities[0];
  const far = [...communities].sort((a, b) =>
    Math.hypot(b.center[0] - target.center[0], b.center[1] - target.center[1]) -
    Math.hypot(a.center[0] - target.center[0], a.center[1] - target.center[1]))[0];

  const {browser, page} = await t.browser();
  try {
    const idle = (timeout = 30000) => page.evaluate((timeout) => new Promise((resolve, reject) => {
      const m = window.renewmap.map;
      const t = setTimeout(() => reject(new Error('map did not become idle')), timeout);
      m.once('idle', () => { clearTimeout(t); resolve(); });
      m.triggerRepaint();
    }), timeout);
    const jump = async (center, zoom) => {
      await page.evaluate(([c, z]) => window.renewmap.map.jumpTo({center: c, zoom: z}), [center, zoom]);
      await idle();
    };
    // Distinct rendered features of a style layer (a polygon crossing tiles comes once per tile).
    const rendered = (layer, key = 'code') => page.evaluate(([layer, key]) => {
      const seen = new Map();
      for (const f of window.renewmap.map.queryRenderedFeatures({layers: [layer]})) {
        const k = f.properties[key] ?? f.id ?? JSON.stringify(f.properties);
        if (!seen.has(k)) seen.set(k, f.properties);
      }
      return [...seen.values()];
    }, [layer, key]);

    // Tile requests, to see which sources the map loads.
    const tileURLs = [];
    page.on('request', (r) => { if (r.url().includes('/tiles/')) tileURLs.push(r.url()); });

    // ---- load
    await check('the map sends a visitor to the login page, and logging in there opens it', async () => {
      await page.goto(base + '/', {waitUntil: 'load'});
      if (!new URL(page.url()).pathname.startsWith('/login')) return `not sent to /login but to ${page.url()}`;
      await page.fill('#username', user);
      await page.fill('#password', 'wrong password');
      await page.click('#login-submit');
      await page.waitForSelector('#login-error:not([hidden])', {timeout: 10000});
      const msg = await page.textContent('#login-error');
      if (!msg.includes('用户名或密码错误')) return `wrong password showed ${JSON.stringify(msg)}`;
      t.forgetExpected(401, '/api/v1/login');
      await page.fill('#password', password);
      await Promise.all([page.waitForURL(base + '/', {timeout: 15000}), page.click('#login-submit')]);
      return null;
    });
    await check('the account line names the user and the role', async () => {
      await page.waitForSelector('#account-name', {timeout: 10000});
      const text = await page.textContent('#account');
      if (text.includes('null') || text.includes('账号管理') || !text.includes('浏览器测试') || !text.includes('设计人员') || !text.includes('退出登录')) return `account line ${JSON.stringify(text)}`;
      return null;
    });
    await check('page loads with title and 示例数据 notice', async () => {
      const res = await page.reload({waitUntil: 'load'});
      if (!res || res.status() !== 200) return `GET / → ${res && res.status()}`;
      const title = await page.title();
      if (title !== '铁西区老旧小区改造一张图') return `title ${JSON.stringify(title)}`;
      if (!(await page.getByText('示例数据', {exact: true}).first().isVisible())) return '示例数据 badge not visible';
      return null;
    });
    await check('map loads (style, labels, catalogue) and goes idle', async () => {
      await page.waitForFunction(() => window.renewmap && window.renewmap.map, null, {timeout: 20000});
      await page.evaluate(() => window.renewmap.ready);
      await idle();
      const info = await page.evaluate(() => ({
        loaded: window.renewmap.map.isStyleLoaded(),
        layers: Object.keys(window.renewmap.catalogue).length,
        labels: Object.keys(window.renewmap.labels).length,
        errors: window.renewmap.errors,
      }));
      if (!info.loaded) return 'style not loaded';
      if (info.layers < 5) return `catalogue has ${info.layers} layers`;
      if (info.labels < 5) return `labels has ${info.labels} code lists`;
      if (info.errors.length) return `map errors: ${info.errors.join('; ')}`;
      return null;
    });
    await check('style has no glyphs key and absolute tile URLs', async () => {
      const style = await page.evaluate(() => window.renewmap.map.getStyle());
      if ('glyphs' in style) return `glyphs: ${style.glyphs}`;
      const tj = await t.getJSON('/tiles/all.json');
      if (!tj.tiles.every((t) => t.startsWith(base + '/'))) return `tile URLs ${tj.tiles}`;
      return null;
    });
    await check('a CJK font renders (铁 differs from U+FDD0)', async () => {
      const same = await page.evaluate(() => {
        const draw = (ch) => {
          const c = document.createElement('canvas');
          c.width = 48; c.height = 48;
          const g = c.getContext('2d');
          g.fillStyle = '#000';
          g.font = '40px sans-serif';
          g.textBaseline = 'top';
          g.fillText(ch, 2, 2);
          return Array.from(g.getImageData(0, 0, 48, 48).data);
        };
        const a = draw('铁');
        const b = draw('\uFDD0');
        let ink = 0;
        for (let i = 3; i < a.length; i += 4) if (a[i] > 0) ink++;
        return {same: a.every((v, i) => v === b[i]), ink};
      });
      if (same.same) return '铁 draws like a missing glyph: no CJK font (install fonts-wqy-microhei)';
      if (same.ink < 30) return `铁 drew only ${same.ink} pixels`;
      return null;
    });
    await check('attribution shows the data source and 示例数据', async () => {
      const text = await page.locator('.maplibregl-ctrl-attrib').innerText();
      if (!text.includes('示例数据') || !text.includes('DataV.GeoAtlas')) return `attribution: ${JSON.stringify(text)}`;
      return null;
    });

    // ---- drawing at street level
    await jump(target.center, 16);
    await check('communities, buildings and roads are drawn at z16', async () => {
      const c = await rendered('communities-fill');
      const b = await rendered('buildings-fill', 'number');
      const r = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['roads-fill', 'roads-internal', 'roads-casing']}).length);
      if (!c.length) return 'no communities rendered';
      if (!b.length) return 'no buildings rendered';
      if (!r) return 'no roads rendered';
      return null;
    });
    await check('the hidden analysis overlays (circles, blind spots, dig-once) cost no tile request', async () => {
      const composite = tileURLs.filter((u) => /\/tiles\/all\/\d+\//.test(u));
      const overlays = tileURLs.filter((u) => /\/tiles\/(living_circles|coverage|dig_once)\/\d+\//.test(u));
      if (!composite.length) return 'no composite tile was requested';
      if (overlays.length) return `overlay tiles requested while hidden: ${overlays.slice(0, 3).join(' ')}`;
      return null;
    });
    await check('Chinese community labels are placed', async () => {
      const labels = await rendered('community_labels', 'name');
      if (!labels.length) return 'no community_labels rendered';
      if (!labels.some((p) => /[\u4e00-\u9fff]/.test(p.name || ''))) return `labels without Chinese: ${labels.map((p) => p.name)}`;
      return null;
    });

    // ---- popup on a building
    await check('clicking a building shows a popup with Chinese fields and values', async () => {
      const pt = await page.evaluate(() => {
        const m = window.renewmap.map;
        const panelRight = document.getElementById('panel').getBoundingClientRect().right;
        const {width, height} = m.getCanvas().getBoundingClientRect();
        for (const f of m.queryRenderedFeatures({layers: ['buildings-fill']})) {
          const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
          let x = 0; let y = 0;
          for (const [lon, lat] of ring.slice(0, -1)) { x += lon; y += lat; }
          const p = m.project([x / (ring.length - 1), y / (ring.length - 1)]);
          if (p.x < panelRight + 20 || p.x > width - 80 || p.y < 60 || p.y > height - 60) continue;
          const top = m.queryRenderedFeatures([p.x, p.y]).filter((g) => g.layer.type !== 'symbol')[0];
          if (top && top.layer.id === 'buildings-fill' && top.properties.number === f.properties.number) return {x: p.x + m.getCanvas().getBoundingClientRect().left, y: p.y + m.getCanvas().getBoundingClientRect().top, props: f.properties};
        }
        return null;
      });
      if (!pt) return 'no clickable building in view';
      await page.mouse.click(pt.x, pt.y);
      const popup = page.locator('.maplibregl-popup');
      await popup.waitFor({state: 'visible', timeout: 5000});
      const text = await popup.innerText();
      if (!text.includes('楼号') || !text.includes('层数')) return `popup text: ${JSON.stringify(text)}`;
      if (pt.props.structure && text.includes(pt.props.structure)) return `structure code ${pt.props.structure} not translated`;
      if (pt.props.floors !== undefined && !text.includes(String(pt.props.floors))) return `floors ${pt.props.floors} missing`;
      await page.screenshot({path: path.join(artifacts, 'map-popup.png')});
      await page.locator('.maplibregl-popup-close-button').click();
      return null;
    });

    // ---- search
    await jump(far.center, 15);
    await check(`searching "${target.name}" flies there and highlights it`, async () => {
      const inBox = (c, b) => c[0] >= b[0] && c[0] <= b[2] && c[1] >= b[1] && c[1] <= b[3];
      const before = await page.evaluate(() => window.renewmap.map.getCenter().toArray());
      if (inBox(before, target.bbox)) return 'test set-up: already there';
      await page.locator('#search').fill(target.name);
      const item = page.locator('#search-results li[role=option]').filter({hasText: target.name}).first();
      await item.waitFor({state: 'visible', timeout: 5000});
      const moved = page.evaluate(() => new Promise((r) => window.renewmap.map.once('moveend', r)));
      await page.locator('#search').press('Enter');
      await moved;
      await idle();
      const after = await page.evaluate(() => window.renewmap.map.getCenter().toArray());
      if (!inBox(after, target.bbox)) return `center ${after} not in bbox ${target.bbox}`;
      const hl = await rendered('communities-highlight');
      if (!hl.some((p) => p.code === target.code)) return `highlight shows ${hl.map((p) => p.code)}, want ${target.code}`;
      const card = await page.locator('#selected').innerText();
      if (!card.includes(target.name)) return `selected card: ${JSON.stringify(card)}`;
      await page.screenshot({path: path.join(artifacts, 'map-search.png')});
      return null;
    });

    // ---- filters
    await jump([124.35, 43.165], 14);
    await check('仅老旧小区 hides the other communities (map and labels)', async () => {
      const all = await rendered('communities-fill');
      const notOld = all.filter((p) => p.is_old !== true).map((p) => p.code);
      if (!notOld.length) return `test set-up: no non-old communities among ${all.length} in view`;
      await page.locator('#filter-old').check();
      await idle();
      const now = await rendered('communities-fill');
      const labels = await rendered('community_labels', 'name');
      if (!(now.length < all.length)) return `rendered ${all.length} → ${now.length}`;
      const back = now.filter((p) => notOld.includes(p.code));
      if (back.length) return `non-old communities still drawn: ${back.map((p) => p.code)}`;
      if (labels.some((p) => p.is_old !== true)) return 'labels of non-old communities still drawn';
      const count = await page.locator('#filter-count').innerText();
      if (!/显示 \d+ \/ \d+/.test(count)) return `count: ${JSON.stringify(count)}`;
      await page.locator('#filter-old').uncheck();
      await idle();
      const again = await rendered('communities-fill');
      if (again.length !== all.length) return `after unchecking: ${again.length}, want ${all.length}`;
      return null;
    });
    await check('unchecking a stage hides its communities', async () => {
      const all = await rendered('communities-fill');
      const counts = {};
      for (const p of all) if (p.stage) counts[p.stage] = (counts[p.stage] || 0) + 1;
      const stage = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];
      if (!stage) return 'test set-up: no community with a stage in view';
      await page.locator(`#filter-stage input[value="${stage}"]`).uncheck();
      await idle();
      const now = await rendered('communities-fill');
      if (now.some((p) => p.stage === stage)) return `stage ${stage} still drawn`;
      if (now.length !== all.length - counts[stage]) return `rendered ${all.length} → ${now.length}, want ${all.length - counts[stage]}`;
      await page.locator('#filter-reset').click();
      await idle();
      return null;
    });
    await check('layer switcher hides and shows a group', async () => {
      const row = page.locator('.layer-row[data-group="buildings"] input');
      await page.evaluate(() => window.renewmap.map.jumpTo({zoom: 15}));
      await idle();
      const before = (await rendered('buildings-fill', 'number')).length;
      await row.uncheck();
      await idle();
      const off = (await rendered('buildings-fill', 'number')).length;
      await row.check();
      await idle();
      if (!before) return 'no buildings at z15';
      if (off !== 0) return `${off} buildings still drawn when switched off`;
      return null;
    });

    // ---- screenshot of the district view
    await page.evaluate(() => {
      document.querySelector('.panel-body').scrollTop = 0;
      window.renewmap.map.jumpTo({center: [124.35, 43.165], zoom: 14.2});
    });
    await idle();
    await page.screenshot({path: path.join(artifacts, 'map.png')});

    await t.finalChecks(page, () => page.evaluate(() => window.renewmap.errors));
  } finally {
    await browser.close();
  }
}

await t.run(main);
