package access

import (
	"context"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Circle is the walk network a community reaches within a threshold: the reachable line pieces
// (whole edges, and edges cut where the distance runs out), in lon/lat. Polygon draws its area.
type Circle struct {
	Community int64
	Minutes   int
	Distance  float64
	Profile   string
	Pieces    []orb.LineString
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
				out[i] = e.communityCircles(s, &cs, comms[i], ths, maxT)
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
}

// searchFrom runs a search bounded by maxT from the buildings of community ci.
func (e *Engine) searchFrom(s *search, ci int, maxT float64) {
	s.reset(e.g.nodes(), nil, 0)
	for _, b := range e.commBld[ci] {
		p := e.bpos[b]
		s.seed(e.g, nil, p, p.off, b, maxT)
	}
	s.run(e.g, nil, maxT)
}

func (e *Engine) communityCircles(s *search, cs *circleScratch, ci int, ths []Threshold, maxT float64) []Circle {
	if len(e.commBld[ci]) == 0 || len(ths) == 0 {
		return nil
	}
	g := e.g
	e.searchFrom(s, ci, maxT)
	// Edges to cut: those around reached nodes, and those the buildings stand on.
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
	for _, v := range s.touched {
		for i := g.off[v]; i < g.off[v+1]; i++ {
			ed := g.adjEdge[i]
			if ed < 0 {
				ed = ^ed
			}
			addEdge(ed)
		}
	}
	for _, b := range e.commBld[ci] {
		if p := e.bpos[b]; p.edge >= 0 {
			addEdge(p.edge)
		}
	}
	sort.Slice(cs.edges, func(i, j int) bool { return cs.edges[i] < cs.edges[j] })
	circles := make([]Circle, 0, len(ths))
	for _, th := range ths {
		c := Circle{Community: e.comms[ci].ID, Minutes: th.Minutes, Distance: th.Distance, Profile: th.Profile}
		T := th.Distance
		for _, ed := range cs.edges {
			l := g.length[ed]
			ivs := cs.ivs[:0]
			if da := s.label(g.from[ed]); da <= T {
				ivs = append(ivs, interval{0, math.Min(l, T-da)})
			}
			if db := s.label(g.to[ed]); db <= T {
				ivs = append(ivs, interval{math.Max(0, l-(T-db)), l})
			}
			for _, b := range e.commBld[ci] {
				if p := e.bpos[b]; p.edge == ed && p.off <= T {
					r := T - p.off
					ivs = append(ivs, interval{math.Max(0, p.t-r), math.Min(l, p.t+r)})
				}
			}
			cs.ivs = ivs
			for _, iv := range mergeIntervals(ivs) {
				if iv.b-iv.a >= 0.01 {
					c.Pieces = append(c.Pieces, g.piece(ed, iv.a, iv.b, e.proj))
				}
			}
		}
		if len(c.Pieces) > 0 {
			circles = append(circles, c)
		}
	}
	return circles
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
	e.searchFrom(s, ci, limit)
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
