package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// Bodies are capped by what the route needs, and by the number of JSON values, which is what
// decoding costs: a what-if just under its cap works, one byte more is 413; thousands of empty
// objects are refused before they are decoded; the residents' public bodies have a small cap.
func TestBodyCaps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var comm int64
	f.db.Pool.QueryRow(t.Context(), "SELECT min(id) FROM communities WHERE is_old").Scan(&comm)
	x, y := buildingPoint(t, f.db, comm)
	whatIf := fmt.Sprintf(`{"facilities":[{"kind":"kindergarten","lon":%f,"lat":%f,"community":%d}],"community":%d}`, x, y, comm, comm)
	pad := func(body string, size int) string { return body + strings.Repeat(" ", size-len(body)) }
	if rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/scenarios", pad(whatIf, 64<<10)); rec.Code != http.StatusOK {
		t.Errorf("what-if of 64 KB: %d %s, want 200", rec.Code, short(rec.Body.String()))
	}
	if rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/scenarios", pad(whatIf, 64<<10+1)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("what-if of 64 KB + 1: %d, want 413", rec.Code)
	}
	many := `{"facilities":[` + strings.Repeat(`{},`, 10_000) + `{}]}`
	if rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/scenarios", many); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "请求内容过多") {
		t.Errorf("what-if of 10,001 empty objects: %d %s, want 400 请求内容过多", rec.Code, short(rec.Body.String()))
	}
	plans := `{"name":"x","members":[` + strings.Repeat(`1,`, 30_000) + `1]}`
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/areas", plans); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "请求内容过多") {
		t.Errorf("area of 30,001 members: %d %s, want 400 请求内容过多", rec.Code, short(rec.Body.String()))
	}
	ballot := `{"kind":"menu","code":"AAAAA-BBBBB","choices":[` + strings.Repeat(`"H01",`, 3000) + `"H01"]}`
	if rec := f.do(t, "", http.MethodPost, "/api/public/surveys/C1/ballot", ballot, "Origin", "http://example.com"); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("public ballot of %d KB: %d, want 413", len(ballot)>>10, rec.Code)
	}
}
