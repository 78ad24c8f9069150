package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"renewmap/geodata"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

const smallDir = "../ingest/testdata/small"

// smallFiles reads the hand-written dataset: every layer, a few features each.
func smallFiles(t *testing.T) []ingest.File {
	t.Helper()
	files, notes, err := ingest.FilesFromPaths([]string{smallDir}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) > 0 {
		t.Fatalf("unexpected notes: %v", notes)
	}
	return files
}

func load(ctx context.Context, t *testing.T, db *postgis.DB, files []ingest.File, opt postgis.ImportOptions) (postgis.ImportReport, error) {
	t.Helper()
	b, err := ingest.Parse(files)
	if err != nil {
		return postgis.ImportReport{}, err
	}
	return db.Import(ctx, b, opt)
}

func mustLoad(ctx context.Context, t *testing.T, db *postgis.DB, files []ingest.File, opt postgis.ImportOptions) postgis.ImportReport {
	t.Helper()
	rep, err := load(ctx, t, db, files, opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// tableCounts returns the row count of every table, the data versions and the community totals:
// what a user would see change.
func tableCounts(ctx context.Context, t *testing.T, db *postgis.DB) map[string]int64 {
	t.Helper()
	rows, err := db.Pool.Query(ctx, `SELECT relname::text FROM pg_class
		WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM "`+tb+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	vrows, err := db.Pool.Query(ctx, `SELECT table_name, version FROM data_versions`)
	if err != nil {
		t.Fatal(err)
	}
	for vrows.Next() {
		var name string
		var v int64
		if err := vrows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		out["version:"+name] = v
	}
	var hh int64
	var area float64
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(households), 0), coalesce(sum(floor_area), 0)::float8 FROM communities`).Scan(&hh, &area); err != nil {
		t.Fatal(err)
	}
	out["totals:households"], out["totals:floor_area_dm2"] = hh, int64(area*10)
	return out
}

func count(ctx context.Context, t *testing.T, db *postgis.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

var smallCounts = map[string]int{
	"districts": 1, "subdistricts": 2, "neighbourhoods": 1, "communities": 3, "buildings": 6,
	"roads": 2, "gates": 2, "pipelines": 2, "facilities": 2, "parking": 2, "candidate_sites": 2,
	"plans": 2, "plan_items": 4, "plan_funding": 3,
}

func checkCounts(ctx context.Context, t *testing.T, db *postgis.DB, want map[string]int) {
	t.Helper()
	for _, table := range slices.Sorted(maps.Keys(want)) {
		if got := count(ctx, t, db, `SELECT count(*) FROM "`+table+`"`); got != want[table] {
			t.Errorf("%s has %d rows, want %d", table, got, want[table])
		}
	}
}

// checkTotals asserts that every community's totals are the sums of its buildings.
func checkTotals(ctx context.Context, t *testing.T, db *postgis.DB) {
	t.Helper()
	bad := count(ctx, t, db, `
		SELECT count(*) FROM communities c,
		  LATERAL (SELECT count(*)::int AS n, coalesce(sum(b.households), 0)::int AS hh, coalesce(sum(b.floor_area), 0) AS area
		           FROM buildings b WHERE b.community_id = c.id) s
		WHERE (c.building_count, c.households, c.floor_area) IS DISTINCT FROM (s.n, s.hh, s.area)`)
	if bad != 0 {
		t.Errorf("%d communities have totals that are not the sums of their buildings", bad)
	}
}

func communityTotals(ctx context.Context, t *testing.T, db *postgis.DB, code string) (n, hh int, area float64) {
	t.Helper()
	err := db.Pool.QueryRow(ctx, `SELECT building_count, households, floor_area::float8 FROM communities WHERE code = $1`, code).
		Scan(&n, &hh, &area)
	if err != nil {
		t.Fatal(err)
	}
	return n, hh, area
}

// editFile returns a copy of files in which the named file's FeatureCollection went through edit.
func editFile(t *testing.T, files []ingest.File, layer string, edit func(fc map[string]any)) []ingest.File {
	t.Helper()
	out := slices.Clone(files)
	for i, f := range out {
		if f.Layer != layer {
			continue
		}
		var fc map[string]any
		if err := json.Unmarshal(f.Data, &fc); err != nil {
			t.Fatal(err)
		}
		edit(fc)
		data, err := json.MarshalIndent(fc, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		out[i].Data = data
		return out
	}
	t.Fatalf("no %s file", layer)
	return nil
}

func features(fc map[string]any) []any { return fc["features"].([]any) }
func feature(fc map[string]any, i int) map[string]any {
	return features(fc)[i].(map[string]any)
}
func props(fc map[string]any, i int) map[string]any {
	return feature(fc, i)["properties"].(map[string]any)
}

func TestImportSmallDataset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files := smallFiles(t)

	var calls int
	var last [2]int
	rep := mustLoad(ctx, t, db, files, postgis.ImportOptions{Progress: func(layer string, done, total int) {
		calls++
		last = [2]int{done, total}
	}})
	checkCounts(ctx, t, db, smallCounts)
	checkTotals(ctx, t, db)
	if n, hh, area := communityTotals(ctx, t, db, "C1"); n != 3 || hh != 104 || area != 7280.9 {
		t.Errorf("C1 totals = %d buildings, %d households, %v m², want 3, 104, 7280.9", n, hh, area)
	}
	if calls < 12 || last != [2]int{27, 27} {
		t.Errorf("progress: %d calls, last %v; want ≥ 12 calls ending at 27 of 27", calls, last)
	}
	for _, l := range rep.Layers {
		if l.Inserted != l.Features || l.Updated != 0 || l.Unchanged != 0 || l.Features != smallCounts[l.Layer] {
			t.Errorf("first import of %s: %+v, want all %d inserted", l.Layer, l, smallCounts[l.Layer])
		}
	}
	if len(rep.Layers) != len(smallCounts) {
		t.Errorf("report has %d layers, want %d:\n%s", len(rep.Layers), len(smallCounts), rep)
	}

	// What was stored: polygons as MultiPolygons, defaults, computed values, references.
	if got := count(ctx, t, db, `SELECT count(*) FROM buildings WHERE GeometryType(geom) = 'MULTIPOLYGON'`); got != 6 {
		t.Errorf("%d buildings stored as MultiPolygon, want 6", got)
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM parking WHERE code = 'K2' AND GeometryType(geom) = 'MULTIPOLYGON'`); got != 1 {
		t.Errorf("parking polygon K2 not stored as a MultiPolygon")
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM buildings b JOIN communities c ON c.id = b.community_id
		WHERE c.code = 'C1' AND b.elevator_feasible AND NOT b.has_elevator AND b.code = 'C1-B2'`); got != 1 {
		t.Errorf("C1-B2 should be in C1, elevator feasible, without elevator")
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM facilities WHERE code = 'F1' AND status = 'existing'`); got != 1 {
		t.Errorf("facility F1 should default to status existing")
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM candidate_sites WHERE code = 'CS2' AND area_m2 BETWEEN 2000 AND 3000`); got != 1 {
		t.Errorf("candidate site CS2 should have its area computed from its geometry (≈ 2,250 m²)")
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM candidate_sites WHERE code = 'CS1' AND hostable_kinds = '{elderly_day_care,community_canteen}'`); got != 1 {
		t.Errorf("candidate site CS1 lost its hostable kinds")
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM plan_items i JOIN plans p ON p.id = i.plan_id
		WHERE p.code = 'PLAN-C1' AND i.menu_code = 'H01' AND i.unit_cost = 120 AND i.cost = 144000 AND i.status = 'in_progress'`); got != 1 {
		t.Errorf("plan item H01 should take the menu's unit cost (120 × 1200 = 144000)")
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM plan_items WHERE geom IS NOT NULL`); got != 2 {
		t.Errorf("%d plan items have a geometry, want 2", got)
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM plans WHERE code = 'PLAN-C1' AND consent_rate = 0.92 AND planned_end = '2022-07-31'`); got != 1 {
		t.Errorf("plan PLAN-C1 lost its consent rate or dates")
	}

	// Importing the same files again changes nothing.
	before := tableCounts(ctx, t, db)
	rep = mustLoad(ctx, t, db, files, postgis.ImportOptions{})
	for _, l := range rep.Layers {
		if l.Inserted != 0 || l.Updated != 0 || l.Deleted != 0 || l.Unchanged != l.Features {
			t.Errorf("re-import of %s: %+v, want all unchanged", l.Layer, l)
		}
	}
	// Not even the data versions move, so no cache is invalidated.
	if after := tableCounts(ctx, t, db); !maps.Equal(before, after) {
		t.Errorf("an unchanged re-import changed the database:\nbefore %v\nafter  %v", before, after)
	}

	// A changed building is updated and its community's totals follow.
	edited := editFile(t, files, "buildings", func(fc map[string]any) {
		props(fc, 0)["households"] = 40
	})
	rep = mustLoad(ctx, t, db, edited, postgis.ImportOptions{})
	if l := rep.Layers[4]; l.Layer != "buildings" || l.Updated != 1 || l.Unchanged != 5 {
		t.Errorf("after editing one building: %+v, want 1 updated, 5 unchanged", l)
	}
	if _, hh, _ := communityTotals(ctx, t, db, "C1"); hh != 108 {
		t.Errorf("C1 households = %d after the edit, want 108", hh)
	}
	after := tableCounts(ctx, t, db)
	for _, table := range []string{"buildings", "communities"} {
		if after["version:"+table] <= before["version:"+table] {
			t.Errorf("editing a building did not bump the data version of %s", table)
		}
	}
	if after["version:roads"] != before["version:roads"] {
		t.Errorf("editing a building bumped the data version of roads")
	}
	checkTotals(ctx, t, db)
}

// --replace removes what the file dropped, and only in the layers imported.
func TestImportReplace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files := smallFiles(t)
	mustLoad(ctx, t, db, files, postgis.ImportOptions{})

	var buildings []ingest.File
	for _, f := range editFile(t, files, "buildings", func(fc map[string]any) {
		fs := features(fc)
		fc["features"] = append(fs[:2:2], fs[3:]...) // drop C1-B3
	}) {
		if f.Layer == "buildings" {
			buildings = append(buildings, f)
		}
	}
	// Without --replace the dropped building stays.
	mustLoad(ctx, t, db, buildings, postgis.ImportOptions{})
	if got := count(ctx, t, db, `SELECT count(*) FROM buildings`); got != 6 {
		t.Fatalf("%d buildings after a plain re-import, want 6", got)
	}
	// Limited to another source's codes (an OSM import's prefix), --replace leaves these alone.
	rep := mustLoad(ctx, t, db, buildings, postgis.ImportOptions{Replace: true, ReplacePrefix: "OSM-"})
	if got := count(ctx, t, db, `SELECT count(*) FROM buildings`); got != 6 || rep.Layers[0].Deleted != 0 {
		t.Fatalf("%d buildings, %d deleted by a replace of OSM- codes; want 6, 0", got, rep.Layers[0].Deleted)
	}
	rep = mustLoad(ctx, t, db, buildings, postgis.ImportOptions{Replace: true})
	if len(rep.Layers) != 1 || rep.Layers[0].Deleted != 1 {
		t.Errorf("replace report = %+v, want 1 building deleted", rep.Layers)
	}
	want := maps.Clone(smallCounts)
	want["buildings"] = 5
	checkCounts(ctx, t, db, want)
	checkTotals(ctx, t, db)
	if n, hh, area := communityTotals(ctx, t, db, "C1"); n != 2 || hh != 84 || area != 5880.5 {
		t.Errorf("C1 totals = %d, %d, %v after replace, want 2, 84, 5880.5", n, hh, area)
	}

	// Replacing plans re-codes a community's plan, and the items and funding are the file's.
	edited := editFile(t, files, "plans", func(fc map[string]any) {
		p := props(fc, 0)
		p["code"] = "PLAN-C1-2021"
		p["funding"] = []any{map[string]any{"source": "central", "amount": 5}}
		fc["features"] = features(fc)[:1]
	})
	var plans []ingest.File
	for _, f := range edited {
		if f.Layer == "plans" {
			plans = append(plans, f)
		}
	}
	if _, err := load(ctx, t, db, plans, postgis.ImportOptions{}); !errors.Is(err, renew.ErrInvalid) ||
		!strings.Contains(renew.UserMessage(err), "one plan per community") {
		t.Errorf("a second plan for C1 without --replace: err = %v, want ErrInvalid naming one plan per community", err)
	}
	mustLoad(ctx, t, db, plans, postgis.ImportOptions{Replace: true})
	checkCounts(ctx, t, db, map[string]int{"plans": 1, "plan_items": 3, "plan_funding": 1})

	// Replacing the subdistricts with one that lacks S2, which C3 still refers to, is refused
	// by the reference check before anything is written.
	sub := editFile(t, files, "subdistricts", func(fc map[string]any) { fc["features"] = features(fc)[:1] })
	before := tableCounts(ctx, t, db)
	_, err := load(ctx, t, db, sub[:3], postgis.ImportOptions{Replace: true}) // districts, subdistricts, neighbourhoods
	if err != nil {
		// neighbourhoods and communities are not in the import: the database refuses the delete.
		if !errors.Is(err, renew.ErrInvalid) || !strings.Contains(renew.UserMessage(err), "subdistricts: --replace cannot delete") {
			t.Errorf("replace subdistricts: err = %v, want ErrInvalid naming subdistricts", err)
		}
	} else {
		t.Errorf("replacing subdistricts while C3 refers to S2 succeeded")
	}
	if after := tableCounts(ctx, t, db); !maps.Equal(before, after) {
		t.Errorf("a refused replace changed the database:\nbefore %v\nafter  %v", before, after)
	}
}

// Every kind of mistake is reported with the file, the feature and the property, and leaves the
// database as it was.
func TestImportRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files := smallFiles(t)
	mustLoad(ctx, t, db, files, postgis.ImportOptions{})

	building := func(edit func(p map[string]any, f map[string]any)) []ingest.File {
		return editFile(t, files, "buildings", func(fc map[string]any) {
			edit(props(fc, 2), feature(fc, 2))
		})
	}
	cases := []struct {
		name  string
		files []ingest.File
		want  []string // substrings of the message
	}{
		{"malformed JSON", func() []ingest.File {
			out := slices.Clone(files)
			for i := range out {
				if out[i].Layer == "buildings" {
					out[i].Data = []byte(strings.Replace(string(out[i].Data), `"floors": 5,`, `"floors": 5,,`, 1))
				}
			}
			return out
		}(), []string{"buildings.geojson: line 6, column", "not valid JSON"}},
		{"bow-tie polygon", building(func(_, f map[string]any) {
			f["geometry"] = map[string]any{"type": "Polygon", "coordinates": []any{[]any{
				[]any{124.3315, 43.1525}, []any{124.3321, 43.1527}, []any{124.3321, 43.1525}, []any{124.3315, 43.1527}, []any{124.3315, 43.1525}}}}
		}), []string{`buildings.geojson: feature 2 (code "C1-B3", line `, "geometry: not valid: Self-intersection at POINT(124.3318 43.1526)"}},
		{"missing required property", building(func(p, _ map[string]any) { delete(p, "floors") }),
			[]string{`buildings.geojson: feature 2 (code "C1-B3", line `, `property "floors": missing; must be an integer between 1 and 100`}},
		{"wrong type", building(func(p, _ map[string]any) { p["floors"] = "six" }),
			[]string{`feature 2 (code "C1-B3"`, `property "floors": must be an integer between 1 and 100, got "six"`}},
		{"out of range", building(func(p, _ map[string]any) { p["floors"] = 120 }),
			[]string{`feature 2 (code "C1-B3"`, `property "floors": must be an integer between 1 and 100, got 120`}},
		{"not a number", building(func(p, _ map[string]any) { p["floor_area"] = -5 }),
			[]string{`feature 2 (code "C1-B3"`, `property "floor_area": must be a number > 0 and < 1000000000, got -5`}},
		{"unknown enum code", building(func(p, _ map[string]any) { p["structure"] = "steel" }),
			[]string{`feature 2 (code "C1-B3"`, `property "structure": unknown structure code "steel"; want one of brick_concrete, frame`}},
		{"unknown community", building(func(p, _ map[string]any) { p["community"] = "C9" }),
			[]string{`feature 2 (code "C1-B3"`, `property "community": no community with code "C9" in the database or in this import`}},
		{"duplicate code", building(func(p, _ map[string]any) { p["code"] = "C1-B1" }),
			[]string{`buildings.geojson: feature 2 (code "C1-B1", line `, `property "code": duplicate code "C1-B1", also feature 0`}},
		{"point in buildings", building(func(_, f map[string]any) {
			f["geometry"] = map[string]any{"type": "Point", "coordinates": []any{124.3315, 43.1525}}
		}), []string{`feature 2 (code "C1-B3"`, "geometry: must be a Polygon or MultiPolygon, got Point"}},
		{"longitude 200", building(func(_, f map[string]any) {
			f["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)[1] = []any{200.0, 43.1515}
		}), []string{`feature 2 (code "C1-B3"`, "geometry: ring 0: longitude 200 is outside [-180, 180]"}},
		{"unclosed ring", building(func(_, f map[string]any) {
			f["geometry"].(map[string]any)["coordinates"].([]any)[0].([]any)[4] = []any{124.3316, 43.1525}
		}), []string{`feature 2 (code "C1-B3"`, "geometry: ring 0: the ring is not closed"}},
		{"crs EPSG:3857", editFile(t, files, "buildings", func(fc map[string]any) {
			fc["crs"] = map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::3857"}}
		}), []string{`buildings.geojson: crs "urn:ogc:def:crs:EPSG::3857" is not supported`}},
		{"not a FeatureCollection", editFile(t, files, "buildings", func(fc map[string]any) {
			for k := range fc {
				delete(fc, k)
			}
			fc["type"] = "Feature"
		}), []string{"buildings.geojson: must be a GeoJSON FeatureCollection, got a single Feature"}},
		{"unknown menu item", editFile(t, files, "plans", func(fc map[string]any) {
			props(fc, 0)["items"].([]any)[1].(map[string]any)["menu"] = "X99"
		}), []string{`plans.geojson: feature 0 (code "PLAN-C1", line `, `items[1]: property "menu": unknown menu code "X99"`}},
		{"duplicate funding source", editFile(t, files, "plans", func(fc map[string]any) {
			props(fc, 0)["funding"].([]any)[2].(map[string]any)["source"] = "central"
		}), []string{`feature 0 (code "PLAN-C1"`, `funding[2]: property "source": "central" appears twice in funding (also funding[0])`}},
		{"negative quantity", editFile(t, files, "plans", func(fc map[string]any) {
			props(fc, 1)["items"].([]any)[0].(map[string]any)["quantity"] = -1
		}), []string{`feature 1 (code "PLAN-C2"`, `items[0]: property "quantity": must be a number > 0`}},
		{"degenerate road", editFile(t, files, "roads", func(fc map[string]any) {
			feature(fc, 1)["geometry"] = map[string]any{"type": "LineString", "coordinates": []any{[]any{124.332, 43.151}, []any{124.332, 43.151}}}
		}), []string{`roads.geojson: feature 1 (code "R2"`, "geometry: not valid: Too few points in geometry component"}},
		{"self-intersecting plan item", editFile(t, files, "plans", func(fc map[string]any) {
			props(fc, 0)["items"].([]any)[2].(map[string]any)["geometry"] = map[string]any{"type": "Polygon", "coordinates": []any{[]any{
				[]any{124.3315, 43.1525}, []any{124.3321, 43.1527}, []any{124.3321, 43.1525}, []any{124.3315, 43.1527}, []any{124.3315, 43.1525}}}}
		}), []string{`plans.geojson: feature 0 (code "PLAN-C1"`, "items[2]: geometry: not valid: Self-intersection"}},
	}
	before := tableCounts(ctx, t, db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(ctx, t, db, c.files, postgis.ImportOptions{})
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			msg := renew.UserMessage(err)
			t.Log(msg)
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q\nlacks %q", msg, w)
				}
			}
			if after := tableCounts(ctx, t, db); !maps.Equal(before, after) {
				t.Errorf("a rejected import changed the database:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// Many problems are listed together, up to MaxProblems, across files.
func TestImportReportsManyProblems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files := smallFiles(t)
	files = editFile(t, files, "buildings", func(fc map[string]any) {
		for i := range features(fc) {
			props(fc, i)["floors"] = 0
		}
	})
	files = editFile(t, files, "gates", func(fc map[string]any) { props(fc, 1)["kind"] = "door" })
	_, err := load(ctx, t, db, files, postgis.ImportOptions{})
	var ve *ingest.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	if len(ve.Problems) != 6 {
		t.Errorf("%d problems, want 6 (the six buildings; enums are checked after parsing):\n%v", len(ve.Problems), err)
	}
	if !strings.HasPrefix(err.Error(), "6 problems in the data:\n") {
		t.Errorf("message starts %q", err.Error()[:40])
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM districts`); got != 0 {
		t.Errorf("a rejected import left %d districts", got)
	}
}

// The demonstration dataset the server ships loads, and holds the 2021 batch of the plan.
func TestImportDemoData(t *testing.T) {
	t.Parallel()
	if _, err := fs.Stat(geodata.FS, "tiexi"); err != nil {
		t.Skip("geodata/tiexi is not embedded yet (geodata/fs.go)")
	}
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files, notes, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatalf("parse demo data: %v", err)
	}
	parsed := time.Since(start)
	rep, err := db.Import(ctx, b, postgis.ImportOptions{})
	if err != nil {
		t.Fatalf("import demo data: %v", err)
	}
	t.Logf("demo data: %d files, %d features; parse %s, import %s (notes %v)\n%s",
		len(files), b.Count(), parsed.Round(time.Millisecond), rep.Duration.Round(time.Millisecond), notes, rep)
	for _, table := range []string{"districts", "subdistricts", "neighbourhoods", "communities", "buildings", "roads",
		"gates", "pipelines", "facilities", "parking", "candidate_sites", "plans", "plan_items", "plan_funding"} {
		if n := count(ctx, t, db, `SELECT count(*) FROM "`+table+`"`); n == 0 {
			t.Errorf("%s is empty after loading the demo data", table)
		}
	}
	checkTotals(ctx, t, db)
	var communities, buildings, households int
	var area float64
	err = db.Pool.QueryRow(ctx, `
		SELECT count(*)::int, sum(c.building_count)::int, sum(c.households)::int, sum(c.floor_area)::float8
		FROM plans p JOIN communities c ON c.id = p.community_id
		WHERE p.batch = 'implement' AND p.batch_year = 2021`).Scan(&communities, &buildings, &households, &area)
	if err != nil {
		t.Fatal(err)
	}
	if communities != 24 || buildings != 146 || households != 9120 || area != 721000 {
		t.Errorf("2021 batch = %d communities, %d buildings, %d households, %v m²; want 24, 146, 9120, 721000",
			communities, buildings, households, area)
	}
	// Loading it again changes nothing.
	rep, err = db.Import(ctx, b, postgis.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Layers {
		if l.Inserted+l.Updated+l.Deleted != 0 {
			t.Errorf("re-import of the demo %s: %+v, want all unchanged", l.Layer, l)
		}
	}
	t.Logf("demo data re-import: %s", rep.Duration.Round(time.Millisecond))
}

// The worked example of docs/data-format.md imports as the document says.
func TestImportDocumentedExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/data-format.md")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(doc), "## Worked example")
	if !ok {
		t.Fatal("docs/data-format.md has no worked example")
	}
	var files []ingest.File
	for _, m := range regexp.MustCompile("(?s)`(\\w+)\\.geojson`:\n\n```json\n(.*?)```").FindAllStringSubmatch(example, -1) {
		files = append(files, ingest.File{Name: m[1] + ".geojson", Layer: m[1], Data: []byte(m[2])})
	}
	if len(files) != 3 {
		t.Fatalf("found %d example files, want 3", len(files))
	}
	ctx := context.Background()
	db, _ := pgtest.New(t)
	mustLoad(ctx, t, db, smallFiles(t)[:2], postgis.ImportOptions{}) // the district and subdistricts
	rep := mustLoad(ctx, t, db, files, postgis.ImportOptions{})
	if n, hh, area := communityTotals(ctx, t, db, "C1"); n != 1 || hh != 36 || area != 2520.5 {
		t.Errorf("C1 totals = %d, %d, %v; the document says 1, 36, 2520.5", n, hh, area)
	}
	if got := count(ctx, t, db, `SELECT count(*) FROM plan_items WHERE menu_code = 'H01' AND cost = 144000`); got != 1 {
		t.Errorf("item H01 should cost 144,000 as the document says")
	}
	checkCounts(ctx, t, db, map[string]int{"plan_items": 2, "plan_funding": 2})
	rep = mustLoad(ctx, t, db, files, postgis.ImportOptions{})
	for _, l := range rep.Layers {
		if l.Unchanged != l.Features {
			t.Errorf("second run of the example: %+v, the document says unchanged", l)
		}
	}
}
