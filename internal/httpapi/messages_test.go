package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/foreign"
	"renewmap/internal/msgcat"
	"renewmap/internal/renew"
)

// latinAllowed are the names a Chinese message may hold in Latin letters.
var latinAllowed = map[string]bool{"OGC": true, "GeoJSON": true, "geojson": true, "EPSG": true,
	"QGIS": true, "OpenStreetMap": true, "CSV": true, "Excel": true, "WGS": true, "CGCS": true, "CRS": true,
	"Shapefile": true, "GeoPackage": true, "KML": true, "DXF": true, "DWG": true}

var latinWordRE = regexp.MustCompile(`\b[A-Za-z][A-Za-z_]+\b`)

// verbRE finds the formatting verbs of a message id, to make arguments of the right kinds.
var verbRE = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*(?:\d+)?(?:\.\d+)?([a-zA-Z%])`)

func dummyArgs(format string) []any {
	var args []any
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		switch m[1] {
		case "%":
		case "d":
			args = append(args, 7)
		case "g", "f":
			args = append(args, 1.5)
		default:
			args = append(args, "甲")
		}
	}
	return args
}

// Every message the code can show a user has a Chinese text in the catalogue that takes the
// same arguments, and no text in the catalogue shows English, a code or a URL.
func TestCatalogueCoversEveryMessage(t *testing.T) {
	ids := userMessageIDs(t, "../../internal")
	if len(ids) < 100 {
		t.Fatalf("found only %d messages: the scan is broken", len(ids))
	}
	for id, where := range ids {
		tmpl, ok := messages.Server[id]
		if !ok {
			t.Errorf("%s: message %q has no entry in web/static/messages.json (server)", where, id)
			continue
		}
		if got := msgcat.Format(tmpl, dummyArgs(id)); strings.Contains(got, "%!") {
			t.Errorf("%s: catalogue text %q does not take the arguments of %q: %s", where, tmpl, id, got)
		}
	}
	for section, m := range map[string]map[string]string{"codes": messages.Codes, "server": messages.Server, "ui": messages.UI} {
		for k, v := range m {
			for _, w := range latinWordRE.FindAllString(verbRE.ReplaceAllString(v, ""), -1) {
				if !latinAllowed[w] {
					t.Errorf("%s[%q] = %q shows the Latin word %q", section, k, v, w)
				}
			}
			if strings.Contains(v, "://") || strings.Contains(v, "/api/") {
				t.Errorf("%s[%q] = %q shows a URL", section, k, v)
			}
		}
	}
	for _, code := range []string{"invalid", "not_found", "forbidden", "unauthorized", "internal", "error"} {
		if messages.Codes[code] == "" {
			t.Errorf("no message for the error code %q", code)
		}
	}
}

// A message reaches the client in Chinese: from the catalogue with its arguments (and words
// among them translated), or, built at run time, without its English gloss.
func TestCatalogueTranslates(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{renew.Invalid("%s %d: the point is more than %d m from the walk network", "proposed facility", 1, 500),
			"拟建设施 1：所选位置距步行道路超过 500 米，请放在道路附近"},
		{renew.Invalid("ratio: spaces per household, more than 0 and at most %g", 5.0), "车位配比（每户车位数）应大于 0、不超过 5"},
		{&renew.Error{Kind: renew.ErrForbidden, Msg: "登记码不正确，请核对后重新输入；再输错 2 次将暂停填写 (wrong code; 2 tries left)"},
			"登记码不正确，请核对后重新输入；再输错 2 次将暂停填写"},
	} {
		_, body := classify(tt.err)
		if body.Error != tt.want {
			t.Errorf("%v: shown %q, want %q", tt.err, body.Error, tt.want)
		}
	}
	// A message of no known form falls back to the code's message.
	if _, body := classify(renew.Invalid("some new english message %d", 3)); body.Error != messages.Codes["invalid"] {
		t.Errorf("unknown message shown as %q", body.Error)
	}
}

// An import's mapping with faults is refused in Chinese, one problem a line, with no word of the
// English the problems are written in.
func TestMappingProblemsTranslated(t *testing.T) {
	for mapping, want := range map[string]string{
		"layer: roads\nfields: {name: 名称\n":                           "映射：格式有误，无法读取",
		"layer: 不存在的图层\n":                                             "映射：图层“不存在的图层”不存在",
		"layer: roads\nfields: {name: {from: ''}}\nheader_rows: 99\n": "数据有 3 处问题：\n",
	} {
		_, err := foreign.ParseMapping([]byte(mapping), "映射 (mapping)")
		status, body := classify(err)
		if status != http.StatusBadRequest || !strings.HasPrefix(body.Error, want) {
			t.Errorf("%q: %d %q, want 400 starting %q", mapping, status, body.Error, want)
		}
		// The property the user typed may show; nothing else in Latin letters.
		for _, w := range latinWordRE.FindAllString(strings.ReplaceAll(body.Error, "“name”", ""), -1) {
			t.Errorf("%q: %q shows the Latin word %q", mapping, body.Error, w)
		}
	}
}

// A problem the catalogue does not know yet is shown when it names the user's (Chinese) data, and
// otherwise only counted: no line wholly in English.
func TestUncataloguedProblems(t *testing.T) {
	var p ingest.Problems
	p.Add("%s: value %q is new", "roads.geojson", "快速路")
	p.Add("%s: value %q is new", "roads.geojson", "x")
	_, body := classify(p.Err())
	want := "数据有 2 处问题：\nroads.geojson: value \"快速路\" is new\n……另有 1 处问题"
	if body.Error != want {
		t.Errorf("shown %q, want %q", body.Error, want)
	}
}

// Problems given as the cause of another message are translated too (the map editor's refusal).
func TestCauseTranslated(t *testing.T) {
	_, cause := foreign.ParseMapping([]byte("layer: 甲\n"), "映射 (mapping)")
	_, body := classify(renew.Invalid("未保存：数据不符合导入规则。%s", cause))
	if want := "未保存：数据不符合导入规则。映射：图层“甲”不存在，请使用建议映射中的图层名"; body.Error != want {
		t.Errorf("shown %q, want %q", body.Error, want)
	}
}

// A browser asking for a page its role may not use, or one that does not exist, gets a Chinese
// page; the API keeps answering JSON.
func TestErrorPages(t *testing.T) {
	e := newTestServer(func(context.Context) error { return nil })
	e.GET("/forbidden-page", func(echo.Context) error { return renew.ErrForbidden })
	e.GET("/api/v1/forbidden", func(echo.Context) error { return renew.ErrForbidden })
	for _, tt := range []struct {
		path, accept string
		status       int
		want         string
	}{
		{"/forbidden-page", "text/html,application/xhtml+xml", 403, "<h1>没有权限</h1>"},
		{"/no-such-page", "text/html", 404, "<h1>页面不存在</h1>"},
		{"/forbidden-page", "application/json", 403, `"code":"forbidden"`},
		{"/api/v1/forbidden", "text/html", 403, `"code":"forbidden"`},
	} {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		req.Header.Set("Accept", tt.accept)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s (%s): %d %s, want %d with %s", tt.path, tt.accept, rec.Code, rec.Body.String(), tt.status, tt.want)
		}
	}
}

// The pages served by their own routes (account.html by the token routes, downloads.html by the
// download routes) are rendered with the partials like the rest, not sent as raw templates.
func TestPageFileRendered(t *testing.T) {
	for _, name := range []string{"account.html", "downloads.html"} {
		f := pageFile(name)
		if f == nil {
			t.Fatalf("%s: not found", name)
		}
		body := string(f.data)
		if strings.Contains(body, "{{") || !strings.Contains(body, `<link rel="stylesheet" href="/static/base.css">`) ||
			!strings.HasPrefix(body, "<!doctype html>") {
			t.Errorf("%s is not rendered: %.120q", name, body)
		}
	}
}
