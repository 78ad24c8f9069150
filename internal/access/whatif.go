package access

import (
	"context"
	"math"

	"github.com/paulmach/orb"

	"renewmap/internal/renew"
)

// Passage kinds.
const (
	PassageGate = "gate" // an opening in a community's wall
	PassagePath = "path" // a straight path between two points
)

// Limits of one proposal, so a request cannot make a what-if arbitrarily slow.
const (
	MaxProposedFacilities = 200
	MaxProposedPassages   = 100
	// MaxProposalSnap is how far, in metres, a proposed point may be from the network edge it
	// snaps to.
	MaxProposalSnap = 500
)

// ProposedFacility is a facility the planner considers building. Community, when set, puts it
// inside that community's walls (it snaps to the community's internal paths).
type ProposedFacility struct {
	Kind      string    `json:"kind"`
	Point     orb.Point `json:"point"`
	Community int64     `json:"community,omitempty"`
}

// Passage is a new way through: a gate (Kind PassageGate) at At in the wall of Community,
// joining the community's nearest internal path and the nearest public edge through At; or a
// path (Kind PassagePath) straight from From to To, each end joined to the nearest edge of any
// kind. A passage's length is the straight walk through its points; the edges it meets are split
// where it meets them.
type Passage struct {
	Kind      string    `json:"kind"`
	Community int64     `json:"community,omitempty"`
	At        orb.Point `json:"at"`
	From      orb.Point `json:"from"`
	To        orb.Point `json:"to"`
}

// Proposal is a what-if: facilities and passages that do not exist yet.
type Proposal struct {
	Facilities []ProposedFacility `json:"facilities"`
	Passages   []Passage          `json:"passages"`
}

// Scenario is the coverage with a proposal and what changed against the current state.
type Scenario struct {
	Coverage *Coverage `json:"coverage"`
	Delta    Delta     `json:"delta"`
}

// Delta is what a proposal changes. Distances only shrink, so it counts what becomes covered.
type Delta struct {
	Kinds       []KindDelta      `json:"kinds"`       // every kind, in the order of Kinds
	Communities []CommunityDelta `json:"communities"` // only those that changed
	Buildings   int              `json:"buildings"`   // buildings newly covered for some kind
}

// KindDelta counts the households and buildings newly covered for a kind. BuildingIDs, set in
// Delta.Kinds only, names those buildings (the map recolours them).
type KindDelta struct {
	Kind        string  `json:"kind"`
	Households  int     `json:"households"`
	Buildings   int     `json:"buildings"`
	BuildingIDs []int64 `json:"building_ids,omitempty"`
}

// CommunityDelta is what changes for one community: the kinds newly covering some of its
// households, and the required kinds that stop being gaps.
type CommunityDelta struct {
	ID         int64       `json:"id"`
	Kinds      []KindDelta `json:"kinds"`
	ClosedGaps []string    `json:"closed_gaps"`
}

type proposedSrc struct {
	kind int
	p    pos
}

