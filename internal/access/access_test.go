package access

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"renewmap/internal/renew"
)

// The hand-made networks are drawn in metres about a fixed origin; the engine is built with the
// same projection so expected distances are exact.
var testProj = newProjection(124.35, 43.15)

func ll(x, y float64) orb.Point { return testProj.inv(x, y) }

func line(xy ...float64) orb.LineString {
	var ls orb.LineString
	for i := 0; i+1 < len(xy); i += 2 {
		ls = append(ls, ll(xy[i], xy[i+1]))
	}
	return ls
}

func mustBuild(t *testing.T, in Input, opt Options) *Engine {
	t.Helper()
	e, err := build(in, opt, testProj)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func kinds() []Kind {
	return []Kind{
		{Code: "kindergarten", Level: "5min", Required: true, ServiceDistance: 300},
		{Code: "nursery", Level: "5min", Required: false, ServiceDistance: 300},
		{Code: "bus_stop", Level: "10min", Required: true, ServiceDistance: 500},
		{Code: "play_ground", Level: "block", Required: true, ServiceDistance: 150},
	}
}

// walled is a community (1) inside a square of public streets, 20 m from its wall, with one
// north-south internal path and one gate, in the north wall:
//
//	(-20,120) ----- P3 ----(50,120)---- (120,120)
//	    |                     | C1 (gate at 50,100)
//	    |        +--- wall ---G---+       |
//	   P4        |      I1 (50,10..90)    P2      B2 (130,50), community 2 without paths
//	    |        +----------------+       |
//	(-20,-20) ----- P1 ------------------ (120,-20)
//
// Building B1 (60 households) stands at (40,20); community 3 is an island with no way out.
func walled() Input {
	return Input{
		Version: 7,
		Edges: []Edge{
			{ID: 1, Line: line(-20, -20, 120, -20)},
			{ID: 2, Line: line(120, -20, 120, 120)},
			{ID: 3, Line: line(-20, 120, 50, 120, 120, 120)}, // a vertex shared with the connector
			{ID: 4, Line: line(-20, -20, -20, 120)},
			{ID: 11, Community: 1, Line: line(50, 10, 50, 90)},
			{ID: 12, Community: 1, Line: line(50, 90, 50, 100, 50, 120)}, // connector through the gate
			{ID: 31, Community: 3, Line: line(500, 0, 600, 0)},
		},
		Gates:       []Gate{{ID: 1, Community: 1, Point: ll(50, 100)}},
		Communities: []Community{{ID: 1, Subdistrict: 10}, {ID: 2, Subdistrict: 10}, {ID: 3, Subdistrict: 20}},
		Buildings: []Building{
			{ID: 101, Community: 1, Subdistrict: 10, Households: 60, Point: ll(40, 20)},
			{ID: 201, Community: 2, Subdistrict: 10, Households: 40, Point: ll(130, 50)},
			{ID: 301, Community: 3, Subdistrict: 20, Households: 20, Point: ll(550, 5)},
		},
		Facilities: []Facility{
			{ID: 1, Kind: "kindergarten", Status: StatusExisting, Point: ll(50, -30)},
			{ID: 2, Kind: "play_ground", Status: StatusExisting, Community: 1, Point: ll(55, 50)},
			{ID: 3, Kind: "bus_stop", Status: StatusExisting, Point: ll(45, 30)}, // outside: public edges only
			{ID: 4, Kind: "kindergarten", Status: StatusPlanned, Point: ll(50, 130)},
		},
		Kinds: kinds(),
	}
}

func dist(t *testing.T, e *Engine, building int64, kind string) float64 {
	t.Helper()
	ds, err := e.BuildingAccess(building)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Kind == kind {
			if !d.Reached {
				return inf
			}
			return d.Distance
		}
	}
	t.Fatalf("no kind %s", kind)
	return 0
}

func near(a, b float64) bool { return a == b || math.Abs(a-b) < 1e-3 }

