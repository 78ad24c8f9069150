package httpapi

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"renewmap/internal/auth"
	"renewmap/internal/renew"
)

// FuzzParseAuthorization: any header gives a token (a Basic one always a token, never a
// password, with a username), nothing, or renew.ErrUnauthorized (errBasicPassword for a Basic
// password that is no token); it never panics.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"Bearer rmt_abc", "bearer  rmt_abc ", "Basic " + base64.StdEncoding.EncodeToString([]byte("zhang:rmt_x")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("zhang:password")), "Basic !!!", "Basic", "Negotiate x", "",
		"Basic " + base64.StdEncoding.EncodeToString([]byte(":rmt_x")),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		token, user, err := parseAuthorization(h)
		if err != nil {
			if !errors.Is(err, renew.ErrUnauthorized) || token != "" {
				t.Fatalf("%q: %v, token %q", h, err, token)
			}
			return
		}
		scheme, _, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "basic") && (user == "" || !strings.HasPrefix(token, auth.TokenPrefix)) {
			t.Fatalf("%q: Basic gave user %q token %q", h, user, token)
		}
	})
}
