package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// planOf decodes a plan view.
type planBody struct {
	Plan struct {
		ID    int         `json:"id"`
		Stage renew.Stage `json:"stage"`
		Items []struct {
			ID       int     `json:"id"`
			MenuCode string  `json:"menu_code"`
			Cost     float64 `json:"cost"`
			Status   string  `json:"status"`
		} `json:"items"`
	} `json:"plan"`
	Version     string  `json:"version"`
	Cost        float64 `json:"cost"`
	Gap         float64 `json:"gap"`
	MayEdit     bool    `json:"may_edit"`
	Transitions []struct {
		To      renew.Stage `json:"to"`
		Allowed bool        `json:"allowed"`
		Reasons []string    `json:"reasons"`
	} `json:"transitions"`
	Goals []struct {
		Goal  string `json:"goal"`
		State string `json:"state"`
	} `json:"goals"`
}

func decodePlan[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
	return v
}

func (f *fixture) planID(t *testing.T) int {
	t.Helper()
	rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/plans", "")
	var body struct {
		Plans []struct {
			ID int `json:"id"`
		} `json:"plans"`
	}
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 200 || len(body.Plans) != 1 {
		t.Fatalf("plans: %d %s", rec.Code, rec.Body.String())
	}
	return body.Plans[0].ID
}

func TestProgrammeRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.planID(t)
	everyone := map[renew.Role]int{"": 401, "viewer": 200, "planner": 200, "designer": 200, "leader": 200, "admin": 200}
	office := map[renew.Role]int{"": 401, "viewer": 403, "planner": 200, "designer": 403, "leader": 200, "admin": 200}
	for _, r := range []struct {
		path string
		want map[renew.Role]int
	}{
		{"/api/v1/plans", everyone},
		{fmt.Sprintf("/api/v1/plans/%d", id), everyone},
		{"/api/v1/progress", everyone},
		{"/api/v1/menu", everyone},
		{"/api/v1/departments", everyone},
		{"/api/v1/programme/settings", everyone},
		{"/api/v1/plans.csv", office},
	} {
		for role, want := range r.want {
			if rec := f.as(t, role, http.MethodGet, r.path, ""); rec.Code != want {
				t.Errorf("%s as %q: %d, want %d", r.path, role, rec.Code, want)
			}
		}
	}
	// Only planners and admins change plans.
	patch := fmt.Sprintf("/api/v1/plans/%d", id)
	for role, want := range map[renew.Role]int{"": 401, "viewer": 403, "designer": 403, "leader": 403, "planner": 200, "admin": 200} {
		etag := f.as(t, renew.RoleAdmin, http.MethodGet, patch, "").Header().Get("ETag")
		if rec := f.as(t, role, http.MethodPatch, patch, `{"planned_end":"2022-07-31"}`, "If-Match", etag); rec.Code != want {
			t.Errorf("PATCH as %q: %d, want %d (%s)", role, rec.Code, want, rec.Body.String())
		}
	}
	if rec := f.as(t, renew.RoleViewer, http.MethodPost, patch+"/stage", `{"to":"accepted"}`); rec.Code != 403 {
		t.Errorf("viewer stage move: %d", rec.Code)
	}
	// A write without the CSRF token is refused even for a planner.
	s := f.sessions[renew.RolePlanner]
	rec := f.do(t, "", http.MethodPatch, patch, `{"planned_end":"2022-07-31"}`, "Cookie", s.cookie.Name+"="+s.cookie.Value)
	if rec.Code != 403 {
		t.Errorf("PATCH without CSRF: %d", rec.Code)
	}
	// The pages: every logged-in role; visitors go to the login page.
	for _, page := range []string{"/dashboard", "/plan"} {
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, page, "", "Accept", "text/html"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "<!doctype html>") {
			t.Errorf("%s as viewer: %d", page, rec.Code)
		}
		if rec := f.as(t, "", http.MethodGet, page, "", "Accept", "text/html"); rec.Code != http.StatusSeeOther {
			t.Errorf("%s without login: %d", page, rec.Code)
		}
	}
}

