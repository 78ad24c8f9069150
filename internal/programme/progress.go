package programme

import (
	"math"
	"sort"

	"renewmap/internal/renew"
)

// Measures are the totals of a set of plans.
type Measures struct {
	Communities int                   `json:"communities"`
	Buildings   int                   `json:"buildings"`
	Households  int                   `json:"households"`
	FloorArea   float64               `json:"floor_area"` // m²
	Budget      renew.Dec2            `json:"budget"`     // sum of item costs, yuan
	Funded      renew.Dec2            `json:"funded"`     // sum of funding, yuan
	Funds       map[string]renew.Dec2 `json:"funds"`      // by funding source
	Items       int                   `json:"items"`
	ItemsDone   int                   `json:"items_done"`
	BudgetDone  renew.Dec2            `json:"budget_done"` // cost of the items done
	DoneShare   float64               `json:"done_share"`  // items done / items (0 without items)
}

func (m *Measures) addPlan(p *renew.Plan) {
	m.Communities++
	m.Buildings += p.Community.Buildings
	m.Households += p.Community.Households
	m.FloorArea += p.Community.FloorArea
	for _, f := range p.Funding {
		if m.Funds == nil {
			m.Funds = map[string]renew.Dec2{}
		}
		m.Funds[f.Source] += f.Amount
		m.Funded += f.Amount
	}
	for _, it := range p.Items {
		m.addItem(it)
	}
}

func (m *Measures) addItem(it renew.PlanItem) {
	m.Items++
	m.Budget += it.Cost
	if it.Status == renew.ItemDone {
		m.ItemsDone++
		m.BudgetDone += it.Cost
	}
}

func (m *Measures) finish() {
	m.FloorArea = math.Round(m.FloorArea*10) / 10 // numeric(…, 1) summed in floating point
	if m.Items > 0 {
		m.DoneShare = float64(m.ItemsDone) / float64(m.Items)
	}
	if m.Funds == nil {
		m.Funds = map[string]renew.Dec2{}
	}
}

// Group is the totals of the plans sharing a key (a stage, batch, 街道 or department).
type Group struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Measures
}

// Count is a number reached against a target.
type Count struct {
	Target    float64 `json:"target"`
	Planned   float64 `json:"planned"`   // in the batch
	Started   float64 `json:"started"`   // in the batch, construction begun (组织实施 or later)
	Completed float64 `json:"completed"` // in the batch, accepted (竣工验收 or later)
	Share     float64 `json:"share"`     // completed / target
}

// TargetProgress is how far a batch is against its target.
type TargetProgress struct {
	renew.Target
	Communities Count `json:"progress_communities"`
	BuildingsC  Count `json:"progress_buildings"`
	HouseholdsC Count `json:"progress_households"`
	FloorAreaC  Count `json:"progress_floor_area"`
	DaysLeft    int   `json:"days_left"` // from the as-of date to the due date; negative when past
	Overdue     int   `json:"overdue"`   // plans of the batch overdue at the as-of date
}

// Overdue is a plan behind its planned dates at the as-of date.
type Overdue struct {
	PlanID      int         `json:"plan_id"`
	Code        string      `json:"code"`
	Community   string      `json:"community"`
	Subdistrict string      `json:"subdistrict"`
	Stage       renew.Stage `json:"stage"`
	StageName   string      `json:"stage_name"`
	Kind        string      `json:"kind"` // not_started or not_completed
	Due         renew.Date  `json:"due"`
	DaysLate    int         `json:"days_late"`
	Reason      string      `json:"reason"`
}

// OverdueAt says whether p is overdue at asOf: past its planned end and not yet accepted
// (逾期未竣工), or past its planned start and not yet started (逾期未开工). A plan that is both is
// reported as not completed. The planned day itself is not late.
func OverdueAt(p *renew.Plan, asOf renew.Date) (Overdue, bool) {
	o := Overdue{PlanID: p.ID, Code: p.Code, Community: p.Community.Name, Subdistrict: p.Community.SubdistrictName,
		Stage: p.Stage, StageName: p.Stage.Name()}
	switch {
	case p.PlannedEnd != nil && asOf.After(*p.PlannedEnd) && before(p.Stage, renew.StageAccepted):
		o.Kind, o.Due = "not_completed", *p.PlannedEnd
		o.Reason = "逾期未竣工验收"
	case p.PlannedStart != nil && asOf.After(*p.PlannedStart) && before(p.Stage, renew.StageConstruction) && p.ActualStart == nil:
		o.Kind, o.Due = "not_started", *p.PlannedStart
		o.Reason = "逾期未开工"
	default:
		return Overdue{}, false
	}
	o.DaysLate = o.Due.DaysUntil(asOf)
	return o, true
}

// GoalCount is how many communities have reached each state of one goal.
type GoalCount struct {
	Goal       renew.Goal `json:"goal"`
	Name       string     `json:"name"`
	Met        int        `json:"met"`
	InProgress int        `json:"in_progress"`
	None       int        `json:"none"`
}

// Progress is the programme at a glance (SPEC §6.5).
type Progress struct {
	AsOf          renew.Date       `json:"as_of"`
	BatchYear     *int             `json:"batch_year"`
	Totals        Measures         `json:"totals"`
	ByStage       []Group          `json:"by_stage"`
	ByBatch       []Group          `json:"by_batch"`
	BySubdistrict []Group          `json:"by_subdistrict"`
	ByDepartment  []Group          `json:"by_department"`
	Targets       []TargetProgress `json:"targets"`
	Overdue       []Overdue        `json:"overdue"`
	Goals         []GoalCount      `json:"goals"`
}

