package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Options control the generator.
type Options struct {
	// Seed fixes the random source: the same Seed (and Scale) always gives the same bytes.
	Seed int64
	// Scale is the number of copies of the urban fabric; 1 is the district itself. Copies beyond
	// the first are shifted east and north on a grid and may lie outside the outline.
	Scale int
}

// DefaultOptions returns the options of the shipped dataset (geodata/tiexi).
func DefaultOptions() Options { return Options{Seed: 220302, Scale: 1} }

// File is one layer's GeoJSON FeatureCollection.
type File struct {
	Layer string
	Data  []byte
}

// Layers lists the layers of docs/data-format.md in load order; Files returns them in this order.
var Layers = []string{
	"districts", "subdistricts", "neighbourhoods", "communities", "buildings", "roads",
	"gates", "pipelines", "facilities", "parking", "candidate_sites", "plans",
}

const (
	lDistricts = iota
	lSubdistricts
	lNeighbourhoods
	lCommunities
	lBuildings
	lRoads
	lGates
	lPipelines
	lFacilities
	lParking
	lSites
	lPlans
	nLayers
)

// Dataset is a generated dataset, held as encoded features per layer.
type Dataset struct {
	layers [nLayers][][]byte
}

// Count returns the number of features of a layer (0 for an unknown layer).
func (d *Dataset) Count(layer string) int {
	for i, l := range Layers {
		if l == layer {
			return len(d.layers[i])
		}
	}
	return 0
}

// Generate builds the dataset inside the district outline, a GeoJSON FeatureCollection whose
// first feature is the district's Polygon or MultiPolygon. It returns an error if the outline
// cannot be read, if Scale is below 1, or if the fabric does not fit inside the outline.
func Generate(outline []byte, opt Options) (*Dataset, error) {
	if opt.Scale < 1 {
		return nil, fmt.Errorf("demo: scale %d: must be at least 1", opt.Scale)
	}
	shape, err := readOutline(outline)
	if err != nil {
		return nil, fmt.Errorf("demo: outline: %w", err)
	}
	m, err := build(shape, opt.Seed)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := m.checkInside(shape); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &Dataset{}
	if err := d.add(lDistricts, districtProps{Code: "220302", Name: "铁西区", Source: "行政边界：DataV.GeoAtlas（高德），已转换至WGS84"}, llGeom{shape}); err != nil {
		return nil, err
	}
	cols := int(math.Ceil(math.Sqrt(float64(opt.Scale))))
	for k := 0; k < opt.Scale; k++ {
		cp := copyCtx{k: k}
		cp.dx = float64(k%cols) * (m.extentX() + 400)
		cp.dy = float64(k/cols) * (m.extentY() + 400)
		if err := m.emit(d, cp); err != nil {
			return nil, fmt.Errorf("demo: copy %d: %w", k+1, err)
		}
	}
	return d, nil
}

// Files returns one FeatureCollection per layer, in the order of Layers. Each file holds one
// feature per line and ends with a newline.
func (d *Dataset) Files() ([]File, error) {
	out := make([]File, 0, nLayers)
	for i, name := range Layers {
		var b bytes.Buffer
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		for j, f := range d.layers[i] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
			b.Write(f)
		}
		b.WriteString("\n]}\n")
		out = append(out, File{Layer: name, Data: b.Bytes()})
	}
	return out, nil
}

// WriteDir writes <layer>.geojson for every layer into dir, creating dir if needed.
func (d *Dataset) WriteDir(dir string) error {
	files, err := d.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: write: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Layer+".geojson"), f.Data, 0o644); err != nil {
			return fmt.Errorf("demo: write: %w", err)
		}
	}
	return nil
}

func (d *Dataset) add(layer int, props any, g geom) error {
	p, err := json.Marshal(props)
	if err != nil {
		return fmt.Errorf("demo: %s: %w", Layers[layer], err)
	}
	b := make([]byte, 0, len(p)+128)
	b = append(b, `{"type":"Feature","properties":`...)
	b = append(b, p...)
	b = append(b, `,"geometry":`...)
	if g == nil {
		b = append(b, "null"...)
	} else {
		b = g.appendJSON(b)
	}
	b = append(b, '}')
	d.layers[layer] = append(d.layers[layer], b)
	return nil
}

