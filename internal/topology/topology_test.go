package topology

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// m builds a lon/lat line from metre offsets east and north of a point in Siping.
func m(xys ...float64) orb.LineString {
	const lon0, lat0 = 124.35, 43.165
	ky := earthRadius * math.Pi / 180
	kx := ky * math.Cos(lat0*math.Pi/180)
	var ls orb.LineString
	for i := 0; i+1 < len(xys); i += 2 {
		ls = append(ls, orb.Point{lon0 + xys[i]/kx, lat0 + xys[i+1]/ky})
	}
	return ls
}

// metres is the distance between two lon/lat points near the test's origin.
func metres(a, b orb.Point) float64 {
	ky := earthRadius * math.Pi / 180
	kx := ky * math.Cos(43.165*math.Pi/180)
	return math.Hypot((a[0]-b[0])*kx, (a[1]-b[1])*ky)
}

// street is a 100 m street running east, stored first.
var street = Line{ID: 1, Code: "street", Line: m(0, 0, 100, 0)}

func changedLine(r Report, id int64) orb.LineString {
	for _, l := range r.Changed {
		if l.ID == id {
			return l.Line
		}
	}
	return nil
}

func hasVertex(ls orb.LineString, p orb.Point) bool {
	for _, q := range ls {
		if q == p {
			return true
		}
	}
	return false
}

func TestMergeCloseVertices(t *testing.T) {
	path := Line{ID: 2, Code: "path", Line: m(100.3, 0.1, 100, 50)}
	r := Check([]Line{path, street}, Options{})
	if r.Merged != 1 || len(r.Dangles) != 0 {
		t.Fatalf("merged %d, dangles %v; want 1 merge and no dangle", r.Merged, r.Dangles)
	}
	got := changedLine(r, 2)
	if got == nil || got[0] != street.Line[1] {
		t.Fatalf("the path's end should move onto the street's end %v, got %v", street.Line[1], got)
	}
	if changedLine(r, 1) != nil {
		t.Error("the street, stored first, should keep its geometry")
	}
}

func TestFarVerticesDoNotMerge(t *testing.T) {
	path := Line{ID: 2, Code: "path", Line: m(100.8, 0, 100, 50)}
	r := Check([]Line{street, path}, Options{})
	if r.Merged != 0 || len(r.Changed) != 0 {
		t.Fatalf("0.8 m apart is beyond the 0.5 m tolerance: merged %d, changed %v", r.Merged, r.Changed)
	}
	r = Check([]Line{street, path}, Options{Merge: 1})
	if r.Merged != 1 {
		t.Fatalf("with a 1 m tolerance the ends should merge, merged %d", r.Merged)
	}
}

func TestOwnVerticesNeverMerge(t *testing.T) {
	zig := Line{ID: 1, Code: "zig", Line: m(0, 0, 10, 0, 10.2, 0, 20, 0)}
	r := Check([]Line{zig}, Options{})
	if r.Merged != 0 || len(r.Changed) != 0 {
		t.Fatalf("a line's own vertices stay: merged %d, changed %v", r.Merged, r.Changed)
	}
}

func TestCrossingsStayApart(t *testing.T) {
	road := Line{ID: 1, Code: "road", Line: m(-50, 0, 50, 0)}
	bridge := Line{ID: 2, Code: "bridge", Line: m(0, -50, 0, 50)}
	r := Check([]Line{road, bridge}, Options{SnapDangles: true})
	if r.Merged != 0 || r.Joined != 0 || len(r.Dangles) != 0 || len(r.Changed) != 0 {
		t.Fatalf("a crossing without a shared vertex must stay apart, got %+v", r)
	}
}

