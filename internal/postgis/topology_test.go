package postgis_test

import (
	"context"
	"strings"
	"testing"

	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/topology"
)

// faultsDir holds a small network with faults on purpose: community QA's only path ends 3 m short
// of the street, community QB's paths are joined to nothing.
const faultsDir = "../ingest/testdata/faults"

func faultFiles(t *testing.T) []ingest.File {
	t.Helper()
	files, _, err := ingest.FilesFromPaths([]string{faultsDir}, "")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func roadText(ctx context.Context, t *testing.T, db *postgis.DB, code string) string {
	t.Helper()
	var s string
	if err := db.Pool.QueryRow(ctx, `SELECT ST_AsText(geom) FROM roads WHERE code = $1`, code).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestImportReportsDangles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	rep := mustLoad(ctx, t, db, faultFiles(t), postgis.ImportOptions{})
	if len(rep.Topology.Dangles) != 1 {
		t.Fatalf("want the one dangle of QA-P1, got %+v", rep.Topology.Dangles)
	}
	d := rep.Topology.Dangles[0]
	if d.Road != "QA-P1" || d.Near != "QR-MAIN" || d.Distance < 2.99 || d.Distance > 3.01 || d.Joined {
		t.Fatalf("dangle %+v: want QA-P1 3 m from QR-MAIN, not joined", d)
	}
	out := rep.String()
	if !strings.Contains(out, "road QA-P1 ends 3.00 m from road QR-MAIN") || !strings.Contains(out, "-snap-dangles") {
		t.Fatalf("the import's report should name the dangle and the flag that joins it:\n%s", out)
	}
	before := roadText(ctx, t, db, "QR-MAIN")

	// The quality report sees the same without changing anything.
	q, err := db.Topology(ctx, topology.Options{SnapDangles: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Dangles) != 1 || q.Dangles[0].Joined || roadText(ctx, t, db, "QR-MAIN") != before {
		t.Fatalf("Topology must only report: %+v", q.Dangles)
	}

	// Loading the same files again with -snap-dangles joins it.
	rep = mustLoad(ctx, t, db, faultFiles(t), postgis.ImportOptions{Topology: topology.Options{SnapDangles: true}})
	if len(rep.Topology.Dangles) != 1 || !rep.Topology.Dangles[0].Joined {
		t.Fatalf("want the dangle joined, got %+v", rep.Topology.Dangles)
	}
	var joined bool
	if err := db.Pool.QueryRow(ctx, `SELECT ST_Equals(ST_EndPoint(p.geom), ST_PointN(m.geom, 2))
		FROM roads p, roads m WHERE p.code = 'QA-P1' AND m.code = 'QR-MAIN'`).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if !joined {
		t.Fatalf("QA-P1 should now end on a new vertex of QR-MAIN: %s / %s", roadText(ctx, t, db, "QA-P1"), roadText(ctx, t, db, "QR-MAIN"))
	}
	if q, err = db.Topology(ctx, topology.Options{}); err != nil || len(q.Dangles) != 0 {
		t.Fatalf("after joining no dangle is left: %v %+v", err, q.Dangles)
	}
	// The crossing-free paths of QB stay as they are.
	if got := roadText(ctx, t, db, "QB-P2"); !strings.HasPrefix(got, "LINESTRING(124.34431508 43.16017986") {
		t.Fatalf("QB-P2 must not move: %s", got)
	}
}
