package demo

import (
	"fmt"
	"math"
	"strings"
)

type facility struct {
	kind, name string
	capacity   int
	planned    bool
	comm       *community
	p          pt
}

type parking struct {
	kind, name string
	capacity   int
	comm       *community
	p          pt
	lot        *rect // car_lot polygon
}

type site struct {
	name, origin, note string
	r                  rect
	kinds              []string
	comm               *community
}

type pipe struct {
	kind, material, cond, operator string
	diam, year                     int
	depth                          float64
	comm                           *community
	pts                            []pt
}

// free finds an unoccupied w×h rectangle inside a community (3 m off the wall) and marks it
// occupied.
func (m *model) free(c *community, w, h float64) (rect, bool) {
	in := c.r.grow(-3)
	if in.w() < w || in.h() < h {
		return rect{}, false
	}
	for range 300 {
		x := in.x0 + math.Round(m.rng.Float64()*(in.w()-w))
		y := in.y0 + math.Round(m.rng.Float64()*(in.h()-h))
		r := rect{x, y, x + w, y + h}
		ok := true
		for _, o := range c.occ {
			if r.overlaps(o) {
				ok = false
				break
			}
		}
		if ok {
			c.occ = append(c.occ, r.grow(1))
			return r, true
		}
	}
	return rect{}, false
}

func (m *model) freePoint(c *community) (pt, bool) {
	r, ok := m.free(c, 3, 3)
	return r.center(), ok
}

// roadside returns a point between a block's side road and the walls behind it (shops, markets
// and stations along the street).
func (m *model) roadside(b *block, side int) pt {
	l := b.face[side]
	off := (l.width/2 + l.setback()) / 2
	cl := b.cell
	along := func(a, z float64) float64 { return a + 30 + math.Round(m.rng.Float64()*(z-a-60)) }
	switch side {
	case sideS:
		return pt{along(cl.x0, cl.x1), cl.y0 + off}
	case sideN:
		return pt{along(cl.x0, cl.x1), cl.y1 - off}
	case sideW:
		return pt{cl.x0 + off, along(cl.y0, cl.y1)}
	}
	return pt{cl.x1 - off, along(cl.y0, cl.y1)}
}

// busiestSide picks the side of a block on the highest-class road.
func busiestSide(b *block) int {
	rank := map[string]int{"arterial": 3, "secondary": 2, "branch": 1}
	best := sideS
	for s := range 4 {
		if rank[b.face[s].class] > rank[b.face[best].class] {
			best = s
		}
	}
	return best
}

func (m *model) edgeProps() {
	isOld := func(i, j int) bool {
		b := m.blockAt(i, j)
		return b != nil && b.use == useOld
	}
	for _, l := range append(append([]*line(nil), m.vl...), m.hl...) {
		for k := range l.edges {
			var old bool
			if l.horiz {
				old = isOld(k, l.grid-1) || isOld(k, l.grid)
			} else {
				old = isOld(l.grid-1, k) || isOld(l.grid, k)
			}
			e := edgeInfo{old: old}
			switch {
			case l.class == "arterial":
				e.surface = pickW(m, []string{"good", "fair"}, []float64{0.6, 0.4})
			case l.class == "secondary":
				e.surface = pickW(m, []string{"good", "fair", "poor"}, []float64{0.4, 0.4, 0.2})
			case old:
				e.surface = pickW(m, []string{"fair", "poor", "broken"}, []float64{0.3, 0.5, 0.2})
			default:
				e.surface = pickW(m, []string{"good", "fair", "poor"}, []float64{0.5, 0.4, 0.1})
			}
			if e.surface != "good" && m.rng.Float64() < 0.3 {
				e.resurface = int(m.between(2021, 2024))
			}
			l.edges[k] = e
		}
	}
	for _, l := range m.alleys {
		mid := l.at((l.a + l.b) / 2)
		old := false
		for _, c := range m.comms {
			if c.old && mid.x >= c.r.x0-6 && mid.x <= c.r.x1+6 && mid.y >= c.r.y0-6 && mid.y <= c.r.y1+6 {
				old = true
			}
		}
		e := edgeInfo{old: old, surface: pickW(m, []string{"good", "fair", "poor"}, []float64{0.3, 0.5, 0.2})}
		if old {
			e.surface = pickW(m, []string{"fair", "poor", "broken"}, []float64{0.3, 0.4, 0.3})
		}
		l.edges[0] = e
	}
	for _, c := range m.comms {
		for _, l := range c.paths {
			l.edges[0] = edgeInfo{old: c.old, surface: pickW(m, []string{"good", "fair"}, []float64{0.6, 0.4})}
			if c.old {
				l.edges[0].surface = pickW(m, []string{"fair", "poor", "broken"}, []float64{0.2, 0.45, 0.35})
			}
		}
	}
}

