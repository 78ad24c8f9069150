package programme

import (
	"errors"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

func day(s string) *renew.Date {
	d, err := renew.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

func ptr[T any](v T) *T { return &v }

var cat = Catalog{
	Menu: map[string]renew.MenuItem{
		"I07": {Code: "I07", Name: "排水管线改造", Unit: "m", UnitCost: 650_00, Goal: renew.GoalDrain},
		"I01": {Code: "I01", Name: "小区道路修缮", Unit: "m²", UnitCost: 180_00, Goal: renew.GoalRoad},
		"I17": {Code: "I17", Name: "修复小区路灯", Unit: "盏", UnitCost: 3500_00, Goal: renew.GoalLight},
		"M01": {Code: "M01", Name: "成立业委会", Unit: "项", UnitCost: 20000_00, Goal: renew.GoalManagement},
	},
	Departments: map[string]renew.Department{"housing": {Code: "housing", Name: "区住建局"}, "subdistrict": {Code: "subdistrict", Name: "街道（社区）"}},
	Sources:     map[string]string{"central": "中央补助", "district": "区级财政", "residents": "居民出资"},
	Managements: map[string]string{"property_company": "物业", "self": "居民自治", "none": "无"},
	Batches:     map[string]string{"implement": "实施一批", "prepare": "谋划一批", "reserve": "储备一批"},
}

var rules = Rules{ConsentThreshold: DefaultConsentThreshold, Today: *day("2021-11-30")}

func item(id int, code string, qty, unit renew.Dec2, status renew.ItemStatus) renew.PlanItem {
	m := cat.Menu[code]
	return renew.PlanItem{ID: id, MenuCode: code, MenuName: m.Name, Goal: m.Goal, Quantity: qty, UnitCost: unit,
		Cost: qty.Mul(unit), Department: "housing", Status: status}
}

// ready returns a plan at stage s that meets every condition of the next move.
func ready(s renew.Stage) renew.Plan {
	p := renew.Plan{ID: 1, Code: "P1", Stage: s, Batch: "implement", BatchYear: ptr(2021),
		Community:    renew.PlanCommunity{Name: "铁路小区", CompletedYear: ptr(1988), IsOld: ptr(true), Buildings: 6, Households: 360, FloorArea: 28000},
		PlannedStart: day("2021-06-01"), PlannedEnd: day("2022-07-31"), ConsentRate: ptr(0.9), ManagementAfter: ptr("self"),
		Items: []renew.PlanItem{
			item(1, "I07", 100_00, 650_00, renew.ItemPlanned),  // 65,000
			item(2, "I01", 1000_00, 180_00, renew.ItemPlanned), // 180,000
		},
		Funding: []renew.Funding{{Source: "central", Amount: 200_000_00}, {Source: "residents", Amount: 45_000_00}},
	}
	if !before(s, renew.StageConstruction) {
		p.ActualStart = day("2021-06-10")
	}
	if s == renew.StageConstruction {
		for i := range p.Items {
			p.Items[i].Status = renew.ItemDone
		}
		p.ActualEnd = day("2021-11-20")
	}
	if !before(s, renew.StageAccepted) {
		for i := range p.Items {
			p.Items[i].Status = renew.ItemDone
		}
		p.ActualEnd = day("2021-11-20")
	}
	return p
}

func TestDec2(t *testing.T) {
	for _, c := range []struct {
		in   string
		want renew.Dec2
		ok   bool
	}{
		{"12", 1200, true}, {"12.5", 1250, true}, {"0.05", 5, true}, {"-3.25", -325, true}, {"0", 0, true},
		{"1.234", 0, false}, {"1e3", 0, false}, {"", 0, false}, {"01", 0, false}, {"1.", 0, false},
		{".5", 0, false}, {"abc", 0, false}, {"9999999999999", 0, false}, {`"12"`, 0, false},
	} {
		got, err := renew.ParseDec2(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseDec2(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
		if c.ok && got.String() != strings.TrimSuffix(strings.TrimSuffix(c.in, "0"), ".") && c.in != "0" {
			t.Errorf("%q round-trips as %q", c.in, got.String())
		}
	}
	// Cost is rounded half away from zero to the 分, as numeric round(q * u, 2).
	if got := renew.Dec2(333).Mul(renew.Dec2(1_50)); got != 5_00 { // 3.33 × 1.5 = 4.995 → 5.00
		t.Errorf("3.33 × 1.5 = %v", got)
	}
	if got := renew.Dec2(2381_00).Mul(94_00); got != 223_814_00 {
		t.Errorf("2381 × 94 = %v", got)
	}
}

func TestForwardTransitions(t *testing.T) {
	cases := []struct {
		name   string
		from   renew.Stage
		change func(*renew.Plan)
		want   string // "" allowed, else a fragment of the refusal
	}{
		{"survey→reserve", renew.StageSurvey, nil, ""},
		{"survey→reserve not old", renew.StageSurvey, func(p *renew.Plan) { p.Community.IsOld = ptr(false); p.Community.CompletedYear = ptr(2005) }, "不符合老旧小区认定标准"},
		{"survey→reserve age unknown", renew.StageSurvey, func(p *renew.Plan) { p.Community.IsOld = nil; p.Community.CompletedYear = nil }, "建成年份未知"},
		{"survey→reserve not surveyed", renew.StageSurvey, func(p *renew.Plan) { p.Community.Buildings = 0 }, "调查摸底信息不全"},
		{"reserve→planning", renew.StageReserve, nil, ""},
		{"reserve→planning no batch year", renew.StageReserve, func(p *renew.Plan) { p.BatchYear = nil }, "批次年份"},
		{"planning→review", renew.StagePlanning, nil, ""},
		{"planning→review no items", renew.StagePlanning, func(p *renew.Plan) { p.Items = nil }, "尚未选择改造内容"},
		{"planning→review no consent", renew.StagePlanning, func(p *renew.Plan) { p.ConsentRate = nil }, "居民意愿"},
		{"planning→review no dates", renew.StagePlanning, func(p *renew.Plan) { p.PlannedEnd = nil }, "计划开工和竣工日期"},
		{"planning→review no management", renew.StagePlanning, func(p *renew.Plan) { p.ManagementAfter = nil }, "管理机制"},
		{"review→approved", renew.StageReview, nil, ""},
		{"review→approved underfunded", renew.StageReview, func(p *renew.Plan) { p.Funding = p.Funding[:1] }, "资金未落实：预算245,000元，已落实200,000元，缺口45,000元"},
		{"review→approved overfunded", renew.StageReview, func(p *renew.Plan) { p.Funding[0].Amount += 1 }, "多出0.01元"},
		{"review→approved consent low", renew.StageReview, func(p *renew.Plan) { p.ConsentRate = ptr(0.66) }, "居民同意率66.0%，未达到66.7%"},
		{"review→approved consent exactly two thirds", renew.StageReview, func(p *renew.Plan) { p.ConsentRate = ptr(0.667) }, ""},
		{"review→approved consent missing", renew.StageReview, func(p *renew.Plan) { p.ConsentRate = nil }, "尚未录入居民同意率"},
		{"review→approved no items", renew.StageReview, func(p *renew.Plan) { p.Items = nil; p.Funding = nil }, "尚未选择改造内容"},
		{"approved→construction", renew.StageApproved, func(p *renew.Plan) { p.ActualStart = day("2021-06-10") }, ""},
		{"approved→construction no start", renew.StageApproved, nil, "尚未填写实际开工日期"},
		{"approved→construction future start", renew.StageApproved, func(p *renew.Plan) { p.ActualStart = day("2021-12-01") }, "晚于今天"},
		{"approved→construction unfunded", renew.StageApproved, func(p *renew.Plan) { p.ActualStart = day("2021-06-10"); p.Funding = nil }, "资金未落实"},
		{"construction→accepted", renew.StageConstruction, nil, ""},
		{"construction→accepted open items", renew.StageConstruction, func(p *renew.Plan) { p.Items[1].Status = renew.ItemInProgress }, "尚有1项改造内容未完成（小区道路修缮）"},
		{"construction→accepted no end", renew.StageConstruction, func(p *renew.Plan) { p.ActualEnd = nil }, "尚未填写实际竣工日期"},
		{"construction→accepted end before start", renew.StageConstruction, func(p *renew.Plan) { p.ActualEnd = day("2021-06-01") }, "早于实际开工日期"},
		{"accepted→handed_over", renew.StageAccepted, nil, ""},
		{"accepted→handed_over no management", renew.StageAccepted, func(p *renew.Plan) { p.ManagementAfter = nil }, "移交后的管理方式"},
		{"accepted→handed_over management none", renew.StageAccepted, func(p *renew.Plan) { p.ManagementAfter = ptr("none") }, "移交后的管理方式"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ready(c.from)
			if c.change != nil {
				c.change(&p)
			}
			to := renew.Stages[c.from.Index()+1]
			tr := Transitions(&p, rules)
			if tr[0].To != to || tr[0].Allowed != (c.want == "") {
				t.Errorf("Transitions: %+v", tr[0])
			}
			ch, err := Move(&p, StageRequest{To: to}, rules)
			if c.want == "" {
				if err != nil || p.Stage != to || ch.From != c.from {
					t.Fatalf("Move: %v (stage %s)", err, p.Stage)
				}
				return
			}
			if !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Move: %v; want a conflict saying %q", err, c.want)
			}
			if p.Stage != c.from {
				t.Errorf("a refused move changed the stage to %s", p.Stage)
			}
		})
	}
}

func TestOtherMoves(t *testing.T) {
	p := ready(renew.StageConstruction)
	// Back one stage needs a reason.
	if _, err := Move(&p, StageRequest{To: renew.StageApproved}, rules); !errors.Is(err, renew.ErrInvalid) || !strings.Contains(err.Error(), "须填写原因") {
		t.Errorf("back without reason: %v", err)
	}
	if ch, err := Move(&p, StageRequest{To: renew.StageApproved, Reason: "  施工单位变更  "}, rules); err != nil || ch.Reason != "施工单位变更" || p.Stage != renew.StageApproved {
		t.Errorf("back with reason: %v %+v", err, ch)
	}
	// Skipping, staying and unknown stages.
	p = ready(renew.StagePlanning)
	if _, err := Move(&p, StageRequest{To: renew.StageApproved}, rules); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "只能推进到“方案审核”或退回“储备”") {
		t.Errorf("skip: %v", err)
	}
	if _, err := Move(&p, StageRequest{To: renew.StageSurvey, Reason: "x"}, rules); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("two back: %v", err)
	}
	if _, err := Move(&p, StageRequest{To: renew.StagePlanning}, rules); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "已处于") {
		t.Errorf("same: %v", err)
	}
	if _, err := Move(&p, StageRequest{To: "done"}, rules); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := Move(&p, StageRequest{To: renew.StageReserve, Reason: strings.Repeat("长", 501)}, rules); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("long reason: %v", err)
	}
	// The date of a move is the actual start on entering construction; a refused move keeps none.
	p = ready(renew.StageApproved)
	if _, err := Move(&p, StageRequest{To: renew.StageConstruction, Date: day("2022-01-01")}, rules); !errors.Is(err, renew.ErrConflict) || p.ActualStart != nil {
		t.Errorf("future start: %v, actual start %v", err, p.ActualStart)
	}
	if _, err := Move(&p, StageRequest{To: renew.StageConstruction, Date: day("2021-07-01")}, rules); err != nil || p.ActualStart.String() != "2021-07-01" {
		t.Errorf("start with date: %v", err)
	}
	p = ready(renew.StagePlanning)
	if _, err := Move(&p, StageRequest{To: renew.StageReview, Date: day("2021-07-01")}, rules); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("date on review: %v", err)
	}
	// First and last stage have one move each.
	first, last := ready(renew.StageSurvey), ready(renew.StageHandedOver)
	if tr := Transitions(&first, rules); len(tr) != 1 || tr[0].Direction != "forward" {
		t.Errorf("survey transitions: %+v", tr)
	}
	if tr := Transitions(&last, rules); len(tr) != 1 || tr[0].Direction != "back" || !tr[0].NeedsReason {
		t.Errorf("handed_over transitions: %+v", tr)
	}
}

