package foreign

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/encoding/simplifiedchinese"

	"renewmap/internal/renew"
)

// Options tune Open.
type Options struct {
	// Encoding is the text encoding of a Shapefile's attributes when the file does not say (no
	// .cpg, no code page in the .dbf): "GBK" or "UTF-8". Empty: guessed from the bytes.
	Encoding string
	// Limits bound zip and .xlsx expansion; the zero value means DefaultLimits.
	Limits Limits
	// HeaderRows is how many rows an .xlsx table's header spans; 0 finds it from merged cells.
	HeaderRows int
}

// Source is an opened foreign file: its format, layers and fields. Close removes what Open
// expanded.
type Source struct {
	Name   string // the file as the user named it, for messages
	Format Format
	Layers []LayerInfo
	Notes  []renew.Text // what Open found worth saying (an encoding guessed, an archive expanded)

	path     string // what GDAL opens
	encoding string // the ENCODING open option of a Shapefile, when set
	tmp      string
	tables   map[string]*table // .xlsx sheets by name
}

// LayerInfo describes one layer of a source.
type LayerInfo struct {
	Name     string
	Geometry string // GDAL's geometry type: Polygon, Line String, Point, Unknown (any), None
	Count    int
	Fields   []string
	CRS      CRS
}

// Record is one feature (or table row) of a source.
type Record struct {
	Index    int        // position in the layer, from 0
	Where    renew.Text // names it in messages: "feature 12", or "row 7" of a table
	Props    map[string]any
	Geometry orb.Geometry // WGS84 longitude, latitude; nil for a table row
}

