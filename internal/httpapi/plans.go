package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/programme"
	"renewmap/internal/renew"
)

// ProgrammeStore is what the plan, progress and dashboard endpoints need (Deps.Programme).
type ProgrammeStore interface {
	Labels(ctx context.Context) (map[string]map[string]string, error)
	Plans(ctx context.Context, f programme.PlanFilter) ([]renew.Plan, error)
	Plan(ctx context.Context, id int) (renew.Plan, error)
	ChangePlan(ctx context.Context, id int, ifMatch *time.Time, a renew.AuditEntry, change programme.PlanChange) (renew.Plan, error)
	CreatePlan(ctx context.Context, communityID int, a renew.AuditEntry) (renew.Plan, error)
	StageHistory(ctx context.Context, planID int) ([]renew.StageEvent, error)
	Menu(ctx context.Context) ([]renew.MenuItem, error)
	Departments(ctx context.Context) ([]renew.Department, error)
	Targets(ctx context.Context) ([]renew.Target, error)
	ProgrammeSettings(ctx context.Context) (renew.ProgrammeSettings, error)
	SetProgrammeSetting(ctx context.Context, key string, value *string, a renew.AuditEntry) error
}

var errNoProgramme = &renew.Error{Kind: renew.ErrUnavailable, Msg: "改造方案服务未配置 (programme store not configured)"}

// exportsPlans: the plan table goes to the office (planners), leadership and admins.
func exportsPlans(r renew.Role) bool {
	return r == renew.RolePlanner || r == renew.RoleLeader || r == renew.RoleAdmin
}

// setsAsOf: leadership and admins choose the day the dashboard measures at.
func setsAsOf(r renew.Role) bool { return r == renew.RoleLeader || r == renew.RoleAdmin }

// routesProgramme registers the plans (一小区一方案), progress and programme settings. Every
// logged-in role reads them (progress is the programme's public face; pipelines are not involved);
// planners and admins edit plans; the plan table as CSV is for planners, leaders and admins.
func (s *server) routesProgramme(g *echo.Group) {
	p := &programmeAPI{s: s, store: s.deps.Programme}
	ready := available(p.store != nil, errNoProgramme)
	read, edit := s.require(nil), s.require(renew.Role.Edits)
	g.GET("/api/v1/menu", ready(p.menu), read)
	g.GET("/api/v1/departments", ready(p.departments), read)
	g.GET("/api/v1/plans", ready(p.list), read)
	g.GET("/api/v1/plans.csv", ready(p.csv), s.require(exportsPlans))
	g.GET("/api/v1/plans.xlsx", ready(p.xlsx), s.require(exportsPlans))
	// Any table a page shows, as Excel (xlsx.go).
	g.POST("/api/v1/table.xlsx", s.tableXLSX, s.require(nil))
	g.GET("/api/v1/plans/:id", ready(p.get), read)
	g.PATCH("/api/v1/plans/:id", ready(p.patch), edit)
	g.POST("/api/v1/plans/:id/items", ready(p.addItem), edit)
	g.PATCH("/api/v1/plans/:id/items/:item", ready(p.updateItem), edit)
	g.DELETE("/api/v1/plans/:id/items/:item", ready(p.removeItem), edit)
	g.PUT("/api/v1/plans/:id/funding", ready(p.funding), edit)
	g.POST("/api/v1/plans/:id/stage", ready(p.stage), edit)
	g.POST("/api/v1/communities/:id/plan", ready(p.create), edit)
	g.GET("/api/v1/progress", ready(p.progress), read)
	g.GET("/api/v1/programme/settings", ready(p.settings), read)
	g.PATCH("/api/v1/programme/settings", ready(p.setSettings), s.require(setsAsOf))
}

type programmeAPI struct {
	s     *server
	store ProgrammeStore
}

// china is the zone "today" is counted in (no daylight saving).
var china = time.FixedZone("CST", 8*3600)

func today() renew.Date { return renew.DateOf(time.Now().In(china)) }

// context bundles what the rules need: the catalog of codes, the settings and today.
type programmeContext struct {
	cat      programme.Catalog
	settings renew.ProgrammeSettings
	rules    programme.Rules
	labels   map[string]map[string]string
}