func pickW(m *model, s []string, w []float64) string {
	v := m.rng.Float64()
	for k, x := range w {
		if v < x {
			return s[k]
		}
		v -= x
	}
	return s[len(s)-1]
}

// unitName is the former work unit in an old community's name (机械厂家属楼 → 机械厂), or the
// name itself.
func unitName(c *community) string {
	for _, k := range []string{"厂", "局", "段", "社", "库"} {
		if i := strings.Index(c.name, k); i > 0 {
			return c.name[:i+len(k)]
		}
	}
	return c.name
}

// candidateSites places disused boiler houses and demolished illegal structures in old
// communities and idle land on the old factory blocks.
func (m *model) candidateSites() {
	var olds []*community
	for _, c := range m.comms {
		if c.old && !c.single {
			olds = append(olds, c)
		}
	}
	olds = shuffled(m, olds)
	boilers, cleared := 0, 0
	for _, c := range olds {
		switch {
		case boilers < 8:
			r, ok := m.free(c, m.between(14, 18), m.between(18, 24))
			if !ok {
				continue
			}
			boilers++
			c.site = &site{name: "原" + unitName(c) + "锅炉房", origin: "reusable_building", r: r, comm: c,
				note:  "燃煤锅炉房，并入城市集中供热后停用，砖混结构单层",
				kinds: []string{"elderly_day_care", "community_service_station", "culture_station", "health_station", "community_canteen"}}
			m.sites = append(m.sites, c.site)
		case cleared < 6:
			r, ok := m.free(c, m.between(10, 14), m.between(24, 36))
			if !ok {
				continue
			}
			cleared++
			c.site = &site{name: c.name + "违建拆除腾空地", origin: "demolished_illegal", r: r, comm: c,
				note:  "拆除私搭乱建棚厦后腾空",
				kinds: []string{"outdoor_fitness", "play_ground", "small_sports_court", "garbage_point", "recycling_point"}}
			m.sites = append(m.sites, c.site)
		}
	}
	factories := []string{"铸造厂", "油毡厂", "砖厂", "木器厂"}
	fi := 0
	for _, b := range m.blocks {
		if b.pub != "factory" {
			continue
		}
		in := b.inner()
		for k := range 2 {
			w, h := m.between(45, 70), m.between(40, 60)
			x := in.x0 + 5
			if k == 1 {
				x = in.x1 - 5 - w
			}
			y := in.y0 + 5 + math.Round(m.rng.Float64()*(in.h()-h-10))
			m.sites = append(m.sites, &site{name: "原" + factories[fi%len(factories)] + "闲置用地", origin: "vacant",
				r:     rect{x, y, x + w, y + h},
				note:  "企业停产后闲置，土地权属待核实",
				kinds: []string{"kindergarten", "elderly_day_care", "fresh_market", "small_sports_court", "medium_sports_field", "nursery"}})
			fi++
		}
	}
}

func (m *model) addFac(kind, name string, capacity int, c *community, p pt) {
	m.facs = append(m.facs, facility{kind: kind, name: name, capacity: capacity, comm: c, p: p})
}

func (m *model) inCommunity(c *community, kind, name string, capacity int) bool {
	p, ok := m.freePoint(c)
	if ok {
		m.addFac(kind, name, capacity, c, p)
	}
	return ok
}

