package osm_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"renewmap/internal/ingest/osm"
)

// TestConvertTiny checks the mapping on a hand-made area: a walled community with a gate on its
// west edge, a service road entering through it, a residential building and a bus stop.
func TestConvertTiny(t *testing.T) {
	t.Parallel()
	b, rep, err := osm.Load(strings.NewReader(tinyOSM), osm.Options{File: "tiny.osm", CodePrefix: "T-"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"districts": 1, "subdistricts": 1, "communities": 1, "buildings": 1, "roads": 2, "gates": 1, "facilities": 1, "parking": 0}
	for layer, n := range want {
		if got := len(b.Layer(layer).Features); got != n {
			t.Errorf("%s: %d features, want %d (notes %v)", layer, got, n, rep.Notes)
		}
	}
	c := b.Layer("communities").Features[0]
	if c.Code != "T-w100" || c.Props["name"] != "示例小区" || c.Props["subdistrict"] != "T-subdistrict" {
		t.Errorf("community %s %v", c.Code, c.Props)
	}
	if d := b.Layer("districts").Features[0]; d.Code != "T-district" || d.Props["name"] != "OSM导入区域 tiny" || d.Props["source"] != osm.Attribution {
		t.Errorf("district %s %v", d.Code, d.Props)
	}
	// The road is cut where it passes the gate: outside a public branch road, inside the
	// community's internal road.
	roads := b.Layer("roads").Features
	if roads[0].Code != "T-w101-1" || roads[0].Props["class"] != "branch" || roads[0].Props["community"] != nil ||
		roads[1].Code != "T-w101-2" || roads[1].Props["class"] != "internal" || roads[1].Props["community"] != "T-w100" {
		t.Errorf("roads %v / %v", roads[0].Props, roads[1].Props)
	}
	if end, start := roads[0].Geometry.(orb.LineString), roads[1].Geometry.(orb.LineString); end[len(end)-1] != start[0] {
		t.Errorf("road pieces do not meet: %v, %v", end, start)
	}
	g := b.Layer("gates").Features[0]
	if g.Code != "T-n6" || g.Props["community"] != "T-w100" || g.Props["kind"] != "both" || g.Props["name"] != "西门" {
		t.Errorf("gate %s %v", g.Code, g.Props)
	}
	bl := b.Layer("buildings").Features[0]
	// 6 storeys on about 85 m × 56 m … the footprint is 0.001° × 0.0005°: ≈ 85 m × 56 m.
	fa := bl.Props["floor_area"].(float64)
	hh := bl.Props["households"].(int64)
	if bl.Props["floors"] != int64(6) || bl.Props["community"] != "T-w100" || hh != int64(fa/90+0.5) ||
		!strings.HasSuffix(bl.Props["number"].(string), osm.EstimatedMark) || bl.Props["completed_year"] != nil {
		t.Errorf("building %v", bl.Props)
	}
	if f := b.Layer("facilities").Features[0]; f.Props["kind"] != "bus_stop" || f.Props["name"] != "公交车站" || f.Props["community"] != nil {
		t.Errorf("facility %v", f.Props)
	}
}