func TestEditsByStage(t *testing.T) {
	q := renew.Dec2(10_00)
	done := renew.ItemDone
	// Items: added before approval, not after.
	p := ready(renew.StageReview)
	it, err := AddItem(&p, ItemChange{MenuCode: "I17", Quantity: &q}, cat)
	if err != nil || it.Cost != 35_000_00 || it.UnitCost != 3500_00 || it.Department != "housing" || it.Status != renew.ItemPlanned {
		t.Fatalf("add: %v %+v", err, it)
	}
	if p.Cost() != 280_000_00 {
		t.Errorf("cost after add: %v", p.Cost())
	}
	if _, err := AddItem(&p, ItemChange{MenuCode: "I17", Quantity: &q}, cat); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("duplicate: %v", err)
	}
	for _, bad := range []ItemChange{{MenuCode: "Z99", Quantity: &q}, {MenuCode: "M01"}, {MenuCode: "M01", Quantity: ptr(renew.Dec2(0))},
		{MenuCode: "M01", Quantity: &q, Department: ptr("police")}, {MenuCode: "M01", Quantity: &q, UnitCost: ptr(renew.Dec2(-1))}} {
		if _, err := AddItem(&p, bad, cat); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("add %+v: %v", bad, err)
		}
	}
	if _, err := UpdateItem(&p, 1, ItemChange{Status: &done}, cat); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "尚未进入“组织实施”") {
		t.Errorf("done before construction: %v", err)
	}
	if _, err := UpdateItem(&p, 99, ItemChange{Quantity: &q}, cat); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("missing item: %v", err)
	}
	if _, err := RemoveItem(&p, 1); err != nil || len(p.Items) != 2 {
		t.Errorf("remove: %v", err)
	}

	p = ready(renew.StageApproved)
	if _, err := AddItem(&p, ItemChange{MenuCode: "I17", Quantity: &q}, cat); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "请先退回“方案审核”阶段") {
		t.Errorf("add after approval: %v", err)
	}
	if _, err := UpdateItem(&p, 1, ItemChange{Quantity: &q}, cat); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("quantity after approval: %v", err)
	}
	if _, err := UpdateItem(&p, 1, ItemChange{Department: ptr("subdistrict")}, cat); err != nil {
		t.Errorf("department after approval: %v", err)
	}
	if _, err := RemoveItem(&p, 1); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("remove after approval: %v", err)
	}
	if err := SetFunding(&p, nil, cat); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("funding after approval: %v", err)
	}

	p = ready(renew.StageApproved)
	p.Stage = renew.StageConstruction
	p.ActualEnd = nil
	if it, err := UpdateItem(&p, 1, ItemChange{Status: &done}, cat); err != nil || it.Status != done {
		t.Errorf("done in construction: %v", err)
	}
	p = ready(renew.StageAccepted)
	planned := renew.ItemPlanned
	if _, err := UpdateItem(&p, 1, ItemChange{Status: &planned}, cat); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "已竣工验收") {
		t.Errorf("status after acceptance: %v", err)
	}

	// Funding.
	p = ready(renew.StagePlanning)
	if err := SetFunding(&p, []renew.Funding{{Source: "central", Amount: 100}, {Source: "district", Amount: 0}}, cat); err != nil || len(p.Funding) != 1 || p.Funded() != 100 {
		t.Errorf("funding: %v %+v", err, p.Funding)
	}
	for _, bad := range [][]renew.Funding{{{Source: "lottery", Amount: 1}}, {{Source: "central", Amount: 1}, {Source: "central", Amount: 2}}, {{Source: "central", Amount: -1}}} {
		if err := SetFunding(&p, bad, cat); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("funding %+v: %v", bad, err)
		}
	}
}

