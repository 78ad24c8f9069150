package access

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// demoKinds is DOMAIN.md's table, with the number of facilities of each kind in the demo
// district (785 for 138 communities).
var demoKinds = []struct {
	Kind
	count int
}{
	{Kind{"middle_school", "", "15min", true, 1000}, 2}, {Kind{"large_sports_field", "", "15min", true, 1000}, 1},
	{Kind{"health_center", "", "15min", true, 1000}, 3}, {Kind{"nursing_home", "", "15min", true, 1000}, 2},
	{Kind{"culture_center", "", "15min", true, 1000}, 1}, {Kind{"community_center", "", "15min", true, 1000}, 4},
	{Kind{"subdistrict_office", "", "15min", true, 1000}, 5}, {Kind{"primary_school", "", "10min", true, 500}, 5},
	{Kind{"medium_sports_field", "", "10min", true, 500}, 4}, {Kind{"fresh_market", "", "10min", true, 500}, 6},
	{Kind{"bus_stop", "", "10min", true, 500}, 57}, {Kind{"community_service_station", "", "5min", true, 300}, 13},
	{Kind{"culture_station", "", "5min", true, 300}, 5}, {Kind{"small_sports_court", "", "5min", true, 300}, 24},
	{Kind{"outdoor_fitness", "", "5min", true, 300}, 45}, {Kind{"kindergarten", "", "5min", true, 300}, 17},
	{Kind{"elderly_day_care", "", "5min", true, 300}, 4}, {Kind{"community_shop", "", "5min", true, 300}, 18},
	{Kind{"recycling_point", "", "5min", true, 300}, 11}, {Kind{"waste_station", "", "5min", true, 400}, 8},
	{Kind{"public_toilet", "", "5min", true, 300}, 11}, {Kind{"community_canteen", "", "5min", false, 300}, 3},
	{Kind{"nursery", "", "5min", false, 300}, 3}, {Kind{"health_station", "", "5min", false, 300}, 7},
	{Kind{"property_office", "", "block", true, 150}, 80}, {Kind{"play_ground", "", "block", true, 150}, 70},
	{Kind{"convenience_store", "", "block", true, 150}, 65}, {Kind{"parcel_locker", "", "block", true, 150}, 101},
	{Kind{"garbage_point", "", "block", true, 70}, 210},
}

const pitch = 220.0 // metres from street to street

