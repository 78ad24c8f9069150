package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"renewmap/geodata"
)

type tFeature struct {
	Props map[string]any
	Geom  orb.Geometry // nil for plans
}

type tGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

func decodeGeometry(t *testing.T, g *tGeometry) orb.Geometry {
	t.Helper()
	if g == nil {
		return nil
	}
	var out orb.Geometry
	var err error
	switch g.Type {
	case "Point":
		var p orb.Point
		err = json.Unmarshal(g.Coordinates, &p)
		out = p
	case "LineString":
		var l orb.LineString
		err = json.Unmarshal(g.Coordinates, &l)
		out = l
	case "Polygon":
		var p orb.Polygon
		err = json.Unmarshal(g.Coordinates, &p)
		out = p
	case "MultiPolygon":
		var p orb.MultiPolygon
		err = json.Unmarshal(g.Coordinates, &p)
		out = p
	default:
		t.Fatalf("unexpected geometry type %q", g.Type)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// decode parses every file into features per layer.
func decode(t *testing.T, d *Dataset) map[string][]tFeature {
	t.Helper()
	files, err := d.Files()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]tFeature{}
	for _, f := range files {
		if !bytes.HasSuffix(f.Data, []byte("\n")) {
			t.Errorf("%s: does not end with a newline", f.Layer)
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Type       string         `json:"type"`
				Properties map[string]any `json:"properties"`
				Geometry   *tGeometry     `json:"geometry"`
			} `json:"features"`
		}
		dec := json.NewDecoder(bytes.NewReader(f.Data))
		dec.UseNumber()
		if err := dec.Decode(&fc); err != nil {
			t.Fatalf("%s: %v", f.Layer, err)
		}
		for _, x := range fc.Features {
			out[f.Layer] = append(out[f.Layer], tFeature{Props: x.Properties, Geom: decodeGeometry(t, x.Geometry)})
		}
	}
	return out
}

var (
	outlineOnce sync.Once
	outline     []byte
	outlineGeom orb.Geometry
	base        *Dataset
	baseLayers  map[string][]tFeature
	baseErr     error
)

func loadBase(t *testing.T) (*Dataset, map[string][]tFeature) {
	t.Helper()
	outlineOnce.Do(func() {
		outline, baseErr = geodata.FS.ReadFile("boundaries/tiexi_220302_main.wgs84.geojson")
		if baseErr != nil {
			return
		}
		outlineGeom, baseErr = readOutline(outline)
		if baseErr != nil {
			return
		}
		base, baseErr = Generate(outline, DefaultOptions())
	})
	if baseErr != nil {
		t.Fatal(baseErr)
	}
	if baseLayers == nil {
		baseLayers = decode(t, base)
	}
	return base, baseLayers
}

func str(f tFeature, k string) string {
	s, _ := f.Props[k].(string)
	return s
}

