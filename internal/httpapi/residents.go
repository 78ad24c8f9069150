package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
	"renewmap/internal/residents"
)

// ResidentsStore is what the residents' endpoints need (Deps.Residents): the public notice and
// its 公示期, surveys, household codes and ballots (docs/residents.md).
type ResidentsStore interface {
	Labels(ctx context.Context) (map[string]map[string]string, error)
	Menu(ctx context.Context) ([]renew.MenuItem, error)
	Notices(ctx context.Context) ([]residents.NoticeSummary, error)
	Notice(ctx context.Context, code string) (residents.Notice, error)
	NoticeMap(ctx context.Context, code string) (json.RawMessage, error)
	Survey(ctx context.Context, id int) (residents.Survey, error)
	Surveys(ctx context.Context, planID int) ([]residents.Survey, error)
	OpenSurvey(ctx context.Context, planID int, kind residents.Kind, closesAt *time.Time, maxPriorities int, a renew.AuditEntry) (residents.Survey, error)
	IssueCodes(ctx context.Context, surveyID int, hashes [][]byte, maxTotal int, a renew.AuditEntry) (residents.Survey, error)
	CloseSurvey(ctx context.Context, surveyID int, a renew.AuditEntry) (residents.Survey, bool, error)
	CurrentSurvey(ctx context.Context, communityCode string, kind residents.Kind) (residents.Survey, error)
	CommunityID(ctx context.Context, code string) (int, error)
	FindCode(ctx context.Context, communityID int, kind residents.Kind, hash []byte) (residents.Survey, int64, *residents.Ballot, error)
	SaveBallot(ctx context.Context, codeID int64, b residents.Ballot, now time.Time) error
	SurveyBallots(ctx context.Context, surveyID int) ([]residents.Ballot, error)
	PlanMenuCodes(ctx context.Context, planID int) ([]string, error)
	ReserveCodeCheck(ctx context.Context, address string, communityID int, since, purgeBefore time.Time, limit int) (int64, int, error)
	ForgetCodeCheck(ctx context.Context, id int64) error
	SatisfactionBallots(ctx context.Context) ([]residents.Survey, [][]residents.Ballot, error)
	SetNoticePeriod(ctx context.Context, planID int, p residents.NoticePeriod, a renew.AuditEntry) error
}

var errNoResidents = &renew.Error{Kind: renew.ErrUnavailable, Msg: "居民参与服务未配置 (residents store not configured)"}

// Issuing codes: at most maxIssue in one request, and at most twice the households (at least
// minTotalCodes) in a survey, which leaves room for replacing lost slips.
const (
	maxIssue      = 2000
	minTotalCodes = 100
)

// routesResidents registers the residents' voice. Public, without login: the notice (公示) of
// plans at or past 公示确认 and the survey pages' endpoints, where a one-time household code is the
// credential. Planners and admins open, issue codes for, close and read surveys; every logged-in
// role reads the satisfaction summary (the dashboard).
func (s *server) routesResidents(g *echo.Group) {
	r := &residentsAPI{s: s, store: s.deps.Residents, limits: residents.DefaultLimits, now: time.Now}
	ready := available(r.store != nil, errNoResidents)
	g.GET("/api/public/notices", ready(r.notices))
	g.GET("/api/public/notices/:code", ready(r.notice))
	g.GET("/api/public/notices/:code/map", ready(r.noticeMap))
	g.GET("/api/public/surveys/:code", ready(r.publicSurvey))
	g.POST("/api/public/surveys/:code/code", ready(r.enterCode), r.sameOrigin)
	g.POST("/api/public/surveys/:code/ballot", ready(r.ballot), r.sameOrigin)
	edit := s.require(renew.Role.Edits)
	g.GET("/api/v1/surveys", ready(r.surveys), edit)
	g.POST("/api/v1/surveys", ready(r.open), edit)
	g.GET("/api/v1/surveys/:id", ready(r.survey), edit)
	g.POST("/api/v1/surveys/:id/codes", ready(r.issue), edit)
	g.POST("/api/v1/surveys/:id/close", ready(r.close), edit)
	g.GET("/api/v1/surveys/:id/results", ready(r.results), edit)
	g.GET("/api/v1/satisfaction", ready(r.satisfaction), s.require(nil))
	g.PUT("/api/v1/plans/:id/notice-period", ready(r.setNoticePeriod), edit) // period.go
}