// A planner takes the fixture's plan back to review, changes its content and money, and moves it
// forward to handover, meeting every refusal on the way; every change is audited.
func TestPlanWorkflow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.planID(t)
	base := fmt.Sprintf("/api/v1/plans/%d", id)
	// Every write names the version it was made from, as the plan page does (If-Match).
	var etag string
	do := func(method, path, body string, want int, header ...string) planBody {
		t.Helper()
		if method != http.MethodGet && len(header) == 0 {
			header = []string{"If-Match", etag}
		}
		rec := f.as(t, renew.RolePlanner, method, path, body, header...)
		if rec.Code != want {
			t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, rec.Code, rec.Body.String(), want)
		}
		if want >= 400 {
			return planBody{}
		}
		etag = rec.Header().Get("ETag")
		return decodePlan[planBody](t, rec)
	}
	refused := func(method, path, body string, want int, says string) {
		t.Helper()
		rec := f.as(t, renew.RolePlanner, method, path, body, "If-Match", etag)
		var e struct{ Error, Code string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != want || !strings.Contains(e.Error, says) {
			t.Errorf("%s %s %s: %d %q, want %d saying %q", method, path, body, rec.Code, e.Error, want, says)
		}
	}
	v := do(http.MethodGet, base, "", 200)
	if v.Plan.Stage != renew.StageConstruction || !v.MayEdit || len(v.Transitions) != 2 || v.Transitions[0].Allowed {
		t.Fatalf("start: %+v", v)
	}
	// Items cannot be added during construction; the plan goes back to review, with reasons.
	refused(http.MethodPost, base+"/items", `{"menu_code":"I07","quantity":120}`, 409, "请先退回“方案审核”阶段")
	refused(http.MethodPost, base+"/stage", `{"to":"approved"}`, 400, "须填写原因")
	refused(http.MethodPost, base+"/stage", `{"to":"planning","reason":"x"}`, 409, "只能推进到“竣工验收”或退回“公示确认”")
	do(http.MethodPost, base+"/stage", `{"to":"approved","reason":"施工方案调整"}`, 200)
	v = do(http.MethodPost, base+"/stage", `{"to":"review","reason":"增加排水改造"}`, 200)
	if v.Plan.Stage != renew.StageReview {
		t.Fatalf("stage %s", v.Plan.Stage)
	}
	v = do(http.MethodPost, base+"/items", `{"menu_code":"I07","quantity":120,"department":"housing"}`, 200)
	v = do(http.MethodPost, base+"/items", `{"menu_code":"M01","quantity":1,"unit_cost":18000.5,"department":"subdistrict"}`, 200)
	if len(v.Plan.Items) != 2 || v.Cost != 120*650+18000.5 || v.Gap != v.Cost {
		t.Fatalf("items: %+v cost %v gap %v", v.Plan.Items, v.Cost, v.Gap)
	}
	refused(http.MethodPost, base+"/items", `{"menu_code":"I07","quantity":1}`, 409, "已有")
	refused(http.MethodPost, base+"/items", `{"menu_code":"I07","quantity":1.234}`, 400, "请求内容格式不正确：数值格式不正确，最多两位小数：\"1.234\"")
	refused(http.MethodPost, base+"/items", `{"menu_code":"I99","quantity":1}`, 400, "改造菜单中没有")
	refused(http.MethodPost, base+"/items", `{"menu_code":"I17","quantity":1,"colour":"red"}`, 400, "unknown field")
	drain := v.Plan.Items[0].ID
	v = do(http.MethodPatch, fmt.Sprintf("%s/items/%d", base, drain), `{"quantity":100}`, 200)
	if v.Cost != 100*650+18000.5 {
		t.Errorf("cost after quantity change: %v", v.Cost)
	}
	refused(http.MethodPatch, fmt.Sprintf("%s/items/%d", base, drain), `{"status":"done"}`, 409, "尚未进入“组织实施”")
	// Approval needs full funding.
	refused(http.MethodPost, base+"/stage", `{"to":"approved"}`, 409, "资金未落实：预算83,000.5元，已落实0元，缺口83,000.5元")
	do(http.MethodPut, base+"/funding", `{"funding":[{"source":"central","amount":60000},{"source":"residents","amount":23000.5}]}`, 200)
	refused(http.MethodPut, base+"/funding", `{"funding":[{"source":"lottery","amount":1}]}`, 400, "未知的资金来源")
	// Optimistic concurrency: a stale version is refused with 412.
	stale := v.Version
	if rec := f.as(t, renew.RolePlanner, http.MethodPatch, base, `{"consent_rate":0.9}`, "If-Match", stale); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d %s", rec.Code, rec.Body.String())
	}
	// A write that names no version would overwrite blindly: 428, nothing written.
	for _, h := range [][]string{nil, {"If-Match", "*"}} {
		if rec := f.as(t, renew.RolePlanner, http.MethodPatch, base, `{"consent_rate":0.5}`, h...); rec.Code != http.StatusPreconditionRequired {
			t.Errorf("If-Match %v: %d %s, want 428", h, rec.Code, rec.Body.String())
		}
	}
	v = do(http.MethodGet, base, "", 200)
	v = do(http.MethodPatch, base, `{"consent_rate":0.9}`, 200, "If-Match", v.Version)
	v = do(http.MethodPost, base+"/stage", `{"to":"approved"}`, 200)
	refused(http.MethodPut, base+"/funding", `{"funding":[]}`, 409, "不能再修改资金筹集方案")
	// Construction starts on a day; the start may not lie in the future.
	refused(http.MethodPost, base+"/stage", `{"to":"construction"}`, 409, "尚未填写实际开工日期")
	refused(http.MethodPost, base+"/stage", `{"to":"construction","date":"2999-01-01"}`, 409, "晚于今天")
	do(http.MethodPost, base+"/stage", `{"to":"construction","date":"2021-06-15"}`, 200)
	refused(http.MethodPost, base+"/stage", `{"to":"accepted","date":"2021-11-01"}`, 409, "尚有2项改造内容未完成")
	for _, it := range v.Plan.Items {
		v = do(http.MethodPatch, fmt.Sprintf("%s/items/%d", base, it.ID), `{"status":"done"}`, 200)
	}
	v = do(http.MethodPost, base+"/stage", `{"to":"accepted","date":"2021-11-01"}`, 200)
	if v.Goals[0].State != "met" || v.Goals[5].State != "in_progress" {
		t.Errorf("goals after acceptance: %+v", v.Goals)
	}
	refused(http.MethodPost, base+"/stage", `{"to":"handed_over"}`, 409, "移交后的管理方式")
	do(http.MethodPatch, base, `{"management_after":"self"}`, 200)
	v = do(http.MethodPost, base+"/stage", `{"to":"handed_over"}`, 200)
	if v.Plan.Stage != renew.StageHandedOver || v.Goals[5].State != "met" || len(v.Transitions) != 1 {
		t.Errorf("handed over: %+v", v)
	}
	// Every change is in the audit log with before and after.
	rec := f.as(t, renew.RoleAdmin, http.MethodGet, "/api/v1/audit?limit=1000", "")
	var audit struct {
		Entries []renew.AuditEntry `json:"entries"`
	}
	json.Unmarshal(rec.Body.Bytes(), &audit)
	count := map[string]int{}
	for _, e := range audit.Entries {
		if e.Actor == "planner" && e.Table != "" {
			count[e.Table+"/"+e.Action]++
		}
	}
	want := map[string]int{"plans/stage": 6, "plans/update": 2, "plan_items/create": 2, "plan_items/update": 3, "plan_funding/create": 2}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", k, count[k], n, count)
		}
	}
}

func TestProgressAndCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/progress?batch_year=2021&as_of=2021-11-30", "")
	if rec.Code != 200 {
		t.Fatalf("progress: %d %s", rec.Code, rec.Body.String())
	}
	var pr struct {
		AsOf       string `json:"as_of"`
		AsOfSource string `json:"as_of_source"`
		Totals     struct {
			Communities, Buildings, Households int
		} `json:"totals"`
		Targets []struct {
			Communities int `json:"communities"`
		} `json:"targets"`
		MaySetAsOf bool `json:"may_set_as_of"`
	}
	json.Unmarshal(rec.Body.Bytes(), &pr)
	if pr.AsOf != "2021-11-30" || pr.AsOfSource != "query" || pr.Totals.Communities != 1 || len(pr.Targets) != 1 ||
		pr.Targets[0].Communities != 24 || pr.MaySetAsOf {
		t.Errorf("progress: %s", rec.Body.String())
	}
	for _, bad := range []string{"?as_of=2021-13-01", "?as_of=yesterday", "?batch_year=21", "?as_of=1900-01-01"} {
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/progress"+bad, ""); rec.Code != 400 {
			t.Errorf("progress%s: %d", bad, rec.Code)
		}
	}
	for _, bad := range []string{"?stage=finished", "?subdistrict=%27%3B", "?batch_year=abc"} {
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/plans"+bad, ""); rec.Code != 400 {
			t.Errorf("plans%s: %d", bad, rec.Code)
		}
	}
	// The as-of setting: leaders and admins set the date, only admins the consent threshold.
	if rec := f.as(t, renew.RolePlanner, http.MethodPatch, "/api/v1/programme/settings", `{"as_of":"2021-11-30"}`); rec.Code != 403 {
		t.Errorf("planner sets as_of: %d", rec.Code)
	}
	if rec := f.as(t, renew.RoleLeader, http.MethodPatch, "/api/v1/programme/settings", `{"consent_threshold":"0.5"}`); rec.Code != 403 {
		t.Errorf("leader sets threshold: %d", rec.Code)
	}
	if rec := f.as(t, renew.RoleLeader, http.MethodPatch, "/api/v1/programme/settings", `{"as_of":"2021-11-30"}`); rec.Code != 200 {
		t.Errorf("leader sets as_of: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodPatch, "/api/v1/programme/settings", `{"consent_threshold":"3/4"}`); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"consent_threshold_text":"3/4"`) {
		t.Errorf("admin sets threshold: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodPatch, "/api/v1/programme/settings", `{"consent_threshold":"7/4"}`); rec.Code != 400 {
		t.Errorf("threshold above 1: %d", rec.Code)
	}
	rec = f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/progress", "")
	if !strings.Contains(rec.Body.String(), `"as_of":"2021-11-30","batch_year":null`) || !strings.Contains(rec.Body.String(), `"as_of_source":"setting"`) {
		t.Errorf("progress at the stored as-of: %.300s", rec.Body.String())
	}

	rec = f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/plans.csv", "")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(body, "\uFEFF方案编号,小区,") || !strings.Contains(body, "PL-C1,机械厂家属楼,C1,仁兴街道,组织实施,实施一批,2021,") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv; charset=utf-8") ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Errorf("csv: %d %v %q", rec.Code, rec.Header(), body)
	}
	if n := strings.Count(body, "\r\n"); n != 2 {
		t.Errorf("csv has %d lines, want a header and one plan", n)
	}

	// The same table as Excel: the sheet holds the CSV's rows, numbers as numbers.
	rec = f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/plans.xlsx", "")
	rows := xlsxRows(t, rec, "改造方案")
	if len(rows) != 2 || rows[0][0] != "方案编号" || rows[1][0] != "PL-C1" || rows[1][1] != "机械厂家属楼" || rows[1][6] != "2021" {
		t.Errorf("xlsx rows %q", rows)
	}
	if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/plans.xlsx", ""); rec.Code != http.StatusForbidden {
		t.Errorf("a viewer downloads plans.xlsx: %d", rec.Code)
	}
}

