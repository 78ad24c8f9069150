package access

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// CircleBand is the half-width, in metres, of the band drawn around a circle's reachable network
// to make its polygon: about a building's depth plus a street's half-width, so the polygon covers
// the buildings and facilities along the reached paths without bridging whole blocks.
const CircleBand = 40

// Polygon is the circle's area: the band of CircleBand metres around its pieces, with the
// footprints of the buildings it reaches, less the interior of the walled communities it does
// not enter (Band).
func (c Circle) Polygon() orb.MultiPolygon { return Band(c.Pieces, CircleBand, c.Footprints, c.Cut) }

// footprintMargin is how far, in metres, a footprint added to a band is widened, so that a
// building narrower than the grid still holds a grid point.
const footprintMargin = 2

// bandCells is how many grid cells Band puts across its radius.
const bandCells = 5

// Band returns the area within radius metres of the lines (lon/lat), joined with the polygons
// of add (widened by footprintMargin) and less the polygons of cut, as a valid MultiPolygon in
// lon/lat: shells counter-clockwise, holes clockwise, rings closed. It is nil when there are no
// lines.
//
// It works in a local metric frame, equirectangular about the first point (cheap; the band's
// width is off by 0.4 % at most, 16 cm of 40 m, and points go back exactly): the distance to the
// nearest line is sampled on a grid of radius/bandCells metres and the level set at radius is
// traced by marching squares, with the crossing on each cell edge interpolated linearly and a
// saddle cell resolved by the mean of its corners. The boundary is within a few per cent of the
// radius of the exact buffer, and the result is valid by construction: every crossing point
// lies strictly inside its own cell edge and belongs to exactly one ring, and the two segments
// of a saddle cell never cross. Pure Go, so no geometry library runs on the circle's thousands
// of segments.
func Band(lines []orb.LineString, radius float64, add, cut []orb.MultiPolygon) orb.MultiPolygon {
	var first orb.Point
	found := false
	for _, l := range lines {
		if len(l) > 0 {
			first, found = l[0], true
			break
		}
	}
	if !found || radius <= 0 {
		return nil
	}
	fr := newFrame(first)
	g := newBandGrid(lines, fr, radius, metricPolygons(add, fr))
	g.cut(metricPolygons(cut, fr))
	rings := g.trace()
	return assemble(rings, fr)
}

// frame is an equirectangular projection about an origin, in metres: cheap, for drawing only.
type frame struct {
	lon0, lat0, kx, ky float64
}

func newFrame(o orb.Point) frame {
	const m = 6371008.8 * math.Pi / 180
	return frame{lon0: o[0], lat0: o[1], kx: m * math.Cos(o[1]*math.Pi/180), ky: m}
}

func (f frame) to(p orb.Point) orb.Point {
	return orb.Point{(p[0] - f.lon0) * f.kx, (p[1] - f.lat0) * f.ky}
}

func (f frame) from(p orb.Point) orb.Point {
	return orb.Point{f.lon0 + p[0]/f.kx, f.lat0 + p[1]/f.ky}
}

// bandGrid holds the distance field: d[j*nx+i] is the distance from the grid point (x0+i*s,
// y0+j*s) to the nearest line, capped at radius+2s. The grid has two cells of margin beyond the
// band on every side, so its border lies outside and every traced ring closes.
type bandGrid struct {
	x0, y0, s, r float64
	nx, ny       int
	d            []float64
}

func newBandGrid(lines []orb.LineString, fr frame, radius float64, add []orb.Polygon) *bandGrid {
	s := radius / bandCells
	var segs [][2]orb.Point
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, l := range lines {
		for k, p := range l {
			q := fr.to(p)
			b = b.Extend(q)
			if k > 0 {
				segs = append(segs, [2]orb.Point{fr.to(l[k-1]), q})
			} else if len(l) == 1 {
				segs = append(segs, [2]orb.Point{q, q})
			}
		}
	}
	for _, p := range add {
		b = b.Union(p.Bound())
	}
	margin := radius + 2*s
	g := &bandGrid{x0: b.Min[0] - margin, y0: b.Min[1] - margin, s: s, r: radius}
	g.nx = int(math.Ceil((b.Max[0]+margin-g.x0)/s)) + 1
	g.ny = int(math.Ceil((b.Max[1]+margin-g.y0)/s)) + 1
	g.d = make([]float64, g.nx*g.ny)
	limit := radius + 2*s
	for i := range g.d {
		g.d[i] = limit
	}
	for _, sg := range segs {
		a, c := sg[0], sg[1]
		i0 := max(0, int(math.Floor((math.Min(a[0], c[0])-limit-g.x0)/s)))
		i1 := min(g.nx-1, int(math.Ceil((math.Max(a[0], c[0])+limit-g.x0)/s)))
		j0 := max(0, int(math.Floor((math.Min(a[1], c[1])-limit-g.y0)/s)))
		j1 := min(g.ny-1, int(math.Ceil((math.Max(a[1], c[1])+limit-g.y0)/s)))
		for j := j0; j <= j1; j++ {
			y := g.y0 + float64(j)*s
			row := g.d[j*g.nx:]
			for i := i0; i <= i1; i++ {
				if d := segmentDistance(orb.Point{g.x0 + float64(i)*s, y}, a, c); d < row[i] {
					row[i] = d
				}
			}
		}
	}
	for _, p := range add {
		g.add(p)
	}
	return g
}

