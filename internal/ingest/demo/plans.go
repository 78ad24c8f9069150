package demo

import (
	"fmt"
	"math"
)

type plan struct {
	c                          *community
	stage, batch               string
	year                       int
	pStart, pEnd, aStart, aEnd string
	consent                    float64
	mgmtAfter                  string
	items                      []item
	funding                    []funding
}

// menu is the renovation menu (DOMAIN.md §4): unit cost in yuan, lead department, and the
// quantity for a community.
type menuDef struct {
	code string
	cost int
	dept string
	qty  func(m *model, c *community) int
}

func stairFloors(c *community) int {
	n := 0
	for _, b := range c.buildings {
		n += b.units * b.floors
	}
	return n
}

func iround(v float64) int { return int(math.Round(v)) }

var menu = []menuDef{
	{"H01", 95, "housing", func(m *model, c *community) int { return iround(c.footprint() * 1.05) }},
	{"H02", 120, "housing", func(m *model, c *community) int { return stairFloors(c) * 7 }},
	{"H03", 350, "housing", func(m *model, c *community) int { return max(1, stairFloors(c)/2) }},
	{"H04", 28, "housing", func(m *model, c *community) int { return stairFloors(c) * 55 }},
	{"H05", 85, "housing", func(m *model, c *community) int { return stairFloors(c) }},
	{"H06", 3000, "housing", func(m *model, c *community) int { return len(c.buildings) }},
	{"H07", 4800, "housing", func(m *model, c *community) int { return c.units() }},
	{"H08", 600, "housing", func(m *model, c *community) int { return len(c.buildings) + 2 }},
	{"H09", 650000, "development", func(m *model, c *community) int { return int(m.between(1, 2)) }},
	{"I01", 185, "housing", func(m *model, c *community) int { return iround(c.pathLen*4.5) + 300 }},
	{"I02", 60000, "housing", func(m *model, c *community) int { return 1 }},
	{"I03", 420, "housing", func(m *model, c *community) int { return iround(c.pathLen * 1.1) }},
	{"I04", 380, "housing", func(m *model, c *community) int { return iround(c.pathLen) }},
	{"I05", 520, "housing", func(m *model, c *community) int { return iround(c.pathLen * 0.8) }},
	{"I06", 950, "housing", func(m *model, c *community) int { return iround(c.pathLen * 1.2) }},
	{"I07", 680, "housing", func(m *model, c *community) int { return iround(c.pathLen) }},
	{"I08", 1150, "housing", func(m *model, c *community) int { return iround(c.pathLen) }},
	{"I09", 160, "housing", func(m *model, c *community) int { return iround(c.pathLen) }},
	{"I10", 130, "housing", func(m *model, c *community) int { return iround(c.pathLen) }},
	{"I11", 2600, "development", func(m *model, c *community) int { return iround(c.pathLen * 0.5) }},
	{"I12", 28000, "housing", func(m *model, c *community) int { return int(m.between(2, 6)) }},
	{"I13", 7500, "development", func(m *model, c *community) int { return int(m.between(4, 12)) }},
	{"I14", 150000, "housing", func(m *model, c *community) int { return int(m.between(1, 2)) }},
	{"I15", 650, "housing", func(m *model, c *community) int { return int(m.between(6, 20)) * 10 }},
	{"I16", 1200, "housing", func(m *model, c *community) int { return int(m.between(10, 40)) }},
	{"I17", 3200, "housing", func(m *model, c *community) int { return max(4, iround(c.pathLen/30)) }},
	{"I18", 12000, "subdistrict", func(m *model, c *community) int { return int(m.between(2, 5)) }},
	{"P01", 2400, "subdistrict", func(m *model, c *community) int { return int(m.between(15, 40)) * 10 }},
	{"P02", 2600, "social", func(m *model, c *community) int { return iround(c.site.r.area()) }},
	{"P03", 280, "enforcement", func(m *model, c *community) int { return iround(c.site.r.area()) }},
	{"P04", 360, "housing", func(m *model, c *community) int { return int(m.between(30, 90)) * 10 }},
	{"P05", 1600, "subdistrict", func(m *model, c *community) int { return int(m.between(4, 12)) * 10 }},
	{"P06", 4500, "subdistrict", func(m *model, c *community) int { return int(m.between(2, 6)) }},
	{"P07", 26000, "subdistrict", func(m *model, c *community) int { return len(c.gates) }},
	{"P08", 2800, "subdistrict", func(m *model, c *community) int { return int(m.between(8, 24)) }},
	{"E01", 85, "enforcement", func(m *model, c *community) int { return int(m.between(10, 60)) * 10 }},
	{"E02", 3200, "enforcement", func(m *model, c *community) int { return int(m.between(3, 15)) }},
	{"E03", 1800, "enforcement", func(m *model, c *community) int { return int(m.between(10, 40)) }},
	{"E04", 900, "subdistrict", func(m *model, c *community) int { return len(c.buildings) }},
	{"E05", 130, "housing", func(m *model, c *community) int { return int(m.between(5, 25)) * 100 }},
	{"E06", 5500, "housing", func(m *model, c *community) int { return int(m.between(4, 12)) }},
	{"M01", 50000, "subdistrict", func(m *model, c *community) int { return 1 }},
}

