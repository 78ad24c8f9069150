package access

import (
	"math"

	"github.com/paulmach/orb"
)

// graph is the walk network in flat arrays. Edge e runs from node from[e] to node to[e] along
// the polyline px/py[ptOff[e]:ptOff[e+1]], whose cumulative lengths are cum (0 at the first
// vertex, length[e] at the last). The adjacency is CSR: the arcs of node v are off[v]..off[v+1],
// each with its target, length and signed edge (e when it runs from→to, ^e when to→from).
type graph struct {
	nodeX, nodeY []float64
	from, to     []int32
	length       []float64
	comm         []int64 // community of the edge, 0 for public
	srcID        []int64 // id of the input edge it was cut from
	ptOff        []int32
	px, py, cum  []float64
	ll           []orb.Point // the vertices in lon/lat, as they came in
	off          []int32
	adjTo        []int32
	adjEdge      []int32
	adjLen       []float64
}

func (g *graph) nodes() int { return len(g.nodeX) }
func (g *graph) edges() int { return len(g.from) }

type vkey struct{ x, y int64 }

func keyOf(x, y float64) vkey { return vkey{int64(math.Round(x * 100)), int64(math.Round(y * 100))} }

// buildGraph projects the edges and cuts them at every shared endpoint or vertex.
func buildGraph(edges []Edge, proj projection) *graph {
	type line struct {
		xs, ys []float64
		ks     []vkey
		ll     []orb.Point
	}
	lines := make([]line, len(edges))
	count := make(map[vkey]int32, 2*len(edges))
	for i, e := range edges {
		var l line
		for _, pt := range e.Line {
			if !finite(pt) {
				continue
			}
			x, y := proj.fwd(pt)
			k := keyOf(x, y)
			if n := len(l.ks); n > 0 && l.ks[n-1] == k {
				continue
			}
			l.xs, l.ys, l.ks, l.ll = append(l.xs, x), append(l.ys, y), append(l.ks, k), append(l.ll, pt)
		}
		if len(l.ks) < 2 {
			continue
		}
		lines[i] = l
		for j, k := range l.ks {
			if j == 0 || j == len(l.ks)-1 {
				count[k] += 2 // an endpoint is always a node
			} else {
				count[k]++
			}
		}
	}
	g := &graph{}
	nodeOf := make(map[vkey]int32, len(count)/2)
	node := func(k vkey, x, y float64) int32 {
		if id, ok := nodeOf[k]; ok {
			return id
		}
		id := int32(len(g.nodeX))
		nodeOf[k] = id
		g.nodeX, g.nodeY = append(g.nodeX, x), append(g.nodeY, y)
		return id
	}
	g.ptOff = []int32{0}
	for i, l := range lines {
		if len(l.ks) < 2 {
			continue
		}
		start := 0
		for j := 1; j < len(l.ks); j++ {
			if j < len(l.ks)-1 && count[l.ks[j]] < 2 {
				continue
			}
			// a graph edge from vertex start to vertex j
			var length float64
			base := len(g.px)
			for v := start; v <= j; v++ {
				if v > start {
					length += math.Hypot(l.xs[v]-l.xs[v-1], l.ys[v]-l.ys[v-1])
				}
				g.px, g.py, g.cum = append(g.px, l.xs[v]), append(g.py, l.ys[v]), append(g.cum, length)
				g.ll = append(g.ll, l.ll[v])
			}
			if length < 1e-6 {
				g.px, g.py, g.cum, g.ll = g.px[:base], g.py[:base], g.cum[:base], g.ll[:base]
				start = j
				continue
			}
			g.from = append(g.from, node(l.ks[start], l.xs[start], l.ys[start]))
			g.to = append(g.to, node(l.ks[j], l.xs[j], l.ys[j]))
			g.length = append(g.length, length)
			g.comm = append(g.comm, edges[i].Community)
			g.srcID = append(g.srcID, edges[i].ID)
			g.ptOff = append(g.ptOff, int32(len(g.px)))
			start = j
		}
	}
	g.buildCSR()
	return g
}

func (g *graph) buildCSR() {
	n := g.nodes()
	g.off = make([]int32, n+1)
	for e := range g.from {
		g.off[g.from[e]+1]++
		g.off[g.to[e]+1]++
	}
	for v := 0; v < n; v++ {
		g.off[v+1] += g.off[v]
	}
	m := g.off[n]
	g.adjTo, g.adjEdge, g.adjLen = make([]int32, m), make([]int32, m), make([]float64, m)
	fill := append([]int32(nil), g.off[:n]...)
	for e := range g.from {
		a, b := g.from[e], g.to[e]
		i := fill[a]
		fill[a]++
		g.adjTo[i], g.adjEdge[i], g.adjLen[i] = b, int32(e), g.length[e]
		i = fill[b]
		fill[b]++
		g.adjTo[i], g.adjEdge[i], g.adjLen[i] = a, ^int32(e), g.length[e]
	}
}

// pointAt is the point t metres along edge e, in the metric frame.
func (g *graph) pointAt(e int32, t float64) (x, y float64) {
	lo, hi := int(g.ptOff[e]), int(g.ptOff[e+1])-1
	for i := lo; i < hi; i++ {
		if t <= g.cum[i+1] || i == hi-1 {
			seg := g.cum[i+1] - g.cum[i]
			f := 0.0
			if seg > 0 {
				f = math.Max(0, math.Min(1, (t-g.cum[i])/seg))
			}
			return g.px[i] + f*(g.px[i+1]-g.px[i]), g.py[i] + f*(g.py[i+1]-g.py[i])
		}
	}
	return g.px[lo], g.py[lo]
}

// piece is the part of edge e between t0 and t1 metres, in lon/lat: the input's vertices, and
// the cut ends projected back.
func (g *graph) piece(e int32, t0, t1 float64, proj projection) orb.LineString {
	lo, hi := int(g.ptOff[e]), int(g.ptOff[e+1])
	at := func(t float64, v int) orb.Point {
		if t == g.cum[v] {
			return g.ll[v]
		}
		return proj.inv(g.pointAt(e, t))
	}
	ls := orb.LineString{at(t0, lo)}
	for i := lo + 1; i < hi-1; i++ {
		if g.cum[i] > t0 && g.cum[i] < t1 {
			ls = append(ls, g.ll[i])
		}
	}
	return append(ls, at(t1, hi-1))
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}