// ringContains says whether p is inside ring r (even-odd; the caller has checked r's bound).
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for k := 1; k < len(r); k++ {
		a, c := r[k-1], r[k]
		if (a[1] <= p[1]) != (c[1] <= p[1]) && p[0] < a[0]+(p[1]-a[1])/(c[1]-a[1])*(c[0]-a[0]) {
			in = !in
		}
	}
	return in
}

// metricPolygons are the polygons of mps in the frame.
func metricPolygons(mps []orb.MultiPolygon, fr frame) []orb.Polygon {
	var out []orb.Polygon
	for _, mp := range mps {
		for _, p := range mp {
			q := make(orb.Polygon, len(p))
			for k, r := range p {
				q[k] = make(orb.Ring, len(r))
				for i, pt := range r {
					q[k][i] = fr.to(pt)
				}
			}
			out = append(out, q)
		}
	}
	return out
}

// span calls fn for every grid row j crossing p's bound with the grid points i0..i1 of that row
// inside p (even-odd over its rings), for each run of them.
func (g *bandGrid) span(p orb.Polygon, fn func(j, i0, i1 int)) {
	b := p.Bound()
	j0 := max(0, int(math.Ceil((b.Min[1]-g.y0)/g.s)))
	j1 := min(g.ny-1, int(math.Floor((b.Max[1]-g.y0)/g.s)))
	var xs []float64
	for j := j0; j <= j1; j++ {
		y := g.y0 + float64(j)*g.s
		xs = xs[:0]
		for _, r := range p {
			for k := 1; k < len(r); k++ {
				a, c := r[k-1], r[k]
				if (a[1] <= y) != (c[1] <= y) {
					xs = append(xs, a[0]+(y-a[1])/(c[1]-a[1])*(c[0]-a[0]))
				}
			}
		}
		sort.Float64s(xs)
		for k := 0; k+1 < len(xs); k += 2 {
			i0 := max(0, int(math.Ceil((xs[k]-g.x0)/g.s)))
			i1 := min(g.nx-1, int(math.Floor((xs[k+1]-g.x0)/g.s)))
			if i0 <= i1 {
				fn(j, i0, i1)
			}
		}
	}
}

// outline is the distance from q to p's rings.
func outline(p orb.Polygon, q orb.Point) float64 {
	d := math.Inf(1)
	for _, r := range p {
		for k := 1; k < len(r); k++ {
			d = math.Min(d, segmentDistance(q, r[k-1], r[k]))
		}
	}
	return d
}

// add joins polygon p, widened by footprintMargin: every grid point near it takes the value
// radius + (signed distance to p) − footprintMargin where that is lower.
func (g *bandGrid) add(p orb.Polygon) {
	b := p.Bound()
	reach := footprintMargin + g.s
	i0 := max(0, int(math.Floor((b.Min[0]-reach-g.x0)/g.s)))
	i1 := min(g.nx-1, int(math.Ceil((b.Max[0]+reach-g.x0)/g.s)))
	j0 := max(0, int(math.Floor((b.Min[1]-reach-g.y0)/g.s)))
	j1 := min(g.ny-1, int(math.Ceil((b.Max[1]+reach-g.y0)/g.s)))
	w := i1 - i0 + 1
	inside := make([]bool, w*(j1-j0+1))
	g.span(p, func(j, a, c int) {
		for i := a; i <= c; i++ {
			inside[(j-j0)*w+i-i0] = true
		}
	})
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			k := j*g.nx + i
			if g.d[k] <= g.r-footprintMargin {
				continue // already well inside
			}
			sd := outline(p, orb.Point{g.x0 + float64(i)*g.s, g.y0 + float64(j)*g.s})
			if inside[(j-j0)*w+i-i0] {
				sd = -sd
			}
			g.d[k] = math.Min(g.d[k], g.r+sd-footprintMargin)
		}
	}
}

// cut removes the polygons' interiors: a grid point inside one and inside the band takes the
// value radius + its distance to the polygon's outline.
func (g *bandGrid) cut(ps []orb.Polygon) {
	for _, p := range ps {
		g.span(p, func(j, i0, i1 int) {
			for i := i0; i <= i1; i++ {
				k := j*g.nx + i
				if g.d[k] < g.r {
					g.d[k] = g.r + outline(p, orb.Point{g.x0 + float64(i)*g.s, g.y0 + float64(j)*g.s})
				}
			}
		})
	}
}

