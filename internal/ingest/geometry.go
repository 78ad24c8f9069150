package ingest

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"renewmap/internal/renew"
)

// anyGeometry is what a plan item's optional geometry may be.
var anyGeometry = []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}

// parseGeometry decodes a GeoJSON geometry whose type must be one of allowed (none: it must be
// null) and checks its coordinates: finite longitude, latitude in range, closed rings of at least
// four positions, lines of at least two. Polygons come back as MultiPolygons when MultiPolygon is
// allowed too. On a problem it returns a message saying what is wrong.
func parseGeometry(raw json.RawMessage, allowed []string) (orb.Geometry, renew.Text) {
	if len(raw) == 0 || isNull(raw) {
		if len(allowed) == 0 {
			return nil, renew.Text{}
		}
		return nil, renew.T("missing; must be %s", oneOf(allowed))
	}
	if len(allowed) == 0 {
		return nil, renew.T("must be null: this layer has no geometry")
	}
	var g struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		return nil, renew.T("must be a GeoJSON geometry object, got %s", shortRaw(raw))
	}
	if !slices.Contains(allowed, g.Type) {
		got := renew.T("%s", g.Type)
		if g.Type == "" {
			got = renew.T("no type")
		}
		return nil, renew.T("must be %s, got %s", oneOf(allowed), got)
	}
	if g.Coordinates == nil {
		return nil, renew.T(`a %s needs "coordinates"`, g.Type)
	}
	c := coords{typ: g.Type}
	var out orb.Geometry
	switch g.Type {
	case "Point":
		out = c.point(g.Coordinates, renew.Text{})
	case "MultiPoint":
		out = orb.MultiPoint(c.points(g.Coordinates, 1, renew.Text{}))
	case "LineString":
		out = c.line(g.Coordinates, renew.Text{})
	case "MultiLineString":
		var ml orb.MultiLineString
		for i, l := range c.array(g.Coordinates, 1, renew.Text{}) {
			ml = append(ml, c.line(l, renew.T("line %d: ", i)))
		}
		out = ml
	case "Polygon":
		poly := c.polygon(g.Coordinates, renew.Text{})
		if slices.Contains(allowed, "MultiPolygon") {
			out = orb.MultiPolygon{poly}
		} else {
			out = poly
		}
	case "MultiPolygon":
		var mp orb.MultiPolygon
		for i, p := range c.array(g.Coordinates, 1, renew.Text{}) {
			mp = append(mp, c.polygon(p, renew.T("polygon %d: ", i)))
		}
		out = mp
	}
	if !c.msg.IsZero() {
		return nil, c.msg
	}
	return out, renew.Text{}
}

// oneOf names the geometry types allowed: "a Point", "a Point, Polygon or MultiPolygon".
func oneOf(types []string) renew.Text {
	if len(types) == 1 {
		return renew.T("a %s", types[0])
	}
	var list []any
	for _, t := range types[:len(types)-1] {
		list = append(list, t)
	}
	return renew.T("a %s or %s", renew.List(list...), types[len(types)-1])
}

// coords walks decoded coordinates, keeping the first problem.
type coords struct {
	typ string
	msg renew.Text
}

// fail keeps the first problem, where names the part of the geometry ("polygon 1: ring 0: ").
func (c *coords) fail(where renew.Text, format string, args ...any) {
	if c.msg.IsZero() {
		c.msg = renew.T("%s%s", where, renew.T(format, args...))
	}
}

// array returns v as an array of at least min elements.
func (c *coords) array(v any, min int, where renew.Text) []any {
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

func (c *coords) point(v any, where renew.Text) orb.Point {
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

func (c *coords) points(v any, min int, where renew.Text) []orb.Point {
	a := c.array(v, min, where)
	out := make([]orb.Point, 0, len(a))
	for _, p := range a {
		out = append(out, c.point(p, where))
		if !c.msg.IsZero() {
			return nil
		}
	}
	return out
}

func (c *coords) line(v any, where renew.Text) orb.LineString {
	a, ok := v.([]any)
	if ok && len(a) < 2 {
		c.fail(where, "a line needs at least 2 positions, got %d", len(a))
		return nil
	}
	return orb.LineString(c.points(v, 2, where))
}

func (c *coords) polygon(v any, where renew.Text) orb.Polygon {
	var poly orb.Polygon
	for i, r := range c.array(v, 1, where) {
		w := renew.T("%sring %d: ", where, i)
		a, ok := r.([]any)
		if ok && len(a) < 4 {
			c.fail(w, "a ring needs at least 4 positions (the last repeating the first), got %d", len(a))
			return nil
		}
		ring := orb.Ring(c.points(r, 4, w))
		if !c.msg.IsZero() {
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
