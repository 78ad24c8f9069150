package osm

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"

	"renewmap/internal/planning"
)

// Provisional communities (待核实) from clusters of buildings, for data with buildings but no
// landuse=residential outline around them (docs/osm-mapping.md, docs/editing.md).
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

// barrierHighways separate clusters: two buildings on either side of one are not linked directly.
var barrierHighways = map[string]bool{
	"motorway": true, "trunk": true, "primary": true, "secondary": true, "tertiary": true,
	"motorway_link": true, "trunk_link": true, "primary_link": true, "secondary_link": true, "tertiary_link": true,
	"residential": true, "unclassified": true,
}

// nonResidentialSite tells whether an area is a site whose buildings are not homes (a campus, a
// hospital, an industrial or commercial area): its buildings are never clustered.
func nonResidentialSite(tags osm.Tags) bool {
	switch tags.Find("amenity") {
	case "university", "college", "school", "kindergarten", "hospital", "clinic", "prison", "place_of_worship":
		return true
	}
	switch tags.Find("landuse") {
	case "industrial", "commercial", "retail", "military", "education", "railway", "religious", "cemetery", "construction":
		return true
	}
	return false
}

// clusterable are the building types a provisional community may gather: homes, and building=yes
// (the usual tagging of Chinese compounds) outside a non-residential site.
func clusterable(typ string) bool { return typ == "yes" || residentialBuildings[typ] }

// loose is a building outside every community, waiting for a cluster.
type loose struct {
	a    area
	box  orb.Bound // in metres
	site bool      // inside a non-residential site or of a non-residential type
}

// Provisional describes a provisional community made from a cluster of buildings.
type Provisional struct {
	Code      string
	Name      string
	Buildings int
	Streets   []string // named roads around it
	Names     []string // names of the buildings and facilities inside it
	ListRow   int      // the matched row of Options.List, 0 when none
}

