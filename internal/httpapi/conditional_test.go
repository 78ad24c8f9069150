package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// acceptsGzip reads Accept-Encoding as HTTP means it: a q of 0 refuses gzip, * stands for every
// coding not named, x-gzip is gzip.
func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"x-gzip":                true,
		"br, gzip, deflate":     true,
		"gzip;q=0":              false,
		"gzip; q=0.0, identity": false,
		"gzip;Q=0":              false,
		"gzip;q=0.5":            true,
		"gzip ; q = 0.001":      true,
		"gzip;q=abc":            false,
		"gzip;q=2":              false,
		"identity":              false,
		"x-gzipped":             false,
		"*":                     true,
		"*;q=0":                 false,
		"br, *;q=0.1":           true,
		"gzip;q=0, *":           false, // the named coding wins over *
		"*, gzip;q=0":           false,
		"*;q=0, gzip":           true,
		"deflate;q=0.5, br":     false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", h, got, want)
		}
	}
}

// FuzzAcceptsGzip: any header is read without a panic, and gzip is never chosen when the
// header names neither gzip nor *.
func FuzzAcceptsGzip(f *testing.F) {
	f.Add("gzip;q=0, br")
	f.Add("deflate, gzip;q=0.8")
	f.Add(";;,,q=")
	f.Add("*;q=0.5")
	f.Fuzz(func(t *testing.T, h string) {
		if acceptsGzip(h) && !strings.Contains(strings.ToLower(h), "gzip") && !strings.Contains(h, "*") {
			t.Fatalf("gzip chosen for %q", h)
		}
	})
}

// etagMatches reads If-None-Match as a list of entity tags compared weakly, or *.
func TestETagMatches(t *testing.T) {
	const tag = `"a1-2c"`
	for _, c := range []struct {
		header, etag string
		want         bool
	}{
		{"", tag, false},
		{tag, tag, true},
		{`W/"a1-2c"`, tag, true},
		{tag, `W/"a1-2c"`, true},
		{"*", tag, true},
		{`"x", "a1-2c"`, tag, true},
		{`"x",W/"a1-2c"`, tag, true},
		{`  "x" ,  "y"  `, tag, false},
		{`"a1-2c-extra"`, tag, false}, // a strings.Contains would match this
		{`"xa1-2c"`, tag, false},
		{`a1-2c`, tag, false}, // not quoted
		{`"a,b", "a1-2c"`, tag, true},
		{`"a,b"`, `"a,b"`, true},
		{`"x", *`, tag, true},
		{`"unterminated, "a1-2c"`, tag, false},
		{`w/"a1-2c"`, tag, false}, // W/ is case-sensitive
	} {
		if got := etagMatches(c.header, c.etag); got != c.want {
			t.Errorf("If-None-Match %q, ETag %s: %v, want %v", c.header, c.etag, got, c.want)
		}
	}
}

// FuzzETagMatches: any header is read without a panic, and a match is never found in a header
// that neither holds the tag's opaque part nor is a wildcard.
func FuzzETagMatches(f *testing.F) {
	f.Add(`"x", W/"a1-2c"`, `"a1-2c"`)
	f.Add(`*`, `"y"`)
	f.Add(`W/`, `W/""`)
	f.Fuzz(func(t *testing.T, header, etag string) {
		if etagMatches(header, etag) && !strings.Contains(header, "*") &&
			!strings.Contains(header, strings.TrimPrefix(etag, "W/")) {
			t.Fatalf("%q matched %q", header, etag)
		}
	})
}

// serveCached answers 304, 204, gzip or the plain bytes, for GET and HEAD alike.
func TestServeCached(t *testing.T) {
	body := []byte(strings.Repeat("瓦片", 100))
	gz := gzipBytes(body, 1)
	for _, c := range []struct {
		name, method, body string
		header             map[string]string
		status             int
		encoding           string
		length             int
	}{
		{"plain", http.MethodGet, "x", nil, 200, "", len(body)},
		{"gzip", http.MethodGet, "x", map[string]string{"Accept-Encoding": "gzip"}, 200, "gzip", len(gz)},
		{"gzip refused", http.MethodGet, "x", map[string]string{"Accept-Encoding": "gzip;q=0"}, 200, "", len(body)},
		{"head gzip", http.MethodHead, "x", map[string]string{"Accept-Encoding": "*"}, 200, "gzip", 0},
		{"not modified", http.MethodGet, "x", map[string]string{"If-None-Match": `"other", W/"v1"`}, 304, "", 0},
		{"changed", http.MethodGet, "x", map[string]string{"If-None-Match": `"v1-old"`}, 200, "", len(body)},
		{"empty", http.MethodGet, "", nil, 204, "", 0},
		{"empty not modified", http.MethodGet, "", map[string]string{"If-None-Match": `"v1"`}, 304, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, "/", nil)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			b := body
			if c.body == "" {
				b = nil
			}
			if err := serveCached(echo.New().NewContext(req, rec), `"v1"`, "text/plain", b, func() []byte { return gz }); err != nil {
				t.Fatal(err)
			}
			h := rec.Header()
			if rec.Code != c.status || h.Get("Content-Encoding") != c.encoding || rec.Body.Len() != c.length ||
				h.Get("ETag") != `"v1"` || h.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%d, Content-Encoding %q, %d bytes, ETag %q, Vary %q; want %d, %q, %d bytes",
					rec.Code, h.Get("Content-Encoding"), rec.Body.Len(), h.Get("ETag"), h.Get("Vary"), c.status, c.encoding, c.length)
			}
			if c.method == http.MethodHead && h.Get("Content-Length") != strconv.Itoa(len(gz)) {
				t.Errorf("HEAD: Content-Length %q, want %d", h.Get("Content-Length"), len(gz))
			}
		})
	}
}
