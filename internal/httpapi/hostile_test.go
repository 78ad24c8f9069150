package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// hostileValues go into every path parameter and query parameter.
var hostileValues = []string{
	"' OR '1'='1", "1; DROP TABLE communities; --", "1 UNION SELECT password_hash FROM users",
	"-1", "0", "99999999999999999999999", "-9223372036854775809", "NaN", "Infinity", "1e309", "0x1F",
	"../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00", "\x00", "\xff\xfe", "<script>alert(1)</script>",
	"{{7*7}}", "${jndi:ldap://x}", strings.Repeat("长", 5000), "1,2,3,4,5", "NaN,NaN,NaN,NaN", "true",
}

// hostileBodies are sent to every state-changing route, with a valid CSRF token.
var hostileBodies = []string{
	``, `null`, `[]`, `"string"`, `{"a":`, `{"username":"' OR 1=1 --","role":"admin'--"}`,
	`{"role":{"$ne":null}}`, `{"quantity":1e999}`, `{"id":"1 OR 1=1"}`, "{\"name\":\"\xff\xfe\"}",
	strings.Repeat(`[`, 100000), `{"x":"` + strings.Repeat("a", 9<<20) + `"}`,
}

// queryNames are the query parameters the API reads anywhere.
var queryNames = []string{"q", "limit", "offset", "bbox", "bbox-crs", "crs", "f", "community", "area",
	"as_of", "batch_year", "stage", "batch", "subdistrict", "before", "kind", "profile", "minutes"}

// leaks are what a database error or a crash would put in a body; none may reach a client. (The
// hostile values themselves may be echoed in an error message; they are removed before the check.)
var leaks = regexp.MustCompile(`(?i)(syntax error|sqlstate|ERROR: |relation "|column "|pgx|pq: |goroutine \d|\.go:\d+|runtime error|panic:|\$2a\$)`)

// Every route, with hostile path parameters, query parameters and bodies, as an admin and as
// nobody: never a 5xx, never SQL text or a stack trace, and the data unchanged.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := snapshot(t, f)
	sent := 0
	check := func(role renew.Role, method, target, body string, header ...string) {
		t.Helper()
		sent++
		rec := f.as(t, role, method, target, body, header...)
		if rec.Code >= 500 {
			t.Errorf("%s %s as %q: %d %s", method, short(target), role, rec.Code, short(rec.Body.String()))
		}
		text := rec.Body.String()
		for _, v := range hostileValues {
			text = strings.ReplaceAll(text, v, "")
		}
		if m := leaks.FindString(text); m != "" && strings.Contains(rec.Header().Get("Content-Type"), "json") {
			t.Errorf("%s %s as %q leaks %q: %s", method, short(target), role, m, short(rec.Body.String()))
		}
	}
	for _, r := range f.e.Routes() {
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			continue // Echo's own not-found and method-not-allowed entries
		}
		if r.Path == "/api/v1/logout" {
			continue // would end the admin's session for the rest of the test
		}
		for _, v := range hostileValues {
			path := fillParams(r.Path, v)
			q := url.Values{}
			for _, n := range queryNames {
				q.Set(n, v)
			}
			for _, role := range []renew.Role{renew.RoleAdmin, ""} {
				if r.Method == http.MethodGet {
					check(role, r.Method, path+"?"+q.Encode(), "")
				} else {
					check(role, r.Method, path, `{}`)
				}
			}
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			continue
		}
		path := fillParams(r.Path, "1")
		for _, b := range hostileBodies {
			check(renew.RoleAdmin, r.Method, path, b)
		}
		// Forged and missing CSRF tokens and cookies.
		admin := f.sessions[renew.RoleAdmin]
		for _, h := range [][]string{
			{"Cookie", admin.cookie.Name + "=" + admin.cookie.Value},
			{"Cookie", admin.cookie.Name + "=" + admin.cookie.Value, "X-CSRF-Token", "forged"},
			{"Cookie", admin.cookie.Name + "=forged", "X-CSRF-Token", admin.csrf},
		} {
			rec := f.do(t, "", r.Method, path, `{}`, h...)
			if rec.Code != http.StatusForbidden && rec.Code != http.StatusUnauthorized && r.Path != "/api/v1/login" {
				t.Errorf("%s %s with %v: %d, want 401/403", r.Method, r.Path, h[len(h)-1], rec.Code)
			}
		}
	}
	if after := snapshot(t, f); after != before {
		t.Errorf("hostile requests changed the data:\nbefore %s\nafter  %s", before, after)
	}
	t.Logf("%d hostile requests to %d routes", sent, len(f.e.Routes()))
}

// fillParams puts v into every :param and * of an Echo route path.
func fillParams(path, v string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || p == "*" {
			parts[i] = url.PathEscape(v)
		}
	}
	return strings.Join(parts, "/")
}

// snapshot fingerprints the data: every data table's row count and the data versions.
func snapshot(t *testing.T, f *fixture) string {
	t.Helper()
	var s string
	err := f.db.Pool.QueryRow(context.Background(), `
		SELECT string_agg(table_name || '=' || version, ',' ORDER BY table_name) FROM data_versions`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	var users string
	f.db.Pool.QueryRow(context.Background(), `SELECT string_agg(username || ':' || role || ':' || disabled || ':' || password_hash, ',' ORDER BY id) FROM users`).Scan(&users)
	return s + " users " + users
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
