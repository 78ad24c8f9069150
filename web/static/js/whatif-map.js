// The what-if drawn on the planner map (access.js asks; kept apart so the access panel's figures
// can change without touching it): the buildings a proposal newly covers recoloured on the
// coverage overlay, with a before/after switch, and the checks of a drawn passage (not through a
// building; across a community wall it becomes a gate, 打破小区分割).

export const NEWLY_COLOUR = '#00a6ca';
/** CIRCLE_COLOURS are the 5/10/15-minute circles' colours (the living_circles layers' too). */
export const CIRCLE_COLOURS = {5: '#1b9e77', 10: '#2166ac', 15: '#7b3294'};
const CIRCLE_LINE = ['match', ['get', 'minutes'], ...Object.entries(CIRCLE_COLOURS).flatMap(([m, c]) => [Number(m), c]), '#2166ac'];

/**
 * drawWhatIfCircles draws a what-if's circles (res of POST /api/v1/scenarios, null for none):
 * each proposed facility's served area (what lies within its kind's service distance along the
 * paths) and, when passages changed the network, the selected community's circles of profile
 * redrawn. after=false hides them (推演前). It returns whether redrawn circles are shown, for
 * the caller to hide the stored ones.
 */
export function drawWhatIfCircles(map, res, after, profile) {
  const tag = (fs, what) => (fs || []).map((f) => ({...f, properties: {...f.properties, what}}));
  const data = {type: 'FeatureCollection', features: [...tag(res?.served?.features, 'served'),
    ...tag((res?.circles?.features || []).filter((f) => f.properties.profile === profile), 'circle')]};
  const src = map.getSource('whatif-circles');
  if (src) src.setData(data);
  else {
    map.addSource('whatif-circles', {type: 'geojson', data});
    const meta = {'renewmap:group': 'whatif'};
    const what = (w) => ['==', ['get', 'what'], w];
    map.addLayer({id: 'whatif-served-fill', type: 'fill', source: 'whatif-circles', metadata: meta, filter: what('served'),
      paint: {'fill-color': NEWLY_COLOUR, 'fill-opacity': 0.14}});
    map.addLayer({id: 'whatif-served-line', type: 'line', source: 'whatif-circles', metadata: meta, filter: what('served'),
      paint: {'line-color': NEWLY_COLOUR, 'line-width': 2, 'line-dasharray': [2, 1.5]}});
    map.addLayer({id: 'whatif-circles-line', type: 'line', source: 'whatif-circles', metadata: meta, filter: what('circle'),
      paint: {'line-color': CIRCLE_LINE, 'line-width': 2.5}});
  }
  for (const id of ['whatif-served-fill', 'whatif-served-line', 'whatif-circles-line']) {
    map.setLayoutProperty(id, 'visibility', after ? 'visible' : 'none');
  }
  return Boolean(after && data.features.some((f) => f.properties.what === 'circle'));
}

/**
 * paintWhatIf recolours the coverage overlay (already painted for one kind by access.js, whose
 * expression is base): after=true shows the buildings in newly (ids) in NEWLY_COLOUR.
 */
export function paintWhatIf(map, base, newly, after) {
  const layer = 'coverage-fill';
  if (!map.getLayer(layer)) return;
  map.setLayoutProperty(layer, 'visibility', 'visible');
  map.setPaintProperty(layer, 'fill-color', after && newly.length
    ? ['case', ['in', ['id'], ['literal', newly]], NEWLY_COLOUR, base] : base);
}

/**
 * checkPassage follows the straight passage from a to b (screen points of the map) and returns
 * {building: name} when it runs through a building, {gate: {community, name, lngLat}} when it
 * crosses a community's boundary (where the wall is), or {} when it can be drawn as it is.
 */
export function checkPassage(map, a, b) {
  const layers = (ids) => ids.filter((id) => map.getLayer(id));
  const steps = Math.max(8, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 3));
  const at = (i) => [a.x + ((b.x - a.x) * i) / steps, a.y + ((b.y - a.y) * i) / steps];
  const communityAt = (p) => map.queryRenderedFeatures(p, {layers: layers(['communities-fill'])})[0];
  // The ends may touch a building's edge; the passage between them may not cross one.
  for (let i = 2; i < steps - 1; i++) {
    const hit = map.queryRenderedFeatures(at(i), {layers: layers(['buildings-fill'])})[0];
    if (hit) {
      const p = hit.properties || {};
      const number = String(p.number ?? '');
      return {building: number ? (number.endsWith('楼') ? number : `${number}号楼`) : (p.name || '楼栋')};
    }
  }
  let prev = communityAt(at(0));
  for (let i = 1; i <= steps; i++) {
    const here = communityAt(at(i));
    if ((here?.id ?? null) !== (prev?.id ?? null)) {
      const inside = here || prev;
      const ll = map.unproject(at(i));
      return {gate: {community: Number(inside.id), name: inside.properties?.name || '', lngLat: [Number(ll.lng.toFixed(7)), Number(ll.lat.toFixed(7))]}};
    }
    prev = here;
  }
  return {};
}