// Open recognises the file at path by its content and lists its layers. name is how messages call
// it. It returns an ErrInvalid error for a format not on the allow-list (DWG, VRT, anything
// unrecognised), an archive that is too big or whose paths leave it, and a file GDAL cannot read.
func Open(ctx context.Context, path, name string, opt Options) (s *Source, err error) {
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	format, err := sniff(abs, name)
	if err != nil {
		return nil, err
	}
	s = &Source{Name: name, Format: format, path: abs}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if format == zipArchive {
		if isXLSX(abs) {
			s.Format = XLSX
		} else {
			if s.tmp, err = os.MkdirTemp("", "renewmap-import-"); err != nil {
				return nil, fmt.Errorf("open %s: %w", name, err)
			}
			if err := expandZip(abs, name, s.tmp, opt.Limits); err != nil {
				return nil, err
			}
			if s.path, s.Format, err = datasetIn(s.tmp, name); err != nil {
				return nil, err
			}
			s.Notes = append(s.Notes, renew.T("%s: expanded the archive; reading %s", name, s.Format))
		}
	}
	if s.Format == XLSX {
		if err := s.openXLSX(opt); err != nil {
			return nil, err
		}
		return s, nil
	}
	if s.Format == Shapefile {
		s.encoding = shapefileEncoding(s.path, opt.Encoding)
		if s.encoding != "" && opt.Encoding == "" {
			s.Notes = append(s.Notes, renew.T("%s: the Shapefile does not say its text encoding (no .cpg); read as %s (--encoding to change)", name, encodingLabel(s.encoding)))
		}
	}
	if s.Format == CSV {
		if err := s.csvToUTF8(opt.Encoding); err != nil {
			return nil, err
		}
	}
	if err := s.listLayers(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close removes what Open expanded.
func (s *Source) Close() {
	if s != nil && s.tmp != "" {
		os.RemoveAll(s.tmp)
		s.tmp = ""
	}
}

// Layer returns the layer called name; "" means the only layer (an error when there are several).
func (s *Source) Layer(name string) (*LayerInfo, error) {
	if name == "" {
		if len(s.Layers) == 1 {
			return &s.Layers[0], nil
		}
		return nil, renew.Invalid("%s: %d layers (%s); say which with --source-layer or source_layer in the mapping", s.Name, len(s.Layers), s.layerNames())
	}
	for i := range s.Layers {
		if s.Layers[i].Name == name {
			return &s.Layers[i], nil
		}
	}
	return nil, renew.Invalid("%s: no layer %q (the layers are %s)", s.Name, name, s.layerNames())
}

func (s *Source) layerNames() string {
	var names []string
	for _, l := range s.Layers {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

func isXLSX(path string) bool {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "xl/workbook.xml" {
			return true
		}
	}
	return false
}

// gdalEnv is the environment GDAL's tools run in: every vector driver skipped but the one
// recognised, so a file cannot make GDAL open something else (a VRT's sources, a server).
func gdalEnv(keep Format) ([]string, error) {
	skip, err := otherDrivers(keep)
	if err != nil {
		return nil, err
	}
	return append(os.Environ(),
		"GDAL_SKIP="+strings.Join(skip, " "),
		"GDAL_HTTP_TIMEOUT=1",
		"CPL_VSIL_CURL_ALLOWED_EXTENSIONS=.none",
	), nil
}

var (
	driversOnce sync.Once
	drivers     []string
	driversErr  error
)

// otherDrivers lists GDAL's vector drivers other than keep (GDAL_SKIP takes names without spaces
// only, so a driver whose name has one — ESRI Shapefile — is never skipped and never needs to be:
// it reads .shp files only).
func otherDrivers(keep Format) ([]string, error) {
	driversOnce.Do(func() {
		out, err := exec.Command("ogrinfo", "--formats").Output()
		if err != nil {
			driversErr = fmt.Errorf("GDAL's ogrinfo is not available (install gdal-bin): %w", err)
			return
		}
		re := regexp.MustCompile(`^\s+(\S+) -`)
		for _, line := range strings.Split(string(out), "\n") {
			if m := re.FindStringSubmatch(line); m != nil {
				drivers = append(drivers, m[1])
			}
		}
	})
	out := []string{"VRT", "OGR_VRT"}
	for _, d := range drivers {
		// GeoJSONSeq stays: ogr2ogr writes with it (and it reads nothing but GeoJSON text).
		if d != string(keep) && d != string(GeoJSONSeq) && d != "VRT" && d != "OGR_VRT" {
			out = append(out, d)
		}
	}
	return out, driversErr
}

// openOptions are the -oo flags of GDAL's tools for this source.
func (s *Source) openOptions() []string {
	var oo []string
	switch s.Format {
	case Shapefile:
		if s.encoding != "" {
			oo = append(oo, "-oo", "ENCODING="+s.encoding)
		}
	case CSV:
		oo = append(oo,
			"-oo", "X_POSSIBLE_NAMES=x,lon,lng,long,longitude,经度,东经,X坐标",
			"-oo", "Y_POSSIBLE_NAMES=y,lat,latitude,纬度,北纬,Y坐标",
			"-oo", "GEOM_POSSIBLE_NAMES=wkt,geom,geometry,the_geom,shape,几何",
			"-oo", "KEEP_GEOM_COLUMNS=NO", "-oo", "AUTODETECT_TYPE=YES")
	}
	return oo
}

// gdalPath is how GDAL is told to open path: GeoJSONSeq by its prefix, as its driver does not
// recognise a sequence without record separators on its own.
func gdalPath(format Format, path string) string {
	if format == GeoJSONSeq {
		return "GeoJSONSeq:" + path
	}
	return path
}

// gdal runs one of GDAL's tools on this source and returns its standard output; a failure is an
// ErrInvalid error quoting GDAL's first complaint.
func (s *Source) gdal(ctx context.Context, tool string, args ...string) ([]byte, error) {
	env, err := gdalEnv(s.Format)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, renew.Invalid("%s: GDAL cannot read it as %s: %s", s.Name, s.Format, gdalComplaint(stderr.String(), s.path, s.Name))
	}
	return out, nil
}

// gdalComplaint picks GDAL's first error line, with the server-side path replaced by the user's name.
func gdalComplaint(stderr, path, name string) string {
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "FAILURE") {
			line = strings.ReplaceAll(line, path, name)
			if _, msg, ok := strings.Cut(line, ": "); ok {
				line = msg
			}
			return line
		}
	}
	return "the file is damaged or not of this format"
}

var (
	fieldLine = regexp.MustCompile(`^(.+): (String|Integer|Integer64|Real|Date|DateTime|Time|Binary|IntegerList|Integer64List|RealList|StringList)( \(.*\))?$`)
)

