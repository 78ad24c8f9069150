package postgis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"renewmap/geodata"
	"renewmap/internal/access"
	"renewmap/internal/access/oracle"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// loadTiexi imports the demo district into a fresh database.
func loadTiexi(ctx context.Context, t *testing.T) *postgis.DB {
	t.Helper()
	db, _ := pgtest.New(t)
	importTiexi(ctx, t, db)
	return db
}

// importTiexi imports the demo district into db.
func importTiexi(ctx context.Context, t *testing.T, db *postgis.DB) {
	t.Helper()
	files, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Import(ctx, b, postgis.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestNetworkOnTiexi(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Now()
	db := loadTiexi(ctx, t)
	t.Logf("imported in %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	in, err := db.LoadNetwork(ctx)
	t.Logf("loaded in %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Edges) != 2187 || len(in.Gates) != 251 || len(in.Communities) != 138 || len(in.Buildings) != 1185 ||
		len(in.Facilities) != 853 || len(in.Kinds) != 29 || in.Version <= 0 {
		t.Fatalf("loaded %d edges, %d gates, %d communities, %d buildings, %d facilities, %d kinds, version %d",
			len(in.Edges), len(in.Gates), len(in.Communities), len(in.Buildings), len(in.Facilities), len(in.Kinds), in.Version)
	}
	if v, err := db.NetworkVersion(ctx); err != nil || v != in.Version {
		t.Errorf("network version = %d, %v; want %d", v, err, in.Version)
	}
	e, err := access.Build(in, access.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.Stats(); st.Unsnapped != 0 {
		t.Errorf("stats: %+v", st)
	}
	t.Log(e)

	t.Run("pgRouting agrees", func(t *testing.T) {
		oracle.Enable(t, db)
		oracle.Compare(t, db, e, oracle.FromTables)
	})

	// Coverage is consistent with the distances behind it.
	cov := e.Coverage()
	kinds := e.Kinds()
	byComm := map[int64][]int{} // community → households covered per kind, from the distances
	hhComm := map[int64]int{}
	total := 0
	for _, b := range in.Buildings {
		total += b.Households
		hhComm[b.Community] += b.Households
		ds, err := e.BuildingAccess(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if byComm[b.Community] == nil {
			byComm[b.Community] = make([]int, len(kinds))
		}
		for k, d := range ds {
			if d.Covered != (d.Reached && d.Distance <= kinds[k].ServiceDistance) || d.Reached != (d.Facility != 0) {
				t.Fatalf("building %d, %s: %+v", b.ID, d.Kind, d)
			}
			if d.Covered {
				byComm[b.Community][k] += b.Households
			}
		}
	}
	for k, kc := range cov.Kinds {
		if kc.Households != total || kc.Covered > kc.Households || kc.Covered < 0 {
			t.Errorf("%s: %d covered of %d (total %d)", kc.Kind, kc.Covered, kc.Households, total)
		}
		t.Logf("coverage %-26s %-5s %5.0f m  %5.1f %%  (%d of %d households)", kc.Kind, kc.Level, kc.ServiceDistance, 100*kc.Share, kc.Covered, kc.Households)
		_ = k
	}
	gapCount := 0
	for _, cc := range cov.Communities {
		gapCount += len(cc.Gaps)
		want := byComm[cc.ID]
		if cc.Households != hhComm[cc.ID] {
			t.Errorf("community %d: %d households, buildings sum to %d", cc.ID, cc.Households, hhComm[cc.ID])
		}
		missing := map[string]bool{}
		for _, g := range cc.Gaps {
			for _, k := range g.Kinds {
				missing[k] = true
			}
		}
		for k, kind := range kinds {
			if cc.Covered[k] != want[k] {
				t.Errorf("community %d, %s: %d covered, distances say %d", cc.ID, kind.Code, cc.Covered[k], want[k])
			}
			gap := kind.Required && cc.Households > 0 && 2*want[k] < cc.Households
			if gap != missing[kind.Code] {
				t.Errorf("community %d, %s: gap %v, distances say %v", cc.ID, kind.Code, missing[kind.Code], gap)
			}
		}
	}
	t.Logf("%d communities, %d (community, level) gaps", len(cov.Communities), gapCount)

	// Circles for every community, standard and winter, stored and replaced.
	ths := append(access.StandardProfile().Thresholds(access.DefaultLevels()),
		access.WinterProfile().Thresholds(access.DefaultLevels())...)
	cs, err := e.Circles(ctx, nil, ths)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		start = time.Now()
		if err := db.SaveCircles(ctx, cs, in.Version); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d circles saved in %s", len(cs), time.Since(start).Round(time.Millisecond))
	}
	var rows, comms, bad, shrink int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT community_id),
		count(*) FILTER (WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom) OR inputs_version <> $1)
		FROM living_circles`, in.Version).Scan(&rows, &comms, &bad); err != nil {
		t.Fatal(err)
	}
	if rows != 138*6 || comms != 138 || bad != 0 {
		t.Errorf("living_circles: %d rows for %d communities, %d bad; want 828 for 138", rows, comms, bad)
	}
	// A longer walk reaches more, and every circle covers part of its own community.
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM living_circles a
		JOIN living_circles b ON a.community_id = b.community_id AND a.profile = b.profile AND a.minutes < b.minutes
		JOIN communities c ON c.id = a.community_id
		WHERE ST_Area(a.geom::geography) > ST_Area(b.geom::geography) + 1 OR NOT ST_Intersects(a.geom, c.geom)`).Scan(&shrink); err != nil {
		t.Fatal(err)
	}
	if shrink != 0 {
		t.Errorf("%d circles smaller than a shorter one of the same community, or off their community", shrink)
	}
	var area float64
	_ = db.Pool.QueryRow(ctx, `SELECT avg(ST_Area(geom::geography)) / 1e6 FROM living_circles
		WHERE minutes = 15 AND profile = 'standard'`).Scan(&area)
	t.Logf("%d circles stored; mean 15-minute circle %.2f km²", rows, area)

	// A circle of a community that does not exist is refused, and nothing changes.
	err = db.SaveCircles(ctx, []access.Circle{{Community: 999999, Minutes: 5, Distance: 300, Profile: "standard",
		Pieces: cs[0].Pieces}}, in.Version)
	if !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("unknown community: %v, want ErrInvalid", err)
	}
}