type residentsAPI struct {
	s      *server
	store  ResidentsStore
	limits residents.Limits
	now    func() time.Time
}

// sameOrigin guards the residents' POSTs, which have no session and so no CSRF token: the
// request must say it comes from this site's page (an Origin naming this host — identify has
// already refused any other — or Sec-Fetch-Site: same-origin). A logged-in user's request
// passed the CSRF token check instead.
func (r *residentsAPI) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := sessionOf(c); ok {
			return next(c)
		}
		h := c.Request().Header
		if h.Get("Origin") != "" || h.Get("Sec-Fetch-Site") == "same-origin" {
			return next(c)
		}
		return &renew.Error{Kind: renew.ErrForbidden, Msg: "请在本网站的调查页面上填写 (submit from the survey page)"}
	}
}

// communityCode reads the :code path parameter: a community code is short, printable text;
// anything else cannot name a community.
func communityCode(c echo.Context) (string, error) {
	code := c.Param("code")
	if u, err := url.PathUnescape(code); err == nil {
		code = u
	}
	if code == "" || len(code) > 64 || !utf8.ValidString(code) {
		return "", renew.NotFound("没有这个小区 (no such community)")
	}
	for _, r := range code {
		if !unicode.IsPrint(r) {
			return "", renew.NotFound("没有这个小区 (no such community)")
		}
	}
	return code, nil
}

// ---- the public notice (公示) ----

func (r *residentsAPI) notices(c echo.Context) error {
	ns, err := r.store.Notices(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"notices": ns})
}

