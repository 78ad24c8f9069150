package tiles

import (
	"math"
	"strconv"
	"strings"

	"renewmap/internal/renew"
)

// Coord is a tile address in the XYZ (Web Mercator, "slippy map") scheme.
type Coord struct{ Z, X, Y int }

// ParseCoord reads z, x and y as given in a tile URL; y may carry the ".mvt" suffix. It returns a
// renew.ErrInvalid error for anything that is not a tile of zoom 0..MaxZoom.
func ParseCoord(z, x, y string) (Coord, error) {
	y, ok := strings.CutSuffix(y, ".mvt")
	if !ok {
		return Coord{}, renew.Invalid("tile URL must end in .mvt")
	}
	zi, err1 := parseSmallUint(z)
	xi, err2 := parseSmallUint(x)
	yi, err3 := parseSmallUint(y)
	if err1 != nil || err2 != nil || err3 != nil {
		return Coord{}, renew.Invalid("tile coordinates must be non-negative integers")
	}
	if zi > MaxZoom {
		return Coord{}, renew.Invalid("zoom %d is out of range 0–%d", zi, MaxZoom)
	}
	n := 1 << zi
	if xi >= n || yi >= n {
		return Coord{}, renew.Invalid("tile %d/%d/%d does not exist: x and y must be below %d at zoom %d", zi, xi, yi, n, zi)
	}
	return Coord{zi, xi, yi}, nil
}

// parseSmallUint accepts only plain decimal digits (no sign, no spaces), at most 8 of them.
func parseSmallUint(s string) (int, error) {
	if s == "" || len(s) > 8 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(s)
}

// Bounds returns the tile's extent in longitude and latitude: west, south, east, north.
func (c Coord) Bounds() (w, s, e, n float64) {
	n2 := math.Exp2(float64(c.Z))
	lon := func(x float64) float64 { return x/n2*360 - 180 }
	lat := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/n2))) * 180 / math.Pi }
	return lon(float64(c.X)), lat(float64(c.Y + 1)), lon(float64(c.X + 1)), lat(float64(c.Y))
}

// CoordAt returns the tile of zoom z that holds the point lon, lat.
func CoordAt(z int, lon, lat float64) Coord {
	n2 := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n2)
	r := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n2)
	return Coord{z, x, y}
}
