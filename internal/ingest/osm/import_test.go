package osm_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb/geo"

	"renewmap/internal/access"
	"renewmap/internal/access/oracle"
	"renewmap/internal/ingest"
	"renewmap/internal/ingest/osm"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
)

const beijing = "testdata/beijing_haidian_tsinghua_2017.osm"

// loadBeijing converts the Beijing extract (© OpenStreetMap contributors, ODbL 1.0).
func loadBeijing(t *testing.T) (*ingest.Batch, osm.Report) {
	t.Helper()
	f, err := os.Open(beijing)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, rep, err := osm.Load(f, osm.Options{File: "beijing_haidian_tsinghua_2017.osm"})
	if err != nil {
		t.Fatal(err)
	}
	return b, rep
}

func countBy(b *ingest.Batch, layer, prop string) map[string]int {
	out := map[string]int{}
	for _, f := range b.Layer(layer).Features {
		v, _ := f.Props[prop].(string)
		out[v]++
	}
	return out
}

// TestBeijingExtract converts the extract and checks what lands in each layer.
func TestBeijingExtract(t *testing.T) {
	t.Parallel()
	b, rep := loadBeijing(t)
	for _, n := range rep.Notes {
		t.Log(n)
	}
	want := map[string]int{"districts": 1, "subdistricts": 1, "communities": 6, "buildings": 73, "roads": 1386,
		"gates": 13, "facilities": 152, "parking": 35}
	for layer, n := range want {
		if got := len(b.Layer(layer).Features); got != n || rep.Counts[layer] != n {
			t.Errorf("%s: %d features (report %d), want %d", layer, got, rep.Counts[layer], n)
		}
	}
	var names []string
	for _, f := range b.Layer("communities").Features {
		names = append(names, f.Props["name"].(string))
		if f.Props["completed_year"] != nil || f.Props["property_type"] != nil || f.Props["management"] != nil {
			t.Errorf("community %s: what OSM does not say must stay unknown, not a placeholder: %v", f.Code, f.Props)
		}
	}
	slices.Sort(names)
	wantNames := []string{"华清嘉园小区", "新林院", "清华大学西北小区", "荷清苑教师住宅区", "西王庄小区", "西院"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("communities %v, want %v", names, wantNames)
	}
	kinds := countBy(b, "facilities", "kind")
	wantKinds := map[string]int{"bus_stop": 67, "community_shop": 15, "convenience_store": 16, "fresh_market": 1,
		"health_center": 2, "kindergarten": 2, "large_sports_field": 10, "medium_sports_field": 8, "middle_school": 4,
		"parcel_locker": 4, "play_ground": 2, "primary_school": 3, "public_toilet": 6, "small_sports_court": 12}
	if !mapsEqual(kinds, wantKinds) {
		t.Errorf("facilities by kind %v, want %v", kinds, wantKinds)
	}
	if pk := countBy(b, "parking", "kind"); !mapsEqual(pk, map[string]int{"car_lot": 26, "bike_shed": 9}) {
		t.Errorf("parking by kind %v", pk)
	}
	t.Logf("roads by class %v, by community %v", countBy(b, "roads", "class"), countBy(b, "roads", "community"))
	t.Logf("buildings by community %v", countBy(b, "buildings", "community"))
	t.Logf("gates by kind %v", countBy(b, "gates", "kind"))
	if src := b.Layer("districts").Features[0].Props["source"]; src != osm.Attribution {
		t.Errorf("district source %q", src)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestImportBeijing imports the extract into PostGIS, again (nothing changes), and builds the
// walking engine on the imported network: coverage and living circles must make sense.
func TestImportBeijing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	b, _ := loadBeijing(t)
	rep, err := db.Import(ctx, b, postgis.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.String())
	for _, l := range rep.Layers {
		if l.Inserted != l.Features {
			t.Errorf("%s: %d of %d inserted", l.Layer, l.Inserted, l.Features)
		}
	}

	// Re-import: the same codes, nothing changes.
	b2, _ := loadBeijing(t)
	rep, err = db.Import(ctx, b2, postgis.ImportOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Layers {
		if l.Inserted+l.Updated+l.Deleted != 0 || l.Unchanged != l.Features {
			t.Errorf("re-import %s: %+v", l.Layer, l)
		}
	}
	var src string
	var hh, comms int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT source FROM districts), (SELECT sum(households) FROM communities),
		(SELECT count(*) FROM communities WHERE building_count > 0)`).Scan(&src, &hh, &comms); err != nil {
		t.Fatal(err)
	}
	if src != osm.Attribution || hh != 3086 || comms != 4 {
		t.Errorf("district source %q, %d households in %d communities with buildings; want %q, 3086 in 4", src, hh, comms, osm.Attribution)
	}

	e := pgtest.Engine(t, db)
	st := e.Stats()
	t.Logf("engine: %+v", st)
	t.Run("pgRouting agrees", func(t *testing.T) {
		oracle.Enable(t, db)
		oracle.Compare(t, db, e, oracle.FromTables)
	})
	if st.Unsnapped != 0 {
		t.Errorf("%d buildings or facilities did not snap", st.Unsnapped)
	}
	// Bus stops line every street here: most households have one within 500 m; the schools of
	// the campus area cover a real but partial share.
	cov := e.Coverage()
	for _, k := range cov.Kinds {
		if k.Covered > 0 {
			t.Logf("coverage %-20s %4.0f m: %4d of %4d households (%.0f%%)", k.Kind, k.ServiceDistance, k.Covered, k.Households, 100*k.Share)
		}
	}
	for kind, r := range map[string][2]float64{"bus_stop": {0.8, 1}, "middle_school": {0.5, 0.9}, "primary_school": {0.15, 0.5}} {
		k, ok := cov.Kind(kind)
		if !ok || k.Households != 3086 || k.Share < r[0] || k.Share > r[1] {
			t.Errorf("coverage of %s: %+v; want a share in %v", kind, k, r)
		}
	}

	ths := access.StandardProfile().Thresholds(access.DefaultLevels())
	cs, err := e.Circles(ctx, nil, ths)
	if err != nil {
		t.Fatal(err)
	}
	length := map[[2]int64]float64{}
	for _, c := range cs {
		for _, p := range c.Pieces {
			length[[2]int64{c.Community, int64(c.Minutes)}] += geo.Length(p)
		}
	}
	if err := db.SaveCircles(ctx, cs, e.Version()); err != nil {
		t.Fatal(err)
	}
	// Every building stands in its own community's circles, those of a community without
	// paths too (joined by access links).
	t.Logf("isolated: %+v", e.Isolation())
	if !slices.ContainsFunc(e.Isolation(), func(i access.Isolated) bool { return i.Reason == access.IsolatedNoPaths }) {
		t.Error("no community without paths: the extract no longer tests their circles")
	}
	var outside int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM buildings b JOIN living_circles l ON l.community_id = b.community_id
		WHERE NOT ST_Intersects(l.geom, ST_PointOnSurface(b.geom))`).Scan(&outside); err != nil {
		t.Fatal(err)
	}
	if outside != 0 {
		t.Errorf("%d times a building is outside its own community's circle", outside)
	}
	rows, err := db.Pool.Query(ctx, `SELECT c.id, c.name, l.minutes, ST_Area(l.geom::geography)
		FROM living_circles l JOIN communities c ON c.id = l.community_id ORDER BY c.id, l.minutes`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	areas := map[string][]float64{} // community → circle areas by minutes 5, 10, 15
	for rows.Next() {
		var id int64
		var name string
		var min int
		var area float64
		if err := rows.Scan(&id, &name, &min, &area); err != nil {
			t.Fatal(err)
		}
		t.Logf("circle %s %2d min: %6.0f m of paths, %8.0f m²", name, min, length[[2]int64{id, int64(min)}], area)
		areas[name] = append(areas[name], area)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The four communities with buildings (西院 and 华清嘉园小区 have none mapped) have circles,
	// each larger than the one before.
	if len(areas) != 4 {
		t.Errorf("circles for %d communities, want 4: %v", len(areas), areas)
	}
	for name, a := range areas {
		if len(a) != 3 || !(a[0] > 10_000 && a[1] > 1.3*a[0] && a[2] > 1.3*a[1]) {
			t.Errorf("%s: circle areas %v m² for 5/10/15 minutes", name, a)
		}
	}
}