// provisional gathers the loose buildings into clusters of at least ClusterMin, adds each as a
// provisional community with its buildings, and matches them to Options.List.
func (c *converter) provisional(buildings []loose) {
	barriers := c.barrierSegments()
	var keep []int
	for i, b := range buildings {
		if !b.site {
			keep = append(keep, i)
		}
	}
	// Single linkage over a grid of ClusterLink cells: the neighbours of a box are in its cells
	// and the eight around them.
	parent := make([]int, len(buildings))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	cells := map[[2]int][]int{}
	cell := func(v float64) int { return int(math.Floor(v / ClusterLink)) }
	for _, i := range keep {
		b := buildings[i].box
		for x := cell(b.Min[0]); x <= cell(b.Max[0]); x++ {
			for y := cell(b.Min[1]); y <= cell(b.Max[1]); y++ {
				cells[[2]int{x, y}] = append(cells[[2]int{x, y}], i)
			}
		}
	}
	for _, i := range keep {
		b := buildings[i].box
		for x := cell(b.Min[0]) - 1; x <= cell(b.Max[0])+1; x++ {
			for y := cell(b.Min[1]) - 1; y <= cell(b.Max[1])+1; y++ {
				for _, j := range cells[[2]int{x, y}] {
					if j <= i || find(i) == find(j) || boxGap(b, buildings[j].box) > ClusterLink {
						continue
					}
					if barriers.cross(b.Center(), buildings[j].box.Center()) {
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
	var clusters [][]int
	left := len(buildings) - len(keep)
	for _, g := range groups {
		if len(g) < ClusterMin {
			left += len(g)
			continue
		}
		clusters = append(clusters, g)
	}
	// Outlines must not overlap: two that do halve their margins (clusters facing each other
	// across a street) down to a metre, then lose them; if they still do, they are one community.
	margins := make([]float64, len(clusters))
	hulls := make([]orb.Ring, len(clusters))
	for i, g := range clusters {
		margins[i] = ClusterMargin
		hulls[i] = c.clusterHull(buildings, g, margins[i])
	}
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(clusters) && !changed; i++ {
			for j := i + 1; j < len(clusters) && !changed; j++ {
				if !ringsOverlap(hulls[i], hulls[j]) {
					continue
				}
				changed = true
				if margins[i] > 0 || margins[j] > 0 {
					for _, k := range []int{i, j} {
						if margins[k] /= 2; margins[k] < 1 {
							margins[k] = 0
						}
						hulls[k] = c.clusterHull(buildings, clusters[k], margins[k])
					}
					continue
				}
				clusters[i] = append(clusters[i], clusters[j]...)
				hulls[i] = c.clusterHull(buildings, clusters[i], 0)
				clusters, hulls, margins = slices.Delete(clusters, j, j+1), slices.Delete(hulls, j, j+1), slices.Delete(margins, j, j+1)
			}
		}
	}
	// In a stable order: by the first OSM reference of each cluster's buildings.
	order := make([]int, len(clusters))
	for k, g := range clusters {
		order[k] = k
		sort.Slice(g, func(a, b int) bool { return buildings[g[a]].a.ref < buildings[g[b]].a.ref })
	}
	sort.Slice(order, func(a, b int) bool {
		return buildings[clusters[order[a]][0]].a.ref < buildings[clusters[order[b]][0]].a.ref
	})
	sortedC, sortedH := make([][]int, len(order)), make([]orb.Ring, len(order))
	for k, o := range order {
		sortedC[k], sortedH[k] = clusters[o], hulls[o]
	}
	clusters, hulls = sortedC, sortedH

	clues := make([]planning.OutlineClues, len(clusters))
	provs := make([]Provisional, len(clusters))
	for k, g := range clusters {
		hull := hulls[k]
		p := Provisional{Code: c.prefix + "pv-" + buildings[g[0]].a.ref, Buildings: len(g)}
		names := map[string]bool{}
		streets := map[string]bool{}
		for _, i := range g {
			t := buildings[i].a.tags
			if n := strings.TrimSpace(t.Find("name")); n != "" {
				names[n] = true
			}
			if s := strings.TrimSpace(t.Find("addr:street")); s != "" {
				streets[s] = true
			}
		}
		for _, n := range c.namedInside(hull) {
			names[n] = true
		}
		for _, s := range c.streetsAround(hull) {
			streets[s] = true
		}
		p.Names, p.Streets = sortedKeys(names), sortedKeys(streets)
		clues[k] = planning.OutlineClues{Streets: p.Streets, Names: p.Names}
		provs[k] = p
	}
	matched := planning.MatchOutlines(clues, c.opt.List)
	rows := make([]*planning.ListedCommunity, len(clusters))
	for r, k := range matched {
		if k >= 0 {
			rows[k] = &c.opt.List[r]
			provs[k].ListRow = c.opt.List[r].Row
		} else {
			c.unmatched = append(c.unmatched, c.opt.List[r])
		}
	}
	for k, g := range clusters {
		p := &provs[k]
		years := []int{}
		for _, i := range g {
			if y, ok := parseYear(buildings[i].a.tags.Find("start_date")); ok {
				years = append(years, y)
			}
		}
		props := map[string]any{"code": p.Code, "subdistrict": c.prefix + "subdistrict"}
		year := 0
		if len(years) > 0 {
			sort.Ints(years)
			year = years[(len(years)-1)/2]
		}
		if row := rows[k]; row != nil {
			p.Name = row.Name
			if row.Address != "" {
				props["address"] = row.Address
			}
			if row.Year != 0 {
				year = row.Year
			}
		} else {
			p.Name = ProvisionalName
			if len(p.Streets) > 0 {
				p.Name += "（" + strings.Join(p.Streets[:min(3, len(p.Streets))], "、") + "）"
			}
			p.Name += " " + buildings[g[0]].a.ref
		}
		props["name"] = p.Name
		if year > 0 {
			props["completed_year"] = year
		}
		mp := orb.MultiPolygon{{c.unproject(hulls[k])}}
		c.add("communities", mp, props)
		for _, i := range g {
			c.building(buildings[i].a, p.Code, year)
		}
	}
	c.provisionals = provs
	if len(clusters) > 0 {
		n := 0
		for _, p := range provs {
			n += p.Buildings
		}
		c.note("%d provisional communities (待核实, codes %spv-…) gather %d buildings outside every landuse=residential area (clusters of at least %d within %.0f m, not across a street); a planner confirms or redraws them on the map", len(clusters), c.prefix, n, ClusterMin, ClusterLink)
	}
	if len(c.opt.List) > 0 {
		c.note("community list: %d of %d rows matched a provisional community", len(c.opt.List)-len(c.unmatched), len(c.opt.List))
	}
	if left > 0 {
		c.note("%d buildings outside every landuse=residential area are not imported: non-residential (a campus, a hospital, a school, an industrial or commercial site, or not a home) or in groups of fewer than %d", left, ClusterMin)
	}
}

// boxGap is the distance between two boxes (0 when they overlap).
func boxGap(a, b orb.Bound) float64 {
	dx := math.Max(0, math.Max(a.Min[0]-b.Max[0], b.Min[0]-a.Max[0]))
	dy := math.Max(0, math.Max(a.Min[1]-b.Max[1], b.Min[1]-a.Max[1]))
	return math.Hypot(dx, dy)
}

// clusterHull is the convex hull, in metres, of a cluster's buildings widened by margin (each
// vertex stands for the octagon around it), counter-clockwise and closed.
func (c *converter) clusterHull(buildings []loose, g []int, margin float64) orb.Ring {
	var pts []orb.Point
	for _, i := range g {
		for _, poly := range buildings[i].a.mp {
			for _, p := range poly[0] {
				q := c.m.fwd(p)
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
	return ringsIntersect(r, s) || planar.RingContains(r, s[0]) || planar.RingContains(s, r[0])
}

// unproject takes a ring in metres back to longitude and latitude.
func (c *converter) unproject(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = orb.Point{p[0] / c.m.kx, p[1] / c.m.ky}
	}
	return out
}

// segments is a set of line segments in metres, in a grid of 100 m cells.
type segments struct {
	cells map[[2]int][][2]orb.Point
	names map[[2]int][]string
}

const segmentCell = 100.0

func (s *segments) add(a, b orb.Point, name string) {
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
func (s *segments) near(box orb.Bound, fn func(seg [2]orb.Point, name string)) {
	for x := int(math.Floor(box.Min[0] / segmentCell)); x <= int(math.Floor(box.Max[0]/segmentCell)); x++ {
		for y := int(math.Floor(box.Min[1] / segmentCell)); y <= int(math.Floor(box.Max[1]/segmentCell)); y++ {
			k := [2]int{x, y}
			for i, seg := range s.cells[k] {
				fn(seg, s.names[k][i])
			}
		}
	}
}

// cross reports whether segment a–b crosses any of the set.
func (s *segments) cross(a, b orb.Point) bool {
	found := false
	s.near(orb.Bound{Min: a, Max: a}.Extend(b), func(seg [2]orb.Point, _ string) {
		if !found && segmentsMeet(a, b, seg[0], seg[1]) {
			found = true
		}
	})
	return found
}

// roadSegments collects, in metres, the segments of the highways keep accepts, with their names.
func (c *converter) roadSegments(keep func(osm.Tags) bool) *segments {
	s := &segments{cells: map[[2]int][][2]orb.Point{}, names: map[[2]int][]string{}}
	for _, w := range c.o.Ways {
		if _, ok := roadClass(w.Tags, false); !ok || !keep(w.Tags) {
			continue
		}
		ls, _ := c.wayLine(w)
		name := strings.TrimSpace(w.Tags.Find("name"))
		for i := 1; i < len(ls); i++ {
			s.add(c.m.fwd(ls[i-1]), c.m.fwd(ls[i]), name)
		}
	}
	return s
}

func (c *converter) barrierSegments() *segments {
	return c.roadSegments(func(t osm.Tags) bool { return barrierHighways[t.Find("highway")] })
}

// streetsAround names the roads passing within ClusterStreetDistance of a hull (in metres).
func (c *converter) streetsAround(hull orb.Ring) []string {
	if c.named == nil {
		c.named = c.roadSegments(func(t osm.Tags) bool { return strings.TrimSpace(t.Find("name")) != "" })
	}
	box := hull.Bound().Pad(ClusterStreetDistance)
	found := map[string]bool{}
	c.named.near(box, func(seg [2]orb.Point, name string) {
		if found[name] {
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
	return sortedKeys(found)
}

// namedInside names the named nodes (shops, a 物业, a gate) lying inside a hull (in metres).
func (c *converter) namedInside(hull orb.Ring) []string {
	box := hull.Bound()
	var out []string
	for _, n := range c.o.Nodes {
		name := strings.TrimSpace(n.Tags.Find("name"))
		p, ok := c.nodes[n.ID]
		if name == "" || !ok {
			continue
		}
		q := c.m.fwd(p)
		if box.Contains(q) && planar.RingContains(hull, q) {
			out = append(out, name)
		}
	}
	return out
}

// segmentDistance is the distance between segments a–b and c–d.
func segmentDistance(a, b, c, d orb.Point) float64 {
	if segmentsMeet(a, b, c, d) {
		return 0
	}
	return math.Min(math.Min(planar.DistanceFromSegment(a, b, c), planar.DistanceFromSegment(a, b, d)),
		math.Min(planar.DistanceFromSegment(c, d, a), planar.DistanceFromSegment(c, d, b)))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
