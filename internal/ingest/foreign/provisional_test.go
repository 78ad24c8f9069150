package foreign

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/ingest"
	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// Gather on a file whose buildings all lack a community (none mapped): the buildings' file is
// rebuilt as valid GeoJSON with their communities, a cluster outside every 街道 is left out and
// listed, and the result parses as an import batch.
func TestGatherEveryBuildingLoose(t *testing.T) {
	res := &Result{File: ingest.File{Name: "f.gpkg (f → buildings)", Layer: "buildings",
		Data: []byte(`{"type":"FeatureCollection","features":[` + "\n]}\n")}}
	building := func(code string, lon, lat float64, year int64) {
		d := 0.0001
		f := geojson.NewFeature(orb.Polygon{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}})
		f.Properties = map[string]any{"code": code, "number": code, "floors": int64(6), "units": int64(2), "households": int64(24),
			"floor_area": 1800.0, "completed_year": year}
		res.Loose = append(res.Loose, Loose{Where: renew.T("%s (code %q)", "f", code), Feature: f})
	}
	for i := range 3 {
		building(fmt.Sprintf("A%d", i), 124.34, 43.16+float64(i)*0.0002, int64(1980+i))
		building(fmt.Sprintf("Z%d", i), 125.34, 43.16+float64(i)*0.0002, 1990) // outside the 街道
	}
	sub := orb.MultiPolygon{{{{124.3, 43.1}, {124.4, 43.1}, {124.4, 43.2}, {124.3, 43.2}, {124.3, 43.1}}}}
	g, err := Gather(res, GatherOptions{Subdistricts: []Place{{Code: "S1", Area: sub}},
		List: []planning.ListedCommunity{{Row: 2, Name: "无名花园"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Communities) != 1 || g.Communities[0].Code != "pv-A0" || g.Communities[0].Buildings != 3 || len(g.Outside) != 3 || len(g.Unmatched) != 1 {
		t.Fatalf("gathered %+v", g)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(res.File.Data, &fc); err != nil || len(fc.Features) != 3 || res.Features != 3 {
		t.Fatalf("buildings file (%d features): %v\n%s", res.Features, err, res.File.Data)
	}
	for _, f := range fc.Features {
		if f.Properties["community"] != "pv-A0" {
			t.Errorf("building %v in %v, want pv-A0", f.Properties["code"], f.Properties["community"])
		}
	}
	b, err := ingest.Parse([]ingest.File{g.File, res.File})
	if err != nil {
		t.Fatal(err)
	}
	if b.Count() != 4 {
		t.Errorf("the batch holds %d features, want 1 community and 3 buildings", b.Count())
	}
	notes := strings.Join(g.Notes(), "\n")
	for _, want := range []string{"1 个待核实小区", "名单第 2 行 无名花园", "3 栋楼未导入：所在的聚类不在任何街道内"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if !strings.Contains(string(g.File.Data), `"completed_year":1981`) {
		t.Errorf("the community's year is not its buildings' median:\n%s", g.File.Data)
	}
}
