package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"renewmap/internal/config"
)

// Without a base map the style and the CSP stay as they are; with 天地图 the style draws its
// eight hosts' tiles (base and annotation) under the data with the attribution, and the CSP
// admits those hosts and no other.
func TestBaseMap(t *testing.T) {
	style := []byte(`{"version":8,"sources":{"renewmap":{"type":"vector","url":"{base}/tiles/all.json"}},
		"layers":[{"id":"background","type":"background"},{"id":"communities-fill","type":"fill","source":"renewmap"}]}`)
	cfg := config.Default()
	if got, _ := withBaseMap(style, cfg, nil); string(got) != string(style) || csp(cfg) != contentSecurityPolicy {
		t.Fatal("no base map configured, yet the style or the CSP changed")
	}
	cfg.DatabaseURL = "postgres://unused"
	cfg.BaseMap, cfg.TiandituLayer, cfg.TiandituURL = "tianditu", "img", "http://127.0.0.1:9/t{n}"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "key") {
		t.Errorf("tianditu without a key: %v", err)
	}
	cfg.TiandituKey = "office-key"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := withBaseMap(style, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sources map[string]struct {
			Tiles       []string `json:"tiles"`
			Attribution string   `json:"attribution"`
		} `json:"sources"`
		Layers []struct{ ID string } `json:"layers"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	img, cia := doc.Sources["basemap"], doc.Sources["basemap-labels"]
	if len(img.Tiles) != 8 || !strings.HasPrefix(img.Tiles[7], "http://127.0.0.1:9/t7/img_w/wmts?") ||
		!strings.Contains(img.Tiles[0], "LAYER=img&") || !strings.Contains(img.Tiles[0], "tk=office-key") ||
		!strings.Contains(img.Tiles[0], "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}") || !strings.Contains(cia.Tiles[3], "LAYER=cia&") {
		t.Errorf("tiles %q / %q", img.Tiles, cia.Tiles)
	}
	if !strings.Contains(img.Attribution, "天地图") {
		t.Errorf("attribution %q", img.Attribution)
	}
	var order []string
	for _, l := range doc.Layers {
		order = append(order, l.ID)
	}
	if strings.Join(order, ",") != "background,basemap,basemap-labels,communities-fill" {
		t.Errorf("layer order %v", order)
	}
	// The server sends the opened CSP (one origin here: the stand-in's eight hosts share it).
	e := New(cfg, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	p := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(p, "img-src 'self' data: blob: http://127.0.0.1:9;") || !strings.Contains(p, "connect-src 'self' http://127.0.0.1:9;") ||
		strings.Contains(p, "tianditu.gov.cn") {
		t.Errorf("CSP %q", p)
	}
	cfg.TiandituURL = "https://t{n}.tianditu.gov.cn"
	if p := csp(cfg); strings.Count(p, "tianditu.gov.cn") != 16 {
		t.Errorf("CSP for the real hosts: %q", p)
	}
}
