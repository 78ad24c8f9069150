package access

import (
	"math"
	"sort"
)

var inf = math.Inf(1)

type heapItem struct {
	d float64
	v int32
}

// search is the workspace of one bounded Dijkstra: labels for base and overlay nodes, reset in
// O(1) by an epoch stamp. In incremental mode (base != nil) an unstamped base node's label is
// its stored distance, so a search only walks where a scenario makes distances shorter.
type search struct {
	dist    []float64
	src     []int32
	stamp   []uint32
	epoch   uint32
	base    []float32
	eps     float64
	heap    []heapItem
	touched []int32
	// improved counts labels lowered by offer since reset.
	improved int
	// bstamp marks the buildings already looked at, with bepoch.
	bstamp []uint32
	bepoch uint32
}

func (s *search) markReset(n int) {
	if len(s.bstamp) < n {
		s.bstamp = make([]uint32, n)
		s.bepoch = 0
	}
	s.bepoch++
	if s.bepoch == 0 {
		clear(s.bstamp)
		s.bepoch = 1
	}
}

// mark marks building b and says whether it was not yet marked.
func (s *search) mark(b int32) bool {
	if s.bstamp[b] == s.bepoch {
		return false
	}
	s.bstamp[b] = s.bepoch
	return true
}

func (s *search) reset(size int, base []float32, eps float64) {
	if len(s.dist) < size {
		s.dist = make([]float64, size)
		s.src = make([]int32, size)
		s.stamp = make([]uint32, size)
		s.epoch = 0
	}
	s.epoch++
	if s.epoch == 0 {
		clear(s.stamp)
		s.epoch = 1
	}
	s.base, s.eps = base, eps
	s.heap, s.touched = s.heap[:0], s.touched[:0]
	s.improved = 0
}

func (s *search) label(v int32) float64 {
	if s.stamp[v] == s.epoch {
		return s.dist[v]
	}
	if int(v) < len(s.base) {
		return float64(s.base[v])
	}
	return inf
}

func (s *search) set(v int32, d float64, src int32) {
	if s.stamp[v] != s.epoch {
		s.stamp[v] = s.epoch
		s.touched = append(s.touched, v)
	}
	s.dist[v], s.src[v] = d, src
}

// offer lowers v's label to d when d is within the cutoff and shorter by more than eps.
func (s *search) offer(v int32, d float64, src int32, cutoff float64) {
	if d > cutoff || d >= s.label(v)-s.eps {
		return
	}
	s.set(v, d, src)
	s.improved++
	s.push(v, d)
}

func (s *search) push(v int32, d float64) {
	h := append(s.heap, heapItem{d, v})
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d <= d {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = heapItem{d, v}
	s.heap = h
}

func (s *search) pop() heapItem {
	h := s.heap
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].d < h[c].d {
			c++
		}
		if last.d <= h[c].d {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = last
	}
	s.heap = h
	return top
}

// run settles the heap over the graph and its overlay (nil for none).
func (s *search) run(g *graph, ov *overlay, cutoff float64) {
	n := int32(g.nodes())
	for len(s.heap) > 0 {
		it := s.pop()
		v, d := it.v, it.d
		if d > s.label(v) {
			continue
		}
		src := s.src[v]
		if v < n {
			for i := g.off[v]; i < g.off[v+1]; i++ {
				w, l := g.adjTo[i], g.adjLen[i]
				if ov != nil && ov.isSplit(g.adjEdge[i]) {
					w, l = ov.enter(g, g.adjEdge[i])
				}
				s.offer(w, d+l, src, cutoff)
			}
			continue
		}
		for _, a := range ov.adj[v-n] {
			s.offer(a.to, d+a.l, src, cutoff)
		}
	}
}

// seed starts the search at a snapped point already d0 metres from its source.
func (s *search) seed(g *graph, ov *overlay, p pos, d0 float64, src int32, cutoff float64) {
	if p.edge < 0 {
		return
	}
	l, tl, r, tr := ends(g, ov, p.edge, p.t)
	s.offer(l, d0+p.t-tl, src, cutoff)
	s.offer(r, d0+tr-p.t, src, cutoff)
}

// valueAt is the label at a snapped point through the ends of its (piece of) edge, and the
// source it came from (-1 when unknown or unreached).
func (s *search) valueAt(g *graph, ov *overlay, p pos) (float64, int32) {
	if p.edge < 0 {
		return inf, -1
	}
	l, tl, r, tr := ends(g, ov, p.edge, p.t)
	dl, dr := s.label(l)+p.t-tl, s.label(r)+tr-p.t
	if dl <= dr {
		if math.IsInf(dl, 1) {
			return inf, -1
		}
		return dl, s.srcOf(l)
	}
	return dr, s.srcOf(r)
}

