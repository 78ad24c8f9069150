package ingest_test

import (
	"strings"
	"testing"

	"github.com/twpayne/go-geom"
)

func pipeline(coords string) string {
	return fc(`{"type": "Feature", "properties": {"code": "P1", "kind": "drainage_sewage", "material": "concrete",
		"laid_year": 1985, "condition": "poor", "operator": "四平市排水公司"},
		"geometry": {"type": "LineString", "coordinates": ` + coords + `}}`)
}

// A pipeline surveyed in 3D keeps the elevation of every vertex; a 2D one has none; anything
// between is refused with a message saying what is wrong.
func TestParseElevation(t *testing.T) {
	t.Parallel()
	b, err := parseOne("pipelines", pipeline(`[[124.35, 43.16, 178.25], [124.351, 43.16, 178.1], [124.352, 43.161, 177.9]]`))
	if err != nil {
		t.Fatal(err)
	}
	f := b.Layer("pipelines").Features[0]
	z, ok := f.Geometry3D.(*geom.LineString)
	if !ok || z.Layout() != geom.XYZ || z.NumCoords() != 3 || z.Coord(2)[2] != 177.9 || z.Coord(0).X() != 124.35 {
		t.Errorf("3D line: %#v", f.Geometry3D)
	}
	if b, err = parseOne("pipelines", pipeline(`[[124.35, 43.16], [124.351, 43.16]]`)); err != nil || b.Layer("pipelines").Features[0].Geometry3D != nil {
		t.Errorf("2D line: %v %v", err, b)
	}
	for _, c := range []struct{ coords, want string }{
		{`[[124.35, 43.16, 178.2], [124.351, 43.16]]`, "1 of 2 positions carry an elevation"},
		{`[[124.35, 43.16, 178.2], [124.351, 43.16, 9999]]`, "position 1: elevation 9999 m is outside [-200, 9000]"},
		{`[[124.35, 43.16, 178.2], [124.351, 43.16, "x"]]`, "position 1: elevation must be a finite number"},
	} {
		_, err := parseOne("pipelines", pipeline(c.coords))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.coords, err, c.want)
		}
	}
}