func (r *residentsAPI) notice(c echo.Context) error {
	code, err := communityCode(c)
	if err != nil {
		return err
	}
	n, err := r.store.Notice(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func (r *residentsAPI) noticeMap(c echo.Context) error {
	code, err := communityCode(c)
	if err != nil {
		return err
	}
	fc, err := r.store.NoticeMap(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/geo+json", fc)
}

// ---- the residents' survey pages ----

// surveyKind reads the kind of survey a public request is about (default: the menu survey).
func surveyKind(v string) (residents.Kind, error) {
	if v == "" {
		return residents.KindMenu, nil
	}
	k := residents.Kind(v)
	if !k.Valid() {
		return "", renew.Invalid("kind: menu 或 satisfaction (kind: menu or satisfaction)")
	}
	return k, nil
}

type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type publicMenuItem struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Part      string     `json:"part"`
	Class     string     `json:"class"`
	ClassName string     `json:"class_name"`
	Goal      renew.Goal `json:"goal"`
	GoalName  string     `json:"goal_name"`
}

// publicSurveyInfo is what the survey page shows before a code is entered: no counts, no codes.
type publicSurveyInfo struct {
	CommunityCode string           `json:"community_code"`
	CommunityName string           `json:"community_name"`
	Kind          residents.Kind   `json:"kind"`
	Title         string           `json:"title"`
	Status        residents.Status `json:"status"`
	Accepting     bool             `json:"accepting"`
	Message       string           `json:"message,omitempty"`
	ClosesAt      *time.Time       `json:"closes_at"`
	MaxPriorities int              `json:"max_priorities"`
	MaxComment    int              `json:"max_comment"`
	Parts         []codeName       `json:"parts,omitempty"`
	Menu          []publicMenuItem `json:"menu,omitempty"`
	Goals         []codeName       `json:"goals"`
}

func (r *residentsAPI) publicInfo(ctx context.Context, sv residents.Survey) (publicSurveyInfo, error) {
	info := publicSurveyInfo{CommunityCode: sv.CommunityCode, CommunityName: sv.CommunityName, Kind: sv.Kind,
		Title: sv.Kind.Name(), Status: sv.Status, ClosesAt: sv.ClosesAt, MaxPriorities: sv.MaxPriorities,
		MaxComment: residents.MaxComment, Goals: []codeName{}}
	if err := sv.Accepting(r.now()); err != nil {
		// The refusal in the catalogue's Chinese, as an error answer would give it.
		_, body := classify(err)
		info.Message = body.Error
	} else {
		info.Accepting = true
	}
	for _, g := range renew.Goals {
		info.Goals = append(info.Goals, codeName{string(g), g.Name()})
	}
	if sv.Kind != residents.KindMenu {
		return info, nil
	}
	labels, err := r.store.Labels(ctx)
	if err != nil {
		return info, err
	}
	menu, err := r.store.Menu(ctx)
	if err != nil {
		return info, err
	}
	seen := map[string]bool{}
	for _, m := range menu {
		if !seen[m.Part] {
			seen[m.Part] = true
			info.Parts = append(info.Parts, codeName{m.Part, labels["menu_part"][m.Part]})
		}
		info.Menu = append(info.Menu, publicMenuItem{Code: m.Code, Name: m.Name, Part: m.Part, Class: m.Class,
			ClassName: labels["menu_class"][m.Class], Goal: m.Goal, GoalName: m.Goal.Name()})
	}
	return info, nil
}

func (r *residentsAPI) publicSurvey(c echo.Context) error {
	code, err := communityCode(c)
	if err != nil {
		return err
	}
	kind, err := surveyKind(c.QueryParam("kind"))
	if err != nil {
		return err
	}
	sv, err := r.store.CurrentSurvey(c.Request().Context(), code, kind)
	if err != nil {
		return err
	}
	info, err := r.publicInfo(c.Request().Context(), sv)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

// ballotRequest is the body of the residents' POSTs: the code, and for /ballot the answer.
type ballotRequest struct {
	Kind       residents.Kind     `json:"kind"`
	Code       string             `json:"code"`
	Choices    []string           `json:"choices"`
	Priorities []string           `json:"priorities"`
	Consent    *bool              `json:"consent"`
	Ratings    map[renew.Goal]int `json:"ratings"`
	Comment    string             `json:"comment"`
}

// parseBallot decodes a resident's body: the kind, the canonical code and the (not yet
// validated) ballot. Errors are renew.ErrInvalid (or 413 for a body past the limit).
func parseBallot(c echo.Context) (residents.Kind, string, residents.Ballot, error) {
	var req ballotRequest
	if err := bindJSONWithin(c, &req, publicBody); err != nil {
		return "", "", residents.Ballot{}, err
	}
	kind, err := surveyKind(string(req.Kind))
	if err != nil {
		return "", "", residents.Ballot{}, err
	}
	code, ok := residents.NormalizeCode(req.Code)
	if !ok {
		return "", "", residents.Ballot{}, renew.Invalid("登记码应为10位字母或数字，如 7KQ2M-XD9PA，请核对入户通知单 (a code has 10 letters or digits)")
	}
	b := residents.Ballot{Choices: req.Choices, Priorities: req.Priorities, Consent: req.Consent,
		Ratings: req.Ratings, Comment: req.Comment}
	return kind, code, b, nil
}

// checkCode finds the survey and ballot of a household code, within the rate limit: every entry
// is counted against its address before the lookup (atomically), a right code is taken back, a
// wrong one stays and is refused with 403; past the limit an entry is refused with 429 before
// the code is even looked at. A code of a closed or expired
// survey is refused with 409 (it is a real code: not counted as a guess).
func (r *residentsAPI) checkCode(c echo.Context, kind residents.Kind, code string) (residents.Survey, int64, *residents.Ballot, error) {
	ctx := c.Request().Context()
	community, err := communityCode(c)
	if err != nil {
		return residents.Survey{}, 0, nil, err
	}
	communityID, err := r.store.CommunityID(ctx, community)
	if err != nil {
		return residents.Survey{}, 0, nil, err
	}
	now, addr := r.now(), address(c)
	since := now.Add(-r.limits.AddressWindow)
	attempt, byAddr, err := r.store.ReserveCodeCheck(ctx, addr, communityID, since, since, r.limits.PerAddress)
	if err != nil {
		return residents.Survey{}, 0, nil, err
	}
	if attempt == 0 {
		return residents.Survey{}, 0, nil, r.limits.Check(byAddr)
	}
	sv, codeID, prev, err := r.store.FindCode(ctx, communityID, kind, residents.HashCode(code))
	if errors.Is(err, renew.ErrNotFound) {
		return residents.Survey{}, 0, nil, residents.WrongCode(r.limits.PerAddress - byAddr - 1)
	}
	if err != nil {
		return residents.Survey{}, 0, nil, err
	}
	if err := r.store.ForgetCodeCheck(ctx, attempt); err != nil {
		return residents.Survey{}, 0, nil, err
	}
	if err := sv.Accepting(now); err != nil {
		return residents.Survey{}, 0, nil, err
	}
	return sv, codeID, prev, nil
}

// enterCode checks a household code and answers the survey's form with the household's
// previous ballot (null before the first), so a resident can change it.
func (r *residentsAPI) enterCode(c echo.Context) error {
	kind, code, _, err := parseBallot(c)
	if err != nil {
		return err
	}
	sv, _, prev, err := r.checkCode(c, kind, code)
	if err != nil {
		return err
	}
	info, err := r.publicInfo(c.Request().Context(), sv)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"survey": info, "ballot": prev})
}

// ballot stores or replaces a household's ballot.
func (r *residentsAPI) ballot(c echo.Context) error {
	kind, code, b, err := parseBallot(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	menu, err := r.store.Menu(ctx)
	if err != nil {
		return err
	}
	byCode := make(map[string]renew.MenuItem, len(menu))
	for _, m := range menu {
		byCode[m.Code] = m
	}
	sv, codeID, prev, err := r.checkCode(c, kind, code)
	if err != nil {
		return err
	}
	if err := residents.Validate(kind, &b, byCode, sv.MaxPriorities); err != nil {
		return err
	}
	if err := r.store.SaveBallot(ctx, codeID, b, r.now()); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"saved": true, "changed": prev != nil, "ballot": b})
}