func (s *search) srcOf(v int32) int32 {
	if s.stamp[v] == s.epoch {
		return s.src[v]
	}
	return -1
}

// ends are the nodes around position t of edge e, with their positions along e: the edge's own
// ends, or the overlay nodes that split it.
func ends(g *graph, ov *overlay, e int32, t float64) (l int32, tl float64, r int32, tr float64) {
	l, tl, r, tr = g.from[e], 0, g.to[e], g.length[e]
	if ov == nil || !ov.isSplit(e) {
		return
	}
	vs := ov.splits[e]
	i := sort.Search(len(vs), func(i int) bool { return ov.vT[vs[i]-ov.n] > t })
	if i > 0 {
		l, tl = vs[i-1], ov.vT[vs[i-1]-ov.n]
	}
	if i < len(vs) {
		r, tr = vs[i], ov.vT[vs[i]-ov.n]
	}
	return
}

type arc struct {
	to int32
	l  float64
}

// overlay adds nodes and edges to the graph without copying it: nodes at points along base
// edges (which split them) and arcs between those nodes. A search consults it when it leaves a
// base node along a split edge, and for the arcs of overlay nodes. Overlay node i is node n+i.
type overlay struct {
	n      int32
	vEdge  []int32
	vT     []float64
	adj    [][]arc
	split  []uint64
	splits map[int32][]int32
	// passages are the new ways through (the arcs of passage, not the chains along split edges),
	// for drawing.
	passages []passageArc
}

type passageArc struct {
	u, v int32
	l    float64
}

func newOverlay(g *graph) *overlay {
	return &overlay{n: int32(g.nodes()), split: make([]uint64, g.edges()/64+1), splits: map[int32][]int32{}}
}

func (o *overlay) size() int { return int(o.n) + len(o.vT) }

// point returns the overlay node at p, splitting p's edge there (one node per centimetre).
func (o *overlay) point(p pos) int32 {
	for _, v := range o.splits[p.edge] {
		if math.Abs(o.vT[v-o.n]-p.t) < 0.01 {
			return v
		}
	}
	v := o.n + int32(len(o.vT))
	o.vEdge, o.vT, o.adj = append(o.vEdge, p.edge), append(o.vT, p.t), append(o.adj, nil)
	o.splits[p.edge] = append(o.splits[p.edge], v)
	o.split[p.edge>>6] |= 1 << (p.edge & 63)
	return v
}

func (o *overlay) link(u, v int32, l float64) {
	o.adj[u-o.n] = append(o.adj[u-o.n], arc{v, l})
	o.adj[v-o.n] = append(o.adj[v-o.n], arc{u, l})
}

// passage links u and v by a new way through of length l.
func (o *overlay) passage(u, v int32, l float64) {
	o.link(u, v, l)
	o.passages = append(o.passages, passageArc{u, v, l})
}

// xy is where overlay node v lies, in the engine's metric projection.
func (o *overlay) xy(g *graph, v int32) (float64, float64) {
	return g.pointAt(o.vEdge[v-o.n], o.vT[v-o.n])
}

// finish chains the nodes along each split edge; call it once every point is added.
func (o *overlay) finish(g *graph) {
	for e, vs := range o.splits {
		sort.Slice(vs, func(i, j int) bool { return o.vT[vs[i]-o.n] < o.vT[vs[j]-o.n] })
		for i := 1; i < len(vs); i++ {
			o.link(vs[i-1], vs[i], o.vT[vs[i]-o.n]-o.vT[vs[i-1]-o.n])
		}
		first, last := vs[0], vs[len(vs)-1]
		o.adj[first-o.n] = append(o.adj[first-o.n], arc{g.from[e], o.vT[first-o.n]})
		o.adj[last-o.n] = append(o.adj[last-o.n], arc{g.to[e], g.length[e] - o.vT[last-o.n]})
	}
}

func (o *overlay) isSplit(se int32) bool {
	if se < 0 {
		se = ^se
	}
	return o.split[se>>6]&(1<<(se&63)) != 0
}

// enter is where a walk leaving a base node along signed edge se first arrives.
func (o *overlay) enter(g *graph, se int32) (int32, float64) {
	if se >= 0 {
		v := o.splits[se][0]
		return v, o.vT[v-o.n]
	}
	e := ^se
	vs := o.splits[e]
	v := vs[len(vs)-1]
	return v, g.length[e] - o.vT[v-o.n]
}