// segmentDistance is the distance from p to the segment a–c.
func segmentDistance(p, a, c orb.Point) float64 {
	dx, dy := c[0]-a[0], c[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// Cell edges are numbered 2*(j*nx+i) for the horizontal edge from grid point (i, j) to (i+1, j)
// and 2*(j*nx+i)+1 for the vertical edge from (i, j) to (i, j+1).
func (g *bandGrid) hEdge(i, j int) int { return 2 * (j*g.nx + i) }
func (g *bandGrid) vEdge(i, j int) int { return 2*(j*g.nx+i) + 1 }

// point is where the level set crosses edge e, interpolated between its two grid points.
func (g *bandGrid) point(e int) orb.Point {
	k := e / 2
	i, j := k%g.nx, k/g.nx
	i2, j2 := i+1, j
	if e%2 == 1 {
		i2, j2 = i, j+1
	}
	da, db := g.d[j*g.nx+i], g.d[j2*g.nx+i2]
	t := math.Max(0.01, math.Min(0.99, (g.r-da)/(db-da)))
	return orb.Point{
		g.x0 + (float64(i)+t*float64(i2-i))*g.s,
		g.y0 + (float64(j)+t*float64(j2-j))*g.s,
	}
}

// trace runs marching squares over every cell and links the segments into closed rings, in
// the metric frame, with the inside (distance < radius) on each ring's left.
func (g *bandGrid) trace() []orb.Ring {
	next := make([]int32, 2*g.nx*g.ny)
	for e := range next {
		next[e] = -1
	}
	in := func(i, j int) bool { return g.d[j*g.nx+i] < g.r }
	for j := 0; j+1 < g.ny; j++ {
		for i := 0; i+1 < g.nx; i++ {
			// The cell's corners and edges counter-clockwise from the bottom left: corner k is
			// the start of edge k.
			corners := [4]bool{in(i, j), in(i+1, j), in(i+1, j+1), in(i, j+1)}
			if corners[0] == corners[1] && corners[1] == corners[2] && corners[2] == corners[3] {
				continue
			}
			edges := [4]int{g.hEdge(i, j), g.vEdge(i+1, j), g.hEdge(i, j+1), g.vEdge(i, j)}
			// Crossings in counter-clockwise order: a leaving one (inside to outside) alternates
			// with an entering one. A segment runs from a leaving crossing to an entering one,
			// keeping the inside on its left: to the previous entering crossing, which cuts the
			// inside corner off, or, in a saddle cell whose centre is inside, to the next one,
			// which joins the two inside corners.
			var leaving, entering []int
			for k := range 4 {
				switch a, b := corners[k], corners[(k+1)%4]; {
				case a && !b:
					leaving = append(leaving, k)
				case !a && b:
					entering = append(entering, k)
				}
			}
			joined := false
			if len(leaving) == 2 {
				c := (g.d[j*g.nx+i] + g.d[j*g.nx+i+1] + g.d[(j+1)*g.nx+i+1] + g.d[(j+1)*g.nx+i]) / 4
				joined = c < g.r
			}
			for _, l := range leaving {
				e := -1
				for step := 1; step < 4; step++ {
					k := (l - step + 4) % 4
					if joined {
						k = (l + step) % 4
					}
					if !corners[k] && corners[(k+1)%4] {
						e = k
						break
					}
				}
				next[edges[l]] = int32(edges[e])
			}
		}
	}
	var rings []orb.Ring
	for start, n := range next {
		if n < 0 {
			continue
		}
		var r orb.Ring
		for e := start; ; {
			r = append(r, g.point(e))
			n := int(next[e])
			next[e] = -1
			if n == start {
				break
			}
			e = n
		}
		rings = append(rings, append(r, r[0]))
	}
	return rings
}

// assemble sorts rings into shells (counter-clockwise) and holes (clockwise), puts each hole in
// the smallest shell that contains it, and converts everything back to lon/lat.
func assemble(rings []orb.Ring, fr frame) orb.MultiPolygon {
	type shell struct {
		poly  orb.Polygon
		area  float64
		bound orb.Bound
	}
	var shells []shell
	var holes []orb.Ring
	for _, r := range rings {
		if a := planar.Area(r); r.Orientation() == orb.CCW {
			shells = append(shells, shell{orb.Polygon{r}, a, r.Bound()})
		} else {
			holes = append(holes, r)
		}
	}
	for _, h := range holes {
		best := -1
		for k, s := range shells {
			if (best < 0 || s.area < shells[best].area) && s.bound.Contains(h[0]) && ringContains(s.poly[0], h[0]) {
				best = k
			}
		}
		if best >= 0 {
			shells[best].poly = append(shells[best].poly, h)
		}
	}
	out := make(orb.MultiPolygon, len(shells))
	for k, s := range shells {
		p := make(orb.Polygon, len(s.poly))
		for m, r := range s.poly {
			q := make(orb.Ring, len(r))
			for n, pt := range r {
				q[n] = fr.from(pt)
			}
			p[m] = q
		}
		out[k] = p
	}
	return out
}
