package renew

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Stage is where a plan (一小区一方案) stands in the district plan's process (六、方法步骤).
type Stage string

// The stages, in order.
const (
	StageSurvey       Stage = "survey"       // 调查摸底
	StageReserve      Stage = "reserve"      // 储备 (项目储备库)
	StagePlanning     Stage = "planning"     // 制定方案
	StageReview       Stage = "review"       // 方案审核 (区 → 市旧改办)
	StageApproved     Stage = "approved"     // 公示确认
	StageConstruction Stage = "construction" // 组织实施
	StageAccepted     Stage = "accepted"     // 竣工验收
	StageHandedOver   Stage = "handed_over"  // 移交管理
)

// Stages lists the stages in order.
var Stages = []Stage{StageSurvey, StageReserve, StagePlanning, StageReview, StageApproved,
	StageConstruction, StageAccepted, StageHandedOver}

var stageNames = map[Stage]string{
	StageSurvey: "调查摸底", StageReserve: "储备", StagePlanning: "制定方案", StageReview: "方案审核",
	StageApproved: "公示确认", StageConstruction: "组织实施", StageAccepted: "竣工验收", StageHandedOver: "移交管理",
}

// Index is the stage's position in Stages, -1 for an unknown stage.
func (s Stage) Index() int {
	for i, x := range Stages {
		if x == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is one of Stages.
func (s Stage) Valid() bool { return s.Index() >= 0 }

// Name is the stage's Chinese name (the plan_stage label), or the code when unknown.
func (s Stage) Name() string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return string(s)
}

// ItemStatus is the state of one plan item.
type ItemStatus string

// The item states.
const (
	ItemPlanned    ItemStatus = "planned"     // 计划
	ItemInProgress ItemStatus = "in_progress" // 实施中
	ItemDone       ItemStatus = "done"        // 完成
)

// Valid reports whether s is a known item state.
func (s ItemStatus) Valid() bool { return s == ItemPlanned || s == ItemInProgress || s == ItemDone }

// Name is the Chinese name of the state.
func (s ItemStatus) Name() string {
	switch s {
	case ItemPlanned:
		return "计划"
	case ItemInProgress:
		return "实施中"
	case ItemDone:
		return "完成"
	}
	return string(s)
}

// Goal is one of the plan's six goals (六个目标).
type Goal string

// The six goals, in the plan's order.
const (
	GoalDrain       Goal = "drain"       // 排水通
	GoalRoad        Goal = "road"        // 路面平
	GoalLight       Goal = "light"       // 路灯亮
	GoalFunction    Goal = "function"    // 功能全
	GoalEnvironment Goal = "environment" // 环境美
	GoalManagement  Goal = "management"  // 管理优
)

// Goals lists the six goals in order.
var Goals = []Goal{GoalDrain, GoalRoad, GoalLight, GoalFunction, GoalEnvironment, GoalManagement}

var goalNames = map[Goal]string{GoalDrain: "排水通", GoalRoad: "路面平", GoalLight: "路灯亮",
	GoalFunction: "功能全", GoalEnvironment: "环境美", GoalManagement: "管理优"}

// Name is the goal's Chinese name.
func (g Goal) Name() string {
	if n, ok := goalNames[g]; ok {
		return n
	}
	return string(g)
}

// GoalState is how far a community is with one goal.
type GoalState string

// The goal states.
const (
	GoalMet        GoalState = "met"         // 已达标
	GoalInProgress GoalState = "in_progress" // 推进中
	GoalNone       GoalState = "none"        // 未涉及
)

// Dec2 is a decimal number with two places, held exactly as hundredths: money in 分 (yuan × 100)
// and quantities to 0.01, as numeric(…, 2) stores them. JSON carries it as a plain number.
type Dec2 int64

// String formats d as a decimal without trailing zeros: 1234.5, 12, -0.05.
func (d Dec2) String() string {
	neg := d < 0
	if neg {
		d = -d
	}
	s := strconv.FormatInt(int64(d)/100, 10)
	if f := int64(d) % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Float is d as a float64 (for display and charts; sums stay in Dec2).
func (d Dec2) Float() float64 { return float64(d) / 100 }

// MarshalJSON writes d as a JSON number.
func (d Dec2) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a JSON number with at most two decimal places; anything else is an error
// of kind ErrInvalid.
func (d *Dec2) UnmarshalJSON(b []byte) error {
	v, err := ParseDec2(string(bytes.TrimSpace(b)))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// maxDec2 bounds what ParseDec2 accepts (10^12, beyond any plan's money), so products of two
// values fit in an int64.
const maxDec2 = 1_000_000_000_000_00

// ParseDec2 parses a plain decimal number ("12", "-3.5", "0.25") with at most two decimal places
// and at most 12 integer digits. It returns an ErrInvalid error otherwise.
func ParseDec2(s string) (Dec2, error) {
	bad := Invalid("数值格式不正确，最多两位小数 (a number with at most two decimal places): %.20q", s)
	if s == "" {
		return 0, bad
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasDot && (frac == "" || len(frac) > 2)) || (len(whole) > 1 && whole[0] == '0') {
		return 0, bad
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, bad
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	v := w*100 + f
	if v > maxDec2 {
		return 0, bad
	}
	if neg {
		v = -v
	}
	return Dec2(v), nil
}

// Mul returns d × e rounded half away from zero to two places, as numeric round(a * b, 2) does.
func (d Dec2) Mul(e Dec2) Dec2 {
	p := int64(d) * int64(e) // hundredths × hundredths = ten-thousandths
	if p < 0 {
		return Dec2(-((-p + 50) / 100))
	}
	return Dec2((p + 50) / 100)
}

// Date is a calendar day (no time of day, no zone), written "2006-01-02" in JSON.
type Date struct{ t time.Time }

// DateOf returns the day of t (in t's own zone).
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads "2006-01-02"; anything else is an ErrInvalid error.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Invalid("日期格式应为 YYYY-MM-DD (a date like 2021-11-30): %.20q", s)
	}
	return Date{t}, nil
}

// Time is the day at midnight UTC.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// DaysUntil is the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Hours() / 24) }

func (d Date) String() string { return d.t.Format(time.DateOnly) }

// MarshalJSON writes "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads "2006-01-02".
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return Invalid("日期应为字符串 YYYY-MM-DD (a date string)")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// PlanCommunity is what a plan shows of its community (小区).
type PlanCommunity struct {
	ID              int     `json:"id"`
	Code            string  `json:"code"`
	Name            string  `json:"name"`
	Subdistrict     string  `json:"subdistrict"`
	SubdistrictName string  `json:"subdistrict_name"`
	CompletedYear   *int    `json:"completed_year"` // nil: unknown (未知/待核实)
	IsOld           *bool   `json:"is_old"`         // nil when the completed year is unknown
	Management      *string `json:"management"`     // today's management (物业/单位/自治/无); nil: unknown
	Buildings       int     `json:"buildings"`
	Households      int     `json:"households"`
	FloorArea       float64 `json:"floor_area"`
}

// PlanItem is one chosen item of the renovation menu (改造菜单) in a plan.
type PlanItem struct {
	ID         int        `json:"id"` // 0 for an item not stored yet
	MenuCode   string     `json:"menu_code"`
	MenuName   string     `json:"menu_name"`
	Unit       string     `json:"unit"`
	Goal       Goal       `json:"goal"`
	Quantity   Dec2       `json:"quantity"`
	UnitCost   Dec2       `json:"unit_cost"`
	Cost       Dec2       `json:"cost"` // Quantity × UnitCost, rounded to the 分
	Department string     `json:"department"`
	Status     ItemStatus `json:"status"`
}

// Funding is the amount one source puts into a plan (谁受益、谁出资).
type Funding struct {
	Source string `json:"source"`
	Amount Dec2   `json:"amount"`
}

// Plan is one community's renovation plan (一小区一方案) with its items and funding.
type Plan struct {
	ID              int           `json:"id"`
	Code            string        `json:"code"`
	Community       PlanCommunity `json:"community"`
	Stage           Stage         `json:"stage"`
	Batch           string        `json:"batch"`
	BatchYear       *int          `json:"batch_year"`
	PlannedStart    *Date         `json:"planned_start"`
	PlannedEnd      *Date         `json:"planned_end"`
	ActualStart     *Date         `json:"actual_start"`
	ActualEnd       *Date         `json:"actual_end"`
	ConsentRate     *float64      `json:"consent_rate"` // share of households agreeing, 0–1
	ManagementAfter *string       `json:"management_after"`
	UpdatedAt       time.Time     `json:"updated_at"`
	Items           []PlanItem    `json:"items"`
	Funding         []Funding     `json:"funding"`
}

// Cost is the plan's budget: the sum of its items' costs.
func (p *Plan) Cost() Dec2 {
	var s Dec2
	for _, it := range p.Items {
		s += it.Cost
	}
	return s
}

// Funded is the sum of the plan's funding.
func (p *Plan) Funded() Dec2 {
	var s Dec2
	for _, f := range p.Funding {
		s += f.Amount
	}
	return s
}

// Clone returns a deep copy of p.
func (p Plan) Clone() Plan {
	p.Items = append([]PlanItem(nil), p.Items...)
	p.Funding = append([]Funding(nil), p.Funding...)
	cp := func(d *Date) *Date {
		if d == nil {
			return nil
		}
		v := *d
		return &v
	}
	p.PlannedStart, p.PlannedEnd, p.ActualStart, p.ActualEnd = cp(p.PlannedStart), cp(p.PlannedEnd), cp(p.ActualStart), cp(p.ActualEnd)
	if p.BatchYear != nil {
		v := *p.BatchYear
		p.BatchYear = &v
	}
	if p.ConsentRate != nil {
		v := *p.ConsentRate
		p.ConsentRate = &v
	}
	if p.ManagementAfter != nil {
		v := *p.ManagementAfter
		p.ManagementAfter = &v
	}
	return p
}

// MenuItem is one item of the renovation menu.
type MenuItem struct {
	Code     string `json:"code"`
	Part     string `json:"part"`
	Name     string `json:"name"`
	Class    string `json:"class"`
	Unit     string `json:"unit"`
	UnitCost Dec2   `json:"unit_cost"`
	Goal     Goal   `json:"goal"`
}

// Department is a member of the plan's 组织机构.
type Department struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Duties string `json:"duties"`
}

// Target is a programme target (e.g. the 2021 batch: 24 communities … by 2022-07-31).
type Target struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	BatchYear   int     `json:"batch_year"`
	Communities int     `json:"communities"`
	Buildings   int     `json:"buildings"`
	Households  int     `json:"households"`
	FloorArea   float64 `json:"floor_area"`
	Due         Date    `json:"due"`
}