// facilities places the GB 50180 facility kinds: schools, clinics and parks on public blocks,
// shops and stations along streets, block-level (街坊) facilities inside communities. The gaps
// are deliberate: kindergartens and day care for the elderly are mostly in the newer
// communities, away from the old ones.
func (m *model) facilities() {
	subOf := func(b *block) *subdistrict { return b.nb.sub }
	mid, pri, health := 0, 0, 0
	midNames := []string{"四平市第十四中学", "铁西区实验中学"}
	priNames := []string{"铁西区第一小学", "铁西区第三小学", "铁西区英雄小学", "铁西区北沟小学", "铁西区南沟小学"}
	for _, b := range m.blocks {
		if b.use != usePublic {
			continue
		}
		in := b.inner()
		c := in.center()
		at := func(dx, dy float64) pt { return pt{c.x + dx*in.w()/4, c.y + dy*in.h()/4} }
		switch b.pub {
		case "middle_school":
			m.addFac("middle_school", midNames[mid%2], int(m.between(12, 20))*100, nil, at(0, 0.5))
			mid++
			m.addFac("medium_sports_field", fmt.Sprintf("%s运动场", midNames[(mid-1)%2]), 0, nil, at(0, -0.8))
		case "primary_school":
			m.addFac("primary_school", priNames[pri%len(priNames)], int(m.between(9, 18))*100, nil, at(0, 0.5))
			pri++
		case "health_center":
			m.addFac("health_center", "铁西区"+subOf(b).name+"社区卫生服务中心", int(m.between(20, 40)), nil, at(-0.5, 0))
			if health == 0 {
				m.addFac("nursing_home", "铁西区颐养中心", int(m.between(8, 15))*10, nil, at(0.5, 0.5))
			}
			health++
		case "nursing_home":
			m.addFac("nursing_home", "铁西区社会福利院", int(m.between(10, 20))*10, nil, at(0, 0))
		case "park":
			m.addFac("culture_center", "铁西区文化活动中心", 0, nil, at(-0.5, 0.5))
			m.addFac("large_sports_field", "铁西体育场", 0, nil, at(0.3, 0))
			m.addFac("medium_sports_field", "英雄公园多功能运动场", 0, nil, at(-0.5, -0.5))
			m.addFac("outdoor_fitness", "英雄公园健身广场", 0, nil, at(0.5, -0.6))
			m.addFac("public_toilet", "英雄公园公厕", 0, nil, at(0, -0.9))
		case "hospital_planned":
			m.addFac("health_center", "铁西区"+subOf(b).name+"社区卫生服务中心", int(m.between(20, 40)), nil, at(0, 0))
			m.facs[len(m.facs)-1].planned = true
			m.addFac("medium_sports_field", "北环路全民健身场", 0, nil, at(0.5, -0.6))
		case "factory":
			in := b.inner()
			m.addFac("waste_station", "铁西区垃圾转运站", 0, nil, pt{in.center().x, in.y1 - 8})
			m.addFac("recycling_point", "物资再生资源回收站", 0, nil, pt{in.center().x, in.y0 + 8})
		}
	}
	// Subdistrict offices and centres, one per subdistrict (站前 has no centre: a gap).
	for si, s := range m.subs {
		var bs []*block
		for _, b := range m.blocks {
			if b.nb.sub == s && b.use != usePublic {
				bs = append(bs, b)
			}
		}
		b := bs[len(bs)/2]
		m.addFac("subdistrict_office", s.name+"办事处", 0, nil, m.roadside(b, busiestSide(b)))
		if s.name != "站前街道" {
			b2 := bs[(len(bs)/2+1+si)%len(bs)]
			m.addFac("community_center", s.name+"社区服务中心", 0, nil, m.roadside(b2, busiestSide(b2)))
		}
	}
	// Neighbourhood stations.
	canteens := 0
	for _, s := range m.subs {
		for _, n := range s.nbs {
			var bs []*block
			for _, b := range m.blocks {
				if b.nb == n && b.use != usePublic {
					bs = append(bs, b)
				}
			}
			b := pick(m, bs)
			m.addFac("community_service_station", n.name+"服务站", 0, nil, m.roadside(b, m.rng.IntN(4)))
			if m.rng.Float64() < 0.6 {
				b := pick(m, bs)
				m.addFac("culture_station", n.name+"文化活动站", 0, nil, m.roadside(b, m.rng.IntN(4)))
			}
			if m.rng.Float64() < 0.5 {
				b := pick(m, bs)
				m.addFac("health_station", n.name+"卫生服务站", 0, nil, m.roadside(b, m.rng.IntN(4)))
			}
			if canteens < 3 && m.rng.Float64() < 0.4 {
				canteens++
				b := pick(m, bs)
				m.addFac("community_canteen", n.name+"长者食堂", int(m.between(40, 80)), nil, m.roadside(b, m.rng.IntN(4)))
			}
		}
	}
	// Markets near the old areas, shops and small stations along streets.
	var olds, all []*block
	for _, b := range m.blocks {
		if b.use == useOld {
			olds = append(olds, b)
		}
		if b.use != usePublic {
			all = append(all, b)
		}
	}
	markets := []string{"北沟菜市场", "英雄农贸市场", "站前早市", "胜利菜市场", "红旗生鲜超市", "仁兴农贸市场"}
	for k, b := range spread(olds, len(markets)) {
		m.addFac("fresh_market", markets[k], int(m.between(8, 20))*10, nil, m.roadside(b, busiestSide(b)))
	}
	shops := []string{"百姓超市", "惠民超市", "老百姓大药房", "益康大药房", "福乐多超市", "好又多便利超市", "兴隆超市", "康泰药房"}
	for k, b := range spread(all, 18) {
		m.addFac("community_shop", shops[k%len(shops)]+fmt.Sprintf("（%s店）", b.face[sideS].name), 0, nil, m.roadside(b, m.rng.IntN(4)))
	}
	for _, b := range spread(all, 9) {
		m.addFac("recycling_point", b.face[sideW].name+"再生资源回收点", 0, nil, m.roadside(b, sideW))
	}
	for _, b := range spread(all, 6) {
		m.addFac("waste_station", b.face[sideN].name+"垃圾收集站", 0, nil, m.roadside(b, sideN))
	}
	for _, b := range spread(all, 10) {
		m.addFac("public_toilet", b.face[sideE].name+"公厕", 0, nil, m.roadside(b, sideE))
	}
	// Bus stops on arterials and secondary roads, at every other crossing.
	for _, l := range append(append([]*line(nil), m.vl...), m.hl...) {
		if l.class == "branch" {
			continue
		}
		cross := m.hl
		if l.horiz {
			cross = m.vl
		}
		for k, v := range l.gridAt {
			if k%2 == 1 || v-40 < l.a || v+40 > l.b {
				continue
			}
			off := l.width/2 - 2
			if k%4 == 2 {
				off = -off
			}
			p := l.at(v + 40)
			if l.horiz {
				p.y += off
			} else {
				p.x += off
			}
			m.addFac("bus_stop", fmt.Sprintf("%s·%s站", l.name, cross[k].name), 0, nil, p)
		}
	}
	// Inside communities.
	care, nurse := 0, 0
	for _, c := range m.comms {
		n := c.name
		if c.single {
			m.inCommunity(c, "garbage_point", n+"垃圾投放点", 0)
			continue
		}
		m.inCommunity(c, "garbage_point", n+"垃圾投放点", 0)
		if c.r.area() > 3e4 {
			m.inCommunity(c, "garbage_point", n+"北侧垃圾投放点", 0)
		}
		if c.mgmt == "property_company" {
			m.inCommunity(c, "property_office", n+"物业服务中心", 0)
		}
		prob := func(old, young float64) bool {
			if c.old {
				return m.rng.Float64() < old
			}
			return m.rng.Float64() < young
		}
		if prob(0.55, 1) {
			m.inCommunity(c, "parcel_locker", n+"智能快递柜", 0)
		}
		if prob(0.35, 0.7) {
			m.inCommunity(c, "convenience_store", n+"便利店", 0)
		}
		if prob(0.2, 0.85) {
			m.inCommunity(c, "play_ground", n+"儿童老人活动场地", 0)
		}
		if prob(0.06, 0.3) {
			m.inCommunity(c, "small_sports_court", n+"篮球场", 0)
		}
		if prob(0.15, 0.45) {
			m.inCommunity(c, "outdoor_fitness", n+"健身场地", 0)
		}
		if !c.old && prob(0, kinderChance(m, c)) {
			m.inCommunity(c, "kindergarten", n+"幼儿园", int(m.between(6, 12))*30)
		}
		if !c.old && care < 3 && prob(0, 0.12) && m.inCommunity(c, "elderly_day_care", n+"日间照料中心", int(m.between(30, 60))) {
			care++
		}
		if !c.old && nurse < 3 && prob(0, 0.1) && m.inCommunity(c, "nursery", n+"托育园", int(m.between(40, 80))) {
			nurse++
		}
	}
	// One old community keeps its work unit's kindergarten; boiler houses are planned as day
	// care and a kindergarten.
	for _, c := range m.comms {
		if c.old && !c.single && c.site == nil && m.inCommunity(c, "kindergarten", unitName(c)+"幼儿园", 150) {
			break
		}
	}
	planned := 0
	for _, s := range m.sites {
		if s.origin != "reusable_building" || planned >= 2 {
			continue
		}
		kind, name := "elderly_day_care", s.comm.name+"日间照料中心"
		if planned == 1 {
			kind, name = "kindergarten", s.comm.name+"普惠幼儿园"
		}
		m.addFac(kind, name, 40+planned*80, s.comm, s.r.center())
		m.facs[len(m.facs)-1].planned = true
		planned++
	}
	if nurse == 0 {
		for _, c := range m.comms {
			if !c.old && m.inCommunity(c, "nursery", c.name+"托育园", 60) {
				break
			}
		}
	}
	if care == 0 {
		for _, c := range m.comms {
			if !c.old && m.inCommunity(c, "elderly_day_care", c.name+"日间照料中心", 40) {
				break
			}
		}
	}
	// A fitness square planned on cleared land in an old community.
	for _, c := range m.comms {
		if c.old && c.site != nil && c.site.origin == "demolished_illegal" {
			m.addFac("outdoor_fitness", c.name+"健身广场", 0, c, c.site.r.center())
			m.facs[len(m.facs)-1].planned = true
			break
		}
	}
	// Most residents reach a market and a primary school within 500 m and a health centre and a
	// middle school within 1 km (DOMAIN.md §7): top those up so the deliberate gaps stay the
	// small-scale ones (kindergartens, day care within 300 m).
	m.topUp("fresh_market", topUpRadius10, 120, func(b *block, side int) string { return b.face[side].name + "生鲜超市" })
	m.topUp("primary_school", topUpRadius10, 1200, func(b *block, side int) string { return "铁西区" + b.face[side].name + "小学" })
	m.topUp("middle_school", topUpRadius15, 1500, func(b *block, side int) string { return "铁西区" + b.face[side].name + "中学" })
	m.topUp("health_center", topUpRadius15, 30, func(b *block, side int) string {
		return "铁西区" + subOf(b).name + "社区卫生服务中心（" + b.face[side].name + "分中心）"
	})
}

