package demo

import (
	"fmt"
	"math"
	"sort"
)

type community struct {
	n           int
	code, name  string
	blk         *block
	r           rect
	face        [4]*line
	old, single bool
	year        int
	ptype, mgmt string
	address     string
	buildings   []*building
	paths       []*line
	gates       []gate
	occ         []rect // occupied ground: buildings, paths, sites, lots, points
	batch       string
	laneYs      []float64
	pathLen     float64 // length of the internal paths inside the walls, m
	site        *site
}

type building struct {
	code, number string
	r            rect
	floors       int
	units        int
	households   int
	area         int
	year         int
	structure    string
	grade        string
	elevator     bool
	feasible     bool
	base         int // floors × units × 2 (一梯两户)
}

type gate struct {
	code, name, kind, hours string
	p                       pt
}

func (c *community) households() int {
	n := 0
	for _, b := range c.buildings {
		n += b.households
	}
	return n
}

func (c *community) footprint() float64 {
	s := 0.0
	for _, b := range c.buildings {
		s += b.r.area()
	}
	return s
}

func (c *community) units() int {
	n := 0
	for _, b := range c.buildings {
		n += b.units
	}
	return n
}

var (
	oldNames = []string{"机械厂家属楼", "铁路小区", "胜利小区", "纺织厂小区", "粮库小区", "供销社家属院",
		"站前小区", "英雄小区", "电业局家属楼", "橡胶厂小区", "化工厂家属院", "油脂厂小区", "变压器厂小区",
		"电机厂家属楼", "制药厂小区", "百货家属楼", "邮电小区", "水泥厂小区", "建工小区", "二建小区",
		"轻工小区", "商业局小区", "糖厂家属院", "啤酒厂小区", "造纸厂小区", "卷烟厂小区", "面粉厂小区",
		"肉联厂小区", "农机厂小区", "棉纺厂小区", "木材厂家属楼", "物资局小区", "交通局家属楼", "税务小区",
		"教师小区", "医院家属楼", "粮食局小区", "煤建小区", "红旗小区", "和平小区", "向阳小区", "光明小区",
		"新华小区", "东风小区", "建设小区", "友谊小区", "团结小区", "民主小区", "幸福小区", "兴华小区",
		"平安小区", "北沟小区", "南沟小区", "仁兴小区", "铁西小区", "地直小区", "车辆段家属楼", "工务段小区",
		"客车厂小区", "冶金厂小区", "铸造厂小区", "印刷厂小区", "被服厂小区", "酒厂家属楼", "热电厂小区",
		"针织厂小区", "皮革厂小区", "玻璃厂小区", "服装厂小区", "农药厂小区"}
	newNames = []string{"锦绣华庭", "阳光花园", "御景园", "金域蓝湾", "翰林苑", "紫御府", "城市花园", "盛世家园",
		"天润城", "中央公馆", "福星家园", "书香苑", "绿洲家园", "世纪华城", "鑫源小区", "万隆国际", "丽景苑",
		"滨河湾", "学府名苑", "英伦郡", "铁西新城", "龙湾小区", "泰和园", "华府天地", "银河湾", "富力城",
		"恒大绿洲", "碧桂苑", "东方明珠", "香榭丽都", "海韵园", "公园一号", "幸福里", "和谐家园", "凯旋城",
		"宏基花园", "金色家园", "玉泉小区", "汇丰苑", "名仕华府", "雅居乐", "百合苑", "嘉禾园", "兰亭苑",
		"祥和家园", "宝地城", "南山郡", "锦江花园", "枫林绿洲", "君悦府", "澜山苑", "北华园", "平西家园",
		"新世纪小区", "盛景嘉园", "怡和苑", "安居小区", "铭城国际", "水岸华庭", "琥珀苑"}
	numerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
)