func (p *programmeAPI) context(ctx context.Context) (programmeContext, error) {
	var pc programmeContext
	labels, err := p.store.Labels(ctx)
	if err != nil {
		return pc, err
	}
	menu, err := p.store.Menu(ctx)
	if err != nil {
		return pc, err
	}
	depts, err := p.store.Departments(ctx)
	if err != nil {
		return pc, err
	}
	settings, err := p.store.ProgrammeSettings(ctx)
	if err != nil {
		return pc, err
	}
	pc.labels = labels
	pc.settings = settings
	pc.cat = programme.Catalog{Menu: map[string]renew.MenuItem{}, Departments: map[string]renew.Department{},
		Sources: labels["funding_source"], Managements: labels["management"], Batches: labels["batch"]}
	for _, m := range menu {
		pc.cat.Menu[m.Code] = m
	}
	for _, d := range depts {
		pc.cat.Departments[d.Code] = d
	}
	pc.rules = programme.Rules{ConsentThreshold: settings.ConsentThreshold, Today: today()}
	return pc, nil
}

// asOf is the day to measure at: ?as_of=, else the setting, else today; source says which.
func (pc programmeContext) asOf(c echo.Context) (renew.Date, string, error) {
	if v := c.QueryParam("as_of"); v != "" {
		d, err := renew.ParseDate(v)
		if err != nil {
			return renew.Date{}, "", renew.Invalid("as_of: 日期格式应为 YYYY-MM-DD")
		}
		if d.Time().Year() < 2000 || d.Time().Year() > 2100 {
			return renew.Date{}, "", renew.Invalid("as_of: 年份应在2000至2100之间")
		}
		return d, "query", nil
	}
	if pc.settings.AsOf != nil {
		return *pc.settings.AsOf, "setting", nil
	}
	return pc.rules.Today, "today", nil
}

func (p *programmeAPI) menu(c echo.Context) error {
	ms, err := p.store.Menu(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"menu": ms})
}

func (p *programmeAPI) departments(c echo.Context) error {
	ds, err := p.store.Departments(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"departments": ds})
}

// codeParam is the shape of every code a filter may name.
var codeParam = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// planFilter reads ?stage=&batch=&batch_year=&subdistrict=.
func planFilter(c echo.Context) (programme.PlanFilter, error) {
	var f programme.PlanFilter
	if v := c.QueryParam("stage"); v != "" {
		if !renew.Stage(v).Valid() {
			return f, renew.Invalid("stage: 未知的阶段 (one of survey, reserve, planning, review, approved, construction, accepted, handed_over)")
		}
		f.Stage = v
	}
	for name, dst := range map[string]*string{"batch": &f.Batch, "subdistrict": &f.Subdistrict} {
		if v := c.QueryParam(name); v != "" {
			if !codeParam.MatchString(v) {
				return f, renew.Invalid("%s: 编码格式不正确 (a code of letters, digits, _ . -)", name)
			}
			*dst = v
		}
	}
	y, err := intParam(c, "batch_year", 0, 2000, 2100)
	if err != nil {
		return f, err
	}
	f.BatchYear = y
	return f, nil
}

// planSummary is a plan in a list: its facts and totals, not its items.
type planSummary struct {
	ID              int                    `json:"id"`
	Code            string                 `json:"code"`
	Community       renew.PlanCommunity    `json:"community"`
	Stage           renew.Stage            `json:"stage"`
	StageName       string                 `json:"stage_name"`
	Batch           string                 `json:"batch"`
	BatchYear       *int                   `json:"batch_year"`
	PlannedStart    *renew.Date            `json:"planned_start"`
	PlannedEnd      *renew.Date            `json:"planned_end"`
	ActualStart     *renew.Date            `json:"actual_start"`
	ActualEnd       *renew.Date            `json:"actual_end"`
	ConsentRate     *float64               `json:"consent_rate"`
	ManagementAfter *string                `json:"management_after"`
	Cost            renew.Dec2             `json:"cost"`
	Funded          renew.Dec2             `json:"funded"`
	Funding         map[string]renew.Dec2  `json:"funding"`
	Items           int                    `json:"items"`
	ItemsDone       int                    `json:"items_done"`
	Goals           []programme.GoalResult `json:"goals"`
	GoalsMet        int                    `json:"goals_met"`
	Overdue         *programme.Overdue     `json:"overdue"`
}

func summarize(p *renew.Plan, asOf renew.Date) planSummary {
	s := planSummary{ID: p.ID, Code: p.Code, Community: p.Community, Stage: p.Stage, StageName: p.Stage.Name(),
		Batch: p.Batch, BatchYear: p.BatchYear, PlannedStart: p.PlannedStart, PlannedEnd: p.PlannedEnd,
		ActualStart: p.ActualStart, ActualEnd: p.ActualEnd, ConsentRate: p.ConsentRate, ManagementAfter: p.ManagementAfter,
		Cost: p.Cost(), Funded: p.Funded(), Funding: map[string]renew.Dec2{}, Items: len(p.Items)}
	for _, f := range p.Funding {
		s.Funding[f.Source] = f.Amount
	}
	for _, it := range p.Items {
		if it.Status == renew.ItemDone {
			s.ItemsDone++
		}
	}
	s.Goals = programme.Goals(p)
	s.GoalsMet = programme.GoalsMet(s.Goals)
	if o, ok := programme.OverdueAt(p, asOf); ok {
		s.Overdue = &o
	}
	return s
}

