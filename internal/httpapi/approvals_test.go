package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// An admin may require approval of imports and of outline confirmations: a planner's then wait in
// a queue (202) until an admin approves (the import runs, the outline is confirmed) or rejects
// (the import fails with the reason, nothing written); an admin's own never wait. Every step is
// audited.
func TestApprovals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := f.db.Pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/approvals", ""); rec.Code != 403 {
		t.Errorf("a planner reads the queue: %d", rec.Code)
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPut, "/api/v1/approvals/settings", `{"import":true,"outline":true}`); rec.Code != 403 {
		t.Errorf("a planner sets approvals: %d", rec.Code)
	}
	var comm int64
	if err := f.db.Pool.QueryRow(ctx, `UPDATE communities SET provisional = true WHERE id = (SELECT min(id) FROM communities) RETURNING id`).Scan(&comm); err != nil {
		t.Fatal(err)
	}
	confirm := "/api/v1/edit/communities/" + jsonInt(comm) + "/confirm"

	// Not required: a planner's confirmation is immediate.
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, confirm, ""); rec.Code != 200 {
		t.Fatalf("confirm without approval: %d %s", rec.Code, rec.Body.String())
	}
	f.db.Pool.Exec(ctx, `UPDATE communities SET provisional = true WHERE id = $1`, comm)
	if rec := f.as(t, renew.RoleAdmin, http.MethodPut, "/api/v1/approvals/settings", `{"import":true,"outline":true}`); rec.Code != 200 {
		t.Fatalf("set approvals: %d %s", rec.Code, rec.Body.String())
	}
	rec := f.as(t, renew.RolePlanner, http.MethodPost, confirm, "")
	if rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), "管理员审批") {
		t.Fatalf("a planner's confirmation when approval is required: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, confirm, ""); rec.Code != http.StatusConflict {
		t.Errorf("asking twice: %d %s", rec.Code, rec.Body.String())
	}
	if n := count(`SELECT count(*) FROM communities WHERE id = $1 AND provisional`, comm); n != 1 {
		t.Error("the outline was confirmed before the approval")
	}

	// An import asked for by a planner waits; rejected, nothing is written.
	roads := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"rid":"B1","kind":"支路"},"geometry":{"type":"LineString","coordinates":[[124.331,43.151],[124.336,43.151]]}}]}`
	upload := func() (string, string) {
		rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/imports?name=roads.geojson", roads)
		var up struct {
			Job      struct{ ID int64 }
			Proposal string
		}
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &up) != nil {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
		}
		body, _ := json.Marshal(map[string]string{"mapping": up.Proposal})
		return "/api/v1/imports/" + jsonInt(up.Job.ID), string(body)
	}
	roadsBefore := count(`SELECT count(*) FROM roads`)
	job1, body1 := upload()
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, job1+"/run", body1); rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"state":"pending"`) {
		t.Fatalf("a planner's import when approval is required: %d %s", rec.Code, rec.Body.String())
	}
	job2, body2 := upload()
	f.as(t, renew.RolePlanner, http.MethodPost, job2+"/run", body2)

	var queue struct {
		Settings struct{ Import, Outline bool }
		Requests []struct {
			ID          int64
			Kind, State string
			Name, File  string
			Layer       string
			RequestedBy string `json:"requested_by"`
		}
	}
	rec = f.as(t, renew.RoleAdmin, http.MethodGet, "/api/v1/approvals", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &queue); err != nil || !queue.Settings.Import || !queue.Settings.Outline || len(queue.Requests) != 3 {
		t.Fatalf("queue: %d %s", rec.Code, rec.Body.String())
	}
	outline, imp1, imp2 := queue.Requests[0], queue.Requests[1], queue.Requests[2]
	if outline.Kind != "outline" || outline.Name == "" || imp1.Kind != "import" || imp1.File != "roads.geojson" || imp1.Layer != "roads" ||
		imp1.RequestedBy != "planner" || imp1.State != "pending" {
		t.Errorf("queue: %+v", queue.Requests)
	}
	decide := func(id int64, how, body string) int {
		return f.as(t, renew.RoleAdmin, http.MethodPost, "/api/v1/approvals/"+jsonInt(id)+"/"+how, body).Code
	}
	if code := decide(imp1.ID, "reject", `{"reason":"坐标系不对"}`); code != 204 {
		t.Fatalf("reject: %d", code)
	}
	rec = f.as(t, renew.RolePlanner, http.MethodGet, job1, "")
	if !strings.Contains(rec.Body.String(), `"state":"failed"`) || !strings.Contains(rec.Body.String(), "坐标系不对") {
		t.Errorf("the rejected job: %s", rec.Body.String())
	}
	if n := count(`SELECT count(*) FROM roads`); n != roadsBefore {
		t.Errorf("roads %d → %d after a rejection", roadsBefore, n)
	}
	if code := decide(imp1.ID, "approve", ""); code != http.StatusConflict {
		t.Errorf("approving a rejected request: %d", code)
	}

	// Approved: the import runs, the outline is confirmed.
	if code := decide(imp2.ID, "approve", ""); code != 204 {
		t.Fatalf("approve the import: %d", code)
	}
	if code := decide(outline.ID, "approve", ""); code != 204 {
		t.Fatalf("approve the outline: %d", code)
	}
	f.db.WaitImports()
	if rec := f.as(t, renew.RolePlanner, http.MethodGet, job2, ""); !strings.Contains(rec.Body.String(), `"state":"done"`) {
		t.Errorf("the approved job: %s", rec.Body.String())
	}
	if n := count(`SELECT count(*) FROM roads`); n != roadsBefore+1 {
		t.Errorf("roads %d → %d after the approval", roadsBefore, n)
	}
	if n := count(`SELECT count(*) FROM communities WHERE id = $1 AND provisional`, comm); n != 0 {
		t.Error("the approved outline is still provisional")
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action IN ('approval.settings', 'approval.request', 'approval.approve', 'approval.reject')`); n != 1+3+2+1 {
		t.Errorf("%d approval audit rows, want 7", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'edit.confirm' AND actor = 'admin' AND row_id = $1`, jsonInt(comm)); n != 1 {
		t.Errorf("the confirmation is audited as the admin's %d times", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'import' AND actor = 'planner'`); n != 1 {
		t.Errorf("the approved import is audited as the planner's %d times", n)
	}

	// An admin's own confirmation never waits.
	f.db.Pool.Exec(ctx, `UPDATE communities SET provisional = true WHERE id = $1`, comm)
	if rec := f.as(t, renew.RoleAdmin, http.MethodPost, confirm, ""); rec.Code != 200 {
		t.Errorf("an admin's confirmation: %d %s", rec.Code, rec.Body.String())
	}
}