// Straight-line radii from a block's centre that keep a 500 m and a 1000 m walk for most of the
// block's households (walks along streets and through gates are about 1.3× the straight line).
const (
	topUpRadius10 = 330.0
	topUpRadius15 = 700.0
)

// topUp adds existing facilities of kind beside the busiest road of residential blocks until
// every residential block's centre has one within r metres (straight line), taking the block
// farthest from any first. It draws no random numbers, so the rest of the dataset is unchanged.
func (m *model) topUp(kind string, r float64, capacity int, name func(b *block, side int) string) {
	var have []pt
	for _, f := range m.facs {
		if f.kind == kind && !f.planned {
			have = append(have, f.p)
		}
	}
	nearest := func(p pt) float64 {
		d := math.Inf(1)
		for _, q := range have {
			d = math.Min(d, math.Hypot(p.x-q.x, p.y-q.y))
		}
		return d
	}
	for {
		var worst *block
		wd := r
		for _, b := range m.blocks {
			if b.use == usePublic {
				continue
			}
			if d := nearest(b.cell.center()); d > wd {
				worst, wd = b, d
			}
		}
		if worst == nil {
			return
		}
		side := busiestSide(worst)
		p := roadsideMid(worst, side)
		m.addFac(kind, name(worst, side), capacity, nil, p)
		have = append(have, p)
	}
}