// ---- planners: surveys, codes, results ----

func (r *residentsAPI) surveys(c echo.Context) error {
	plan, err := intParam(c, "plan", 0, 1, 1<<31-1)
	if err != nil {
		return err
	}
	ss, err := r.store.Surveys(c.Request().Context(), plan)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"surveys": ss})
}

func (r *residentsAPI) survey(c echo.Context) error {
	id, err := pathID(c, "id", "调查")
	if err != nil {
		return err
	}
	sv, err := r.store.Survey(c.Request().Context(), int(id))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sv)
}

type openRequest struct {
	PlanID        int            `json:"plan_id"`
	Kind          residents.Kind `json:"kind"`
	ClosesOn      *renew.Date    `json:"closes_on"`
	MaxPriorities *int           `json:"max_priorities"`
}

func (r *residentsAPI) open(c echo.Context) error {
	var req openRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.PlanID < 1 || req.PlanID > maxID {
		return renew.Invalid("plan_id: 请选择改造方案 (a plan id)")
	}
	if !req.Kind.Valid() {
		return renew.Invalid("kind: menu 或 satisfaction (kind: menu or satisfaction)")
	}
	maxP := 5
	if req.MaxPriorities != nil {
		if maxP = *req.MaxPriorities; maxP < 1 || maxP > 10 {
			return renew.Invalid("max_priorities: 优先项数应为1至10 (1 to 10)")
		}
	}
	var closesAt *time.Time
	if req.ClosesOn != nil {
		// The survey takes ballots to the end of that day, Beijing time.
		d := req.ClosesOn.Time()
		t := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, china)
		if !t.After(r.now()) {
			return renew.Invalid("closes_on: 截止日期不能早于今天 (the closing day has passed)")
		}
		closesAt = &t
	}
	sv, err := r.store.OpenSurvey(c.Request().Context(), req.PlanID, req.Kind, closesAt, maxP, auditBy(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sv)
}

type issueRequest struct {
	Count *int `json:"count"`
}

// issue makes new household codes and answers them once: only their hashes are stored. Without
// a count it issues one per household not yet given a code.
func (r *residentsAPI) issue(c echo.Context) error {
	id, err := pathID(c, "id", "调查")
	if err != nil {
		return err
	}
	var req issueRequest
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	sv, err := r.store.Survey(ctx, int(id))
	if err != nil {
		return err
	}
	n := sv.Households - sv.CodesIssued
	if req.Count != nil {
		n = *req.Count
	} else if n <= 0 {
		return renew.Conflict("已为全部 %d 户发放登记码；补发请填写数量 (every household has a code; give a count to issue more)", sv.Households)
	}
	if n < 1 || n > maxIssue {
		return renew.Invalid("count: 一次发放1至%d个登记码 (1 to %d codes at a time)", maxIssue, maxIssue)
	}
	codes := make([]string, 0, n)
	hashes := make([][]byte, 0, n)
	seen := make(map[string]bool, n)
	for len(codes) < n {
		code := residents.NewCode()
		canon, _ := residents.NormalizeCode(code)
		if seen[canon] {
			continue
		}
		seen[canon] = true
		codes = append(codes, code)
		hashes = append(hashes, residents.HashCode(canon))
	}
	sv, err = r.store.IssueCodes(ctx, int(id), hashes, max(2*sv.Households, minTotalCodes), auditBy(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]any{"survey": sv, "codes": codes,
		"path": surveyPath(sv), "note": "登记码只显示这一次，请立即打印 (the codes are shown once: print them now)"})
}

