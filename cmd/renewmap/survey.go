package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"renewmap/internal/ingest"
)

// survey converts the two tables of a pipeline survey (物探: 管点 and 管线, CSV) into a
// pipelines GeoJSON with the elevation of every vertex, for `renewmap load` (docs/data-format.md).
func survey(ctx context.Context, args []string, e *env) error {
	var pointsPath, linesPath, out string
	var srid int
	db, rest, err := openFromFlags(ctx, "survey", args, e, func(fs *flag.FlagSet) {
		fs.StringVar(&pointsPath, "points", "", "管点 table (CSV): 点号, X, Y, 地面高程, 埋深")
		fs.StringVar(&linesPath, "lines", "", "管线 table (CSV): 编码, 起点, 终点, 类型, 材质, 管径, 敷设年份, 状况, 权属单位")
		fs.IntVar(&srid, "srid", 4550, "EPSG code of the tables' X/Y (4550: CGCS2000 3-degree Gauss-Krüger CM 123°E)")
		fs.StringVar(&out, "out", "pipelines.geojson", "GeoJSON to write")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if pointsPath == "" || linesPath == "" || len(rest) > 0 {
		return fmt.Errorf("usage: renewmap survey -points 管点.csv -lines 管线.csv [-srid 4550] [-out pipelines.geojson]")
	}
	points, err := os.ReadFile(pointsPath)
	if err != nil {
		return err
	}
	lines, err := os.ReadFile(linesPath)
	if err != nil {
		return err
	}
	pipes, err := ingest.ParseSurvey(points, lines)
	if err != nil {
		return err
	}
	ends := make([][2][3]float64, len(pipes))
	for i, p := range pipes {
		ends[i] = p.Ends
	}
	geoms, err := db.TransformLines3D(ctx, srid, ends)
	if err != nil {
		return err
	}
	// Chinese labels (供水, 铸铁, 较差) become the codes the importer takes; codes stay.
	labels, err := db.Labels(ctx)
	if err != nil {
		return err
	}
	code := func(enum, v string) string {
		for c, l := range labels[enum] {
			if l == v {
				return c
			}
		}
		return v
	}
	type feature struct {
		Type       string          `json:"type"`
		Properties map[string]any  `json:"properties"`
		Geometry   json.RawMessage `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	for i, p := range pipes {
		props := map[string]any{"code": p.Code, "kind": code("pipeline_kind", p.Kind), "material": code("pipe_material", p.Material),
			"laid_year": p.LaidYear, "condition": code("pipe_condition", p.Condition), "operator": p.Operator}
		if p.DiameterMM != 0 {
			props["diameter_mm"] = p.DiameterMM
		}
		fc.Features = append(fc.Features, feature{"Feature", props, json.RawMessage(geoms[i])})
	}
	b, err := json.MarshalIndent(fc, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d pipelines with elevations to %s; import with: renewmap load %s\n", len(pipes), out, out)
	return nil
}
