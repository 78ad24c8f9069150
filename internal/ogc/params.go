package ogc

import (
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"renewmap/internal/renew"
	"renewmap/internal/tiles"
)

// BBox is a box in easting/northing (x, y) order whatever the axis order of its CRS: MinX is
// west, MinY south.
type BBox struct {
	MinX, MinY, MaxX, MaxY float64
	CRS                    CRS
}

// Box is the box as west, south, east, north (minimum x, minimum y, maximum x, maximum y).
func (b BBox) Box() [4]float64 { return [4]float64{b.MinX, b.MinY, b.MaxX, b.MaxY} }

// ParseBBox parses the bbox parameter: four numbers (or six, for a 3D box, whose heights are
// ignored) separated by commas, in the axis order of c (Part 2: bbox-crs): for CRS84
// west,south,east,north; for EPSG:4490 and EPSG:4326 south,west,north,east; for EPSG:4550
// minimum northing, minimum easting, maximum northing, maximum easting. Every number must be
// finite and within the CRS's range, and the minimum must not exceed the maximum (boxes across
// the antimeridian are not supported: the service covers one district).
func ParseBBox(s string, c CRS) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return BBox{}, renew.Invalid("bbox: 4 comma-separated numbers expected (minx,miny,maxx,maxy), got %d (范围参数应为4个数)", len(parts))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, renew.Invalid("bbox: value %d (%q) is not a finite number (范围参数不是有效数字)", i+1, clip(p, 30))
		}
		v[i] = f
	}
	if len(v) == 6 {
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	b := BBox{MinX: v[0], MinY: v[1], MaxX: v[2], MaxY: v[3], CRS: c}
	if c.NorthFirst {
		b = BBox{MinX: v[1], MinY: v[0], MaxX: v[3], MaxY: v[2], CRS: c}
	}
	xName, yName, xr, yr := "longitude", "latitude", [2]float64{-180, 180}, [2]float64{-90, 90}
	if !c.Geographic {
		xName, yName, xr, yr = "easting", "northing", [2]float64{0, 1_000_000}, [2]float64{0, 10_000_000}
	}
	for _, r := range []struct {
		name string
		v    float64
		lim  [2]float64
	}{{xName, b.MinX, xr}, {xName, b.MaxX, xr}, {yName, b.MinY, yr}, {yName, b.MaxY, yr}} {
		if r.v < r.lim[0] || r.v > r.lim[1] {
			return BBox{}, renew.Invalid("bbox: %s %g is outside %g…%g for %s (范围超出坐标系取值)", r.name, r.v, r.lim[0], r.lim[1], c.Code)
		}
	}
	if b.MinX > b.MaxX {
		return BBox{}, renew.Invalid("bbox: minimum %s %g is greater than maximum %g (west > east; 西边界大于东边界)", xName, b.MinX, b.MaxX)
	}
	if b.MinY > b.MaxY {
		return BBox{}, renew.Invalid("bbox: minimum %s %g is greater than maximum %g (south > north; 南边界大于北边界)", yName, b.MinY, b.MaxY)
	}
	return b, nil
}

// Paging limits.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	MaxOffset    = 1 << 30
)

// ParseLimit parses limit: empty is DefaultLimit; otherwise an integer 1…MaxLimit.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxLimit {
		return 0, renew.Invalid("limit: an integer from 1 to %d expected, got %q (每页数量无效)", MaxLimit, clip(s, 30))
	}
	return n, nil
}

// ParseOffset parses offset: empty is 0; otherwise an integer 0…MaxOffset.
func ParseOffset(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > MaxOffset {
		return 0, renew.Invalid("offset: an integer from 0 to %d expected, got %q (偏移量无效)", MaxOffset, clip(s, 30))
	}
	return n, nil
}

// Filter is property = value, with the value typed as the catalogue says (string, float64 or bool).
type Filter struct {
	Name  string
	Value any
}

// Reserved are the query parameters of the items endpoint that are not property filters.
// datetime is accepted and ignored: no collection has a temporal extent.
var Reserved = map[string]bool{
	"bbox": true, "bbox-crs": true, "crs": true, "limit": true, "offset": true, "f": true, "datetime": true,
}

// Filterable returns the properties a collection can be filtered on: its catalogue properties,
// plus code when the collection has one.
func Filterable(l *tiles.Layer, hasCode bool) []tiles.Property {
	out := make([]tiles.Property, 0, len(l.Properties)+1)
	seen := map[string]bool{}
	if hasCode {
		out = append(out, tiles.Property{Name: "code", Title: "编码", Type: "string"})
		seen["code"] = true
	}
	for _, p := range l.Properties {
		if !seen[p.Name] {
			out = append(out, p)
			seen[p.Name] = true
		}
	}
	return out
}

// maxFilterValue caps a filter value's length in characters.
const maxFilterValue = 200

// ParseFilters reads property=value filters from q: every parameter that is not Reserved must
// name one of props and appear once; its value must parse as the property's type (a finite
// number; true or false). The filters come sorted by name.
func ParseFilters(q url.Values, props []tiles.Property) ([]Filter, error) {
	byName := make(map[string]tiles.Property, len(props))
	for _, p := range props {
		byName[p.Name] = p
	}
	var out []Filter
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if Reserved[k] {
			continue
		}
		p, ok := byName[k]
		if !ok {
			names := make([]string, len(props))
			for i, p := range props {
				names[i] = p.Name
			}
			return nil, renew.Invalid("unknown parameter or property %q; filterable properties: %s (未知的查询参数)",
				clip(k, 40), strings.Join(names, ", "))
		}
		vs := q[k]
		if len(vs) != 1 {
			return nil, renew.Invalid("%s: give one value, not %d (属性条件只能有一个值)", k, len(vs))
		}
		v := vs[0]
		switch p.Type {
		case "number":
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, renew.Invalid("%s: a number expected, got %q (应为数字)", k, clip(v, 30))
			}
			out = append(out, Filter{k, f})
		case "boolean":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "1":
				out = append(out, Filter{k, true})
			case "false", "0":
				out = append(out, Filter{k, false})
			default:
				return nil, renew.Invalid("%s: true or false expected, got %q (应为 true 或 false)", k, clip(v, 30))
			}
		default:
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxFilterValue {
				return nil, renew.Invalid("%s: at most %d characters of valid UTF-8 (属性值过长或编码无效)", k, maxFilterValue)
			}
			out = append(out, Filter{k, v})
		}
	}
	return out, nil
}

// Format is a response encoding.
type Format int

// The encodings: JSON (GeoJSON for features) and HTML.
const (
	JSON Format = iota
	HTML
)

// Negotiate picks the encoding: the f parameter (json, geojson or html) decides; without it an
// Accept header naming text/html before any JSON type gets HTML (a browser), anything else JSON.
func Negotiate(f, accept string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(f)) {
	case "json", "geojson", "application/json", "application/geo+json":
		return JSON, nil
	case "html", "text/html":
		return HTML, nil
	case "":
	default:
		return JSON, renew.Invalid("f: json or html expected, got %q (不支持的输出格式)", clip(f, 30))
	}
	a := strings.ToLower(accept)
	h := strings.Index(a, "text/html")
	if h < 0 {
		return JSON, nil
	}
	j := strings.Index(a, "json")
	if j >= 0 && j < h {
		return JSON, nil
	}
	return HTML, nil
}
