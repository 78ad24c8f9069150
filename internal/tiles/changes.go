package tiles

import (
	"math"
	"slices"
)

// Change is one entry of the database's tile change log (sql/0019_tile_changes.sql): the layers
// whose shown data changed, and where.
type Change struct {
	ID     int64
	Layers []string
	// Boxes are the old and new extents of the changed rows in EPSG:3857 (xmin, ymin, xmax,
	// ymax); nil means the change reaches every tile of the layers.
	Boxes [][4]float64
}

// Buffer is the margin, in tile widths, that tiles hold beyond their edges (the renderer clips
// at the tile plus this margin, so a feature that close is in the tile too).
const Buffer = 64.0 / 4096

// worldHalf is half the width of the Web Mercator world, in metres.
const worldHalf = 20037508.342789244

// Envelope returns the tile's extent in EPSG:3857 grown by margin tile widths on every side.
func (c Coord) Envelope(margin float64) [4]float64 {
	size := 2 * worldHalf / math.Exp2(float64(c.Z))
	m := margin * size
	xmin := -worldHalf + float64(c.X)*size
	ymax := worldHalf - float64(c.Y)*size
	return [4]float64{xmin - m, ymax - size - m, xmin + size + m, ymax + m}
}

// Reaches reports whether the change reaches tile c of a set of layers: it changed one of them,
// and everywhere or in a box that meets the tile with its buffer.
func (ch *Change) Reaches(layers []string, c Coord) bool {
	hit := false
	for _, l := range ch.Layers {
		if slices.Contains(layers, l) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	if ch.Boxes == nil {
		return true
	}
	e := c.Envelope(Buffer)
	for _, b := range ch.Boxes {
		if b[0] <= e[2] && b[2] >= e[0] && b[1] <= e[3] && b[3] >= e[1] {
			return true
		}
	}
	return false
}

// CoordsIn returns the tiles of zoom z that meet box (EPSG:3857) with their buffer, at most limit
// of them (ok false when there are more).
func CoordsIn(z int, box [4]float64, limit int) (out []Coord, ok bool) {
	n := 1 << z
	size := 2 * worldHalf / float64(n)
	pad := Buffer * size
	clamp := func(v float64) int { return min(max(int(math.Floor(v)), 0), n-1) }
	x0, x1 := clamp((box[0]-pad+worldHalf)/size), clamp((box[2]+pad+worldHalf)/size)
	y0, y1 := clamp((worldHalf-box[3]-pad)/size), clamp((worldHalf-box[1]+pad)/size)
	if (x1-x0+1)*(y1-y0+1) > limit {
		return nil, false
	}
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			out = append(out, Coord{z, x, y})
		}
	}
	return out, true
}

// Mercator projects longitude and latitude to EPSG:3857.
func Mercator(lon, lat float64) (x, y float64) {
	return lon * worldHalf / 180, math.Log(math.Tan((90+lat)*math.Pi/360)) * worldHalf / math.Pi
}
