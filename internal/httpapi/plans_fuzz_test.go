package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/programme"
	"renewmap/internal/renew"
)

// FuzzProgrammeBodies feeds arbitrary bytes to every programme body parser and then to the rules:
// nothing panics, and every refusal is a client error (invalid, conflict, not found), never a
// fault of the server.
func FuzzProgrammeBodies(f *testing.F) {
	for _, s := range []string{
		`{"planned_start":"2021-06-01","planned_end":null,"consent_rate":0.9,"management_after":"self"}`,
		`{"menu_code":"I07","quantity":120.5,"unit_cost":650,"department":"housing","status":"planned"}`,
		`{"funding":[{"source":"central","amount":1000.25}]}`,
		`{"to":"construction","reason":"","date":"2021-06-15"}`,
		`{"as_of":"2021-11-30","consent_threshold":"2/3"}`,
		`{"quantity":1e400}`, `{"consent_rate":"x"}`, `[]`, `null`, `{"batch_year":99999999999}`,
		`{"date":"2021-02-30"}`, `{"amount":-0.001}`, "{\"menu_code\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	cat := programme.Catalog{
		Menu:        map[string]renew.MenuItem{"I07": {Code: "I07", Name: "排水管线改造", UnitCost: 650_00, Goal: renew.GoalDrain}},
		Departments: map[string]renew.Department{"housing": {Code: "housing"}},
		Sources:     map[string]string{"central": "中央补助"},
		Managements: map[string]string{"self": "居民自治"},
		Batches:     map[string]string{"implement": "实施一批"},
	}
	rules := programme.Rules{ConsentThreshold: programme.DefaultConsentThreshold, Today: renew.DateOf(time.Now())}
	e := echo.New()
	bind := func(body []byte, v any) error {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return bindJSON(e.NewContext(req, httptest.NewRecorder()), v)
	}
	clientError := func(t *testing.T, err error) {
		if err != nil && !errors.Is(err, renew.ErrInvalid) && !errors.Is(err, renew.ErrConflict) && !errors.Is(err, renew.ErrNotFound) {
			t.Fatalf("not a client error: %v", err)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, stage := range renew.Stages {
			plan := func() *renew.Plan {
				return &renew.Plan{Stage: stage, Batch: "implement", Items: []renew.PlanItem{{ID: 1, MenuCode: "I07", Quantity: 100, UnitCost: 650_00, Cost: 650_00, Department: "housing", Status: renew.ItemPlanned}}}
			}
			var patch programme.Patch
			if err := bind(body, &patch); err == nil {
				clientError(t, programme.ApplyPatch(plan(), patch, cat, rules))
			} else {
				clientError(t, err)
			}
			var item programme.ItemChange
			if err := bind(body, &item); err == nil {
				_, err1 := programme.AddItem(plan(), item, cat)
				_, err2 := programme.UpdateItem(plan(), 1, item, cat)
				clientError(t, err1)
				clientError(t, err2)
			} else {
				clientError(t, err)
			}
			var fu fundingRequest
			if err := bind(body, &fu); err == nil {
				clientError(t, programme.SetFunding(plan(), fu.Funding, cat))
			} else {
				clientError(t, err)
			}
			var st stageRequest
			if err := bind(body, &st); err == nil {
				_, err := programme.Move(plan(), programme.StageRequest{To: st.To, Reason: st.Reason, Date: st.Date}, rules)
				clientError(t, err)
			} else {
				clientError(t, err)
			}
		}
		var set settingsRequest
		clientError(t, bind(body, &set))
	})
}
