package osm

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"renewmap/internal/planning"
)

// simplePolygons reports whether mp is valid in the OGC sense as far as an importer can cheaply
// tell: every ring closed with at least 4 distinct-enough positions, no ring touching or crossing
// itself or another ring, holes inside their shell, shells not inside one another. PostGIS checks
// again on import; this keeps one bad OSM polygon from failing the whole import (it is skipped
// with a note instead).
func simplePolygons(mp orb.MultiPolygon) bool {
	var rings []orb.Ring
	for _, p := range mp {
		if len(p) == 0 {
			return false
		}
		for _, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] || distinct(r) < 3 || planar.Area(r) == 0 {
				return false
			}
			rings = append(rings, r)
		}
		for _, h := range p[1:] {
			if !planar.RingContains(p[0], h[0]) {
				return false
			}
		}
	}
	for i, r := range rings {
		if selfIntersects(r) {
			return false
		}
		for _, s := range rings[i+1:] {
			if planning.RingsIntersect(r, s) {
				return false
			}
		}
	}
	for i := range mp {
		for j := range mp {
			if i != j && planar.PolygonContains(mp[j], mp[i][0][0]) {
				return false
			}
		}
	}
	return true
}

// distinct counts the distinct positions of a ring, ignoring its closing one.
func distinct(r orb.Ring) int {
	seen := map[orb.Point]bool{}
	for _, p := range r[:len(r)-1] {
		seen[p] = true
	}
	return len(seen)
}

// selfIntersects reports whether a closed ring touches or crosses itself anywhere but at the
// shared ends of consecutive segments (a zero-length segment counts as touching).
func selfIntersects(r orb.Ring) bool {
	n := len(r) - 1 // segments
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		if a == b {
			return true
		}
		for j := i + 1; j < n; j++ {
			c, d := r[j], r[j+1]
			if j == i+1 || i == 0 && j == n-1 {
				// consecutive segments share an end; they must not fold back over each other
				shared, p, q := b, a, d
				if j != i+1 {
					shared, p, q = a, b, c
				}
				if planning.Orient(shared, p, q) == 0 && (planning.OnSegment(shared, p, q) || planning.OnSegment(shared, q, p)) {
					return true
				}
				continue
			}
			if planning.SegmentsMeet(a, b, c, d) {
				return true
			}
		}
	}
	return false
}

// pointOnSurface returns a point inside mp: the centroid when it lies inside, else the middle of
// the widest inside stretch of the horizontal line through the centroid (or through the largest
// polygon's first vertex, for shapes the centroid line misses).
func pointOnSurface(mp orb.MultiPolygon) orb.Point {
	c, _ := planar.CentroidArea(mp)
	if planar.MultiPolygonContains(mp, c) {
		return c
	}
	best, bestW := orb.Point{}, -1.0
	for _, y := range []float64{c[1], mp[0][0].Bound().Center()[1]} {
		for _, p := range mp {
			var xs []float64
			for _, r := range p {
				for i := 0; i+1 < len(r); i++ {
					a, b := r[i], r[i+1]
					if (a[1] > y) != (b[1] > y) {
						xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
					}
				}
			}
			sort.Float64s(xs)
			for i := 0; i+1 < len(xs); i += 2 {
				if w := xs[i+1] - xs[i]; w > bestW {
					best, bestW = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
				}
			}
		}
		if bestW > 0 {
			return best
		}
	}
	return mp[0][0][0]
}

// metric projects lon/lat to metres about a latitude (equirectangular; fine over a city).
type metric struct{ planning.Metric }

func metricAt(lat float64) metric { return metric{planning.MetricAt(lat)} }

// distanceToBoundary is the distance in metres from p to the nearest ring of mp.
func (m metric) distanceToBoundary(mp orb.MultiPolygon, p orb.Point) float64 {
	q := m.Fwd(p)
	best := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				best = math.Min(best, planar.DistanceFromSegment(m.Fwd(r[i]), m.Fwd(r[i+1]), q))
			}
		}
	}
	return best
}

// lengthOf is a line's length in metres.
func (m metric) lengthOf(ls orb.LineString) float64 {
	var d float64
	for i := 1; i < len(ls); i++ {
		d += planar.Distance(m.Fwd(ls[i-1]), m.Fwd(ls[i]))
	}
	return d
}