func num(t *testing.T, f tFeature, k string) float64 {
	t.Helper()
	n, ok := f.Props[k].(json.Number)
	if !ok {
		t.Fatalf("%s: %s is %T, want a number", str(f, "code"), k, f.Props[k])
	}
	v, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func integer(t *testing.T, f tFeature, k string) int {
	t.Helper()
	n, ok := f.Props[k].(json.Number)
	if !ok {
		t.Fatalf("%s: %s is %T, want an integer", str(f, "code"), k, f.Props[k])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("%s: %s = %s, want an integer", str(f, "code"), k, n)
	}
	return int(v)
}

// metres projects longitude/latitude onto the local frame (good to centimetres here).
func metres(p orb.Point) pt {
	return pt{(p[0] - originLon) * mPerDegLon, (p[1] - originLat) * mPerDegLat}
}

func distToRing(p orb.Point, r orb.Ring) float64 {
	q := metres(p)
	best := math.Inf(1)
	for i := 0; i+1 < len(r); i++ {
		a, b := metres(r[i]), metres(r[i+1])
		dx, dy := b.x-a.x, b.y-a.y
		s := ((q.x-a.x)*dx + (q.y-a.y)*dy) / (dx*dx + dy*dy)
		s = math.Max(0, math.Min(1, s))
		best = math.Min(best, math.Hypot(a.x+s*dx-q.x, a.y+s*dy-q.y))
	}
	return best
}

func TestDeterministic(t *testing.T) {
	d1, _ := loadBase(t)
	d2, err := Generate(outline, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	f1, _ := d1.Files()
	f2, _ := d2.Files()
	if len(f1) != len(f2) {
		t.Fatalf("%d files, then %d", len(f1), len(f2))
	}
	for i := range f1 {
		if f1[i].Layer != f2[i].Layer || !bytes.Equal(f1[i].Data, f2[i].Data) {
			t.Errorf("layer %s differs between two runs with the same options", f1[i].Layer)
		}
	}
	other, err := Generate(outline, Options{Seed: 7, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	fo, _ := other.Files()
	if bytes.Equal(fo[4].Data, f1[4].Data) {
		t.Error("a different seed gives the same buildings")
	}
}

func TestLayersInOrderAndNonEmpty(t *testing.T) {
	d, layers := loadBase(t)
	files, _ := d.Files()
	for i, f := range files {
		if f.Layer != Layers[i] {
			t.Errorf("file %d is %s, want %s", i, f.Layer, Layers[i])
		}
		if len(layers[f.Layer]) == 0 {
			t.Errorf("layer %s is empty", f.Layer)
		}
	}
	if n := len(layers["communities"]); n < 100 || n > 150 {
		t.Errorf("%d communities, want 100–150", n)
	}
	old := 0
	for _, c := range layers["communities"] {
		if integer(t, c, "completed_year") <= 2000 {
			old++
		}
	}
	if old < 60 || old > 80 {
		t.Errorf("%d old communities, want about 70", old)
	}
}

func TestBatch2021Totals(t *testing.T) {
	_, layers := loadBase(t)
	batch := map[string]bool{}
	for _, p := range layers["plans"] {
		if p.Geom != nil {
			t.Errorf("plan %s has a geometry", str(p, "code"))
		}
		if str(p, "batch") == "implement" && integer(t, p, "batch_year") == 2021 {
			batch[str(p, "community")] = true
		}
	}
	n, hh, area := 0, 0, 0
	for _, b := range layers["buildings"] {
		if batch[str(b, "community")] {
			n++
			hh += integer(t, b, "households")
			area += integer(t, b, "floor_area")
		}
	}
	if len(batch) != 24 || n != 146 || hh != 9120 || area != 721000 {
		t.Errorf("2021 batch: %d communities, %d buildings, %d households, %d m²; want 24, 146, 9120, 721000",
			len(batch), n, hh, area)
	}
}

func TestEveryKindPresent(t *testing.T) {
	_, layers := loadBase(t)
	tests := []struct {
		layer string
		kinds []string
	}{
		{"facilities", []string{"middle_school", "large_sports_field", "health_center", "nursing_home",
			"culture_center", "community_center", "subdistrict_office", "primary_school", "medium_sports_field",
			"fresh_market", "bus_stop", "community_service_station", "culture_station", "small_sports_court",
			"outdoor_fitness", "kindergarten", "elderly_day_care", "community_shop", "recycling_point",
			"waste_station", "public_toilet", "community_canteen", "nursery", "health_station", "property_office",
			"play_ground", "convenience_store", "parcel_locker", "garbage_point"}},
		{"pipelines", []string{"water_supply", "drainage_rain", "drainage_sewage", "drainage_combined", "power",
			"gas", "heating", "telecom", "cable_tv"}},
		{"parking", []string{"car_space", "car_lot", "ev_charger", "bike_shed", "e_bike_charging"}},
		{"candidate_sites", nil},
	}
	for _, tt := range tests {
		t.Run(tt.layer, func(t *testing.T) {
			seen := map[string]bool{}
			key := "kind"
			if tt.layer == "candidate_sites" {
				key, tt.kinds = "origin", []string{"demolished_illegal", "vacant", "reusable_building"}
			}
			for _, f := range layers[tt.layer] {
				seen[str(f, key)] = true
			}
			for _, k := range tt.kinds {
				if !seen[k] {
					t.Errorf("no %s of %s %q", tt.layer, key, k)
				}
			}
			if len(seen) != len(tt.kinds) {
				t.Errorf("%d distinct %s values, want %d", len(seen), key, len(tt.kinds))
			}
		})
	}
	planned := 0
	for _, f := range layers["facilities"] {
		if str(f, "status") == "planned" {
			planned++
		}
	}
	if planned == 0 {
		t.Error("no planned facility")
	}
}

var enums = map[string]map[string][]string{
	"communities": {"property_type": {"commercial", "reform", "unit", "public", "mixed"},
		"management": {"property_company", "work_unit", "self", "none"}},
	"buildings": {"structure": {"brick_concrete", "frame", "shear_wall", "frame_shear", "brick_wood", "other"},
		"safety_grade": {"A", "B", "C", "D"}},
	"roads": {"class": {"arterial", "secondary", "branch", "internal", "footway"},
		"surface": {"good", "fair", "poor", "broken"}},
	"gates": {"kind": {"pedestrian", "vehicle", "both"}},
	"pipelines": {"material": {"cast_iron", "ductile_iron", "steel", "concrete", "pe", "pvc", "copper_cable", "fiber", "other"},
		"condition": {"good", "fair", "poor", "critical"}},
	"facilities":      {"status": {"existing", "planned"}},
	"candidate_sites": {"origin": {"demolished_illegal", "vacant", "reusable_building"}},
	"plans": {"stage": {"survey", "reserve", "planning", "review", "approved", "construction", "accepted", "handed_over"},
		"batch": {"implement", "prepare", "reserve"}},
}

func TestEnumerationsAndReferences(t *testing.T) {
	_, layers := loadBase(t)
	codes := map[string]map[string]bool{}
	for _, l := range Layers {
		codes[l] = map[string]bool{}
		for _, f := range layers[l] {
			c := str(f, "code")
			if c == "" {
				t.Errorf("%s: a feature without code", l)
			}
			if codes[l][c] {
				t.Errorf("%s: code %s twice", l, c)
			}
			codes[l][c] = true
		}
	}
	for layer, props := range enums {
		for prop, allowed := range props {
			ok := map[string]bool{}
			for _, a := range allowed {
				ok[a] = true
			}
			for _, f := range layers[layer] {
				if v, has := f.Props[prop]; has && !ok[v.(string)] {
					t.Errorf("%s %s: %s = %q", layer, str(f, "code"), prop, v)
				}
			}
		}
	}
	refs := []struct{ layer, prop, target string }{
		{"subdistricts", "district", "districts"}, {"neighbourhoods", "subdistrict", "subdistricts"},
		{"communities", "subdistrict", "subdistricts"}, {"communities", "neighbourhood", "neighbourhoods"},
		{"buildings", "community", "communities"}, {"roads", "community", "communities"},
		{"gates", "community", "communities"}, {"pipelines", "community", "communities"},
		{"facilities", "community", "communities"}, {"parking", "community", "communities"},
		{"candidate_sites", "community", "communities"}, {"plans", "community", "communities"},
	}
	for _, r := range refs {
		for _, f := range layers[r.layer] {
			if v, has := f.Props[r.prop]; has && !codes[r.target][v.(string)] {
				t.Errorf("%s %s: %s %q does not exist", r.layer, str(f, "code"), r.prop, v)
			}
		}
	}
	// A community lies in the neighbourhood and subdistrict it names.
	nbSub := map[string]string{}
	nbGeom := map[string]orb.Polygon{}
	for _, n := range layers["neighbourhoods"] {
		nbSub[str(n, "code")] = str(n, "subdistrict")
		nbGeom[str(n, "code")] = n.Geom.(orb.Polygon)
	}
	for _, c := range layers["communities"] {
		nb := str(c, "neighbourhood")
		if nbSub[nb] != str(c, "subdistrict") {
			t.Errorf("community %s: neighbourhood %s is not in subdistrict %s", str(c, "code"), nb, str(c, "subdistrict"))
		}
		if !planar.PolygonContains(nbGeom[nb], c.Geom.(orb.Polygon).Bound().Center()) {
			t.Errorf("community %s does not lie in its neighbourhood %s", str(c, "code"), nb)
		}
	}
	plans := map[string]bool{}
	for _, p := range layers["plans"] {
		if plans[str(p, "community")] {
			t.Errorf("two plans for community %s", str(p, "community"))
		}
		plans[str(p, "community")] = true
	}
}

func TestPlans(t *testing.T) {
	_, layers := loadBase(t)
	menuOK := map[string]bool{}
	for _, d := range menu {
		menuOK[d.code] = true
	}
	funded := map[string]bool{"approved": true, "construction": true, "accepted": true, "handed_over": true}
	for _, p := range layers["plans"] {
		code := str(p, "code")
		items, _ := p.Props["items"].([]any)
		funding, _ := p.Props["funding"].([]any)
		if p.Props["items"] == nil || p.Props["funding"] == nil {
			t.Errorf("plan %s: items or funding missing", code)
		}
		total := 0
		for _, it := range items {
			m := it.(map[string]any)
			if !menuOK[m["menu"].(string)] {
				t.Errorf("plan %s: menu %v", code, m["menu"])
			}
			q, _ := m["quantity"].(json.Number).Int64()
			c, _ := m["unit_cost"].(json.Number).Int64()
			total += int(q * c)
		}
		sum := 0
		for _, f := range funding {
			a, _ := f.(map[string]any)["amount"].(json.Number).Int64()
			sum += int(a)
		}
		if str(p, "batch") == "implement" {
			if len(items) < 6 || len(items) > 20 {
				t.Errorf("plan %s: %d items, want 6–20", code, len(items))
			}
			if cr := num(t, p, "consent_rate"); cr < 0.67 || cr > 0.98 {
				t.Errorf("plan %s: consent rate %v", code, cr)
			}
			if end := str(p, "planned_end"); end > "2022-07-31" {
				t.Errorf("plan %s: planned end %s", code, end)
			}
		}
		if funded[str(p, "stage")] && sum != total {
			t.Errorf("plan %s (%s): funding %d, items cost %d", code, str(p, "stage"), sum, total)
		}
	}
}

func TestGeometry(t *testing.T) {
	_, layers := loadBase(t)
	comm := map[string]orb.Polygon{}
	var cb []orb.Bound
	var cc []string
	for _, c := range layers["communities"] {
		p := c.Geom.(orb.Polygon)
		comm[str(c, "code")] = p
		cb = append(cb, p.Bound())
		cc = append(cc, str(c, "code"))
		ha := planar.Area(p) * mPerDegLon * mPerDegLat / 1e4
		single := len(cc) > 0 && bytes.Contains([]byte(str(c, "name")), []byte("号楼"))
		if !single && (ha < 1 || ha > 6) {
			t.Errorf("community %s: %.2f ha, want 1–6", str(c, "code"), ha)
		}
	}
	for i := range cb {
		for j := i + 1; j < len(cb); j++ {
			if cb[i].Intersects(cb[j]) {
				t.Errorf("communities %s and %s overlap", cc[i], cc[j])
			}
		}
	}
	byComm := map[string][]orb.Bound{}
	for _, b := range layers["buildings"] {
		c := str(b, "community")
		p := b.Geom.(orb.Polygon)
		for _, q := range p[0] {
			if !planar.PolygonContains(comm[c], q) {
				t.Errorf("building %s is not inside community %s", str(b, "code"), c)
				break
			}
		}
		for _, o := range byComm[c] {
			if o.Intersects(p.Bound()) {
				t.Errorf("building %s overlaps another building", str(b, "code"))
			}
		}
		byComm[c] = append(byComm[c], p.Bound())
	}
	for _, g := range layers["gates"] {
		c := str(g, "community")
		if d := distToRing(g.Geom.(orb.Point), comm[c][0]); d > 0.5 {
			t.Errorf("gate %s lies %.2f m from the boundary of %s", str(g, "code"), d, c)
		}
	}
	for _, s := range layers["candidate_sites"] {
		sb := s.Geom.(orb.Polygon).Bound()
		for _, bs := range byComm {
			for _, b := range bs {
				if b.Intersects(sb) {
					t.Errorf("candidate site %s overlaps a building", str(s, "code"))
				}
			}
		}
	}
	// Everything but the district itself lies inside the outline.
	for _, l := range Layers[1:] {
		for _, f := range layers[l] {
			if f.Geom == nil {
				continue
			}
			var pts []orb.Point
			switch g := f.Geom.(type) {
			case orb.Point:
				pts = []orb.Point{g}
			case orb.LineString:
				pts = g
			case orb.Polygon:
				pts = g[0]
			}
			for _, p := range pts {
				if !contains(outlineGeom, p) {
					t.Errorf("%s %s: %v is outside the district outline", l, str(f, "code"), p)
					break
				}
			}
		}
	}
}

// TestRoadNetwork checks that the roads form one network whose segments meet only at shared
// vertices, and that internal paths cross community walls only at gates.
func TestRoadNetwork(t *testing.T) {
	_, layers := loadBase(t)
	type seg struct {
		a, b orb.Point
		comm string
	}
	var segs []seg
	parent := map[orb.Point]orb.Point{}
	var find func(p orb.Point) orb.Point
	find = func(p orb.Point) orb.Point {
		if q, ok := parent[p]; ok && q != p {
			r := find(q)
			parent[p] = r
			return r
		}
		parent[p] = p
		return p
	}
	for _, r := range layers["roads"] {
		l := r.Geom.(orb.LineString)
		if len(l) != 2 {
			t.Fatalf("road %s has %d vertices", str(r, "code"), len(l))
		}
		segs = append(segs, seg{l[0], l[1], str(r, "community")})
		parent[find(l[0])] = find(l[1])
	}
	roots := map[orb.Point]bool{}
	for p := range parent {
		roots[find(p)] = true
	}
	if len(roots) != 1 {
		t.Errorf("the road network has %d components, want 1", len(roots))
	}
	// No segment end lies inside another segment (every junction is split). Segments are
	// axis-parallel, so a bounding-box test is exact.
	grid := map[[2]int][]int{}
	cell := func(p orb.Point) [2]int { return [2]int{int(p[0] * 500), int(p[1] * 500)} }
	for i, s := range segs {
		b := orb.MultiPoint{s.a, s.b}.Bound()
		for x := cell(b.Min)[0]; x <= cell(b.Max)[0]; x++ {
			for y := cell(b.Min)[1]; y <= cell(b.Max)[1]; y++ {
				grid[[2]int{x, y}] = append(grid[[2]int{x, y}], i)
			}
		}
	}
	for _, s := range segs {
		for _, p := range []orb.Point{s.a, s.b} {
			for _, j := range grid[cell(p)] {
				o := segs[j]
				if p == o.a || p == o.b {
					continue
				}
				if (o.a[0] == o.b[0] && p[0] == o.a[0] && p[1] > math.Min(o.a[1], o.b[1]) && p[1] < math.Max(o.a[1], o.b[1])) ||
					(o.a[1] == o.b[1] && p[1] == o.a[1] && p[0] > math.Min(o.a[0], o.b[0]) && p[0] < math.Max(o.a[0], o.b[0])) {
					t.Errorf("segment end %v lies inside another segment (not split)", p)
				}
			}
		}
	}
	gates := map[orb.Point]string{}
	for _, g := range layers["gates"] {
		gates[g.Geom.(orb.Point)] = str(g, "community")
	}
	comm := map[string]orb.Polygon{}
	for _, c := range layers["communities"] {
		comm[str(c, "code")] = c.Geom.(orb.Polygon)
	}
	// Inside or on the wall versus outside: a segment may not join the two except at a gate.
	for _, s := range segs {
		for code, p := range comm {
			inA, inB := planar.PolygonContains(p, s.a), planar.PolygonContains(p, s.b)
			if inA == inB {
				continue
			}
			if s.comm != code {
				t.Errorf("a road of %q enters community %s", s.comm, code)
				continue
			}
			// The segment leaving the community starts on the wall, at a gate.
			in := s.a
			if inB {
				in = s.b
			}
			if gates[in] != code {
				t.Errorf("an internal path of %s crosses its wall away from a gate at %v", code, in)
			}
		}
	}
}

func TestScale2(t *testing.T) {
	_, layers := loadBase(t)
	d, err := Generate(outline, Options{Seed: DefaultOptions().Seed, Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Layers {
		want := 2 * len(layers[l])
		if l == "districts" {
			want = 1
		}
		if got := d.Count(l); got != want {
			t.Errorf("scale 2: %d %s, want %d", got, l, want)
		}
	}
	two := decode(t, d)
	seen := map[string]bool{}
	for _, f := range two["buildings"] {
		if seen[str(f, "code")] {
			t.Fatalf("scale 2: building code %s twice", str(f, "code"))
		}
		seen[str(f, "code")] = true
	}
}

func TestOtherSeeds(t *testing.T) {
	loadBase(t)
	for _, seed := range []int64{1, 2, 3, 42} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			if _, err := Generate(outline, Options{Seed: seed, Scale: 1}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		outline string
		scale   int
	}{
		{"not json", "{", 1},
		{"no feature", `{"type":"FeatureCollection","features":[]}`, 1},
		{"point", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[124.35,43.16]}}]}`, 1},
		{"elsewhere", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}`, 1},
		{"scale 0", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Generate([]byte(tt.outline), Options{Seed: 1, Scale: tt.scale}); err == nil {
				t.Error("no error")
			}
		})
	}
}
