package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"renewmap/internal/config"
	"renewmap/internal/renew"
)

// Every role against every class of route that exists today: allowed, 401 without a login, 403
// for a role that may not.
func TestRolesAgainstRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pipes, _ := tilePath("pipelines", 15)
	everyone := map[renew.Role]int{"": 401, "viewer": 200, "planner": 200, "designer": 200, "leader": 200, "admin": 200}
	sensitive := map[renew.Role]int{"": 401, "viewer": 403, "planner": 403, "designer": 200, "leader": 200, "admin": 200}
	adminOnly := map[renew.Role]int{"": 401, "viewer": 403, "planner": 403, "designer": 403, "leader": 403, "admin": 200}
	all, _ := tilePath("all", 15)
	routes := []struct {
		path string
		want map[renew.Role]int
	}{
		{all, everyone},
		{"/tiles/all.json", everyone},
		{"/tiles/buildings.json", everyone},
		{"/api/v1/labels", everyone},
		{"/api/v1/communities?q=机械", everyone},
		{"/api/v1/me", everyone},
		{pipes, sensitive},
		{"/tiles/pipelines.json", sensitive},
		{"/api/v1/users", adminOnly},
		{"/api/v1/audit", adminOnly},
	}
	for _, r := range routes {
		for role, want := range r.want {
			rec := f.as(t, role, http.MethodGet, r.path, "")
			if rec.Code != want {
				t.Errorf("%s as %q: %d, want %d", r.path, role, rec.Code, want)
			}
		}
	}
	// The map page sends a visitor to the login page.
	rec := f.as(t, "", http.MethodGet, "/", "", "Accept", "text/html")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("/ without login: %d to %q, want 303 to /login", rec.Code, rec.Header().Get("Location"))
	}
}

// A viewer's composite tile has no pipelines layer; a designer's has; the viewer's TileJSON and
// style do not mention pipelines.
func TestViewerNeverSeesPipelines(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path, _ := tilePath("all", 15)
	layersOf := func(role renew.Role) map[string]bool {
		rec := f.as(t, role, http.MethodGet, path, "")
		ls, err := mvt.Unmarshal(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		m := map[string]bool{}
		for _, l := range ls {
			m[l.Name] = true
		}
		return m
	}
	if layersOf(renew.RoleViewer)["pipelines"] {
		t.Error("a viewer's composite tile holds pipelines")
	}
	if !layersOf(renew.RoleDesigner)["pipelines"] {
		t.Error("a designer's composite tile lacks pipelines")
	}
	for _, p := range []string{"/tiles/all.json", "/tiles/style.json"} {
		body := f.as(t, renew.RoleViewer, http.MethodGet, p, "").Body.String()
		// dig_once is the overlay of pipes under roads: neither its layer nor its source.
		if strings.Contains(body, `"pipelines"`) || strings.Contains(body, "dig_once") {
			t.Errorf("%s for a viewer mentions pipelines or dig_once", p)
		}
	}
	if body := f.as(t, renew.RoleDesigner, http.MethodGet, "/tiles/style.json", "").Body.String(); !strings.Contains(body, "/tiles/dig_once.json") {
		t.Error("a designer's style lacks the dig_once source")
	}
}

// State-changing requests need the session's CSRF token and a same-site origin.
func TestCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.sessions[renew.RoleAdmin]
	cookie := admin.cookie.Name + "=" + admin.cookie.Value
	body := `{"username":"zhang","role":"planner"}`
	for name, h := range map[string][]string{
		"no token":      {"Cookie", cookie},
		"wrong token":   {"Cookie", cookie, "X-CSRF-Token", "forged"},
		"other origin":  {"Cookie", cookie, "X-CSRF-Token", admin.csrf, "Origin", "http://evil.example"},
		"cross-site":    {"Cookie", cookie, "X-CSRF-Token", admin.csrf, "Sec-Fetch-Site", "cross-site"},
		"forged cookie": {"Cookie", "renewmap_session=AAAA", "X-CSRF-Token", admin.csrf},
	} {
		rec := f.do(t, "", http.MethodPost, "/api/v1/users", body, h...)
		if rec.Code != http.StatusForbidden && rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 403 or 401", name, rec.Code)
		}
	}
	var n int
	f.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM users WHERE username = 'zhang'").Scan(&n)
	if n != 0 {
		t.Fatal("a rejected request created the user")
	}
	rec := f.do(t, "", http.MethodPost, "/api/v1/users", body, "Cookie", cookie, "X-CSRF-Token", admin.csrf, "Origin", "http://example.com")
	if rec.Code != http.StatusCreated {
		t.Fatalf("with the token: %d %s", rec.Code, rec.Body.String())
	}
	var created struct {
		Password string `json:"password"`
	}
	json.Unmarshal(rec.Body.Bytes(), &created)
	if len(created.Password) < 16 {
		t.Errorf("generated password %q too short", created.Password)
	}
	f.login(t, "zhang", created.Password)
	// The same name again: 409, in Chinese only (no English gloss after the message).
	rec = f.do(t, "", http.MethodPost, "/api/v1/users", body, "Cookie", cookie, "X-CSRF-Token", admin.csrf, "Origin", "http://example.com")
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `"error":"用户名已存在"`) {
		t.Errorf("a taken name: %d %s", rec.Code, rec.Body)
	}
}

