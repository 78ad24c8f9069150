package osm

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmgeojson"

	"renewmap/internal/ingest"
	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// DefaultCodePrefix starts the code of every imported feature.
const DefaultCodePrefix = "OSM-"

// DefaultAreaName names the synthesized district when Options.Name is empty (the file's name
// follows it).
const DefaultAreaName = "OSM导入区域"

// GateDistance is how far, in metres, a gate or entrance may lie from a community's boundary to
// be taken as one of its gates. Entrances further inside are building doors.
const GateDistance = 30.0

// StopMerge is how close, in metres, two bus stops of the same name must be to be one stop.
const StopMerge = 30.0

// InferredGateName names the gates inferred where a path crosses a community's boundary.
const InferredGateName = "道路出入口（推定）"

// Options tune Convert.
type Options struct {
	// CodePrefix starts every code; DefaultCodePrefix when empty. Import two different areas
	// with different prefixes: the district and subdistrict codes are the prefix's.
	CodePrefix string
	// Name names the district and subdistrict; "OSM导入区域 FILE" when empty.
	Name string
	// File is the file's name, shown in messages and in the default name.
	File string
	// Provisional gathers the buildings outside every landuse=residential area into provisional
	// (待核实) communities, clusters of at least ClusterMin buildings (clusters.go); without it
	// they are left out.
	Provisional bool
	// List is the office's list of communities, matched to the provisional communities by name
	// and address (planning.MatchOutlines): a matched row names its community.
	List []planning.ListedCommunity
}

// Report says what Convert made of the OSM data.
type Report struct {
	Counts map[string]int // features per layer
	Notes  []string       // what was skipped, estimated or assumed, one line each
	// Provisional lists the provisional communities made (Options.Provisional); the importer
	// marks them 待核实 (postgis.ImportOptions.Provisional).
	Provisional []Provisional
	// Unmatched lists the rows of Options.List that matched no provisional community.
	Unmatched []planning.ListedCommunity
}

// ProvisionalCodes are the codes of the report's provisional communities.
func (r Report) ProvisionalCodes() []string {
	out := make([]string, len(r.Provisional))
	for i, p := range r.Provisional {
		out[i] = p.Code
	}
	return out
}

// layersOut are the layers an OSM import always holds (even empty, so that --replace mirrors the
// file), in dependency order.
var layersOut = []string{"districts", "subdistricts", "communities", "buildings", "roads", "gates", "facilities", "parking"}

// Read decodes OSM XML. It returns renew.ErrInvalid when the input is not OSM XML or holds no
// nodes.
func Read(r io.Reader, name string) (*osm.OSM, error) {
	if name == "" {
		name = "input"
	}
	var o osm.OSM
	seen := &contentSeen{r: r}
	dec := xml.NewDecoder(seen)
	if err := dec.Decode(&o); err != nil {
		var se *xml.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, renew.Invalid("%s: line %d: not valid OSM XML: %s", name, se.Line, se.Msg)
		case errors.Is(err, io.EOF) && seen.any:
			return nil, renew.Invalid("%s: not OSM XML: no <osm> element (a PBF, GeoJSON or text file? want OSM XML <osm>…</osm>)", name)
		case errors.Is(err, io.EOF):
			return nil, renew.Invalid("%s: empty: want OSM XML (<osm>…</osm>)", name)
		}
		return nil, renew.Invalid("%s: not valid OSM XML: %v", name, err)
	}
	if len(o.Nodes) == 0 {
		return nil, renew.Invalid("%s: no OSM nodes: want OSM XML (<osm> with <node>, <way>, <relation>)", name)
	}
	return &o, nil
}

// contentSeen passes r through and notes whether anything but white space came by.
type contentSeen struct {
	r   io.Reader
	any bool
}

func (c *contentSeen) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.any && len(bytes.TrimSpace(p[:n])) > 0 {
		c.any = true
	}
	return n, err
}

