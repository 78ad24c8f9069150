package access

import (
	"context"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Circle is what a community reaches within a threshold: the reachable line pieces of the walk
// network (whole edges, and edges cut where the distance runs out), the footprints of the
// buildings within the threshold (its own always), and the outlines of the walled communities
// near it that it does not enter (Cut), all in lon/lat. Polygon draws its area.
type Circle struct {
	Community  int64
	Minutes    int
	Distance   float64
	Profile    string
	Pieces     []orb.LineString
	Footprints []orb.MultiPolygon
	Cut        []orb.MultiPolygon
}

// Circles computes, for each community in ids (nil: every community with buildings), one
// circle per threshold, sources being the community's buildings. A community without buildings
// has no circles. It returns renew.ErrNotFound for an unknown community and ctx's error when it
// ends.
func (e *Engine) Circles(ctx context.Context, ids []int64, ths []Threshold) ([]Circle, error) {
	var comms []int
	if ids == nil {
		for i := range e.comms {
			comms = append(comms, i)
		}
	}
	for _, id := range ids {
		i, err := e.community(id)
		if err != nil {
			return nil, err
		}
		comms = append(comms, i)
	}
	maxT := 0.0
	for _, t := range ths {
		maxT = math.Max(maxT, t.Distance)
	}
	out := make([][]Circle, len(comms))
	work := make(chan int, len(comms))
	for i := range comms {
		work <- i
	}
	close(work)
	errc := make(chan error, 1)
	done := make(chan struct{})
	workers := min(max(len(comms), 1), runtimeWorkers())
	for range workers {
		go func() {
			s := e.getSearch()
			defer func() { e.pool.Put(s); done <- struct{}{} }()
			var cs circleScratch
			for i := range work {
				if err := ctx.Err(); err != nil {
					select {
					case errc <- err:
					default:
					}
					return
				}
				out[i] = e.communityCircles(s, &cs, comms[i], ths, maxT, nil)
			}
		}()
	}
	for range workers {
		<-done
	}
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	var all []Circle
	for _, cs := range out {
		all = append(all, cs...)
	}
	return all, nil
}

type interval struct{ a, b float64 }

// circleScratch is a worker's reusable memory for circles.
type circleScratch struct {
	seen  map[int32]bool
	edges []int32
	ivs   []interval
	near  []reachedBuilding
	enter map[int]float64 // community index: the shortest distance at which the search enters it
	seeds []pos           // where the search started: the community's buildings, or a facility
}

// reachedBuilding is a building and its distance from the circle's community.
type reachedBuilding struct {
	b int32
	d float64
}

// searchFrom runs a search bounded by maxT from the buildings of community ci, over the graph
// and the overlay ov of a what-if's passages (nil for none).
func (e *Engine) searchFrom(s *search, ci int, maxT float64, ov *overlay) {
	size := e.g.nodes()
	if ov != nil {
		size = ov.size()
	}
	s.reset(size, nil, 0)
	for _, b := range e.commBld[ci] {
		p := e.bpos[b]
		s.seed(e.g, ov, p, p.off, b, maxT)
	}
	s.run(e.g, ov, maxT)
}

func (e *Engine) communityCircles(s *search, cs *circleScratch, ci int, ths []Threshold, maxT float64, ov *overlay) []Circle {
	if len(e.commBld[ci]) == 0 || len(ths) == 0 {
		return nil
	}
	e.searchFrom(s, ci, maxT, ov)
	cs.seeds = cs.seeds[:0]
	for _, b := range e.commBld[ci] {
		cs.seeds = append(cs.seeds, e.bpos[b])
	}
	e.reachedEdges(s, cs, ov)
	e.reachedBuildings(s, cs, ci, ov)
	circles := make([]Circle, 0, len(ths))
	for _, th := range ths {
		c := Circle{Community: e.comms[ci].ID, Minutes: th.Minutes, Distance: th.Distance, Profile: th.Profile,
			Pieces: e.reachPieces(s, cs, ov, th.Distance)}
		if len(c.Pieces) > 0 {
			e.drawReach(cs, &c)
			circles = append(circles, c)
		}
	}
	return circles
}

// reachedEdges sets cs.edges to the edges to cut after search s: those around the nodes it
// reached (an overlay node's edge for it) and those the seeds stand on, sorted.
func (e *Engine) reachedEdges(s *search, cs *circleScratch, ov *overlay) {
	g := e.g
	if cs.seen == nil {
		cs.seen = map[int32]bool{}
	}
	clear(cs.seen)
	cs.edges = cs.edges[:0]
	addEdge := func(ed int32) {
		if !cs.seen[ed] {
			cs.seen[ed] = true
			cs.edges = append(cs.edges, ed)
		}
	}
	n := int32(g.nodes())
	for _, v := range s.touched {
		if v >= n {
			addEdge(ov.vEdge[v-n])
			continue
		}
		for i := g.off[v]; i < g.off[v+1]; i++ {
			ed := g.adjEdge[i]
			if ed < 0 {
				ed = ^ed
			}
			addEdge(ed)
		}
	}
	for _, p := range cs.seeds {
		if p.edge >= 0 {
			addEdge(p.edge)
		}
	}
	sort.Slice(cs.edges, func(i, j int) bool { return cs.edges[i] < cs.edges[j] })
}

// reachPieces are the stretches of cs.edges within T of search s (whole edges, and edges cut
// where the distance runs out), counting the seeds cs.seeds directly along their own edge, and
// with an overlay the new passages within T.
func (e *Engine) reachPieces(s *search, cs *circleScratch, ov *overlay, T float64) []orb.LineString {
	g := e.g
	var pieces []orb.LineString
	for _, ed := range cs.edges {
		l := g.length[ed]
		ivs := cs.ivs[:0]
		stretches(g, ov, ed, func(a int32, ta float64, b int32, tb float64) {
			if da := s.label(a); da <= T {
				ivs = append(ivs, interval{ta, math.Min(tb, ta+T-da)})
			}
			if db := s.label(b); db <= T {
				ivs = append(ivs, interval{math.Max(ta, tb-(T-db)), tb})
			}
		})
		for _, p := range cs.seeds {
			if p.edge == ed && p.off <= T {
				r := T - p.off
				ivs = append(ivs, interval{math.Max(0, p.t-r), math.Min(l, p.t+r)})
			}
		}
		cs.ivs = ivs
		for _, iv := range mergeIntervals(ivs) {
			if iv.b-iv.a >= 0.01 {
				pieces = append(pieces, g.piece(ed, iv.a, iv.b, e.proj))
			}
		}
	}
	if ov == nil {
		return pieces
	}
	for _, ps := range ov.passages {
		ivs := cs.ivs[:0]
		if du := s.label(ps.u); du <= T {
			ivs = append(ivs, interval{0, math.Min(ps.l, T-du)})
		}
		if dv := s.label(ps.v); dv <= T {
			ivs = append(ivs, interval{math.Max(0, ps.l-(T-dv)), ps.l})
		}
		cs.ivs = ivs
		ux, uy := ov.xy(g, ps.u)
		vx, vy := ov.xy(g, ps.v)
		for _, iv := range mergeIntervals(ivs) {
			if iv.b-iv.a >= 0.01 && ps.l > 0 {
				f0, f1 := iv.a/ps.l, iv.b/ps.l
				pieces = append(pieces, orb.LineString{e.proj.inv(ux+f0*(vx-ux), uy+f0*(vy-uy)), e.proj.inv(ux+f1*(vx-ux), uy+f1*(vy-uy))})
			}
		}
	}
	return pieces
}

// stretches calls fn for each stretch of edge ed between consecutive nodes with their
// positions along it: the edge's ends and, with an overlay, the nodes that split it.
func stretches(g *graph, ov *overlay, ed int32, fn func(a int32, ta float64, b int32, tb float64)) {
	a, ta := g.from[ed], 0.0
	if ov != nil && ov.isSplit(ed) {
		for _, v := range ov.splits[ed] {
			tv := ov.vT[v-ov.n]
			fn(a, ta, v, tv)
			a, ta = v, tv
		}
	}
	fn(a, ta, g.to[ed], g.length[ed])
}

// reachedBuildings finds the buildings on the edges of cs.edges with their distance from
// community ci's buildings (those of ci at 0), and the distance at which the search enters each
// community: a building of it, or an end of one of its internal edges. ov is the search's
// overlay (nil for none).
func (e *Engine) reachedBuildings(s *search, cs *circleScratch, ci int, ov *overlay) {
	g := e.g
	cs.near = cs.near[:0]
	if cs.enter == nil {
		cs.enter = map[int]float64{}
	}
	clear(cs.enter)
	enter := func(id int64, d float64) {
		if k, ok := e.commIdx[id]; ok {
			if old, seen := cs.enter[k]; !seen || d < old {
				cs.enter[k] = d
			}
		}
	}
	own := e.comms[ci].ID
	for _, ed := range cs.edges {
		if c := g.comm[ed]; c != 0 {
			d := math.Min(s.label(g.from[ed]), s.label(g.to[ed]))
			if ov != nil && ov.isSplit(ed) {
				for _, v := range ov.splits[ed] { // a gate's end inside the community
					d = math.Min(d, s.label(v))
				}
			}
			enter(c, d)
		}
		for _, b := range e.edgeBld[e.edgeBldOff[ed]:e.edgeBldOff[ed+1]] {
			p := e.bpos[b]
			d := 0.0
			if e.bld[b].Community != own {
				d, _ = s.valueAt(g, ov, p)
				for _, o := range e.commBld[ci] {
					if op := e.bpos[o]; op.edge == ed {
						d = math.Min(d, math.Abs(op.t-p.t)+op.off)
					}
				}
				d += p.off
			}
			cs.near = append(cs.near, reachedBuilding{b, d})
			enter(e.bld[b].Community, d)
		}
	}
	for _, b := range e.commBld[ci] { // own buildings that snapped nowhere
		if e.bpos[b].edge < 0 {
			cs.near = append(cs.near, reachedBuilding{b, 0})
		}
	}
	cs.enter[ci] = 0
}

// drawReach adds to c the footprints of the buildings within its distance and the outlines of
// the walled communities near its pieces that the search does not enter within it.
func (e *Engine) drawReach(cs *circleScratch, c *Circle) {
	for _, rb := range cs.near {
		if rb.d <= c.Distance {
			c.Footprints = append(c.Footprints, e.footprint(rb.b))
		}
	}
	bound := orb.MultiLineString(c.Pieces).Bound().Pad(boundPad)
	for k, cm := range e.comms {
		if len(cm.Area) == 0 || len(e.commGates[cm.ID]) == 0 || !e.commBound[k].Intersects(bound) {
			continue
		}
		if d, ok := cs.enter[k]; ok && d <= c.Distance {
			continue
		}
		c.Cut = append(c.Cut, cm.Area)
	}
}

// boundPad widens a circle's bound, in degrees, to hold its band (at least 80 m).
const boundPad = 0.001

// footprint is building b's footprint, or a 5 m square about its point.
func (e *Engine) footprint(b int32) orb.MultiPolygon {
	if fp := e.bld[b].Footprint; len(fp) > 0 {
		return fp
	}
	x, y := e.proj.fwd(e.bld[b].Point)
	sq := orb.Ring{e.proj.inv(x-2.5, y-2.5), e.proj.inv(x+2.5, y-2.5), e.proj.inv(x+2.5, y+2.5), e.proj.inv(x-2.5, y+2.5)}
	return orb.MultiPolygon{{append(sq, sq[0])}}
}

// mergeIntervals sorts ivs and merges those that overlap or touch, in place.
func mergeIntervals(ivs []interval) []interval {
	if len(ivs) < 2 {
		return ivs
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].a < ivs[j].a })
	out := ivs[:1]
	for _, iv := range ivs[1:] {
		last := &out[len(out)-1]
		if iv.a <= last.b+1e-9 {
			last.b = math.Max(last.b, iv.b)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Reached is a facility a community reaches, and how far it is from the nearest of the
// community's buildings.
type Reached struct {
	Facility int64   `json:"facility"`
	Kind     string  `json:"kind"`
	Distance float64 `json:"distance"`
}

// Reach lists the facilities (those counted in coverage) within limit metres of the community's
// buildings, nearest first. It returns renew.ErrNotFound for an unknown community.
func (e *Engine) Reach(id int64, limit float64) ([]Reached, error) {
	ci, err := e.community(id)
	if err != nil {
		return nil, err
	}
	s := e.getSearch()
	defer e.pool.Put(s)
	e.searchFrom(s, ci, limit, nil)
	var out []Reached
	for k, fs := range e.kindFac {
		for _, fi := range fs {
			p := e.fpos[fi]
			d, _ := s.valueAt(e.g, nil, p)
			for _, b := range e.commBld[ci] {
				if bp := e.bpos[b]; bp.edge == p.edge {
					d = math.Min(d, math.Abs(bp.t-p.t)+bp.off)
				}
			}
			if d += p.off; d <= limit {
				out = append(out, Reached{Facility: e.fac[fi].ID, Kind: e.kinds[k].Code, Distance: d})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	return out, nil
}