func TestApplyPatch(t *testing.T) {
	set := func(d *renew.Date) Opt[renew.Date] { return Opt[renew.Date]{Set: true, Value: d} }
	cases := []struct {
		name  string
		stage renew.Stage
		patch Patch
		kind  error
		check func(*renew.Plan) bool
	}{
		{"consent rounded", renew.StagePlanning, Patch{ConsentRate: Opt[float64]{true, ptr(0.66666)}}, nil, func(p *renew.Plan) bool { return *p.ConsentRate == 0.667 }},
		{"consent out of range", renew.StagePlanning, Patch{ConsentRate: Opt[float64]{true, ptr(1.2)}}, renew.ErrInvalid, nil},
		{"consent after approval", renew.StageApproved, Patch{ConsentRate: Opt[float64]{true, ptr(0.8)}}, renew.ErrConflict, nil},
		{"same consent after approval", renew.StageApproved, Patch{ConsentRate: Opt[float64]{true, ptr(0.9)}}, nil, nil},
		{"clear consent in review", renew.StageReview, Patch{ConsentRate: Opt[float64]{true, nil}}, renew.ErrConflict, nil},
		{"planned end before start", renew.StagePlanning, Patch{PlannedEnd: set(day("2021-01-01"))}, renew.ErrInvalid, nil},
		{"actual start before approval", renew.StageReview, Patch{ActualStart: set(day("2021-06-01"))}, renew.ErrConflict, nil},
		{"actual start approved", renew.StageApproved, Patch{ActualStart: set(day("2021-06-02"))}, nil, func(p *renew.Plan) bool { return p.ActualStart.String() == "2021-06-02" }},
		{"actual start future", renew.StageApproved, Patch{ActualStart: set(day("2030-01-01"))}, renew.ErrInvalid, nil},
		{"clear actual start in construction", renew.StageConstruction, Patch{ActualStart: set(nil), ActualEnd: set(nil)}, renew.ErrConflict, nil},
		{"actual end before construction", renew.StageApproved, Patch{ActualStart: set(day("2021-06-02")), ActualEnd: set(day("2021-07-02"))}, renew.ErrConflict, nil},
		{"management unknown", renew.StagePlanning, Patch{ManagementAfter: Opt[string]{true, ptr("mafia")}}, renew.ErrInvalid, nil},
		{"management after handover", renew.StageHandedOver, Patch{ManagementAfter: Opt[string]{true, ptr("property_company")}}, renew.ErrConflict, nil},
		{"batch", renew.StageReserve, Patch{Batch: Opt[string]{true, ptr("prepare")}, BatchYear: Opt[int]{true, ptr(2022)}}, nil, func(p *renew.Plan) bool { return p.Batch == "prepare" && *p.BatchYear == 2022 }},
		{"batch null", renew.StageReserve, Patch{Batch: Opt[string]{true, nil}}, renew.ErrInvalid, nil},
		{"batch after approval", renew.StageConstruction, Patch{BatchYear: Opt[int]{true, ptr(2022)}}, renew.ErrConflict, nil},
		{"batch year range", renew.StageReserve, Patch{BatchYear: Opt[int]{true, ptr(1999)}}, renew.ErrInvalid, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ready(c.stage)
			err := ApplyPatch(&p, c.patch, cat, rules)
			if c.kind == nil && err != nil || c.kind != nil && !errors.Is(err, c.kind) {
				t.Fatalf("got %v, want kind %v", err, c.kind)
			}
			if c.check != nil && !c.check(&p) {
				t.Errorf("plan after patch: %+v", p)
			}
		})
	}
}