// roadsideMid is roadside's point at the middle of the block's side, without randomness.
func roadsideMid(b *block, side int) pt {
	l := b.face[side]
	off := (l.width/2 + l.setback()) / 2
	cl := b.cell
	switch side {
	case sideS:
		return pt{math.Round((cl.x0 + cl.x1) / 2), cl.y0 + off}
	case sideN:
		return pt{math.Round((cl.x0 + cl.x1) / 2), cl.y1 - off}
	case sideW:
		return pt{cl.x0 + off, math.Round((cl.y0 + cl.y1) / 2)}
	}
	return pt{cl.x1 - off, math.Round((cl.y0 + cl.y1) / 2)}
}

// spread picks n blocks far apart from each other (farthest-point order), deterministically.
func spread(bs []*block, n int) []*block {
	if len(bs) == 0 {
		return nil
	}
	out := []*block{bs[len(bs)/2]}
	for len(out) < n && len(out) < len(bs) {
		var best *block
		bd := -1.0
		for _, b := range bs {
			d := math.Inf(1)
			for _, o := range out {
				c1, c2 := b.cell.center(), o.cell.center()
				d = math.Min(d, math.Hypot(c1.x-c2.x, c1.y-c2.y))
			}
			if d > bd {
				best, bd = b, d
			}
		}
		out = append(out, best)
	}
	return out
}

