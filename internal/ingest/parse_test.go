package ingest_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

func smallFiles(t *testing.T) []ingest.File {
	t.Helper()
	files, notes, err := ingest.FilesFromPaths([]string{"testdata/small"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes: %v", notes)
	}
	return files
}

func TestParseSmallDataset(t *testing.T) {
	t.Parallel()
	b, err := ingest.Parse(smallFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, l := range b.Layers {
		order = append(order, l.Layer.Name)
	}
	want := "districts subdistricts neighbourhoods communities buildings roads gates pipelines facilities parking candidate_sites plans"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("layers in order %q, want %q", got, want)
	}
	if n := b.Count(); n != 27 {
		t.Errorf("%d features, want 27", n)
	}
	bl := b.Layer("buildings")
	f := bl.Features[1]
	if f.Code != "C1-B2" || f.Index != 1 || f.Line != 5 {
		t.Errorf("building 1 = code %q index %d line %d, want C1-B2, 1, 5", f.Code, f.Index, f.Line)
	}
	if _, ok := f.Geometry.(orb.MultiPolygon); !ok {
		t.Errorf("a Polygon building became %T, want orb.MultiPolygon", f.Geometry)
	}
	if f.Props["floors"] != int64(6) || f.Props["floor_area"] != 3360.0 || f.Props["has_elevator"] != false || f.Props["elevator_feasible"] != true {
		t.Errorf("building props = %v", f.Props)
	}
	if _, ok := f.Props["safety_grade"]; ok {
		t.Errorf("an absent optional property without a default should stay absent: %v", f.Props)
	}
	if g := b.Layer("parking").Features[0].Geometry; g.GeoJSONType() != "Point" {
		t.Errorf("parking K1 is a %s, want Point", g.GeoJSONType())
	}
	plan := b.Layer("plans").Features[0]
	if plan.Geometry != nil || len(plan.Items) != 3 || len(plan.Funding) != 3 {
		t.Fatalf("plan = geometry %v, %d items, %d funding", plan.Geometry, len(plan.Items), len(plan.Funding))
	}
	if plan.Items[0].Props["status"] != "in_progress" || plan.Items[1].Props["status"] != "planned" {
		t.Errorf("item statuses = %v, %v", plan.Items[0].Props["status"], plan.Items[1].Props["status"])
	}
	if _, ok := plan.Items[1].Geometry.(orb.LineString); !ok {
		t.Errorf("item 1 geometry is %T, want a LineString", plan.Items[1].Geometry)
	}
	if _, ok := plan.Items[2].Geometry.(orb.MultiPolygon); !ok {
		t.Errorf("item 2 geometry is %T, want a Polygon made a MultiPolygon", plan.Items[2].Geometry)
	}
}

// fc wraps features (JSON text) in a FeatureCollection.
func fc(features ...string) string {
	return `{"type": "FeatureCollection", "features": [` + strings.Join(features, ",\n") + `]}`
}

const square = `{"type": "Polygon", "coordinates": [[[124.33, 43.15], [124.331, 43.15], [124.331, 43.151], [124.33, 43.151], [124.33, 43.15]]]}`

func building(props string) string {
	base := `"code": "B1", "community": "C1", "number": "1号楼", "floors": 6, "units": 3, "households": 36,
		"floor_area": 2500, "completed_year": 1985, "structure": "brick_concrete"`
	if props != "" {
		base += ", " + props
	}
	return `{"type": "Feature", "properties": {` + base + `}, "geometry": ` + square + `}`
}

func withGeometry(geom string) string {
	return strings.Replace(building(""), square, geom, 1)
}

func parseOne(layer, data string) (*ingest.Batch, error) {
	return ingest.Parse([]ingest.File{{Name: layer + ".geojson", Layer: layer, Data: []byte(data)}})
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	plan := func(props string) string {
		return `{"type": "Feature", "geometry": null, "properties": {"code": "P1", "community": "C1", "stage": "survey",
			"batch": "reserve", "items": [], "funding": []` + props + `}}`
	}
	cases := []struct {
		name, layer, data string
		want              string
	}{
		{"empty file", "buildings", "  \n", "buildings.geojson: the file is empty"},
		{"syntax error", "buildings", "{\n\"type\": \"FeatureCollection\",\n\"features\": [}\n", "buildings.geojson: line 3, column 14 (byte offset 44): not valid JSON: invalid character '}' looking for beginning of value"},
		{"truncated", "buildings", `{"type": "FeatureCollection", "features": [`, "buildings.geojson: not valid JSON: the file ends in the middle of a value"},
		{"array", "buildings", `[]`, "buildings.geojson: must be a GeoJSON FeatureCollection (a JSON object), got an array"},
		{"geometry collection", "buildings", `{"type": "GeometryCollection", "geometries": []}`, `must be a GeoJSON FeatureCollection, got type "GeometryCollection"`},
		{"no type", "buildings", `{"features": []}`, `must be a GeoJSON FeatureCollection: "type" is missing`},
		{"no features", "buildings", `{"type": "FeatureCollection"}`, `the FeatureCollection has no "features" array`},
		{"features object", "buildings", `{"type": "FeatureCollection", "features": {}}`, `"features" must be an array, got "{"`},
		{"trailing data", "buildings", fc() + ` {}`, `buildings.geojson: line 1, column 47 (byte offset 46): not valid JSON: invalid character '{' after top-level value`},
		{"feature not object", "buildings", fc(`3`), `buildings.geojson: feature 0: must be a GeoJSON Feature object, got 3`},
		{"feature type", "buildings", fc(strings.Replace(building(""), `"type": "Feature"`, `"type": "Point"`, 1)), `feature 0 (code "B1", line 1): "type" must be "Feature", got "Point"`},
		{"properties array", "buildings", fc(`{"type": "Feature", "properties": [], "geometry": ` + square + `}`), `feature 0: "properties" must be an object, got []`},
		{"no code", "buildings", fc(strings.Replace(building(""), `"code": "B1", `, "", 1)), `feature 0 (line 1): property "code": missing; must be a non-empty string`},
		{"blank code", "buildings", fc(strings.Replace(building(""), `"code": "B1"`, `"code": "  "`, 1)), `property "code": must not be empty`},
		{"numeric code", "buildings", fc(strings.Replace(building(""), `"code": "B1"`, `"code": 7`, 1)), `property "code": must be a non-empty string, got 7`},
		{"fractional integer", "buildings", fc(building(`"units": 2.5`)), `property "units": must be an integer between 1 and 50, got 2.5`},
		{"bool as string", "buildings", fc(building(`"has_elevator": "yes"`)), `property "has_elevator": must be true or false, got "yes"`},
		{"enum not string", "buildings", fc(building(`"safety_grade": 1`)), `property "safety_grade": must be a safety_grade code (a string), got 1`},
		{"huge number", "buildings", fc(building(`"floor_area": 1e400`)), `property "floor_area": must be a number > 0 and < 1000000000, got 1e400`},
		{"null geometry", "buildings", fc(withGeometry(`null`)), `feature 0 (code "B1", line 1): geometry: missing; must be a Polygon or MultiPolygon`},
		{"geometry not object", "buildings", fc(withGeometry(`"POLYGON"`)), `geometry: must be a GeoJSON geometry object, got "POLYGON"`},
		{"no coordinates", "buildings", fc(withGeometry(`{"type": "Polygon"}`)), `geometry: a Polygon needs "coordinates"`},
		{"ring too short", "buildings", fc(withGeometry(`{"type": "Polygon", "coordinates": [[[124.3, 43.1], [124.4, 43.1], [124.3, 43.1]]]}`)), `geometry: ring 0: a ring needs at least 4 positions (the last repeating the first), got 3`},
		{"no rings", "buildings", fc(withGeometry(`{"type": "Polygon", "coordinates": []}`)), `geometry: a Polygon needs at least 1 element(s) here, got 0`},
		{"string coordinate", "buildings", fc(withGeometry(`{"type": "Polygon", "coordinates": [[["124.3", 43.1], [124.4, 43.1], [124.4, 43.2], [124.3, 43.1]]]}`)), `geometry: ring 0: a position must hold finite numbers [longitude, latitude], got ["124.3",43.1]`},
		{"null coordinate", "buildings", fc(withGeometry(`{"type": "Polygon", "coordinates": [[[null, 43.1], [124.4, 43.1], [124.4, 43.2], [124.3, 43.1]]]}`)), `a position must hold finite numbers`},
		{"latitude 95", "gates", fc(`{"type": "Feature", "properties": {"code": "G", "community": "C1", "kind": "both"}, "geometry": {"type": "Point", "coordinates": [124.3, 95]}}`), `gates.geojson: feature 0 (code "G"): geometry: latitude 95 is outside [-90, 90]`},
		{"bad multipolygon", "buildings", fc(withGeometry(`{"type": "MultiPolygon", "coordinates": [[[[124.3, 43.1], [124.4, 43.1], [124.4, 43.2], [124.3, 43.1]]], [[[1, 2]]]]}`)), `geometry: polygon 1: ring 0: a ring needs at least 4 positions`},
		{"short line", "roads", fc(`{"type": "Feature", "properties": {"code": "R", "class": "branch"}, "geometry": {"type": "LineString", "coordinates": [[124.3, 43.1]]}}`), `roads.geojson: feature 0 (code "R"): geometry: a line needs at least 2 positions, got 1`},
		{"polygon road", "roads", fc(`{"type": "Feature", "properties": {"code": "R", "class": "branch"}, "geometry": ` + square + `}`), `geometry: must be a LineString, got Polygon`},
		{"plan with geometry", "plans", fc(strings.Replace(plan(""), `"geometry": null`, `"geometry": `+square, 1)), `plans.geojson: feature 0 (code "P1", line 1): geometry: must be null: this layer has no geometry`},
		{"plan without items", "plans", fc(strings.Replace(plan(""), `"items": [], `, ``, 1)), `property "items": missing; must be an array (may be empty)`},
		{"item not object", "plans", fc(strings.Replace(plan(""), `"items": []`, `"items": ["H01"]`, 1)), `items[0]: must be an object, got "H01"`},
		{"item without department", "plans", fc(strings.Replace(plan(""), `"items": []`, `"items": [{"menu": "H01", "quantity": 3}]`, 1)), `items[0]: property "department": missing; must be a department code (a string)`},
		{"duplicate menu", "plans", fc(strings.Replace(plan(""), `"items": []`, `"items": [{"menu": "H01", "quantity": 3, "department": "housing"}, {"menu": "H01", "quantity": 1, "department": "housing"}]`, 1)), `items[1]: property "menu": "H01" appears twice in items (also items[0])`},
		{"negative funding", "plans", fc(strings.Replace(plan(""), `"funding": []`, `"funding": [{"source": "central", "amount": -1}]`, 1)), `funding[0]: property "amount": must be a number ≥ 0 and < 1000000000000, got -1`},
		{"bad item geometry", "plans", fc(strings.Replace(plan(""), `"items": []`, `"items": [{"menu": "H01", "quantity": 3, "department": "housing", "geometry": {"type": "Point", "coordinates": [500, 1]}}]`, 1)), `items[0]: geometry: longitude 500 is outside`},
		{"bad date", "plans", fc(plan(`, "planned_start": "2021/05/01"`)), `property "planned_start": must be a date YYYY-MM-DD, got "2021/05/01"`},
		{"end before start", "plans", fc(plan(`, "planned_start": "2021-05-01", "planned_end": "2021-04-30"`)), `property "planned_end": 2021-04-30 is before planned_start 2021-05-01`},
		{"consent over 1", "plans", fc(plan(`, "consent_rate": 92`)), `property "consent_rate": must be a number between 0 and 1, got 92`},
		{"two plans for a community", "plans", fc(plan(""), strings.Replace(plan(""), `"P1"`, `"P2"`, 1)), `plans.geojson: feature 1 (code "P2", line 3): property "community": community "C1" already has plan "P1" (feature 0); one plan per community`},
		{"crs 3857", "buildings", `{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, "features": []}`, `buildings.geojson: crs "EPSG:3857" is not supported`},
		{"crs garbage", "buildings", `{"type": "FeatureCollection", "crs": "WGS84", "features": []}`, `"crs" must be an object like`},
		{"unknown layer", "streets", fc(), `streets.geojson: unknown layer "streets" (the layers are districts, subdistricts`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseOne(c.layer, c.data)
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if msg := renew.UserMessage(err); !strings.Contains(msg, c.want) {
				t.Errorf("message %q\nlacks %q", msg, c.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	crs := func(name string) string {
		return `{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "` + name + `"}}, "features": [` + building("") + `]}`
	}
	cases := []struct{ name, data string }{
		{"no crs", fc(building(""))},
		{"crs null", `{"type": "FeatureCollection", "crs": null, "features": []}`},
		{"CRS84 URN", crs("urn:ogc:def:crs:OGC:1.3:CRS84")},
		{"CRS84 URN without version", crs("urn:ogc:def:crs:OGC::CRS84")},
		{"CRS84 URL", crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84")},
		{"EPSG:4326", crs("EPSG:4326")},
		{"EPSG URN", crs("urn:ogc:def:crs:EPSG::4326")},
		{"EPSG URN 4490", crs("urn:ogc:def:crs:EPSG::4490")},
		{"EPSG URL 4490", crs("http://www.opengis.net/def/crs/EPSG/0/4490")},
		{"old EPSG crs", `{"type": "FeatureCollection", "crs": {"type": "EPSG", "properties": {"code": 4326}}, "features": []}`},
		{"BOM", "\ufeff" + fc(building(""))},
		{"integer written as float", fc(building(`"floors": 6.0`))},
		{"elevation ignored", fc(withGeometry(`{"type": "Point", "coordinates": [124.3, 43.1, 80]}`))[0:0] + fc(withGeometry(`{"type": "MultiPolygon", "coordinates": [[[[124.3, 43.1, 1], [124.4, 43.1, 1], [124.4, 43.2, 1], [124.3, 43.1, 1]]]]}`))},
		{"unknown members and properties", `{"type": "FeatureCollection", "name": "x", "bbox": [1, 2, 3, 4], "features": [` +
			strings.Replace(building(`"colour": "red"`), `"type": "Feature"`, `"type": "Feature", "id": 7`, 1) + `]}`},
		{"empty collection", fc()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseOne("buildings", c.data); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

// Problems beyond MaxProblems are counted, not listed.
func TestParseCapsProblems(t *testing.T) {
	t.Parallel()
	var feats []string
	for i := range 30 {
		feats = append(feats, strings.Replace(building(`"floors": 0`), `"B1"`, fmt.Sprintf(`"B%d"`, i), 1))
	}
	_, err := parseOne("buildings", fc(feats...))
	var ve *ingest.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	if len(ve.Problems) != ingest.MaxProblems || ve.Omitted != 10 {
		t.Errorf("%d problems listed, %d omitted; want %d and 10", len(ve.Problems), ve.Omitted, ingest.MaxProblems)
	}
	msg := renew.UserMessage(err)
	if !strings.HasPrefix(msg, "30 problems in the data:\nbuildings.geojson: feature 0 (code \"B0\", line 1)") || !strings.HasSuffix(msg, "… and 10 more") {
		t.Errorf("message = %q", msg)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b, err := ingest.Parse(smallFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	known := ingest.Known{Enums: map[string][]string{}}
	for _, v := range ingest.Vocabularies() {
		known.Enums[v] = nil
	}
	// Everything the small dataset uses.
	for v, codes := range map[string]string{
		"property_type": "reform unit commercial", "management": "work_unit none property_company",
		"structure": "brick_concrete frame shear_wall", "safety_grade": "A B", "road_class": "arterial internal",
		"surface_condition": "fair broken", "gate_kind": "both pedestrian", "pipeline_kind": "water_supply drainage_combined",
		"pipe_material": "cast_iron concrete", "pipe_condition": "poor critical", "facility_status": "existing planned",
		"parking_kind": "ev_charger car_lot", "site_origin": "reusable_building demolished_illegal",
		"plan_stage": "construction planning", "batch": "implement prepare", "item_status": "planned in_progress done",
		"funding_source": "central district residents", "facility_kind": "kindergarten bus_stop elderly_day_care community_canteen",
		"menu": "H01 I08 E01 I17", "department": "housing enforcement",
	} {
		known.Enums[v] = strings.Fields(codes)
	}
	if err := b.Check(known, ingest.Replace{}); err != nil {
		t.Fatalf("Check: %v", err)
	}
	known.Enums["structure"] = []string{"frame"}
	known.Enums["menu"] = []string{"H01", "I08", "I17"}
	err = b.Check(known, ingest.Replace{})
	msg := renew.UserMessage(err)
	for _, want := range []string{
		`buildings.geojson: feature 0 (code "C1-B1", line 4): property "structure": unknown structure code "brick_concrete"; want one of frame`,
		`plans.geojson: feature 0 (code "PLAN-C1", line 4): items[2]: property "menu": unknown menu code "E01"; want one of H01, I08, I17`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q\nlacks %q", msg, want)
		}
	}

	// References: to the batch, to the database, and with replace only to the batch.
	only := func(layer string) *ingest.Batch {
		return &ingest.Batch{Layers: []*ingest.LayerData{b.Layer(layer)}}
	}
	known.Enums["structure"] = []string{"brick_concrete", "frame", "shear_wall"}
	k := ingest.Known{Enums: known.Enums, Codes: map[string]map[string]bool{"communities": {"C1": true, "C2": true}}}
	err = only("gates").Check(k, ingest.Replace{})
	if err != nil {
		t.Errorf("gates of C1 and C2 in the database: %v", err)
	}
	k.Codes["communities"] = map[string]bool{"C1": true}
	if msg := renew.UserMessage(only("gates").Check(k, ingest.Replace{})); !strings.Contains(msg, `gates.geojson: feature 1 (code "C2-G1", line 5): property "community": no community with code "C2" in the database or in this import`) {
		t.Errorf("unknown community: %q", msg)
	}
	k.Codes["communities"] = map[string]bool{"C1": true, "C2": true, "C9": true}
	withComm := &ingest.Batch{Layers: []*ingest.LayerData{b.Layer("communities"), b.Layer("gates")}}
	withComm.Layers[0] = &ingest.LayerData{Layer: withComm.Layers[0].Layer, Features: withComm.Layers[0].Features[:1]} // C1 only
	if msg := renew.UserMessage(withComm.Check(k, ingest.Replace{On: true})); !strings.Contains(msg, `property "community": community "C2" is not in this import's communities, so --replace would delete it`) {
		t.Errorf("replace: %q", msg)
	}
	// A replace limited to another source's prefix leaves C2 alone, so the reference holds.
	if msg := renew.UserMessage(withComm.Check(k, ingest.Replace{On: true, Prefix: "OSM-"})); strings.Contains(msg, `"C2"`) {
		t.Errorf("replace of OSM- rows only: %q", msg)
	}
}

func TestFilesFromPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("buildings.geojson", fc())
	write("gates.json", fc())
	write("README.md", "hello")
	write("communities.GeoJSON", fc())
	other := write("my-buildings.geojson", fc())

	files, notes, err := ingest.FilesFromPaths([]string{dir}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Name)+"="+f.Layer)
	}
	if g := strings.Join(got, " "); g != "communities.GeoJSON=communities buildings.geojson=buildings gates.json=gates" {
		t.Errorf("files = %s", g)
	}
	if len(notes) != 2 || !strings.Contains(strings.Join(notes, "\n"), "my-buildings.geojson: skipped") {
		t.Errorf("notes = %q", notes)
	}

	if _, _, err := ingest.FilesFromPaths([]string{other}, ""); !errors.Is(err, renew.ErrInvalid) ||
		!strings.Contains(err.Error(), "my-buildings.geojson: the file name does not name a layer") {
		t.Errorf("unknown file name: %v", err)
	}
	files, _, err = ingest.FilesFromPaths([]string{other}, "buildings")
	if err != nil || len(files) != 1 || files[0].Layer != "buildings" {
		t.Errorf("--layer buildings: %v, %v", files, err)
	}
	files, _, err = ingest.FilesFromPaths([]string{dir}, "gates")
	if err != nil || len(files) != 1 || files[0].Layer != "gates" {
		t.Errorf("folder with --layer gates: %v, %v", files, err)
	}
	if _, _, err := ingest.FilesFromPaths([]string{dir}, "roads"); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("folder without roads.geojson, --layer roads: %v", err)
	}
	if _, _, err := ingest.FilesFromPaths([]string{dir}, "streets"); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("--layer streets: %v", err)
	}
	if _, _, err := ingest.FilesFromPaths([]string{filepath.Join(dir, "nope.geojson")}, ""); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := ingest.FilesFromPaths(nil, ""); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("no paths: %v", err)
	}
}

func TestFilesFromFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"tiexi/plans.geojson":     {Data: []byte(fc())},
		"tiexi/districts.geojson": {Data: []byte(fc())},
		"tiexi/notes.txt":         {Data: []byte("x")},
		"tiexi/sub/roads.geojson": {Data: []byte(fc())},
	}
	files, notes, err := ingest.FilesFromFS(fsys, "tiexi")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Name != "tiexi/districts.geojson" || files[1].Layer != "plans" {
		t.Errorf("files = %+v", files)
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "tiexi/notes.txt: skipped") {
		t.Errorf("notes = %q", notes)
	}
}
