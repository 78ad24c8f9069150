package programme

import (
	"bytes"
	"encoding/json"
	"math"

	"renewmap/internal/renew"
)

// Opt is a field of a partial update: Set when the request names it, Value nil when it names it
// as null (clear the value).
type Opt[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present; null clears it.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// Patch changes a plan's own fields; fields not Set stay as they are.
type Patch struct {
	Batch           Opt[string]     `json:"batch"`
	BatchYear       Opt[int]        `json:"batch_year"`
	PlannedStart    Opt[renew.Date] `json:"planned_start"`
	PlannedEnd      Opt[renew.Date] `json:"planned_end"`
	ActualStart     Opt[renew.Date] `json:"actual_start"`
	ActualEnd       Opt[renew.Date] `json:"actual_end"`
	ConsentRate     Opt[float64]    `json:"consent_rate"`
	ManagementAfter Opt[string]     `json:"management_after"`
}

// frozen returns a conflict error when p has reached stage s: what it says may no longer change.
func frozen(p *renew.Plan, s renew.Stage, what string) error {
	if !before(p.Stage, s) {
		return renew.Conflict("方案已进入“%s”阶段，不能再修改%s；如需调整，请先退回“%s”阶段",
			p.Stage.Name(), what, renew.Stages[s.Index()-1].Name())
	}
	return nil
}

// ApplyPatch applies ch to p, or says why not: renew.ErrInvalid for a malformed value, and
// renew.ErrConflict for a change the plan's stage no longer allows (batch and consent are fixed
// once the plan is publicised; actual dates belong to construction; a handed-over plan keeps its
// management).
func ApplyPatch(p *renew.Plan, ch Patch, cat Catalog, r Rules) error {
	if ch.Batch.Set {
		if ch.Batch.Value == nil {
			return renew.Invalid("batch: 批次不能为空")
		}
		if _, ok := cat.Batches[*ch.Batch.Value]; !ok {
			return renew.Invalid("batch: 未知的批次 %.40q", *ch.Batch.Value)
		}
		if *ch.Batch.Value != p.Batch {
			if err := frozen(p, renew.StageApproved, "批次"); err != nil {
				return err
			}
			p.Batch = *ch.Batch.Value
		}
	}
	if ch.BatchYear.Set {
		if v := ch.BatchYear.Value; v != nil && (*v < 2000 || *v > 2100) {
			return renew.Invalid("batch_year: 批次年份应在2000至2100之间")
		}
		if !equalPtr(ch.BatchYear.Value, p.BatchYear) {
			if err := frozen(p, renew.StageApproved, "批次年份"); err != nil {
				return err
			}
			if ch.BatchYear.Value == nil && !before(p.Stage, renew.StagePlanning) {
				return renew.Conflict("制定方案阶段及以后须有批次年份")
			}
			p.BatchYear = ch.BatchYear.Value
		}
	}
	if ch.ConsentRate.Set {
		v := ch.ConsentRate.Value
		if v != nil {
			if *v < 0 || *v > 1 {
				return renew.Invalid("consent_rate: 居民同意率应在0到1之间（如0.85表示85%%）")
			}
			rounded := math.Round(*v*1000) / 1000 // numeric(4, 3)
			v = &rounded
		}
		if !equalPtr(v, p.ConsentRate) {
			if err := frozen(p, renew.StageApproved, "居民同意率"); err != nil {
				return err
			}
			if v == nil && !before(p.Stage, renew.StageReview) {
				return renew.Conflict("方案审核阶段及以后须有居民同意率")
			}
			p.ConsentRate = v
		}
	}
	if ch.ManagementAfter.Set {
		v := ch.ManagementAfter.Value
		if v != nil {
			if _, ok := cat.Managements[*v]; !ok {
				return renew.Invalid("management_after: 未知的管理方式 %.40q", *v)
			}
		}
		if !equalPtr(v, p.ManagementAfter) {
			if p.Stage == renew.StageHandedOver {
				return renew.Conflict("已移交管理的方案不能修改管理方式；如需调整，请先退回“竣工验收”阶段")
			}
			p.ManagementAfter = v
		}
	}
	if ch.PlannedStart.Set {
		p.PlannedStart = ch.PlannedStart.Value
	}
	if ch.PlannedEnd.Set {
		p.PlannedEnd = ch.PlannedEnd.Value
	}
	if ch.ActualStart.Set && !equalPtr(ch.ActualStart.Value, p.ActualStart) {
		switch {
		case ch.ActualStart.Value == nil && !before(p.Stage, renew.StageConstruction):
			return renew.Conflict("已开工的方案不能清除实际开工日期")
		case ch.ActualStart.Value != nil && before(p.Stage, renew.StageApproved):
			return renew.Conflict("方案公示确认前不能填写实际开工日期")
		case ch.ActualStart.Value != nil && ch.ActualStart.Value.After(r.Today):
			return renew.Invalid("actual_start: 实际开工日期不能晚于今天")
		}
		p.ActualStart = ch.ActualStart.Value
	}
	if ch.ActualEnd.Set && !equalPtr(ch.ActualEnd.Value, p.ActualEnd) {
		switch {
		case ch.ActualEnd.Value == nil && !before(p.Stage, renew.StageAccepted):
			return renew.Conflict("已竣工验收的方案不能清除实际竣工日期")
		case ch.ActualEnd.Value != nil && before(p.Stage, renew.StageConstruction):
			return renew.Conflict("开工（组织实施）前不能填写实际竣工日期")
		case ch.ActualEnd.Value != nil && ch.ActualEnd.Value.After(r.Today):
			return renew.Invalid("actual_end: 实际竣工日期不能晚于今天")
		}
		p.ActualEnd = ch.ActualEnd.Value
	}
	if p.PlannedStart != nil && p.PlannedEnd != nil && p.PlannedEnd.Before(*p.PlannedStart) {
		return renew.Invalid("计划竣工日期不能早于计划开工日期")
	}
	if p.ActualStart != nil && p.ActualEnd != nil && p.ActualEnd.Before(*p.ActualStart) {
		return renew.Invalid("实际竣工日期不能早于实际开工日期")
	}
	if p.ActualEnd != nil && p.ActualStart == nil {
		return renew.Invalid("填写实际竣工日期前须先填写实际开工日期")
	}
	return nil
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// ItemChange adds or changes an item; nil fields keep their value (or take the default: the
// menu's unit cost, the lead department 区住建局, status planned).
type ItemChange struct {
	MenuCode   string            `json:"menu_code"`
	Quantity   *renew.Dec2       `json:"quantity"`
	UnitCost   *renew.Dec2       `json:"unit_cost"`
	Department *string           `json:"department"`
	Status     *renew.ItemStatus `json:"status"`
}

// leadDepartment takes items nobody else was named for (区住建局 leads the programme).
const leadDepartment = "housing"

// maxItemQuantity and maxUnitCost keep a typo from making a budget of billions.
const (
	maxItemQuantity renew.Dec2 = 10_000_000_00
	maxUnitCost     renew.Dec2 = 100_000_000_00
)

// contentFrozen is why items and funding stop changing: once publicised (公示确认) the plan's
// content and money are what residents signed.
func contentFrozen(p *renew.Plan, what string) error { return frozen(p, renew.StageApproved, what) }

// checkStatus says whether an item may have status s in p's stage: items are carried out only
// during 组织实施.
func checkStatus(p *renew.Plan, s renew.ItemStatus) error {
	if !s.Valid() {
		return renew.Invalid("status: 未知的实施状态 %.20q（planned / in_progress / done）", s)
	}
	switch {
	case p.Stage == renew.StageConstruction:
		return nil
	case before(p.Stage, renew.StageConstruction) && s != renew.ItemPlanned:
		return renew.Conflict("方案尚未进入“组织实施”阶段，改造内容只能是“计划”状态")
	case !before(p.Stage, renew.StageAccepted):
		return renew.Conflict("方案已竣工验收，不能再修改改造内容的实施状态")
	}
	return nil
}

// AddItem adds a menu item to p. renew.ErrInvalid for an unknown menu item or department or a bad
// quantity; renew.ErrConflict when the item is already in the plan or the plan is past review.
func AddItem(p *renew.Plan, in ItemChange, cat Catalog) (*renew.PlanItem, error) {
	if err := contentFrozen(p, "改造内容"); err != nil {
		return nil, err
	}
	m, ok := cat.Menu[in.MenuCode]
	if !ok {
		return nil, renew.Invalid("menu_code: 改造菜单中没有 %.20q", in.MenuCode)
	}
	for _, it := range p.Items {
		if it.MenuCode == in.MenuCode {
			return nil, renew.Conflict("方案中已有“%s”，请修改其数量", m.Name)
		}
	}
	if in.Quantity == nil {
		return nil, renew.Invalid("quantity: 请填写数量")
	}
	it := renew.PlanItem{MenuCode: m.Code, MenuName: m.Name, Unit: m.Unit, Goal: m.Goal,
		UnitCost: m.UnitCost, Department: leadDepartment, Status: renew.ItemPlanned}
	if err := setItem(p, &it, in, cat); err != nil {
		return nil, err
	}
	p.Items = append(p.Items, it)
	return &p.Items[len(p.Items)-1], nil
}

// UpdateItem changes the item with id. Quantity and unit cost are fixed once publicised;
// department may change until acceptance; status only during 组织实施.
func UpdateItem(p *renew.Plan, id int, in ItemChange, cat Catalog) (*renew.PlanItem, error) {
	for i := range p.Items {
		it := &p.Items[i]
		if it.ID != id {
			continue
		}
		if in.MenuCode != "" && in.MenuCode != it.MenuCode {
			return nil, renew.Invalid("menu_code: 不能更改已选的菜单项，请删除后重新添加")
		}
		if (in.Quantity != nil && *in.Quantity != it.Quantity) || (in.UnitCost != nil && *in.UnitCost != it.UnitCost) {
			if err := contentFrozen(p, "数量和单价"); err != nil {
				return nil, err
			}
		}
		if in.Department != nil && *in.Department != it.Department && !before(p.Stage, renew.StageAccepted) {
			return nil, renew.Conflict("方案已竣工验收，不能再修改责任部门")
		}
		next := *it
		if err := setItem(p, &next, in, cat); err != nil {
			return nil, err
		}
		*it = next
		return it, nil
	}
	return nil, renew.NotFound("方案中没有这一项改造内容（id %d）", id)
}

func setItem(p *renew.Plan, it *renew.PlanItem, in ItemChange, cat Catalog) error {
	if in.Quantity != nil {
		if *in.Quantity <= 0 || *in.Quantity > maxItemQuantity {
			return renew.Invalid("quantity: 数量应大于0且不超过1000万")
		}
		it.Quantity = *in.Quantity
	}
	if in.UnitCost != nil {
		if *in.UnitCost < 0 || *in.UnitCost > maxUnitCost {
			return renew.Invalid("unit_cost: 单价应在0至1亿元之间")
		}
		it.UnitCost = *in.UnitCost
	}
	if in.Department != nil {
		if _, ok := cat.Departments[*in.Department]; !ok {
			return renew.Invalid("department: 未知的责任部门 %.40q", *in.Department)
		}
		it.Department = *in.Department
	}
	if in.Status != nil && *in.Status != it.Status {
		if err := checkStatus(p, *in.Status); err != nil {
			return err
		}
		it.Status = *in.Status
	}
	it.Cost = it.Quantity.Mul(it.UnitCost)
	return nil
}

// RemoveItem takes the item with id out of p; renew.ErrConflict once the plan is publicised.
func RemoveItem(p *renew.Plan, id int) (renew.PlanItem, error) {
	for i, it := range p.Items {
		if it.ID == id {
			if err := contentFrozen(p, "改造内容"); err != nil {
				return renew.PlanItem{}, err
			}
			p.Items = append(p.Items[:i:i], p.Items[i+1:]...)
			return it, nil
		}
	}
	return renew.PlanItem{}, renew.NotFound("方案中没有这一项改造内容（id %d）", id)
}

// SetFunding replaces p's funding by source (谁受益、谁出资); sources with amount 0 are left out.
// renew.ErrInvalid for an unknown or repeated source or a negative amount; renew.ErrConflict once
// the plan is publicised.
func SetFunding(p *renew.Plan, fs []renew.Funding, cat Catalog) error {
	if err := contentFrozen(p, "资金筹集方案"); err != nil {
		return err
	}
	seen := map[string]bool{}
	out := []renew.Funding{}
	for _, f := range fs {
		if _, ok := cat.Sources[f.Source]; !ok {
			return renew.Invalid("funding: 未知的资金来源 %.40q", f.Source)
		}
		if seen[f.Source] {
			return renew.Invalid("funding: 资金来源“%s”重复", cat.Sources[f.Source])
		}
		seen[f.Source] = true
		if f.Amount < 0 || f.Amount > maxUnitCost*100 {
			return renew.Invalid("funding: “%s”的金额应在0至100亿元之间", cat.Sources[f.Source])
		}
		if f.Amount > 0 {
			out = append(out, f)
		}
	}
	p.Funding = out
	return nil
}
