package postgis_test

import (
	"context"
	"testing"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
)

// A pipeline imported with an elevation at every vertex keeps them in geom_z, while geom (maps,
// tiles, analyses) stays the 2D line; a 2D pipeline has no geom_z.
func TestImportElevations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files := editFile(t, smallFiles(t), "pipelines", func(fc map[string]any) {
		g := feature(fc, 0)["geometry"].(map[string]any)
		for i, p := range g["coordinates"].([]any) {
			g["coordinates"].([]any)[i] = append(p.([]any), 178.5-0.1*float64(i))
		}
	})
	mustLoad(ctx, t, db, files, postgis.ImportOptions{})
	var dims2, dims3, with3d int
	var z0 float64
	err := db.Pool.QueryRow(ctx, `
		SELECT max(ST_NDims(geom)), max(ST_NDims(geom_z)), count(geom_z),
		       max(ST_Z(ST_StartPoint(geom_z)))
		FROM pipelines`).Scan(&dims2, &dims3, &with3d, &z0)
	if err != nil {
		t.Fatal(err)
	}
	if dims2 != 2 || dims3 != 3 || with3d != 1 || z0 != 178.5 {
		t.Errorf("geom %dD, geom_z %dD on %d pipelines, first Z %v; want 2D, 3D on 1, 178.5", dims2, dims3, with3d, z0)
	}
}