// synthetic is a district of n×n walled blocks, one community each, in a grid of streets: each
// block has a cross of internal paths joined to the streets by connectors through a south and a
// west gate, 8 buildings along the cross, and the demo's facilities scaled to its size.
func synthetic(n int, seed uint64) Input {
	r := rand.New(rand.NewPCG(seed, 1))
	in := Input{Version: 1}
	id := int64(0)
	edge := func(comm int64, xy ...float64) {
		id++
		in.Edges = append(in.Edges, Edge{ID: id, Community: comm, Line: line(xy...)})
	}
	for j := 0; j <= n; j++ {
		for i := 0; i < n; i++ {
			x, y := float64(i)*pitch, float64(j)*pitch
			edge(0, x, y, x+pitch/2, y) // streets are cut where the connectors meet them
			edge(0, x+pitch/2, y, x+pitch, y)
			edge(0, y, x, y, x+pitch/2)
			edge(0, y, x+pitch/2, y, x+pitch)
		}
	}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			c := int64(j*n + i + 1)
			x0, y0 := float64(i)*pitch, float64(j)*pitch
			mx, my := x0+pitch/2, y0+pitch/2
			in.Communities = append(in.Communities, Community{ID: c, Subdistrict: int64(1 + j*3/n),
				Area: rect(x0+20, y0+20, x0+pitch-20, y0+pitch-20)}) // walled: the gates are in it
			edge(c, x0+30, my, mx, my)
			edge(c, mx, my, x0+pitch-30, my)
			edge(c, mx, y0+30, mx, my)
			edge(c, mx, my, mx, y0+pitch-30)
			edge(c, mx, y0+30, mx, y0+20, mx, y0) // south connector through its gate
			edge(c, x0+30, my, x0+20, my, x0, my) // west connector
			in.Gates = append(in.Gates, Gate{ID: 2 * c, Community: c, Point: ll(mx, y0+20)},
				Gate{ID: 2*c + 1, Community: c, Point: ll(x0+20, my)})
			for b := 0; b < 8; b++ {
				dx := []float64{-70, -35, 35, 70}[b%4]
				dy := []float64{-25, 25}[b/4]
				in.Buildings = append(in.Buildings, Building{ID: c*100 + int64(b), Community: c,
					Subdistrict: int64(1 + j*3/n), Households: 40 + r.IntN(60), Point: ll(mx+dx, my+dy),
					Footprint: rect(mx+dx-12, my+dy-5, mx+dx+12, my+dy+5)})
			}
		}
	}
	fid := int64(0)
	for _, k := range demoKinds {
		in.Kinds = append(in.Kinds, k.Kind)
		for range max(1, int(math.Round(float64(k.count*n*n)/138))) {
			fid++
			f := Facility{ID: fid, Kind: k.Code, Status: StatusExisting}
			i, j := r.IntN(n), r.IntN(n)
			if r.IntN(4) > 0 {
				f.Community = int64(j*n + i + 1)
				f.Point = ll(float64(i)*pitch+pitch/2+r.Float64()*120-60, float64(j)*pitch+pitch/2+r.Float64()*120-60)
			} else {
				f.Point = ll(float64(i)*pitch+r.Float64()*pitch, float64(j)*pitch-8)
			}
			in.Facilities = append(in.Facilities, f)
		}
	}
	return in
}

// The incremental what-if must agree with building the engine again with the proposal as data.
func TestWhatIfMatchesRebuild(t *testing.T) {
	t.Parallel()
	in := synthetic(6, 3)
	e := mustBuild(t, in, Options{})
	r := rand.New(rand.NewPCG(9, 9))
	for trial := range 20 {
		var p Proposal
		with := in
		with.Facilities = append([]Facility(nil), in.Facilities...)
		with.Edges = append([]Edge(nil), in.Edges...)
		for range 1 + r.IntN(3) {
			k := demoKinds[r.IntN(len(demoKinds))].Code
			pt := ll(r.Float64()*6*pitch, r.Float64()*6*pitch)
			p.Facilities = append(p.Facilities, ProposedFacility{Kind: k, Point: pt})
			with.Facilities = append(with.Facilities, Facility{ID: int64(10000 + trial), Kind: k, Status: StatusExisting, Point: pt})
		}
		if trial%2 == 1 {
			// A path between two existing vertices (a street corner and a block's centre), so the
			// rebuilt graph is the overlay's.
			i, j := r.IntN(5), r.IntN(5)
			a, b := ll(float64(i)*pitch, float64(j)*pitch), ll(float64(i)*pitch+pitch/2, float64(j)*pitch+pitch/2)
			p.Passages = append(p.Passages, Passage{Kind: PassagePath, From: a, To: b})
			with.Edges = append(with.Edges, Edge{ID: 99999, Line: line(float64(i)*pitch, float64(j)*pitch, float64(i)*pitch+pitch/2, float64(j)*pitch+pitch/2)})
		}
		sc, err := e.WhatIf(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		want := mustBuild(t, with, Options{}).Coverage()
		for k := range want.Kinds {
			if got := sc.Coverage.Kinds[k]; got.Covered != want.Kinds[k].Covered {
				t.Errorf("trial %d, %s: what-if covers %d, rebuilt %d", trial, got.Kind, got.Covered, want.Kinds[k].Covered)
			}
		}
		for i, c := range want.Communities {
			got := sc.Coverage.Communities[i]
			if !slices.Equal(got.Covered, c.Covered) || len(got.Gaps) != len(c.Gaps) {
				t.Errorf("trial %d: community %d: what-if %v %v, rebuilt %v %v", trial, c.ID, got.Covered, got.Gaps, c.Covered, c.Gaps)
				break
			}
		}
		for i, b := range want.Buildings {
			if sc.Coverage.Buildings[i].Missing != b.Missing {
				t.Errorf("trial %d: building %d misses %d, rebuilt %d", trial, b.ID, sc.Coverage.Buildings[i].Missing, b.Missing)
				break
			}
		}
	}
}

func TestSyntheticConsistency(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, synthetic(12, 1), Options{})
	c := e.Coverage()
	for k, kc := range c.Kinds {
		if kc.Covered > kc.Households {
			t.Errorf("%s: %d covered of %d", kc.Kind, kc.Covered, kc.Households)
		}
		for b := range e.bld {
			d := float64(e.base.dist[k][b])
			if f := e.base.near[k][b]; (d <= e.kinds[k].ServiceDistance) != (f >= 0 && d <= e.kinds[k].ServiceDistance) || (f >= 0) == math.IsInf(d, 1) {
				t.Fatalf("%s, building %d: distance %v, nearest %d", kc.Kind, e.bld[b].ID, d, f)
			}
		}
	}
	if st := e.Stats(); st.Unsnapped != 0 {
		t.Errorf("stats: %+v", st)
	}
}

