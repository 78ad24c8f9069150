// Tiles the browser tests make for themselves (there is no Internet and no map data here):
// pngTile, a solid 256×256 PNG; landTile, a vector tile whose layer "land" is one square
// filling the tile; and pmtilesArchive, a PMTiles v3 file of such tiles (gzip root directory, no
// leaves) for the local base map. Run as a script, it writes the archive a base-map suite draws
// (scripts/e2e.sh):
//   node web/test/tile-fixtures.mjs OUT.pmtiles [vector]
import {crc32, deflateSync, gzipSync} from 'node:zlib';
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/** pngTile is a 256×256 PNG of one colour: [grey] or [r, g, b]. */
export function pngTile(colour) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const channels = colour.length;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0);
  ihdr.writeUInt32BE(256, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 3 ? 2 : 0; // truecolour or greyscale; no interlace
  const stride = 256 * channels + 1;
  const rows = Buffer.alloc(256 * stride);
  for (let y = 0; y < 256; y++) {
    rows[y * stride] = 0; // filter byte of each row
    for (let x = 0; x < 256; x++) for (let c = 0; c < channels; c++) rows[y * stride + 1 + x * channels + c] = colour[c];
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** landTile is a Mapbox vector tile (v2, extent 4096) holding layer "land": one polygon, the
 * whole tile. */
export function landTile() {
  const varint = (v) => { const b = []; while (v >= 128) { b.push((v % 128) | 128); v = Math.floor(v / 128); } b.push(v); return b; };
  const field = (n, wire) => varint(n * 8 + wire);
  const bytes = (n, b) => [...field(n, 2), ...varint(b.length), ...b];
  const zz = (v) => (v << 1) ^ (v >> 31);
  // MoveTo (0,0), LineTo (4096,0) (4096,4096) (0,4096), ClosePath: clockwise with y down.
  const geometry = [9, zz(0), zz(0), 26, zz(4096), zz(0), zz(0), zz(4096), zz(-4096), zz(0), 15].flatMap(varint);
  const feature = [...field(1, 0), ...varint(1), ...field(3, 0), ...varint(3), ...bytes(4, geometry)];
  const layer = [...field(15, 0), ...varint(2), ...bytes(1, [...Buffer.from('land')]), ...bytes(2, feature),
    ...field(5, 0), ...varint(4096)];
  return Buffer.from(bytes(3, layer));
}

/** tileID is the PMTiles (Hilbert) id of z/x/y. */
export function tileID(z, x, y) {
  let id = (4 ** z - 1) / 3;
  for (let a = z - 1; a >= 0; a--) {
    const s = 2 ** a;
    const rx = x & s ? 1 : 0;
    const ry = y & s ? 1 : 0;
    id += ((3 * rx) ^ ry) * s * s;
    if (ry === 0) {
      if (rx === 1) { x = s - 1 - x; y = s - 1 - y; }
      [x, y] = [y, x];
    }
  }
  return id;
}

/** tileColour is the colour of tile z/x/y in the test archive: parity of x and y, and the zoom. */
export const tileColour = (z, x, y) => [x % 2 ? 200 : 60, y % 2 ? 200 : 60, 40 + 15 * z];

// The area the archive covers (around the demo data), its zooms and its attribution.
export const FIXTURE = {bounds: [124.1, 43.0, 124.6, 43.35], minzoom: 0, maxzoom: 12, attribution: '测试离线底图'};

const lonX = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
const latY = (lat, z) => {
  const r = (lat * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
};
export const tileAt = (lon, lat, z) => [z, lonX(lon, z), latY(lat, z)];

/** pmtilesArchive writes every tile of FIXTURE's zooms within its bounds: PNGs coloured by
 * tileColour, or with vector=true the gzipped landTile (layer "land" in the metadata). */
export function pmtilesArchive(vector = false) {
  const land = vector ? gzipSync(landTile()) : null;
  const [w, s, e, n] = FIXTURE.bounds;
  const tiles = [];
  for (let z = FIXTURE.minzoom; z <= FIXTURE.maxzoom; z++) {
    for (let x = lonX(w, z); x <= lonX(e, z); x++) {
      for (let y = latY(n, z); y <= latY(s, z); y++) tiles.push({id: tileID(z, x, y), png: land || pngTile(tileColour(z, x, y))});
    }
  }
  tiles.sort((a, b) => a.id - b.id);
  const varint = (out, v) => { while (v >= 128) { out.push((v % 128) | 128); v = Math.floor(v / 128); } out.push(v); };
  const dir = [];
  varint(dir, tiles.length);
  let last = 0;
  for (const t of tiles) { varint(dir, t.id - last); last = t.id; }
  for (const _ of tiles) varint(dir, 1); // run lengths
  for (const t of tiles) varint(dir, t.png.length);
  tiles.forEach((t, i) => varint(dir, i === 0 ? 1 : 0)); // offsets: the first at 0, then each after the last
  const root = gzipSync(Buffer.from(dir));
  const meta = gzipSync(Buffer.from(JSON.stringify({name: 'renewmap e2e', attribution: FIXTURE.attribution,
    ...(vector ? {vector_layers: [{id: 'land', fields: {}}]} : {})})));
  const data = Buffer.concat(tiles.map((t) => t.png));
  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'latin1');
  h[7] = 3;
  const u64 = (at, v) => h.writeBigUInt64LE(BigInt(v), at);
  const rootAt = 127;
  const metaAt = rootAt + root.length;
  const dataAt = metaAt + meta.length;
  u64(8, rootAt); u64(16, root.length); u64(24, metaAt); u64(32, meta.length);
  u64(40, dataAt); u64(48, 0); u64(56, dataAt); u64(64, data.length);
  u64(72, tiles.length); u64(80, tiles.length); u64(88, tiles.length);
  h[96] = 1; // clustered
  h[97] = 2; // directories gzip
  h[98] = vector ? 2 : 1; // tiles gzipped or not compressed
  h[99] = vector ? 1 : 2; // vector tiles or PNG
  h[100] = FIXTURE.minzoom;
  h[101] = FIXTURE.maxzoom;
  FIXTURE.bounds.forEach((v, i) => h.writeInt32LE(Math.round(v * 1e7), 102 + 4 * i));
  return Buffer.concat([h, root, meta, data]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) { console.error('usage: node tile-fixtures.mjs OUT.pmtiles [vector]'); process.exit(2); }
  writeFileSync(process.argv[2], pmtilesArchive(process.argv[3] === 'vector'));
}