// Summarize totals plans by stage, batch, 街道 and department, measures each target against the
// plans of its batch year, and lists the plans overdue at asOf. With batchYear set only the plans
// (and targets) of that year count. Departments count their own items (and the communities they
// work in), not whole plans.
func Summarize(plans []renew.Plan, targets []renew.Target, asOf renew.Date, batchYear *int, cat Catalog) Progress {
	pr := Progress{AsOf: asOf, BatchYear: batchYear, Overdue: []Overdue{}, Targets: []TargetProgress{}}
	byStage := map[string]*Group{}
	byBatch := map[string]*Group{}
	bySub := map[string]*Group{}
	byDept := map[string]*Group{}
	group := func(m map[string]*Group, key, name string) *Group {
		g := m[key]
		if g == nil {
			g = &Group{Key: key, Name: name}
			m[key] = g
		}
		return g
	}
	goals := make([]GoalCount, len(renew.Goals))
	for i, g := range renew.Goals {
		goals[i] = GoalCount{Goal: g, Name: g.Name()}
	}
	for i := range plans {
		p := &plans[i]
		if batchYear != nil && (p.BatchYear == nil || *p.BatchYear != *batchYear) {
			continue
		}
		pr.Totals.addPlan(p)
		group(byStage, string(p.Stage), p.Stage.Name()).addPlan(p)
		group(byBatch, p.Batch, labelOr(cat.Batches, p.Batch)).addPlan(p)
		group(bySub, p.Community.Subdistrict, p.Community.SubdistrictName).addPlan(p)
		seen := map[string]bool{}
		for _, it := range p.Items {
			name := it.Department
			if d, ok := cat.Departments[it.Department]; ok {
				name = d.Name
			}
			g := group(byDept, it.Department, name)
			if !seen[it.Department] {
				seen[it.Department] = true
				g.Communities++
				g.Buildings += p.Community.Buildings
				g.Households += p.Community.Households
				g.FloorArea += p.Community.FloorArea
			}
			g.addItem(it)
		}
		if o, ok := OverdueAt(p, asOf); ok {
			pr.Overdue = append(pr.Overdue, o)
		}
		for i, r := range Goals(p) {
			switch r.State {
			case renew.GoalMet:
				goals[i].Met++
			case renew.GoalInProgress:
				goals[i].InProgress++
			default:
				goals[i].None++
			}
		}
	}
	pr.Totals.finish()
	pr.Goals = goals
	pr.ByStage = ordered(byStage, func(k string) int { return renew.Stage(k).Index() })
	batchOrder := map[string]int{"implement": 0, "prepare": 1, "reserve": 2}
	pr.ByBatch = ordered(byBatch, func(k string) int {
		if i, ok := batchOrder[k]; ok {
			return i
		}
		return 99
	})
	pr.BySubdistrict = ordered(bySub, nil)
	pr.ByDepartment = ordered(byDept, nil)
	sort.SliceStable(pr.ByDepartment, func(i, j int) bool { return pr.ByDepartment[i].Budget > pr.ByDepartment[j].Budget })
	sort.Slice(pr.Overdue, func(i, j int) bool {
		if pr.Overdue[i].DaysLate != pr.Overdue[j].DaysLate {
			return pr.Overdue[i].DaysLate > pr.Overdue[j].DaysLate
		}
		return pr.Overdue[i].Code < pr.Overdue[j].Code
	})
	for _, t := range targets {
		if batchYear != nil && t.BatchYear != *batchYear {
			continue
		}
		pr.Targets = append(pr.Targets, measureTarget(t, plans, asOf))
	}
	return pr
}

func measureTarget(t renew.Target, all []renew.Plan, asOf renew.Date) TargetProgress {
	tp := TargetProgress{Target: t, DaysLeft: asOf.DaysUntil(t.Due)}
	tp.Communities.Target = float64(t.Communities)
	tp.BuildingsC.Target = float64(t.Buildings)
	tp.HouseholdsC.Target = float64(t.Households)
	tp.FloorAreaC.Target = t.FloorArea
	for i := range all {
		p := &all[i]
		if p.BatchYear == nil || *p.BatchYear != t.BatchYear {
			continue
		}
		c := p.Community
		add := func(f func(*Count) *float64) {
			*f(&tp.Communities) += 1
			*f(&tp.BuildingsC) += float64(c.Buildings)
			*f(&tp.HouseholdsC) += float64(c.Households)
			*f(&tp.FloorAreaC) += c.FloorArea
		}
		add(func(c *Count) *float64 { return &c.Planned })
		if !before(p.Stage, renew.StageConstruction) {
			add(func(c *Count) *float64 { return &c.Started })
		}
		if !before(p.Stage, renew.StageAccepted) {
			add(func(c *Count) *float64 { return &c.Completed })
		}
		if _, late := OverdueAt(p, asOf); late {
			tp.Overdue++
		}
	}
	for _, c := range []*Count{&tp.Communities, &tp.BuildingsC, &tp.HouseholdsC, &tp.FloorAreaC} {
		c.Planned = math.Round(c.Planned*10) / 10
		c.Started = math.Round(c.Started*10) / 10
		c.Completed = math.Round(c.Completed*10) / 10
		if c.Target > 0 {
			c.Share = c.Completed / c.Target
		}
	}
	return tp
}

func labelOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

// ordered returns the groups sorted by rank (then key), each finished.
func ordered(m map[string]*Group, rank func(string) int) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		g.finish()
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if rank != nil {
			if ri, rj := rank(out[i].Key), rank(out[j].Key); ri != rj {
				return ri < rj
			}
		}
		return out[i].Key < out[j].Key
	})
	return out
}