func TestDangleReportedAndSnapped(t *testing.T) {
	footway := Line{ID: 2, Code: "footway", Line: m(40, 60, 40, 3)}    // ends 3 m short
	culdesac := Line{ID: 3, Code: "culdesac", Line: m(80, 60, 80, 20)} // 20 m short: a real dead end
	r := Check([]Line{street, footway, culdesac}, Options{})
	if len(r.Dangles) != 1 {
		t.Fatalf("want the one dangle 3 m short, got %+v", r.Dangles)
	}
	d := r.Dangles[0]
	if d.Road != "footway" || d.Near != "street" || math.Abs(d.Distance-3) > 0.01 || d.Joined {
		t.Fatalf("dangle %+v: want footway 3 m from street, not joined", d)
	}
	if len(r.Changed) != 0 {
		t.Fatalf("without SnapDangles nothing changes, got %v", r.Changed)
	}

	r = Check([]Line{street, footway, culdesac}, Options{SnapDangles: true})
	if len(r.Dangles) != 1 || !r.Dangles[0].Joined {
		t.Fatalf("want the dangle joined, got %+v", r.Dangles)
	}
	fw, st := changedLine(r, 2), changedLine(r, 1)
	if len(fw) != 3 || len(st) != 3 {
		t.Fatalf("the footway gains a segment and the street a vertex: footway %v, street %v", fw, st)
	}
	if fw[2] != st[1] {
		t.Fatalf("the footway's new end %v must be the street's new vertex %v", fw[2], st[1])
	}
	if e := metres(st[1], m(40, 0)[0]); e > 0.01 {
		t.Fatalf("the joint should be the foot of the footway on the street, %.3f m off", e)
	}
	if changedLine(r, 3) != nil {
		t.Error("the cul-de-sac 20 m away must stay a dead end")
	}
}

func TestEndOnSegmentJoins(t *testing.T) {
	path := Line{ID: 2, Code: "path", Line: m(30, 40, 30, 0.2)}
	r := Check([]Line{street, path}, Options{})
	if r.Joined != 1 || len(r.Dangles) != 0 {
		t.Fatalf("an end 0.2 m from a street joins it silently: joined %d, dangles %v", r.Joined, r.Dangles)
	}
	p, st := changedLine(r, 2), changedLine(r, 1)
	if len(p) != 2 || len(st) != 3 || p[1] != st[1] {
		t.Fatalf("the path's end moves onto a new vertex of the street: path %v, street %v", p, st)
	}
}

func TestClosedLinesAreNoDangles(t *testing.T) {
	ring := Line{ID: 2, Code: "ring", Line: m(10, 3, 30, 3, 30, 20, 10, 20, 10, 3)} // closed, 3 m from the street
	r := Check([]Line{street, ring}, Options{})
	if len(r.Dangles) != 0 {
		t.Fatalf("a closed line's ends touch each other: no dangle, got %+v", r.Dangles)
	}
}

func TestTwoDanglesOnOneSegment(t *testing.T) {
	a := Line{ID: 2, Code: "a", Line: m(70, 30, 70, 2)}
	b := Line{ID: 3, Code: "b", Line: m(20, -30, 20, -4)}
	r := Check([]Line{street, a, b}, Options{SnapDangles: true})
	st := changedLine(r, 1)
	if len(r.Dangles) != 2 || len(st) != 4 {
		t.Fatalf("two dangles on one segment: dangles %d, street %v", len(r.Dangles), st)
	}
	if !(st[1][0] < st[2][0]) {
		t.Fatalf("the inserted vertices must keep the street's order: %v", st)
	}
	if !hasVertex(changedLine(r, 2), st[2]) || !hasVertex(changedLine(r, 3), st[1]) {
		t.Fatal("each dangle must end on its own new vertex of the street")
	}
}

func TestEmptyAndDegenerate(t *testing.T) {
	if r := Check(nil, Options{}); r.Lines != 0 || len(r.Dangles) != 0 {
		t.Fatalf("nothing in, nothing out: %+v", r)
	}
	r := Check([]Line{{ID: 1, Line: orb.LineString{{math.NaN(), 1}, {124, 43}}}, {ID: 2, Line: m(0, 0, 0.1, 0)}}, Options{})
	if len(r.Changed) != 0 {
		t.Fatalf("degenerate lines are left alone, got %v", r.Changed)
	}
}
