// Package access is the walking-network engine behind living circles (生活圈) and facility
// coverage: a compact graph of walkable roads and community internal paths, snapping of buildings
// and facilities onto it, bounded multi-source shortest paths, coverage against facility kinds,
// living-circle line pieces and what-if scenarios. It is pure Go: internal/postgis loads an Input
// and stores what the engine computes.
//
// # The network
//
// Coordinates come in as lon/lat and are projected to a local metric frame: a transverse Mercator
// of CGCS2000's ellipsoid centred on the mean of the roads' vertices, chosen per dataset (scale
// error 0.3 mm per km at 5 km from the centre, so lengths are true lengths). Edges meet
// where they share an endpoint or a vertex (coordinates equal after rounding to 1 cm); a vertex
// shared by two edges splits both. Nodes and edges live in flat arrays with CSR adjacency.
//
// # Walls and gates
//
// A community's wall is crossed only at a gate. The data carries that: a community's internal
// paths (edges with its community id) reach public roads only through connectors that pass its
// gates. Snapping enforces the rest:
//   - a building or facility inside community C snaps only to C's internal edges; if C has none
//     (a lone building on a street), to the nearest public edge;
//   - a facility or point outside any community snaps only to public edges.
//
// A point farther than Options.LinkBeyond (50 m) from its community's paths, or in a community
// without paths, gets an access link (AccessLink): in a walled community (one with gates) to its
// own paths or, through the nearest gate, to the public road beyond it, never across the wall;
// in an open community to the nearest edge of either kind.
//
// Snapping is to the nearest point on the nearest allowed edge, at a fractional position along
// it, never to a node, using a uniform grid over edge segments. Distances within a micrometre
// are a tie, won by the lower input edge id, then the earlier segment along it.
//
// # Distances
//
// A distance is: the straight walk from the building to its snap point, plus the network
// distance between the snap points (exact along edges, including the case where both lie on the
// same edge), plus the straight walk from the facility's snap point to the facility. Counting the
// two snap offsets is the honest choice: a building 40 m from any path really is 40 m further
// from everything. Searches are bounded (Options.Limit, at least a kind's service distance);
// beyond the bound a distance is +Inf ("not reached").
//
// # Coverage and gaps
//
// A building is covered for a kind when its distance is at most the kind's service distance.
// Households are summed per kind for the district, per subdistrict (街道) and per community.
// A required (▲) kind is a gap (配套缺口) of a community when less than half of the community's
// households are covered for it; gaps are grouped by level (15/10/5-minute, 街坊). A community
// without households has no gaps. The blind-spot overlay gives, per building, how many required
// kinds it misses.
//
// # Living circles
//
// A community's circle at threshold T starts from its buildings (each already its snap offset
// away) and keeps every edge both of whose ends are reached with room to spare, and, for edges
// reached only partly, the piece from each reached end (distance d) up to T−d along the edge,
// merged when the two pieces meet. Profile.Thresholds scales GB 50180's distances by a profile's
// speed (winter 0.8 m/s: 240/400/800 m for the 5/10/15-minute circles). A circle's polygon
// (Circle.Polygon) holds what is reached: the band of CircleBand metres around its pieces, the
// footprints of the buildings within the threshold (the community's own always), less the
// interior of every walled community the search does not enter within the threshold (entering
// through a gate counts). It is traced from a signed distance grid by marching squares (Band),
// so no geometry library is involved. docs/access.md draws it.
//
// # Isolation
//
// The main public network is the connected component of the graph with the most length of
// public roads. Isolation lists the communities whose buildings stand on internal paths outside
// it (unreachable) and those without any internal path (no_paths).
//
// # What-if
//
// Proposed facilities snap like existing ones (never onto proposed passages). A proposal is
// evaluated without copying the graph: passages live in a small overlay (extra nodes that split
// the edges they meet, and extra arcs), and each kind's search starts from the stored node
// distances and walks only where the proposal makes them shorter; only buildings on edges it
// reached are looked at again.
//
// # Versions
//
// An Engine is immutable once built and safe for concurrent use. It records the data version of
// its Input (Input.Version), so a caller rebuilds when the data versions move on.
package access