// basicMenu is done in every renovated community (the 基础类 items most often listed).
var basicMenu = map[string]bool{"H01": true, "H04": true, "H05": true, "H06": true, "I01": true,
	"I17": true, "I18": true, "E04": true}

// chooseItems picks n menu items for a community: the basic ones first, then a random choice
// of the rest that fits it (separation of sewers where they are combined, reuse of its site).
func (m *model) chooseItems(c *community, n int) []int {
	var basic, extra []int
	feasible := false
	for _, b := range c.buildings {
		feasible = feasible || b.feasible
	}
	for k, d := range menu {
		switch {
		case basicMenu[d.code]:
			basic = append(basic, k)
		case d.code == "H09" && !(feasible && m.rng.Float64() < 0.3):
		case d.code == "I07" && c.old:
		case d.code == "I08" && !c.old:
		case d.code == "P02" && (c.site == nil || c.site.origin != "reusable_building"):
		case d.code == "P03" && (c.site == nil || c.site.origin != "demolished_illegal"):
		default:
			extra = append(extra, k)
		}
	}
	extra = shuffled(m, extra)
	chosen := map[int]bool{}
	for _, k := range basic {
		if len(chosen) < n {
			chosen[k] = true
		}
	}
	// A community's own site is always part of its plan.
	for _, k := range extra {
		if (menu[k].code == "P02" || menu[k].code == "P03") && len(chosen) < n {
			chosen[k] = true
		}
	}
	for _, k := range extra {
		if len(chosen) < n {
			chosen[k] = true
		}
	}
	var out []int
	for k := range menu {
		if chosen[k] {
			out = append(out, k)
		}
	}
	return out
}

func (m *model) items(c *community, n int, status func(i, n int) string) []item {
	ks := m.chooseItems(c, n)
	out := make([]item, 0, len(ks))
	for i, k := range ks {
		d := menu[k]
		cost := iround(float64(d.cost) * (0.92 + 0.16*m.rng.Float64()))
		out = append(out, item{Menu: d.code, Quantity: max(1, d.qty(m, c)), UnitCost: cost, Department: d.dept, Status: status(i, len(ks))})
	}
	return out
}

func date(y, mo, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, mo, d) }

