package programme

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"renewmap/internal/renew"
)

// DefaultConsentThreshold is the share of households that must agree before a plan is publicised
// and confirmed (公示确认): two thirds, the practice that 国办发〔2020〕23号 describes (居民
// 改造意愿 "双三分之二"). The programme's settings may hold another value.
const DefaultConsentThreshold = 2.0 / 3.0

// Rules are the settings the stage machine checks against.
type Rules struct {
	// ConsentThreshold is the least consent rate (0–1) for 公示确认.
	ConsentThreshold float64
	// Today is the real calendar day: actual dates may not lie after it.
	Today renew.Date
}

// Catalog is the reference data edits are checked against: the renovation menu, departments and
// the code lists (code → Chinese label).
type Catalog struct {
	Menu        map[string]renew.MenuItem
	Departments map[string]renew.Department
	Sources     map[string]string // funding_source
	Managements map[string]string // management
	Batches     map[string]string // batch
}

// Transition is a stage a plan may be asked to move to, with what blocks it.
type Transition struct {
	To          renew.Stage `json:"to"`
	Name        string      `json:"name"`
	Direction   string      `json:"direction"` // forward or back
	Allowed     bool        `json:"allowed"`
	NeedsReason bool        `json:"needs_reason"`
	NeedsDate   string      `json:"needs_date,omitempty"` // actual_start or actual_end: the move may carry it
	Reasons     []string    `json:"reasons"`              // why it is blocked, in Chinese
}

// Transitions lists the moves open to p: forward to the next stage (allowed, or blocked with the
// reasons) and back to the previous one (always allowed, with a reason).
func Transitions(p *renew.Plan, r Rules) []Transition {
	var out []Transition
	i := p.Stage.Index()
	if i < 0 {
		return nil
	}
	if i+1 < len(renew.Stages) {
		to := renew.Stages[i+1]
		reasons := Blockers(p, to, r)
		t := Transition{To: to, Name: to.Name(), Direction: "forward", Allowed: len(reasons) == 0, Reasons: reasons}
		switch to {
		case renew.StageConstruction:
			t.NeedsDate = "actual_start"
		case renew.StageAccepted:
			t.NeedsDate = "actual_end"
		}
		if t.Reasons == nil {
			t.Reasons = []string{}
		}
		out = append(out, t)
	}
	if i > 0 {
		to := renew.Stages[i-1]
		out = append(out, Transition{To: to, Name: to.Name(), Direction: "back", Allowed: true, NeedsReason: true, Reasons: []string{}})
	}
	return out
}

// Blockers returns why p may not move forward to stage to (the next stage), in Chinese; none when
// it may. The conditions follow 六、方法步骤 of the district plan.
func Blockers(p *renew.Plan, to renew.Stage, r Rules) []string {
	var why []string
	add := func(format string, args ...any) { why = append(why, fmt.Sprintf(format, args...)) }
	c := p.Community
	switch to {
	case renew.StageReserve: // 调查摸底 → 储备: an old community, surveyed
		switch {
		case c.IsOld == nil || c.CompletedYear == nil:
			add("建成年份未知（待核实）：调查摸底须先登记建成年份")
		case !*c.IsOld:
			add("不符合老旧小区认定标准：建成于%d年，须为2000年底前建成", *c.CompletedYear)
		}
		if c.Buildings == 0 || c.Households == 0 {
			add("调查摸底信息不全：楼栋数、户数尚未登记")
		}
	case renew.StagePlanning: // 储备 → 制定方案: scheduled into a batch
		if p.BatchYear == nil {
			add("尚未确定改造批次年份")
		}
	case renew.StageReview: // 制定方案 → 方案审核: the preliminary plan is complete
		if len(p.Items) == 0 {
			add("尚未选择改造内容（改造菜单）")
		}
		if p.ConsentRate == nil {
			add("尚未录入居民意愿（同意率）")
		}
		if p.PlannedStart == nil || p.PlannedEnd == nil {
			add("尚未填写计划开工和竣工日期")
		}
		if p.ManagementAfter == nil {
			add("尚未明确改造后的管理机制（物业或居民自治）")
		}
	case renew.StageApproved: // 方案审核 → 公示确认: funded in full, residents agree
		if len(p.Items) == 0 {
			add("尚未选择改造内容（改造菜单）")
		}
		why = append(why, fundingGap(p)...)
		switch {
		case p.ConsentRate == nil:
			add("尚未录入居民同意率")
		case *p.ConsentRate+1e-9 < r.ConsentThreshold:
			add("居民同意率%s，未达到%s", percent(*p.ConsentRate), percent(r.ConsentThreshold))
		}
		if p.PlannedStart == nil || p.PlannedEnd == nil {
			add("尚未填写计划开工和竣工日期")
		}
	case renew.StageConstruction: // 公示确认 → 组织实施: approved, funded, a start date
		why = append(why, fundingGap(p)...)
		if p.ActualStart == nil {
			add("尚未填写实际开工日期")
		} else if p.ActualStart.After(r.Today) {
			add("实际开工日期%s晚于今天", p.ActualStart)
		}
	case renew.StageAccepted: // 组织实施 → 竣工验收: every item done
		var open []string
		for _, it := range p.Items {
			if it.Status != renew.ItemDone {
				open = append(open, it.MenuName)
			}
		}
		if len(open) > 0 {
			list := strings.Join(open[:min(3, len(open))], "、")
			if len(open) > 3 {
				list += "等"
			}
			add("尚有%d项改造内容未完成（%s）", len(open), list)
		}
		if p.ActualEnd == nil {
			add("尚未填写实际竣工日期")
		} else {
			if p.ActualEnd.After(r.Today) {
				add("实际竣工日期%s晚于今天", p.ActualEnd)
			}
			if p.ActualStart != nil && p.ActualEnd.Before(*p.ActualStart) {
				add("实际竣工日期早于实际开工日期")
			}
		}
	case renew.StageHandedOver: // 竣工验收 → 移交管理: someone manages it afterwards
		if p.ManagementAfter == nil || *p.ManagementAfter == "none" {
			add("尚未落实移交后的管理方式（物业企业、原产权单位或居民自治）")
		}
	}
	return why
}

