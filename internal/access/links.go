package access

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Where an access link leads (AccessLink.To).
const (
	LinkInternal = "internal" // the community's own paths, farther than Options.LinkBeyond
	LinkPublic   = "public"   // a public road: an open community (no gate) without a near path
	LinkGate     = "gate"     // a gate of a walled community without paths, then the road beyond it
)

// AccessLink is a straight walk the engine adds where the data has no path: from a building of
// a community without internal paths, or farther than Options.LinkBeyond from them, to the
// nearest edge it may reach — in a walled community (one with gates) only its own paths or,
// through the nearest gate, the road outside, never across the wall; in an open community any
// edge. A link lives in the engine only: it is the building's snap (its length counts in every
// distance), not a road, and never stored, drawn in tiles or exported.
type AccessLink struct {
	Building  int64          `json:"building"`
	Community int64          `json:"community"`
	To        string         `json:"to"`
	Gate      int64          `json:"gate,omitempty"`
	Length    float64        `json:"length_m"`
	Line      orb.LineString `json:"-"` // lon/lat: the building, the gate (for LinkGate), the snap point
}

// gateSnap is a gate with its place in the metric frame and its snap onto the public roads.
type gateSnap struct {
	id   int64
	x, y float64
	p    pos
}

// placed is where a point went: its snap, and for a link where it leads (gate: index into
// e.gates of the community, -1 for none).
type placed struct {
	pos
	to   string
	gate int
}

// prepareGates snaps every gate onto the public roads and groups them by community.
func (e *Engine) prepareGates(gs []Gate) {
	e.commGates = map[int64][]gateSnap{}
	for _, g := range gs {
		if !finite(g.Point) || g.Community == 0 {
			continue
		}
		x, y := e.proj.fwd(g.Point)
		e.commGates[g.Community] = append(e.commGates[g.Community], gateSnap{id: g.ID, x: x, y: y, p: e.idx.nearest(x, y, publicEdge)})
	}
	for _, gs := range e.commGates { // equally near gates: the lower id wins, whatever the input order
		sort.Slice(gs, func(i, j int) bool { return gs[i].id < gs[j].id })
	}
}

// place snaps (x, y), a point in community c (0: none), by the rules of the package doc and of
// AccessLink.
func (e *Engine) place(x, y float64, c int64) placed {
	if c == 0 {
		return placed{pos: e.idx.nearest(x, y, publicEdge), gate: -1}
	}
	in := e.idx.snapCommunity(x, y, c)
	if in.edge >= 0 && in.off <= e.opt.LinkBeyond {
		return placed{pos: in, gate: -1}
	}
	best := placed{pos: in, to: LinkInternal, gate: -1}
	better := func(p placed) {
		if p.edge >= 0 && (best.edge < 0 || p.off < best.off-snapTie) {
			best = p
		}
	}
	if gs := e.commGates[c]; len(gs) > 0 {
		for i, g := range gs {
			if g.p.edge >= 0 {
				p := g.p
				p.off += math.Hypot(x-g.x, y-g.y)
				better(placed{pos: p, to: LinkGate, gate: i})
			}
		}
	} else {
		better(placed{pos: e.idx.nearest(x, y, publicEdge), to: LinkPublic, gate: -1})
	}
	return best
}

// link is the access link of building b placed at p, from (x, y).
func (e *Engine) link(b int, x, y float64, p placed) AccessLink {
	l := AccessLink{Building: e.bld[b].ID, Community: e.bld[b].Community, To: p.to, Length: p.off,
		Line: orb.LineString{e.proj.inv(x, y)}}
	if p.to == LinkGate {
		g := e.commGates[l.Community][p.gate]
		l.Gate = g.id
		l.Line = append(l.Line, e.proj.inv(g.x, g.y))
	}
	sx, sy := e.g.pointAt(p.edge, p.t)
	l.Line = append(l.Line, e.proj.inv(sx, sy))
	return l
}

// AccessLinks lists the links the engine added, ordered by building id (see AccessLink).
func (e *Engine) AccessLinks() []AccessLink {
	out := append([]AccessLink{}, e.links...)
	sort.Slice(out, func(i, j int) bool { return out[i].Building < out[j].Building })
	return out
}
