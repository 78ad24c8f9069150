package postgis_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/tiles"
)

// segment_overlap (sql/0019), the length of a segment within r of another, agrees with GEOS
// (a finely drawn buffer) in every arrangement: parallel, crossing, oblique, end-on, apart,
// touching, degenerate.
func TestSegmentOverlapAgreesWithGEOS(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	cases := [][8]float64{
		{0, 1, 100, 1, 0, 0, 100, 0},         // parallel, alongside all the way
		{-50, 3, 50, 3, 0, 0, 100, 0},        // parallel, half alongside, past the road's end
		{50, -40, 50, 40, 0, 0, 100, 0},      // crossing at right angles
		{0, -30, 100, 30, 0, 0, 100, 0},      // crossing obliquely
		{102, 0, 150, 0, 0, 0, 100, 0},       // end-on, beyond the road's end within r
		{0, 20, 100, 20, 0, 0, 100, 0},       // apart
		{0, 5, 100, 5, 0, 0, 100, 0},         // touching the corridor's edge
		{10, 1, 10, 1.0000001, 0, 0, 100, 0}, // a pipe of almost no length
		{-20, -20, 20, 20, 0, 0, 0, 0},       // a road of no length: a disc
		{0, 0, 100, 0, 0, 0, 100, 0},         // on top of the road
		{-3, 30, 3, -30, 0, 0, 0, 80},        // crossing a north-south road near its end
	}
	for _, c := range cases {
		var analytic, geos float64
		err := db.Pool.QueryRow(ctx, `SELECT segment_overlap($1, $2, $3, $4, $5, $6, $7, $8, 5),
			ST_Length(ST_Intersection(ST_MakeLine(ST_Point($1, $2), ST_Point($3, $4)),
			  ST_Buffer(CASE WHEN $5 = $7 AND $6 = $8 THEN ST_Point($5, $6) ELSE ST_MakeLine(ST_Point($5, $6), ST_Point($7, $8)) END, 5, 'quad_segs=256')))`,
			c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]).Scan(&analytic, &geos)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(analytic-geos) > 0.01 {
			t.Errorf("pipe %v road %v: analytic %.3f m, GEOS %.3f m", c[:4], c[4:], analytic, geos)
		}
	}
}

// Editing a pipe or a road keeps the stored dig-once overlaps equal to a computation from scratch.
func TestDigOnceOverlapsFollowEdits(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO roads (code, name, class, resurface_year, geom) VALUES
		('R1', '甲路', 'branch', 2025, ST_MakeLine(ST_Point(124.340, 43.16, 4326), ST_Point(124.350, 43.16, 4326))),
		('R2', '乙路', 'branch', 2025, ST_MakeLine(ST_Point(124.345, 43.155, 4326), ST_Point(124.345, 43.165, 4326)))`)
	exec(`INSERT INTO pipelines (code, kind, material, laid_year, condition, operator, geom) VALUES
		('P1', 'water_supply', 'cast_iron', 1970, 'poor', '水务公司', ST_MakeLine(ST_Point(124.341, 43.16002, 4326), ST_Point(124.349, 43.16002, 4326))),
		('P2', 'water_supply', 'cast_iron', 1970, 'poor', '水务公司', ST_MakeLine(ST_Point(124.3450, 43.158, 4326), ST_Point(124.3450, 43.162, 4326)))`)
	stored := func() string {
		var s string
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(format('%s-%s:%s', road_id, pipe_id, round(len_m)), ',' ORDER BY road_id, pipe_id), '') FROM dig_once_overlaps`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	fresh := func() string {
		exec("CREATE TEMP TABLE kept AS SELECT * FROM dig_once_overlaps")
		exec("UPDATE planning_settings SET value = value WHERE key = 'dig_once_buffer_m'") // computes all again
		s := stored()
		exec("DELETE FROM dig_once_overlaps; INSERT INTO dig_once_overlaps SELECT * FROM kept; DROP TABLE kept")
		return s
	}
	check := func(what string) {
		t.Helper()
		if got, want := stored(), fresh(); got != want || got == "" {
			t.Errorf("%s: stored %q, from scratch %q", what, got, want)
		}
	}
	check("after inserting")
	before := stored()
	exec("UPDATE pipelines SET geom = ST_Translate(geom, 0, 0.0005) WHERE code = 'P1'") // 55 m north: out of R1's corridor
	check("after moving a pipe")
	if stored() == before {
		t.Error("moving a pipe out of the corridor changed nothing")
	}
	exec("UPDATE roads SET geom = ST_Translate(geom, 0, 0.0005) WHERE code = 'R1'") // the road follows it
	check("after moving a road")
	exec("DELETE FROM pipelines WHERE code = 'P2'")
	check("after deleting a pipe")
	exec("UPDATE roads SET resurface_year = NULL WHERE code = 'R1'")
	var n int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM dig_once_overlaps o JOIN roads r ON r.id = o.road_id WHERE r.code = 'R1'").Scan(&n); err != nil || n != 0 {
		t.Errorf("a road without a planned resurfacing keeps %d overlaps (%v)", n, err)
	}
	exec("UPDATE roads SET resurface_year = 2026 WHERE code = 'R1'")
	check("after planning a road's resurfacing")
}

// The tile store refuses a tile rendered before a change that reaches it (a render from the
// snapshot taken before the change committed), and takes it from a snapshot that sees the change
// or when the change reaches elsewhere.
func TestTileStoreRefusesStaleTiles(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	store := postgis.TileStore{DB: db}
	here := tiles.CoordAt(16, 124.3506, 43.16035)
	far := tiles.CoordAt(16, 124.3506, 43.1783)
	meta := func(c tiles.Coord) tiles.Meta { return tiles.Meta{Set: "all", Layers: []string{"parking"}, Coord: c} }
	tile := &tiles.Tile{Raw: []byte("mvt"), ETag: `"x"`}
	before, err := store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO parking (code, kind, capacity, geom) VALUES ('K', 'car_space', 12, ST_Point(124.3506, 43.16035, 4326))`); err != nil {
		t.Fatal(err)
	}
	has := func(c tiles.Coord) bool {
		var n int
		db.Pool.QueryRow(ctx, "SELECT count(*) FROM tile_store WHERE key = $1", fmt.Sprintf("all/%d/%d/%d", c.Z, c.X, c.Y)).Scan(&n)
		return n == 1
	}
	save := func(c tiles.Coord, snap string) {
		if err := store.Save(ctx, fmt.Sprintf("all/%d/%d/%d", c.Z, c.X, c.Y), meta(c), tile, snap); err != nil {
			t.Fatal(err)
		}
	}
	save(here, before)
	save(far, before)
	if has(here) || !has(far) {
		t.Errorf("from the snapshot before the parking: stored here %v (want false), far %v (want true)", has(here), has(far))
	}
	after, _ := store.Snapshot(ctx)
	save(here, after)
	if !has(here) {
		t.Error("a tile rendered after the change was refused")
	}
	if got, ok, err := store.Load(ctx, fmt.Sprintf("all/%d/%d/%d", here.Z, here.X, here.Y)); err != nil || !ok || string(got.Raw) != "mvt" || got.ETag != `"x"` {
		t.Errorf("load: %v %v %v", got, ok, err)
	}
}