func TestGoals(t *testing.T) {
	states := func(p renew.Plan) string {
		var b strings.Builder
		for _, r := range Goals(&p) {
			b.WriteString(string(r.State)[:1])
		}
		return b.String() // drain road light function environment management: m/i/n
	}
	p := ready(renew.StagePlanning) // I07 drain, I01 road, both planned
	if got := states(p); got != "iinnnn" {
		t.Errorf("planned: %s", got)
	}
	p.Items[0].Status = renew.ItemDone
	if got := states(p); got != "minnnn" {
		t.Errorf("drain done: %s", got)
	}
	p.Items = append(p.Items, item(3, "M01", 1_00, 20000_00, renew.ItemDone))
	p.Stage = renew.StageAccepted
	if got := states(p); got != "minnni" {
		t.Errorf("management done, not handed over: %s", got)
	}
	p.Stage = renew.StageHandedOver
	if got := states(p); got != "minnnm" {
		t.Errorf("handed over: %s", got)
	}
	p.ManagementAfter = ptr("none")
	if got := states(p); got != "minnni" {
		t.Errorf("handed over to nobody: %s", got)
	}
	empty := renew.Plan{Stage: renew.StageSurvey}
	if got := states(empty); got != "nnnnnn" || GoalsMet(Goals(&empty)) != 0 {
		t.Errorf("no items: %s", got)
	}
}

