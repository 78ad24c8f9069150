package foreign

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
)

// The GCJ-02 and BD-09 conversions agree within 2 m with gcoord, an independent implementation
// (npm, web/node_modules), run by node, across the country.
func TestConversionsMatchGcoord(t *testing.T) {
	pts := [][2]float64{{124.3412, 43.1563}, {116.397, 39.909}, {121.4737, 31.2304}, {113.2644, 23.1291}, {87.6168, 43.8256}, {126.535, 45.803}}
	for _, c := range []struct {
		from string
		conv func(lon, lat float64) (float64, float64)
	}{{"GCJ02", gcjToWGS84}, {"BD09", bd09ToWGS84}} {
		want := gcoord(t, pts, c.from)
		for i, p := range pts {
			lon, lat := c.conv(p[0], p[1])
			dx := (lon - want[i][0]) * 111320 * math.Cos(lat*math.Pi/180)
			dy := (lat - want[i][1]) * 110540
			if d := math.Hypot(dx, dy); d > 2 {
				t.Errorf("%s %v: %.2f m from gcoord's %v", c.from, p, d, want[i])
			}
		}
	}
}

func gcoord(t *testing.T, pts [][2]float64, from string) [][2]float64 {
	t.Helper()
	in, _ := json.Marshal(pts)
	script := fmt.Sprintf(`const g = require('gcoord'); const pts = JSON.parse(process.argv[1]);
console.log(JSON.stringify(pts.map(p => g.transform(p, g.%s, g.WGS84))));`, from)
	cmd := exec.Command("node", "-e", script, string(in))
	cmd.Dir = filepath.Join("..", "..", "..", "web")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node gcoord (scripts/install.sh installs web/node_modules): %v", err)
	}
	var got [][2]float64
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return got
}