func readOutline(data []byte) (orb.Geometry, error) {
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, err
	}
	if len(fc.Features) == 0 {
		return nil, errors.New("no feature")
	}
	g := fc.Features[0].Geometry
	switch g.Type {
	case "Polygon":
		var p orb.Polygon
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, err
		}
		return p, nil
	case "MultiPolygon":
		var mp orb.MultiPolygon
		if err := json.Unmarshal(g.Coordinates, &mp); err != nil {
			return nil, err
		}
		return mp, nil
	}
	return nil, fmt.Errorf("geometry %q: want Polygon or MultiPolygon", g.Type)
}

func contains(shape orb.Geometry, p orb.Point) bool {
	switch g := shape.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}

// The local metric frame: metres east and north of origin, converted linearly so that
// axis-parallel rectangles in metres stay rectangles in longitude/latitude.
const (
	originLon  = 124.3330
	originLat  = 43.1530
	mPerDegLat = 111320.0
)

var mPerDegLon = mPerDegLat * math.Cos(originLat*math.Pi/180)

// copyCtx places one copy of the fabric: its shift in metres and its code suffix.
type copyCtx struct {
	k      int
	dx, dy float64
}

func (c copyCtx) code(s string) string {
	if c.k == 0 || s == "" {
		return s
	}
	return s + "-" + strconv.Itoa(c.k+1)
}

func (c copyCtx) name(s string) string {
	if c.k == 0 {
		return s
	}
	return s + "（" + strconv.Itoa(c.k+1) + "）"
}

func (c copyCtx) lonLat(p pt) (float64, float64) {
	return round7(originLon + (p.x+c.dx)/mPerDegLon), round7(originLat + (p.y+c.dy)/mPerDegLat)
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func appendCoord(b []byte, lon, lat float64) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, lat, 'f', -1, 64)
	return append(b, ']')
}

type geom interface{ appendJSON([]byte) []byte }

type gPoint struct {
	cp copyCtx
	p  pt
}

func (g gPoint) appendJSON(b []byte) []byte {
	b = append(b, `{"type":"Point","coordinates":`...)
	lon, lat := g.cp.lonLat(g.p)
	return append(appendCoord(b, lon, lat), '}')
}

type gLine struct {
	cp  copyCtx
	pts []pt
}

func (g gLine) appendJSON(b []byte) []byte {
	b = append(b, `{"type":"LineString","coordinates":[`...)
	for i, p := range g.pts {
		if i > 0 {
			b = append(b, ',')
		}
		lon, lat := g.cp.lonLat(p)
		b = appendCoord(b, lon, lat)
	}
	return append(b, "]}"...)
}

// gPoly is a polygon with one outer ring (counter-clockwise, closed).
type gPoly struct {
	cp   copyCtx
	ring []pt
}

func (g gPoly) appendJSON(b []byte) []byte {
	b = append(b, `{"type":"Polygon","coordinates":[[`...)
	for i, p := range g.ring {
		if i > 0 {
			b = append(b, ',')
		}
		lon, lat := g.cp.lonLat(p)
		b = appendCoord(b, lon, lat)
	}
	return append(b, "]]}"...)
}

// llGeom is a geometry already in longitude/latitude (the district outline).
type llGeom struct{ g orb.Geometry }

func (g llGeom) appendJSON(b []byte) []byte {
	ring := func(b []byte, r orb.Ring) []byte {
		b = append(b, '[')
		for i, p := range r {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCoord(b, round7(p[0]), round7(p[1]))
		}
		return append(b, ']')
	}
	poly := func(b []byte, p orb.Polygon) []byte {
		b = append(b, '[')
		for i, r := range p {
			if i > 0 {
				b = append(b, ',')
			}
			b = ring(b, r)
		}
		return append(b, ']')
	}
	switch g := g.g.(type) {
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = poly(b, g)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = poly(b, p)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