func TestDistances(t *testing.T) {
	t.Parallel()
	existing := mustBuild(t, walled(), Options{})
	planned := mustBuild(t, walled(), Options{IncludePlanned: true})
	tests := []struct {
		name     string
		e        *Engine
		building int64
		kind     string
		want     float64
	}{
		// 10 off + 70 up the path + 30 out through the gate + 70 + 140 + 70 round the block + 10 off.
		{"wall forces the detour to the gate", existing, 101, "kindergarten", 400},
		// Both on I1: 10 off, 30 along the path (t 10 → 40), 5 off.
		{"same edge, fractional positions", existing, 101, "play_ground", 45},
		// A facility outside any community snaps to the street (50 m off), not the path 5 m away.
		{"outside facility snaps to public edges", existing, 101, "bus_stop", 10 + 70 + 30 + 70 + 140 + 65 + 50},
		// No internal paths: the building snaps to the street, 10 m off at 70 m along P2.
		{"community without paths snaps to the street", existing, 201, "kindergarten", 10 + 70 + 70 + 10},
		// From outside in through the gate: 10 + 70 + 70 + 30 + 40 + 5.
		{"into a community through its gate", existing, 201, "play_ground", 225},
		{"multi-source: the planned one is nearer", planned, 101, "kindergarten", 10 + 70 + 30 + 10},
		{"multi-source: the other one stays nearest", planned, 201, "kindergarten", 160},
		{"unreachable island", existing, 301, "kindergarten", inf},
		{"no facility of the kind", existing, 101, "nursery", inf},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dist(t, tc.e, tc.building, tc.kind); !near(got, tc.want) {
				t.Errorf("distance = %v, want %v", got, tc.want)
			}
		})
	}
	if existing.Version() != 7 {
		t.Errorf("version = %d, want 7", existing.Version())
	}
	// The shared vertex at (50,120) splits P3; the gate's vertex (shared with nothing) does not
	// split the connector.
	if st := existing.Stats(); st.Edges != 8 || st.Nodes != 9 || st.Facilities != 3 || st.Unsnapped != 0 {
		t.Errorf("stats = %+v, want 8 edges, 9 nodes, 3 facilities", st)
	}
}

func TestNearestFacility(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{IncludePlanned: true})
	ds, _ := e.BuildingAccess(101)
	if ds[0].Kind != "kindergarten" || ds[0].Facility != 4 || !ds[0].Covered {
		t.Errorf("B1's kindergarten = %+v, want facility 4, covered", ds[0])
	}
	if _, err := e.BuildingAccess(999); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("unknown building: %v, want ErrNotFound", err)
	}
}

func TestCoverageAndGaps(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{})
	c := e.Coverage()
	want := map[string]int{"kindergarten": 40, "nursery": 0, "bus_stop": 100, "play_ground": 60}
	for _, k := range c.Kinds {
		if k.Households != 120 || k.Covered != want[k.Kind] {
			t.Errorf("%s: %d of %d covered, want %d of 120", k.Kind, k.Covered, k.Households, want[k.Kind])
		}
	}
	// B1's bus stop is 435 m away, B2's 10+70+75+50 = 205 m: both within 500.
	gaps := map[int64][]Gap{
		1: {{Level: "5min", Kinds: []string{"kindergarten"}}},
		2: {{Level: "block", Kinds: []string{"play_ground"}}},
		3: {{Level: "5min", Kinds: []string{"kindergarten"}}, {Level: "10min", Kinds: []string{"bus_stop"}}, {Level: "block", Kinds: []string{"play_ground"}}},
	}
	for id, g := range gaps {
		cc, ok := c.Community(id)
		if !ok || !slices.EqualFunc(cc.Gaps, g, func(a, b Gap) bool { return a.Level == b.Level && slices.Equal(a.Kinds, b.Kinds) }) {
			t.Errorf("community %d gaps = %+v, want %+v", id, cc.Gaps, g)
		}
	}
	missing := map[int64]int{101: 1, 201: 1, 301: 3}
	for _, b := range c.Buildings {
		if b.Missing != missing[b.ID] {
			t.Errorf("building %d misses %d required kinds, want %d", b.ID, b.Missing, missing[b.ID])
		}
	}
	if len(c.Subdistricts) != 2 || c.Subdistricts[0].ID != 10 || c.Subdistricts[0].Households != 100 || c.Subdistricts[0].Covered[0] != 40 {
		t.Errorf("subdistricts = %+v", c.Subdistricts)
	}
}

