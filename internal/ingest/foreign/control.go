package foreign

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"renewmap/internal/renew"
)

// MaxResidual is the largest distance, in metres, a control point may lie from where the fitted
// transformation puts it; beyond it a point is probably mistyped and the fit is refused.
const MaxResidual = 1.0

// Helmert2D is a 4-parameter (plane similarity) transformation: a rotation and scale (A, B) and a
// shift, about the centroids of the source points (X0, Y0) and target points (E0, N0):
//
//	E = E0 + A·(x−X0) − B·(y−Y0),  N = N0 + B·(x−X0) + A·(y−Y0)
type Helmert2D struct {
	A, B, X0, Y0, E0, N0 float64
}

// Apply transforms a source point.
func (h *Helmert2D) Apply(x, y float64) (float64, float64) {
	dx, dy := x-h.X0, y-h.Y0
	return h.E0 + h.A*dx - h.B*dy, h.N0 + h.B*dx + h.A*dy
}

// Scale is the fitted scale factor; Rotation the rotation in arc-seconds.
func (h *Helmert2D) Scale() float64    { return math.Hypot(h.A, h.B) }
func (h *Helmert2D) Rotation() float64 { return math.Atan2(h.B, h.A) * 180 / math.Pi * 3600 }

// ControlPoint is one pair: a point's coordinates in the source's system and in the target's.
type ControlPoint struct {
	Name       string
	X, Y, E, N float64
}

// ParseControlPoints reads a CSV of control points: a header naming the columns name (optional),
// x, y (source) and e, n (target; also target_x, target_y), one point a row.
func ParseControlPoints(data []byte, file string) ([]ControlPoint, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, renew.Invalid("%s: not a CSV of control points (name,x,y,e,n)", file)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch h {
		case "target_x", "tx":
			h = "e"
		case "target_y", "ty":
			h = "n"
		}
		col[h] = i
	}
	for _, need := range []string{"x", "y", "e", "n"} {
		if _, ok := col[need]; !ok {
			return nil, renew.Invalid("%s: the header lacks the column %q (want name,x,y,e,n: x,y in the source's system, e,n in the target's)", file, need)
		}
	}
	var pts []ControlPoint
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, renew.Invalid("%s: line %d: %v", file, line, err)
		}
		p := ControlPoint{Name: fmt.Sprintf("line %d", line)}
		if i, ok := col["name"]; ok && i < len(rec) && rec[i] != "" {
			p.Name = rec[i]
		}
		for _, c := range []struct {
			name string
			dst  *float64
		}{{"x", &p.X}, {"y", &p.Y}, {"e", &p.E}, {"n", &p.N}} {
			i := col[c.name]
			if i >= len(rec) {
				return nil, renew.Invalid("%s: line %d: no %s", file, line, c.name)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, renew.Invalid("%s: line %d: %s %q is not a number", file, line, c.name, rec[i])
			}
			*c.dst = v
		}
		pts = append(pts, p)
	}
	return pts, nil
}

// FitHelmert2D fits the 4-parameter transformation to the points by least squares and returns it
// with each point's residual in target units. Fewer than 3 points (too few to check the fit) or
// points that coincide are an ErrInvalid error.
func FitHelmert2D(pts []ControlPoint) (*Helmert2D, []float64, error) {
	if len(pts) < 3 {
		return nil, nil, renew.Invalid("%d control points; at least 3 are needed (2 fix the transformation, more check it)", len(pts))
	}
	h := &Helmert2D{}
	n := float64(len(pts))
	for _, p := range pts {
		h.X0 += p.X / n
		h.Y0 += p.Y / n
		h.E0 += p.E / n
		h.N0 += p.N / n
	}
	var sxx, sa, sb float64
	for _, p := range pts {
		dx, dy, de, dn := p.X-h.X0, p.Y-h.Y0, p.E-h.E0, p.N-h.N0
		sxx += dx*dx + dy*dy
		sa += dx*de + dy*dn
		sb += dx*dn - dy*de
	}
	if sxx == 0 {
		return nil, nil, renew.Invalid("the control points coincide in the source system")
	}
	h.A, h.B = sa/sxx, sb/sxx
	res := make([]float64, len(pts))
	for i, p := range pts {
		e, nn := h.Apply(p.X, p.Y)
		res[i] = math.Hypot(e-p.E, nn-p.N)
	}
	return h, res, nil
}