// Load reads OSM XML from r and converts it into a validated batch (Read, Convert, ingest.Parse).
// Errors are renew.ErrInvalid.
func Load(r io.Reader, opt Options) (*ingest.Batch, Report, error) {
	o, err := Read(r, opt.File)
	if err != nil {
		return nil, Report{}, err
	}
	files, rep, err := Convert(o, opt)
	if err != nil {
		return nil, rep, err
	}
	b, err := ingest.Parse(files)
	return b, rep, err
}

// community is a landuse=residential area on its way to the communities layer.
type community struct {
	code string
	year int
	mp   orb.MultiPolygon
	area float64
}

// converter holds the state of one Convert.
type converter struct {
	o         *osm.OSM
	opt       Options
	prefix    string
	nodes     map[osm.NodeID]orb.Point
	ways      map[osm.WayID]*osm.Way
	comms     []community
	grid      grid
	m         metric
	out       map[string][]*geojson.Feature
	notes     []string
	invalid   []string
	unmapped  map[string]int
	estimated struct{ floors, households, capacity, unknownCapacity int }
	inferred  []inferredGate
	// incomplete: per kind of area, the closed ways skipped because nodes they use are not in
	// the file (cut off at the extract's edge); cut: the roads cut at such nodes.
	incomplete map[string][]string
	cut        []string
	// provisionals and unmatched: what provisional found; named: the named roads, in metres.
	provisionals []Provisional
	unmatched    []planning.ListedCommunity
	named        *planning.Segments
}

// inferredGate is where a walkable path crosses a community's boundary with no gate mapped.
type inferredGate struct {
	code string
	p    orb.Point
	comm int
	kind string
}

// Convert maps OSM data to one GeoJSON file per layer (districts, subdistricts, communities,
// buildings, roads, gates, facilities, parking), to be validated by ingest.Parse. It returns
// renew.ErrInvalid when the data holds nothing to place.
func Convert(o *osm.OSM, opt Options) ([]ingest.File, Report, error) {
	c := &converter{o: o, opt: opt, prefix: opt.CodePrefix, nodes: map[osm.NodeID]orb.Point{}, incomplete: map[string][]string{},
		ways: map[osm.WayID]*osm.Way{}, out: map[string][]*geojson.Feature{}, unmapped: map[string]int{}}
	if c.prefix == "" {
		c.prefix = DefaultCodePrefix
	}
	for _, n := range o.Nodes {
		p := orb.Point{n.Lon, n.Lat}
		if math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90 && !math.IsNaN(p[0]) && !math.IsNaN(p[1]) {
			c.nodes[n.ID] = p
		}
	}
	for _, w := range o.Ways {
		c.ways[w.ID] = w
	}
	box, ok := c.bounds()
	if !ok {
		return nil, Report{}, renew.Invalid("%s: no node with a valid position", c.file())
	}
	c.m = metricAt(box.Center()[1])
	c.places(box)
	c.communities()
	c.buildings()
	c.roads()
	c.gates()
	c.facilitiesAndParking()
	c.summarise()

	rep := Report{Counts: map[string]int{}, Notes: c.notes, Provisional: c.provisionals, Unmatched: c.unmatched}
	files := make([]ingest.File, 0, len(layersOut))
	for _, layer := range layersOut {
		fc := geojson.NewFeatureCollection()
		fc.Features = c.out[layer]
		if fc.Features == nil {
			fc.Features = []*geojson.Feature{}
		}
		data, err := json.Marshal(fc)
		if err != nil {
			return nil, rep, fmt.Errorf("convert %s: %w", layer, err)
		}
		rep.Counts[layer] = len(fc.Features)
		files = append(files, ingest.File{Name: fmt.Sprintf("%s [%s]", c.file(), layer), Layer: layer, Data: data})
	}
	return files, rep, nil
}

func (c *converter) file() string {
	if c.opt.File == "" {
		return "osm"
	}
	return c.opt.File
}

func (c *converter) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