// The gap rule at its boundary: exactly half of the households covered is not a gap.
func TestGapIsLessThanHalf(t *testing.T) {
	t.Parallel()
	in := walled()
	in.Buildings = append(in.Buildings, Building{ID: 102, Community: 1, Households: 60, Point: ll(60, 80)})
	in.Facilities = append(in.Facilities, Facility{ID: 5, Kind: "kindergarten", Status: StatusExisting, Community: 1, Point: ll(50, 85)})
	e := mustBuild(t, in, Options{})
	// B102 at t=70 and the new kindergarten at t=75 on I1: covered; B1 at t=10: 10+65+5 = 80, covered too.
	cc, _ := e.Coverage().Community(1)
	if cc.Covered[0] != 120 || len(cc.Gaps) != 0 {
		t.Fatalf("community 1: %+v", cc)
	}
	// B1 moves south, still in community 1: it snaps to I1's end, 240 m off: 240 + 75 > 300.
	in.Buildings[0].Point = ll(50, -230)
	e = mustBuild(t, in, Options{})
	cc, _ = e.Coverage().Community(1)
	if cc.Covered[0] != 60 || cc.Households != 120 {
		t.Fatalf("community 1: %+v", cc)
	}
	for _, g := range cc.Gaps {
		if slices.Contains(g.Kinds, "kindergarten") {
			t.Errorf("half covered counts as a gap: %+v", cc.Gaps)
		}
	}
}

func TestWhatIf(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{})
	ctx := context.Background()
	tests := []struct {
		name string
		p    Proposal
		// B1's kindergarten distance afterwards, households newly covered for kindergartens
		dist  float64
		newly int
		gaps  []string // community 1's closed gaps
	}{
		{"nothing", Proposal{}, 400, 0, nil},
		{"a kindergarten inside the community", Proposal{Facilities: []ProposedFacility{
			{Kind: "kindergarten", Point: ll(45, 60), Community: 1}}}, 10 + 40 + 5, 60, []string{"kindergarten"}},
		// At the south-west corner: 10 + 70 + 30 + 70 + 140 + 10 = 330, not within 300.
		{"a kindergarten too far", Proposal{Facilities: []ProposedFacility{
			{Kind: "kindergarten", Point: ll(-30, -20)}}}, 330, 0, nil},
		// 10 off + 10 along + 10 + 20 through the gate + 10 off.
		{"a gate in the south wall", Proposal{Passages: []Passage{
			{Kind: PassageGate, Community: 1, At: ll(50, 0)}}}, 60, 60, []string{"kindergarten"}},
		{"a path from the path's end to the street", Proposal{Passages: []Passage{
			{Kind: PassagePath, From: ll(50, 10), To: ll(50, -20)}}}, 60, 60, []string{"kindergarten"}},
		// A path that splits I1 at t=30 and P1 at x=50: 10 + 20 + 60 (50-ish diagonal) ...
		{"a path from mid-path to the street", Proposal{Passages: []Passage{
			{Kind: PassagePath, From: ll(50, 40), To: ll(50, -20)}}}, 10 + 20 + 60 + 10, 60, []string{"kindergarten"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := e.WhatIf(ctx, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := float64(sc.Delta.Kinds[0].Households); int(got) != tc.newly {
				t.Errorf("newly covered kindergarten households = %v, want %d", got, tc.newly)
			}
			kc, _ := sc.Coverage.Kind("kindergarten")
			if kc.Covered != 40+tc.newly {
				t.Errorf("covered after = %d, want %d", kc.Covered, 40+tc.newly)
			}
			var closed []string
			for _, cd := range sc.Delta.Communities {
				if cd.ID == 1 {
					closed = cd.ClosedGaps
				}
				if cd.ID == 3 {
					t.Errorf("the island changed: %+v", cd)
				}
			}
			if !slices.Equal(closed, tc.gaps) {
				t.Errorf("closed gaps = %v, want %v", closed, tc.gaps)
			}
			// The base state is untouched.
			if d := dist(t, e, 101, "kindergarten"); d != 400 {
				t.Errorf("base distance changed to %v", d)
			}
			b := e.bldIdx[101]
			k := e.kindIdx["kindergarten"]
			got := float64(e.whatIfDist(t, tc.p)[k][b])
			if !near(got, tc.dist) {
				t.Errorf("B1 → kindergarten = %v, want %v", got, tc.dist)
			}
		})
	}
}

