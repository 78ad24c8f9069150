package postgis_test

import (
	"context"
	"testing"

	"renewmap/internal/postgis/pgtest"
)

// A fresh database takes every migration and has the reference data; a second run changes
// nothing.
func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	n, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if n != 0 {
		t.Errorf("second migrate applied %d migrations, want 0", n)
	}
	for _, c := range []struct {
		table string
		want  int
	}{
		{"renovation_menu", 42},
		{"facility_kinds", 29},
		{"departments", 9},
		{"targets", 1},
		{"plan_stage_labels", 8},
		{"pipeline_kind_labels", 9},
		{"parking_kind_labels", 5},
	} {
		var got int
		if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM "+c.table).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if got != c.want {
			t.Errorf("%s has %d rows, want %d", c.table, got, c.want)
		}
	}
	var communities, buildings, households int
	var area float64
	err = db.Pool.QueryRow(ctx, `SELECT communities, buildings, households, floor_area FROM targets WHERE code = '2021'`).
		Scan(&communities, &buildings, &households, &area)
	if err != nil {
		t.Fatal(err)
	}
	if communities != 24 || buildings != 146 || households != 9120 || area != 721000 {
		t.Errorf("2021 target = %d/%d/%d/%v, want 24/146/9120/721000", communities, buildings, households, area)
	}
}
