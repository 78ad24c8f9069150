package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"renewmap/internal/config"
	"renewmap/internal/renew"
)

// newToken makes an access token for role through the account API.
func (f *fixture) newToken(t *testing.T, role renew.Role, body string) (string, int) {
	t.Helper()
	rec := f.as(t, role, http.MethodPost, "/api/v1/tokens", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create token: %d %s", rec.Code, rec.Body.String())
	}
	var res struct {
		Token       string            `json:"token"`
		AccessToken renew.AccessToken `json:"access_token"`
	}
	json.Unmarshal(rec.Body.Bytes(), &res)
	if !strings.HasPrefix(res.Token, "rmt_") || len(res.Token) < 40 || !strings.HasPrefix(res.Token, res.AccessToken.Hint) {
		t.Fatalf("token %q, hint %q", res.Token, res.AccessToken.Hint)
	}
	return res.Token, res.AccessToken.ID
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.SessionRecheck = 0 })
	ctx := context.Background()
	tok, id := f.newToken(t, renew.RoleDesigner, `{"name":"QGIS 办公室","expires":"30d"}`)
	vtok, _ := f.newToken(t, renew.RoleViewer, `{"name":"查看"}`)
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	get := func(path string, h ...string) *http.Response {
		return f.do(t, "", http.MethodGet, path, "", h...).Result()
	}
	pipes := "/ogc/collections/pipelines/items"

	// Bearer and Basic (username + token) read what the owner's role may read.
	for name, h := range map[string][]string{
		"bearer": bearer(tok), "basic": {"Authorization", basic("designer", tok)}, "basic any case": {"Authorization", basic("DESIGNER", tok)},
	} {
		if r := get(pipes, h...); r.StatusCode != http.StatusOK {
			t.Errorf("%s: pipelines %d", name, r.StatusCode)
		}
	}
	// A viewer's token sees no pipelines, in the API and in the tiles.
	if r := get(pipes, bearer(vtok)...); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer token: pipelines %d", r.StatusCode)
	}
	if r := get("/tiles/pipelines/15/0/0.mvt", bearer(vtok)...); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
		t.Errorf("viewer token: pipeline tiles %d", r.StatusCode)
	}
	rec := f.do(t, "", http.MethodGet, "/ogc/collections", "", bearer(vtok)...)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"pipelines"`) {
		t.Errorf("viewer token lists %d %s", rec.Code, rec.Body.String())
	}

	// A token cannot change anything, even with its owner's session's CSRF token.
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/tokens", `{"name":"x"}`},
		{http.MethodDelete, "/api/v1/tokens/1", ""},
		{http.MethodPost, "/api/v1/logout", ""},
		{http.MethodPatch, "/api/v1/users/viewer", `{"disabled":true}`},
	} {
		rec := f.do(t, "", c.method, c.path, c.body, "Authorization", "Bearer "+tok, "X-CSRF-Token", f.sessions[renew.RoleDesigner].csrf)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "只能读取") {
			t.Errorf("%s %s with a token: %d %s", c.method, c.path, rec.Code, rec.Body.String())
		}
	}

	// Without any session, /ogc and /tiles challenge for Basic; not with a cookie (a browser
	// would open its password dialog), and not elsewhere.
	for _, c := range []struct {
		path, cookie string
		want         bool
	}{
		{"/ogc/collections", "", true},
		{"/ogc", "", true},
		{"/tiles/all/14/0/0.mvt", "", true},
		{"/download/buildings.geojson", "", true},
		{"/ogc/collections", "renewmap_session=stale", false},
		{"/api/v1/me", "", false},
	} {
		h := []string{}
		if c.cookie != "" {
			h = append(h, "Cookie", c.cookie)
		}
		r := get(c.path, h...)
		got := r.Header.Get("WWW-Authenticate")
		if r.StatusCode != http.StatusUnauthorized || (got != "") != c.want || c.want && !strings.HasPrefix(got, `Basic realm="renewmap"`) {
			t.Errorf("%s cookie %q: %d WWW-Authenticate %q", c.path, c.cookie, r.StatusCode, got)
		}
	}

	// Bad credentials: 401 with the challenge, and never a step towards the login lockout.
	bad := map[string]string{
		"unknown token":  "Bearer rmt_" + strings.Repeat("A", 43),
		"not a token":    "Bearer abc",
		"password":       basic("designer", "pw-designer"),
		"other's token":  basic("viewer", tok),
		"malformed":      "Basic !!!",
		"empty password": basic("designer", ""),
	}
	for i := 0; i < 3; i++ {
		for name, h := range bad {
			r := get("/ogc/collections", "Authorization", h)
			if r.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("%s: %d %q", name, r.StatusCode, r.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// The password is never checked there: the 401 says HTTP Basic takes a token, and a route
	// open to anyone stays open (a proxy's own HTTP Basic in front of the service keeps working).
	if rec := f.do(t, "", http.MethodGet, "/ogc/collections", "", "Authorization", bad["password"]); !strings.Contains(rec.Body.String(), "只接受访问令牌") {
		t.Errorf("password over Basic: %s", rec.Body.String())
	}
	if rec := f.do(t, "", http.MethodGet, "/login", "", "Authorization", bad["password"]); rec.Code != http.StatusOK {
		t.Errorf("login page with a proxy's Basic header: %d", rec.Code)
	}
	f.login(t, "designer", "pw-designer") // 18 refusals later the account still logs in
	var attempts int
	f.db.Pool.QueryRow(ctx, "SELECT count(*) FROM login_attempts WHERE NOT ok").Scan(&attempts)
	if attempts != 0 {
		t.Errorf("%d failed login attempts recorded for bad tokens", attempts)
	}

	// The owner lists and revokes the token; then it is refused at once.
	rec = f.as(t, renew.RoleDesigner, http.MethodGet, "/api/v1/tokens", "")
	var list struct{ Tokens []renew.AccessToken }
	json.Unmarshal(rec.Body.Bytes(), &list)
	if len(list.Tokens) != 1 || list.Tokens[0].Name != "QGIS 办公室" || list.Tokens[0].Requests != 7 ||
		list.Tokens[0].ExpiresAt == nil || time.Until(*list.Tokens[0].ExpiresAt) < 29*24*time.Hour {
		t.Errorf("designer's tokens: %s", rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), tok) {
		t.Error("the token list shows the token itself")
	}
	if rec := f.as(t, renew.RoleViewer, http.MethodDelete, "/api/v1/tokens/"+itoa(id), ""); rec.Code != http.StatusNotFound {
		t.Errorf("viewer revokes the designer's token: %d", rec.Code)
	}
	if rec := f.as(t, renew.RoleDesigner, http.MethodDelete, "/api/v1/tokens/"+itoa(id), ""); rec.Code != http.StatusOK {
		t.Errorf("revoke: %d %s", rec.Code, rec.Body.String())
	}
	if r := get(pipes, bearer(tok)...); r.StatusCode != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("revoked token: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	// An expired token is refused too.
	f.db.Pool.Exec(ctx, "UPDATE access_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = (SELECT id FROM users WHERE username = 'viewer')")
	if r := get("/ogc/collections", bearer(vtok)...); r.StatusCode != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("expired token: %d", r.StatusCode)
	}
	// Creation and revocation are in the audit log; uses are counted per token and hour.
	var audited int
	f.db.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action IN ('token_create', 'token_revoke')").Scan(&audited)
	if audited != 3 {
		t.Errorf("%d audit rows for two creations and a revocation", audited)
	}
	var rows, uses int
	f.db.Pool.QueryRow(ctx, "SELECT count(*), sum(requests) FROM token_uses WHERE token_id = $1", id).Scan(&rows, &uses)
	// 3 reads and 4 refused writes: a refused request is a use too.
	if rows != 1 || uses != 7 {
		t.Errorf("token uses: %d rows, %d requests; want 1 row of 7", rows, uses)
	}
	// Bad requests to the account API.
	for _, body := range []string{`{"name":""}`, `{"name":"x","expires":"5y"}`, `{"name":"x","expires":"0d"}`, `{"name":"` + strings.Repeat("长", 65) + `"}`} {
		if rec := f.as(t, renew.RoleDesigner, http.MethodPost, "/api/v1/tokens", body); rec.Code != http.StatusBadRequest || !strings.ContainsFunc(rec.Body.String(), isHan) {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body.String())
		}
	}
}

func isHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }

func itoa(n int) string { return strconv.Itoa(n) }

// GDAL, the library under QGIS, reads the OGC API with HTTP Basic (username + token) and a
// vector tile with a bearer header; a revoked token gets nothing.
func TestAccessTokenWithGDAL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv, _ := liveServer(t, f)
	tok, id := f.newToken(t, renew.RoleDesigner, `{"name":"GDAL"}`)
	basicAuth := []string{"--config", "GDAL_HTTP_AUTH", "BASIC", "--config", "GDAL_HTTP_USERPWD", "designer:" + tok}
	api := "OAPIF:" + srv.URL + "/ogc"

	layers := regexp.MustCompile(`(?m)^\d+: (\w+)`)
	var listed []string
	for _, m := range layers.FindAllStringSubmatch(ogrinfo(t, append(basicAuth, "-ro", api)...), -1) {
		listed = append(listed, m[1])
	}
	if !slices.Contains(listed, "pipelines") || !slices.Contains(listed, "buildings") || len(listed) < 10 {
		t.Errorf("GDAL lists with a designer's token: %v", listed)
	}
	out := ogrinfo(t, append(basicAuth, "-ro", "-al", api, "buildings")...)
	for _, want := range []string{"Feature Count: 3", "community_name (String) = 机械厂家属楼"} {
		if !strings.Contains(out, want) {
			t.Errorf("GDAL buildings lack %q:\n%s", want, out)
		}
	}
	// Items in EPSG:4550 (northing first, as the CRS defines).
	items := srv.URL + "/ogc/collections/gates/items?crs=http://www.opengis.net/def/crs/EPSG/0/4550"
	out = ogrinfo(t, append(basicAuth, "-ro", "-al", items)...)
	if !regexp.MustCompile(`POINT \(478\d{4}\.\d+ 60\d{4}\.\d+\)`).MatchString(out) {
		t.Errorf("GDAL read no EPSG:4550 gate (northing, easting):\n%s", out)
	}

	// One composite vector tile with the token as a bearer header.
	tilePathAll, _ := tilePath("all", 16)
	mvt := "MVT:" + srv.URL + tilePathAll
	out = ogrinfo(t, "--config", "GDAL_HTTP_HEADERS", "Authorization: Bearer "+tok, "-ro", "-al", "-so", mvt)
	for _, want := range []string{"Layer name: buildings", "Layer name: pipelines"} {
		if !strings.Contains(out, want) {
			t.Errorf("GDAL read the tile without %q:\n%s", want, out)
		}
	}

	// A viewer's token: GDAL lists no pipelines, and the composite tile carries none.
	vtok, _ := f.newToken(t, renew.RoleViewer, `{"name":"GDAL 查看"}`)
	var viewerListed []string
	for _, m := range layers.FindAllStringSubmatch(ogrinfo(t, "--config", "GDAL_HTTP_AUTH", "BASIC", "--config", "GDAL_HTTP_USERPWD", "viewer:"+vtok, "-ro", api), -1) {
		viewerListed = append(viewerListed, m[1])
	}
	if slices.Contains(viewerListed, "pipelines") || !slices.Contains(viewerListed, "buildings") {
		t.Errorf("GDAL lists with a viewer's token: %v", viewerListed)
	}
	out = ogrinfo(t, "--config", "GDAL_HTTP_HEADERS", "Authorization: Bearer "+vtok, "-ro", "-al", "-so", mvt)
	if !strings.Contains(out, "Layer name: buildings") || strings.Contains(out, "pipelines") {
		t.Errorf("GDAL read the tile with a viewer's token:\n%s", out)
	}

	// Revoked: GDAL gets nothing.
	if rec := f.as(t, renew.RoleDesigner, http.MethodDelete, "/api/v1/tokens/"+itoa(id), ""); rec.Code != http.StatusOK {
		t.Fatalf("revoke: %d", rec.Code)
	}
	bin, _ := exec.LookPath("ogrinfo")
	if err := exec.Command(bin, append(basicAuth, "-ro", api)...).Run(); err == nil {
		t.Error("ogrinfo opened the API with a revoked token")
	}
}