func TestOverdueAndProgress(t *testing.T) {
	asOf := *day("2021-11-30")
	mk := func(id int, s renew.Stage, start, end string, year int, sub string) renew.Plan {
		p := ready(s)
		p.ID, p.Code, p.BatchYear = id, "P"+string(rune('0'+id)), ptr(year)
		p.PlannedStart, p.PlannedEnd = day(start), day(end)
		p.Community.Subdistrict, p.Community.SubdistrictName = sub, sub+"街道"
		return p
	}
	plans := []renew.Plan{
		mk(1, renew.StageApproved, "2021-06-01", "2022-07-31", 2021, "a"),     // not started, 182 days late
		mk(2, renew.StageConstruction, "2021-06-01", "2021-10-31", 2021, "a"), // not completed, 30 days late
		mk(3, renew.StageAccepted, "2021-05-01", "2021-10-31", 2021, "b"),     // accepted late: fine
		mk(4, renew.StageConstruction, "2021-06-01", "2022-06-30", 2021, "b"), // on time
		mk(5, renew.StagePlanning, "2022-05-01", "2022-10-31", 2022, "b"),     // future
		mk(6, renew.StageApproved, "2021-11-30", "2022-10-31", 2021, "b"),     // starts today: not late
	}
	plans[1].ActualEnd = nil
	var late []string
	for i := range plans {
		if o, ok := OverdueAt(&plans[i], asOf); ok {
			late = append(late, o.Code+":"+o.Kind)
		}
	}
	if strings.Join(late, ",") != "P1:not_started,P2:not_completed" {
		t.Errorf("overdue: %v", late)
	}
	o, _ := OverdueAt(&plans[0], asOf)
	if o.DaysLate != 182 || o.Due.String() != "2021-06-01" {
		t.Errorf("days late: %+v", o)
	}

	targets := []renew.Target{{Code: "2021", BatchYear: 2021, Communities: 5, Buildings: 30, Households: 1800, FloorArea: 140000, Due: *day("2022-07-31")},
		{Code: "2022", BatchYear: 2022, Communities: 1, Due: *day("2023-07-31")}}
	pr := Summarize(plans, targets, asOf, ptr(2021), cat)
	if pr.Totals.Communities != 5 || pr.Totals.Buildings != 30 || pr.Totals.Households != 1800 || pr.Totals.FloorArea != 140000 {
		t.Errorf("totals: %+v", pr.Totals)
	}
	if pr.Totals.Budget != 5*245_000_00 || pr.Totals.Funded != 5*245_000_00 || pr.Totals.Funds["central"] != 5*200_000_00 {
		t.Errorf("money: %+v", pr.Totals)
	}
	// P2, P4 (construction) and P3 (accepted) have all items done: 6 of 10.
	if pr.Totals.Items != 10 || pr.Totals.ItemsDone != 6 || pr.Totals.DoneShare != 0.6 {
		t.Errorf("items: %d done %d share %v", pr.Totals.Items, pr.Totals.ItemsDone, pr.Totals.DoneShare)
	}
	if len(pr.Targets) != 1 {
		t.Fatalf("targets: %+v", pr.Targets)
	}
	tg := pr.Targets[0]
	if tg.Communities.Planned != 5 || tg.Communities.Started != 3 || tg.Communities.Completed != 1 || tg.Communities.Share != 0.2 ||
		tg.HouseholdsC.Planned != 1800 || tg.DaysLeft != 243 || tg.Overdue != 2 {
		t.Errorf("target: %+v", tg)
	}
	var stages []string
	for _, g := range pr.ByStage {
		stages = append(stages, g.Key+"="+string(rune('0'+g.Communities)))
	}
	if strings.Join(stages, " ") != "approved=2 construction=2 accepted=1" {
		t.Errorf("by stage: %v", stages)
	}
	if len(pr.BySubdistrict) != 2 || pr.BySubdistrict[0].Name != "a街道" || pr.BySubdistrict[0].Communities != 2 {
		t.Errorf("by subdistrict: %+v", pr.BySubdistrict)
	}
	if len(pr.ByDepartment) != 1 || pr.ByDepartment[0].Name != "区住建局" || pr.ByDepartment[0].Items != 10 || pr.ByDepartment[0].Communities != 5 {
		t.Errorf("by department: %+v", pr.ByDepartment)
	}
	if pr.Goals[0].Goal != renew.GoalDrain || pr.Goals[0].Met != 3 || pr.Goals[0].InProgress != 2 {
		t.Errorf("goals: %+v", pr.Goals[0])
	}
	all := Summarize(plans, targets, asOf, nil, cat)
	if all.Totals.Communities != 6 || len(all.Targets) != 2 || len(all.ByBatch) != 1 {
		t.Errorf("unfiltered: %d communities, %d targets, %d batches", all.Totals.Communities, len(all.Targets), len(all.ByBatch))
	}
}