// parkingSupply gives old communities 0.1–0.3 spaces per household (far below demand) and
// newer ones 0.8–1.2, plus bike sheds and chargers.
func (m *model) parkingSupply() {
	for _, c := range m.comms {
		hh := c.households()
		ratio := 0.1 + 0.2*m.rng.Float64()
		if !c.old {
			ratio = 0.8 + 0.4*m.rng.Float64()
		}
		total := int(math.Round(float64(hh) * ratio))
		if c.single {
			total = int(m.between(0, 4))
		}
		if !c.old && len(c.laneYs) >= 2 {
			// An underground garage between the first two rows (its ramp polygon on the map).
			r := rect{c.r.x0 + 8, c.laneYs[0] + 4, c.r.x1 - 8, c.laneYs[0] + 30}
			cap := int(math.Round(float64(total) * 0.8))
			m.parks = append(m.parks, parking{kind: "car_lot", name: c.name + "地下车库", capacity: cap, comm: c, lot: &r})
			total -= cap
		} else if c.old && !c.single && m.rng.Float64() < 0.2 {
			if r, ok := m.free(c, 20, 30); ok {
				cap := min(total, int(m.between(12, 20)))
				m.parks = append(m.parks, parking{kind: "car_lot", name: c.name + "停车场", capacity: cap, comm: c, lot: &r})
				total -= cap
			}
		}
		for total > 0 {
			n := min(total, int(m.between(6, 12)))
			if !c.old {
				n = min(total, int(m.between(15, 30)))
			}
			p, ok := m.freePoint(c)
			if !ok {
				break
			}
			m.parks = append(m.parks, parking{kind: "car_space", capacity: n, comm: c, p: p})
			total -= n
		}
		if c.single {
			continue
		}
		sheds := 1
		if c.old {
			sheds = int(m.between(1, 2))
		}
		for k := range sheds {
			if p, ok := m.freePoint(c); ok {
				m.parks = append(m.parks, parking{kind: "bike_shed", name: fmt.Sprintf("%s%d号车棚", c.name, k+1), capacity: int(m.between(4, 10)) * 10, comm: c, p: p})
			}
		}
		if (c.old && m.rng.Float64() < 0.3) || (!c.old && m.rng.Float64() < 0.7) {
			if p, ok := m.freePoint(c); ok {
				m.parks = append(m.parks, parking{kind: "e_bike_charging", name: c.name + "电动自行车充电棚", capacity: int(m.between(10, 24)), comm: c, p: p})
			}
		}
		if (c.old && m.rng.Float64() < 0.05) || !c.old {
			for range int(m.between(1, 3)) {
				if p, ok := m.freePoint(c); ok {
					m.parks = append(m.parks, parking{kind: "ev_charger", capacity: int(m.between(2, 8)), comm: c, p: p})
				}
			}
		}
	}
}

