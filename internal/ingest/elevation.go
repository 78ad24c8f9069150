package ingest

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/twpayne/go-geom"

	"renewmap/internal/renew"
)

// Elevations a pipeline position may carry, in metres of the 1985 national height datum
// (1985 国家高程基准): below the Turpan depression to above Everest is a typo.
const (
	minElevation = -200
	maxElevation = 9000
)

// parseElevation reads the elevations of a LineString whose 2D shape parseGeometry has checked:
// nil when no position has a third number; the XYZ line when every one has; a message when only
// some have, or one is not a plausible elevation. For a pipeline, CJJ 61 records the elevation of
// the pipe top for pressure pipes and of the invert for gravity drains.
func parseElevation(raw json.RawMessage) (geom.T, renew.Text) {
	var g struct {
		Coordinates [][]any `json:"coordinates"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&g) != nil {
		return nil, renew.Text{} // not a LineString's shape: parseGeometry has said so
	}
	with := 0
	for _, c := range g.Coordinates {
		if len(c) >= 3 {
			with++
		}
	}
	if with == 0 {
		return nil, renew.Text{}
	}
	if with != len(g.Coordinates) {
		return nil, renew.T("%d of %d positions carry an elevation: give it at every vertex or at none (高程须每个顶点都有或都没有)", with, len(g.Coordinates))
	}
	flat := make([]float64, 0, 3*len(g.Coordinates))
	for i, c := range g.Coordinates {
		var xyz [3]float64
		for k := range 3 {
			n, ok := c[k].(json.Number)
			f, err := n.Float64()
			if !ok || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, renew.T("position %d: elevation must be a finite number (高程无效)", i)
			}
			xyz[k] = f
		}
		if xyz[2] < minElevation || xyz[2] > maxElevation {
			return nil, renew.T("position %d: elevation %v m is outside [%d, %d] (1985 国家高程基准, metres; 高程超出范围)", i, xyz[2], minElevation, maxElevation)
		}
		flat = append(flat, xyz[:]...)
	}
	return geom.NewLineStringFlat(geom.XYZ, flat).SetSRID(4326), renew.Text{}
}
