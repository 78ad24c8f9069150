package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"renewmap/internal/config"
	"renewmap/internal/pmtiles"
	"renewmap/internal/renew"
)

// tiandituHosts are the eight hosts 天地图 spreads its tiles over ({n} = 0…7 in the URL).
const tiandituHosts = 8

// tiandituAttribution is shown on the map whenever its tiles are.
const tiandituAttribution = "底图：© 天地图（国家地理信息公共服务平台）"

// baseMapTiles returns, for the configured base map, the tile URL lists of the base layer and of
// its annotation (注记) layer; nil when there is no base map.
func baseMapTiles(cfg config.Config) (base, labels []string) {
	if cfg.BaseMap != "tianditu" {
		return nil, nil
	}
	label := map[string]string{"vec": "cva", "img": "cia"}[cfg.TiandituLayer]
	for n := range tiandituHosts {
		host := strings.ReplaceAll(cfg.TiandituURL, "{n}", fmt.Sprint(n))
		wmts := func(layer string) string {
			// The placeholders stay literal for MapLibre; the key is the office's browser key.
			return fmt.Sprintf("%s/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s",
				host, layer, layer, url.QueryEscape(cfg.TiandituKey))
		}
		base = append(base, wmts(cfg.TiandituLayer))
		labels = append(labels, wmts(label))
	}
	return base, labels
}