var operators = map[string]string{
	"water_supply": "四平市供水总公司", "drainage_rain": "四平市排水公司", "drainage_sewage": "四平市排水公司",
	"drainage_combined": "四平市排水公司", "power": "国网四平供电公司", "gas": "四平市燃气公司",
	"heating": "四平市热力公司", "telecom": "中国联通四平分公司", "cable_tv": "吉林广电网络四平分公司",
}

// pipeSpec returns material, diameter, laid year, depth and condition for a pipe of a kind.
func (m *model) pipeSpec(kind, class string, old bool, year int) pipe {
	big := map[string]int{"arterial": 3, "secondary": 2, "branch": 1, "footway": 0, "internal": 0}[class]
	p := pipe{kind: kind, operator: operators[kind]}
	cond := func() string {
		if old {
			return pickW(m, []string{"fair", "poor", "critical"}, []float64{0.35, 0.45, 0.2})
		}
		return pickW(m, []string{"good", "fair"}, []float64{0.7, 0.3})
	}
	p.year = year
	switch kind {
	case "water_supply":
		p.material, p.diam, p.depth = "ductile_iron", []int{100, 200, 300, 500}[big], 2.0
		if old {
			p.material = "cast_iron"
		} else if big == 0 {
			p.material, p.diam = "pe", 110
		}
	case "drainage_combined":
		p.material, p.diam, p.depth = "concrete", []int{400, 600, 1000, 1200}[big], 2.8
		if big == 0 && m.rng.Float64() < 0.4 {
			p.material, p.diam = "cast_iron", 300
		}
	case "drainage_rain":
		p.material, p.diam, p.depth = "concrete", []int{300, 500, 800, 1000}[big], 2.5
		if big == 0 {
			p.material = "pvc"
		}
	case "drainage_sewage":
		p.material, p.diam, p.depth = "concrete", []int{200, 400, 500, 600}[big], 3.0
		if big <= 1 {
			p.material = "pvc"
		}
	case "power":
		p.material, p.depth = "copper_cable", 0.8
	case "gas":
		p.material, p.diam, p.depth = "pe", []int{63, 110, 200, 300}[big], 1.4
		if old && big >= 2 {
			p.material = "steel"
		}
	case "heating":
		p.material, p.diam, p.depth = "steel", []int{150, 300, 500, 700}[big], 1.6
	case "telecom":
		p.material, p.depth = "fiber", 0.8
		if old && m.rng.Float64() < 0.5 {
			p.material = "copper_cable"
		}
	case "cable_tv":
		p.material, p.depth = "fiber", 0.7
		if old {
			p.material = "copper_cable"
		}
	}
	// Later replacements: gas came to the old areas in the 2000s, fibre in the 2010s.
	switch {
	case kind == "gas" && old:
		p.year = int(m.between(2003, 2012))
	case kind == "telecom" && p.material == "fiber":
		p.year = max(year, int(m.between(2012, 2019)))
	case kind == "cable_tv" && old:
		p.year = max(year, int(m.between(1995, 2008)))
	}
	p.cond = cond()
	if p.year >= 2005 && p.cond == "critical" {
		p.cond = "poor"
	}
	return p
}

