package osm

import (
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"

	"renewmap/internal/planning"
)

// Provisional communities (待核实) from clusters of buildings outside every landuse=residential
// area (planning.ClusterBuildings; docs/osm-mapping.md, docs/editing.md).

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
	site bool // inside a non-residential site or of a non-residential type
}

// Provisional describes a provisional community made from a cluster of buildings.
type Provisional = planning.Provisional

// provisional gathers the loose buildings into clusters of at least ClusterMin, adds each as a
// provisional community with its buildings, and matches them to Options.List.
func (c *converter) provisional(buildings []loose) {
	shells := make([]planning.LooseBuilding, len(buildings))
	for i, b := range buildings {
		lb := planning.LooseBuilding{Key: b.a.ref, Site: b.site}
		for _, poly := range b.a.mp {
			for _, p := range poly[0] {
				lb.Shell = append(lb.Shell, c.m.Fwd(p))
			}
		}
		shells[i] = lb
	}
	found, left := planning.ClusterBuildings(shells, c.barrierSegments())
	clusters, hulls := make([][]int, len(found)), make([]orb.Ring, len(found))
	for k, f := range found {
		clusters[k], hulls[k] = f.Members, f.Hull
	}

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
		p.Names, p.Streets = planning.SortedKeys(names), planning.SortedKeys(streets)
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
			p.Name = planning.ProvisionalName
			if len(p.Streets) > 0 {
				p.Name += "（" + strings.Join(p.Streets[:min(3, len(p.Streets))], "、") + "）"
			}
			p.Name += " " + buildings[g[0]].a.ref
		}
		props["name"] = p.Name
		if year > 0 {
			props["completed_year"] = year
		}
		mp := orb.MultiPolygon{{c.m.Inv(hulls[k])}}
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
		c.note("%d provisional communities (待核实, codes %spv-…) gather %d buildings outside every landuse=residential area (clusters of at least %d within %.0f m, not across a street); a planner confirms or redraws them on the map", len(clusters), c.prefix, n, planning.ClusterMin, planning.ClusterLink)
	}
	if len(c.opt.List) > 0 {
		c.note("community list: %d of %d rows matched a provisional community", len(c.opt.List)-len(c.unmatched), len(c.opt.List))
	}
	if left > 0 {
		c.note("%d buildings outside every landuse=residential area are not imported: non-residential (a campus, a hospital, a school, an industrial or commercial site, or not a home) or in groups of fewer than %d", left, planning.ClusterMin)
	}
}

// roadSegments collects, in metres, the segments of the highways keep accepts, with their names.
func (c *converter) roadSegments(keep func(osm.Tags) bool) *planning.Segments {
	s := planning.NewSegments()
	for _, w := range c.o.Ways {
		if _, ok := roadClass(w.Tags, false); !ok || !keep(w.Tags) {
			continue
		}
		ls, _ := c.wayLine(w)
		name := strings.TrimSpace(w.Tags.Find("name"))
		pts := make([]orb.Point, len(ls))
		for i, p := range ls {
			pts[i] = c.m.Fwd(p)
		}
		s.AddLine(pts, name)
	}
	return s
}

func (c *converter) barrierSegments() *planning.Segments {
	return c.roadSegments(func(t osm.Tags) bool { return barrierHighways[t.Find("highway")] })
}

// streetsAround names the roads passing within planning.ClusterStreetDistance of a hull (in metres).
func (c *converter) streetsAround(hull orb.Ring) []string {
	if c.named == nil {
		c.named = c.roadSegments(func(t osm.Tags) bool { return strings.TrimSpace(t.Find("name")) != "" })
	}
	return c.named.StreetsAround(hull)
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
		q := c.m.Fwd(p)
		if box.Contains(q) && planar.RingContains(hull, q) {
			out = append(out, name)
		}
	}
	return out
}
