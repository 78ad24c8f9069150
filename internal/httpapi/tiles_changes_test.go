package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"renewmap/internal/config"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/tiles"
)

// compositeAt is the composite tile (as the admin sees it) of zoom z holding lon, lat.
func compositeAt(z int, lon, lat float64) (string, maptile.Tile) {
	tile := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
	return fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y), tile
}

// cacheKey is the cache's key of a composite tile path.
func cacheKey(path string) string {
	var z, x, y int
	fmt.Sscanf(path, "/tiles/all/%d/%d/%d.mvt", &z, &x, &y)
	return fmt.Sprintf("all/%d/%d/%d", z, x, y)
}

// Edits drop only the tiles they reach, on every instance over the database: a building's edit
// its own tiles (which then show it) and none 2 km away; a plan's end date nothing; a stage
// change only that community's tiles. The tiles not reached keep their ETags and are answered
// from the cache.
func TestTileInvalidationByRegion(t *testing.T) {
	t.Parallel()
	noPrewarm := func(c *config.Config) { c.TilePrewarm = false } // the counters count requests only
	f := newFixture(t, noPrewarm)
	second := &fixture{db: f.db, sessions: f.sessions} // another instance over the same database
	cfg := config.Default()
	noPrewarm(&cfg)
	second.serve(t, cfg)
	instances := []*fixture{f, second}
	ctx := context.Background()

	near, nearTile := compositeAt(16, 124.3506, 43.16035) // building 1号楼 of 机械厂家属楼 (C1)
	far, _ := compositeAt(16, 124.3506, 43.1783)          // 2 km north, still in the district
	c1, _ := compositeAt(18, 124.3516, 43.1612)           // inside community C1, away from its buildings
	c2, _ := compositeAt(18, 124.3540, 43.16075)          // inside community C2 only
	paths := []string{near, far, c1, c2}
	etags := make([]map[string]string, len(instances))
	for i, in := range instances {
		etags[i] = map[string]string{}
		for _, p := range paths {
			rec := in.get(t, p)
			if rec.Code != 200 || rec.Header().Get("ETag") == "" {
				t.Fatalf("instance %d %s: %d, ETag %q", i, p, rec.Code, rec.Header().Get("ETag"))
			}
			etags[i][p] = rec.Header().Get("ETag")
			if !in.cache.Has(cacheKey(p)) {
				t.Fatalf("instance %d: %s not cached", i, p)
			}
		}
	}
	for _, p := range paths {
		if etags[0][p] != etags[1][p] {
			t.Errorf("%s: the instances' ETags differ", p)
		}
	}
	changes := func() (n int64) {
		if err := f.db.Pool.QueryRow(ctx, "SELECT count(*) FROM tile_changes").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// step makes an edit, then (after a marker change that reaches no composite tile) checks on
	// every instance that exactly the tiles dropped were dropped: they answer 200 with a new
	// ETag, the others 304 from the cache.
	step := func(what string, edit func(), dropped ...string) {
		t.Helper()
		before := make([]int64, len(instances))
		for i, in := range instances {
			before[i] = in.cache.Stats().Invalidated
		}
		edit()
		var marker int64
		if _, err := f.db.Pool.Exec(ctx, "UPDATE pipe_service_life SET years = years + 1 WHERE material = 'concrete'"); err != nil {
			t.Fatal(err)
		}
		if err := f.db.Pool.QueryRow(ctx, "SELECT max(id) FROM tile_changes").Scan(&marker); err != nil {
			t.Fatal(err)
		}
		for i, in := range instances {
			waitFor(t, what+" reaching the cache", func() bool { return in.cache.Stats().LastChange >= marker })
			if got := in.cache.Stats().Invalidated - before[i]; got != int64(len(dropped)) {
				t.Errorf("%s: instance %d dropped %d tiles, want %d", what, i, got, len(dropped))
			}
			for _, p := range paths {
				wantDropped := false
				for _, d := range dropped {
					wantDropped = wantDropped || d == p
				}
				misses := in.cache.Stats().Misses
				rec := in.get(t, p, "If-None-Match", etags[i][p])
				hit := in.cache.Stats().Misses == misses
				switch {
				case wantDropped && (rec.Code != 200 || rec.Header().Get("ETag") == etags[i][p] || hit):
					t.Errorf("%s: instance %d %s answered %d from cache %v, ETag %s; want a new tile", what, i, p, rec.Code, hit, rec.Header().Get("ETag"))
				case !wantDropped && (rec.Code != http.StatusNotModified || !hit):
					t.Errorf("%s: instance %d %s answered %d from cache %v; want 304 from the cache", what, i, p, rec.Code, hit)
				}
				etags[i][p] = rec.Header().Get("ETag")
			}
		}
	}

	step("a building's floors", func() {
		if _, err := f.db.Pool.Exec(ctx, "UPDATE buildings SET floors = 7 WHERE code = 'C1-B1'"); err != nil {
			t.Fatal(err)
		}
	}, near)
	for i, in := range instances {
		found := false
		for _, b := range decode(t, in.get(t, near).Body.Bytes(), nearTile)["buildings"] {
			if b.Properties["number"] == "1号楼" && b.Properties["community_name"] == "机械厂家属楼" {
				found = true
				if b.Properties["floors"] != 7.0 {
					t.Errorf("instance %d: the edited building shows %v floors, want 7", i, b.Properties["floors"])
				}
			}
		}
		if !found {
			t.Errorf("instance %d: the edited building is not in its tile", i)
		}
	}

	id := f.planID(t)
	plan := fmt.Sprintf("/api/v1/plans/%d", id)
	etag := func() string { return f.as(t, "planner", http.MethodGet, plan, "").Header().Get("ETag") }
	n := changes()
	step("a plan's end date", func() {
		if rec := f.as(t, "planner", http.MethodPatch, plan, `{"planned_end":"2022-09-30"}`, "If-Match", etag()); rec.Code != 200 {
			t.Fatalf("PATCH planned_end: %d %s", rec.Code, rec.Body.String())
		}
	})
	if got := changes() - n; got != 1 { // the marker only
		t.Errorf("a plan's end date recorded %d tile changes, want none", got-1)
	}

	step("a stage change of C1", func() {
		if rec := f.as(t, "planner", http.MethodPost, plan+"/stage", `{"to":"approved","reason":"施工方案调整"}`, "If-Match", etag()); rec.Code != 200 {
			t.Fatalf("stage: %d %s", rec.Code, rec.Body.String())
		}
	}, near, c1)
}

// After an import, the prewarmer leaves every composite tile of zoom 12–16 of the district that
// the import reached in the cache: a user then meets no uncached tile.
func TestTilePrewarmAfterImport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first, _ := compositeAt(14, 124.3506, 43.16035)
	if rec := f.get(t, first); rec.Code != 200 { // a user looks at the composite map
		t.Fatalf("%s: %d", first, rec.Code)
	}
	// The district's outline imported again, renamed: its extent is the whole district.
	file := ingest.File{Name: "districts.geojson", Layer: "districts", Data: []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"code":"220302","name":"铁西区（新）","source":"test"},
		 "geometry":{"type":"Polygon","coordinates":[[[124.330,43.150],[124.370,43.150],[124.370,43.180],[124.330,43.180],[124.330,43.150]]]}}]}`)}
	batch, err := ingest.Parse([]ingest.File{file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Import(context.Background(), batch, postgis.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	x0, y0 := tiles.Mercator(124.330, 43.150)
	x1, y1 := tiles.Mercator(124.370, 43.180)
	var want []string
	for z := 12; z <= 16; z++ {
		cs, _ := tiles.CoordsIn(z, [4]float64{x0, y0, x1, y1}, 1000)
		for _, c := range cs {
			want = append(want, fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", c.Z, c.X, c.Y))
		}
	}
	if len(want) < 90 {
		t.Fatalf("only %d tiles expected: the district is wrong", len(want))
	}
	waitFor(t, "the prewarm", func() bool {
		for _, p := range want {
			if !f.cache.Has(cacheKey(p)) {
				return false
			}
		}
		return true
	})
	misses := f.cache.Stats().Misses
	for _, p := range want {
		if rec := f.get(t, p); rec.Code != 200 && rec.Code != http.StatusNoContent {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
	if got := f.cache.Stats().Misses - misses; got != 0 {
		t.Errorf("%d of %d tiles were not prewarmed", got, len(want))
	}
	rec := f.get(t, first)
	if ds := decode(t, rec.Body.Bytes(), maptile.At(orb.Point{124.3506, 43.16035}, 14))["district"]; len(ds) != 1 || ds[0].Properties["name"] != "铁西区（新）" {
		t.Errorf("the prewarmed tile does not show the import: %v", ds)
	}
}

// With the shared tile store, a second instance serves a tile the first rendered without
// rendering it, and a change removes the tiles it reaches from the store: the next request
// renders the edit.
func TestTileStore(t *testing.T) {
	t.Parallel()
	withStore := func(c *config.Config) { c.TileStore, c.TilePrewarm = true, false }
	f := newFixture(t, withStore)
	cfg := config.Default()
	withStore(&cfg)
	ctx := context.Background()
	near, nearTile := compositeAt(16, 124.3506, 43.16035)
	far, _ := compositeAt(16, 124.3506, 43.1783)
	for _, p := range []string{near, far} {
		if rec := f.get(t, p); rec.Code != 200 || rec.Header().Get("X-Cache") != "MISS" {
			t.Fatalf("first instance %s: %d %s", p, rec.Code, rec.Header().Get("X-Cache"))
		}
	}
	second := &fixture{db: f.db, sessions: f.sessions}
	second.serve(t, cfg)
	first := f.get(t, near)
	rec := second.get(t, near)
	if rec.Code != 200 || rec.Header().Get("X-Cache") != "STORE" || rec.Header().Get("ETag") != first.Header().Get("ETag") {
		t.Fatalf("second instance: %d from %s, ETag %s (first %s)", rec.Code, rec.Header().Get("X-Cache"), rec.Header().Get("ETag"), first.Header().Get("ETag"))
	}

	if _, err := f.db.Pool.Exec(ctx, "UPDATE buildings SET floors = 9 WHERE code = 'C1-B1'"); err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := f.db.Pool.QueryRow(ctx, "SELECT max(id) FROM tile_changes").Scan(&last); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*fixture{f, second} {
		waitFor(t, "the edit reaching the instance", func() bool { return in.cache.Stats().LastChange >= last })
	}
	stored := func(p string) (n int) {
		if err := f.db.Pool.QueryRow(ctx, "SELECT count(*) FROM tile_store WHERE key = $1", cacheKey(p)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if stored(near) != 0 || stored(far) != 1 {
		t.Errorf("after the edit the store holds the edited tile %d times and the far one %d times, want 0 and 1", stored(near), stored(far))
	}
	rec = second.get(t, near)
	if rec.Header().Get("X-Cache") != "MISS" {
		t.Errorf("the edited tile came from %s", rec.Header().Get("X-Cache"))
	}
	for _, b := range decode(t, rec.Body.Bytes(), nearTile)["buildings"] {
		if b.Properties["number"] == "1号楼" && b.Properties["community_name"] == "机械厂家属楼" && b.Properties["floors"] != 9.0 {
			t.Errorf("the edited building shows %v floors, want 9", b.Properties["floors"])
		}
	}
	if rec := second.get(t, far); rec.Header().Get("X-Cache") != "STORE" {
		t.Errorf("the far tile came from %s, want the store", rec.Header().Get("X-Cache"))
	}
}
