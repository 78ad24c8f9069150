package topology

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Default tolerances, in metres.
const (
	DefaultMerge  = 0.5
	DefaultDangle = 5.0
)

// Line is a stored line of the walk network.
type Line struct {
	ID   int64
	Code string
	Line orb.LineString // lon/lat
}

// Options tune Check. The zero value gives the defaults and only reports dangles.
type Options struct {
	// Merge is the distance in metres under which vertices of different lines merge and an end
	// joins the segment it lies on; 0 means DefaultMerge, a negative value turns merging off.
	Merge float64
	// Dangle is the distance in metres within which a loose end is reported as a dangle; 0 means
	// DefaultDangle.
	Dangle float64
	// SnapDangles joins every dangle to the line it nearly touches.
	SnapDangles bool
}

func (o Options) merge() float64 {
	switch {
	case o.Merge == 0:
		return DefaultMerge
	case o.Merge < 0:
		return 0
	}
	return o.Merge
}

func (o Options) dangle() float64 {
	if o.Dangle <= 0 {
		return DefaultDangle
	}
	return math.Max(o.Dangle, o.merge())
}

// Dangle is a loose end of a line lying close to another line it does not touch.
type Dangle struct {
	Road     string    `json:"road"`       // code of the line that ends
	RoadID   int64     `json:"road_id"`    // its id
	End      orb.Point `json:"end"`        // the loose end, lon/lat
	Near     string    `json:"near"`       // code of the line it nearly touches
	NearID   int64     `json:"near_id"`    // its id
	At       orb.Point `json:"at"`         // the nearest point of that line, lon/lat
	Distance float64   `json:"distance_m"` // metres from End to At, to the centimetre
	Joined   bool      `json:"joined"`     // joined by a new segment (Options.SnapDangles)
}

// Report is what Check found and did.
type Report struct {
	Lines   int      `json:"lines"`           // lines checked
	Merged  int      `json:"merged_vertices"` // vertices moved onto a vertex of another line
	Joined  int      `json:"joined_ends"`     // ends within the merge tolerance joined to a segment
	Dangles []Dangle `json:"dangles"`         // every dangle, joined or not, by line id
	// Changed holds the lines whose geometry changed, with their new geometry, by id.
	Changed []Line `json:"-"`
}

type xy struct{ x, y float64 }

type vkey struct{ x, y int64 }

func keyOf(p xy) vkey { return vkey{int64(math.Round(p.x * 100)), int64(math.Round(p.y * 100))} }

// vert is a vertex in both frames: metric (p) and the stored lon/lat (ll), kept exact so that
// an unchanged vertex is written back bit for bit.
type vert struct {
	p  xy
	ll orb.Point
}

// Check merges close vertices, joins ends lying on other lines, and finds (and with
// opt.SnapDangles joins) dangles, as the package documentation says. The input is not modified.
func Check(lines []Line, opt Options) Report {
	rep := Report{Lines: len(lines), Dangles: []Dangle{}}
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lines[order[a]].ID < lines[order[b]].ID })
	proj := projectionOf(lines)
	vs := make([][]vert, len(lines))
	for _, i := range order {
		for _, pt := range lines[i].Line {
			if finite(pt) {
				vs[i] = append(vs[i], vert{proj.fwd(pt), pt})
			}
		}
	}
	changed := make([]bool, len(lines))
	if m := opt.merge(); m > 0 {
		rep.Merged = mergeVertices(vs, order, m, changed)
	}
	j := newJoiner(vs, opt.dangle())
	for _, i := range order {
		for _, first := range []bool{true, false} {
			if len(vs[i]) < 2 {
				continue
			}
			end := vs[i][len(vs[i])-1]
			if first {
				end = vs[i][0]
			}
			if j.count[keyOf(end.p)] != 1 || touchesItself(vs[i], end.p, first) {
				continue // shared with another line, or the line closes on itself
			}
			tgt, d, ok := j.nearest(end.p, i)
			if !ok {
				continue
			}
			at := j.pointOn(tgt, proj)
			if d <= opt.merge() {
				j.join(i, first, at, false)
				changed[i], changed[tgt.line] = true, true
				rep.Joined++
				continue
			}
			dg := Dangle{Road: lines[i].Code, RoadID: lines[i].ID, End: end.ll, Near: lines[tgt.line].Code,
				NearID: lines[tgt.line].ID, At: at.ll, Distance: math.Round(d*100) / 100}
			if opt.SnapDangles {
				j.join(i, first, at, true)
				changed[i], changed[tgt.line] = true, true
				dg.Joined = true
			}
			rep.Dangles = append(rep.Dangles, dg)
		}
	}
	for _, i := range order {
		if !changed[i] {
			continue
		}
		nl := j.rebuild(i)
		if len(nl) < 2 {
			continue // a line merged down to a point keeps its geometry
		}
		rep.Changed = append(rep.Changed, Line{ID: lines[i].ID, Code: lines[i].Code, Line: nl})
	}
	return rep
}

