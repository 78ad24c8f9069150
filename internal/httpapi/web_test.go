package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"renewmap/internal/config"
	"renewmap/internal/httpapi"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
	"renewmap/web"
)

// newWebServer is the real router without a database (the web routes need none), letting
// visitors in without a login as the intranet set-up with RENEWMAP_ALLOW_ANONYMOUS does.
// with, if given, changes the configuration and the dependencies first.
func newWebServer(t *testing.T, with ...func(*config.Config, *httpapi.Deps)) *echo.Echo {
	t.Helper()
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DatabaseURL = "postgres://unused"
	cfg.AllowAnonymous = true
	deps := httpapi.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Catalogue: cat,
		Versions: &tiles.Versions{}, TileCache: tiles.NewCache(1 << 20),
	}
	for _, f := range with {
		f(&cfg, &deps)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return httpapi.New(cfg, deps)
}

func get(e *echo.Echo, method, target string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestWebIndex(t *testing.T) {
	e := newWebServer(t)
	rec := get(e, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := rec.Body.String()
	for _, want := range []string{"<title>铁西区老旧小区改造一张图</title>", "示例数据", "/static/vendor/maplibre-gl.js?v="} {
		if !strings.Contains(body, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	// The page must run under script-src 'self' and style-src 'self': no inline code or styles.
	for _, tag := range regexp.MustCompile(`<script\b[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	if regexp.MustCompile(`<style\b|\sstyle=|\son[a-z]+=`).MatchString(body) {
		t.Error("index.html has an inline style or event handler attribute")
	}
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(body) {
		t.Error("index.html refers to another host")
	}

	head := get(e, http.MethodHead, "/", nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Errorf("HEAD / = %d with %d body bytes", head.Code, head.Body.Len())
	}
}

func TestWebStatic(t *testing.T) {
	e := newWebServer(t)
	tests := []struct {
		path, ctype, cache string
	}{
		{"/static/vendor/maplibre-gl.js", "text/javascript; charset=utf-8", "public, max-age=86400"},
		{"/static/vendor/maplibre-gl.css", "text/css; charset=utf-8", "public, max-age=86400"},
		{"/static/js/main.js", "text/javascript; charset=utf-8", "no-cache"},
		{"/static/app.css", "text/css; charset=utf-8", "no-cache"},
		{"/static/favicon.svg", "image/svg+xml", "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(e, http.MethodGet, tt.path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			want, err := fs.ReadFile(web.FS, "static"+strings.TrimPrefix(tt.path, "/static"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rec.Body.Bytes(), want) {
				t.Error("body differs from the embedded file")
			}
			etag := rec.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if nm := get(e, http.MethodGet, tt.path, map[string]string{"If-None-Match": etag}); nm.Code != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", nm.Code)
			}
		})
	}
}

func TestWebStaticGzip(t *testing.T) {
	e := newWebServer(t)
	plain := get(e, http.MethodGet, "/static/vendor/maplibre-gl.js", nil)
	rec := get(e, http.MethodGet, "/static/vendor/maplibre-gl.js", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q", rec.Header().Get("Content-Encoding"))
	}
	if rec.Body.Len() >= plain.Body.Len()/2 {
		t.Errorf("gzipped %d bytes of %d", rec.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain.Body.Bytes()) {
		t.Error("gunzipped body differs")
	}
	if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}
	if q0 := get(e, http.MethodGet, "/static/app.css", map[string]string{"Accept-Encoding": "gzip;q=0"}); q0.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although the client refused it (q=0)")
	}
}

func TestWebStaticNotFound(t *testing.T) {
	e := newWebServer(t)
	for _, p := range []string{"/static/nope.js", "/static/vendor/", "/static/", "/static/index.html",
		"/static/%2e%2e/fs.go", "/static/../go.mod", "/static/js"} {
		t.Run(p, func(t *testing.T) {
			rec := get(e, http.MethodGet, p, nil)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("status %d, want 404", rec.Code)
			}
			var body struct{ Error, Code string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != "not_found" {
				t.Errorf("body %q: want JSON with code not_found", rec.Body.String())
			}
		})
	}
}

// TestWebFieldsMatchCatalogue checks /static/fields.json (popup field order, and which code list
// translates each property), which the server makes from the layer catalogue, against
// tiles/layers.json as the catalogue's authors wrote it.
func TestWebFieldsMatchCatalogue(t *testing.T) {
	var cat struct {
		Layers []struct {
			ID         string `json:"id"`
			Properties []struct {
				Name string `json:"name"`
				Enum string `json:"enum"`
				List bool   `json:"list"`
			} `json:"properties"`
		} `json:"layers"`
	}
	readJSON(t, tilefiles.FS, "layers.json", &cat)
	type layout struct {
		Fields []string          `json:"fields"`
		Enums  map[string]string `json:"enums"`
	}
	rec := get(newWebServer(t), http.MethodGet, "/static/fields.json", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") == "" {
		t.Fatalf("GET /static/fields.json = %d %v", rec.Code, rec.Header())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	for _, l := range cat.Layers {
		seen[l.ID] = true
		var got layout
		if err := json.Unmarshal(raw[l.ID], &got); err != nil {
			t.Errorf("fields.json %s: %v", l.ID, err)
			continue
		}
		var order []string
		enums := map[string]string{}
		for _, p := range l.Properties {
			order = append(order, p.Name)
			enums[p.Name] = p.Enum
			want := p.Enum
			if p.List {
				want += "[]"
			}
			if p.Enum != "" && got.Enums[p.Name] != want {
				t.Errorf("fields.json %s.enums.%s = %q, the catalogue says %q", l.ID, p.Name, got.Enums[p.Name], want)
			}
		}
		if strings.Join(got.Fields, ",") != strings.Join(order, ",") {
			t.Errorf("fields.json %s.fields = %v, the catalogue has %v", l.ID, got.Fields, order)
		}
		for prop, enum := range got.Enums {
			catEnum, ok := enums[prop]
			switch {
			case !ok:
				t.Errorf("fields.json %s.enums.%s: no such property in the catalogue", l.ID, prop)
			case catEnum == "":
				t.Errorf("fields.json %s.enums.%s = %q, but the catalogue gives it no enum", l.ID, prop, enum)
			}
		}
	}
	for id := range raw {
		if !seen[id] {
			t.Errorf("fields.json has layer %s, which the catalogue lacks", id)
		}
	}
}

// TestStyleMatchesCatalogue checks tiles/style.json against the catalogue and what the web app
// relies on: the composite source plus one per overlay, no glyphs (labels drawn with local fonts),
// every source-layer a catalogue layer, every layer in a switcher group, and the layer ids the
// app's scripts use.
func TestStyleMatchesCatalogue(t *testing.T) {
	var style struct {
		Glyphs  *string `json:"glyphs"`
		Sources map[string]struct {
			Type, URL string
		} `json:"sources"`
		Layers []struct {
			ID          string         `json:"id"`
			Type        string         `json:"type"`
			Source      string         `json:"source"`
			SourceLayer string         `json:"source-layer"`
			Metadata    map[string]any `json:"metadata"`
		} `json:"layers"`
	}
	readJSON(t, tilefiles.FS, "style.json", &style)
	if style.Glyphs != nil {
		t.Error("style.json has a glyphs key: labels must be drawn with local fonts (no glyph server offline)")
	}
	var catalogue struct {
		Layers []struct {
			ID      string `json:"id"`
			Overlay bool   `json:"overlay"`
		} `json:"layers"`
	}
	readJSON(t, tilefiles.FS, "layers.json", &catalogue)
	known := map[string]bool{}
	// The source each catalogue layer must be drawn from: the composite, or an overlay's own.
	source := map[string]string{}
	wantSources := map[string]string{"renewmap": "{base}/tiles/all.json"}
	for _, l := range catalogue.Layers {
		known[l.ID] = true
		source[l.ID] = "renewmap"
		if l.Overlay {
			source[l.ID] = l.ID
			wantSources[l.ID] = "{base}/tiles/" + l.ID + ".json"
		}
	}
	if len(style.Sources) != len(wantSources) {
		t.Errorf("%d sources, want %d: the composite and one per overlay", len(style.Sources), len(wantSources))
	}
	for id, url := range wantSources {
		if s := style.Sources[id]; s.Type != "vector" || s.URL != url {
			t.Errorf("source %s = %+v, want a vector source at %s", id, s, url)
		}
	}
	ids := map[string]bool{}
	drawn := map[string]bool{}
	for _, l := range style.Layers {
		ids[l.ID] = true
		if l.Type == "background" {
			continue
		}
		if !known[l.SourceLayer] || l.Source != source[l.SourceLayer] {
			t.Errorf("layer %s: source %q source-layer %q: not a catalogue layer, or not from source %q",
				l.ID, l.Source, l.SourceLayer, source[l.SourceLayer])
		}
		drawn[l.SourceLayer] = true
		if g, _ := l.Metadata["renewmap:group"].(string); g == "" {
			t.Errorf("layer %s has no renewmap:group (the layer switcher needs one)", l.ID)
		}
	}
	for id := range known {
		if !drawn[id] {
			t.Errorf("catalogue layer %s is not drawn by the style", id)
		}
	}
	scripts := ""
	for _, f := range []string{"static/js/main.js", "static/js/panel.js"} {
		b, err := fs.ReadFile(web.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		scripts += string(b)
	}
	for _, id := range regexp.MustCompile(`'([a-z_]+-(?:fill|line|circle|casing|internal|footway|highlight(?:-glow)?)|[a-z_]+_labels)'`).FindAllStringSubmatch(scripts, -1) {
		if !ids[id[1]] {
			t.Errorf("the web app uses style layer %q, which style.json lacks", id[1])
		}
	}
}

func readJSON(t *testing.T, fsys fs.FS, name string, v any) {
	t.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// A part of the API whose store is not configured answers 503 "unavailable" on every route (a
// nil Deps field), not a 500 from a nil store.
func TestUnconfiguredStores(t *testing.T) {
	e := newWebServer(t)
	for _, path := range []string{"/api/v1/plans", "/api/v1/progress", "/api/v1/areas", "/api/v1/parking-gap",
		"/api/public/notices", "/api/public/surveys/C-001", "/api/v1/satisfaction", "/ogc/collections/buildings/items"} {
		rec := get(e, http.MethodGet, path, nil)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"unavailable"`) {
			t.Errorf("GET %s = %d %s, want 503 unavailable", path, rec.Code, rec.Body)
		}
	}
}

// TestWebPagesShareHead checks the pages as served: rendered from their templates with the
// shared head (one title, base.css before any page style), nothing left of the template syntax.
func TestWebPagesShareHead(t *testing.T) {
	e := newWebServer(t)
	base := `<link rel="stylesheet" href="/static/base.css">`
	for _, tt := range []struct{ path, title string }{
		{"/", "<title>铁西区老旧小区改造一张图</title>"},
		{"/login", "<title>登录 · 铁西区老旧小区改造一张图</title>"},
		{"/dashboard", "<title>改造进度看板 · 铁西区老旧小区改造一张图</title>"},
		{"/plan", "<title>改造方案 · 铁西区老旧小区改造一张图</title>"},
		{"/areas", "<title>片区规划 · 铁西区老旧小区改造一张图</title>"},
		{"/area-report", "<title>片区报告 · 铁西区老旧小区改造一张图</title>"},
		{"/downloads", "<title>数据下载 · 铁西区老旧小区改造一张图</title>"},
		{"/notices", "<title>改造方案公示 · 铁西区老旧小区改造</title>"},
		{"/notice/N1", "<title>改造方案公示 · 铁西区老旧小区改造</title>"},
		{"/survey/S1", "<title>改造内容征求意见 · 铁西区老旧小区改造</title>"},
		{"/rate/S1", "<title>改造效果满意度评价 · 铁西区老旧小区改造</title>"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(e, http.MethodGet, tt.path, nil)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if !strings.HasPrefix(body, "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n") {
				t.Errorf("does not open with the shared head: %.80q", body)
			}
			if strings.Count(body, "<title>") != 1 || !strings.Contains(body, tt.title) {
				t.Errorf("want one title %s", tt.title)
			}
			i := strings.Index(body, base)
			if i < 0 || strings.Count(body, base) != 1 {
				t.Fatalf("base.css linked %d times", strings.Count(body, base))
			}
			for _, l := range regexp.MustCompile(`<link rel="stylesheet" href="[^"]+">`).FindAllStringIndex(body, -1) {
				if l[0] < i {
					t.Errorf("a style before base.css: %s", body[l[0]:l[1]])
				}
			}
			if strings.Contains(body, "{{") || strings.Contains(body, "<no value>") {
				t.Error("template syntax left in the page")
			}
		})
	}
	// The residents' survey pages share the household code form.
	for _, p := range []string{"/survey/S1", "/rate/S1"} {
		body := get(e, http.MethodGet, p, nil).Body.String()
		for _, want := range []string{`<form id="code-form" novalidate>`, `<textarea id="comment" maxlength="500"`, `id="ballot-count"`, `class="demo-note"`} {
			if strings.Count(body, want) != 1 {
				t.Errorf("%s: %q %d times, want once", p, want, strings.Count(body, want))
			}
		}
	}
}
