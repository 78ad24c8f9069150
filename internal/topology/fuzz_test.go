package topology

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// FuzzCheck feeds arbitrary lines (close points, repeats and one-point lines included) to Check: it
// never panics, only changed lines come back, each with at least two points, and without
// SnapDangles every dangle is left unjoined.
func FuzzCheck(f *testing.F) {
	f.Add([]byte{}, false)
	f.Add(make([]byte, 64), true)
	f.Fuzz(func(t *testing.T, data []byte, snap bool) {
		var lines []Line
		var cur orb.LineString
		for len(data) >= 4 {
			v := binary.LittleEndian.Uint16(data)
			w := binary.LittleEndian.Uint16(data[2:])
			data = data[4:]
			if v == math.MaxUint16 { // a separator between lines
				lines = append(lines, Line{ID: int64(len(lines) + 1), Line: cur})
				cur = nil
				continue
			}
			// about 0.1 m steps around Siping, so that merges and dangles happen
			cur = append(cur, orb.Point{124.35 + float64(v)*1e-6, 43.16 + float64(w)*1e-6})
		}
		lines = append(lines, Line{ID: int64(len(lines) + 1), Line: cur})
		r := Check(lines, Options{SnapDangles: snap})
		for _, l := range r.Changed {
			if len(l.Line) < 2 {
				t.Fatalf("line %d changed to %v", l.ID, l.Line)
			}
		}
		for _, d := range r.Dangles {
			if d.Joined != snap || d.Distance > DefaultDangle {
				t.Fatalf("dangle %+v with SnapDangles %v", d, snap)
			}
		}
	})
}
