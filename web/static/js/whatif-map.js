// The what-if drawn on the planner map (access.js asks; kept apart so the access panel's figures
// can change without touching it): the buildings a proposal newly covers recoloured on the
// coverage overlay, with a before/after switch, and the checks of a drawn passage (not through a
// building; across a community wall it becomes a gate, 打破小区分割).

export const NEWLY_COLOUR = '#00a6ca';

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