// whatIfDist is the per-kind building distances of a proposal.
func (e *Engine) whatIfDist(t *testing.T, p Proposal) [][]float32 {
	t.Helper()
	props := make([][]pos, len(e.kinds))
	for i, f := range p.Facilities {
		ps, err := e.snapProposal(f.Point, f.Community, "f", i)
		if err != nil {
			t.Fatal(err)
		}
		props[e.kindIdx[f.Kind]] = append(props[e.kindIdx[f.Kind]], ps)
	}
	ov, err := e.passages(p.Passages)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, len(e.kinds))
	s := &search{}
	for k := range e.kinds {
		out[k] = append([]float32(nil), e.base.dist[k]...)
		for _, ch := range e.whatIfKind(s, k, ov, props[k]) {
			out[k][ch.b] = ch.d
		}
	}
	return out
}

func TestWhatIfKeepsIslandUnreachable(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{})
	sc, err := e.WhatIf(context.Background(), Proposal{
		Facilities: []ProposedFacility{{Kind: "kindergarten", Point: ll(130, 60)}, {Kind: "nursery", Point: ll(130, 60)}},
		Passages:   []Passage{{Kind: PassageGate, Community: 1, At: ll(50, 0)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range sc.Coverage.Buildings {
		if b.ID == 301 && b.Missing != 3 {
			t.Errorf("the island's building misses %d kinds, want 3", b.Missing)
		}
	}
	// B2 gets the nursery (10 + 10 + 10 m); B1 gets it through the new gate.
	if d := sc.Delta.Kinds[1]; d.Households != 100 || d.Buildings != 2 {
		t.Errorf("nursery delta = %+v, want 100 households in 2 buildings", d)
	}
}

func TestWhatIfRejects(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{})
	for name, p := range map[string]Proposal{
		"unknown kind":       {Facilities: []ProposedFacility{{Kind: "casino", Point: ll(0, 0)}}},
		"unknown community":  {Facilities: []ProposedFacility{{Kind: "kindergarten", Point: ll(0, 0), Community: 99}}},
		"far away":           {Facilities: []ProposedFacility{{Kind: "kindergarten", Point: ll(5000, 5000)}}},
		"not a number":       {Facilities: []ProposedFacility{{Kind: "kindergarten", Point: orb.Point{math.NaN(), 0}}}},
		"gate without paths": {Passages: []Passage{{Kind: PassageGate, Community: 2, At: ll(120, 50)}}},
		"bad passage kind":   {Passages: []Passage{{Kind: "tunnel"}}},
	} {
		if _, err := e.WhatIf(context.Background(), p); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func pieceLength(ls orb.LineString) float64 {
	var l float64
	for i := 1; i < len(ls); i++ {
		ax, ay := testProj.fwd(ls[i-1])
		bx, by := testProj.fwd(ls[i])
		l += math.Hypot(bx-ax, by-ay)
	}
	return l
}

func TestCircles(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{})
	cs, err := e.Circles(context.Background(), []int64{1}, []Threshold{{5, 100, "standard"}, {10, 150, "standard"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("%d circles, want 2", len(cs))
	}
	// 100 m: B1 starts 10 m off at 10 m along the path: the whole path (80 m; its north end at
	// 80 m) and the connector cut 20 m out (10 m past the gate).
	// 150 m: path 80, connector 30 (its end at 110 m), and 40 m each way along the north street.
	for i, want := range []struct {
		pieces int
		length float64
	}{{2, 100}, {4, 190}} {
		var l float64
		for _, p := range cs[i].Pieces {
			l += pieceLength(p)
		}
		if len(cs[i].Pieces) != want.pieces || !near(l, want.length) {
			t.Errorf("circle %d m: %d pieces, %.3f m; want %d, %v m", int(cs[i].Distance), len(cs[i].Pieces), l, want.pieces, want.length)
		}
	}
	end := cs[0].Pieces[len(cs[0].Pieces)-1]
	if x, y := testProj.fwd(end[len(end)-1]); !near(x, 50) || !near(y, 110) {
		t.Errorf("the 100 m circle ends at (%v, %v), want (50, 110)", x, y)
	}
	if _, err := e.Circles(context.Background(), []int64{42}, []Threshold{{5, 300, "standard"}}); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("unknown community: %v", err)
	}
	all, _ := e.Circles(context.Background(), nil, StandardProfile().Thresholds(DefaultLevels()))
	if len(all) != 9 { // communities 1, 2, 3 × 3 levels; the island reaches its own path
		t.Errorf("%d circles for all, want 9", len(all))
	}
}

// A loop whose far edge is reached from both ends: cut twice below the threshold, one piece
// when the two cuts meet.
func TestCirclePartialEdges(t *testing.T) {
	t.Parallel()
	in := Input{
		Edges: []Edge{
			{ID: 1, Line: line(0, 0, 100, 0)},
			{ID: 2, Line: line(100, 0, 100, 100)},
			{ID: 3, Line: line(0, 0, 0, 100)},
			{ID: 4, Line: line(0, 100, 50, 150, 100, 100)}, // 141.42 m
		},
		Buildings: []Building{{ID: 1, Community: 7, Households: 10, Point: ll(0, -5)}},
		Kinds:     kinds(),
	}
	e := mustBuild(t, in, Options{})
	top := 100 * math.Sqrt2
	for _, tc := range []struct {
		T      float64
		pieces int // on the top edge
		length float64
	}{
		{200, 1, 95},      // from (0,100) only: 200-105
		{210, 2, 105 + 5}, // 105 from the left, 5 from the right (205 at (100,100))
		{230, 1, top},     // 125 + 25 > 141.42: merged into the whole edge
		{104, 0, 0},       // (0,100) at 105 is out of reach
	} {
		cs, err := e.Circles(context.Background(), nil, []Threshold{{1, tc.T, "x"}})
		if err != nil {
			t.Fatal(err)
		}
		n, l := 0, 0.0
		var pieces []orb.LineString
		if len(cs) > 0 {
			pieces = cs[0].Pieces
		}
		for _, p := range pieces {
			// only the top edge rises above y = 100
			for _, pt := range p {
				if _, y := testProj.fwd(pt); y > 100.001 {
					n++
					l += pieceLength(p)
					break
				}
			}
		}
		if n != tc.pieces || !near(l, tc.length) {
			t.Errorf("T=%v: %d top pieces, %.3f m; want %d, %.3f m", tc.T, n, l, tc.pieces, tc.length)
		}
	}
}

func TestProfiles(t *testing.T) {
	t.Parallel()
	w := WinterProfile()
	if got := w.Thresholds(DefaultLevels()); got[0].Distance != 240 || got[2].Minutes != 15 || got[2].Distance != 800 {
		t.Errorf("winter thresholds = %+v", got)
	}
	if m := StandardProfile().Minutes(300); m != 5 {
		t.Errorf("300 m = %v min", m)
	}
	if d := w.Distance(10); !near(d, 480) {
		t.Errorf("winter 10 min = %v m", d)
	}
}

func TestBuildRejects(t *testing.T) {
	t.Parallel()
	in := walled()
	in.Kinds = append(in.Kinds, in.Kinds[0])
	if _, err := Build(in, Options{}); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("duplicate kind: %v", err)
	}
	in = walled()
	in.Facilities[0].Kind = "casino"
	if _, err := Build(in, Options{}); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
	if e, err := Build(Input{}, Options{}); err != nil || e.Stats().Nodes != 0 {
		t.Errorf("empty input: %v", err)
	}
}

// A what-if's circles: a gate in the south wall lets community 1's 100 m circle out to the
// south street (the gate's 30 m drawn, and 50 m each way along the street), where without it the
// circle stays inside; a proposed facility's served area holds only what lies within its kind's
// service distance, and a shorter distance serves less.
func TestWhatIfCircles(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, walled(), Options{})
	ctx := context.Background()
	ths := []Threshold{{5, 100, "standard"}}
	total := func(c Circle) (l float64, south bool) {
		for _, p := range c.Pieces {
			l += pieceLength(p)
			for _, pt := range p {
				if _, y := testProj.fwd(pt); y < -19 {
					south = true
				}
			}
		}
		return l, south
	}
	before, _, err := e.WhatIfCircles(ctx, Proposal{}, 1, ths)
	if err != nil || len(before) != 1 {
		t.Fatalf("%d circles, %v", len(before), err)
	}
	if l, south := total(before[0]); !near(l, 100) || south {
		t.Errorf("without the gate: %.3f m, reaches the south street %v", l, south)
	}
	gate := Proposal{Passages: []Passage{{Kind: PassageGate, Community: 1, At: ll(50, 0)}}}
	after, served, err := e.WhatIfCircles(ctx, gate, 1, ths)
	if err != nil || len(after) != 1 || len(served) != 0 {
		t.Fatalf("%d circles, %d served, %v", len(after), len(served), err)
	}
	if l, south := total(after[0]); !near(l, 100+30+100) || !south {
		t.Errorf("with the gate: %.3f m, reaches the south street %v; want 230 m and true", l, south)
	}
	if len(after[0].Polygon()) == 0 {
		t.Error("the redrawn circle has no area")
	}

	p := Proposal{Facilities: []ProposedFacility{{Kind: "kindergarten", Point: ll(45, 60), Community: 1},
		{Kind: "play_ground", Point: ll(45, 60), Community: 1}}}
	none, served, err := e.WhatIfCircles(ctx, p, 0, ths)
	if err != nil || none != nil || len(served) != 2 {
		t.Fatalf("%d circles, %d served, %v", len(none), len(served), err)
	}
	at := orb.Point{45, 60}
	for i, want := range []float64{300, 150} {
		sv := served[i]
		if sv.Distance != want || len(sv.Pieces) == 0 {
			t.Fatalf("served %d: %v m, %d pieces", i, sv.Distance, len(sv.Pieces))
		}
		for _, piece := range sv.Pieces {
			for _, pt := range piece {
				x, y := testProj.fwd(pt)
				if d := math.Hypot(x-at[0], y-at[1]); d > want+1e-6 {
					t.Errorf("served %d: a point %.1f m away, beyond %v m", i, d, want)
				}
			}
		}
	}
	if big, small := func() (float64, float64) { a, _ := total(served[0]); b, _ := total(served[1]); return a, b }(); !(small < big) {
		t.Errorf("150 m serves %.1f m of paths, 300 m %.1f m", small, big)
	}
	if _, _, err := e.WhatIfCircles(ctx, Proposal{}, 42, ths); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("unknown community: %v", err)
	}
	if _, _, err := e.WhatIfCircles(ctx, Proposal{Facilities: []ProposedFacility{{Kind: "nope", Point: ll(0, 0)}}}, 0, ths); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
}
