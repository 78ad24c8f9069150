package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// pt is a position in the local frame, metres east and north of the origin.
type pt struct{ x, y float64 }

// rect is an axis-parallel rectangle in the local frame.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) w() float64    { return r.x1 - r.x0 }
func (r rect) h() float64    { return r.y1 - r.y0 }
func (r rect) area() float64 { return r.w() * r.h() }
func (r rect) center() pt    { return pt{(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2} }
func (r rect) grow(d float64) rect {
	return rect{r.x0 - d, r.y0 - d, r.x1 + d, r.y1 + d}
}
func (r rect) overlaps(o rect) bool {
	return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1
}
func (r rect) ring() []pt {
	return []pt{{r.x0, r.y0}, {r.x1, r.y0}, {r.x1, r.y1}, {r.x0, r.y1}, {r.x0, r.y0}}
}

// Sides of a rectangle, in the order of community.face.
const (
	sideS = iota
	sideE
	sideN
	sideW
)

// line is a straight, axis-parallel road or path centre line from a to b (along x if horiz,
// else along y) at the fixed coordinate c. It is cut into segments at every split, so that
// every junction is a shared vertex of the network.
type line struct {
	horiz  bool
	c      float64
	a, b   float64
	class  string
	name   string
	width  float64
	grid   int          // index of the grid line, -1 for alleys and paths
	spans  [][2]float64 // kept intervals of a grid line; nil: the whole line
	splits []float64
	comm   *community // owner of an internal path
	edges  []edgeInfo // per grid interval (grid lines) or one entry (others)
	gridAt []float64  // grid node positions along the line (grid lines)
}

type edgeInfo struct {
	old       bool
	surface   string
	resurface int
}

func (l *line) split(v float64) { l.splits = append(l.splits, v) }

// near reports whether the line already has a split within d of v (but not at v): a junction
// that close would leave a sliver segment.
func (l *line) near(v, d float64) bool {
	for _, s := range l.splits {
		if s != v && math.Abs(s-v) < d {
			return true
		}
	}
	return false
}

// nudge moves v east/north in 3.5 m steps until no line has a split within 3 m of it.
func nudge(v float64, ls ...*line) float64 {
	for range 8 {
		ok := true
		for _, l := range ls {
			ok = ok && !l.near(v, 3)
		}
		if ok {
			break
		}
		v += 3.5
	}
	return v
}

func (l *line) at(v float64) pt {
	if l.horiz {
		return pt{v, l.c}
	}
	return pt{l.c, v}
}

// setback is the distance from a line's centre to the walls of the communities beside it.
func (l *line) setback() float64 {
	switch l.class {
	case "arterial":
		return 25
	case "secondary":
		return 16
	case "branch":
		return 10
	}
	return 4
}

// segments returns the line cut at its splits, restricted to its spans.
func (l *line) segments() [][2]float64 {
	vs := []float64{l.a, l.b}
	for _, s := range l.splits {
		if s > l.a && s < l.b {
			vs = append(vs, s)
		}
	}
	sort.Float64s(vs)
	vs = slices.Compact(vs)
	var out [][2]float64
	for i := 0; i+1 < len(vs); i++ {
		mid := (vs[i] + vs[i+1]) / 2
		if l.spans != nil {
			ok := false
			for _, s := range l.spans {
				if mid > s[0] && mid < s[1] {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, [2]float64{vs[i], vs[i+1]})
	}
	return out
}

// edge returns the per-interval properties of the line at position v.
func (l *line) edge(v float64) edgeInfo {
	if l.gridAt == nil {
		return l.edges[0]
	}
	k := sort.SearchFloat64s(l.gridAt, v) - 1
	k = max(0, min(k, len(l.edges)-1))
	return l.edges[k]
}

const (
	useNew = iota
	useOld
	usePublic
)

type block struct {
	i, j  int
	cell  rect
	face  [4]*line
	use   int
	pub   string // public use of a usePublic block
	score float64
	nb    *neighbourhood
}

func (b *block) inner() rect {
	return rect{
		b.cell.x0 + b.face[sideW].setback(), b.cell.y0 + b.face[sideS].setback(),
		b.cell.x1 - b.face[sideE].setback(), b.cell.y1 - b.face[sideN].setback(),
	}
}

type subdistrict struct {
	code, name string
	nbs        []*neighbourhood
	cells      [][2]int
}

type neighbourhood struct {
	code, name string
	sub        *subdistrict
	cells      [][2]int
}

// model is one copy of the fabric in the local frame, with base codes.
type model struct {
	rng    *rand.Rand
	xs, ys []float64
	vl, hl []*line
	kept   [][]bool
	blocks []*block
	alleys []*line
	subs   []*subdistrict
	comms  []*community
	pipes  []pipe
	facs   []facility
	parks  []parking
	sites  []*site
	plans  []*plan
}

const (
	nx = 13 // grid columns (blocks west to east)
	ny = 11 // grid rows (blocks south to north)
)

func (m *model) extentX() float64 { return m.xs[nx] }
func (m *model) extentY() float64 { return m.ys[ny] }

func (m *model) between(lo, hi int) float64 { return float64(lo + m.rng.IntN(hi-lo+1)) }

func build(shape orb.Geometry, seed int64) (*model, error) {
	m := &model{rng: rand.New(rand.NewPCG(uint64(seed), 0x5450_2d44454d4f))}
	m.grid(shape)
	if err := m.partition(); err != nil {
		return nil, err
	}
	m.assignUses()
	if len(m.comms) < 90 {
		return nil, fmt.Errorf("only %d communities fit inside the outline", len(m.comms))
	}
	m.number()
	for _, c := range m.comms {
		m.layout(c)
	}
	if err := m.households(); err != nil {
		return nil, err
	}
	m.edgeProps()
	m.candidateSites()
	m.facilities()
	m.parkingSupply()
	m.pipelines()
	m.makePlans()
	return m, nil
}

var (
	vNames = []string{"西环路", "平西一街", "平西街", "育才街", "仁兴大街", "新华街", "北沟街", "红旗街",
		"英雄大街", "胜利街", "建设街", "铁西三街", "站前大街", "铁路街"}
	hNames = []string{"南环路", "南沟路", "兴华路", "光明路", "紫气大路", "和平路", "民主路", "团结路",
		"中央西路", "北沟路", "北华路", "北环路"}
)

func gridClass(i int) (string, float64) {
	switch {
	case i%4 == 0:
		return "arterial", 40
	case i%2 == 0:
		return "secondary", 24
	}
	return "branch", 14
}

// grid lays out the road grid and keeps the blocks that lie (with a margin for the roads and
// their pipelines) inside the outline.
func (m *model) grid(shape orb.Geometry) {
	m.xs = make([]float64, nx+1)
	m.ys = make([]float64, ny+1)
	for i := 1; i <= nx; i++ {
		m.xs[i] = m.xs[i-1] + m.between(45, 53)*5
	}
	for j := 1; j <= ny; j++ {
		m.ys[j] = m.ys[j-1] + m.between(40, 48)*5
	}
	inside := func(p pt) bool {
		return contains(shape, orb.Point{originLon + p.x/mPerDegLon, originLat + p.y/mPerDegLat})
	}
	m.kept = make([][]bool, nx)
	for i := range nx {
		m.kept[i] = make([]bool, ny)
		for j := range ny {
			r := rect{m.xs[i], m.ys[j], m.xs[i+1], m.ys[j+1]}.grow(30)
			c := r.center()
			ok := true
			for _, p := range []pt{{r.x0, r.y0}, {r.x1, r.y0}, {r.x1, r.y1}, {r.x0, r.y1},
				{c.x, r.y0}, {c.x, r.y1}, {r.x0, c.y}, {r.x1, c.y}} {
				ok = ok && inside(p)
			}
			m.kept[i][j] = ok
		}
	}
	isKept := func(i, j int) bool { return i >= 0 && j >= 0 && i < nx && j < ny && m.kept[i][j] }
	for i := 0; i <= nx; i++ {
		cl, w := gridClass(i)
		l := &line{c: m.xs[i], class: cl, width: w, name: vNames[i], grid: i, gridAt: m.ys}
		for j := range ny {
			if isKept(i-1, j) || isKept(i, j) {
				l.spans = append(l.spans, [2]float64{m.ys[j], m.ys[j+1]})
			}
		}
		m.vl = append(m.vl, l)
	}
	for j := 0; j <= ny; j++ {
		cl, w := gridClass(j)
		l := &line{horiz: true, c: m.ys[j], class: cl, width: w, name: hNames[j], grid: j, gridAt: m.xs}
		for i := range nx {
			if isKept(i, j-1) || isKept(i, j) {
				l.spans = append(l.spans, [2]float64{m.xs[i], m.xs[i+1]})
			}
		}
		m.hl = append(m.hl, l)
	}
	for _, l := range append(slices.Clone(m.vl), m.hl...) {
		l.edges = make([]edgeInfo, len(l.gridAt)-1)
		if len(l.spans) > 0 {
			l.a, l.b = l.spans[0][0], l.spans[len(l.spans)-1][1]
		}
		l.splits = append(l.splits, l.gridAt...)
	}
	for j := range ny {
		for i := range nx {
			if !m.kept[i][j] {
				continue
			}
			m.blocks = append(m.blocks, &block{i: i, j: j,
				cell: rect{m.xs[i], m.ys[j], m.xs[i+1], m.ys[j+1]},
				face: [4]*line{m.hl[j], m.vl[i+1], m.hl[j+1], m.vl[i]}})
		}
	}
}

func (m *model) blockAt(i, j int) *block {
	for _, b := range m.blocks {
		if b.i == i && b.j == j {
			return b
		}
	}
	return nil
}

// partition groups the blocks into subdistricts (bounded by arterials) and neighbourhoods.
func (m *model) partition() error {
	type subDef struct {
		name   string
		i0, i1 int // column range [i0, i1)
		j0, j1 int
		nbs    []string
	}
	defs := []subDef{
		{"仁兴街道", 0, 4, 0, 8, []string{"仁兴社区", "平西社区", "育才社区"}},
		{"英雄街道", 4, 8, 0, 8, []string{"英雄社区", "胜利社区", "建设社区"}},
		{"站前街道", 8, nx, 0, 8, []string{"站前社区", "铁路社区"}},
		{"北沟街道", 0, 6, 8, ny, []string{"北沟社区", "北华社区"}},
		{"地直街道", 6, nx, 8, ny, []string{"地直社区", "红旗社区", "光明社区"}},
	}
	for si, d := range defs {
		s := &subdistrict{code: fmt.Sprintf("220302%03d", si+1), name: d.name}
		var cols []int
		for i := d.i0; i < d.i1; i++ {
			has := false
			for j := d.j0; j < d.j1; j++ {
				if m.kept[i][j] {
					s.cells = append(s.cells, [2]int{i, j})
					has = true
				}
			}
			if has {
				cols = append(cols, i)
			}
		}
		if len(cols) < len(d.nbs) {
			return fmt.Errorf("subdistrict %s: too few blocks inside the outline", d.name)
		}
		// Neighbourhoods: contiguous column ranges of the subdistrict.
		for k, name := range d.nbs {
			lo := cols[k*len(cols)/len(d.nbs)]
			hi := cols[(k+1)*len(cols)/len(d.nbs)-1]
			n := &neighbourhood{code: fmt.Sprintf("%s%03d", s.code, k+1), name: name, sub: s}
			for _, c := range s.cells {
				if c[0] >= lo && c[0] <= hi {
					n.cells = append(n.cells, c)
					m.blockAt(c[0], c[1]).nb = n
				}
			}
			s.nbs = append(s.nbs, n)
		}
		m.subs = append(m.subs, s)
	}
	for _, b := range m.blocks {
		if b.nb == nil {
			return errors.New("a block belongs to no neighbourhood")
		}
	}
	return nil
}

// traceCells returns the outline (counter-clockwise, closed, in metres) of a set of grid cells.
// It fails if the cells do not form one simply connected region.
func (m *model) traceCells(cells [][2]int) ([]pt, error) {
	in := map[[2]int]bool{}
	for _, c := range cells {
		in[c] = true
	}
	type edge struct{ from, to [2]int }
	out := map[[2]int][]edge{}
	var all []edge
	add := func(a, b [2]int) {
		e := edge{a, b}
		out[a] = append(out[a], e)
		all = append(all, e)
	}
	for _, c := range cells {
		i, j := c[0], c[1]
		if !in[[2]int{i, j - 1}] {
			add([2]int{i, j}, [2]int{i + 1, j})
		}
		if !in[[2]int{i + 1, j}] {
			add([2]int{i + 1, j}, [2]int{i + 1, j + 1})
		}
		if !in[[2]int{i, j + 1}] {
			add([2]int{i + 1, j + 1}, [2]int{i, j + 1})
		}
		if !in[[2]int{i - 1, j}] {
			add([2]int{i, j + 1}, [2]int{i, j})
		}
	}
	if len(all) == 0 {
		return nil, errors.New("no cells")
	}
	used := map[edge]bool{}
	start := all[0]
	cur := start
	var verts [][2]int
	for {
		used[cur] = true
		verts = append(verts, cur.from)
		d := [2]int{cur.to[0] - cur.from[0], cur.to[1] - cur.from[1]}
		left := [2]int{-d[1], d[0]}
		right := [2]int{d[1], -d[0]}
		var next *edge
		for _, want := range [][2]int{left, d, right} {
			for _, e := range out[cur.to] {
				if !used[e] && e.to[0]-e.from[0] == want[0] && e.to[1]-e.from[1] == want[1] {
					next = &e
					break
				}
			}
			if next != nil {
				break
			}
		}
		if next == nil {
			break
		}
		cur = *next
	}
	if len(used) != len(all) {
		return nil, errors.New("cells are not one simply connected region")
	}
	// Drop collinear vertices.
	n := len(verts)
	var ring []pt
	for k := range n {
		a, b, c := verts[(k+n-1)%n], verts[k], verts[(k+1)%n]
		if (b[0]-a[0])*(c[1]-b[1])-(b[1]-a[1])*(c[0]-b[0]) == 0 {
			continue
		}
		ring = append(ring, pt{m.xs[b[0]], m.ys[b[1]]})
	}
	return append(ring, ring[0]), nil
}

// assignUses decides which blocks are public (schools, hospital, park, idle factory land), which
// hold old communities (near the railway, plus a machinery works in the west) and which newer
// ones, and subdivides them into communities.
func (m *model) assignUses() {
	// Public uses at fractions of the fabric's extent.
	pubs := []struct {
		use  string
		x, y float64
	}{
		{"middle_school", 0.62, 0.74}, {"middle_school", 0.45, 0.25}, {"health_center", 0.66, 0.40},
		{"health_center", 0.20, 0.45},
		{"primary_school", 0.18, 0.25}, {"primary_school", 0.74, 0.60}, {"primary_school", 0.78, 0.82},
		{"primary_school", 0.92, 0.95}, {"primary_school", 0.55, 0.10},
		{"nursing_home", 0.12, 0.55}, {"park", 0.48, 0.70}, {"factory", 0.70, 0.30},
		{"factory", 0.86, 0.62}, {"hospital_planned", 0.82, 0.92},
	}
	for _, p := range pubs {
		target := pt{p.x * m.extentX(), p.y * m.extentY()}
		var best *block
		bd := math.Inf(1)
		for _, b := range m.blocks {
			c := b.cell.center()
			if d := math.Hypot(c.x-target.x, c.y-target.y); b.use != usePublic && d < bd {
				best, bd = b, d
			}
		}
		best.use, best.pub = usePublic, p.use
	}
	// Old-ness: distance from the railway (the outline's eastern edge), less for the works.
	rail := func(p pt) float64 {
		// The railway in the local frame: through (124.3508, 43.1380) and (124.3731, 43.1733).
		ax, ay := (124.3508-originLon)*mPerDegLon, (43.1380-originLat)*mPerDegLat
		bx, by := (124.3731-originLon)*mPerDegLon, (43.1733-originLat)*mPerDegLat
		dx, dy := bx-ax, by-ay
		return math.Abs(dx*(p.y-ay)-dy*(p.x-ax)) / math.Hypot(dx, dy)
	}
	works := pt{0.08 * m.extentX(), 0.35 * m.extentY()}
	var cand []*block
	for _, b := range m.blocks {
		c := b.cell.center()
		b.score = rail(c) + m.rng.Float64()*350
		if math.Hypot(c.x-works.x, c.y-works.y) < 420 {
			b.score -= 2000
		}
		if b.use != usePublic {
			cand = append(cand, b)
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return cand[a].score < cand[b].score })
	old, strips := 0, 0
	for _, b := range cand {
		if old < 68 {
			b.use = useOld
			strip := strips < 2 && b.face[sideS].class != "arterial" && b.j > 0 && m.rng.Float64() < 0.4
			if strip {
				strips++
			}
			for _, p := range m.subdivide(b, strip) {
				m.comms = append(m.comms, &community{blk: b, r: p.r, face: p.face, old: true, single: p.single})
				old++
			}
			continue
		}
		for _, p := range m.splitRec(piece{r: b.inner(), face: b.face}, false) {
			m.comms = append(m.comms, &community{blk: b, r: p.r, face: p.face})
		}
	}
}

type piece struct {
	r      rect
	face   [4]*line
	single bool
}

// cut splits a piece with a footway (alley) along x = c (vertical) or y = c, leaving 4 m
// between the alley's centre line and each wall, and splits the lines the alley ends on.
func (m *model) cut(p piece, vertical bool, c float64) (piece, piece) {
	al := &line{class: "footway", width: m.between(3, 4), grid: -1, edges: make([]edgeInfo, 1)}
	a, b := p, p
	if vertical {
		al.c, al.a, al.b = c, p.face[sideS].c, p.face[sideN].c
		p.face[sideS].split(c)
		p.face[sideN].split(c)
		a.r.x1, b.r.x0 = c-4, c+4
		a.face[sideE], b.face[sideW] = al, al
	} else {
		al.horiz = true
		al.c, al.a, al.b = c, p.face[sideW].c, p.face[sideE].c
		p.face[sideW].split(c)
		p.face[sideE].split(c)
		a.r.y1, b.r.y0 = c-4, c+4
		a.face[sideN], b.face[sideS] = al, al
	}
	m.alleys = append(m.alleys, al)
	return a, b
}

func (m *model) subdivide(b *block, strip bool) []piece {
	p := piece{r: b.inner(), face: b.face}
	var out []piece
	if strip {
		// A row of single buildings (单栋楼) along the street, each its own community.
		s, rest := m.cut(p, false, nudge(p.r.y0+28+4, p.face[sideW], p.face[sideE]))
		k := max(2, int(s.r.w()/90))
		pw := math.Floor((s.r.w() - float64(k-1)*8) / float64(k))
		for range k - 1 {
			var one piece
			one, s = m.cut(s, true, nudge(s.r.x0+pw+4, s.face[sideS], s.face[sideN]))
			one.single = true
			out = append(out, one)
		}
		s.single = true
		out = append(out, s)
		p = rest
	}
	return append(out, m.splitRec(p, true)...)
}

// splitRec splits a piece into communities of 1–6 ha: old ones smaller (often a work unit's
// housing next to another's), newer ones rarely split.
func (m *model) splitRec(p piece, old bool) []piece {
	ha := p.r.area() / 1e4
	should := ha > 5.8 || (old && (ha > 4.2 || (ha > 2.4 && m.rng.Float64() < 0.75)))
	if !should {
		return []piece{p}
	}
	vertical := p.r.w() >= p.r.h()
	lo, hi := p.r.y0, p.r.y1
	other := p.r.w()
	if vertical {
		lo, hi, other = p.r.x0, p.r.x1, p.r.h()
	}
	for _, frac := range []float64{0.4 + 0.2*m.rng.Float64(), 0.5} {
		c := math.Round(lo + (hi-lo)*frac)
		if vertical {
			c = nudge(c, p.face[sideS], p.face[sideN])
		} else {
			c = nudge(c, p.face[sideW], p.face[sideE])
		}
		d1, d2 := c-4-lo, hi-c-4
		if min(d1, d2) >= 85 && min(d1, d2)*other >= 1.05e4 {
			a, b := m.cut(p, vertical, c)
			return append(m.splitRec(a, old), m.splitRec(b, old)...)
		}
	}
	return []piece{p}
}
