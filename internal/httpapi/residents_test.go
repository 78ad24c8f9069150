package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"renewmap/internal/renew"
)

// resident posts as a resident's phone would: no session, the page's own Origin.
func (f *fixture) resident(t *testing.T, remote, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return f.do(t, remote, http.MethodPost, path, body, "Origin", "http://example.com")
}

func resDecode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
	return v
}

func resWant(t *testing.T, rec *httptest.ResponseRecorder, status int, text string) {
	t.Helper()
	if rec.Code != status || !strings.Contains(rec.Body.String(), text) {
		t.Fatalf("got %d %s, want %d with %q", rec.Code, rec.Body.String(), status, text)
	}
}

type resIssued struct {
	Survey struct {
		ID          int `json:"id"`
		CodesIssued int `json:"codes_issued"`
	} `json:"survey"`
	Codes []string `json:"codes"`
	Path  string   `json:"path"`
}

// planningC2 gives the fixture's C2 (144 households, no plan) a plan in 制定方案 holding I07.
func resPlanningC2(t *testing.T, f *fixture) int {
	t.Helper()
	var id int
	err := f.db.Pool.QueryRow(context.Background(), `
		WITH p AS (
		  INSERT INTO plans (code, community_id, stage, batch, batch_year)
		  SELECT 'PL-C2', id, 'planning', 'prepare', 2022 FROM communities WHERE code = 'C2' RETURNING id)
		INSERT INTO plan_items (plan_id, menu_code, quantity, unit_cost, department_code)
		SELECT id, 'I07', 100, 650, 'housing' FROM p RETURNING plan_id`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// openMenuSurvey opens a menu survey of C2 as the planner and issues n codes.
func resOpenMenuSurvey(t *testing.T, f *fixture, n int) resIssued {
	t.Helper()
	plan := resPlanningC2(t, f)
	rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/surveys", fmt.Sprintf(`{"plan_id":%d,"kind":"menu","max_priorities":3}`, plan))
	resWant(t, rec, http.StatusCreated, `"households":144`)
	var sv struct{ ID int }
	json.Unmarshal(rec.Body.Bytes(), &sv)
	rec = f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/surveys/%d/codes", sv.ID), fmt.Sprintf(`{"count":%d}`, n))
	resWant(t, rec, http.StatusCreated, `"codes"`)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("codes answered with Cache-Control %q, want no-store", cc)
	}
	is := resDecode[resIssued](t, rec)
	if len(is.Codes) != n || is.Survey.CodesIssued != n || is.Path != "/survey/C2" {
		t.Fatalf("resIssued %+v", is)
	}
	return is
}

// A household code votes once and may change its vote until the survey closes; the results are
// exact; consent goes to the plan when the survey closes; afterwards the code is refused.
func TestMenuSurvey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	is := resOpenMenuSurvey(t, f, 10)
	id := is.Survey.ID

	// The form is public; it lists the menu by part with class badges, and no counts.
	rec := f.do(t, "", http.MethodGet, "/api/public/surveys/C2", "")
	resWant(t, rec, http.StatusOK, `"accepting":true`)
	if !strings.Contains(rec.Body.String(), `"class_name":"基础类"`) || strings.Contains(rec.Body.String(), "households") {
		t.Fatalf("public form %s", rec.Body.String())
	}
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/surveys/C1", ""), http.StatusNotFound, "没有进行中")

	// Without the page's Origin (and no session) a POST is refused.
	resWant(t, f.do(t, "", http.MethodPost, "/api/public/surveys/C2/code", `{"code":"`+is.Codes[0]+`"}`), http.StatusForbidden, "调查页面")
	resWant(t, f.do(t, "", http.MethodPost, "/api/public/surveys/C2/code", `{"code":"`+is.Codes[0]+`"}`, "Origin", "http://evil.example"), http.StatusForbidden, "刷新页面")

	// First entry: no previous ballot. Codes are accepted in lower case and with spaces.
	typed := strings.ToLower(strings.ReplaceAll(is.Codes[0], "-", " "))
	rec = f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"`+typed+`"}`)
	resWant(t, rec, http.StatusOK, `"ballot":null`)

	ballot := func(i int, rest string) *httptest.ResponseRecorder {
		return f.resident(t, "", "/api/public/surveys/C2/ballot", `{"kind":"menu","code":"`+is.Codes[i]+`",`+rest+`}`)
	}
	// Hand-made ballots: 6 of the 10 codes answer, 5 agree.
	//   I07 chosen by 5 (points 3+3+2+3+0 = 11), I17 by 4, H01 by 1; E05 by none.
	for i, b := range []string{
		`"choices":["I07","I17"],"priorities":["I07","I17"],"consent":true`,
		`"choices":["I07","I17"],"priorities":["I07"],"consent":true`,
		`"choices":["I17","I07"],"priorities":["I17","I07"],"consent":true`,
		`"choices":["I07"],"priorities":["I07"],"consent":false`,
		`"choices":["I07","I17","H01"],"priorities":[],"consent":true`,
		`"choices":[],"consent":true,"comment":"<img src=x onerror=alert(1)>楼道灯坏了 & 漏水"`,
	} {
		resWant(t, ballot(i, b), http.StatusOK, `"saved":true`)
	}
	// Invalid ballots are refused with a message; they change nothing.
	resWant(t, ballot(0, `"choices":["X99"],"consent":true`), http.StatusBadRequest, "菜单中没有")
	resWant(t, ballot(0, `"choices":["I07","I17","H01","E05"],"priorities":["I07","I17","H01","E05"],"consent":true`), http.StatusBadRequest, "最多排序 3 项")
	resWant(t, ballot(0, `"choices":["I07"]`), http.StatusBadRequest, "是否同意")
	resWant(t, ballot(0, `"consent":true,"comment":"`+strings.Repeat("长", 501)+`"`), http.StatusBadRequest, "最多 500 字")

	// Household 3 changes its mind: now agrees. Re-entering the code shows the previous ballot.
	rec = f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"`+is.Codes[3]+`"}`)
	resWant(t, rec, http.StatusOK, `"consent":false`)
	resWant(t, ballot(3, `"choices":["I07"],"priorities":["I07"],"consent":true`), http.StatusOK, `"changed":true`)

	// The comment is stored verbatim and answered JSON-escaped (no raw markup in the body).
	rec = f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"`+is.Codes[5]+`"}`)
	if strings.Contains(rec.Body.String(), "<img") || !strings.Contains(rec.Body.String(), `\u003cimg src=x onerror=alert(1)\u003e楼道灯坏了 \u0026 漏水`) {
		t.Fatalf("comment not JSON-escaped: %s", rec.Body.String())
	}
	var stored string
	f.db.Pool.QueryRow(context.Background(), "SELECT comment FROM ballots WHERE comment <> ''").Scan(&stored)
	if stored != "<img src=x onerror=alert(1)>楼道灯坏了 & 漏水" {
		t.Fatalf("stored comment %q", stored)
	}

	// Results: only planners and admins; exact shares, ranked, next to the plan's items.
	resWant(t, f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/surveys/%d/results", id), ""), http.StatusForbidden, "")
	resWant(t, f.as(t, "", http.MethodGet, fmt.Sprintf("/api/v1/surveys/%d/results", id), ""), http.StatusUnauthorized, "")
	rec = f.as(t, renew.RolePlanner, http.MethodGet, fmt.Sprintf("/api/v1/surveys/%d/results", id), "")
	resWant(t, rec, http.StatusOK, `"comments":["\u003cimg`)
	res := resDecode[struct {
		Menu struct {
			CodesIssued   int     `json:"codes_issued"`
			Ballots       int     `json:"ballots"`
			ConsentYes    int     `json:"consent_yes"`
			ConsentBase   int     `json:"consent_base"`
			Participation float64 `json:"participation"`
			Consent       float64 `json:"consent"`
			Items         []struct {
				Rank              int
				Code              string
				Chosen            int
				ShareOfHouseholds float64 `json:"share_of_households"`
				ShareOfBallots    float64 `json:"share_of_ballots"`
				PriorityPoints    int     `json:"priority_points"`
				InPlan            bool    `json:"in_plan"`
			}
		}
	}](t, rec)
	m := res.Menu
	if m.Ballots != 6 || m.Participation != 0.6 || m.ConsentYes != 6 || m.ConsentBase != 144 || m.Consent != 6.0/144 {
		t.Fatalf("menu results %+v", m)
	}
	top := m.Items[:3]
	if top[0].Code != "I07" || top[0].Chosen != 5 || top[0].ShareOfHouseholds != 0.5 || top[0].ShareOfBallots != 5.0/6 || top[0].PriorityPoints != 11 || !top[0].InPlan ||
		top[1].Code != "I17" || top[1].Chosen != 4 || top[1].ShareOfHouseholds != 0.4 || top[1].InPlan ||
		top[2].Code != "H01" || top[2].Chosen != 1 || top[2].Rank != 3 || len(m.Items) != 42 {
		t.Fatalf("ranked items %+v", top)
	}

	// Closing: audited, consent 6/144 = 0.042 written to the plan.
	resWant(t, f.as(t, renew.RoleViewer, http.MethodPost, fmt.Sprintf("/api/v1/surveys/%d/close", id), ""), http.StatusForbidden, "")
	rec = f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/surveys/%d/close", id), "")
	resWant(t, rec, http.StatusOK, `"consent_applied":true`)
	var rate float64
	f.db.Pool.QueryRow(context.Background(), "SELECT consent_rate::float8 FROM plans WHERE code = 'PL-C2'").Scan(&rate)
	if rate != 0.042 {
		t.Fatalf("plan consent %v, want 0.042", rate)
	}
	var audited int
	f.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE actor = 'planner' AND action IN ('survey_open', 'survey_codes', 'survey_close', 'consent_from_survey')").Scan(&audited)
	if audited != 4 {
		t.Fatalf("%d audit entries, want 4", audited)
	}

	// After closing: a used code and an unused one are refused, clearly; the form says so.
	resWant(t, f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"`+is.Codes[0]+`"}`), http.StatusConflict, "调查已结束")
	resWant(t, ballot(9, `"choices":[],"consent":true`), http.StatusConflict, "调查已结束")
	rec = f.do(t, "", http.MethodGet, "/api/public/surveys/C2", "")
	resWant(t, rec, http.StatusOK, `"accepting":false`)
	// The form's message is the catalogue's Chinese, without the English gloss.
	resWant(t, rec, http.StatusOK, `"message":"本次调查已结束，登记码已失效，感谢您的参与"`)
}

// Wrong, malformed and expired codes get clear messages; a satisfaction code is not a menu code.
func TestSurveyRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	is := resOpenMenuSurvey(t, f, 2)
	resWant(t, f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"12345"}`), http.StatusBadRequest, "10位字母或数字")
	resWant(t, f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"00000-00000"}`), http.StatusForbidden, "登记码不正确")
	// A code of C2 entered on C1's page is wrong there.
	resWant(t, f.resident(t, "", "/api/public/surveys/C1/code", `{"code":"`+is.Codes[0]+`"}`), http.StatusForbidden, "登记码不正确")
	resWant(t, f.resident(t, "", "/api/public/surveys/C2/code", `{"kind":"satisfaction","code":"`+is.Codes[0]+`"}`), http.StatusForbidden, "登记码不正确")
	resWant(t, f.resident(t, "", "/api/public/surveys/NOPE/code", `{"code":"`+is.Codes[0]+`"}`), http.StatusNotFound, "没有这个小区")
	// Past the deadline.
	f.db.Pool.Exec(context.Background(), "UPDATE surveys SET opened_at = now() - interval '2 days', closes_at = now() - interval '1 day'")
	resWant(t, f.resident(t, "", "/api/public/surveys/C2/code", `{"code":"`+is.Codes[0]+`"}`), http.StatusConflict, "截止")
	// A menu survey cannot be opened for a plan under construction.
	resWant(t, f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/surveys", `{"plan_id":1,"kind":"menu"}`), http.StatusConflict, "制定方案")
}

// Guessing is rate-limited: 10 wrong codes from one address in 15 minutes; then even a right code
// from that address waits. Wrong codes from other addresses never keep a resident with a right
// code out, and 32 guesses at once from one address get exactly 10 lookups.
func TestCodeGuessingIsRateLimited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	is := resOpenMenuSurvey(t, f, 1)
	guess := func(remote, code string) *httptest.ResponseRecorder {
		return f.resident(t, remote, "/api/public/surveys/C2/code", `{"code":"`+code+`"}`)
	}
	for i := range 10 {
		rec := guess("198.51.100.1:1000", fmt.Sprintf("00000-%05d", i))
		resWant(t, rec, http.StatusForbidden, "登记码不正确")
		if i == 8 && !strings.Contains(rec.Body.String(), "再输错 1 次") {
			t.Errorf("the 9th wrong code does not warn: %s", rec.Body.String())
		}
	}
	resWant(t, guess("198.51.100.1:1000", "00000-99999"), http.StatusTooManyRequests, "15 分钟后再试")
	resWant(t, guess("198.51.100.1:1000", is.Codes[0]), http.StatusTooManyRequests, "输错次数过多")
	// Another address still gets in with the right code.
	resWant(t, guess("198.51.100.2:1000", is.Codes[0]), http.StatusOK, `"ballot":null`)
	// 50 wrong codes from five addresses (the whole limit of each) do not shut the community.
	for i := range 50 {
		guess(fmt.Sprintf("203.0.113.%d:1000", i%5+1), "11111-11111")
	}
	resWant(t, guess("198.51.100.3:1000", is.Codes[0]), http.StatusOK, `"ballot":null`)
	// 32 at once from one address: 10 are looked up (403), the rest refused before (429).
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := guess("198.51.100.9:1000", fmt.Sprintf("22222-%05d", i))
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[403] != 10 || codes[429] != 22 {
		t.Errorf("32 wrong codes at once from one address: %v, want 10×403 and 22×429", codes)
	}
	// The attempts keep an address and a community only; ballots keep neither; right codes are
	// not kept.
	var n int
	f.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM code_attempts").Scan(&n)
	if n != 70 {
		t.Fatalf("%d attempts recorded, want 70 wrong codes", n)
	}
}

// After acceptance the same mechanism rates the six goals; the dashboard reads the averages.
func TestSatisfactionSurveyHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.db.Pool.Exec(context.Background(), "UPDATE plans SET stage = 'accepted' WHERE code = 'PL-C1'")
	rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/surveys", `{"plan_id":1,"kind":"satisfaction"}`)
	resWant(t, rec, http.StatusCreated, `"households":108`)
	sv := resDecode[struct{ ID int }](t, rec)
	// Without a count: one code per household.
	rec = f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/surveys/%d/codes", sv.ID), "")
	is := resDecode[resIssued](t, rec)
	if len(is.Codes) != 108 || is.Path != "/rate/C1" {
		t.Fatalf("resIssued %d codes, path %s", len(is.Codes), is.Path)
	}
	resWant(t, f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/surveys/%d/codes", sv.ID), ""), http.StatusConflict, "全部 108 户")
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/surveys/C1?kind=satisfaction", ""), http.StatusOK, `"name":"排水通"`)
	rate := func(i int, body string) *httptest.ResponseRecorder {
		return f.resident(t, "", "/api/public/surveys/C1/ballot", `{"kind":"satisfaction","code":"`+is.Codes[i]+`",`+body+`}`)
	}
	resWant(t, rate(0, `"ratings":{"drain":5,"road":4},"comment":"路面很平"`), http.StatusOK, `"saved":true`)
	resWant(t, rate(1, `"ratings":{"drain":2,"management":1}`), http.StatusOK, `"saved":true`)
	resWant(t, rate(2, `"ratings":{"drain":6}`), http.StatusBadRequest, "1至5分")
	resWant(t, rate(2, `"ratings":{"drain":3},"consent":true`), http.StatusBadRequest, "只含")

	// The dashboard's summary: every logged-in role; no comments.
	resWant(t, f.as(t, "", http.MethodGet, "/api/v1/satisfaction", ""), http.StatusUnauthorized, "")
	rec = f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/satisfaction", "")
	resWant(t, rec, http.StatusOK, `"community_code":"C1"`)
	if strings.Contains(rec.Body.String(), "路面很平") {
		t.Fatal("the satisfaction summary shows a comment")
	}
	sum := resDecode[struct {
		Communities []struct {
			Ballots int
			Mean    float64
			Goals   []struct {
				Goal         string
				Count        int
				Mean         float64
				Distribution [5]int
			}
		}
		District struct {
			Ballots int
			Goals   []struct {
				Mean float64
			}
		}
	}](t, rec)
	c := sum.Communities[0]
	if c.Ballots != 2 || c.Goals[0].Goal != "drain" || c.Goals[0].Mean != 3.5 || c.Goals[0].Distribution != [5]int{0, 1, 0, 0, 1} ||
		c.Mean != 3 || sum.District.Ballots != 2 || sum.District.Goals[0].Mean != 3.5 {
		t.Fatalf("satisfaction %+v", sum)
	}
}

// The public notice: only plans at or past 公示确认, no login, no pipelines.
func TestPublicNoticeHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := f.do(t, "", http.MethodGet, "/api/public/notices", "")
	resWant(t, rec, http.StatusOK, `"community_code":"C1"`)
	if strings.Contains(rec.Body.String(), "C2") {
		t.Fatal("a community without a public plan is listed")
	}
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/notices/C1", ""), http.StatusOK, `"notice_period":null`)
	// A planner sets the 公示期 and the feedback channel; the notice shows them. Bad input is
	// refused in Chinese and changes nothing; a viewer may not set them.
	var planID int
	f.db.Pool.QueryRow(context.Background(), "SELECT id FROM plans WHERE code = 'PL-C1'").Scan(&planID)
	period := fmt.Sprintf("/api/v1/plans/%d/notice-period", planID)
	for body, want := range map[string]string{
		`{"opens_on":"2021-10-10","closes_on":"2021-10-01","feedback":"社区居委会"}`: "结束日期不能早于开始日期",
		`{"opens_on":"2021-10-01","closes_on":"2022-10-01","feedback":"社区居委会"}`: "最长 90 天",
		`{"opens_on":"2021-10-01","closes_on":"2021-10-08","feedback":" "}`:     "意见反馈渠道",
		`{"opens_on":"10/01/2021","closes_on":"2021-10-08","feedback":"电话"}`:    "日期格式",
	} {
		resWant(t, f.as(t, renew.RolePlanner, http.MethodPut, period, body), http.StatusBadRequest, want)
	}
	good := `{"opens_on":"2021-10-01","closes_on":"2021-10-08","feedback":"铁西区住建局 0434-1234567"}`
	resWant(t, f.as(t, renew.RoleViewer, http.MethodPut, period, good), http.StatusForbidden, "")
	resWant(t, f.as(t, renew.RolePlanner, http.MethodPut, "/api/v1/plans/999999/notice-period", good), http.StatusNotFound, "999999")
	resWant(t, f.as(t, renew.RolePlanner, http.MethodPut, period, good), http.StatusOK, `"closes_on":"2021-10-08"`)
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/notices/C1", ""), http.StatusOK,
		`"notice_period":{"opens_on":"2021-10-01","closes_on":"2021-10-08","feedback":"铁西区住建局 0434-1234567"}`)
	rec = f.do(t, "", http.MethodGet, "/api/public/notices/C1/map", "")
	resWant(t, rec, http.StatusOK, `"kind":"gate"`)
	if strings.Contains(rec.Body.String(), "排水") || strings.Contains(rec.Body.String(), "concrete") {
		t.Fatalf("the public map shows a pipeline: %s", rec.Body.String())
	}
	for _, p := range []string{"/api/public/notices/C2", "/api/public/notices/C2/map", "/api/public/notices/nope"} {
		resWant(t, f.do(t, "", http.MethodGet, p, ""), http.StatusNotFound, "暂无公示")
	}
	// A plan moved back to 方案审核 disappears from the public.
	f.db.Pool.Exec(context.Background(), "UPDATE plans SET stage = 'review' WHERE code = 'PL-C1'")
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/notices/C1", ""), http.StatusNotFound, "暂无公示")
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/notices/C1/map", ""), http.StatusNotFound, "暂无公示")
	resWant(t, f.do(t, "", http.MethodGet, "/api/public/notices", ""), http.StatusOK, `"notices":[]`)
	// The pages are public; the planner's page is not.
	for _, p := range []string{"/notices", "/notice/C1", "/survey/C2", "/rate/C1"} {
		resWant(t, f.do(t, "", http.MethodGet, p, ""), http.StatusOK, "<!doctype html>")
	}
	resWant(t, f.do(t, "", http.MethodGet, "/survey-admin", "", "Accept", "text/html"), http.StatusSeeOther, "")
	resWant(t, f.as(t, renew.RoleViewer, http.MethodGet, "/survey-admin", ""), http.StatusForbidden, "")
}
