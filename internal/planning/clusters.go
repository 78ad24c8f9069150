package planning

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Provisional communities (待核实) from clusters of buildings, for data with buildings but no
// community outlines around them: an OSM import's -provisional and a file import's -provisional
// (docs/osm-mapping.md, docs/import.md, docs/editing.md). Everything here is in metres of a local
// projection (Metric).
const (
	// ClusterLink is how close, in metres, the boxes of two buildings must be for them to belong
	// to one cluster (single linkage): the spacing of slab blocks in a compound, less than the
	// width of a street with its kerbs.
	ClusterLink = 20.0
	// ClusterMin is the fewest buildings a provisional community gathers; smaller groups stay out.
	ClusterMin = 3
	// ClusterMargin is how far, in metres, a provisional outline runs outside its buildings.
	ClusterMargin = 8.0
	// ClusterStreetDistance is how near, in metres, a named road must pass a provisional outline
	// to count as a street around it (for matching a community list by address).
	ClusterStreetDistance = 30.0
)

// ProvisionalName names a provisional community no list row matched; the streets around it follow.
const ProvisionalName = "待核实小区"

// Metric projects longitude and latitude to metres near one latitude (equirectangular).
type Metric struct{ Kx, Ky float64 }

// MetricAt is the Metric at latitude lat.
func MetricAt(lat float64) Metric {
	ky := 6371008.8 * math.Pi / 180
	return Metric{Kx: ky * math.Cos(lat*math.Pi/180), Ky: ky}
}

// Fwd takes a longitude, latitude to metres.
func (m Metric) Fwd(p orb.Point) orb.Point { return orb.Point{p[0] * m.Kx, p[1] * m.Ky} }

// Inv takes a ring in metres back to longitude and latitude.
func (m Metric) Inv(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = orb.Point{p[0] / m.Kx, p[1] / m.Ky}
	}
	return out
}

// LooseBuilding is a building outside every community, waiting for a cluster.
type LooseBuilding struct {
	Key   string      // orders buildings and clusters stably (an OSM reference, a feature code)
	Shell []orb.Point // the vertices of its outer rings, in metres
	Site  bool        // never clustered: inside a non-residential site or not a home
}

func (b LooseBuilding) box() orb.Bound { return orb.MultiPoint(b.Shell).Bound() }

// BuildingCluster is a group of loose buildings (indexes, ordered by Key) and the outline around them
// (counter-clockwise, closed, in metres).
type BuildingCluster struct {
	Members []int
	Hull    orb.Ring
}

// ClusterBuildings gathers buildings into clusters of at least ClusterMin, linking two whose
// boxes are within ClusterLink unless the line between their centres crosses a barrier (a
// street). Outlines do not overlap: two that would first lose their margins, then merge. The
// clusters are ordered by their first building's Key; left counts the buildings in none.
func ClusterBuildings(buildings []LooseBuilding, barriers *Segments) (clusters []BuildingCluster, left int) {
	boxes := make([]orb.Bound, len(buildings))
	var keep []int
	for i, b := range buildings {
		boxes[i] = b.box()
		if !b.Site {
			keep = append(keep, i)
		}
	}
	// Single linkage over a grid of ClusterLink cells: the neighbours of a box are in its cells
	// and the eight around them.
	parent := make([]int, len(buildings))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	cells := map[[2]int][]int{}
	cell := func(v float64) int { return int(math.Floor(v / ClusterLink)) }
	for _, i := range keep {
		b := boxes[i]
		for x := cell(b.Min[0]); x <= cell(b.Max[0]); x++ {
			for y := cell(b.Min[1]); y <= cell(b.Max[1]); y++ {
				cells[[2]int{x, y}] = append(cells[[2]int{x, y}], i)
			}
		}
	}
	for _, i := range keep {
		b := boxes[i]
		for x := cell(b.Min[0]) - 1; x <= cell(b.Max[0])+1; x++ {
			for y := cell(b.Min[1]) - 1; y <= cell(b.Max[1])+1; y++ {
				for _, j := range cells[[2]int{x, y}] {
					if j <= i || find(i) == find(j) || boxGap(b, boxes[j]) > ClusterLink {
						continue
					}
					if barriers != nil && barriers.Cross(b.Center(), boxes[j].Center()) {
						continue
					}
					parent[find(j)] = find(i)
				}
			}
		}
	}
	groups := map[int][]int{}
	for _, i := range keep {
		groups[find(i)] = append(groups[find(i)], i)
	}
	var members [][]int
	left = len(buildings) - len(keep)
	for _, g := range groups {
		if len(g) < ClusterMin {
			left += len(g)
			continue
		}
		members = append(members, g)
	}
	// Outlines must not overlap: two that do halve their margins (clusters facing each other
	// across a street) down to a metre, then lose them; if they still do, they are one community.
	margins := make([]float64, len(members))
	hulls := make([]orb.Ring, len(members))
	bounds := make([]orb.Bound, len(members)) // of the hulls: most pairs are told apart by them
	hull := func(k int) {
		hulls[k] = clusterHull(buildings, members[k], margins[k])
		bounds[k] = hulls[k].Bound()
	}
	for i := range members {
		margins[i] = ClusterMargin
		hull(i)
	}
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(members) && !changed; i++ {
			for j := i + 1; j < len(members) && !changed; j++ {
				if !bounds[i].Intersects(bounds[j]) || !ringsOverlap(hulls[i], hulls[j]) {
					continue
				}
				changed = true
				if margins[i] > 0 || margins[j] > 0 {
					for _, k := range []int{i, j} {
						if margins[k] /= 2; margins[k] < 1 {
							margins[k] = 0
						}
						hull(k)
					}
					continue
				}
				members[i] = append(members[i], members[j]...)
				members, hulls, margins, bounds = slices.Delete(members, j, j+1), slices.Delete(hulls, j, j+1), slices.Delete(margins, j, j+1), slices.Delete(bounds, j, j+1)
				hull(i)
			}
		}
	}
	clusters = make([]BuildingCluster, len(members))
	for k, g := range members {
		sort.Slice(g, func(a, b int) bool { return buildings[g[a]].Key < buildings[g[b]].Key })
		clusters[k] = BuildingCluster{Members: g, Hull: hulls[k]}
	}
	sort.Slice(clusters, func(a, b int) bool {
		return buildings[clusters[a].Members[0]].Key < buildings[clusters[b].Members[0]].Key
	})
	return clusters, left
}