// Parallel offsets (fraction of the half width) of each kind from a road's centre line.
var pipeOffset = map[string]float64{
	"water_supply": -0.6, "drainage_rain": 0.2, "drainage_sewage": -0.1, "drainage_combined": 0,
	"power": 0.8, "gas": -0.8, "heating": 0.45, "telecom": -0.35, "cable_tv": 0.65,
}

func offsetLine(l *line, a, b, off float64) []pt {
	p, q := l.at(a), l.at(b)
	if l.horiz {
		p.y += off
		q.y += off
	} else {
		p.x += off
		q.x += off
	}
	return []pt{p, q}
}

// pipelines lays every kind along the public roads (one pipe per block face) and inside each
// community along its spine and lanes; combined sewers in the old areas.
func (m *model) pipelines() {
	for _, l := range append(append([]*line(nil), m.vl...), m.hl...) {
		for k := 0; k+1 < len(l.gridAt); k++ {
			a, b := l.gridAt[k], l.gridAt[k+1]
			if len(l.segmentsIn(a, b)) == 0 {
				continue
			}
			e := l.edges[k]
			kinds := []string{"water_supply", "drainage_rain", "drainage_sewage", "power", "gas", "heating", "telecom", "cable_tv"}
			if e.old {
				kinds = []string{"water_supply", "drainage_combined", "power", "gas", "heating", "telecom", "cable_tv"}
			}
			year := int(m.between(2002, 2016))
			if e.old {
				year = int(m.between(1972, 1995))
			}
			for _, kind := range kinds {
				p := m.pipeSpec(kind, l.class, e.old, year)
				p.pts = offsetLine(l, a, b, pipeOffset[kind]*(l.width/2-1))
				m.pipes = append(m.pipes, p)
			}
		}
	}
	for _, l := range m.alleys {
		for _, kind := range []string{"power", "telecom"} {
			p := m.pipeSpec(kind, "footway", l.edges[0].old, int(m.between(1980, 2000)))
			p.depth = 0 // overhead (架空线)
			p.pts = offsetLine(l, l.a, l.b, pipeOffset[kind])
			m.pipes = append(m.pipes, p)
		}
	}
	for _, c := range m.comms {
		for pi, l := range c.paths {
			a, b := math.Max(l.a, c.r.x0), math.Min(l.b, c.r.x1)
			if !l.horiz {
				a, b = math.Max(l.a, c.r.y0), math.Min(l.b, c.r.y1)
			}
			kinds := []string{"water_supply", "heating"}
			if c.old {
				kinds = append(kinds, "drainage_combined")
			} else {
				kinds = append(kinds, "drainage_rain", "drainage_sewage")
			}
			if pi == 0 { // the spine also carries gas, power, telecom and cable TV
				kinds = append(kinds, "gas", "power", "telecom", "cable_tv")
			}
			for _, kind := range kinds {
				p := m.pipeSpec(kind, "internal", c.old, c.year)
				p.comm = c
				if c.old && (kind == "power" || kind == "telecom" || kind == "cable_tv") {
					p.depth = 0 // 架空线、飞线
				}
				p.pts = offsetLine(l, a, b, pipeOffset[kind]*2.5)
				m.pipes = append(m.pipes, p)
			}
		}
	}
}

func (l *line) segmentsIn(a, b float64) [][2]float64 {
	var out [][2]float64
	for _, s := range l.segments() {
		if s[0] >= a && s[1] <= b {
			out = append(out, s)
		}
	}
	return out
}

// kinderChance makes kindergartens rare within 400 m of an old community (a deliberate gap:
// the old areas lost their work units' kindergartens).
func kinderChance(m *model, c *community) float64 {
	p := c.r.center()
	for _, o := range m.comms {
		q := o.r.center()
		if o.old && math.Hypot(p.x-q.x, p.y-q.y) < 400 {
			return 0.05
		}
	}
	return 0.4
}