func fundingGap(p *renew.Plan) []string {
	cost, funded := p.Cost(), p.Funded()
	if cost == funded {
		return nil
	}
	if funded < cost {
		return []string{fmt.Sprintf("资金未落实：预算%s元，已落实%s元，缺口%s元", yuan(cost), yuan(funded), yuan(cost-funded))}
	}
	return []string{fmt.Sprintf("资金与预算不符：预算%s元，资金合计%s元，多出%s元", yuan(cost), yuan(funded), yuan(funded-cost))}
}

// yuan formats an amount with thousands separators: 1,234,567.5.
func yuan(d renew.Dec2) string {
	s := d.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// StageRequest asks to move a plan to another stage. Date, when given, is recorded with the move:
// the actual start on entering 组织实施, the actual end on entering 竣工验收.
type StageRequest struct {
	To     renew.Stage
	Reason string
	Date   *renew.Date
}

// maxReason bounds a reason's length in characters.
const maxReason = 500

// Move moves p to req.To, or says why not: renew.ErrInvalid for an unknown stage or a move back
// without a reason; renew.ErrConflict for a move that is not to the next or previous stage, or a
// forward move whose conditions are not met (the message lists them, in Chinese).
func Move(p *renew.Plan, req StageRequest, r Rules) (renew.StageChange, error) {
	from := p.Stage
	if !req.To.Valid() {
		return renew.StageChange{}, renew.Invalid("未知的阶段 (unknown stage) %.40q", req.To)
	}
	reason := strings.TrimSpace(req.Reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return renew.StageChange{}, renew.Invalid("原因不能超过%d字", maxReason)
	}
	i, j := from.Index(), req.To.Index()
	switch {
	case j == i:
		return renew.StageChange{}, renew.Conflict("方案已处于“%s”阶段", from.Name())
	case j == i+1:
		oldStart, oldEnd := p.ActualStart, p.ActualEnd
		if req.Date != nil {
			switch req.To {
			case renew.StageConstruction:
				d := *req.Date
				p.ActualStart = &d
			case renew.StageAccepted:
				d := *req.Date
				p.ActualEnd = &d
			default:
				return renew.StageChange{}, renew.Invalid("只有进入“组织实施”（实际开工）或“竣工验收”（实际竣工）时可填写日期")
			}
		}
		if why := Blockers(p, req.To, r); len(why) > 0 {
			p.ActualStart, p.ActualEnd = oldStart, oldEnd
			return renew.StageChange{}, renew.Conflict("不能进入“%s”阶段：%s", req.To.Name(), strings.Join(why, "；"))
		}
	case j == i-1:
		if reason == "" {
			return renew.StageChange{}, renew.Invalid("退回“%s”阶段须填写原因", req.To.Name())
		}
		if req.Date != nil {
			return renew.StageChange{}, renew.Invalid("退回时不能填写日期")
		}
	default:
		var next []string
		if i+1 < len(renew.Stages) {
			next = append(next, "推进到“"+renew.Stages[i+1].Name()+"”")
		}
		if i > 0 {
			next = append(next, "退回“"+renew.Stages[i-1].Name()+"”")
		}
		return renew.StageChange{}, renew.Conflict("当前阶段为“%s”，只能%s，不能直接转到“%s”",
			from.Name(), strings.Join(next, "或"), req.To.Name())
	}
	p.Stage = req.To
	return renew.StageChange{From: from, To: req.To, Reason: reason}, nil
}

// before reports whether stage s comes before t.
func before(s, t renew.Stage) bool { return s.Index() < t.Index() }