// selected is what a plan listing works from: the plans the request's filter selects, the
// programme's context and the as-of date with where it came from.
type selected struct {
	plans    []renew.Plan
	pc       programmeContext
	asOf     renew.Date
	asOfFrom string
}

func (p *programmeAPI) selectPlans(c echo.Context) (selected, error) {
	ctx := c.Request().Context()
	f, err := planFilter(c)
	if err != nil {
		return selected{}, err
	}
	pc, err := p.context(ctx)
	if err != nil {
		return selected{}, err
	}
	asOf, source, err := pc.asOf(c)
	if err != nil {
		return selected{}, err
	}
	ps, err := p.store.Plans(ctx, f)
	if err != nil {
		return selected{}, err
	}
	return selected{ps, pc, asOf, source}, nil
}

func (p *programmeAPI) list(c echo.Context) error {
	sel, err := p.selectPlans(c)
	if err != nil {
		return err
	}
	ps, asOf, source := sel.plans, sel.asOf, sel.asOfFrom
	out := make([]planSummary, len(ps))
	for i := range ps {
		out[i] = summarize(&ps[i], asOf)
	}
	return c.JSON(http.StatusOK, map[string]any{"plans": out, "as_of": asOf, "as_of_source": source})
}

// planView is one plan with everything its page shows.
type planView struct {
	Plan        renew.Plan              `json:"plan"`
	Version     string                  `json:"version"` // the ETag; send it back as If-Match
	Cost        renew.Dec2              `json:"cost"`
	Funded      renew.Dec2              `json:"funded"`
	Gap         renew.Dec2              `json:"gap"` // cost − funded
	Goals       []programme.GoalResult  `json:"goals"`
	GoalsMet    int                     `json:"goals_met"`
	Transitions []programme.Transition  `json:"transitions"`
	History     []renew.StageEvent      `json:"history"`
	Overdue     *programme.Overdue      `json:"overdue"`
	AsOf        renew.Date              `json:"as_of"`
	Settings    renew.ProgrammeSettings `json:"settings"`
	MayEdit     bool                    `json:"may_edit"`
}

func etagOf(p *renew.Plan) string { return versionTag(p.UpdatedAt) }

func (p *programmeAPI) view(c echo.Context, status int, pl renew.Plan, pc programmeContext) error {
	asOf, _, err := pc.asOf(c)
	if err != nil {
		return err
	}
	hist, err := p.store.StageHistory(c.Request().Context(), pl.ID)
	if err != nil {
		return err
	}
	v := planView{Plan: pl, Version: etagOf(&pl), Cost: pl.Cost(), Funded: pl.Funded(), Goals: programme.Goals(&pl),
		Transitions: programme.Transitions(&pl, pc.rules), History: hist, AsOf: asOf, Settings: pc.settings,
		MayEdit: roleOf(c).Edits()}
	v.Gap = v.Cost - v.Funded
	v.GoalsMet = programme.GoalsMet(v.Goals)
	if o, ok := programme.OverdueAt(&pl, asOf); ok {
		v.Overdue = &o
	}
	c.Response().Header().Set("ETag", v.Version)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, v)
}

func (p *programmeAPI) get(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id", "方案")
	if err != nil {
		return err
	}
	pc, err := p.context(ctx)
	if err != nil {
		return err
	}
	pl, err := p.store.Plan(ctx, int(id))
	if err != nil {
		return err
	}
	return p.view(c, http.StatusOK, pl, pc)
}

// change runs a rule-checked change on the plan named by :id and answers with its new view.
func (p *programmeAPI) change(c echo.Context, fn func(pl *renew.Plan, pc programmeContext) (*renew.StageChange, error)) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id", "方案")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	pc, err := p.context(ctx)
	if err != nil {
		return err
	}
	pl, err := p.store.ChangePlan(ctx, int(id), match, auditBy(c), func(pl *renew.Plan) (*renew.StageChange, error) {
		return fn(pl, pc)
	})
	if err != nil {
		return err
	}
	return p.view(c, http.StatusOK, pl, pc)
}

func (p *programmeAPI) patch(c echo.Context) error {
	var req programme.Patch
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	return p.change(c, func(pl *renew.Plan, pc programmeContext) (*renew.StageChange, error) {
		return nil, programme.ApplyPatch(pl, req, pc.cat, pc.rules)
	})
}