// number orders the communities south to north, west to east, and gives them codes, names and
// their attributes.
func (m *model) number() {
	sort.SliceStable(m.comms, func(a, b int) bool {
		ca, cb := m.comms[a], m.comms[b]
		if ca.blk.j != cb.blk.j {
			return ca.blk.j < cb.blk.j
		}
		if ca.blk.i != cb.blk.i {
			return ca.blk.i < cb.blk.i
		}
		if ca.r.y0 != cb.r.y0 {
			return ca.r.y0 < cb.r.y0
		}
		return ca.r.x0 < cb.r.x0
	})
	oldPool, newPool := shuffled(m, oldNames), shuffled(m, newNames)
	used := map[string]bool{}
	unique := func(base string) string {
		name := base
		for k := 1; used[name]; k++ {
			name = base + numerals[k%len(numerals)] + "区"
		}
		used[name] = true
		return name
	}
	oi, ni := 0, 0
	for k, c := range m.comms {
		c.n = k + 1
		c.code = fmt.Sprintf("TX-C%03d", c.n)
		street := c.blk.face[sideS].name
		num := 2*int(c.r.center().x/20) + 1
		c.address = fmt.Sprintf("四平市铁西区%s%d号", street, num)
		switch {
		case c.single:
			c.year = int(m.between(1978, 1998))
			c.name = unique(fmt.Sprintf("%s%d号楼", street, num))
			c.ptype = pick(m, []string{"public", "reform", "reform"})
			c.mgmt = pick(m, []string{"none", "none", "self"})
		case c.old:
			base := oldPool[oi%len(oldPool)]
			oi++
			c.name = unique(base)
			c.year = int(m.between(1975, 2000))
			c.ptype = pick(m, []string{"reform", "reform", "reform", "unit", "public", "mixed"})
			if c.ptype == "unit" {
				c.mgmt = pick(m, []string{"work_unit", "work_unit", "self"})
			} else {
				c.mgmt = pick(m, []string{"none", "none", "self", "self", "property_company"})
			}
		default:
			c.name = unique(newPool[ni%len(newPool)])
			ni++
			c.year = int(m.between(2001, 2018))
			c.ptype = "commercial"
			c.mgmt = "property_company"
		}
	}
}

