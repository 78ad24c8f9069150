package httpapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"renewmap/internal/config"
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

// withBaseMap adds the configured base map to the style: its raster layers just above the
// background, under every data layer, with the attribution. The style is returned unchanged when
// there is no base map.
func withBaseMap(style []byte, cfg config.Config) ([]byte, error) {
	base, labels := baseMapTiles(cfg)
	if base == nil || len(style) == 0 {
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
	raster := func(tiles []string) map[string]any {
		return map[string]any{"type": "raster", "tiles": tiles, "tileSize": 256, "maxzoom": 18, "attribution": tiandituAttribution}
	}
	sources["basemap"], sources["basemap-labels"] = raster(base), raster(labels)
	at := 0
	for i, l := range layers {
		if m, ok := l.(map[string]any); ok && m["type"] == "background" {
			at = i + 1
		}
	}
	add := []any{
		map[string]any{"id": "basemap", "type": "raster", "source": "basemap", "metadata": map[string]any{"renewmap:group": "base"}},
		map[string]any{"id": "basemap-labels", "type": "raster", "source": "basemap-labels", "metadata": map[string]any{"renewmap:group": "base"}},
	}
	doc["layers"] = append(append(append([]any{}, layers[:at]...), add...), layers[at:]...)
	return json.Marshal(doc)
}