// listLayers reads the layers, their fields and CRS with ogrinfo.
func (s *Source) listLayers(ctx context.Context) error {
	args := append([]string{"-ro", "-so", "-al", "-nomd", "-wkt_format", "WKT2"}, s.openOptions()...)
	out, err := s.gdal(ctx, "ogrinfo", append(args, gdalPath(s.Format, s.path))...)
	if err != nil {
		return err
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	var cur *LayerInfo
	var wkt *strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimRight(line, "\r")
		if name, ok := strings.CutPrefix(line, "Layer name: "); ok {
			s.Layers = append(s.Layers, LayerInfo{Name: name})
			cur, wkt = &s.Layers[len(s.Layers)-1], nil
			continue
		}
		if cur == nil {
			continue
		}
		if wkt != nil {
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") || wkt.Len() == 0 {
				if wkt.Len() == 0 && line == "(unknown)" {
					wkt = nil
					continue
				}
				wkt.WriteString(line)
				wkt.WriteString("\n")
				continue
			}
			cur.CRS = crsFromWKT(wkt.String())
			wkt = nil
		}
		switch {
		case strings.HasPrefix(line, "Geometry: "):
			cur.Geometry = strings.TrimPrefix(line, "Geometry: ")
		case strings.HasPrefix(line, "Feature Count: "):
			cur.Count, _ = strconv.Atoi(strings.TrimPrefix(line, "Feature Count: "))
		case line == "Layer SRS WKT:":
			wkt = &strings.Builder{}
		case strings.HasPrefix(line, "Data axis"), strings.HasPrefix(line, "FID Column"),
			strings.HasPrefix(line, "Geometry Column"), strings.HasPrefix(line, "Extent: "):
		default:
			if m := fieldLine.FindStringSubmatch(line); m != nil {
				cur.Fields = append(cur.Fields, m[1])
			}
		}
	}
	if len(s.Layers) == 0 {
		return renew.Invalid("%s: GDAL finds no layer in it", s.Name)
	}
	return nil
}

// Read streams the features of layer through fn: ogr2ogr writes them as GeoJSONSeq, reprojected
// to WGS84 as plan says (then converted from GCJ-02 or BD-09 here). With a control-point fit the
// raw coordinates are transformed here into the control points' system and GDAL reprojects that
// in a second pass. A table's rows have no geometry.
func (s *Source) Read(ctx context.Context, layer string, plan CRSPlan, fn func(Record) error) error {
	if t := s.tables[layer]; t != nil {
		return t.read(fn)
	}
	if plan.Helmert != nil {
		return s.readFitted(ctx, layer, plan, fn)
	}
	var args []string
	if plan.SourceSRS != "" {
		args = append(args, "-s_srs", plan.SourceSRS)
	}
	if plan.Reproject {
		args = append(args, "-t_srs", "EPSG:4326")
	}
	i := 0
	return s.stream(ctx, s.Format, s.path, layer, args, func(f *geojson.Feature) error {
		rec := Record{Index: i, Where: renew.T("feature %d", i), Props: f.Properties, Geometry: f.Geometry}
		if plan.Convert != nil && rec.Geometry != nil {
			rec.Geometry = convertGeometry(rec.Geometry, plan.Convert)
		}
		i++
		return fn(rec)
	})
}

