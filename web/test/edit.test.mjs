// Headless-browser test of editing the map (js/edit.js), at 1440×900:
//   E2E_USER=… E2E_PASSWORD=… E2E_USER2=… E2E_PASSWORD2=… node web/test/edit.test.mjs BASE_URL [ARTIFACT_DIR]
// Two planners. The second cuts a one-gate community off the street through the API (deletes the
// path from its gate to the street), so its households reach no facility outside it. The first,
// in the browser: draws a footway from the gate to the street → coverage outside comes back and
// the community leaves the quality report's isolated list (API and panel, computed again);
// reshapes the outline and undoes it; drags a corner across the outline → refused with a Chinese
// message, nothing saved; moves a gate; saves a gate the second planner changed meanwhile → the
// conflict message. Prints how many clicks and seconds each fix took. Screenshots: edit-*.png.
import path from 'node:path';
import {latinProblem, suite} from './harness.mjs';

const t = suite();
const {base, artifacts, check} = t;

const insideRing = ([x, y], ring) => {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};
const same = (a, b) => Math.abs(a[0] - b[0]) < 1e-7 && Math.abs(a[1] - b[1]) < 1e-7;

async function main() {
  const other = await t.client(process.env.E2E_USER2, process.env.E2E_PASSWORD2);
  const deadline = Date.now() + 120000;
  for (;;) {
    const st = await t.getJSON('/api/v1/access/status').catch(() => null);
    if (st && st.state === 'ready') break;
    if (Date.now() > deadline) throw new Error(`walk network not ready: ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 500));
  }

  // A community with one gate (codes: community TX-C001, its gates TX-C001-G1 …) and the path
  // that runs from that gate out to the street.
  const gates = (await t.getJSON('/ogc/collections/gates/items?limit=1000')).features;
  const comms = (await t.getJSON('/ogc/collections/communities/items?limit=1000')).features;
  const byComm = new Map();
  for (const g of gates) {
    const c = g.properties.code.replace(/-G\d+$/, '');
    byComm.set(c, [...(byComm.get(c) || []), g]);
  }
  // The second planner cuts one off; wait for the walk network to follow. Another way in (a
  // passage an earlier suite saved) leaves the coverage as it was: put the path back, try the next.
  const coverageOf = async (id) => {
    const cov = await t.getJSON(`/api/v1/coverage?community=${id}`);
    return Object.fromEntries(cov.community.kinds.map((k) => [k.kind, {covered: k.covered, name: k.name}]));
  };
  let target = null;
  let before = null;
  let lost = [];
  for (const c of comms) {
    const gs = byComm.get(c.properties.code) || [];
    if (gs.length !== 1 || c.geometry.coordinates.length !== 1) continue;
    const gate = gs[0];
    const [gx, gy] = gate.geometry.coordinates;
    const roads = (await t.getJSON(`/ogc/collections/roads/items?class=internal&bbox=${gx - 0.0005},${gy - 0.0005},${gx + 0.0005},${gy + 0.0005}`)).features;
    const ring = c.geometry.coordinates[0][0];
    const connector = roads.find((r) => {
      const cs = r.geometry.coordinates;
      const a = cs[0];
      const b = cs[cs.length - 1];
      return (same(a, gate.geometry.coordinates) && !insideRing(b, ring)) || (same(b, gate.geometry.coordinates) && !insideRing(a, ring));
    });
    if (!connector) continue;
    before = await coverageOf(c.id);
    const del = await other('DELETE', `/api/v1/edit/roads/${connector.id}`);
    if (del.status !== 204) throw new Error(`delete the connector: ${del.status} ${JSON.stringify(del.data)}`);
    for (const until = Date.now() + 30000; Date.now() < until;) {
      const now = await coverageOf(c.id);
      lost = Object.keys(before).filter((k) => before[k].covered > 0 && now[k].covered === 0);
      if (lost.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!lost.length) {
      const {data} = await other('GET', `/api/v1/edit/roads/${connector.id}/history`);
      await other('POST', `/api/v1/edit/roads/${connector.id}/restore`, {entry: data.history[0].entry});
      continue;
    }
    const cs = connector.geometry.coordinates;
    const street = same(cs[0], gate.geometry.coordinates) ? cs[cs.length - 1] : cs[0];
    target = {comm: c, gate, connector, street, ring};
    break;
  }
  if (!target) throw new Error('no community with one gate whose path to the street cuts it off');
  const commID = target.comm.id;
  const outside = () => coverageOf(commID);
  const kind = lost[0];

  const {browser, page} = await t.browser({viewport: {width: 1440, height: 900}});
  const timings = [];
  try {
    const idle = () => page.evaluate(() => new Promise((resolve, reject) => {
      const m = window.renewmap.map;
      const timer = setTimeout(() => reject(new Error('map did not become idle')), 30000);
      m.once('idle', () => { clearTimeout(timer); resolve(); });
      m.triggerRepaint();
    }));
    const jump = async (center, zoom) => {
      await page.evaluate(([c, z]) => window.renewmap.map.jumpTo({center: c, zoom: z}), [center, zoom]);
      await idle();
    };
    const px = (lngLat) => page.evaluate(([lng, lat]) => {
      const m = window.renewmap.map;
      const p = m.project([lng, lat]);
      const r = m.getContainer().getBoundingClientRect();
      return {x: r.left + p.x, y: r.top + p.y};
    }, lngLat);
    const drag = async (from, to) => {
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, {steps: 12});
      await page.mouse.up();
      await page.waitForTimeout(200);
    };
    const message = async (re) => {
      await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('edit-message')?.textContent || ''), re.source, {timeout: 15000});
      return page.textContent('#edit-message');
    };
    const pick = async (layer, at) => {
      await page.selectOption('#edit-layer', layer);
      await page.click('#edit-pick');
      const p = await px(at);
      await page.mouse.click(p.x, p.y);
      await page.waitForSelector('#edit-card:not([hidden])', {timeout: 10000});
      await page.waitForFunction(() => window.renewmap.edit.state.feature, null, {timeout: 10000});
    };
    const stored = async (layer, id) => (await other('GET', `/api/v1/edit/${layer}/${id}`)).data;

    await check('logging in as a planner shows the editing section', async () => {
      const why = await t.login(page, '/');
      if (why) return why;
      await page.waitForFunction(() => window.renewmap?.edit, null, {timeout: 60000});
      const text = await page.textContent('#edit-section');
      return text.includes('地图编辑') && text.includes('新建') ? null : `section: ${text.slice(0, 80)}`;
    });

    const gate = target.gate.geometry.coordinates;
    const mid = [(gate[0] + target.street[0]) / 2, (gate[1] + target.street[1]) / 2];
    const listedIsolated = () => page.locator(`#quality-body details[data-group=isolated] button[data-community="${commID}"]`).count();
    await check(`the quality report lists ${target.comm.properties.name} as isolated`, async () => {
      const q = await t.getJSON('/api/v1/quality');
      if (!q.isolated.some((c) => c.community === commID)) return `isolated: ${JSON.stringify(q.isolated.map((c) => c.name))}`;
      await page.waitForSelector('#quality-body details[data-group=isolated] li', {timeout: 20000});
      return await listedIsolated() === 1 ? null : 'the quality panel does not list it';
    });

    await check(`a footway drawn from the gate of ${target.comm.properties.name} to the street brings back ${before[kind].name}`, async () => {
      await jump(mid, 19);
      const t0 = Date.now();
      let clicks = 0;
      await page.selectOption('#edit-layer', 'roads'); clicks++;
      await page.click('#edit-new'); clicks++;
      const a = await px(gate);
      // 1.5 m short of the street: the server joins the end to it.
      const b = await px([target.street[0], target.street[1] + (gate[1] > target.street[1] ? 1.5 : -1.5) / 111320]);
      await page.mouse.click(a.x, a.y); clicks++;
      await page.waitForTimeout(700);
      await page.mouse.click(b.x, b.y); clicks++;
      await page.waitForTimeout(700);
      await page.mouse.click(b.x, b.y); clicks++;
      await page.waitForSelector('#edit-card:not([hidden])');
      await page.selectOption('#edit-f-class', 'footway'); clicks++;
      await page.click('#edit-save'); clicks++;
      const msg = await message(/已保存|未保存|失败/);
      if (!msg.includes('已保存')) return `save: ${msg}`;
      await page.screenshot({path: path.join(artifacts, 'edit-footway.png')});
      for (const until = Date.now() + 60000; Date.now() < until;) {
        const now = await outside();
        if (now[kind].covered > 0) {
          timings.push(`isolated community joined to the street: ${clicks} clicks, ${((Date.now() - t0) / 1000).toFixed(1)} s until its coverage came back (${now[kind].covered} households reach ${now[kind].name})`);
          // The finding goes because the report is computed again: the API and the panel.
          const q = await t.getJSON('/api/v1/quality');
          if (q.isolated.some((c) => c.community === commID)) return 'the quality report still lists it as isolated';
          await page.waitForFunction((id) => !document.querySelector(`#quality-body details[data-group=isolated] button[data-community="${id}"]`),
            commID, {timeout: 30000}).catch(() => {});
          if (await listedIsolated()) return 'the quality panel still lists it as isolated';
          timings.push(`… and the finding left the quality panel ${((Date.now() - t0) / 1000).toFixed(1)} s after the first click`);
          return null;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      return `${before[kind].name} still covers 0 households of the community after the footway`;
    });

    const ring = target.ring;
    const ne = ring.slice(0, -1).reduce((m, c) => (c[0] + c[1] > m[0] + m[1] ? c : m));
    const west = Math.min(...ring.map((c) => c[0]));
    const centre = [ring.reduce((s, c) => s + c[0], 0) / ring.length, ring.reduce((s, c) => s + c[1], 0) / ring.length];
    const inside = [(centre[0] + ne[0]) / 2, (centre[1] + ne[1]) / 2];
    let original = null;
    await check('reshaping the outline: a corner dragged outwards is saved', async () => {
      await jump(centre, 17);
      original = await stored('communities', commID);
      const t0 = Date.now();
      await page.click('#edit-cancel').catch(() => {});
      await pick('communities', inside);
      const from = await px(ne);
      await drag(from, {x: from.x + 40, y: from.y - 20});
      await page.click('#edit-save');
      const msg = await message(/已保存|未保存|失败/);
      if (!msg.includes('已保存')) return `save: ${msg}`;
      const now = await stored('communities', commID);
      const moved = now.geometry.coordinates[0][0].some((c) => c[0] > ne[0] + 1e-5);
      if (!moved) return `outline not moved east: ${JSON.stringify(now.geometry.coordinates[0][0])}`;
      timings.push(`outline reshaped: 4 clicks and a drag, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await page.screenshot({path: path.join(artifacts, 'edit-outline.png')});
      return null;
    });

    await check('undo restores the old outline', async () => {
      await page.click('#edit-undo');
      const msg = await message(/已恢复|失败/);
      if (!msg.includes('已恢复')) return msg;
      const now = await stored('communities', commID);
      const a = now.geometry.coordinates[0][0];
      const b = original.geometry.coordinates[0][0];
      if (a.length !== b.length || a.some((c, i) => !same(c, b[i]))) return `outline after undo ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
      const hist = await page.textContent('#edit-history');
      return hist.includes('恢复') ? null : `history: ${hist}`;
    });

    await check('a year out of range is refused in Chinese before anything is sent', async () => {
      const was = await page.inputValue('#edit-f-completed_year');
      await page.fill('#edit-f-completed_year', '3000');
      await page.click('#edit-save');
      const msg = await message(/应为|已保存/);
      await page.fill('#edit-f-completed_year', was);
      return msg.includes('“建成年份”应为 1900–2100 之间的整数') ? latinProblem(msg) : `message: ${msg}`;
    });

    await check('a self-intersecting outline is refused in Chinese and nothing is saved', async () => {
      const was = await stored('communities', commID);
      const from = await px(ne);
      const to = await px([west - (ne[0] - west) * 0.3, ne[1]]);
      await drag(from, to);
      await page.click('#edit-save');
      const msg = await message(/未保存|已保存/);
      t.forgetExpected(400, `/api/v1/edit/communities/${commID}`);
      await page.screenshot({path: path.join(artifacts, 'edit-self-intersection.png')});
      if (!msg.includes('自相交') || !msg.includes('未保存')) return `message: ${msg}`;
      if (latinProblem(msg)) return latinProblem(msg);
      const now = await stored('communities', commID);
      if (now.version !== was.version) return 'the outline changed';
      await page.click('#edit-cancel');
      return null;
    });

    let gateVersion = null;
    await check('moving a gate along the wall is saved', async () => {
      await jump(gate, 19);
      const t0 = Date.now();
      await pick('gates', gate);
      const from = await px(gate);
      // Along the wall: the outline's edge through the gate is horizontal or vertical.
      const horizontal = ring.some((c, i) => i > 0 && Math.abs(c[1] - gate[1]) < 1e-7 && Math.abs(ring[i - 1][1] - gate[1]) < 1e-7);
      await drag(from, horizontal ? {x: from.x + 25, y: from.y} : {x: from.x, y: from.y + 25});
      await page.click('#edit-save');
      const msg = await message(/已保存|未保存|失败/);
      if (!msg.includes('已保存')) return `save: ${msg}`;
      const now = await stored('gates', target.gate.id);
      if (same(now.geometry.coordinates, gate)) return 'the gate did not move';
      gateVersion = now.version;
      timings.push(`gate moved: 3 clicks and a drag, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return null;
    });

    await check('two planners editing one gate: the second to save gets a conflict message', async () => {
      const res = await other('PUT', `/api/v1/edit/gates/${target.gate.id}`, {properties: {name: '另一位规划人员改的名'}}, {'If-Match': gateVersion});
      if (res.status !== 200) return `the other planner's save: ${res.status}`;
      await page.fill('#edit-f-name', '东门');
      await page.click('#edit-save');
      const msg = await message(/保存冲突|已保存/);
      t.forgetExpected(412, `/api/v1/edit/gates/${target.gate.id}`);
      await page.screenshot({path: path.join(artifacts, 'edit-conflict.png')});
      if (!msg.includes('已被他人修改')) return `message: ${msg}`;
      const now = await stored('gates', target.gate.id);
      return now.properties.name === '另一位规划人员改的名' ? null : `name now ${now.properties.name}`;
    });

    await check('推测小区轮廓 draws the street blocks no community covers', async () => {
      await jump([124.35, 43.162], 13.5);
      await page.click('#edit-proposals');
      await page.waitForSelector('#edit-proposals-note:not([hidden])');
      await page.waitForFunction(() => /找到 \d+ 个/.test(document.getElementById('edit-proposals-note').textContent), null, {timeout: 30000});
      await idle();
      const n = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['edit-proposals-fill']}).length);
      await page.screenshot({path: path.join(artifacts, 'edit-proposals.png')});
      const note = await page.textContent('#edit-proposals-note');
      await page.click('#edit-proposals');
      return n > 0 ? null : `no proposal drawn; ${note}`;
    });

    await check('a quality finding opens the map with the path tool ready (/?fix=path&at=…)', async () => {
      await page.goto(`${base}/?fix=path&at=${gate[0]},${gate[1]}`, {waitUntil: 'load'});
      await page.waitForFunction(() => window.renewmap?.edit?.state.drawing, null, {timeout: 30000});
      const layer = await page.inputValue('#edit-layer');
      const hint = await page.textContent('#edit-hint');
      const c = await page.evaluate(() => window.renewmap.map.getCenter().toArray());
      if (layer !== 'roads' || !hint.includes('5 米内') || Math.abs(c[0] - gate[0]) > 1e-5) return `layer ${layer}, hint ${hint}, centre ${c}`;
      return null;
    });

    await t.finalChecks(page);
  } finally {
    for (const line of timings) console.log(`time ${line}`);
    await browser.close();
  }
}

t.run(main, 420000);