// midpoint is the point halfway along a line, by length.
func (m metric) midpoint(ls orb.LineString) orb.Point {
	half := m.lengthOf(ls) / 2
	for i := 1; i < len(ls); i++ {
		s := planar.Distance(m.Fwd(ls[i-1]), m.Fwd(ls[i]))
		if half <= s && s > 0 {
			f := half / s
			return orb.Point{ls[i-1][0] + f*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + f*(ls[i][1]-ls[i-1][1])}
		}
		half -= s
	}
	return ls[len(ls)-1]
}

// grid finds the communities near a point: each registers in the cells its bound, padded by a
// gate's distance, overlaps.
type grid struct {
	cells map[[2]int][]int
}

const (
	gridCell = 0.005  // degrees, about 500 m
	gridPad  = 0.0005 // degrees, more than GateDistance at any latitude below 60°
)

func cellOf(p orb.Point) [2]int {
	return [2]int{int(math.Floor(p[0] / gridCell)), int(math.Floor(p[1] / gridCell))}
}

func newGrid(comms []community) grid {
	g := grid{cells: map[[2]int][]int{}}
	for i, c := range comms {
		b := c.mp.Bound().Pad(gridPad)
		lo, hi := cellOf(b.Min), cellOf(b.Max)
		// A community larger than a city (bad data) registers once per cell still; cap the work.
		if (hi[0]-lo[0]+1)*(hi[1]-lo[1]+1) > 1_000_000 {
			continue
		}
		for x := lo[0]; x <= hi[0]; x++ {
			for y := lo[1]; y <= hi[1]; y++ {
				g.cells[[2]int{x, y}] = append(g.cells[[2]int{x, y}], i)
			}
		}
	}
	return g
}

// near returns the communities registered in p's cell.
func (g grid) near(p orb.Point) []int { return g.cells[cellOf(p)] }

// crossing is where a line crosses a community's boundary: after vertex seg, at fraction t of
// that segment.
type crossing struct {
	seg  int
	t    float64
	p    orb.Point
	comm int
}

// crossings finds where ls crosses the boundaries of the communities near it, in order along ls.
// Touching a boundary at the line's own ends does not count.
func (c *converter) crossings(ls orb.LineString) []crossing {
	var out []crossing
	for i := 0; i+1 < len(ls); i++ {
		a, b := ls[i], ls[i+1]
		cand := map[int]bool{}
		for _, ci := range c.grid.near(a) {
			cand[ci] = true
		}
		for _, ci := range c.grid.near(b) {
			cand[ci] = true
		}
		sb := orb.Bound{Min: a, Max: a}.Extend(b)
		for ci := range cand {
			if !c.comms[ci].mp.Bound().Intersects(sb) {
				continue
			}
			for _, poly := range c.comms[ci].mp {
				for _, r := range poly {
					for j := 0; j+1 < len(r); j++ {
						t, ok := segmentCross(a, b, r[j], r[j+1])
						if !ok || i == 0 && t <= 0 || i == len(ls)-2 && t >= 1 {
							continue
						}
						p := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
						out = append(out, crossing{seg: i, t: t, p: p, comm: ci})
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].seg != out[j].seg {
			return out[i].seg < out[j].seg
		}
		if out[i].t != out[j].t {
			return out[i].t < out[j].t
		}
		return out[i].comm < out[j].comm
	})
	// A line through a boundary vertex meets two boundary segments at one point.
	dedup := out[:0]
	for _, x := range out {
		if n := len(dedup); n > 0 && dedup[n-1].comm == x.comm && dedup[n-1].p == x.p {
			continue
		}
		dedup = append(dedup, x)
	}
	return dedup
}

// segmentCross returns the fraction along a–b where it meets c–d, when the two cross at a single
// point (collinear overlaps are ignored: a road along a wall does not pass it).
func segmentCross(a, b, c, d orb.Point) (float64, bool) {
	rx, ry := b[0]-a[0], b[1]-a[1]
	sx, sy := d[0]-c[0], d[1]-c[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return 0, false
	}
	qx, qy := c[0]-a[0], c[1]-a[1]
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}

// splitAt cuts ls at the crossings (in order along it), returning the pieces; a crossing at a
// vertex cuts there.
func splitAt(ls orb.LineString, xs []crossing) []orb.LineString {
	var out []orb.LineString
	cur := orb.LineString{ls[0]}
	k := 0
	for i := 0; i+1 < len(ls); i++ {
		for ; k < len(xs) && xs[k].seg == i; k++ {
			cur = append(cur, xs[k].p)
			out = append(out, cur)
			cur = orb.LineString{xs[k].p}
		}
		cur = append(cur, ls[i+1])
	}
	return append(out, cur)
}
