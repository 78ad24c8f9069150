package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// A body within the limits comes back whole; anything else is a 400 or a 413, never a panic.
func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}]}`, `[[[[[[[[[`, `{"x":"` + strings.Repeat("a", 600) + `"}`, `{},{},{}`, `"\ud800"`} {
		f.Add(s)
	}
	lim := bodyLimit{bytes: 512, values: 20, depth: 4}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		got, err := readJSON(e.NewContext(req, httptest.NewRecorder()), lim)
		var he *echo.HTTPError
		switch {
		case err == nil && string(got) != body:
			t.Fatalf("body changed: %q → %q", body, got)
		case err == nil && len(body) > 512:
			t.Fatalf("a body of %d bytes passed a 512-byte cap", len(body))
		case err != nil && !errors.Is(err, renew.ErrInvalid) && !(errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge):
			t.Fatalf("error %v is neither 400 nor 413", err)
		}
	})
}

// Whatever the login page is given as next, what it follows stays on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/admin?x=1", "//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example", "/%2F/evil", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		next := safeNext(target)
		if next != "/" && next != target {
			t.Fatalf("safeNext(%q) = %q: neither the target nor /", target, next)
		}
		u, err := url.Parse("http://example.com" + next) // a malformed escape ("/%") is still a path here
		if err == nil && u.Host != "example.com" || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\t\r\n") {
			t.Fatalf("safeNext(%q) = %q leaves the site", target, next)
		}
	})
}