// Five failed logins from one address delay that client, even against the right password, and
// are audited as one row with their count.
func TestLoginRateLimitAndAudit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		rec := f.do(t, "", http.MethodPost, "/api/v1/login", `{"username":"planner","password":"wrong"}`)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "用户名或密码错误") {
			t.Fatalf("failed login %d: %d %s", i, rec.Code, rec.Body.String())
		}
	}
	rec := f.do(t, "", http.MethodPost, "/api/v1/login", `{"username":"planner","password":"pw-planner"}`)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "30 秒") {
		t.Fatalf("sixth login: %d %s, want 429 saying 30 秒", rec.Code, rec.Body.String())
	}
	// Another account from another address is not affected.
	if rec := f.do(t, "198.51.100.7:999", http.MethodPost, "/api/v1/login", `{"username":"viewer","password":"pw-viewer"}`); rec.Code != 200 {
		t.Errorf("other account: %d", rec.Code)
	}
	var entries struct {
		Entries []renew.AuditEntry `json:"entries"`
	}
	json.Unmarshal(f.get(t, "/api/v1/audit?limit=50").Body.Bytes(), &entries)
	count := map[string]int{}
	var failed struct{ Failed, Refused int }
	for _, e := range entries.Entries {
		count[e.Action+":"+e.Actor]++
		if e.Action == "login_failed" {
			b, _ := json.Marshal(e.After)
			json.Unmarshal(b, &failed)
		}
	}
	if count["login_failed:planner"] != 1 || failed.Failed != 5 || failed.Refused != 1 || count["login:viewer"] < 1 || count["create:test"] != 5 {
		t.Errorf("audit log counts %v, failed row %+v", count, failed)
	}
}

// An expired session is refused (once the recheck period is over: here it is off); logging out
// ends a session.
func TestSessionExpiryAndLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.SessionRecheck = 0 })
	if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/me", ""); rec.Code != 200 {
		t.Fatalf("me: %d", rec.Code)
	}
	f.db.Pool.Exec(context.Background(), `UPDATE sessions SET expires_at = now() - interval '1 second'
		WHERE user_id = (SELECT id FROM users WHERE username = 'viewer')`)
	if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/me", ""); rec.Code != 401 {
		t.Errorf("expired session: %d, want 401", rec.Code)
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/logout", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/me", ""); rec.Code != 401 {
		t.Errorf("after logout: %d, want 401", rec.Code)
	}
}

// Changing a role through the API ends the user's sessions and is audited with before/after.
func TestAdminChangesRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.SessionRecheck = 0 })
	rec := f.as(t, renew.RoleAdmin, http.MethodPatch, "/api/v1/users/viewer", `{"role":"designer"}`)
	if rec.Code != 200 {
		t.Fatalf("patch: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/me", ""); rec.Code != 401 {
		t.Errorf("old session after role change: %d, want 401", rec.Code)
	}
	for _, bad := range []string{`{"role":"king"}`, `{"role":1}`, `{"password":"short"}`, `{"nope":true}`, `not json`} {
		if rec := f.as(t, renew.RoleAdmin, http.MethodPatch, "/api/v1/users/planner", bad); rec.Code != 400 {
			t.Errorf("patch %s: %d, want 400", bad, rec.Code)
		}
	}
	if rec := f.as(t, renew.RoleAdmin, http.MethodPatch, "/api/v1/users/nobody", `{"role":"viewer"}`); rec.Code != 404 {
		t.Errorf("unknown user: %d, want 404", rec.Code)
	}
	var before, after string
	f.db.Pool.QueryRow(context.Background(), `SELECT before->>'role', after->>'role' FROM audit_log
		WHERE action = 'update' AND row_id = (SELECT id::text FROM users WHERE username = 'viewer')`).Scan(&before, &after)
	if before != "viewer" || after != "designer" {
		t.Errorf("audit before/after %q/%q", before, after)
	}
}

// With anonymous access on, a visitor is a viewer; pipelines stay closed.
func TestAnonymousViewer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.AllowAnonymous = true })
	all, _ := tilePath("all", 15)
	pipes, _ := tilePath("pipelines", 15)
	if rec := f.as(t, "", http.MethodGet, all, ""); rec.Code != 200 {
		t.Errorf("anonymous composite tile: %d", rec.Code)
	}
	if rec := f.as(t, "", http.MethodGet, pipes, ""); rec.Code != 403 {
		t.Errorf("anonymous pipelines: %d, want 403", rec.Code)
	}
	if rec := f.as(t, "", http.MethodGet, "/api/v1/users", ""); rec.Code != 403 {
		t.Errorf("anonymous users list: %d, want 403", rec.Code)
	}
}

// A trusted proxy's SSO header logs its user in; the same header from anywhere else is ignored.
func TestTrustedSSOHeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) {
		c.SSOHeader = "X-Remote-User"
		c.TrustedProxies = []string{"192.0.2.0/24"}
	})
	rec := f.do(t, "192.0.2.1:5000", http.MethodGet, "/api/v1/me", "", "X-Remote-User", "leader")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"role":"leader"`) {
		t.Errorf("from the proxy: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.do(t, "203.0.113.9:5000", http.MethodGet, "/api/v1/me", "", "X-Remote-User", "leader"); rec.Code != 401 {
		t.Errorf("from elsewhere: %d, want 401", rec.Code)
	}
	if rec := f.do(t, "192.0.2.1:5000", http.MethodGet, "/api/v1/me", "", "X-Remote-User", "stranger"); rec.Code != 403 {
		t.Errorf("unknown SSO user: %d, want 403", rec.Code)
	}
}

// Every response carries the security headers; the CSP admits no other origin.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, p := range []string{"/api/v1/labels", "/healthz", "/tiles/nope/1/0/0.mvt"} {
		h := f.get(t, p).Header()
		csp := h.Get("Content-Security-Policy")
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "worker-src blob:") || strings.Contains(csp, "http") || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s headers: %v", p, h)
		}
	}
}
