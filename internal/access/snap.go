package access

import "math"

// pos is a point snapped onto the network: t metres along edge from its from-node, and the
// straight distance off from the point to its snap point. edge is -1 when nothing was allowed.
type pos struct {
	edge int32
	t    float64
	off  float64
}

var nowhere = pos{edge: -1}

// snapIndex finds the nearest allowed edge of a point: a uniform grid over every segment for
// public and "any edge" searches, and each community's own segments for the small internal
// networks.
type snapIndex struct {
	g        *graph
	segEdge  []int32 // per vertex index: its edge; a segment is vertex i to i+1 of the same edge
	x0, y0   float64
	size     float64
	nx, ny   int
	cellOff  []int32
	cellSegs []int32
	commSegs map[int64][]int32
}

const (
	anyEdge    = -1 // snap filter: any edge
	publicEdge = 0  // snap filter: public edges only
)

func newSnapIndex(g *graph) *snapIndex {
	s := &snapIndex{g: g, segEdge: make([]int32, len(g.px)), commSegs: map[int64][]int32{}}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	nseg := 0
	for e := range g.from {
		for i := g.ptOff[e]; i < g.ptOff[e+1]; i++ {
			s.segEdge[i] = int32(e)
			minX, maxX = math.Min(minX, g.px[i]), math.Max(maxX, g.px[i])
			minY, maxY = math.Min(minY, g.py[i]), math.Max(maxY, g.py[i])
			if i+1 < g.ptOff[e+1] {
				nseg++
				if c := g.comm[e]; c != 0 {
					s.commSegs[c] = append(s.commSegs[c], i)
				}
			}
		}
	}
	if nseg == 0 {
		return s
	}
	// About one segment per cell, within 20–200 m.
	w, h := maxX-minX, maxY-minY
	s.size = math.Max(20, math.Min(200, math.Sqrt(math.Max(w*h, 1)/float64(nseg))))
	s.x0, s.y0 = minX, minY
	s.nx, s.ny = int(w/s.size)+1, int(h/s.size)+1
	counts := make([]int32, s.nx*s.ny+1)
	s.eachSegCell(func(cell int, _ int32) { counts[cell+1]++ })
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	s.cellOff = counts
	s.cellSegs = make([]int32, counts[len(counts)-1])
	fill := append([]int32(nil), counts[:len(counts)-1]...)
	s.eachSegCell(func(cell int, seg int32) {
		s.cellSegs[fill[cell]] = seg
		fill[cell]++
	})
	return s
}

func (s *snapIndex) cellXY(x, y float64) (int, int) {
	cx := int(math.Floor((x - s.x0) / s.size))
	cy := int(math.Floor((y - s.y0) / s.size))
	return min(max(cx, 0), s.nx-1), min(max(cy, 0), s.ny-1)
}

func (s *snapIndex) eachSegCell(fn func(cell int, seg int32)) {
	g := s.g
	for e := range g.from {
		for i := g.ptOff[e]; i+1 < g.ptOff[e+1]; i++ {
			ax, ay := s.cellXY(math.Min(g.px[i], g.px[i+1]), math.Min(g.py[i], g.py[i+1]))
			bx, by := s.cellXY(math.Max(g.px[i], g.px[i+1]), math.Max(g.py[i], g.py[i+1]))
			for cy := ay; cy <= by; cy++ {
				for cx := ax; cx <= bx; cx++ {
					fn(cy*s.nx+cx, i)
				}
			}
		}
	}
}

// segDist is the distance from (x, y) to segment i and the position of the foot along the
// segment, in metres from vertex i.
func (s *snapIndex) segDist(i int32, x, y float64) (d, along float64) {
	g := s.g
	ax, ay, bx, by := g.px[i], g.py[i], g.px[i+1], g.py[i+1]
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	f := 0.0
	if l2 > 0 {
		f = math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/l2))
	}
	fx, fy := ax+f*dx, ay+f*dy
	return math.Hypot(x-fx, y-fy), f * math.Sqrt(l2)
}

func (s *snapIndex) allowed(seg int32, filter int64) bool {
	switch filter {
	case anyEdge:
		return true
	default:
		return s.g.comm[s.segEdge[seg]] == filter
	}
}

// snapTie is how close, in metres, two distances are taken as equal when snapping: the tie goes
// to the lower input edge id, then to the segment that comes first along it, so the snap does
// not depend on the order segments are visited in.
const snapTie = 1e-6

// closer says whether segment seg at distance d beats best at bestD.
func (s *snapIndex) closer(seg int32, d float64, best int32, bestD float64) bool {
	if best < 0 || d < bestD-snapTie {
		return true
	}
	if d > bestD+snapTie {
		return false
	}
	a, b := s.g.srcID[s.segEdge[seg]], s.g.srcID[s.segEdge[best]]
	return a < b || a == b && seg < best
}

func (s *snapIndex) result(seg int32, d, along float64) pos {
	return pos{edge: s.segEdge[seg], t: s.g.cum[seg] + along, off: d}
}

func (s *snapIndex) snapCommunity(x, y float64, c int64) pos {
	best, bestD, bestA := int32(-1), math.Inf(1), 0.0
	for _, seg := range s.commSegs[c] {
		if d, a := s.segDist(seg, x, y); s.closer(seg, d, best, bestD) {
			best, bestD, bestA = seg, d, a
		}
	}
	if best < 0 {
		return nowhere
	}
	return s.result(best, bestD, bestA)
}

// nearest searches the grid ring by ring for the nearest segment passing filter (anyEdge,
// publicEdge or a community id).
func (s *snapIndex) nearest(x, y float64, filter int64) pos {
	if s.nx == 0 {
		return nowhere
	}
	if filter > 0 {
		return s.snapCommunity(x, y, filter)
	}
	cx, cy := s.cellXY(x, y)
	best, bestD, bestA := int32(-1), math.Inf(1), 0.0
	maxR := max(s.nx, s.ny)
	for r := 0; r <= maxR; r++ {
		for yy := cy - r; yy <= cy+r; yy++ {
			if yy < 0 || yy >= s.ny {
				continue
			}
			step := 2 * r
			if yy == cy-r || yy == cy+r || r == 0 {
				step = 1
			}
			for xx := cx - r; xx <= cx+r; xx += step {
				if xx < 0 || xx >= s.nx {
					continue
				}
				cell := yy*s.nx + xx
				for _, seg := range s.cellSegs[s.cellOff[cell]:s.cellOff[cell+1]] {
					if !s.allowed(seg, filter) {
						continue
					}
					if d, a := s.segDist(seg, x, y); s.closer(seg, d, best, bestD) {
						best, bestD, bestA = seg, d, a
					}
				}
			}
		}
		// Every segment not yet seen lies in a cell at least r cells away.
		if best >= 0 && bestD+snapTie < float64(r)*s.size {
			break
		}
	}
	if best < 0 {
		return nowhere
	}
	return s.result(best, bestD, bestA)
}
