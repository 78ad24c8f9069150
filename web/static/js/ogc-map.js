// The small map of an OGC API HTML page (/ogc/collections/{id}/items?f=html and a single
// item): the features of the page, drawn over the service's own base map (offline: the
// vendored MapLibre, the service's tiles and style, no glyph server).
import {getJSON, request, showError} from './api.js';
import {t} from './msg.js';

const container = document.getElementById('ogc-map');

// bounds returns [[west, south], [east, north]] of a GeoJSON object, or null when it has none.
function bounds(geojson) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(visit);
  };
  const features = geojson.type === 'FeatureCollection' ? geojson.features : [geojson];
  features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
  return w <= e ? [[w, s], [e, n]] : null;
}

async function show() {
  // The same page as GeoJSON in CRS84 (the map's coordinates), whatever crs the page shows.
  const q = new URLSearchParams(location.search);
  q.delete('crs');
  q.set('f', 'json');
  const [data, style] = await Promise.all([
    request(`${location.pathname}?${q}`, {headers: {Accept: 'application/geo+json'}}),
    getJSON('/tiles/style.json'),
  ]);
  const box = bounds(data);
  if (!box) {
    container.hidden = true;
    return;
  }
  const map = new maplibregl.Map({container, style, bounds: box, fitBoundsOptions: {padding: 30, maxZoom: 18},
    attributionControl: {compact: true}});
  window.__ogcMap = map;
  map.addControl(new maplibregl.NavigationControl({showCompass: false}));
  map.on('load', () => {
    map.addSource('items', {type: 'geojson', data});
    const is = (...types) => ['in', ['geometry-type'], ['literal', types]];
    map.addLayer({id: 'items-fill', type: 'fill', source: 'items', filter: is('Polygon', 'MultiPolygon'),
      paint: {'fill-color': '#e6550d', 'fill-opacity': 0.35}});
    map.addLayer({id: 'items-line', type: 'line', source: 'items', filter: is('Polygon', 'MultiPolygon', 'LineString', 'MultiLineString'),
      paint: {'line-color': '#a63603', 'line-width': 2}});
    map.addLayer({id: 'items-point', type: 'circle', source: 'items', filter: is('Point', 'MultiPoint'),
      paint: {'circle-color': '#e6550d', 'circle-radius': 5, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5}});
    map.on('click', ['items-fill', 'items-line', 'items-point'], (ev) => {
      const id = ev.features[0].id;
      if (id !== undefined) location.assign(`${location.pathname.replace(/\/items(\/\d+)?$/, '/items')}/${id}?f=html`);
    });
  });
}

show().catch((err) => showError(container, err, t('ogc.map.failed')));