func (c *converter) add(layer string, g orb.Geometry, props map[string]any) {
	f := geojson.NewFeature(g)
	for k, v := range props {
		if v != nil {
			f.Properties[k] = v
		}
	}
	c.out[layer] = append(c.out[layer], f)
}

// bounds is the file's <bounds>, or the box of its nodes.
func (c *converter) bounds() (orb.Bound, bool) {
	if b := c.o.Bounds; b != nil && b.MinLon < b.MaxLon && b.MinLat < b.MaxLat &&
		b.MinLon >= -180 && b.MaxLon <= 180 && b.MinLat >= -90 && b.MaxLat <= 90 {
		return orb.Bound{Min: orb.Point{b.MinLon, b.MinLat}, Max: orb.Point{b.MaxLon, b.MaxLat}}, true
	}
	first := true
	var box orb.Bound
	for _, n := range c.o.Nodes {
		p, ok := c.nodes[n.ID]
		if !ok {
			continue
		}
		if first {
			box, first = orb.Bound{Min: p, Max: p}, false
		}
		box = box.Extend(p)
	}
	if first {
		return box, false
	}
	// A margin of about 10 m, so a single node still has a district around it.
	return box.Pad(0.0001), true
}

// places synthesizes the district and subdistrict the schema requires: the extract's bounds.
func (c *converter) places(box orb.Bound) {
	name := c.opt.Name
	if name == "" {
		stem := strings.TrimSuffix(filepath.Base(c.file()), filepath.Ext(c.file()))
		stem = strings.TrimSuffix(stem, ".osm")
		name = strings.TrimSpace(DefaultAreaName + " " + stem)
	}
	poly := orb.MultiPolygon{{box.ToRing()}}
	c.add("districts", poly, map[string]any{"code": c.prefix + "district", "name": name, "source": Attribution})
	c.add("subdistricts", poly, map[string]any{"code": c.prefix + "subdistrict", "name": name + "（未分街道）",
		"district": c.prefix + "district"})
}

// wayLine returns the positions of a way's nodes, and whether every node was present.
func (c *converter) wayLine(w *osm.Way) (orb.LineString, bool) {
	ls := make(orb.LineString, 0, len(w.Nodes))
	all := true
	for _, wn := range w.Nodes {
		if p, ok := c.nodes[wn.ID]; ok {
			ls = append(ls, p)
		} else {
			all = false
		}
	}
	return ls, all
}

// wayArea returns a closed way as a polygon, or false.
func (c *converter) wayArea(w *osm.Way) (orb.MultiPolygon, bool) {
	if len(w.Nodes) < 4 || w.Nodes[0].ID != w.Nodes[len(w.Nodes)-1].ID {
		return nil, false
	}
	ls, all := c.wayLine(w)
	if !all {
		return nil, false
	}
	return orb.MultiPolygon{{orb.Ring(ls)}}, true
}

// relationArea assembles a multipolygon relation from its member ways (osmgeojson joins the
// rings), or returns false when it cannot.
func (c *converter) relationArea(r *osm.Relation) (orb.MultiPolygon, bool) {
	if r.Tags.Find("type") != "multipolygon" {
		return nil, false
	}
	sub := &osm.OSM{Relations: osm.Relations{r}}
	seen := map[osm.NodeID]bool{}
	for _, m := range r.Members {
		w := c.ways[osm.WayID(m.Ref)]
		if m.Type != osm.TypeWay || w == nil {
			continue
		}
		sub.Ways = append(sub.Ways, w)
		for _, wn := range w.Nodes {
			if p, ok := c.nodes[wn.ID]; ok && !seen[wn.ID] {
				seen[wn.ID] = true
				sub.Nodes = append(sub.Nodes, &osm.Node{ID: wn.ID, Lon: p[0], Lat: p[1]})
			}
		}
	}
	if len(sub.Ways) == 0 {
		return nil, false
	}
	fc, err := safeConvert(sub)
	if err != nil {
		return nil, false
	}
	for _, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			return orb.MultiPolygon{g}, true
		case orb.MultiPolygon:
			return g, true
		}
	}
	return nil, false
}

