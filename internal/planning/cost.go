package planning

import (
	"cmp"
	"maps"
	"math"
	"slices"
)

// MenuItem is a row of the renovation menu (改造菜单) with its unit cost in yuan.
type MenuItem struct {
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	UnitCost float64 `json:"unit_cost"`
}

// PipeMenu is the menu item that renews each pipeline kind (I03–I10): drainage pipes are
// relaid, a combined sewer is separated (雨污分流).
var PipeMenu = map[string]string{
	"water_supply": "I03", "power": "I04", "gas": "I05", "heating": "I06",
	"drainage_rain": "I07", "drainage_sewage": "I07", "drainage_combined": "I08",
	"telecom": "I09", "cable_tv": "I10",
}

// Menu items for parking and facilities.
const (
	MenuParkingSpace = "I16" // 划置停车泊位, per space
	MenuCharger      = "I13" // 配置充电桩, per charger
	MenuReuse        = "P02" // 老旧建筑改造再利用, per m²
	MenuSquare       = "P04" // 休闲、健身广场及健身器材, per m²
)

// outdoorKinds are facilities that are open ground (a court, a square), priced as P04.
var outdoorKinds = map[string]bool{
	"small_sports_court": true, "outdoor_fitness": true, "play_ground": true,
	"medium_sports_field": true, "large_sports_field": true,
}

// FacilityWork is a gap kind and the site chosen for it (nil: no candidate site can host it).
type FacilityWork struct {
	Kind     string
	KindName string
	Site     *Site
}

// CostLine is one line of an estimate.
type CostLine struct {
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	Quantity float64 `json:"quantity"`
	UnitCost float64 `json:"unit_cost"`
	Cost     float64 `json:"cost"`
	Basis    string  `json:"basis"` // what the quantity comes from, in Chinese
}

// Estimate is the cost of the works an area's gaps call for.
type Estimate struct {
	Lines   []CostLine `json:"lines"`
	Total   float64    `json:"total"`
	Missing []string   `json:"missing"` // works without a price (no site, or no menu item)
}

// EstimateWorks prices the works: the parking gap (spaces and chargers), the failing pipes by
// kind (lengths in metres, keyed by pipeline kind) and the facility gaps on their chosen sites
// (the site's area: P04 for open-ground kinds, P02 otherwise — the menu prices reuse, not new
// building, so P02 is the nearest price for a facility on vacant land). Lines with a zero
// quantity are left out; pipe lines are merged per menu item. Quantities and costs are rounded to
// 0.01.
func EstimateWorks(menu map[string]MenuItem, parking ParkingGap, pipes map[string]float64, works []FacilityWork) Estimate {
	est := Estimate{Lines: []CostLine{}, Missing: []string{}}
	add := func(code string, qty float64, basis string) {
		if qty <= 0 {
			return
		}
		m, ok := menu[code]
		if !ok {
			est.Missing = append(est.Missing, basis+"（菜单无"+code+"）")
			return
		}
		for i := range est.Lines {
			if est.Lines[i].Code == code && code != MenuReuse && code != MenuSquare {
				l := &est.Lines[i]
				l.Quantity = round2(l.Quantity + qty)
				l.Cost = round2(l.Quantity * l.UnitCost)
				l.Basis += "；" + basis
				return
			}
		}
		qty = round2(qty)
		est.Lines = append(est.Lines, CostLine{Code: code, Name: m.Name, Unit: m.Unit, Quantity: qty,
			UnitCost: m.UnitCost, Cost: round2(qty * m.UnitCost), Basis: basis})
	}
	add(MenuParkingSpace, float64(parking.Gap), "停车缺口（按需求比例）")
	add(MenuCharger, float64(parking.ChargerGap), "充电桩缺口")
	byMenu := func(a, b string) int { return cmp.Or(cmp.Compare(PipeMenu[a], PipeMenu[b]), cmp.Compare(a, b)) }
	for _, k := range slices.SortedFunc(maps.Keys(pipes), byMenu) {
		code, ok := PipeMenu[k]
		if !ok {
			est.Missing = append(est.Missing, "管线类型"+k+"无对应菜单项")
			continue
		}
		add(code, pipes[k], "待更新管线 "+k)
	}
	for _, w := range works {
		if w.Site == nil {
			est.Missing = append(est.Missing, w.KindName+"：片区内外无可承载的候选用地")
			continue
		}
		code, basis := MenuReuse, w.KindName+"：利用“"+w.Site.Name+"”"
		if outdoorKinds[w.Kind] {
			code = MenuSquare
		} else if w.Site.Origin != "reusable_building" {
			basis += "（空地新建，按P02单价估算）"
		}
		add(code, w.Site.AreaM2, basis)
	}
	for _, l := range est.Lines {
		est.Total += l.Cost
	}
	est.Total = round2(est.Total)
	return est
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
