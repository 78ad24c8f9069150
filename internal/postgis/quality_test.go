package postgis_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"renewmap/internal/access"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
	"renewmap/internal/topology"
)

func TestBlindSpotsLeaveKindsWithoutData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	mustLoad(ctx, t, db, faultFiles(t), postgis.ImportOptions{})
	var id int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM buildings WHERE code = 'QA-B1'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// The faults dataset has kindergartens and no bus stop at all.
	bs := []access.BlindSpot{{Building: id, Households: 36, Missing: []string{"bus_stop", "kindergarten"}}}
	if err := db.SaveBlindSpots(ctx, bs, 1); err != nil {
		t.Fatal(err)
	}
	var n int
	var kinds []string
	if err := db.Pool.QueryRow(ctx, `SELECT missing_required, missing_kinds FROM building_coverage WHERE building_id = $1`, id).Scan(&n, &kinds); err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(kinds) != 1 || kinds[0] != "kindergarten" {
		t.Fatalf("the blind-spot overlay counts only kinds with data as missing: %d %v", n, kinds)
	}
	none, err := db.NoDataKinds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range none {
		if k.Code == "kindergarten" {
			t.Fatal("kindergartens are in the data")
		}
	}
}

// TestMigrationClearsPlaceholders: the rows an earlier OSM import left with placeholders (the
// year 1900, 混合, 无, structure 其他) become unknown (NULL) when migration 0016 runs; data from
// other sources keeps its values.
func TestMigrationClearsPlaceholders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO districts (code, name, source, geom) VALUES
		  ('OSM-district', 'OSM 区', '© OpenStreetMap contributors, ODbL 1.0', ST_Multi(ST_MakeEnvelope(124, 43, 125, 44, 4326))),
		  ('D1', '铁西区', '调查', ST_Multi(ST_MakeEnvelope(124, 43, 125, 44, 4326)));
		INSERT INTO subdistricts (code, name, district_id, geom)
		  SELECT code || '-s', name, id, geom FROM districts;
		INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, geom)
		  SELECT CASE WHEN s.code LIKE 'OSM%' THEN 'OSM-w1' ELSE 'C1' END, '小区', s.id, 1900, 'mixed', 'none',
		         ST_Multi(ST_MakeEnvelope(124.1, 43.1, 124.2, 43.2, 4326)) FROM subdistricts s;
		INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
		  SELECT c.code || '-b', c.id, '1', 6, 2, 24, 1500, 1900, 'other', ST_Multi(ST_MakeEnvelope(124.11, 43.11, 124.12, 43.12, 4326))
		  FROM communities c`); err != nil {
		t.Fatal(err)
	}
	ms, err := postgis.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version == 16 {
			if _, err := db.Pool.Exec(ctx, m.SQL); err != nil {
				t.Fatal(err)
			}
		}
	}
	type row struct {
		code                       string
		year                       *int
		property, management, strc *string
	}
	rows, err := db.Pool.Query(ctx, `SELECT c.code, c.completed_year, c.property_type, c.management, b.structure
		FROM communities c JOIN buildings b ON b.community_id = c.id ORDER BY c.code`)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.code, &r.year, &r.property, &r.management, &r.strc); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("rows: %+v", got)
	}
	c1, osm := got[0], got[1]
	if c1.year != nil || c1.property == nil || *c1.property != "mixed" || c1.strc == nil {
		t.Errorf("the surveyed community loses only the impossible year 1900: %+v", c1)
	}
	if osm.year != nil || osm.property != nil || osm.management != nil || osm.strc != nil {
		t.Errorf("the OSM community's placeholders must all become unknown: %+v", osm)
	}
}

// The quality report lists what to fix on the map, each with its place: the community and the
// building of unknown year in the faults dataset, and a provisional (待核实) community. Fixing
// them on the map (a year entered, the outline confirmed) removes them from the report, which is
// computed again, not filtered.
func TestQualityListsWhatToFix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	mustLoad(ctx, t, db, faultFiles(t), postgis.ImportOptions{})
	ids := idsByCode(ctx, t, db, `SELECT code, id FROM communities UNION ALL SELECT code, id FROM buildings`)
	report := func() access.Quality {
		t.Helper()
		e := pgtest.Engine(t, db)
		q, err := db.Quality(ctx, e, topology.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	codes := func(fs []access.PlacedFeature) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.Layer+":"+f.Code)
		}
		return strings.Join(s, " ")
	}
	q := report()
	if got := codes(q.UnknownYear); got != "buildings:QC-B1 communities:QC" || q.UnknownYearCount != 2 {
		t.Fatalf("unknown year: %s (%d), want the building and the community of 连通小区", got, q.UnknownYearCount)
	}
	if b := q.UnknownYear[0]; b.ID != ids["QC-B1"] || b.Name != "连通小区 B1号楼" || b.Point[0] < 124.3457 || b.Point[0] > 124.346 {
		t.Errorf("the building of unknown year: %+v", b)
	}
	if len(q.Provisional) != 0 {
		t.Errorf("provisional before any: %+v", q.Provisional)
	}
	if _, err := db.EditFeature(ctx, renew.Edit{Layer: "buildings", ID: ids["QC-B1"],
		Properties: map[string]json.RawMessage{"completed_year": []byte("1995")}}, editor); err != nil {
		t.Fatal(err)
	}
	// As an import with provisional communities would leave it.
	if _, err := db.Pool.Exec(ctx, "UPDATE communities SET provisional = true WHERE code = 'QC'"); err != nil {
		t.Fatal(err)
	}
	q = report()
	if got := codes(q.UnknownYear); got != "communities:QC" {
		t.Errorf("unknown year after the building's was entered: %s", got)
	}
	if got := codes(q.Provisional); got != "communities:QC" || q.Provisional[0].Name != "连通小区" {
		t.Errorf("provisional: %+v", q.Provisional)
	}
	if _, err := db.EditFeature(ctx, renew.Edit{Layer: "communities", ID: ids["QC"], Confirm: true}, editor); err != nil {
		t.Fatal(err)
	}
	if q = report(); len(q.Provisional) != 0 {
		t.Errorf("provisional after the confirmation: %+v", q.Provisional)
	}
}
