package postgis_test

import (
	"context"
	"testing"

	"renewmap/internal/access"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
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