var sizes = []struct {
	name string
	n    int
}{{"district", 12}, {"x50", 85}}

func BenchmarkBuild(b *testing.B) {
	for _, sz := range sizes {
		in := synthetic(sz.n, 1)
		b.Run(sz.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(in, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAllKinds is every building × every kind: one bounded multi-source search per kind.
func BenchmarkAllKinds(b *testing.B) {
	for _, sz := range sizes {
		e, _ := Build(synthetic(sz.n, 1), Options{})
		b.Run(sz.name, func(b *testing.B) {
			b.ReportMetric(float64(e.Stats().Nodes), "nodes")
			for b.Loop() {
				e.computeAll()
			}
		})
	}
}

func BenchmarkWhatIf(b *testing.B) {
	for _, sz := range sizes {
		e, _ := Build(synthetic(sz.n, 1), Options{})
		mid := float64(sz.n/2) * pitch
		fac := Proposal{Facilities: []ProposedFacility{{Kind: "kindergarten", Point: ll(mid+100, mid+90)}}}
		both := Proposal{Facilities: fac.Facilities, Passages: []Passage{
			{Kind: PassageGate, Community: int64(sz.n/2*sz.n + sz.n/2 + 1), At: ll(mid+pitch/2, mid+pitch-20)},
			{Kind: PassagePath, From: ll(mid-pitch/2, mid+pitch/2), To: ll(mid-pitch/2, mid+3*pitch/2)}}}
		for name, p := range map[string]Proposal{"facility": fac, "facility+passages": both} {
			b.Run(sz.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if _, err := e.WhatIf(context.Background(), p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCirclePolygons draws the polygons of every community's circles at 300/500/1000 m.
func BenchmarkCirclePolygons(b *testing.B) {
	e, _ := Build(synthetic(12, 1), Options{})
	cs, err := e.Circles(context.Background(), nil, StandardProfile().Thresholds(DefaultLevels()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, c := range cs {
			c.Polygon()
		}
	}
}

// BenchmarkCircles is the engine's part of circles for every community at 300/500/1000 m.
func BenchmarkCircles(b *testing.B) {
	for _, sz := range sizes {
		e, _ := Build(synthetic(sz.n, 1), Options{})
		ths := StandardProfile().Thresholds(DefaultLevels())
		b.Run(sz.name, func(b *testing.B) {
			var pieces int
			for b.Loop() {
				cs, err := e.Circles(context.Background(), nil, ths)
				if err != nil {
					b.Fatal(err)
				}
				pieces = 0
				for _, c := range cs {
					pieces += len(c.Pieces)
				}
			}
			b.ReportMetric(float64(pieces), "pieces")
		})
	}
}