// makePlans writes the 2021 implementation batch (as of 2021-11-30: pilots accepted or handed
// over, most under construction, a few only approved), and the 2022 谋划 and 2023 储备 batches.
func (m *model) makePlans() {
	var impl, rest []*community
	for _, c := range m.comms {
		switch {
		case c.batch == "implement":
			impl = append(impl, c)
		case c.old:
			rest = append(rest, c)
		}
	}
	stages := make([]string, len(impl))
	for k := range stages {
		switch {
		case k == 0:
			stages[k] = "handed_over"
		case k < 3:
			stages[k] = "accepted"
		case k < 7:
			stages[k] = "approved"
		default:
			stages[k] = "construction"
		}
	}
	stages = shuffled(m, stages)
	for k, c := range impl {
		p := &plan{c: c, stage: stages[k], batch: "implement", year: 2021,
			consent:   float64(67+m.rng.IntN(32)) / 100,
			mgmtAfter: pickW(m, []string{"property_company", "self"}, []float64{0.7, 0.3})}
		pilot := p.stage == "handed_over" || p.stage == "accepted"
		n := int(m.between(12, 20))
		if pilot {
			p.pStart, p.pEnd = date(2021, 5, int(m.between(6, 20))), date(2021, 10, 31)
			p.aStart = date(2021, 5, int(m.between(10, 28)))
			p.aEnd = date(2021, 10, int(m.between(15, 30)))
			if p.stage == "accepted" {
				p.aEnd = date(2021, 11, int(m.between(5, 25)))
			}
			p.items = m.items(c, n, func(i, n int) string { return "done" })
		} else {
			p.pStart = date(2021, 6, int(m.between(1, 28)))
			p.pEnd = pick(m, []string{date(2022, 6, 30), date(2022, 7, 31)})
			if p.stage == "construction" {
				p.aStart = date(2021, int(m.between(6, 8)), int(m.between(1, 28)))
				progress := 0.2 + 0.6*m.rng.Float64()
				p.items = m.items(c, n, func(i, n int) string {
					switch done := iround(progress * float64(n)); {
					case i < done:
						return "done"
					case i < done+2:
						return "in_progress"
					}
					return "planned"
				})
			} else {
				p.items = m.items(c, n, func(i, n int) string { return "planned" })
			}
		}
		p.funding = m.fund(c, p.items)
		m.plans = append(m.plans, p)
	}
	rest = shuffled(m, rest)
	for k, c := range rest {
		var p *plan
		switch {
		case k < 20:
			p = &plan{c: c, batch: "prepare", year: 2022, stage: pickW(m, []string{"planning", "review"}, []float64{0.6, 0.4}),
				pStart: date(2022, 5, 1), pEnd: date(2022, 10, 31), consent: float64(60+m.rng.IntN(31)) / 100}
			n := int(m.between(4, 8))
			if p.stage == "review" {
				n = int(m.between(6, 12))
			}
			p.items = m.items(c, n, func(i, n int) string { return "planned" })
			p.mgmtAfter = "property_company"
		case k < 36:
			p = &plan{c: c, batch: "reserve", year: 2023, stage: pickW(m, []string{"survey", "reserve"}, []float64{0.5, 0.5})}
		default:
			continue
		}
		if p.funding == nil {
			p.funding = []funding{}
		}
		if p.items == nil {
			p.items = []item{}
		}
		m.plans = append(m.plans, p)
	}
}

// fund splits the items' total cost by source ("谁受益、谁出资"); the amounts sum exactly to the
// total, the rounding remainder going to the district.
func (m *model) fund(c *community, items []item) []funding {
	total, pipes := 0, 0
	for _, it := range items {
		v := it.Quantity * it.UnitCost
		total += v
		switch it.Menu {
		case "I03", "I04", "I05", "I06", "I07", "I08", "I09", "I10":
			pipes += v
		}
	}
	share := []float64{
		0.42 + 0.1*m.rng.Float64(),  // central
		0.08 + 0.04*m.rng.Float64(), // provincial
		0.12 + 0.08*m.rng.Float64(), // district
		0.02 + 0.03*m.rng.Float64(), // residents
		0,                           // property_units
		0.5 * float64(pipes) / float64(max(total, 1)), // utilities
		0, // social_capital
	}
	if c.ptype == "unit" || c.ptype == "reform" {
		share[4] = 0.03 + 0.05*m.rng.Float64()
	}
	if m.rng.Float64() < 0.3 {
		share[6] = 0.02 + 0.03*m.rng.Float64()
	}
	sources := []string{"central", "provincial", "district", "residents", "property_units", "utilities", "social_capital"}
	sum := 0.0
	for _, s := range share {
		sum += s
	}
	amounts := make([]int, len(share))
	got := 0
	for k, s := range share {
		amounts[k] = int(math.Floor(float64(total) * s / sum))
		got += amounts[k]
	}
	amounts[2] += total - got
	out := []funding{}
	for k, a := range amounts {
		if a > 0 {
			out = append(out, funding{Source: sources[k], Amount: a})
		}
	}
	return out
}
