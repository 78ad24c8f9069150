package access

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Siping's latitude, where a degree of longitude is about 81 km.
var bandOrigin = orb.Point{124.35, 43.17}

// metres builds a line from offsets in metres east and north of bandOrigin.
func metres(pts ...[2]float64) orb.LineString {
	fr := newFrame(bandOrigin)
	l := make(orb.LineString, len(pts))
	for i, p := range pts {
		l[i] = fr.from(orb.Point{p[0], p[1]})
	}
	return l
}

// metricArea is a polygon's area in square metres (shell minus holes).
func metricArea(fr frame, p orb.Polygon) float64 {
	a := 0.0
	for k, r := range p {
		q := make(orb.Ring, len(r))
		for i, pt := range r {
			q[i] = fr.to(pt)
		}
		if k == 0 {
			a += planar.Area(q)
		} else {
			a -= planar.Area(q)
		}
	}
	return a
}

// checkRings asserts what every consumer relies on: closed rings of at least four points,
// shells counter-clockwise and holes clockwise, every vertex about radius metres from the
// nearest line.
func checkRings(t *testing.T, mp orb.MultiPolygon, lines []orb.LineString, radius float64) {
	t.Helper()
	fr := newFrame(bandOrigin)
	for _, p := range mp {
		for k, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("ring of %d points, closed %v", len(r), r[0] == r[len(r)-1])
			}
			if want := map[bool]orb.Orientation{true: orb.CCW, false: orb.CW}[k == 0]; r.Orientation() != want {
				t.Errorf("ring %d orientation %v, want %v", k, r.Orientation(), want)
			}
			for _, pt := range r {
				d := math.Inf(1)
				for _, l := range lines {
					for i := 1; i < len(l); i++ {
						d = math.Min(d, segmentDistance(fr.to(pt), fr.to(l[i-1]), fr.to(l[i])))
					}
				}
				if math.Abs(d-radius) > radius/bandCells {
					t.Fatalf("boundary vertex %.1f m from the lines, want %.0f ± %.0f", d, radius, radius/bandCells)
				}
			}
		}
	}
}

func TestBandOfALine(t *testing.T) {
	lines := []orb.LineString{metres([2]float64{0, 0}, [2]float64{300, 0})}
	mp := Band(lines, 40, nil, nil)
	if len(mp) != 1 || len(mp[0]) != 1 {
		t.Fatalf("%d polygons, %d rings; want one without holes", len(mp), len(mp[0]))
	}
	checkRings(t, mp, lines, 40)
	want := 2*40*300 + math.Pi*40*40
	if a := metricArea(newFrame(bandOrigin), mp[0]); math.Abs(a-want) > 0.02*want {
		t.Errorf("area %.0f m², want %.0f ± 2%%", a, want)
	}
	fr := newFrame(bandOrigin)
	for _, c := range []struct {
		x, y float64
		in   bool
	}{{150, 35, true}, {150, -35, true}, {-35, 0, true}, {150, 45, false}, {345, 0, false}} {
		if got := planar.MultiPolygonContains(mp, fr.from(orb.Point{c.x, c.y})); got != c.in {
			t.Errorf("point (%v, %v) m inside = %v, want %v", c.x, c.y, got, c.in)
		}
	}
}

func TestBandOfALoopHasAHole(t *testing.T) {
	lines := []orb.LineString{metres([2]float64{0, 0}, [2]float64{400, 0}, [2]float64{400, 400},
		[2]float64{0, 400}, [2]float64{0, 0})}
	mp := Band(lines, 40, nil, nil)
	if len(mp) != 1 || len(mp[0]) != 2 {
		t.Fatalf("%d polygons; want one with one hole", len(mp))
	}
	checkRings(t, mp, lines, 40)
	fr := newFrame(bandOrigin)
	hole := make(orb.Ring, len(mp[0][1]))
	for i, p := range mp[0][1] {
		hole[i] = fr.to(p)
	}
	if a, want := -planar.Area(hole), 320.0*320; math.Abs(a-want) > 0.02*want {
		t.Errorf("hole %.0f m², want %.0f ± 2%%", a, want)
	}
	if planar.MultiPolygonContains(mp, fr.from(orb.Point{200, 200})) {
		t.Error("the middle of the block is inside the band")
	}
}

func TestBandKeepsApartLinesApart(t *testing.T) {
	lines := []orb.LineString{
		metres([2]float64{0, 0}, [2]float64{100, 0}),
		metres([2]float64{0, 200}, [2]float64{100, 200}),
		metres([2]float64{0, 270}, [2]float64{100, 270}), // 70 m from the second: the bands merge
	}
	mp := Band(lines, 40, nil, nil)
	if len(mp) != 2 {
		t.Fatalf("%d polygons, want 2", len(mp))
	}
	checkRings(t, mp, lines, 40)
}

func TestBandOfNothing(t *testing.T) {
	if mp := Band(nil, 40, nil, nil); mp != nil {
		t.Errorf("Band(nil) = %v", mp)
	}
	if mp := Band([]orb.LineString{metres([2]float64{0, 0})}, 40, nil, nil); len(mp) != 1 {
		t.Errorf("a single point gives %d polygons, want its disc", len(mp))
	}
}

// A random street grid with dead ends: rings stay closed, oriented and on the level set, and the
// result does not depend on the order of the lines.
func TestBandOfRandomNetworks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for n := range 20 {
		var lines []orb.LineString
		for range 5 + n {
			x, y := rng.Float64()*600, rng.Float64()*600
			lines = append(lines, metres([2]float64{x, y}, [2]float64{x + rng.NormFloat64()*150, y + rng.NormFloat64()*150},
				[2]float64{x + rng.NormFloat64()*150, y + rng.NormFloat64()*150}))
		}
		mp := Band(lines, 40, nil, nil)
		checkRings(t, mp, lines, 40)
		rev := append([]orb.LineString(nil), lines...)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		a, b := 0.0, 0.0
		fr := newFrame(bandOrigin)
		for _, p := range mp {
			a += metricArea(fr, p)
		}
		for _, p := range Band(rev, 40, nil, nil) {
			b += metricArea(newFrame(rev[0][0]), p)
		}
		if math.Abs(a-b) > 0.01*a {
			t.Errorf("network %d: area %.0f m² one way, %.0f m² the other", n, a, b)
		}
	}
}
