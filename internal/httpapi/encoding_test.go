package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// acceptsGzip reads Accept-Encoding as HTTP means it: a q of 0 refuses gzip.
func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"br, gzip, deflate":     true,
		"gzip;q=0":              false,
		"gzip; q=0.0, identity": false,
		"gzip;q=0.5":            true,
		"identity":              false,
		"x-gzipped":             false,
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", h)
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", h, got, want)
		}
	}
}

// FuzzAcceptsGzip: any header is read without a panic, and gzip is never chosen when the
// header does not name it.
func FuzzAcceptsGzip(f *testing.F) {
	f.Add("gzip;q=0, br")
	f.Add("deflate, gzip;q=0.8")
	f.Add(";;,,q=")
	f.Fuzz(func(t *testing.T, h string) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header["Accept-Encoding"] = []string{h}
		if acceptsGzip(r) && !strings.Contains(strings.ToLower(h), "gzip") {
			t.Fatalf("gzip chosen for %q", h)
		}
	})
}