// surveyPath is the page a survey's residents open.
func surveyPath(sv residents.Survey) string {
	page := "/survey/"
	if sv.Kind == residents.KindSatisfaction {
		page = "/rate/"
	}
	return page + url.PathEscape(sv.CommunityCode)
}

func (r *residentsAPI) close(c echo.Context) error {
	id, err := pathID(c, "id", "调查")
	if err != nil {
		return err
	}
	sv, applied, err := r.store.CloseSurvey(c.Request().Context(), int(id), auditBy(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"survey": sv, "consent_applied": applied})
}

// surveyResults is what a planner sees of a survey: the tallies, and the comments (as text,
// in no particular order; never shown on a public page).
type surveyResults struct {
	Survey        residents.Survey             `json:"survey"`
	Path          string                       `json:"path"`
	Menu          *residents.MenuResults       `json:"menu,omitempty"`
	Goals         []residents.GoalResult       `json:"goals,omitempty"`
	Mean          *float64                     `json:"mean,omitempty"`
	Participation float64                      `json:"participation"`
	Comments      []string                     `json:"comments"`
	Labels        map[string]map[string]string `json:"labels"`
}

func (r *residentsAPI) results(c echo.Context) error {
	id, err := pathID(c, "id", "调查")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	sv, err := r.store.Survey(ctx, int(id))
	if err != nil {
		return err
	}
	ballots, err := r.store.SurveyBallots(ctx, int(id))
	if err != nil {
		return err
	}
	labels, err := r.store.Labels(ctx)
	if err != nil {
		return err
	}
	out := surveyResults{Survey: sv, Path: surveyPath(sv), Comments: []string{},
		Labels: map[string]map[string]string{"menu_part": labels["menu_part"], "menu_class": labels["menu_class"]}}
	for _, b := range ballots {
		if b.Comment != "" {
			out.Comments = append(out.Comments, b.Comment)
		}
	}
	if sv.Kind == residents.KindMenu {
		menu, err := r.store.Menu(ctx)
		if err != nil {
			return err
		}
		codes, err := r.store.PlanMenuCodes(ctx, sv.PlanID)
		if err != nil {
			return err
		}
		inPlan := map[string]bool{}
		for _, code := range codes {
			inPlan[code] = true
		}
		m := residents.TallyMenu(menu, ballots, sv.CodesIssued, sv.Households, sv.MaxPriorities, inPlan)
		out.Menu, out.Participation = &m, m.Participation
	} else {
		out.Goals = residents.TallySatisfaction(ballots)
		mean := residents.OverallMean(out.Goals)
		out.Mean = &mean
		if sv.CodesIssued > 0 {
			out.Participation = float64(len(ballots)) / float64(sv.CodesIssued)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// satisfaction is the residents' rating of the six goals for the dashboard: each community's
// latest satisfaction survey, and the district's pooled result (every ballot weighs alike).
func (r *residentsAPI) satisfaction(c echo.Context) error {
	ss, bs, err := r.store.SatisfactionBallots(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]residents.CommunitySatisfaction, len(ss))
	sets := make([][]residents.GoalResult, len(ss))
	ballots, codes := 0, 0
	for i, sv := range ss {
		goals := residents.TallySatisfaction(bs[i])
		sets[i] = goals
		cs := residents.CommunitySatisfaction{CommunityCode: sv.CommunityCode, CommunityName: sv.CommunityName,
			PlanID: sv.PlanID, SurveyID: sv.ID, Status: sv.Status, CodesIssued: sv.CodesIssued, Ballots: len(bs[i]),
			Mean: residents.OverallMean(goals), Goals: goals}
		if sv.CodesIssued > 0 {
			cs.Participation = float64(len(bs[i])) / float64(sv.CodesIssued)
		}
		out[i] = cs
		ballots += len(bs[i])
		codes += sv.CodesIssued
	}
	district := residents.MergeGoals(sets...)
	d := map[string]any{"communities": len(ss), "ballots": ballots, "codes_issued": codes,
		"mean": residents.OverallMean(district), "goals": district}
	return c.JSON(http.StatusOK, map[string]any{"communities": out, "district": d})
}
