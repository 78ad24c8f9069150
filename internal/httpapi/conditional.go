package httpapi

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// serveCached answers a GET or HEAD for a representation the client may hold already: it sets
// the ETag and Vary: Accept-Encoding, answers 304 when If-None-Match names etag, 204 when body
// is empty (an empty tile, which MapLibre takes as such), and otherwise sends body, or the bytes
// gzipped returns when the client accepts gzip and gzipped gives some (nil: send body as it is).
// Cache-Control is the caller's.
func serveCached(c echo.Context, etag, ctype string, body []byte, gzipped func() []byte) error {
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Add("Vary", "Accept-Encoding")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if len(body) == 0 {
		return c.NoContent(http.StatusNoContent)
	}
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		if gz := gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	if c.Request().Method == http.MethodHead {
		h.Set("Content-Type", ctype)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, ctype, body)
}

// etagMatches reports whether an If-None-Match header names etag: "*", or a list of entity tags
// one of which is etag by the weak comparison (RFC 9110 §13.1.2: W/ is ignored on both sides).
// Tags are read as quoted strings, so a comma inside one does not split it; a header that does
// not parse matches nothing from where it stops parsing.
func etagMatches(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for s := header; ; {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return false
		}
		if s[0] == '*' {
			return true
		}
		s = strings.TrimPrefix(s, "W/")
		if s == "" || s[0] != '"' {
			return false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return false
		}
		if s[:end+2] == want {
			return true
		}
		s = s[end+2:]
	}
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip: gzip (or its alias x-gzip)
// with a weight above 0, or, when neither is named, * with a weight above 0 (RFC 9110 §12.5.3).
// A coding whose weight does not parse is ignored.
func acceptsGzip(header string) bool {
	named, star := false, false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q, ok := weight(params)
		if name == "*" {
			star = ok && q > 0
			continue
		}
		if !ok {
			continue
		}
		if q == 0 {
			named = true
			continue
		}
		return true
	}
	return !named && star
}

// weight reads the q parameter of one element of an Accept-style header: 1 when there is none;
// ok is false when it is not a number from 0 to 1.
func weight(params string) (q float64, ok bool) {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil && f >= 0 && f <= 1
	}
	return 1, true
}

// gzipBytes compresses b at level (gzip.BestSpeed for tiles made on demand,
// gzip.BestCompression for the embedded files, compressed once).
func gzipBytes(b []byte, level int) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, level)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
