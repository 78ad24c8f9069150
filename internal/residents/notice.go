package residents

import (
	"time"

	"renewmap/internal/renew"
)

// Public reports whether a plan at stage s is publicised (公示): from 公示确认 on, the plan signed by
// the residents' representatives is posted (六、方法步骤（四）); before it a plan is a draft and
// never leaves the office.
func Public(s renew.Stage) bool { return s.Index() >= renew.StageApproved.Index() }

// PublicStages lists the stages whose plans are public.
func PublicStages() []renew.Stage {
	var out []renew.Stage
	for _, s := range renew.Stages {
		if Public(s) {
			out = append(out, s)
		}
	}
	return out
}

// NoticeItem is one work of a publicised plan.
type NoticeItem struct {
	Code       string     `json:"code"`
	Name       string     `json:"name"`
	Part       string     `json:"part"`
	PartName   string     `json:"part_name"`
	Goal       renew.Goal `json:"goal"`
	Quantity   renew.Dec2 `json:"quantity"`
	Unit       string     `json:"unit"`
	Cost       renew.Dec2 `json:"cost"`
	Department string     `json:"department"`
	Status     string     `json:"status"`
	StatusName string     `json:"status_name"`
}

// NoticeFunding is one source of a publicised plan's money.
type NoticeFunding struct {
	Source     string     `json:"source"`
	SourceName string     `json:"source_name"`
	Amount     renew.Dec2 `json:"amount"`
}

// NoticeSummary is one line of the district's list of publicised plans.
type NoticeSummary struct {
	CommunityCode   string      `json:"community_code"`
	CommunityName   string      `json:"community_name"`
	SubdistrictName string      `json:"subdistrict_name"`
	PlanCode        string      `json:"plan_code"`
	Stage           renew.Stage `json:"stage"`
	StageName       string      `json:"stage_name"`
	BatchYear       *int        `json:"batch_year"`
	Households      int         `json:"households"`
	ItemCount       int         `json:"item_count"`
	Budget          renew.Dec2  `json:"budget"`
	PlannedStart    *renew.Date `json:"planned_start"`
	PlannedEnd      *renew.Date `json:"planned_end"`
}

// Notice is the public notice (公示) of one community's plan: only what a passer-by at the notice
// board may read — no pipelines, no personal data, no ballots.
type Notice struct {
	NoticeSummary
	Address       string          `json:"address"`
	Buildings     int             `json:"buildings"`
	FloorArea     float64         `json:"floor_area"`
	CompletedYear *int            `json:"completed_year"` // nil: unknown (未知)
	ActualStart   *renew.Date     `json:"actual_start"`
	ActualEnd     *renew.Date     `json:"actual_end"`
	ConsentRate   *float64        `json:"consent_rate"`
	Departments   []string        `json:"departments"`
	Items         []NoticeItem    `json:"items"`
	Funding       []NoticeFunding `json:"funding"`
	Funded        renew.Dec2      `json:"funded"`
	UpdatedAt     time.Time       `json:"updated_at"`
	// Period is the 公示期 and feedback channel, nil until a planner sets them.
	Period *NoticePeriod `json:"notice_period"`
}

// CommunitySatisfaction is a community's latest satisfaction survey, tallied.
type CommunitySatisfaction struct {
	CommunityCode string       `json:"community_code"`
	CommunityName string       `json:"community_name"`
	PlanID        int          `json:"plan_id"`
	SurveyID      int          `json:"survey_id"`
	Status        Status       `json:"status"`
	CodesIssued   int          `json:"codes_issued"`
	Ballots       int          `json:"ballots"`
	Participation float64      `json:"participation"`
	Mean          float64      `json:"mean"`
	Goals         []GoalResult `json:"goals"`
}