// safeConvert runs osmgeojson on one relation, turning a panic on malformed data into an error.
func safeConvert(o *osm.OSM) (fc *geojson.FeatureCollection, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("assemble multipolygon: %v", r)
		}
	}()
	return osmgeojson.Convert(o, osmgeojson.NoMeta(true), osmgeojson.NoRelationMembership(true))
}

// area is an element's polygon: a closed way or a multipolygon relation.
type area struct {
	ref  string // w123, r456
	tags osm.Tags
	mp   orb.MultiPolygon
}

// areas calls fn for every closed way and multipolygon relation whose tags pass keep, in file
// order (ways, then relations). With strict, invalid polygons are recorded and skipped;
// otherwise fn is told whether the polygon is valid.
func (c *converter) areas(what string, keep func(osm.Tags) bool, strict bool, fn func(a area, valid bool)) {
	for _, w := range c.o.Ways {
		if !keep(w.Tags) {
			continue
		}
		mp, ok := c.wayArea(w)
		if !ok {
			if _, all := c.wayLine(w); !all && len(w.Nodes) >= 4 && w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID {
				c.incomplete[what] = append(c.incomplete[what], fmt.Sprintf("w%d", w.ID))
			}
			continue
		}
		c.validArea(area{ref: fmt.Sprintf("w%d", w.ID), tags: w.Tags, mp: mp}, strict, fn)
	}
	for _, r := range c.o.Relations {
		if !keep(r.Tags) {
			continue
		}
		mp, ok := c.relationArea(r)
		if !ok {
			continue
		}
		c.validArea(area{ref: fmt.Sprintf("r%d", r.ID), tags: r.Tags, mp: mp}, strict, fn)
	}
}

func (c *converter) validArea(a area, strict bool, fn func(a area, valid bool)) {
	valid := simplePolygons(a.mp)
	if !valid && strict {
		c.invalid = append(c.invalid, a.ref)
		return
	}
	fn(a, valid)
}

// communities maps landuse=residential areas.
func (c *converter) communities() {
	c.areas("communities", communityTags, true, func(a area, _ bool) {
		year, _ := parseYear(a.tags.Find("start_date")) // 0: unknown, stored as NULL
		name := strings.TrimSpace(a.tags.Find("name"))
		if name == "" {
			name = "未命名小区 " + a.ref
		}
		code := c.prefix + a.ref
		c.comms = append(c.comms, community{code: code, year: year, mp: a.mp, area: geo.Area(a.mp)})
		props := map[string]any{"code": code, "name": name, "subdistrict": c.prefix + "subdistrict", "address": address(a.tags)}
		if year > 0 {
			props["completed_year"] = year
		}
		c.add("communities", a.mp, props)
	})
	c.grid = newGrid(c.comms)
	unknown := 0
	for _, cm := range c.comms {
		if cm.year == 0 {
			unknown++
		}
	}
	if unknown > 0 {
		c.note("%d of %d communities have no start_date: completed year unknown (未知/待核实, to be surveyed)", unknown, len(c.comms))
	}
}

// address is addr:full, or the addr:* parts from province to house number, or nil.
func address(tags osm.Tags) any {
	if v := strings.TrimSpace(tags.Find("addr:full")); v != "" {
		return v
	}
	var b strings.Builder
	for _, k := range []string{"addr:province", "addr:city", "addr:district", "addr:street", "addr:housenumber"} {
		b.WriteString(strings.TrimSpace(tags.Find(k)))
	}
	if b.Len() == 0 {
		return nil
	}
	return b.String()
}

// within returns the index of the smallest community containing p, or -1.
func (c *converter) within(p orb.Point) int {
	best := -1
	for _, i := range c.grid.near(p) {
		cm := &c.comms[i]
		if cm.mp.Bound().Contains(p) && planar.MultiPolygonContains(cm.mp, p) && (best < 0 || cm.area < c.comms[best].area) {
			best = i
		}
	}
	return best
}