// touchesItself reports whether an end of l (the first, or the last) meets another vertex of l:
// a closed line or a loop is no dangle.
func touchesItself(l []vert, p xy, first bool) bool {
	k := keyOf(p)
	for n, v := range l {
		if (first && n == 0) || (!first && n == len(l)-1) {
			continue
		}
		if keyOf(v.p) == k {
			return true
		}
	}
	return false
}

// mergeVertices moves every vertex within tol of a vertex of another line seen before it (in
// order) onto that vertex, and returns how many moved.
func mergeVertices(vs [][]vert, order []int, tol float64, changed []bool) int {
	type rep struct {
		v    vert
		line int
	}
	cellOf := func(p xy) [2]int64 { return [2]int64{int64(math.Floor(p.x / tol)), int64(math.Floor(p.y / tol))} }
	grid := map[[2]int64][]rep{}
	moved := 0
	for _, i := range order {
		for k := range vs[i] {
			p := vs[i][k].p
			c := cellOf(p)
			best, bestD := rep{line: -1}, tol
			for dx := int64(-1); dx <= 1; dx++ {
				for dy := int64(-1); dy <= 1; dy++ {
					for _, r := range grid[[2]int64{c[0] + dx, c[1] + dy}] {
						if r.line == i {
							continue
						}
						if d := math.Hypot(r.v.p.x-p.x, r.v.p.y-p.y); d <= bestD {
							best, bestD = r, d
						}
					}
				}
			}
			if best.line < 0 {
				grid[c] = append(grid[c], rep{vs[i][k], i})
				continue
			}
			if best.v.ll != vs[i][k].ll {
				vs[i][k] = best.v
				moved++
				changed[i] = true
			}
		}
	}
	return moved
}

// target is a point on segment seg of a line, t of the way from its vertex seg to seg+1.
type target struct {
	line, seg int
	t         float64
	p         xy
}

type insert struct {
	seg int
	t   float64
	v   vert
}

// joiner finds the nearest segment of other lines and records the joins, applied by rebuild.
type joiner struct {
	vs      [][]vert
	radius  float64
	size    float64
	grid    map[[2]int64][][2]int // cell → (line, segment)
	count   map[vkey]int          // lines holding a vertex at a key
	inserts map[int][]insert
	ends    map[[2]int]joinedEnd // (line, 0 for the first end, 1 for the last) → join
}

type joinedEnd struct {
	v      vert
	extend bool
}

func newJoiner(vs [][]vert, radius float64) *joiner {
	j := &joiner{vs: vs, radius: radius, size: math.Max(radius, 10), grid: map[[2]int64][][2]int{},
		count: map[vkey]int{}, inserts: map[int][]insert{}, ends: map[[2]int]joinedEnd{}}
	for i, l := range vs {
		seen := map[vkey]bool{}
		for k, v := range l {
			if key := keyOf(v.p); !seen[key] {
				seen[key] = true
				j.count[key]++
			}
			if k+1 < len(l) {
				j.addSegment(i, k, v.p, l[k+1].p)
			}
		}
	}
	return j
}

// addSegment files a segment under every cell its pieces (at most a cell long) touch.
func (j *joiner) addSegment(line, seg int, a, b xy) {
	n := int(math.Ceil(math.Hypot(b.x-a.x, b.y-a.y)/j.size)) + 1
	var last [2]int64
	for k := 0; k <= n; k++ {
		f := float64(k) / float64(n)
		c := j.cell(xy{a.x + f*(b.x-a.x), a.y + f*(b.y-a.y)})
		if k > 0 && c == last {
			continue
		}
		last = c
		j.grid[c] = append(j.grid[c], [2]int{line, seg})
	}
}

func (j *joiner) cell(p xy) [2]int64 {
	return [2]int64{int64(math.Floor(p.x / j.size)), int64(math.Floor(p.y / j.size))}
}