// StageChange is a move of a plan from one stage to another, with the reason for a move back.
type StageChange struct {
	From   Stage  `json:"from"`
	To     Stage  `json:"to"`
	Reason string `json:"reason,omitempty"`
}

// ProgrammeSettings are the programme's settings (table programme_settings).
type ProgrammeSettings struct {
	// AsOf is the day progress is measured at; nil means today.
	AsOf *Date `json:"as_of"`
	// ConsentThreshold is the least consent rate for 公示确认 (0–1); ConsentThresholdText is how it
	// is written in the settings ("2/3").
	ConsentThreshold     float64 `json:"consent_threshold"`
	ConsentThresholdText string  `json:"consent_threshold_text"`
}

// ParseShare reads a share from 0 to 1 written as a decimal ("0.8") or a fraction ("2/3").
func ParseShare(s string) (float64, error) {
	bad := Invalid("应为0到1之间的小数或分数，如 0.8 或 2/3 (a share such as 0.8 or 2/3): %.20q", s)
	s = strings.TrimSpace(s)
	var v float64
	if num, den, ok := strings.Cut(s, "/"); ok {
		n, err1 := strconv.ParseUint(num, 10, 32)
		d, err2 := strconv.ParseUint(den, 10, 32)
		if err1 != nil || err2 != nil || d == 0 {
			return 0, bad
		}
		v = float64(n) / float64(d)
	} else {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || strings.ContainsAny(s, "eEnNiI+") {
			return 0, bad
		}
		v = f
	}
	if v < 0 || v > 1 {
		return 0, bad
	}
	return v, nil
}

// StageEvent is a recorded move of a plan between stages.
type StageEvent struct {
	From   Stage     `json:"from"`
	To     Stage     `json:"to"`
	Reason string    `json:"reason,omitempty"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}