// readFitted reads the raw coordinates, applies the fitted transformation into a temporary
// GeoJSONSeq file, and has GDAL reproject that from the control points' system.
func (s *Source) readFitted(ctx context.Context, layer string, plan CRSPlan, fn func(Record) error) error {
	tmp, err := os.CreateTemp("", "renewmap-fitted-*.geojsonl")
	if err != nil {
		return fmt.Errorf("read %s: %w", s.Name, err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = s.stream(ctx, s.Format, s.path, layer, nil, func(f *geojson.Feature) error {
		if f.Geometry != nil {
			f.Geometry = convertGeometry(f.Geometry, plan.Helmert.Apply)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		w.Write(b)
		return w.WriteByte('\n')
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	i := 0
	return s.stream(ctx, GeoJSONSeq, tmp.Name(), "", []string{"-s_srs", plan.ControlCRS, "-t_srs", "EPSG:4326"}, func(f *geojson.Feature) error {
		rec := Record{Index: i, Where: renew.T("feature %d", i), Props: f.Properties, Geometry: f.Geometry}
		i++
		return fn(rec)
	})
}

// stream runs ogr2ogr on path (of format) with args and decodes its GeoJSONSeq output.
func (s *Source) stream(ctx context.Context, format Format, path, layer string, args []string, fn func(*geojson.Feature) error) error {
	env, err := gdalEnv(format)
	if err != nil {
		return err
	}
	all := []string{"-f", "GeoJSONSeq", "/vsistdout/", "-lco", "COORDINATE_PRECISION=9"}
	if format == s.Format {
		all = append(all, s.openOptions()...)
	}
	all = append(append(all, args...), gdalPath(format, path))
	if layer != "" {
		all = append(all, layer)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ogr2ogr", all...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("read %s: %w", s.Name, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("read %s: GDAL's ogr2ogr is not available (install gdal-bin): %w", s.Name, err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	i := 0
	var ferr error
	for sc.Scan() {
		line := bytes.TrimLeft(sc.Bytes(), "\x1e \t")
		if len(line) == 0 {
			continue
		}
		var f geojson.Feature
		if err := json.Unmarshal(line, &f); err != nil {
			ferr = renew.Invalid("%s: feature %d cannot be decoded: %v", s.Name, i, err)
			break
		}
		if ferr = fn(&f); ferr != nil {
			break
		}
		i++
	}
	if ferr == nil {
		ferr = sc.Err()
	}
	if ferr != nil {
		cancel()
		_ = cmd.Wait()
		return ferr
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return renew.Invalid("%s: GDAL cannot read layer %q: %s", s.Name, layer, gdalComplaint(stderr.String(), path, s.Name))
	}
	return nil
}

// shapefileEncoding returns the ENCODING open option for a Shapefile: the given encoding, or,
// when the file says nothing (no .cpg, no code page in the .dbf), UTF-8 if its text is valid
// UTF-8 and GBK (CP936) otherwise, as Chinese files usually are. "" leaves it to GDAL.
func shapefileEncoding(shp, given string) string {
	if given != "" {
		if strings.EqualFold(given, "gbk") || strings.EqualFold(given, "gb2312") || strings.EqualFold(given, "gb18030") {
			return "CP936"
		}
		return strings.ToUpper(given)
	}
	files := []string{shp}
	if st, err := os.Stat(shp); err == nil && st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(shp, "*.shp"))
	}
	for _, f := range files {
		stem := strings.TrimSuffix(f, filepath.Ext(f))
		if _, err := os.Stat(stem + ".cpg"); err == nil {
			return ""
		}
		dbf, err := readHead(stem+".dbf", 1<<16)
		if err != nil || len(dbf) < 32 {
			continue
		}
		if dbf[29] != 0 { // a code page (language driver id) GDAL understands
			return ""
		}
		if !utf8.Valid(trimPartialRune(dbf[32:])) {
			return "CP936"
		}
	}
	return ""
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := f.Read(buf)
	if err != nil && m == 0 {
		return nil, err
	}
	return buf[:m], nil
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

func encodingLabel(e string) string {
	if e == "CP936" {
		return "GBK (CP936)"
	}
	return e
}

// maxCSVBytes bounds a CSV read into memory to be re-encoded.
const maxCSVBytes = 256 << 20

// csvToUTF8 re-encodes a CSV that is not UTF-8 (Excel on a Chinese Windows saves GBK), or one
// said to be GBK, into a UTF-8 copy GDAL reads.
func (s *Source) csvToUTF8(given string) error {
	st, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("read %s: %w", s.Name, err)
	}
	if st.Size() > maxCSVBytes {
		return nil // left to GDAL as UTF-8
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("read %s: %w", s.Name, err)
	}
	gbk := !utf8.Valid(data)
	if given != "" {
		gbk = shapefileEncoding("", given) == "CP936"
	}
	if !gbk {
		return nil
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return renew.Invalid("%s: the text is neither UTF-8 nor GBK", s.Name)
	}
	if s.tmp == "" {
		if s.tmp, err = os.MkdirTemp("", "renewmap-import-"); err != nil {
			return fmt.Errorf("read %s: %w", s.Name, err)
		}
	}
	s.path = filepath.Join(s.tmp, "utf8.csv")
	if err := os.WriteFile(s.path, text, 0o600); err != nil {
		return fmt.Errorf("read %s: %w", s.Name, err)
	}
	if given == "" {
		s.Notes = append(s.Notes, renew.T("%s: the CSV is not UTF-8; read as GBK (--encoding to change)", s.Name))
	}
	return nil
}