// Creating a plan for a community: only an old one without a plan.
func TestCreatePlanHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var c1, c2 int
	f.db.Pool.QueryRow(t.Context(), "SELECT (SELECT id FROM communities WHERE code = 'C1'), (SELECT id FROM communities WHERE code = 'C2')").Scan(&c1, &c2)
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/communities/%d/plan", c2), ""); rec.Code != 409 || !strings.Contains(rec.Body.String(), "不是老旧小区") {
		t.Errorf("new community: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/communities/%d/plan", c1), ""); rec.Code != 409 || !strings.Contains(rec.Body.String(), "已有改造方案") {
		t.Errorf("planned community: %d %s", rec.Code, rec.Body.String())
	}
	f.db.Pool.Exec(t.Context(), "DELETE FROM plans")
	rec := f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/communities/%d/plan", c1), "")
	if rec.Code != 201 || !strings.HasPrefix(rec.Header().Get("Location"), "/api/v1/plans/") {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	v := decodePlan[planBody](t, rec)
	if v.Plan.Stage != renew.StageSurvey || len(v.Transitions) != 1 || !v.Transitions[0].Allowed {
		t.Errorf("new plan: %+v", v)
	}
	for _, bad := range []string{"/api/v1/communities/0/plan", "/api/v1/communities/abc/plan"} {
		if rec := f.as(t, renew.RolePlanner, http.MethodPost, bad, ""); rec.Code != 400 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/communities/99999/plan", ""); rec.Code != 404 {
		t.Errorf("missing community: %d", rec.Code)
	}
}
