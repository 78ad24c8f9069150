// Headless-browser test of the local base map: a server started with RENEWMAP_BASE_MAP=pmtiles
// and RENEWMAP_BASE_MAP_FILE naming a PMTiles file that the tests' fixture module wrote
// (scripts/e2e.sh runs it twice: `node web/test/tile-fixtures.mjs FILE` for PNG tiles, and with
// `vector` for gzipped vector tiles). The map must draw that file's tiles from its own server
// (same origin, within the CSP), under the data. PNG: with the data layers hidden, the pixel at
// the centre has the colour the file gives the tile there. Vector: the grey layers come first,
// the tiles arrive gzipped as vector tiles, and MapLibre draws the file's land.
import {suite} from './harness.mjs';
import {FIXTURE, tileAt, tileColour} from './tile-fixtures.mjs';

const t = suite();
const {check} = t;

await t.run(async () => {
  const {browser, page} = await t.browser({viewport: {width: 1280, height: 720}});
  const tiles = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/basemap/')) {
      const h = res.headers();
      tiles.push({status: res.status(), type: h['content-type'], encoding: h['content-encoding']});
    }
  });
  let kind = '';
  try {
    await check('logging in opens the map', () => t.login(page, '/'));
    await check('the style draws the local file first, from this server, within its zooms and bounds', async () => {
      await page.waitForFunction(() => window.renewmap?.map?.loaded(), null, {timeout: 30000});
      const got = await page.evaluate(() => {
        const s = window.renewmap.map.getStyle();
        return {layers: s.layers.slice(0, 3).map((l) => `${l.id}:${l['source-layer'] || ''}`), src: s.sources.basemap,
          fill: s.layers.find((l) => l.id === 'basemap-land-fill')?.paint?.['fill-color']};
      });
      const src = got.src || {};
      kind = src.type;
      if (src.tiles?.[0] !== `${t.base}/basemap/{z}/{x}/{y}` || src.maxzoom !== FIXTURE.maxzoom ||
        JSON.stringify(src.bounds) !== JSON.stringify(FIXTURE.bounds)) return `source ${JSON.stringify(src)}`;
      if (kind === 'raster') return got.layers[1] === 'basemap:' ? null : `first layers ${got.layers}`;
      if (kind !== 'vector') return `source type ${kind}`;
      if (got.layers.join(',') !== 'background:,basemap-land-fill:land,basemap-land-line:land') return `first layers ${got.layers}`;
      return /^#([cdef][0-9a-f]){3}$/i.test(got.fill || '') ? null : `fill ${got.fill} is not a light grey`;
    });
    await check('its tiles arrive from /basemap as the file holds them', async () => {
      await page.waitForFunction(() => window.renewmap.map.areTilesLoaded(), null, {timeout: 30000});
      const want = kind === 'vector' ? {type: 'application/vnd.mapbox-vector-tile', encoding: 'gzip'} : {type: 'image/png', encoding: undefined};
      const ok = tiles.filter((r) => r.status === 200 && r.type === want.type && r.encoding === want.encoding);
      return ok.length >= 2 && ok.length === tiles.length ? null : `${ok.length} of ${tiles.length} tiles ${JSON.stringify(want)}: ${JSON.stringify(tiles.slice(0, 3))}`;
    });
    await page.screenshot({path: `${t.artifacts}/basemap-pmtiles-${kind}.png`});
    if (kind === 'vector') {
      await check('the land of the file is drawn', async () => {
        const land = await page.evaluate(() => window.renewmap.map.queryRenderedFeatures({layers: ['basemap-land-fill']}).length);
        return land > 0 ? null : 'no land drawn from the file';
      });
    } else {
      await check('the tile under the centre is drawn in its own colour (data hidden)', async () => {
        const res = await page.evaluate(() => new Promise((resolve) => {
          const map = window.renewmap.map;
          for (const l of map.getStyle().layers) {
            if (l.id !== 'background' && l.id !== 'basemap') map.setLayoutProperty(l.id, 'visibility', 'none');
          }
          // Zoom 11 exactly: 256-pixel raster tiles are then taken from zoom 12, the file's deepest.
          map.jumpTo({center: [124.3523, 43.1612], zoom: 11});
          map.once('idle', () => {
            map.once('render', () => {
              const gl = map.painter.context.gl;
              const px = new Uint8Array(4);
              gl.readPixels(Math.floor(gl.drawingBufferWidth / 2), Math.floor(gl.drawingBufferHeight / 2), 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
              const c = map.getCenter();
              resolve({px: [...px], lng: c.lng, lat: c.lat});
            });
            map.triggerRepaint();
          });
        }));
        const want = tileColour(...tileAt(res.lng, res.lat, 12));
        const near = want.every((v, i) => Math.abs(v - res.px[i]) <= 4);
        return near ? null : `centre pixel ${res.px} where tile ${tileAt(res.lng, res.lat, 12)} is ${want}`;
      });
    }
    await check('the attribution names the file\'s source', async () => {
      const text = await page.textContent('.maplibregl-ctrl-attrib');
      return text.includes(`底图：${FIXTURE.attribution}`) ? null : `attribution ${JSON.stringify(text)}`;
    });
    await t.finalChecks(page, () => page.evaluate(() => window.renewmap?.errors || []));
  } finally {
    await browser.close();
  }
});
