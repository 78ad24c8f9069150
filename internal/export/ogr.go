package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Format is a file format written by GDAL's ogr2ogr from the server's own GeoJSON.
type Format struct {
	// Key names the format in the audit; Ext ends the download's file name.
	Key, Ext, Title string
	Driver          string
	ContentType     string
	// SRID, when not 0, is the only system the format is written in (KML: WGS 84; DXF: the
	// EPSG:4550 metres of CAD drawings).
	SRID int
	// Zip: GDAL writes several files (Shapefile; DXF with its attribute CSV), sent as one zip.
	Zip bool
}

// Formats are the GDAL formats of the downloads; the ".zip" of GeoJSON files and ".geojson" are
// written by the server itself.
var Formats = []Format{
	{Key: "gpkg", Ext: ".gpkg", Title: "GeoPackage", Driver: "GPKG", ContentType: "application/geopackage+sqlite3"},
	{Key: "shp", Ext: ".shp.zip", Title: "Shapefile", Driver: "ESRI Shapefile", ContentType: "application/zip", Zip: true},
	{Key: "shp-gbk", Ext: ".gbk.shp.zip", Title: "Shapefile (GBK)", Driver: "ESRI Shapefile", ContentType: "application/zip", Zip: true},
	{Key: "dxf", Ext: ".dxf.zip", Title: "DXF", Driver: "DXF", ContentType: "application/zip", SRID: 4550, Zip: true},
	{Key: "kml", Ext: ".kml", Title: "KML", Driver: "KML", ContentType: "application/vnd.google-earth.kml+xml", SRID: 4326},
}

// FormatOf finds the format a file name ends with and returns the name without that ending.
func FormatOf(file string) (Format, string, bool) {
	for _, f := range Formats {
		if base, ok := strings.CutSuffix(file, f.Ext); ok {
			// ".shp.zip" also ends ".gbk.shp.zip": the longer ending wins.
			if f.Key == "shp" && strings.HasSuffix(base, ".gbk") {
				continue
			}
			return f, base, true
		}
	}
	return Format{}, "", false
}

// LayerSpec describes one layer of a conversion.
type LayerSpec struct {
	ID, Title string
	// Geometry is the catalogue's geometry: polygon, line, point or mixed.
	Geometry string
	Fields   []SpecField
}

// SpecField is a property: its name, Chinese title, type and, for a coded value, the
// enumeration whose Chinese labels replace the codes.
type SpecField struct {
	Name, Title, Type, Enum string
}

// Conversion writes layers as GeoJSON files into a temporary folder, one feature at a time,
// then has ogr2ogr turn them into the format in one run. Nothing but a buffer per file is held
// in memory; the folder is removed by Close.
type Conversion struct {
	dir    string
	format Format
	srid   int
	labels map[string]map[string]string
	layers []*LayerFile
}

// NewConversion starts a conversion to f of layers in srid; labels (enumeration → code →
// Chinese label) replace coded values.
func NewConversion(f Format, srid int, labels map[string]map[string]string) (*Conversion, error) {
	dir, err := os.MkdirTemp("", "renewmap-export-")
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Conversion{dir: dir, format: f, srid: srid, labels: labels}, nil
}

// Close removes the temporary folder and everything in it.
func (cv *Conversion) Close() error { return os.RemoveAll(cv.dir) }

// LayerFile is the GeoJSON of one layer being written.
type LayerFile struct {
	spec  LayerSpec
	path  string
	file  *os.File
	fw    *FeatureWriter
	cv    *Conversion
	props map[string]json.RawMessage
	buf   bytes.Buffer
	// parts: a Shapefile holds one geometry type, so a mixed layer is written as one file per
	// type (point, line, polygon), each made on its first feature.
	parts map[string]*part
	// DXF only: the labels and the attribute CSV (cad.go).
	labels    *FeatureWriter
	labelFile *os.File
	labelPath string
	csv       *csv.Writer
	csvFile   *os.File
}

// Create starts the GeoJSON file of a layer.
func (cv *Conversion) Create(spec LayerSpec) (*LayerFile, error) {
	path := filepath.Join(cv.dir, spec.ID+".geojson")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	fw, err := NewFeatureWriter(f, Header{Name: spec.ID, CRSName: cv.crsName()})
	if err != nil {
		f.Close()
		return nil, err
	}
	lf := &LayerFile{spec: spec, path: path, file: f, fw: fw, cv: cv}
	cv.layers = append(cv.layers, lf)
	if cv.format.Driver == "DXF" {
		if err := lf.startCAD(); err != nil {
			return nil, err
		}
	}
	return lf, nil
}

