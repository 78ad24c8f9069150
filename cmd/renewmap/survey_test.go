package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A survey's two tables become a 3D pipelines file that load imports: the pipe lies at the
// surveyed place, with the elevation (ground less depth) at each end, and the Chinese labels
// of the table read as codes.
func TestSurveyCommand(t *testing.T) {
	t.Parallel()
	db, e, out := commandEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	points, lines, geo := filepath.Join(dir, "管点.csv"), filepath.Join(dir, "管线.csv"), filepath.Join(dir, "pipelines.geojson")
	os.WriteFile(points, []byte("点号,X,Y,地面高程,埋深\nJ1,609786.2,4781935.1,178.6,2.35\nJ2,609816.2,4781935.1,178.4,2.45\n"), 0o644)
	os.WriteFile(lines, []byte("编码,起点,终点,类型,材质,管径,敷设年份,状况,权属单位\nWS-1,J1,J2,污水,混凝土,400,1988,较差,四平市排水公司\n"), 0o644)
	if err := run(ctx, []string{"migrate"}, e); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"survey", "-points", points, "-lines", lines, "-out", geo}, e); err != nil {
		t.Fatalf("survey: %v\n%s", err, out)
	}
	if err := run(ctx, []string{"load", geo}, e); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	var kind, material, condition string
	var lon, z0, z1 float64
	err := db.Pool.QueryRow(ctx, `
		SELECT kind, material, condition, ST_X(ST_StartPoint(geom)), ST_Z(ST_StartPoint(geom_z)), ST_Z(ST_EndPoint(geom_z))
		FROM pipelines WHERE code = 'WS-1'`).Scan(&kind, &material, &condition, &lon, &z0, &z1)
	if err != nil {
		t.Fatal(err)
	}
	if kind != "drainage_sewage" || material != "concrete" || condition != "poor" ||
		math.Abs(lon-124.35) > 0.001 || z0 != 176.25 || z1 != 175.95 {
		t.Errorf("WS-1: %s %s %s, lon %v, Z %v → %v", kind, material, condition, lon, z0, z1)
	}
	// A bad table changes nothing and says which row is wrong.
	os.WriteFile(lines, []byte("编码,起点,终点,类型,材质,管径,敷设年份,状况,权属单位\nWS-2,J1,J7,污水,混凝土,400,1988,较差,四平市排水公司\n"), 0o644)
	err = run(ctx, []string{"survey", "-points", points, "-lines", lines, "-out", geo}, e)
	if err == nil || !strings.Contains(err.Error(), `点号 "J7" 不在管点表中`) {
		t.Errorf("bad survey: %v", err)
	}
}