// WhatIf computes the coverage with the proposal added, writing nothing. It returns
// renew.ErrInvalid for a proposal it cannot place (an unknown kind or community, a point far from
// the network, too many items) and ctx's error when ctx ends. The scenario's coverage shares
// unchanged parts with Coverage(); callers must not modify it.
func (e *Engine) WhatIf(ctx context.Context, p Proposal) (*Scenario, error) {
	props, ov, err := e.prepare(p)
	if err != nil {
		return nil, err
	}
	byKind := make([][]pos, len(e.kinds))
	for _, f := range props {
		byKind[f.kind] = append(byKind[f.kind], f.p)
	}
	changes := make([][]change, len(e.kinds))
	e.forKinds(func(s *search, k int) {
		if ctx.Err() == nil {
			changes[k] = e.whatIfKind(s, k, ov, byKind[k])
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.apply(changes), nil
}

// prepare checks and places a proposal: its facilities snapped to the network (in the order
// given) and the overlay of its passages (nil for none).
func (e *Engine) prepare(p Proposal) ([]proposedSrc, *overlay, error) {
	if len(p.Facilities) > MaxProposedFacilities || len(p.Passages) > MaxProposedPassages {
		return nil, nil, renew.Invalid("a what-if holds at most %d facilities and %d passages", MaxProposedFacilities, MaxProposedPassages)
	}
	props := make([]proposedSrc, 0, len(p.Facilities))
	for i, f := range p.Facilities {
		k, ok := e.kindIdx[f.Kind]
		if !ok {
			return nil, nil, renew.Invalid("proposed facility %d: unknown kind %q", i+1, f.Kind)
		}
		if f.Community != 0 {
			if _, err := e.community(f.Community); err != nil {
				return nil, nil, renew.Invalid("proposed facility %d: unknown community %d", i+1, f.Community)
			}
		}
		ps, err := e.snapProposal(f.Point, f.Community, "proposed facility", i)
		if err != nil {
			return nil, nil, err
		}
		props = append(props, proposedSrc{kind: k, p: ps})
	}
	ov, err := e.passages(p.Passages)
	if err != nil {
		return nil, nil, err
	}
	return props, ov, nil
}

// WhatIfCircles draws what a proposal changes on the map: the circles of community id (none for
// 0) with the proposal's passages, one per threshold as Circles draws them; and for each
// proposed facility, in the order given, the area it serves — the network within its kind's
// service distance with the passages, as a Circle of that distance (Community 0, Minutes 0). It
// fails as WhatIf does, and with renew.ErrNotFound for an unknown community.
func (e *Engine) WhatIfCircles(ctx context.Context, p Proposal, id int64, ths []Threshold) (circles, served []Circle, err error) {
	props, ov, err := e.prepare(p)
	if err != nil {
		return nil, nil, err
	}
	s := e.getSearch()
	defer e.pool.Put(s)
	var cs circleScratch
	if id != 0 {
		ci, err := e.community(id)
		if err != nil {
			return nil, nil, err
		}
		maxT := 0.0
		for _, t := range ths {
			maxT = math.Max(maxT, t.Distance)
		}
		circles = e.communityCircles(s, &cs, ci, ths, maxT, ov)
	}
	size := e.g.nodes()
	if ov != nil {
		size = ov.size()
	}
	for _, f := range props {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		T := e.kinds[f.kind].ServiceDistance
		s.reset(size, nil, 0)
		s.seed(e.g, ov, f.p, f.p.off, -1, T)
		s.run(e.g, ov, T)
		cs.seeds = append(cs.seeds[:0], f.p)
		e.reachedEdges(s, &cs, ov)
		served = append(served, Circle{Distance: T, Pieces: e.reachPieces(s, &cs, ov, T)})
	}
	return circles, served, nil
}

// change is a building's new, shorter distance to a kind.
type change struct {
	b int32
	d float32
}

func (e *Engine) snapProposal(pt orb.Point, community int64, what string, i int) (pos, error) {
	if !finite(pt) {
		return nowhere, renew.Invalid("%s %d: the point is not a finite lon/lat", what, i+1)
	}
	p := e.snapPoint(pt, community)
	if p.edge < 0 || p.off > MaxProposalSnap {
		return nowhere, renew.Invalid("%s %d: the point is more than %d m from the walk network", what, i+1, MaxProposalSnap)
	}
	return p, nil
}

// passages builds the overlay of new passages, nil for none.
func (e *Engine) passages(ps []Passage) (*overlay, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	ov := newOverlay(e.g)
	for i, p := range ps {
		switch p.Kind {
		case PassageGate:
			if len(e.idx.commSegs[p.Community]) == 0 || p.Community == 0 {
				return nil, renew.Invalid("passage %d: a gate needs a community with internal paths", i+1)
			}
			if !finite(p.At) {
				return nil, renew.Invalid("passage %d: the gate's point is not a finite lon/lat", i+1)
			}
			x, y := e.proj.fwd(p.At)
			in, out := e.idx.snapCommunity(x, y, p.Community), e.idx.nearest(x, y, publicEdge)
			if out.edge < 0 || in.off > MaxProposalSnap || out.off > MaxProposalSnap {
				return nil, renew.Invalid("passage %d: the gate is more than %d m from the paths it would join", i+1, MaxProposalSnap)
			}
			ov.passage(ov.point(in), ov.point(out), in.off+out.off)
		case PassagePath:
			a, err := e.snapProposalAny(p.From, i)
			if err != nil {
				return nil, err
			}
			b, err := e.snapProposalAny(p.To, i)
			if err != nil {
				return nil, err
			}
			ax, ay := e.proj.fwd(p.From)
			bx, by := e.proj.fwd(p.To)
			ov.passage(ov.point(a), ov.point(b), a.off+math.Hypot(bx-ax, by-ay)+b.off)
		default:
			return nil, renew.Invalid("passage %d: kind must be %q or %q", i+1, PassageGate, PassagePath)
		}
	}
	ov.finish(e.g)
	return ov, nil
}

func (e *Engine) snapProposalAny(pt orb.Point, i int) (pos, error) {
	if !finite(pt) {
		return nowhere, renew.Invalid("passage %d: an end is not a finite lon/lat", i+1)
	}
	x, y := e.proj.fwd(pt)
	p := e.idx.nearest(x, y, anyEdge)
	if p.edge < 0 || p.off > MaxProposalSnap {
		return nowhere, renew.Invalid("passage %d: an end is more than %d m from the walk network", i+1, MaxProposalSnap)
	}
	return p, nil
}

// whatIfKind is kind k's building distances that the overlay and proposed facilities shorten:
// a search that starts from the stored node distances and walks only where they get shorter,
// then a look at the buildings on the edges it reached.
func (e *Engine) whatIfKind(s *search, k int, ov *overlay, props []pos) []change {
	if ov == nil && len(props) == 0 {
		return nil
	}
	g, cutoff, base := e.g, e.cutoff[k], e.base.nodeDist[k]
	size := g.nodes()
	if ov != nil {
		size = ov.size()
	}
	// 1 mm: stored distances are float32, so rounding must not look like an improvement.
	s.reset(size, base, 1e-3)
	if ov != nil {
		// An overlay node starts with the distance of its point on the unsplit edge; its new arcs
		// are relaxed when it is settled.
		for i, ed := range ov.vEdge {
			t := ov.vT[i]
			d := math.Min(float64(base[g.from[ed]])+t, float64(base[g.to[ed]])+g.length[ed]-t)
			d2, _ := e.sameEdge(k, pos{edge: ed, t: t})
			if d = math.Min(d, d2); d <= cutoff {
				v := ov.n + int32(i)
				s.set(v, d, -1)
				s.push(v, d)
			}
		}
	}
	for _, p := range props {
		s.seed(g, ov, p, p.off, -1, cutoff)
	}
	s.run(g, ov, cutoff)
	if s.improved == 0 && len(props) == 0 {
		return nil
	}
	// Only buildings on an edge with a lowered end, or with a proposed facility, can change.
	s.markReset(len(e.bld))
	var out []change
	old := e.base.dist[k]
	look := func(ed int32) {
		for _, b := range e.edgeBld[e.edgeBldOff[ed]:e.edgeBldOff[ed+1]] {
			if !s.mark(b) {
				continue
			}
			p := e.bpos[b]
			d, _ := s.valueAt(g, ov, p)
			for _, q := range props {
				if q.edge == p.edge {
					d = math.Min(d, math.Abs(q.t-p.t)+q.off)
				}
			}
			if d += p.off; d <= cutoff && d < float64(old[b])-1e-3 {
				out = append(out, change{b, float32(d)})
			}
		}
	}
	n := int32(g.nodes())
	for _, v := range s.touched {
		if v >= n {
			look(ov.vEdge[v-n])
			continue
		}
		for i := g.off[v]; i < g.off[v+1]; i++ {
			ed := g.adjEdge[i]
			if ed < 0 {
				ed = ^ed
			}
			look(ed)
		}
	}
	for _, p := range props {
		look(p.edge)
	}
	return out
}

// apply makes the scenario of the changes: the coverage adjusted where buildings become
// covered, and the difference.
func (e *Engine) apply(changes [][]change) *Scenario {
	base := e.cov
	cov := &Coverage{Version: base.Version, Kinds: append([]KindCoverage(nil), base.Kinds...),
		Subdistricts: append([]AreaCoverage(nil), base.Subdistricts...),
		Communities:  append([]CommunityCoverage(nil), base.Communities...),
		Buildings:    append([]BuildingCoverage(nil), base.Buildings...)}
	d := Delta{Kinds: make([]KindDelta, len(e.kinds)), Communities: []CommunityDelta{}}
	for k, kind := range e.kinds {
		d.Kinds[k].Kind = kind.Code
	}
	ownSub := map[int]bool{}
	commDelta := map[int]int{} // community index → index in d.Communities
	newly := map[int32]bool{}
	for k, kind := range e.kinds {
		sd := kind.ServiceDistance
		for _, ch := range changes[k] {
			if !(float64(e.base.dist[k][ch.b]) > sd && float64(ch.d) <= sd) {
				continue
			}
			bl := e.bld[ch.b]
			hh := bl.Households
			newly[ch.b] = true
			d.Kinds[k].Households += hh
			d.Kinds[k].Buildings++
			d.Kinds[k].BuildingIDs = append(d.Kinds[k].BuildingIDs, bl.ID)
			cov.Kinds[k].Covered += hh
			if kind.Required {
				cov.Buildings[ch.b].Missing--
			}
			ci, ok := e.commIdx[bl.Community]
			if !ok || bl.Community == 0 {
				continue
			}
			j, seen := commDelta[ci]
			if !seen {
				j = len(d.Communities)
				commDelta[ci] = j
				d.Communities = append(d.Communities, CommunityDelta{ID: bl.Community, Kinds: []KindDelta{}, ClosedGaps: []string{}})
				cov.Communities[ci].Covered = append([]int(nil), cov.Communities[ci].Covered...)
			}
			cov.Communities[ci].Covered[k] += hh
			cd := &d.Communities[j]
			if n := len(cd.Kinds); n > 0 && cd.Kinds[n-1].Kind == kind.Code {
				cd.Kinds[n-1].Households += hh
				cd.Kinds[n-1].Buildings++
			} else {
				cd.Kinds = append(cd.Kinds, KindDelta{Kind: kind.Code, Households: hh, Buildings: 1})
			}
			if si, ok := e.subIdx[e.comms[ci].Subdistrict]; ok {
				if !ownSub[si] {
					ownSub[si] = true
					cov.Subdistricts[si].Covered = append([]int(nil), cov.Subdistricts[si].Covered...)
				}
				cov.Subdistricts[si].Covered[k] += hh
			}
		}
	}
	for k := range cov.Kinds {
		if kc := &cov.Kinds[k]; kc.Households > 0 {
			kc.Share = float64(kc.Covered) / float64(kc.Households)
		}
	}
	for ci, j := range commDelta {
		now := &cov.Communities[ci]
		now.Gaps = e.gaps(now)
		before := base.Communities[ci]
		for k, kind := range e.kinds {
			if kind.Required && before.Households > 0 &&
				!isGapFree(before.Covered[k], before.Households) && isGapFree(now.Covered[k], now.Households) {
				d.Communities[j].ClosedGaps = append(d.Communities[j].ClosedGaps, kind.Code)
			}
		}
	}
	d.Buildings = len(newly)
	return &Scenario{Coverage: cov, Delta: d}
}