func shuffled[T any](m *model, s []T) []T {
	out := append([]T(nil), s...)
	m.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func pick[T any](m *model, s []T) T { return s[m.rng.IntN(len(s))] }

// layout places a community's buildings in parallel east–west rows (行列式), a north–south
// spine lane with a lane along the front of every row, and 1–3 gates whose connectors end on a
// public road or alley.
func (m *model) layout(c *community) {
	r := c.r
	var depth, pitch, south float64
	floors := 0
	if c.old {
		depth = 10 + 0.5*m.between(0, 4)
		pitch = m.between(30, 36)
		south = 7
	} else {
		floors = int(m.between(11, 18))
		depth = 13 + 0.5*m.between(0, 4)
		pitch = depth + math.Round(float64(floors)*3*(1.3+0.2*m.rng.Float64()))
		south = 10
	}
	xs := nudge(r.x0+5, c.face[sideS], c.face[sideN])
	regions := [][2]float64{{xs + 5, r.x1 - 6}}
	if r.w() >= 120 && !c.single {
		xs = nudge(math.Round(r.x0+r.w()*(0.42+0.16*m.rng.Float64())), c.face[sideS], c.face[sideN])
		regions = [][2]float64{{r.x0 + 6, xs - 5}, {xs + 5, r.x1 - 6}}
	}
	type row struct{ y, lx, rx float64 }
	var rows []row
	for yb := r.y0 + south; yb+depth+5 <= r.y1-4; yb += pitch {
		lx, rx := xs, xs
		for _, reg := range regions {
			for _, s := range m.slabs(reg[0], reg[1], c.old, c.single) {
				b := &building{r: rect{s[0], yb, s[1], yb + depth}}
				c.buildings = append(c.buildings, b)
				lx, rx = min(lx, s[0]), max(rx, s[1])
			}
		}
		if lx < rx {
			rows = append(rows, row{yb + depth + 5, lx, rx})
		}
		if c.single && len(c.buildings) > 0 {
			break
		}
	}
	for k, b := range c.buildings {
		b.code = fmt.Sprintf("%s-B%02d", c.code, k+1)
		b.number = fmt.Sprintf("%d号楼", k+1)
		m.buildingAttrs(c, b, floors)
		c.occ = append(c.occ, b.r.grow(2))
	}

	width := 4 + 0.5*m.between(0, 3)
	if !c.old {
		width = 5 + 0.5*m.between(0, 2)
	}
	newPath := func(horiz bool, cc, a, b float64) *line {
		l := &line{horiz: horiz, c: cc, a: a, b: b, class: "internal", width: width, grid: -1,
			comm: c, edges: make([]edgeInfo, 1)}
		c.paths = append(c.paths, l)
		t := rect{a, cc - 2.5, b, cc + 2.5}
		if !horiz {
			t = rect{cc - 2.5, a, cc + 2.5, b}
		}
		c.occ = append(c.occ, t)
		return l
	}
	// Gates: south always; north and one side sometimes (never for single buildings).
	north := !c.single && m.rng.Float64() < 0.45
	side := !c.single && len(rows) > 0 && m.rng.Float64() < 0.35
	top := r.y0 + 10
	if len(rows) > 0 {
		top = rows[len(rows)-1].y
	}
	sFace, nFace := c.face[sideS], c.face[sideN]
	spineTop := top
	if north {
		spineTop = nFace.c
	}
	spine := newPath(false, xs, sFace.c, spineTop)
	sFace.split(xs)
	spine.split(r.y0)
	c.gates = append(c.gates, gate{name: "南门", kind: "both", hours: "全天", p: pt{xs, r.y0}})
	if c.single {
		c.gates[0].kind = "pedestrian"
	}
	if north {
		nFace.split(xs)
		spine.split(r.y1)
		g := gate{name: "北门", kind: "pedestrian", hours: "06:00-22:00", p: pt{xs, r.y1}}
		if m.rng.Float64() < 0.4 {
			g.kind, g.hours = "both", "全天"
		}
		c.gates = append(c.gates, g)
	}
	sideRow := -1
	west := m.rng.Float64() < 0.5
	sideFace := c.face[sideE]
	if west {
		sideFace = c.face[sideW]
	}
	for k := len(rows) / 2; side && k < len(rows); k++ {
		if !sideFace.near(rows[k].y, 3) {
			sideRow = k
			break
		}
	}
	for k, rw := range rows {
		spine.split(rw.y)
		a, b := rw.lx, rw.rx
		if k == sideRow {
			if west {
				a = c.face[sideW].c
			} else {
				b = c.face[sideE].c
			}
		}
		lane := newPath(true, rw.y, a, b)
		lane.split(xs)
		c.laneYs = append(c.laneYs, rw.y)
		c.pathLen += math.Min(b, r.x1) - math.Max(a, r.x0)
		if k == sideRow {
			if west {
				lane.split(r.x0)
				c.face[sideW].split(rw.y)
				c.gates = append(c.gates, gate{name: "西门", kind: "pedestrian", hours: "06:00-21:00", p: pt{r.x0, rw.y}})
			} else {
				lane.split(r.x1)
				c.face[sideE].split(rw.y)
				c.gates = append(c.gates, gate{name: "东门", kind: "pedestrian", hours: "06:00-21:00", p: pt{r.x1, rw.y}})
			}
		}
	}
	c.pathLen += math.Min(spineTop, r.y1) - r.y0
	for k := range c.gates {
		c.gates[k].code = fmt.Sprintf("%s-G%d", c.code, k+1)
	}
}

// slabs fills [a, b] with slab buildings in one row and returns their x-extents.
func (m *model) slabs(a, b float64, old, single bool) [][2]float64 {
	w := b - a
	minL, maxL, per := 40.0, 80.0, 72.0
	gap := m.between(10, 16)
	if !old {
		minL, maxL, per = 30, 60, 55
		gap = m.between(14, 22)
	}
	if w < minL {
		return nil
	}
	n := max(1, int(math.Round(w/per)))
	if single {
		n = 1
	}
	slot := func() float64 { return (w - float64(n-1)*gap) / float64(n) }
	for slot() > maxL && !single {
		n++
	}
	for slot() < minL && n > 1 {
		n--
	}
	var out [][2]float64
	for k := range n {
		s := slot()
		l := math.Min(maxL, s)
		if !single || s > maxL {
			l = math.Max(minL, math.Min(l, math.Round(2*(l-l*0.12*m.rng.Float64()))/2))
		}
		x := a + float64(k)*(s+gap) + math.Round(2*(s-l)/2)/2
		out = append(out, [2]float64{x, x + l})
	}
	return out
}

func (m *model) buildingAttrs(c *community, b *building, floors int) {
	length := b.r.w()
	b.year = c.year
	if c.old {
		b.structure = "brick_concrete"
		b.units = max(2, min(6, int(math.Round(length/13))))
		switch {
		case c.year >= 1996 && m.rng.Float64() < 0.35:
			b.floors = 7
		case m.rng.Float64() < 0.3:
			b.floors = 5
		default:
			b.floors = 6
		}
		g := m.rng.Float64()
		switch {
		case g < 0.5:
			b.grade = "B"
		case g < 0.88:
			b.grade = "C"
		default:
			b.grade = "D"
		}
		b.feasible = b.grade != "D" && m.rng.Float64() < 0.3
		if m.rng.Float64() < 0.15 && b.year > 1976 {
			b.year -= int(m.between(1, 2))
		}
	} else {
		b.units = max(2, min(4, int(math.Round(length/15))))
		b.floors = max(11, min(18, floors+int(m.between(0, 4))-2))
		b.structure = "frame_shear"
		if b.floors >= 15 {
			b.structure = "shear_wall"
		}
		b.elevator = true
		b.grade = "A"
	}
	b.base = b.floors * b.units * 2
}

// households fixes households and floor areas. The 2021 implementation batch is chosen first
// as 24 old communities with exactly 146 buildings, then its households and floor areas are
// adjusted to the plan's totals (9,120 households, 721,000 m²).
func (m *model) households() error {
	const (
		wantComms = 24
		wantBldgs = 146
		wantHH    = 9120
		wantArea  = 721000
	)
	var cand []*community
	for _, c := range m.comms {
		if c.old {
			cand = append(cand, c)
		}
	}
	if len(cand) < wantComms+20 {
		return fmt.Errorf("only %d old communities", len(cand))
	}
	order := shuffled(m, cand)
	in := make([]bool, len(order))
	nb, hh := 0, 0
	for k := range wantComms {
		in[k] = true
		nb += len(order[k].buildings)
		hh += baseHH(order[k])
	}
	cost := func(nb, hh int) int { return 1000*abs(nb-wantBldgs) + abs(hh-wantHH) }
	for it := 0; it < 200000 && cost(nb, hh) > 40; it++ {
		i, j := m.rng.IntN(len(order)), m.rng.IntN(len(order))
		if in[i] == in[j] {
			continue
		}
		if !in[i] {
			i, j = j, i
		}
		nb2 := nb - len(order[i].buildings) + len(order[j].buildings)
		hh2 := hh - baseHH(order[i]) + baseHH(order[j])
		if cost(nb2, hh2) <= cost(nb, hh) {
			in[i], in[j] = false, true
			nb, hh = nb2, hh2
		}
	}
	if nb != wantBldgs {
		return fmt.Errorf("2021 batch: no 24 old communities with %d buildings (best %d)", wantBldgs, nb)
	}
	var batch []*building
	for k, c := range order {
		if in[k] {
			c.batch = "implement"
		}
	}
	for _, c := range m.comms {
		if c.batch == "implement" {
			batch = append(batch, c.buildings...)
		}
	}
	// Households: the 一梯两户 figure, then ±1 per building round-robin (a ground-floor shop
	// here, a 一梯三户 stairwell there) until the total is exact.
	diff := wantHH - hh
	for _, b := range batch {
		b.households = b.base
	}
	step := 1
	if diff < 0 {
		step = -1
	}
	for pass := 0; diff != 0; pass++ {
		if pass > 2*wantHH {
			return fmt.Errorf("2021 batch: cannot reach %d households", wantHH)
		}
		for _, b := range batch {
			if diff == 0 {
				break
			}
			if abs(b.households+step-b.base) <= 2*b.units {
				b.households += step
				diff -= step
			}
		}
	}
	// Floor area: 72–86 m² per household, scaled to the exact total; the remainder (under one
	// square metre per building) goes one m² at a time to the first buildings.
	raw := make([]float64, len(batch))
	sum := 0.0
	for k, b := range batch {
		raw[k] = float64(b.households) * (72 + 14*m.rng.Float64())
		sum += raw[k]
	}
	total := 0
	for k, b := range batch {
		b.area = int(math.Floor(raw[k] * wantArea / sum))
		total += b.area
	}
	for k := 0; total < wantArea; k = (k + 1) % len(batch) {
		batch[k].area++
		total++
	}
	for _, c := range m.comms {
		if c.batch == "implement" {
			continue
		}
		for _, b := range c.buildings {
			if c.old {
				b.households = b.base + int(m.between(-b.units, b.units/2))
				b.area = int(math.Round(float64(b.households) * (72 + 14*m.rng.Float64())))
			} else {
				b.households = b.base
				b.area = int(math.Round(float64(b.households) * (88 + 22*m.rng.Float64())))
			}
		}
	}
	return nil
}

func baseHH(c *community) int {
	n := 0
	for _, b := range c.buildings {
		n += b.base
	}
	return n
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