// Write adds a feature: its properties in the catalogue's order, coded values as their
// Chinese labels; for DXF only the CAD layer (Layer: the layer's title, and its kind when it
// has one), the feature code and its label.
func (lf *LayerFile) Write(id int64, geometry, properties []byte) error {
	clear(lf.props)
	if err := json.Unmarshal(properties, &lf.props); err != nil {
		return fmt.Errorf("export %s: properties of %d: %w", lf.spec.ID, id, err)
	}
	lf.buf.Reset()
	lf.buf.WriteByte('{')
	n := 0
	add := func(name string, v any) {
		if n > 0 {
			lf.buf.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(name)
		lf.buf.Write(k)
		lf.buf.WriteByte(':')
		if raw, ok := v.(json.RawMessage); ok {
			lf.buf.Write(raw)
			return
		}
		b, _ := json.Marshal(v)
		lf.buf.Write(b)
	}
	if lf.cv.format.Driver == "DXF" {
		// CAD layer names stay ASCII (the layer and its kind code): GDAL's DXF writer declares
		// code page 1252, which cannot name layers in Chinese; the labels' text is escaped.
		cad := lf.spec.ID
		var kind string
		if json.Unmarshal(lf.props["kind"], &kind) == nil && kind != "" {
			cad += "_" + kind
		}
		add("Layer", cad)
	} else {
		if v, ok := lf.props["code"]; ok && !lf.spec.has("code") {
			add("code", v)
		}
		for _, f := range lf.spec.Fields {
			v, ok := lf.props[f.Name]
			if !ok {
				continue
			}
			if f.Enum != "" {
				if l := lf.label(f.Name); l != "" {
					add(f.Name, l)
					continue
				}
			}
			add(f.Name, v)
		}
	}
	lf.buf.WriteByte('}')
	fw, err := lf.writer(geometry)
	if err != nil {
		return err
	}
	if err := fw.Write(id, geometry, lf.buf.Bytes()); err != nil {
		return err
	}
	if lf.cv.format.Driver == "DXF" {
		return lf.writeCAD(id, geometry)
	}
	return nil
}

// part is the file of one geometry type of a mixed layer.
type part struct {
	name, path string
	file       *os.File
	fw         *FeatureWriter
}

// geometryKinds maps a GeoJSON geometry type to the Shapefile kind holding it.
var geometryKinds = map[string]string{"Point": "point", "MultiPoint": "point", "LineString": "line",
	"MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}

// writer is the feature writer for a geometry: the layer's, or for a mixed layer bound for a
// Shapefile the one of its geometry type.
func (lf *LayerFile) writer(geometry []byte) (*FeatureWriter, error) {
	if lf.cv.format.Driver != "ESRI Shapefile" || lf.spec.Geometry != "mixed" {
		return lf.fw, nil
	}
	var g struct{ Type string }
	json.Unmarshal(geometry, &g)
	kind := geometryKinds[g.Type]
	if kind == "" {
		kind = "other"
	}
	if p, ok := lf.parts[kind]; ok {
		return p.fw, nil
	}
	name := lf.spec.ID + "_" + kind
	p := &part{name: name, path: filepath.Join(lf.cv.dir, name+".geojson")}
	var err error
	if p.file, err = os.Create(p.path); err != nil {
		return nil, err
	}
	if p.fw, err = NewFeatureWriter(p.file, Header{Name: name, CRSName: lf.cv.crsName()}); err != nil {
		return nil, err
	}
	if lf.parts == nil {
		lf.parts = map[string]*part{}
	}
	lf.parts[kind] = p
	return p.fw, nil
}

// crsName is the GeoJSON crs member of the layer files: none for WGS 84 (RFC 7946).
func (cv *Conversion) crsName() string {
	if cv.srid == 4326 {
		return ""
	}
	return fmt.Sprintf("urn:ogc:def:crs:EPSG::%d", cv.srid)
}

// label is the property name as text: a coded value's Chinese label, or the string itself.
func (lf *LayerFile) label(name string) string {
	var s string
	if json.Unmarshal(lf.props[name], &s) != nil {
		return ""
	}
	for _, f := range lf.spec.Fields {
		if f.Name == name && f.Enum != "" {
			if l := lf.cv.labels[f.Enum][s]; l != "" {
				return l
			}
		}
	}
	return s
}

func (s LayerSpec) has(name string) bool {
	for _, f := range s.Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Close ends the layer's file.
func (lf *LayerFile) Close() error {
	err := lf.fw.Close()
	if cerr := lf.file.Close(); err == nil {
		err = cerr
	}
	if lf.csv != nil {
		if cerr := lf.closeCAD(); err == nil {
			err = cerr
		}
	}
	for _, p := range lf.parts {
		if cerr := p.fw.Close(); err == nil {
			err = cerr
		}
		if cerr := p.file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// vrt is GDAL's virtual format: the layers' GeoJSON files as one dataset, so one ogr2ogr run
// writes them all. DXF holds a single layer of entities: there the layers are united (each
// feature names its CAD layer in the Layer field).
func (cv *Conversion) vrt() ([]byte, error) {
	type layer struct {
		Name     string `xml:"name,attr"`
		Src      string `xml:"SrcDataSource"`
		SrcLayer string `xml:"SrcLayer"`
		LayerSRS string `xml:"LayerSRS"`
		Style    string `xml:"Style,omitempty"`
	}
	var ls []layer
	srs := fmt.Sprintf("EPSG:%d", cv.srid)
	for _, lf := range cv.layers {
		if lf.parts != nil {
			for _, k := range slices.Sorted(maps.Keys(lf.parts)) {
				p := lf.parts[k]
				ls = append(ls, layer{Name: p.name, Src: p.path, SrcLayer: p.name, LayerSRS: srs})
			}
			continue
		}
		if lf.spec.Geometry == "mixed" && cv.format.Driver == "ESRI Shapefile" {
			continue // no features
		}
		ls = append(ls, layer{Name: lf.spec.ID, Src: lf.path, SrcLayer: lf.spec.ID, LayerSRS: srs})
		if lf.labels != nil {
			ls = append(ls, layer{Name: lf.spec.ID + "_labels", Src: lf.labelPath, SrcLayer: lf.spec.ID + "_labels",
				LayerSRS: srs, Style: "OGR_STYLE"})
		}
	}
	type union struct {
		Name   string  `xml:"name,attr"`
		Layers []layer `xml:"OGRVRTLayer"`
	}
	doc := struct {
		XMLName xml.Name `xml:"OGRVRTDataSource"`
		Layers  []layer  `xml:"OGRVRTLayer"`
		Union   *union   `xml:"OGRVRTUnionLayer,omitempty"`
	}{Layers: ls}
	if cv.format.Driver == "DXF" {
		doc.Layers, doc.Union = nil, &union{Name: "entities", Layers: ls}
	}
	return xml.MarshalIndent(doc, "", " ")
}

// Run has ogr2ogr write the layers in the format into out (a file; for zipped formats a
// folder). GDAL's own messages go to the returned error, never to a client.
func (cv *Conversion) Run(ctx context.Context, out string) error {
	v, err := cv.vrt()
	if err != nil {
		return err
	}
	src := filepath.Join(cv.dir, "layers.vrt")
	if err := os.WriteFile(src, v, 0o600); err != nil {
		return err
	}
	args := []string{"-f", cv.format.Driver}
	switch cv.format.Key {
	case "gpkg":
		args = append(args, "-lco", "SPATIAL_INDEX=YES")
	case "shp":
		args = append(args, "-lco", "ENCODING=UTF-8")
	case "shp-gbk":
		args = append(args, "-lco", "ENCODING=CP936")
	case "dxf":
		args = append(args, "-select", "Layer")
	case "kml":
		args = append(args, "-dsco", "NameField=name")
	}
	return runOGR(ctx, cv.format.Driver, append(args[2:], out, src)...)
}

// runOGR runs ogr2ogr -f driver args. GDAL's own messages go to the returned error, never to
// a client.
func runOGR(ctx context.Context, driver string, args ...string) error {
	cmd := exec.CommandContext(ctx, "ogr2ogr", append([]string{"-f", driver}, args...)...)
	// One thread, and a 1 MB SQLite page cache for a GeoPackage instead of SQLite's 2 MB: the
	// child's peak for 236,000 pipelines falls by about 1 MB (docs/performance.md).
	cmd.Env = append(os.Environ(), "CPL_DEBUG=OFF", "GDAL_NUM_THREADS=1", "OGR_SQLITE_CACHE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("export: ogr2ogr (GDAL) is not installed: %w", err)
		}
		return fmt.Errorf("export: ogr2ogr %s: %w: %s", driver, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// OutDir is the folder of a zipped format's files: Run writes there, and so do the DXF's CSVs.
func (cv *Conversion) OutDir() string { return filepath.Join(cv.dir, "out") }

// AddStyles adds the layer_styles table to a GeoPackage written by Run: each layer's QGIS
// style (QML), marked as its default, so QGIS opens the layers styled and with Chinese aliases.
func (cv *Conversion) AddStyles(ctx context.Context, gpkg string, paints map[string]Paint) error {
	path := filepath.Join(cv.dir, "layer_styles.geojson")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fw, err := NewFeatureWriter(f, Header{Name: "layer_styles"})
	if err != nil {
		return err
	}
	for i, lf := range cv.layers {
		qml, err := QML(lf.spec, paints[lf.spec.ID], cv.labels)
		if err != nil {
			return err
		}
		props, err := json.Marshal(map[string]any{
			"f_table_catalog": "", "f_table_schema": "", "f_table_name": lf.spec.ID, "f_geometry_column": "geom",
			"styleName": lf.spec.Title, "styleQML": string(qml), "styleSLD": "", "useAsDefault": true,
			"description": lf.spec.Title + "（与网页地图一致的样式）", "owner": "renewmap", "ui": "",
		})
		if err != nil {
			return err
		}
		if err := fw.Write(int64(i+1), nil, props); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	return runOGR(ctx, "GPKG", "-append", "-nln", "layer_styles", "-nlt", "NONE", gpkg, path)
}
