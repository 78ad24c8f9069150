package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// A page asked for with a path a browser would read as another host sends the visitor to the
// login page with a next that stays on this site.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, target := range []string{"/admin?x=\\evil.example", "/admin?x=%09", "/plan?community=1"} {
		req := target
		rec := f.as(t, "", http.MethodGet, req, "", "Accept", "text/html")
		loc, err := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusSeeOther || err != nil || loc.Path != "/login" {
			t.Fatalf("%s: %d to %q, want 303 to /login", target, rec.Code, rec.Header().Get("Location"))
		}
		next := loc.Query().Get("next")
		if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\t\n") {
			t.Errorf("%s: next=%q leaves the site", target, next)
		}
	}
}

// Ids beyond the database's integers: 404 when they are in the path (nothing can have them), 400
// in a query or a body; never a 500.
func TestOutOfRangeIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	big := "2147483648"
	cases := []struct {
		method, path, body string
		want               int
	}{
		{http.MethodGet, "/ogc/collections/buildings/items/" + big, "", 404},
		{http.MethodGet, "/ogc/collections/buildings/items/99999999999999999999999", "", 404},
		{http.MethodGet, "/api/v1/surveys/" + big, "", 404},
		{http.MethodGet, "/api/v1/surveys/" + big + "/results", "", 404},
		{http.MethodPost, "/api/v1/surveys/" + big + "/close", "{}", 404},
		{http.MethodGet, "/api/v1/plans/" + big, "", 404},
		{http.MethodPost, "/api/v1/surveys", `{"plan_id":` + big + `,"kind":"menu"}`, 400},
		{http.MethodGet, "/api/v1/audit?before=" + big, "", 200},
		{http.MethodGet, "/api/v1/audit?before=99999999999999999999999", "", 400},
		{http.MethodGet, "/api/v1/surveys/abc", "", 400},
	}
	for _, c := range cases {
		rec := f.as(t, renew.RoleAdmin, c.method, c.path, c.body)
		if rec.Code != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, rec.Code, rec.Body.String(), c.want)
		}
	}
}

// A state-changing request whose Origin names this host under another scheme is another site.
func TestOriginWithAnotherSchemeIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	body := `{"username":"x","password":"y"}`
	rec := f.do(t, "", http.MethodPost, "/api/v1/login", body, "Origin", "https://example.com")
	if rec.Code != http.StatusForbidden {
		t.Errorf("Origin https://example.com on http: %d, want 403", rec.Code)
	}
	rec = f.do(t, "", http.MethodPost, "/api/v1/login", body, "Origin", "http://example.com")
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("own Origin: %d, want 401 (wrong password)", rec.Code)
	}
}

// HEAD on a tile answers like GET, without the body.
func TestHeadOnTiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, _ := tilePath("buildings", 15)
	get := f.as(t, renew.RoleAdmin, http.MethodGet, p, "")
	head := f.as(t, renew.RoleAdmin, http.MethodHead, p, "")
	if get.Code != http.StatusOK || head.Code != http.StatusOK || head.Header().Get("ETag") != get.Header().Get("ETag") {
		t.Errorf("HEAD %s: %d (ETag %q), GET %d (ETag %q)", p, head.Code, head.Header().Get("ETag"), get.Code, get.Header().Get("ETag"))
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodHead, "/tiles/style.json", ""); rec.Code != http.StatusOK {
		t.Errorf("HEAD /tiles/style.json: %d", rec.Code)
	}
}
