package export

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// CAD drawings (DXF) keep no attributes: each layer's attributes go to a companion CSV keyed by
// the feature code, and each named feature gets a text label on a CAD layer of its own, in a
// text style with a Chinese font (SimSun, 宋体) so AutoCAD shows the characters.

// cadFont is the font of the labels' text style.
const cadFont = "SimSun"

// startCAD opens a DXF layer's label layer and attribute CSV.
func (lf *LayerFile) startCAD() error {
	path := filepath.Join(lf.cv.dir, lf.spec.ID+"_labels.geojson")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	lf.labelFile, lf.labelPath = f, path
	if lf.labels, err = NewFeatureWriter(f, Header{Name: lf.spec.ID + "_labels", CRSName: lf.cv.crsName()}); err != nil {
		return err
	}
	c, err := os.Create(filepath.Join(lf.cv.OutDir(), lf.spec.ID+".csv"))
	if err != nil {
		return err
	}
	// A UTF-8 byte order mark: Excel on Chinese Windows otherwise reads the CSV as GBK.
	if _, err := c.WriteString("\ufeff"); err != nil {
		return err
	}
	lf.csvFile, lf.csv = c, csv.NewWriter(c)
	header := []string{"编码 code"}
	for _, fd := range lf.spec.Fields {
		if fd.Name != "code" {
			header = append(header, fd.Title+" "+fd.Name)
		}
	}
	return lf.csv.Write(header)
}

// writeCAD adds a feature's attribute row and its label.
func (lf *LayerFile) writeCAD(id int64, geometry []byte) error {
	row := []string{lf.label("code")}
	for _, fd := range lf.spec.Fields {
		if fd.Name == "code" {
			continue
		}
		v := lf.label(fd.Name)
		if v == "" {
			if raw := lf.props[fd.Name]; len(raw) > 0 && string(raw) != "null" {
				v = string(raw)
			}
		}
		row = append(row, v)
	}
	if err := lf.csv.Write(row); err != nil {
		return err
	}
	text := lf.label("name")
	if text == "" {
		text = lf.label("number")
	}
	if text == "" || len(geometry) == 0 {
		return nil
	}
	g, err := geojson.UnmarshalGeometry(geometry)
	if err != nil {
		return fmt.Errorf("export %s: geometry of %d: %w", lf.spec.ID, id, err)
	}
	at, ok := labelPoint(g.Geometry())
	if !ok {
		return nil
	}
	pt, _ := geojson.NewGeometry(at).MarshalJSON()
	props := fmt.Appendf(nil, `{"Layer":%q,"OGR_STYLE":%q}`, lf.spec.ID+"_label",
		fmt.Sprintf(`LABEL(f:"%s",t:"%s",s:2.5g,p:5)`, cadFont, strings.ReplaceAll(text, `"`, `\"`)))
	return lf.labels.Write(id, pt, props)
}

// labelPoint is where a feature's label goes: the point itself, the middle vertex of a line,
// the centroid of a polygon.
func labelPoint(g orb.Geometry) (orb.Point, bool) {
	switch g := g.(type) {
	case orb.Point:
		return g, true
	case orb.MultiPoint:
		return g[0], len(g) > 0
	case orb.LineString:
		return g[len(g)/2], len(g) > 0
	case orb.MultiLineString:
		if len(g) == 0 || len(g[0]) == 0 {
			return orb.Point{}, false
		}
		return g[0][len(g[0])/2], true
	case orb.Polygon, orb.MultiPolygon:
		c, area := planar.CentroidArea(g)
		return c, area != 0
	}
	return orb.Point{}, false
}

// closeCAD ends the label layer and the CSV.
func (lf *LayerFile) closeCAD() error {
	lf.csv.Flush()
	err := lf.csv.Error()
	if cerr := lf.csvFile.Close(); err == nil {
		err = cerr
	}
	if cerr := lf.labels.Close(); err == nil {
		err = cerr
	}
	if cerr := lf.labelFile.Close(); err == nil {
		err = cerr
	}
	return err
}
