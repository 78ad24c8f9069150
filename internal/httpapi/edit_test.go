package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// The edit API through HTTP: only planners and admins; a stale If-Match is a 412 with a
// Chinese message; an invalid outline a 400 in Chinese with nothing saved; history and restore;
// the form's schema carries the catalogue's Chinese titles; 街道 limits set by an admin.
func TestEditHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var gate int64
	f.db.Pool.QueryRow(context.Background(), "SELECT id FROM gates WHERE code = 'G1'").Scan(&gate)
	path := fmt.Sprintf("/api/v1/edit/gates/%d", gate)
	for role, want := range map[renew.Role]int{"": 401, "viewer": 403, "designer": 403, "leader": 403, "planner": 200, "admin": 200} {
		if rec := f.as(t, role, http.MethodGet, path, ""); rec.Code != want {
			t.Errorf("GET as %q: %d, want %d", role, rec.Code, want)
		}
	}
	rec := f.as(t, renew.RolePlanner, http.MethodGet, path, "")
	etag := rec.Header().Get("ETag")
	if etag == "" || !strings.Contains(rec.Body.String(), `"kind":"both"`) {
		t.Fatalf("GET gate: ETag %q, body %s", etag, rec.Body.String())
	}
	move := `{"geometry":{"type":"Point","coordinates":[124.3515,43.1600]}}`
	if rec := f.as(t, renew.RolePlanner, http.MethodPut, path, move, "If-Match", etag); rec.Code != 200 || rec.Header().Get("ETag") == etag {
		t.Fatalf("move the gate: %d %s", rec.Code, rec.Body.String())
	}
	rec = f.as(t, renew.RoleAdmin, http.MethodPut, path, `{"properties":{"name":"东门"}}`, "If-Match", etag)
	if rec.Code != http.StatusPreconditionFailed || !strings.Contains(rec.Body.String(), "已被他人修改") {
		t.Fatalf("stale edit: %d %s, want 412 with a Chinese message", rec.Code, rec.Body.String())
	}

	var comm int64
	f.db.Pool.QueryRow(context.Background(), "SELECT id FROM communities WHERE code = 'C1'").Scan(&comm)
	bowtie := `{"geometry":{"type":"Polygon","coordinates":[[[124.350,43.160],[124.352,43.1615],[124.352,43.160],[124.350,43.1615],[124.350,43.160]]]}}`
	rec = f.as(t, renew.RolePlanner, http.MethodPut, fmt.Sprintf("/api/v1/edit/communities/%d", comm), bowtie)
	var e struct{ Error, Code string }
	json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != 400 || !strings.Contains(e.Error, "自相交") || strings.Contains(e.Error, "SELECT") {
		t.Fatalf("self-intersecting outline: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodGet, fmt.Sprintf("/api/v1/edit/communities/%d/history", comm), ""); strings.Contains(rec.Body.String(), "edit.") {
		t.Errorf("a refused edit is in the history: %s", rec.Body.String())
	}

	rec = f.as(t, renew.RolePlanner, http.MethodGet, path+"/history", "")
	var hist struct {
		History []renew.FeatureEdit `json:"history"`
	}
	json.Unmarshal(rec.Body.Bytes(), &hist)
	if len(hist.History) != 1 || hist.History[0].Actor != "planner" {
		t.Fatalf("history: %s", rec.Body.String())
	}
	rec = f.as(t, renew.RolePlanner, http.MethodPost, path+"/restore", fmt.Sprintf(`{"entry":%d}`, hist.History[0].Entry))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "124.351,43.16") {
		t.Fatalf("restore: %d %s", rec.Code, rec.Body.String())
	}

	// The fixture's two streets make no block: no proposals, and saving them stores none.
	if rec := f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/outlines/proposals", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"FeatureCollection"`) {
		t.Errorf("proposals: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/outlines/proposals/save", ""); rec.Code != 403 {
		t.Errorf("a planner saving proposals: %d", rec.Code)
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodPost, "/api/v1/outlines/proposals/save", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"saved":[]`) {
		t.Errorf("an admin saving proposals: %d %s", rec.Code, rec.Body.String())
	}

	rec = f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/edit/schema", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"title":"层数"`) || !strings.Contains(rec.Body.String(), `"enum":"gate_kind"`) {
		t.Errorf("schema: %d %.300s", rec.Code, rec.Body.String())
	}

	if rec := f.as(t, renew.RolePlanner, http.MethodPut, "/api/v1/edit-zones/planner", `{"subdistricts":[]}`); rec.Code != 403 {
		t.Errorf("a planner setting edit zones: %d", rec.Code)
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodPut, "/api/v1/edit-zones/planner", `{"subdistricts":["nope"]}`); rec.Code != 400 {
		t.Errorf("unknown 街道: %d %s", rec.Code, rec.Body.String())
	}
	f.db.Pool.Exec(context.Background(), `INSERT INTO subdistricts (code, name, district_id, geom)
		SELECT '220302002', '站前街道', id, ST_Multi(ST_MakeEnvelope(124.370, 43.150, 124.380, 43.180, 4326)) FROM districts`)
	if rec := f.as(t, renew.RoleAdmin, http.MethodPut, "/api/v1/edit-zones/planner", `{"subdistricts":["220302002"]}`); rec.Code != 200 {
		t.Fatalf("set zones: %d %s", rec.Code, rec.Body.String())
	}
	rec = f.as(t, renew.RolePlanner, http.MethodPut, path, `{"properties":{"name":"东门"}}`)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "站前街道") {
		t.Errorf("edit outside the planner's 街道: %d %s", rec.Code, rec.Body.String())
	}
}