// boxGap is the distance between two boxes (0 when they overlap).
func boxGap(a, b orb.Bound) float64 {
	dx := math.Max(0, math.Max(a.Min[0]-b.Max[0], b.Min[0]-a.Max[0]))
	dy := math.Max(0, math.Max(a.Min[1]-b.Max[1], b.Min[1]-a.Max[1]))
	return math.Hypot(dx, dy)
}

// clusterHull is the convex hull of a cluster's buildings widened by margin (each vertex stands
// for the octagon around it), counter-clockwise and closed.
func clusterHull(buildings []LooseBuilding, g []int, margin float64) orb.Ring {
	var pts []orb.Point
	for _, i := range g {
		for _, q := range buildings[i].Shell {
			if margin == 0 {
				pts = append(pts, q)
				continue
			}
			for k := 0; k < 8; k++ {
				a := float64(k) * math.Pi / 4
				// The octagon's vertices lie a little outside the circle, so its sides do not
				// come nearer than the margin.
				r := margin / math.Cos(math.Pi/8)
				pts = append(pts, orb.Point{q[0] + r*math.Cos(a+math.Pi/8), q[1] + r*math.Sin(a+math.Pi/8)})
			}
		}
	}
	return convexHull(pts)
}

// convexHull is Andrew's monotone chain: the hull counter-clockwise, closed.
func convexHull(pts []orb.Point) orb.Ring {
	sort.Slice(pts, func(i, j int) bool { return pts[i][0] < pts[j][0] || pts[i][0] == pts[j][0] && pts[i][1] < pts[j][1] })
	cross := func(o, a, b orb.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	var h []orb.Point
	for _, p := range pts {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	for i, t := len(pts)-2, len(h)+1; i >= 0; i-- {
		p := pts[i]
		for len(h) >= t && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	return orb.Ring(h) // the last point repeats the first
}

// ringsOverlap reports whether two rings' areas share any point.
func ringsOverlap(r, s orb.Ring) bool {
	return RingsIntersect(r, s) || planar.RingContains(r, s[0]) || planar.RingContains(s, r[0])
}

// Segments is a set of named line segments in metres, in a grid of 100 m cells: the streets
// that separate clusters, or the named roads around an outline.
type Segments struct {
	cells map[[2]int][][2]orb.Point
	names map[[2]int][]string
}

const segmentCell = 100.0

// NewSegments is an empty set.
func NewSegments() *Segments {
	return &Segments{cells: map[[2]int][][2]orb.Point{}, names: map[[2]int][]string{}}
}

// AddLine adds the segments of a line (in metres) under name.
func (s *Segments) AddLine(ls []orb.Point, name string) {
	for i := 1; i < len(ls); i++ {
		s.add(ls[i-1], ls[i], name)
	}
}

func (s *Segments) add(a, b orb.Point, name string) {
	box := orb.Bound{Min: a, Max: a}.Extend(b)
	for x := int(math.Floor(box.Min[0] / segmentCell)); x <= int(math.Floor(box.Max[0]/segmentCell)); x++ {
		for y := int(math.Floor(box.Min[1] / segmentCell)); y <= int(math.Floor(box.Max[1]/segmentCell)); y++ {
			k := [2]int{x, y}
			s.cells[k] = append(s.cells[k], [2]orb.Point{a, b})
			s.names[k] = append(s.names[k], name)
		}
	}
}

// near calls fn for each segment in the cells box touches (a segment may come more than once).
func (s *Segments) near(box orb.Bound, fn func(seg [2]orb.Point, name string)) {
	for x := int(math.Floor(box.Min[0] / segmentCell)); x <= int(math.Floor(box.Max[0]/segmentCell)); x++ {
		for y := int(math.Floor(box.Min[1] / segmentCell)); y <= int(math.Floor(box.Max[1]/segmentCell)); y++ {
			k := [2]int{x, y}
			for i, seg := range s.cells[k] {
				fn(seg, s.names[k][i])
			}
		}
	}
}

// Cross reports whether segment a–b crosses any of the set.
func (s *Segments) Cross(a, b orb.Point) bool {
	found := false
	s.near(orb.Bound{Min: a, Max: a}.Extend(b), func(seg [2]orb.Point, _ string) {
		if !found && SegmentsMeet(a, b, seg[0], seg[1]) {
			found = true
		}
	})
	return found
}

// StreetsAround names the segments passing within ClusterStreetDistance of a hull (in metres),
// sorted; unnamed segments are skipped.
func (s *Segments) StreetsAround(hull orb.Ring) []string {
	box := hull.Bound().Pad(ClusterStreetDistance)
	found := map[string]bool{}
	s.near(box, func(seg [2]orb.Point, name string) {
		if name == "" || found[name] {
			return
		}
		if planar.RingContains(hull, seg[0]) {
			found[name] = true
			return
		}
		for i := 0; i+1 < len(hull); i++ {
			if segmentDistance(seg[0], seg[1], hull[i], hull[i+1]) <= ClusterStreetDistance {
				found[name] = true
				return
			}
		}
	})
	return SortedKeys(found)
}

// segmentDistance is the distance between segments a–b and c–d.
func segmentDistance(a, b, c, d orb.Point) float64 {
	if SegmentsMeet(a, b, c, d) {
		return 0
	}
	return math.Min(math.Min(planar.DistanceFromSegment(a, b, c), planar.DistanceFromSegment(a, b, d)),
		math.Min(planar.DistanceFromSegment(c, d, a), planar.DistanceFromSegment(c, d, b)))
}

// SortedKeys are a set's members in order.
func SortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Orient is the sign of the turn a→b→c: 1 left, -1 right, 0 collinear.
func Orient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// OnSegment reports whether c, collinear with a–b, lies within the segment's box.
func OnSegment(a, b, c orb.Point) bool {
	return math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
}

// SegmentsMeet reports whether segments a–b and c–d share any point.
func SegmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := Orient(a, b, c), Orient(a, b, d), Orient(c, d, a), Orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return o1 == 0 && OnSegment(a, b, c) || o2 == 0 && OnSegment(a, b, d) ||
		o3 == 0 && OnSegment(c, d, a) || o4 == 0 && OnSegment(c, d, b)
}

// RingsIntersect reports whether two rings share any point.
func RingsIntersect(r, s orb.Ring) bool {
	rb, sb := r.Bound(), s.Bound()
	if !rb.Intersects(sb) {
		return false
	}
	for i := 0; i+1 < len(r); i++ {
		for j := 0; j+1 < len(s); j++ {
			if SegmentsMeet(r[i], r[i+1], s[j], s[j+1]) {
				return true
			}
		}
	}
	return false
}

// Provisional describes a provisional community made from a cluster of buildings.
type Provisional struct {
	Code      string
	Name      string
	Buildings int
	Streets   []string // named roads around it
	Names     []string // names of the buildings and facilities inside it
	ListRow   int      // the matched row of the community list, 0 when none
}

// String shows a provisional community in the command's report.
func (p Provisional) String() string {
	s := fmt.Sprintf("%s %s: %d 栋", p.Code, p.Name, p.Buildings)
	if len(p.Streets) > 0 {
		s += "，四周 " + strings.Join(p.Streets, "、")
	}
	if p.ListRow > 0 {
		s += fmt.Sprintf("，名单第 %d 行", p.ListRow)
	}
	return s
}