func (c *converter) communityCode(i int) any {
	if i < 0 {
		return nil
	}
	return c.comms[i].code
}

// buildings maps building=* areas inside a community; with Options.Provisional, those outside
// gather into provisional communities.
func (c *converter) buildings() {
	var sites []orb.MultiPolygon
	if c.opt.Provisional {
		c.areas("sites", nonResidentialSite, false, func(a area, _ bool) { sites = append(sites, a.mp) })
	}
	var outside []loose
	left, outsideRes, total := 0, 0, 0
	c.areas("buildings", buildingTags, true, func(a area, _ bool) {
		total++
		p := pointOnSurface(a.mp)
		ci := c.within(p)
		typ := a.tags.Find("building")
		if ci >= 0 {
			c.building(a, c.comms[ci].code, c.comms[ci].year)
			return
		}
		if residentialBuildings[typ] {
			outsideRes++
		}
		if !c.opt.Provisional {
			left++
			return
		}
		site := !clusterable(typ)
		for _, s := range sites {
			if site {
				break
			}
			site = s.Bound().Contains(p) && planar.MultiPolygonContains(s, p)
		}
		outside = append(outside, loose{a: a, site: site})
	})
	if len(outside) > 0 {
		c.provisional(outside)
	}
	if left > 0 {
		c.note("%d of %d buildings lie outside every landuse=residential area and are not imported (a building needs a community; -provisional gathers them into 待核实 communities); %d of them are tagged residential", left, total, outsideRes)
	}
}

// building adds one building of the community code, completed in year (0: unknown) unless its
// own start_date says otherwise. In a community, building=yes counts as a home.
func (c *converter) building(a area, code string, commYear int) {
	typ := a.tags.Find("building")
	residential := residentialBuildings[typ] || typ == "yes"
	footprint := geo.Area(a.mp)
	estimated := false
	floors, ok := parseLevels(a.tags.Find("building:levels"))
	if !ok {
		if h, hok := parseMetres(a.tags.Find("height")); hok {
			floors = max(1, int(math.Round(h/StoreyHeight)))
		} else {
			switch {
			case lowBuildings[typ]:
				floors = DefaultLowFloors
			case residential:
				floors = DefaultResidentialFloors
			default:
				floors = DefaultOtherFloors
			}
		}
		floors = min(floors, 100)
		estimated = true
		c.estimated.floors++
	}
	floorArea := math.Max(0.1, math.Round(footprint*float64(floors)*10)/10)
	households, units := 0, 1
	if residential {
		if n, ok := parseCount(a.tags.Find("building:flats")); ok {
			households = n
		} else {
			households = max(1, int(math.Round(floorArea/FloorAreaPerHousehold)))
			estimated = true
			c.estimated.households++
		}
		households = min(households, 5000)
		units = min(50, max(1, int(math.Ceil(float64(households)/float64(HouseholdsPerUnitFloor*floors)))))
	}
	year, ok := parseYear(a.tags.Find("start_date"))
	if !ok {
		year = commYear
	}
	number := strings.TrimSpace(a.tags.Find("name"))
	if number == "" {
		number = strings.TrimSpace(a.tags.Find("addr:housenumber"))
	}
	if number == "" {
		number = a.ref
	}
	if estimated {
		number += EstimatedMark
	}
	props := map[string]any{
		"code": c.prefix + a.ref, "community": code, "number": number,
		"floors": floors, "units": units, "households": households, "floor_area": floorArea,
		"has_elevator": residential && floors >= ElevatorFloors,
	}
	if year > 0 {
		props["completed_year"] = year
	}
	c.add("buildings", a.mp, props)
}

