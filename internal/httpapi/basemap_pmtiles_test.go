package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"renewmap/internal/config"
	"renewmap/internal/httpapi"
	"renewmap/internal/pmtiles"
	"renewmap/internal/pmtiles/pmtilestest"
)

// pmtilesServer serves the real style and routes with a base map made of archive a.
func pmtilesServer(t *testing.T, a pmtilestest.Archive) *echo.Echo {
	t.Helper()
	b := a.Bytes()
	r, err := pmtiles.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return newWebServer(t, func(cfg *config.Config, d *httpapi.Deps) {
		cfg.BaseMap, cfg.BaseMapFile = "pmtiles", "base.pmtiles"
		d.BaseMap = r
	})
}

type styleDoc struct {
	Sources map[string]struct {
		Type        string    `json:"type"`
		Tiles       []string  `json:"tiles"`
		MinZoom     int       `json:"minzoom"`
		MaxZoom     int       `json:"maxzoom"`
		Bounds      []float64 `json:"bounds"`
		Attribution string    `json:"attribution"`
	} `json:"sources"`
	Layers []struct {
		ID          string         `json:"id"`
		Type        string         `json:"type"`
		Source      string         `json:"source"`
		SourceLayer string         `json:"source-layer"`
		Paint       map[string]any `json:"paint"`
	} `json:"layers"`
}

func fetchStyle(t *testing.T, e *echo.Echo) styleDoc {
	t.Helper()
	rec := get(e, http.MethodGet, "/tiles/style.json", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("style: %d %s", rec.Code, rec.Body)
	}
	var doc styleDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// A raster PMTiles file: the style draws it first (above the background, under the data) from
// the same origin within the file's zooms and bounds, naming the file's attribution without
// its markup; tiles come with their type, an ETag honoured by If-None-Match, a day's caching; a
// tile the file lacks is 204, a tile address out of range 400 in Chinese; the CSP is unchanged.
func TestBaseMapPMTilesRaster(t *testing.T) {
	a := pmtilestest.Archive{Tiles: map[uint64][]byte{}, TileType: pmtiles.TypePNG, MinZoom: 1, MaxZoom: 3,
		Meta: `{"attribution":"<a href=\"x\">测绘院</a> 2025"}`, Bounds: [4]float64{124.2, 43.1, 124.5, 43.3}}
	a.Tiles[pmtiles.ZxyToID(3, 5, 2)] = []byte("\x89PNG one")
	a.Tiles[pmtiles.ZxyToID(2, 2, 1)] = []byte("\x89PNG two")
	e := pmtilesServer(t, a)
	doc := fetchStyle(t, e)
	src := doc.Sources["basemap"]
	if src.Type != "raster" || len(src.Tiles) != 1 || src.Tiles[0] != "http://example.com/basemap/{z}/{x}/{y}" ||
		src.MinZoom != 1 || src.MaxZoom != 3 || len(src.Bounds) != 4 || src.Bounds[0] != 124.2 || src.Bounds[3] != 43.3 {
		t.Errorf("source %+v", src)
	}
	if src.Attribution != "底图：测绘院 2025" {
		t.Errorf("attribution %q", src.Attribution)
	}
	if doc.Layers[0].Type != "background" || doc.Layers[1].ID != "basemap" || doc.Layers[1].Source != "basemap" {
		t.Errorf("layers start %+v", doc.Layers[:3])
	}
	veiled := false
	for _, l := range doc.Layers[2:] {
		veiled = veiled || l.ID == "district-fill"
		if l.Source == "basemap" {
			t.Errorf("base-map layer %s among the data", l.ID)
		}
		// The district's ground no longer hides the base map.
		if o, _ := l.Paint["fill-opacity"].(float64); l.ID == "district-fill" && (o <= 0 || o >= 1) {
			t.Errorf("district-fill opacity %v over a base map", l.Paint["fill-opacity"])
		}
	}
	if !veiled {
		t.Error("the style has no district-fill")
	}

	rec := get(e, http.MethodGet, "/basemap/3/5/2", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Code != http.StatusOK || rec.Body.String() != "\x89PNG one" || rec.Header().Get("Content-Type") != "image/png" ||
		rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Cache-Control") != "private, max-age=86400" {
		t.Fatalf("tile: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || get(e, http.MethodGet, "/basemap/2/2/1", nil).Header().Get("ETag") == etag {
		t.Errorf("ETag %q not the tile's own", etag)
	}
	if rec := get(e, http.MethodGet, "/basemap/3/5/2", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("revalidation: %d", rec.Code)
	}
	if rec := get(e, http.MethodGet, "/basemap/3/5/3", nil); rec.Code != http.StatusNoContent {
		t.Errorf("missing tile: %d", rec.Code)
	}
	for _, bad := range []string{"/basemap/3/8/0", "/basemap/x/1/1", "/basemap/40/0/0", "/basemap/2/-1/0"} {
		rec := get(e, http.MethodGet, bad, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":"invalid"`) || !strings.Contains(rec.Body.String(), "底图") {
			t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
		}
	}
	if p := rec.Header().Get("Content-Security-Policy"); !strings.Contains(p, "img-src 'self' data: blob:;") || !strings.Contains(p, "connect-src 'self';") {
		t.Errorf("CSP opened for a local base map: %q", p)
	}
}

// A vector PMTiles file with gzipped tiles: a grey drawing of each vector layer its metadata
// lists, under the data; tiles sent gzipped with Content-Encoding, or unpacked for a client that
// takes no gzip; a file without an attribution gets the local one.
func TestBaseMapPMTilesVector(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("mvt bytes"))
	zw.Close()
	a := pmtilestest.Archive{Tiles: map[uint64][]byte{pmtiles.ZxyToID(0, 0, 0): z.Bytes()}, TileType: pmtiles.TypeMVT, GzipTiles: true, GzipDirs: true,
		Meta: `{"vector_layers":[{"id":"water"},{"id":"roads"}]}`}
	e := pmtilesServer(t, a)
	doc := fetchStyle(t, e)
	if src := doc.Sources["basemap"]; src.Type != "vector" || src.Attribution != "底图：本单位离线底图" || src.Bounds != nil {
		t.Errorf("source %+v", src)
	}
	var ids []string
	for _, l := range doc.Layers[1:5] {
		ids = append(ids, l.ID+":"+l.SourceLayer)
	}
	if strings.Join(ids, ",") != "basemap-water-fill:water,basemap-water-line:water,basemap-roads-fill:roads,basemap-roads-line:roads" {
		t.Errorf("layers %v", ids)
	}
	rec := get(e, http.MethodGet, "/basemap/0/0/0", map[string]string{"Accept-Encoding": "gzip, deflate"})
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), z.Bytes()) || rec.Header().Get("Content-Encoding") != "gzip" ||
		rec.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("gzip tile: %d %v", rec.Code, rec.Header())
	}
	rec = get(e, http.MethodGet, "/basemap/0/0/0", nil)
	if rec.Code != http.StatusOK || rec.Body.String() != "mvt bytes" || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("plain tile: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}
