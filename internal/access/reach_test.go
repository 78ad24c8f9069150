package access

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// rect is the footprint or outline x0..x1 × y0..y1 (metres in testProj).
func rect(x0, y0, x1, y1 float64) orb.MultiPolygon {
	r := orb.Ring{ll(x0, y0), ll(x1, y0), ll(x1, y1), ll(x0, y1), ll(x0, y0)}
	return orb.MultiPolygon{{r}}
}

// neighbours is a street (y = 0) with community 1 on it and three neighbours:
//
//	       C3 (walled)                      C2 (walled, x 40..500, wall at y = 5)
//	  B3 ▭     |gate(-90,5)   C1  B1       ▭ B2 (30 m behind the wall)   gate(480,5)|
//	==========+===============+============================================+====== street
//	                                                          C4 (open, no paths) ▭ B4, 140 m south
//
// B2 is 30 m from the street through the wall but about 980 m away by its gate; B3 is 232 m
// away through a near gate; B4 has no path at all.
func neighbours() Input {
	return Input{
		Version: 1,
		Edges: []Edge{
			{ID: 1, Line: line(-300, 0, -90, 0, 0, 0, 480, 0, 1000, 0)},
			{ID: 11, Community: 1, Line: line(0, 0, 0, 40)},
			{ID: 21, Community: 2, Line: line(80, 60, 480, 60, 480, 5, 480, 0)},
			{ID: 31, Community: 3, Line: line(-90, 0, -90, 5, -90, 60)},
		},
		Gates: []Gate{{ID: 2, Community: 2, Point: ll(480, 5)}, {ID: 3, Community: 3, Point: ll(-90, 5)}},
		Communities: []Community{
			{ID: 1, Subdistrict: 1, Area: rect(-30, 5, 30, 60)},
			{ID: 2, Subdistrict: 1, Area: rect(40, 5, 500, 110)},
			{ID: 3, Subdistrict: 1, Area: rect(-140, 5, -40, 105)},
			{ID: 4, Subdistrict: 1, Area: rect(600, -200, 700, -60)},
		},
		Buildings: []Building{
			{ID: 1, Community: 1, Subdistrict: 1, Households: 10, Point: ll(5, 30), Footprint: rect(3, 25, 12, 35)},
			{ID: 2, Community: 2, Subdistrict: 1, Households: 10, Point: ll(80, 45), Footprint: rect(60, 35, 100, 50)},
			{ID: 3, Community: 3, Subdistrict: 1, Households: 10, Point: ll(-128, 88), Footprint: rect(-135, 80, -120, 95)},
			{ID: 4, Community: 4, Subdistrict: 1, Households: 10, Point: ll(650, -150), Footprint: rect(640, -160, 660, -140)},
		},
		Kinds: kinds(),
	}
}

func circlePolygon(t *testing.T, e *Engine, community int64, d float64) orb.MultiPolygon {
	t.Helper()
	cs, err := e.Circles(context.Background(), []int64{community}, []Threshold{{Minutes: 5, Distance: d, Profile: "standard"}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("circles: %v, %d", err, len(cs))
	}
	return cs[0].Polygon()
}

func TestCircleHoldsOnlyWhatItReaches(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, neighbours(), Options{})
	if d := dist(t, e, 2, "bus_stop"); d != inf {
		t.Fatalf("no bus stops, yet %v", d)
	}
	mp := circlePolygon(t, e, 1, 300)
	for _, c := range []struct {
		x, y float64
		in   bool
		what string
	}{
		{80, 38, false, "B2, 30 m behind the wall, its gate 400 m away"},
		{80, 20, false, "C2's interior beside the street"},
		{80, -20, true, "the street's band outside the wall"},
		{-130, 92, true, "B3's far corner, entered through C3's near gate"},
		{-60, 20, true, "C3's interior beside the street (the circle enters C3)"},
		{8, 30, true, "the community's own building"},
	} {
		if got := planar.MultiPolygonContains(mp, ll(c.x, c.y)); got != c.in {
			t.Errorf("300 m circle of C1 holds (%v, %v), %s: %v, want %v", c.x, c.y, c.what, got, c.in)
		}
	}
	// At 1000 m the search walks in through C2's gate and reaches B2.
	if !planar.MultiPolygonContains(circlePolygon(t, e, 1, 1000), ll(80, 38)) {
		t.Error("the 1000 m circle does not hold B2, 980 m away through its gate")
	}
}

func TestCircleHoldsBuildingsWithoutPaths(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, neighbours(), Options{})
	mp := circlePolygon(t, e, 4, 300)
	if !planar.MultiPolygonContains(mp, ll(650, -150)) {
		t.Error("C4's building, 140 m from the street with no path, is not in its own circle")
	}
	if !planar.MultiPolygonContains(mp, ll(650, -10)) {
		t.Error("C4's circle does not hold the street its building walks to")
	}
}