// roads maps highway=* ways, cut at every node they share with another road (and at missing
// nodes), so the walk network is noded; a piece whose middle lies in a community is one of its
// internal paths.
func (c *converter) roads() {
	use := map[osm.NodeID]int{}
	var ways []*osm.Way
	for _, w := range c.o.Ways {
		if _, ok := roadClass(w.Tags, false); !ok {
			continue
		}
		ways = append(ways, w)
		for i, wn := range w.Nodes {
			use[wn.ID]++
			if i == 0 || i == len(w.Nodes)-1 {
				use[wn.ID]++
			}
		}
	}
	for _, w := range ways {
		piece := 0
		var cur orb.LineString
		gate := 0
		flush := func() {
			whole := dedupe(cur)
			cur = nil
			if len(whole) < 2 {
				return
			}
			publicClass, _ := roadClass(w.Tags, false)
			xs := c.crossings(whole)
			if publicClass == "branch" || publicClass == "footway" {
				for _, x := range xs {
					if !walkable(w.Tags, true) {
						break
					}
					gate++
					kind := "both"
					if publicClass == "footway" {
						kind = "pedestrian"
					}
					c.inferred = append(c.inferred, inferredGate{code: fmt.Sprintf("%sw%d-g%d", c.prefix, w.ID, gate),
						p: x.p, comm: x.comm, kind: kind})
				}
			}
			for _, ls := range splitAt(whole, xs) {
				if ls = dedupe(ls); len(ls) < 2 {
					continue
				}
				piece++
				ci := -1
				if publicClass == "branch" || publicClass == "footway" {
					ci = c.within(c.m.midpoint(ls))
				}
				inside := ci >= 0
				class, _ := roadClass(w.Tags, inside)
				props := map[string]any{
					"code": fmt.Sprintf("%sw%d-%d", c.prefix, w.ID, piece), "class": class,
					"walkable": walkable(w.Tags, inside), "community": c.communityCode(ci),
				}
				if n := strings.TrimSpace(w.Tags.Find("name")); n != "" {
					props["name"] = n
				}
				if wd, ok := parseMetres(w.Tags.Find("width")); ok {
					props["width_m"] = wd
				}
				c.add("roads", ls, props)
			}
		}
		cut := false
		for i, wn := range w.Nodes {
			p, ok := c.nodes[wn.ID]
			if !ok {
				flush()
				cut = true
				continue
			}
			cur = append(cur, p)
			if i > 0 && i < len(w.Nodes)-1 && use[wn.ID] >= 2 {
				flush()
				cur = append(cur, p)
			}
		}
		flush()
		if cut {
			c.cut = append(c.cut, fmt.Sprintf("w%d", w.ID))
		}
	}
}

