package topology

import "testing"

// BenchmarkCheck checks a grid of 100,000 street segments 50 m long, noded at every crossing,
// with one path in ten ending 3 m short (a dangle each): about the walk network of gen-demo
// -scale 50.
func BenchmarkCheck(b *testing.B) {
	const n = 224 // n×n nodes: 2·n·(n-1) ≈ 100,000 segments
	var lines []Line
	id := int64(0)
	for i := 0; i < n; i++ {
		for j := 0; j+1 < n; j++ {
			id++
			x, y := float64(i*50), float64(j*50)
			lines = append(lines, Line{ID: id, Line: m(x, y, x, y+50)}, Line{ID: -id, Line: m(y, x, y+50, x)})
			if id%10 == 0 {
				lines = append(lines, Line{ID: 1<<40 + id, Line: m(x+25, y+20, x+3, y+20)})
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := Check(lines, Options{SnapDangles: true})
		if len(r.Dangles) == 0 {
			b.Fatal("no dangle found")
		}
	}
}
