package programme

import "renewmap/internal/renew"

// PlanFilter selects plans; zero fields select all.
type PlanFilter struct {
	ID          int
	Stage       string
	Batch       string
	BatchYear   int
	Subdistrict string // 街道 code
	CommunityID int
}

// PlanChange changes a loaded plan in memory (the programme's rules decide); it returns the stage
// move it made, if any, or an error that leaves the plan as it was.
type PlanChange func(p *renew.Plan) (*renew.StageChange, error)

// ErrPlanChanged is returned by the store's ChangePlan when the plan changed since the version the caller
// read (optimistic concurrency: If-Match).
var ErrPlanChanged = &renew.Error{Kind: renew.ErrStale, Msg: "方案已被他人修改，请刷新后重试 (the plan changed since you loaded it)"}