// nearest finds the nearest point, within the radius, of a line other than self.
func (j *joiner) nearest(p xy, self int) (target, float64, bool) {
	best, bestD, found := target{}, j.radius, false
	c := j.cell(p)
	// A segment is filed under the cells its points pass within a cell's length of, so the
	// ring of neighbours holds every segment within the radius (≤ the cell size).
	for dx := int64(-2); dx <= 2; dx++ {
		for dy := int64(-2); dy <= 2; dy++ {
			for _, s := range j.grid[[2]int64{c[0] + dx, c[1] + dy}] {
				if s[0] == self {
					continue
				}
				a, b := j.vs[s[0]][s[1]].p, j.vs[s[0]][s[1]+1].p
				t, q := closest(a, b, p)
				if d := math.Hypot(q.x-p.x, q.y-p.y); d <= bestD {
					best, bestD, found = target{s[0], s[1], t, q}, d, true
				}
			}
		}
	}
	return best, bestD, found
}

// pointOn is the target as a vertex: an existing one when within a centimetre of it, else a new
// one inserted into the target line.
func (j *joiner) pointOn(t target, proj projection) vert {
	for _, k := range []int{t.seg, t.seg + 1} {
		v := j.vs[t.line][k]
		if math.Hypot(v.p.x-t.p.x, v.p.y-t.p.y) < 0.01 {
			return v
		}
	}
	v := vert{t.p, proj.inv(t.p)}
	j.inserts[t.line] = append(j.inserts[t.line], insert{t.seg, t.t, v})
	return v
}

// join moves (or with extend, extends) an end of line i onto v.
func (j *joiner) join(i int, first bool, v vert, extend bool) {
	side := 1
	if first {
		side = 0
	}
	j.ends[[2]int{i, side}] = joinedEnd{v, extend}
	j.count[keyOf(v.p)]++
}

// rebuild is line i with its inserted vertices and joined ends, without repeated points.
func (j *joiner) rebuild(i int) orb.LineString {
	l := j.vs[i]
	ins := j.inserts[i]
	sort.SliceStable(ins, func(a, b int) bool {
		if ins[a].seg != ins[b].seg {
			return ins[a].seg < ins[b].seg
		}
		return ins[a].t < ins[b].t
	})
	var out orb.LineString
	add := func(v vert) {
		if n := len(out); n == 0 || out[n-1] != v.ll {
			out = append(out, v.ll)
		}
	}
	first, hasFirst := j.ends[[2]int{i, 0}]
	last, hasLast := j.ends[[2]int{i, 1}]
	if hasFirst && first.extend {
		add(first.v)
	}
	for k, v := range l {
		switch {
		case k == 0 && hasFirst && !first.extend:
			v = first.v
		case k == len(l)-1 && hasLast && !last.extend:
			v = last.v
		}
		add(v)
		for _, in := range ins {
			if in.seg == k {
				add(in.v)
			}
		}
	}
	if hasLast && last.extend {
		add(last.v)
	}
	return out
}

// closest is the point of segment ab nearest to p and its fraction along ab.
func closest(a, b, p xy) (float64, xy) {
	dx, dy := b.x-a.x, b.y-a.y
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.x-a.x)*dx+(p.y-a.y)*dy)/l2))
	}
	return t, xy{a.x + t*dx, a.y + t*dy}
}

const earthRadius = 6371008.8 // metres, mean radius

// projection is an equirectangular projection about (lon0, lat0): metres east and north.
type projection struct{ lon0, lat0, kx, ky float64 }

func projectionOf(lines []Line) projection {
	var sx, sy float64
	n := 0
	for _, l := range lines {
		for _, p := range l.Line {
			if finite(p) {
				sx, sy, n = sx+p[0], sy+p[1], n+1
			}
		}
	}
	if n > 0 {
		sx, sy = sx/float64(n), sy/float64(n)
	}
	ky := earthRadius * math.Pi / 180
	return projection{sx, sy, ky * math.Cos(sy*math.Pi/180), ky}
}

func (p projection) fwd(pt orb.Point) xy { return xy{(pt[0] - p.lon0) * p.kx, (pt[1] - p.lat0) * p.ky} }

func (p projection) inv(q xy) orb.Point { return orb.Point{p.lon0 + q.x/p.kx, p.lat0 + q.y/p.ky} }

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}
