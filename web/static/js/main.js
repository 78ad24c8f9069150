// The planner map (GET /): MapLibre GL JS with the service's own style and tiles, a side panel
// (search, filters, layers) and attribute popups. Works without Internet: the library, style,
// tiles and labels all come from this server, and labels are drawn with the browser's fonts.
import {getJSON, toast, vectorLayers} from './util.js';
import {describe, popupContent} from './popup.js';
import {initPanel} from './panel.js';
import {renderAccount} from './account.js';
import {initAccess} from './access.js';
import {initQuality} from './quality.js';
import {scopeParam, setScope} from './nav.js';
import {errorText, codeLists} from './api.js';
import {t} from './msg.js';

const maplibregl = window.maplibregl;
const origin = window.location.origin;

// Layers a click can open a popup for (labels repeat what their polygon says).
const CLICKABLE_GROUPS = new Set(['communities', 'buildings', 'roads', 'facilities', 'parking', 'gates',
  'candidate_sites', 'pipelines', 'living_circles', 'areas', 'coverage']);

// Thin things worth a few pixels of slack; polygon outlines are not (their fill answers).
const NEAR_LAYERS = /^(roads-|pipelines-|facilities-|gates-|parking-circle)/;

function start() {
  renderAccount(document.getElementById('account'));
  if (!maplibregl) {
    toast(t('map.failed'));
    return;
  }
  const map = new maplibregl.Map({
    container: 'map',
    // Absolute URL: MapLibre fetches tiles from a blob: worker where relative URLs do not parse.
    style: `${origin}/tiles/style.json`,
    center: [124.35, 43.165],
    zoom: 13.5,
    minZoom: 9,
    maxZoom: 20,
    hash: true,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    locale: {
      'NavigationControl.ZoomIn': '放大',
      'NavigationControl.ZoomOut': '缩小',
      'NavigationControl.ResetBearing': '指北',
      'ScaleControl.Meters': '米',
      'ScaleControl.Kilometers': '公里',
      'Popup.Close': '关闭',
      'AttributionControl.ToggleAttribution': '数据来源',
      'Map.Title': '地图',
    },
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-right');
  map.addControl(new maplibregl.ScaleControl({maxWidth: 120, unit: 'metric'}), 'bottom-right');
  map.addControl(new maplibregl.AttributionControl({compact: false}), 'bottom-right');

  const app = {map, ready: null, panel: null, catalogue: {}, labels: {}, layout: {}, errors: []};
  window.renewmap = app;

  map.on('error', (ev) => {
    const msg = ev?.error?.message || String(ev?.error || ev);
    app.errors.push(msg);
    console.error('map error:', msg);
  });

  // Data the panel and popups need, fetched while the style loads.
  const labelsP = codeLists().catch((err) => { toast(t('labels.failed', errorText(err))); return {}; });
  const layoutP = getJSON('/static/fields.json').catch(() => ({}));
  const communitiesP = getJSON('/api/v1/communities?limit=500').then((b) => b.communities || [])
    .catch((err) => { toast(t('communities.failed', errorText(err))); return []; });
  const loaded = new Promise((resolve) => map.once('load', resolve));

  app.ready = (async () => {
    const [labels, layout] = await Promise.all([labelsP, layoutP, loaded]);
    app.labels = labels;
    app.layout = layout;
    const layers = await vectorLayers(map.getStyle(), (err) => toast(t('layers.failed', errorText(err))));
    for (const l of layers) {
      app.catalogue[l.id] = {title: l.description || l.id, fields: l.fields || {}, minzoom: l.minzoom, maxzoom: l.maxzoom};
    }
    app.panel = initPanel({map, catalogue: app.catalogue, labels, communities: [],
      onSelect: (c) => app.access?.select(c), onClear: () => app.access?.clear()});
    app.access = initAccess(app);
    communitiesP.then((list) => {
      app.panel.setCommunities(list);
      // A deep link (/?community=ID from another page) opens with that community selected.
      const chosen = list.find((c) => String(c.id) === scopeParam('community'));
      if (chosen) app.panel.selectCommunity(chosen);
    });
    initQuality(app, communitiesP);
    wirePopups(app);
    return app;
  })();
}

function wirePopups(app) {
  const {map} = app;
  const clickable = () => map.getStyle().layers
    .filter((l) => l.type !== 'symbol' && CLICKABLE_GROUPS.has(l.metadata?.['renewmap:group']))
    .filter((l) => map.getLayoutProperty(l.id, 'visibility') !== 'none')
    .map((l) => l.id);
  const around = (p, r) => [[p.x - r, p.y - r], [p.x + r, p.y + r]];
  const popup = new maplibregl.Popup({maxWidth: '340px', className: 'rm-popup', focusAfterOpen: false});

  map.on('click', (ev) => {
    // The what-if mode takes clicks for itself.
    if (app.access?.onMapClick(ev)) { popup.remove(); return; }
    // So does editing (js/edit.js): picking a feature, drawing, reshaping.
    if (app.edit?.onMapClick(ev)) { popup.remove(); return; }
    // Polygons where the pointer is; lines and points a few pixels around it (hard to hit
    // exactly); then whatever is drawn on top wins.
    const layers = clickable();
    const order = new Map(map.getStyle().layers.map((l, i) => [l.id, i]));
    const exact = map.queryRenderedFeatures(ev.point, {layers});
    const near = map.queryRenderedFeatures(around(ev.point, 4), {layers: layers.filter((id) => NEAR_LAYERS.test(id))});
    const feats = [...near, ...exact].sort((a, b) => order.get(b.layer.id) - order.get(a.layer.id));
    if (!feats.length) { popup.remove(); return; }
    const f = feats[0];
    const info = describe(f, app);
    popup.setLngLat(ev.lngLat).setDOMContent(popupContent(info)).addTo(map);
    if (f.sourceLayer === 'communities' && f.properties?.code) {
      app.panel?.highlight(f.properties.code);
      app.access?.select({id: f.id, name: f.properties.name});
      setScope({community: f.id});
    }
  });

  let pending = false;
  map.on('mousemove', (ev) => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const hit = map.queryRenderedFeatures(around(ev.point, 3), {layers: clickable()}).length > 0;
      map.getCanvas().style.cursor = hit ? 'pointer' : '';
    });
  });
}

start();
