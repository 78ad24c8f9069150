package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// anyGeometry is what a plan item's optional geometry may be.
var anyGeometry = []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}

// parseGeometry decodes a GeoJSON geometry whose type must be one of allowed (none: it must be
// null) and checks its coordinates: finite longitude, latitude in range, closed rings of at least
// four positions, lines of at least two. Polygons come back as MultiPolygons when MultiPolygon is
// allowed too. On a problem it returns a message saying what is wrong.
func parseGeometry(raw json.RawMessage, allowed []string) (orb.Geometry, string) {
	if len(raw) == 0 || isNull(raw) {
		if len(allowed) == 0 {
			return nil, ""
		}
		return nil, "missing; must be " + oneOf(allowed)
	}
	if len(allowed) == 0 {
		return nil, "must be null: this layer has no geometry"
	}
	var g struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		return nil, "must be a GeoJSON geometry object, got " + shortRaw(raw)
	}
	if !slices.Contains(allowed, g.Type) {
		got := g.Type
		if got == "" {
			got = "no type"
		}
		return nil, fmt.Sprintf("must be %s, got %s", oneOf(allowed), got)
	}
	if g.Coordinates == nil {
		return nil, fmt.Sprintf(`a %s needs "coordinates"`, g.Type)
	}
	c := coords{typ: g.Type}
	var out orb.Geometry
	switch g.Type {
	case "Point":
		out = c.point(g.Coordinates, "")
	case "MultiPoint":
		out = orb.MultiPoint(c.points(g.Coordinates, 1, ""))
	case "LineString":
		out = c.line(g.Coordinates, "")
	case "MultiLineString":
		var ml orb.MultiLineString
		for i, l := range c.array(g.Coordinates, 1, "") {
			ml = append(ml, c.line(l, fmt.Sprintf("line %d: ", i)))
		}
		out = ml
	case "Polygon":
		poly := c.polygon(g.Coordinates, "")
		if slices.Contains(allowed, "MultiPolygon") {
			out = orb.MultiPolygon{poly}
		} else {
			out = poly
		}
	case "MultiPolygon":
		var mp orb.MultiPolygon
		for i, p := range c.array(g.Coordinates, 1, "") {
			mp = append(mp, c.polygon(p, fmt.Sprintf("polygon %d: ", i)))
		}
		out = mp
	}
	if c.msg != "" {
		return nil, c.msg
	}
	return out, ""
}

func oneOf(types []string) string {
	switch len(types) {
	case 1:
		return "a " + types[0]
	case 2:
		return "a " + types[0] + " or " + types[1]
	}
	return "a " + strings.Join(types[:len(types)-1], ", ") + " or " + types[len(types)-1]
}

// coords walks decoded coordinates, keeping the first problem.
type coords struct {
	typ string
	msg string
}

func (c *coords) fail(where, format string, args ...any) {
	if c.msg == "" {
		c.msg = where + fmt.Sprintf(format, args...)
	}
}

// array returns v as an array of at least min elements.
func (c *coords) array(v any, min int, where string) []any {
	a, ok := v.([]any)
	if !ok {
		c.fail(where, "coordinates of a %s must be nested arrays ending in [longitude, latitude] positions, got %s", c.typ, shortJSON(v))
		return nil
	}
	if len(a) < min {
		c.fail(where, "a %s needs at least %d element(s) here, got %d", c.typ, min, len(a))
	}
	return a
}

func (c *coords) point(v any, where string) orb.Point {
	a, ok := v.([]any)
	if !ok || len(a) < 2 {
		c.fail(where, "a position must be an array [longitude, latitude], got %s", shortJSON(v))
		return orb.Point{}
	}
	var xy [2]float64
	for i := range 2 {
		n, ok := a[i].(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if !ok || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			c.fail(where, "a position must hold finite numbers [longitude, latitude], got %s", shortJSON(v))
			return orb.Point{}
		}
		xy[i] = f
	}
	// Further elements (an elevation) are allowed by GeoJSON and dropped.
	if xy[0] < -180 || xy[0] > 180 {
		c.fail(where, "longitude %v is outside [-180, 180] (position %s); coordinates must be longitude, latitude in degrees", xy[0], shortJSON(v))
	} else if xy[1] < -90 || xy[1] > 90 {
		c.fail(where, "latitude %v is outside [-90, 90] (position %s); coordinates must be longitude, latitude in degrees", xy[1], shortJSON(v))
	}
	return orb.Point(xy)
}

func (c *coords) points(v any, min int, where string) []orb.Point {
	a := c.array(v, min, where)
	out := make([]orb.Point, 0, len(a))
	for _, p := range a {
		out = append(out, c.point(p, where))
		if c.msg != "" {
			return nil
		}
	}
	return out
}

func (c *coords) line(v any, where string) orb.LineString {
	a, ok := v.([]any)
	if ok && len(a) < 2 {
		c.fail(where, "a line needs at least 2 positions, got %d", len(a))
		return nil
	}
	return orb.LineString(c.points(v, 2, where))
}

func (c *coords) polygon(v any, where string) orb.Polygon {
	var poly orb.Polygon
	for i, r := range c.array(v, 1, where) {
		w := fmt.Sprintf("%sring %d: ", where, i)
		a, ok := r.([]any)
		if ok && len(a) < 4 {
			c.fail(w, "a ring needs at least 4 positions (the last repeating the first), got %d", len(a))
			return nil
		}
		ring := orb.Ring(c.points(r, 4, w))
		if c.msg != "" {
			return nil
		}
		if ring[0] != ring[len(ring)-1] {
			c.fail(w, "the ring is not closed: its last position %v differs from its first %v", ring[len(ring)-1], ring[0])
			return nil
		}
		poly = append(poly, ring)
	}
	return poly
}