func (p *programmeAPI) addItem(c echo.Context) error {
	var req programme.ItemChange
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	return p.change(c, func(pl *renew.Plan, pc programmeContext) (*renew.StageChange, error) {
		_, err := programme.AddItem(pl, req, pc.cat)
		return nil, err
	})
}

func (p *programmeAPI) updateItem(c echo.Context) error {
	item, err := pathID(c, "item", "方案条目")
	if err != nil {
		return err
	}
	var req programme.ItemChange
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	return p.change(c, func(pl *renew.Plan, pc programmeContext) (*renew.StageChange, error) {
		_, err := programme.UpdateItem(pl, int(item), req, pc.cat)
		return nil, err
	})
}

func (p *programmeAPI) removeItem(c echo.Context) error {
	item, err := pathID(c, "item", "方案条目")
	if err != nil {
		return err
	}
	return p.change(c, func(pl *renew.Plan, _ programmeContext) (*renew.StageChange, error) {
		_, err := programme.RemoveItem(pl, int(item))
		return nil, err
	})
}

type fundingRequest struct {
	Funding []renew.Funding `json:"funding"`
}

// maxFundingRows bounds a funding body (there are seven sources).
const maxFundingRows = 50

func (p *programmeAPI) funding(c echo.Context) error {
	var req fundingRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Funding == nil || len(req.Funding) > maxFundingRows {
		return renew.Invalid("funding: 应为资金来源列表 [{source, amount}]")
	}
	return p.change(c, func(pl *renew.Plan, pc programmeContext) (*renew.StageChange, error) {
		return nil, programme.SetFunding(pl, req.Funding, pc.cat)
	})
}

type stageRequest struct {
	To     renew.Stage `json:"to"`
	Reason string      `json:"reason"`
	Date   *renew.Date `json:"date"`
}

func (p *programmeAPI) stage(c echo.Context) error {
	var req stageRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.To == "" {
		return renew.Invalid("to: 请选择目标阶段")
	}
	return p.change(c, func(pl *renew.Plan, pc programmeContext) (*renew.StageChange, error) {
		ch, err := programme.Move(pl, programme.StageRequest{To: req.To, Reason: req.Reason, Date: req.Date}, pc.rules)
		if err != nil {
			return nil, err
		}
		return &ch, nil
	})
}

func (p *programmeAPI) create(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id", "方案")
	if err != nil {
		return err
	}
	pc, err := p.context(ctx)
	if err != nil {
		return err
	}
	pl, err := p.store.CreatePlan(ctx, int(id), auditBy(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", fmt.Sprintf("/api/v1/plans/%d", pl.ID))
	return p.view(c, http.StatusCreated, pl, pc)
}

func (p *programmeAPI) settings(c echo.Context) error {
	st, err := p.store.ProgrammeSettings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"settings": st, "today": today()})
}

type settingsRequest struct {
	AsOf             programme.Opt[string] `json:"as_of"`
	ConsentThreshold programme.Opt[string] `json:"consent_threshold"`
}

var fractionText = regexp.MustCompile(`^\d{1,3}/\d{1,3}$`)

func (p *programmeAPI) setSettings(c echo.Context) error {
	var req settingsRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	type set struct {
		key   string
		value *string
	}
	var sets []set
	if req.AsOf.Set {
		v := req.AsOf.Value
		if v != nil {
			d, err := renew.ParseDate(*v)
			if err != nil || d.Time().Year() < 2000 || d.Time().Year() > 2100 {
				return renew.Invalid("as_of: 日期格式应为 YYYY-MM-DD，年份在2000至2100之间")
			}
			s := d.String()
			v = &s
		}
		sets = append(sets, set{"as_of", v})
	}
	if req.ConsentThreshold.Set {
		if !roleOf(c).Administers() {
			return &renew.Error{Kind: renew.ErrForbidden, Msg: "只有管理员可以修改居民同意率门槛"}
		}
		v := req.ConsentThreshold.Value
		if v != nil {
			f, err := renew.ParseShare(*v)
			if err != nil || f <= 0 {
				return renew.Invalid("consent_threshold: 应为大于0、不超过1的小数或分数，如 0.8 或 2/3")
			}
			s := strings.TrimSpace(*v)
			if !fractionText.MatchString(s) {
				s = strconv.FormatFloat(f, 'f', -1, 64)
			}
			v = &s
		}
		sets = append(sets, set{"consent_threshold", v})
	}
	if len(sets) == 0 {
		return renew.Invalid("请至少提供 as_of 或 consent_threshold")
	}
	for _, s := range sets {
		if err := p.store.SetProgrammeSetting(ctx, s.key, s.value, auditBy(c)); err != nil {
			return err
		}
	}
	return p.settings(c)
}
