package access

import (
	"math"
	"slices"
	"testing"
)

// TestAccessLinks: a walled community without paths reaches the street through its gate, not
// across its wall; an open one without paths goes straight to the nearest road; a building far
// from its own paths in an open community takes the nearer road.
func TestAccessLinks(t *testing.T) {
	t.Parallel()
	in := walled()
	// Community 5: walled (a gate in its east wall at (200,50)), no paths, west of the road
	// x = 220; its building at (140,50) is 10 m from road 2 (x = 120) across the wall.
	in.Edges = append(in.Edges, Edge{ID: 5, Line: line(220, -20, 220, 120)}, Edge{ID: 6, Line: line(120, -20, 220, -20)},
		Edge{ID: 7, Community: 6, Line: line(300, 0, 300, 100)}, Edge{ID: 8, Line: line(220, 120, 400, 120)})
	in.Communities = append(in.Communities, Community{ID: 5, Subdistrict: 10}, Community{ID: 6, Subdistrict: 10})
	in.Gates = append(in.Gates, Gate{ID: 5, Community: 5, Point: ll(200, 50)})
	in.Buildings = append(in.Buildings,
		Building{ID: 501, Community: 5, Subdistrict: 10, Households: 10, Point: ll(130, 50)},
		Building{ID: 601, Community: 6, Subdistrict: 10, Households: 10, Point: ll(380, 110)}, // 80 m from its path, 10 m from road 8
		Building{ID: 602, Community: 6, Subdistrict: 10, Households: 10, Point: ll(310, 50)},  // 10 m from its path
	)
	in.Buildings[1].Point = ll(135, 50) // B2 (community 2, open, no paths): 15 m from road 2
	e := mustBuild(t, in, Options{})
	links := e.AccessLinks()
	want := []struct {
		building int64
		to       string
		length   float64
	}{
		{201, LinkPublic, 15},
		{501, LinkGate, 70 + 20},
		{601, LinkPublic, 10},
	}
	if len(links) != len(want) {
		t.Fatalf("links %+v, want %d", links, len(want))
	}
	for i, w := range want {
		l := links[i]
		if l.Building != w.building || l.To != w.to || !near(l.Length, w.length) {
			t.Errorf("link %d = %+v, want building %d to %s, %v m", i, l, w.building, w.to, w.length)
		}
	}
	if links[1].Gate != 5 || len(links[1].Line) != 3 {
		t.Errorf("the gate link %+v does not pass gate 5", links[1])
	}
	// The link's length counts in every distance: the walled building walks through its gate.
	if d := dist(t, e, 501, "bus_stop"); math.IsInf(d, 1) || d < 90 {
		t.Errorf("building 501 is %v m from a bus stop, less than its 90 m way out", d)
	}
	if st := e.Stats(); st.AccessLinks != 3 {
		t.Errorf("stats count %d access links", st.AccessLinks)
	}
	// A longer LinkBeyond keeps building 601 on its own path.
	e = mustBuild(t, in, Options{LinkBeyond: 100})
	for _, l := range e.AccessLinks() {
		if l.Building == 601 {
			t.Errorf("with LinkBeyond 100 m, building 601 is linked: %+v", l)
		}
	}
}

// TestSnapTies: a building as near to two roads, or to two gates, goes to the lower id whatever
// the order of the input.
func TestSnapTies(t *testing.T) {
	t.Parallel()
	in := Input{
		Edges: []Edge{{ID: 9, Line: line(0, 20, 100, 20)}, {ID: 4, Line: line(0, -20, 100, -20)},
			{ID: 7, Line: line(200, 20, 300, 20)}, {ID: 8, Line: line(200, -20, 300, -20)}},
		Gates: []Gate{{ID: 6, Community: 2, Point: ll(250, 10)}, {ID: 5, Community: 2, Point: ll(250, -10)}},
		Buildings: []Building{{ID: 1, Community: 1, Households: 1, Point: ll(50, 0)},
			{ID: 2, Community: 2, Households: 1, Point: ll(250, 0)}},
		Kinds: kinds(),
	}
	for range 2 {
		ls := mustBuild(t, in, Options{}).AccessLinks()
		if len(ls) != 2 {
			t.Fatalf("links %+v", ls)
		}
		if _, y := testProj.fwd(ls[0].Line[1]); !near(y, -20) || ls[1].Gate != 5 || !near(ls[1].Length, 20) {
			t.Errorf("links %+v: want building 1 on road 4 (y = −20) and building 2 through gate 5", ls)
		}
		slices.Reverse(in.Edges)
		slices.Reverse(in.Gates)
	}
}