// dedupe drops consecutive repeated positions.
func dedupe(ls orb.LineString) orb.LineString {
	out := ls[:0:0]
	for _, p := range ls {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	return out
}

// gates maps gate and entrance nodes within GateDistance of a community's boundary.
func (c *converter) gates() {
	far := 0
	for _, n := range c.o.Nodes {
		kind, ok := gateKind(n.Tags)
		if !ok {
			continue
		}
		p, ok := c.nodes[n.ID]
		if !ok {
			continue
		}
		best, bestD := -1, GateDistance
		for _, i := range c.grid.near(p) {
			if d := c.m.distanceToBoundary(c.comms[i].mp, p); d <= bestD {
				best, bestD = i, d
			}
		}
		if best < 0 {
			far++
			continue
		}
		props := map[string]any{"code": fmt.Sprintf("%sn%d", c.prefix, n.ID), "community": c.comms[best].code, "kind": kind}
		if v := strings.TrimSpace(n.Tags.Find("name")); v != "" {
			props["name"] = v
		}
		if v := strings.TrimSpace(n.Tags.Find("opening_hours")); v != "" {
			if v == "24/7" {
				v = "全天"
			}
			props["open_hours"] = v
		}
		c.add("gates", p, props)
	}
	tagged := len(c.out["gates"])
	inferred := 0
	for _, g := range c.inferred {
		dup := false
		for _, f := range c.out["gates"] {
			p := f.Geometry.(orb.Point)
			limit := 5.0
			if f.Properties["name"] != InferredGateName {
				limit = GateDistance
			}
			if f.Properties["community"] == c.comms[g.comm].code && planar.Distance(c.m.Fwd(p), c.m.Fwd(g.p)) <= limit {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		inferred++
		c.add("gates", g.p, map[string]any{"code": g.code, "community": c.comms[g.comm].code, "kind": g.kind, "name": InferredGateName})
	}
	if inferred > 0 {
		c.note("%d gates inferred where a walkable path crosses a community's boundary with no gate mapped within %.0f m (named %s); %d gates mapped in OSM", inferred, GateDistance, InferredGateName, tagged)
	}
	if far > 0 {
		c.note("%d gates and entrances lie more than %.0f m from every community's boundary (building doors, campus gates) and are not imported", far, GateDistance)
	}
}

// element is a node, closed way or multipolygon relation considered as a facility or parking.
type element struct {
	ref  string
	tags osm.Tags
	pt   orb.Point
	mp   orb.MultiPolygon // nil for a node
	// valid tells whether mp may be stored as it is; parking falls back to its point otherwise.
	valid bool
}

// facilitiesAndParking maps amenities, shops, leisure and healthcare to facility kinds, and
// parking to the parking layer.
func (c *converter) facilitiesAndParking() {
	type stopKey struct {
		name string
		p    orb.Point
	}
	var stops []stopKey
	merged := 0
	each := func(e element) {
		var areaM2 float64
		if e.mp != nil {
			areaM2 = geo.Area(e.mp)
		}
		ci := c.within(e.pt)
		if kind := facilityKind(e.tags, areaM2); kind != "" {
			name := strings.TrimSpace(e.tags.Find("name"))
			if name == "" {
				name = kindNames[kind]
			}
			if name == "" {
				name = kind
			}
			if kind == "bus_stop" {
				// A stop is often mapped twice: the pole (highway=bus_stop) and the platform.
				key := stopKey{name, c.m.Fwd(e.pt)}
				for _, s := range stops {
					if s.name == name && planar.Distance(s.p, key.p) <= StopMerge {
						merged++
						return
					}
				}
				stops = append(stops, key)
			}
			props := map[string]any{"code": c.prefix + e.ref, "kind": kind, "name": name, "community": c.communityCode(ci)}
			if n, ok := parseCount(e.tags.Find("capacity")); ok {
				props["capacity"] = n
			}
			c.add("facilities", e.pt, props)
		} else if pk, capacity := parkingKind(e.tags); pk != "" {
			c.parking(e, pk, capacity, areaM2, ci)
		} else {
			for _, k := range []string{"amenity", "shop", "leisure", "healthcare"} {
				if v := e.tags.Find(k); v != "" {
					c.unmapped[k+"="+v]++
				}
			}
		}
	}
	interesting := func(t osm.Tags) bool {
		for _, k := range []string{"amenity", "shop", "leisure", "healthcare", "social_facility", "office"} {
			if t.Find(k) != "" {
				return true
			}
		}
		return t.Find("highway") == "bus_stop" || t.Find("public_transport") == "platform"
	}
	for _, n := range c.o.Nodes {
		if p, ok := c.nodes[n.ID]; ok && interesting(n.Tags) {
			each(element{ref: fmt.Sprintf("n%d", n.ID), tags: n.Tags, pt: p})
		}
	}
	// A platform drawn as a line (highway=platform along the kerb) is a stop too.
	for _, w := range c.o.Ways {
		if !interesting(w.Tags) {
			continue
		}
		if _, closed := c.wayArea(w); closed {
			continue // done as an area below
		}
		if ls, _ := c.wayLine(w); len(ls) > 0 {
			each(element{ref: fmt.Sprintf("w%d", w.ID), tags: w.Tags, pt: c.m.midpoint(dedupe(ls))})
		}
	}
	c.areas("parking and facility areas", interesting, false, func(a area, valid bool) {
		e := element{ref: a.ref, tags: a.tags, pt: pointOnSurface(a.mp), mp: a.mp, valid: valid}
		if !valid {
			e.pt, _ = planar.CentroidArea(a.mp)
		}
		each(e)
	})
	if merged > 0 {
		c.note("%d bus stops mapped twice (stop and platform, same name within %.0f m) imported once", merged, StopMerge)
	}
}

// parking adds one parking feature: a polygon when it has an area, else a point.
func (c *converter) parking(e element, kind string, capacity int, areaM2 float64, ci int) {
	name := strings.TrimSpace(e.tags.Find("name"))
	if capacity < 0 {
		switch {
		case kind == "car_space" || kind == "ev_charger" || kind == "e_bike_charging":
			capacity = 1 // one mapped space or charger
		case kind == "car_lot" && e.mp != nil:
			capacity = int(math.Round(areaM2 / AreaPerParkingSpace))
			name += "（容量估算）"
			c.estimated.capacity++
		default:
			capacity = 0
			name += "（容量未知）"
			c.estimated.unknownCapacity++
		}
	}
	var g orb.Geometry = e.pt
	if e.mp != nil && e.valid {
		g = e.mp
	}
	props := map[string]any{"code": c.prefix + e.ref, "kind": kind, "capacity": capacity, "community": c.communityCode(ci)}
	if name != "" {
		props["name"] = name
	}
	c.add("parking", g, props)
}

// summarise notes the estimates, the invalid polygons and what had no mapping.
func (c *converter) summarise() {
	if c.estimated.floors > 0 || c.estimated.households > 0 {
		c.note("estimated (number marked %s): storeys of %d buildings without building:levels (residential %d, others %d, houses and sheds %d), households of %d residential buildings (floor area / %.0f m²)",
			EstimatedMark, c.estimated.floors, DefaultResidentialFloors, DefaultOtherFloors, DefaultLowFloors, c.estimated.households, FloorAreaPerHousehold)
	}
	if c.estimated.capacity > 0 || c.estimated.unknownCapacity > 0 {
		c.note("parking capacity: %d lots estimated from their area (%.0f m² a car), %d without capacity recorded as 0", c.estimated.capacity, AreaPerParkingSpace, c.estimated.unknownCapacity)
	}
	if len(c.invalid) > 0 {
		c.note("%d polygons skipped as not valid (self-intersecting or degenerate rings): %s", len(c.invalid), refList(c.invalid))
	}
	for _, what := range []string{"communities", "buildings", "parking and facility areas"} {
		if refs := c.incomplete[what]; len(refs) > 0 {
			c.note("%d %s skipped: nodes they use are missing from the file (cut off at the extract's edge?): %s", len(refs), what, refList(refs))
		}
	}
	if len(c.cut) > 0 {
		c.note("%d roads cut at nodes missing from the file (the pieces between are kept): %s", len(c.cut), refList(c.cut))
	}
	if len(c.unmapped) > 0 {
		type kv struct {
			k string
			n int
		}
		var all []kv
		for k, n := range c.unmapped {
			all = append(all, kv{k, n})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n || all[i].n == all[j].n && all[i].k < all[j].k })
		var parts []string
		total := 0
		for i, e := range all {
			total += e.n
			if i < 12 {
				parts = append(parts, fmt.Sprintf("%s ×%d", e.k, e.n))
			}
		}
		c.note("%d amenities, shops and leisure features have no facility kind (docs/osm-mapping.md) and are not imported: %s", total, strings.Join(parts, ", "))
	}
}

// refList joins OSM references for a note, the first ten of them.
func refList(refs []string) string {
	if len(refs) > 10 {
		return strings.Join(refs[:10], ", ") + fmt.Sprintf(" and %d more", len(refs)-10)
	}
	return strings.Join(refs, ", ")
}
