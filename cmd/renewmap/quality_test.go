package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"renewmap/internal/postgis/pgtest"
)

const faultsDir = "../../internal/ingest/testdata/faults"

// mustRun runs the command in-process, failing the test with its output when it fails.
func mustRun(t *testing.T, e *env, out *bytes.Buffer, args ...string) {
	t.Helper()
	if err := run(context.Background(), args, e); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
}

func envFor(url string, out io.Writer) *env {
	return &env{stdout: out, stderr: out, getenv: func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}}
}

// load reports the dangle 3 m short, quality names it and the isolated communities, and
// load -snap-dangles joins it so that only the community joined nowhere stays isolated.
func TestQualityCommand(t *testing.T) {
	t.Parallel()
	_, url := pgtest.New(t)
	var out bytes.Buffer
	e := envFor(url, &out)
	mustRun(t, e, &out, "load", faultsDir)
	if !strings.Contains(out.String(), "dangle: road QA-P1 ends 3.00 m from road QR-MAIN") {
		t.Fatalf("load should name the dangle:\n%s", out.String())
	}
	out.Reset()
	mustRun(t, e, &out, "quality")
	for _, want := range []string{"孤立小区 2 个", "QA 断头路小区：内部路网未接入城市道路", "QB 孤岛小区", "道路 QA-P1 的端点距道路 QR-MAIN 3.00 米",
		"小区建成年份：1 / 3 未知", "建成年份未知的小区和楼栋 2 个", "楼栋 QC-B1 连通小区 B1号楼", "待核实（推测）的小区轮廓 0 个",
		"bus_stop 公交车站"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("quality report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	mustRun(t, e, &out, "load", "-snap-dangles", faultsDir)
	out.Reset()
	mustRun(t, e, &out, "quality")
	if !strings.Contains(out.String(), "孤立小区 1 个") || strings.Contains(out.String(), "QA 断头路小区") ||
		!strings.Contains(out.String(), "断头路（距其他道路 5 米内而未相接）0 处") {
		t.Errorf("after -snap-dangles only QB stays isolated and no dangle is left:\n%s", out.String())
	}
}

// Against a database not (fully) migrated, the commands that need the schema say how to get it.
func TestCommandsAskForMigrate(t *testing.T) {
	t.Parallel()
	db, url := pgtest.New(t)
	// What the commands look at: the record of applied migrations (here one is missing).
	if _, err := db.Pool.Exec(context.Background(), `DELETE FROM schema_migrations WHERE version = 16`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"load", faultsDir}, {"import-osm", "x.osm"}, {"circles"}, {"quality"}, {"demo", "remove"}} {
		var out bytes.Buffer
		err := run(context.Background(), args, envFor(url, &out))
		if err == nil || !strings.Contains(err.Error(), "run `renewmap migrate` first") {
			t.Errorf("%v: %v, want the advice to run renewmap migrate", args, err)
		}
	}
}

// demo remove takes out the demonstration rows and leaves the real ones, and the real places
// they hang on.
func TestDemoRemove(t *testing.T) {
	t.Parallel()
	db, url := pgtest.New(t)
	ctx := context.Background()
	var out bytes.Buffer
	e := envFor(url, &out)
	if err := loadDemoIfEmpty(ctx, db, newLogger(io.Discard, 0)); err != nil {
		t.Fatal(err)
	}
	mustRun(t, e, &out, "load", faultsDir)
	// A real community in one of the demo's subdistricts (real 街道 codes).
	if _, err := db.Pool.Exec(ctx, `INSERT INTO communities (code, name, subdistrict_id, geom)
		SELECT 'REAL-1', '真实小区', id, ST_Multi(ST_Buffer(ST_Centroid(geom), 0.001)) FROM subdistricts WHERE code = '220302001'`); err != nil {
		t.Fatal(err)
	}
	mustRun(t, e, &out, "demo", "remove")
	counts := map[string]int{}
	for _, q := range []string{
		`SELECT 'demo', count(*) FROM communities WHERE code LIKE 'TX-%'`,
		`SELECT 'demo roads', count(*) FROM roads WHERE code LIKE 'TX-%'`,
		`SELECT 'faults', count(*) FROM communities WHERE code LIKE 'Q%'`,
		`SELECT 'real', count(*) FROM communities WHERE code = 'REAL-1'`,
		`SELECT 'subdistrict', count(*) FROM subdistricts WHERE code = '220302001'`,
		`SELECT 'district', count(*) FROM districts WHERE code = '220302'`,
		`SELECT 'other subdistricts', count(*) FROM subdistricts WHERE code LIKE '220302%' AND code <> '220302001'`,
		`SELECT 'as_of', count(*) FROM programme_settings WHERE key = 'as_of' AND value IS NOT NULL`,
	} {
		var k string
		var n int
		if err := db.Pool.QueryRow(ctx, q).Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		counts[k] = n
	}
	want := map[string]int{"demo": 0, "demo roads": 0, "faults": 3, "real": 1, "subdistrict": 1, "district": 1, "other subdistricts": 0, "as_of": 0}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("after demo remove: %v, want %v\n%s", counts, want, out.String())
	}
}