// baseMapOrigins are the origins the browser loads base-map tiles from (for the CSP).
func baseMapOrigins(cfg config.Config) []string {
	base, _ := baseMapTiles(cfg)
	var out []string
	seen := map[string]bool{}
	for _, t := range base {
		u, err := url.Parse(t)
		if err != nil {
			continue
		}
		o := u.Scheme + "://" + u.Host
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

// csp is the Content-Security-Policy: nothing from other origins, except the configured base
// map's tile hosts for images and fetches.
func csp(cfg config.Config) string {
	extra := strings.Join(baseMapOrigins(cfg), " ")
	if extra == "" {
		return contentSecurityPolicy
	}
	p := strings.Replace(contentSecurityPolicy, "img-src 'self' data: blob:", "img-src 'self' data: blob: "+extra, 1)
	return strings.Replace(p, "connect-src 'self'", "connect-src 'self' "+extra, 1)
}

// withBaseMap adds the configured base map to the style, just above the background and under
// every data layer, with its attribution: 天地图's raster layers, or those drawing the local
// PMTiles file (bm). The style is returned unchanged when there is no base map.
func withBaseMap(style []byte, cfg config.Config, bm *pmtiles.Reader) ([]byte, error) {
	base, labels := baseMapTiles(cfg)
	if (base == nil && bm == nil) || len(style) == 0 {
		return style, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(style, &doc); err != nil {
		return nil, err
	}
	sources, _ := doc["sources"].(map[string]any)
	layers, _ := doc["layers"].([]any)
	if sources == nil {
		return nil, fmt.Errorf("style has no sources")
	}
	var add []any
	if bm != nil {
		add = pmtilesLayers(sources, bm)
	} else {
		raster := func(tiles []string) map[string]any {
			return map[string]any{"type": "raster", "tiles": tiles, "tileSize": 256, "maxzoom": 18, "attribution": tiandituAttribution}
		}
		sources["basemap"], sources["basemap-labels"] = raster(base), raster(labels)
		add = []any{baseLayer("basemap", "raster", "basemap", nil), baseLayer("basemap-labels", "raster", "basemap-labels", nil)}
	}
	at := 0
	for i, l := range layers {
		m, ok := l.(map[string]any)
		if ok && m["type"] == "background" {
			at = i + 1
		}
		// The district's paper-white ground would hide the base map: it becomes a light veil.
		if paint, _ := m["paint"].(map[string]any); ok && m["id"] == "district-fill" && paint != nil {
			paint["fill-opacity"] = districtVeil
		}
	}
	doc["layers"] = append(append(append([]any{}, layers[:at]...), add...), layers[at:]...)
	return json.Marshal(doc)
}

func baseLayer(id, typ, source string, more map[string]any) map[string]any {
	l := map[string]any{"id": id, "type": typ, "source": source, "metadata": map[string]any{"renewmap:group": "base"}}
	for k, v := range more {
		l[k] = v
	}
	return l
}

// districtVeil is the opacity of the district's ground over a base map.
const districtVeil = 0.45

// localAttribution is shown under a local base map whose file names no attribution.
const localAttribution = "底图：本单位离线底图"

// pmtilesLayers adds the source of the local base map (tiles at /basemap/{z}/{x}/{y}, within the
// file's zooms and bounds) and returns its layers: one raster layer for image tiles; for vector
// tiles a quiet grey drawing of every vector layer its metadata lists (areas filled without
// outlines, which would show the tile seams; lines drawn), so the data stay what the eye sees.
func pmtilesLayers(sources map[string]any, bm *pmtiles.Reader) []any {
	h := bm.Header()
	var meta struct {
		Attribution  string `json:"attribution"`
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	_ = json.Unmarshal(bm.Metadata(), &meta) // metadata is optional: none means no layers named
	attribution := localAttribution
	if a := strings.TrimSpace(tagless(meta.Attribution)); a != "" {
		attribution = "底图：" + a
	}
	src := map[string]any{"tiles": []string{"{base}/basemap/{z}/{x}/{y}"}, "minzoom": h.MinZoom, "maxzoom": h.MaxZoom,
		"attribution": attribution}
	if h.MinLon < h.MaxLon && h.MinLat < h.MaxLat {
		src["bounds"] = []float64{h.MinLon, h.MinLat, h.MaxLon, h.MaxLat}
	}
	if h.TileType != pmtiles.TypeMVT {
		src["type"], src["tileSize"] = "raster", 256
		sources["basemap"] = src
		return []any{baseLayer("basemap", "raster", "basemap", nil)}
	}
	src["type"] = "vector"
	sources["basemap"] = src
	var out []any
	for _, vl := range meta.VectorLayers {
		polygons := []any{"==", []any{"geometry-type"}, "Polygon"}
		out = append(out,
			baseLayer("basemap-"+vl.ID+"-fill", "fill", "basemap", map[string]any{"source-layer": vl.ID, "filter": polygons,
				"paint": map[string]any{"fill-color": "#e6e6e6", "fill-antialias": false}}),
			baseLayer("basemap-"+vl.ID+"-line", "line", "basemap", map[string]any{"source-layer": vl.ID,
				"filter": []any{"==", []any{"geometry-type"}, "LineString"},
				"paint":  map[string]any{"line-color": "#c8c8c8", "line-width": 1}}))
	}
	return out
}

// tagless drops markup from a text the file supplies (MapLibre shows attributions as HTML).
func tagless(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// baseMapCacheControl: a base-map file does not change while the server runs; the ETag serves
// after a restart with another file.
const baseMapCacheControl = "private, max-age=86400"

func (s *server) routesBaseMap(e *echo.Group) {
	if s.deps.BaseMap == nil {
		return
	}
	g := e.Group("/basemap", s.require(nil))
	g.GET("/:z/:x/:y", s.baseMapTile)
	g.HEAD("/:z/:x/:y", s.baseMapTile)
}

// baseMapTile answers GET /basemap/{z}/{x}/{y} from the local PMTiles file: the tile as stored,
// with its media type, gzip as Content-Encoding when the file stores tiles gzipped (unpacked for
// a client that does not take gzip), an ETag of its bytes; 204 for a tile the file lacks.
func (s *server) baseMapTile(c echo.Context) error {
	z, errz := strconv.ParseUint(c.Param("z"), 10, 8)
	x, errx := strconv.ParseUint(c.Param("x"), 10, 32)
	y, erry := strconv.ParseUint(c.Param("y"), 10, 32)
	if errz != nil || errx != nil || erry != nil || z > pmtiles.MaxZoom || x >= 1<<z || y >= 1<<z {
		return renew.Invalid("base map tile %q/%q/%q: zoom 0–%d and x, y within it", c.Param("z"), c.Param("x"), c.Param("y"), pmtiles.MaxZoom)
	}
	bm := s.deps.BaseMap
	b, ok, err := bm.Tile(uint8(z), uint32(x), uint32(y))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", baseMapCacheControl)
	if !ok {
		return c.NoContent(http.StatusNoContent)
	}
	etag := fmt.Sprintf(`"%x"`, crc64.Checksum(b, crcTable))
	h.Set("ETag", etag)
	h.Set("Vary", "Accept-Encoding")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if bm.Header().TileCompression == pmtiles.CompressionGzip {
		if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
		} else if b, err = gunzip(b); err != nil {
			return err
		}
	}
	return c.Blob(http.StatusOK, bm.Header().ContentType(), b)
}

var crcTable = crc64.MakeTable(crc64.ECMA)

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("base map tile: %w", err)
	}
	return io.ReadAll(zr)
}
