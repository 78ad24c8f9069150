package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"renewmap/internal/renew"
)

// Batch is a parsed, validated import: the layers present, in dependency order.
type Batch struct {
	Layers []*LayerData
}

// LayerData holds the features of one layer, from one or more files.
type LayerData struct {
	Layer    *Layer
	Files    []string
	Features []Feature
}

// Feature is one validated feature.
type Feature struct {
	File  string // the file's name, for messages
	Index int    // the position in the file's "features", from 0
	Line  int    // the line the feature starts on; 0 when the file is a single line
	Code  string
	// Props holds the layer's properties by name (Field.Name), with the Go types of their Kind,
	// defaults applied; absent optional properties are missing. Other properties are dropped.
	Props map[string]any
	// Geometry is nil for plans; polygons are MultiPolygons, whatever the file had (plan items
	// keep their geometry as given).
	Geometry orb.Geometry
	// Geometry3D is the geometry with the elevation of every position (XYZ), for a layer with
	// Elevation whose positions carry one; nil otherwise.
	Geometry3D geom.T
	Items      []Row // plans: "items", validated against ItemFields
	Funding    []Row // plans: "funding", validated against FundingFields
}

// Row is one element of a plan's items or funding.
type Row struct {
	Index    int
	Props    map[string]any
	Geometry orb.Geometry // items only; nil when absent
}

// Layer returns the data of the layer called name, or nil when the batch has none.
func (b *Batch) Layer(name string) *LayerData {
	for _, l := range b.Layers {
		if l.Layer.Name == name {
			return l
		}
	}
	return nil
}

// Count returns the number of features in the batch.
func (b *Batch) Count() int {
	n := 0
	for _, l := range b.Layers {
		n += len(l.Features)
	}
	return n
}

// Parse reads and validates files. It checks everything that needs no database: the JSON and
// FeatureCollection shape, the CRS, geometry types and coordinates, required properties, types
// and ranges, and codes unique within each layer (and one plan per community). Enumeration codes
// and references are checked by Batch.Check; geometry validity by the store.
//
// It returns a *ValidationError (kind renew.ErrInvalid) listing up to MaxProblems problems, or a
// batch holding every layer present in dependency order. It fails on an empty list of files and
// on a file whose Layer is unknown.
func Parse(files []File) (*Batch, error) {
	var p Problems
	if len(files) == 0 {
		p.Add("no files to import")
		return nil, p.Err()
	}
	byLayer := map[string]*LayerData{}
	for _, f := range files {
		lay := LayerByName(f.Layer)
		if lay == nil {
			p.Add("%s: unknown layer %q (the layers are %s)", f.Name, f.Layer, layerNames())
			continue
		}
		ld := byLayer[lay.Name]
		if ld == nil {
			ld = &LayerData{Layer: lay}
			byLayer[lay.Name] = ld
		}
		ld.Files = append(ld.Files, f.Name)
		ld.Features = append(ld.Features, parseFile(f, lay, &p)...)
	}
	b := &Batch{}
	for _, lay := range layers {
		if ld := byLayer[lay.Name]; ld != nil {
			checkUnique(ld, &p)
			b.Layers = append(b.Layers, ld)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// checkUnique reports codes that repeat within a layer, and plans sharing a community.
func checkUnique(ld *LayerData, p *Problems) {
	seen := make(map[string]*Feature, len(ld.Features))
	community := map[string]*Feature{}
	for i := range ld.Features {
		f := &ld.Features[i]
		if prev := seen[f.Code]; prev != nil {
			p.Add("%s: property \"code\": duplicate code %q, also %s", f.Where(), f.Code, prev.shortWhere(f.File))
		} else {
			seen[f.Code] = f
		}
		if ld.Layer.Name == "plans" {
			c, _ := f.Props["community"].(string)
			if prev := community[c]; prev != nil {
				p.Add("%s: property \"community\": community %q already has plan %q (%s); one plan per community",
					f.Where(), c, prev.Code, prev.shortWhere(f.File))
			} else {
				community[c] = f
			}
		}
	}
}

// shortWhere names f as seen from a message about a feature of file.
func (f *Feature) shortWhere(file string) renew.Text {
	if f.File == file {
		return renew.T("feature %d", f.Index)
	}
	return renew.T("%s feature %d", f.File, f.Index)
}

// parseFile decodes one FeatureCollection. It reports problems to p and returns the features that
// passed.
func parseFile(f File, lay *Layer, p *Problems) []Feature {
	data := bytes.TrimPrefix(f.Data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM, as some Windows tools write
	if len(bytes.TrimSpace(data)) == 0 {
		p.Add("%s: the file is empty; want a GeoJSON FeatureCollection", f.Name)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		jsonProblem(p, f.Name, data, err)
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		p.Add("%s: must be a GeoJSON FeatureCollection (a JSON object), got %s", f.Name, describeToken(tok))
		return nil
	}
	var (
		typ          any
		crs          json.RawMessage
		features     json.RawMessage
		featuresAt   int64
		haveFeatures bool
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			jsonProblem(p, f.Name, data, err)
			return nil
		}
		key, _ := tok.(string)
		var dst any = new(json.RawMessage)
		switch key {
		case "type":
			dst = &typ
		case "crs":
			dst = &crs
		case "features":
			dst, haveFeatures, featuresAt = &features, true, dec.InputOffset()
		}
		if err := dec.Decode(dst); err != nil {
			jsonProblem(p, f.Name, data, err)
			return nil
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		jsonProblem(p, f.Name, data, err)
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		// More after the object: a one-shot pass reports where.
		jsonProblem(p, f.Name, data, &json.SyntaxError{})
		return nil
	}
	switch typ {
	case "FeatureCollection":
	case "Feature":
		p.Add(`%s: must be a GeoJSON FeatureCollection, got a single Feature; wrap it as {"type": "FeatureCollection", "features": [...]}`, f.Name)
		return nil
	case nil:
		p.Add(`%s: must be a GeoJSON FeatureCollection: "type" is missing`, f.Name)
		return nil
	default:
		p.Add("%s: must be a GeoJSON FeatureCollection, got type %s", f.Name, shortJSON(typ))
		return nil
	}
	if msg := checkCRS(crs); !msg.IsZero() {
		p.Add("%s: %s", f.Name, msg)
		return nil
	}
	if !haveFeatures {
		p.Add(`%s: the FeatureCollection has no "features" array`, f.Name)
		return nil
	}
	// Walk "features" again, element by element, to know where each starts.
	start := featuresAt + int64(len(data[featuresAt:])-len(bytes.TrimLeft(data[featuresAt:], " \t\r\n:")))
	sub := json.NewDecoder(bytes.NewReader(features))
	if tok, _ := sub.Token(); tok != json.Delim('[') {
		p.Add(`%s: "features" must be an array, got %s`, f.Name, describeToken(tok))
		return nil
	}
	multiLine := bytes.Contains(bytes.TrimSpace(data), []byte("\n"))
	lines := lineCounter{data: data}
	var out []Feature
	for i := 0; sub.More(); i++ {
		at := start + sub.InputOffset()
		var raw json.RawMessage
		if err := sub.Decode(&raw); err != nil { // cannot happen: the outer decoder checked the syntax
			jsonProblem(p, f.Name, data, err)
			return nil
		}
		feat := Feature{File: f.Name, Index: i}
		if multiLine {
			feat.Line = lines.at(at)
		}
		if parseFeature(&feat, raw, lay, p) {
			out = append(out, feat)
		}
	}
	return out
}

// parseFeature fills feat from raw, reporting problems; it returns false when there was any.
func parseFeature(feat *Feature, raw json.RawMessage, lay *Layer, p *Problems) bool {
	before := p.Len()
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		p.Add("%s: must be a GeoJSON Feature object, got %s", feat.Where(), shortRaw(raw))
		return false
	}
	var props map[string]any
	if pr, ok := members["properties"]; ok && !isNull(pr) {
		dec := json.NewDecoder(bytes.NewReader(pr))
		dec.UseNumber()
		if err := dec.Decode(&props); err != nil {
			p.Add(`%s: "properties" must be an object, got %s`, feat.Where(), shortRaw(pr))
			return false
		}
	}
	// The code first, so every later message can name the feature by it.
	if c, ok := props["code"].(string); ok {
		feat.Code = strings.TrimSpace(c)
	}
	var typ string
	if t, ok := members["type"]; !ok || json.Unmarshal(t, &typ) != nil || typ != "Feature" {
		p.Add(`%s: "type" must be "Feature", got %s`, feat.Where(), shortRaw(members["type"]))
	}
	g, msg := parseGeometry(members["geometry"], lay.Geometry)
	if !msg.IsZero() {
		p.Add("%s: geometry: %s", feat.Where(), msg)
	}
	feat.Geometry = g
	if lay.Elevation && msg.IsZero() {
		z, msg := parseElevation(members["geometry"])
		if !msg.IsZero() {
			p.Add("%s: geometry: %s", feat.Where(), msg)
		}
		feat.Geometry3D = z
	}
	feat.Props = checkProps(feat.Where(), renew.Text{}, lay.Fields, props, p)
	if lay.Name == "plans" {
		feat.Items = checkRows(feat, "items", ItemFields, props["items"], true, p)
		feat.Funding = checkRows(feat, "funding", FundingFields, props["funding"], false, p)
		checkDates(feat, p)
	}
	return p.Len() == before
}

// checkRows validates a plan's items or funding: an array of objects, the first field unique.
func checkRows(feat *Feature, name string, fields []Field, v any, geometry bool, p *Problems) []Row {
	where := feat.Where()
	arr, ok := v.([]any)
	if !ok {
		if v == nil {
			p.Add("%s: property %q: missing; must be an array (may be empty)", where, name)
		} else {
			p.Add("%s: property %q: must be an array, got %s", where, name, shortJSON(v))
		}
		return nil
	}
	out := make([]Row, 0, len(arr))
	first := map[string]int{}
	key := fields[0].Name
	for i, el := range arr {
		obj, ok := el.(map[string]any)
		if !ok {
			p.Add("%s: %s[%d]: must be an object, got %s", where, name, i, shortJSON(el))
			continue
		}
		prefix := renew.T("%s[%d]: ", name, i)
		row := Row{Index: i, Props: checkProps(where, prefix, fields, obj, p)}
		if geometry {
			if gv, ok := obj["geometry"]; ok && gv != nil {
				raw, _ := json.Marshal(gv)
				g, msg := parseGeometry(raw, anyGeometry)
				if !msg.IsZero() {
					p.Add("%s: %sgeometry: %s", where, prefix, msg)
				}
				row.Geometry = g
			}
		}
		if k, ok := row.Props[key].(string); ok {
			if j, dup := first[k]; dup {
				p.Add("%s: %sproperty %q: %q appears twice in %s (also %s[%d])", where, prefix, key, k, name, name, j)
			} else {
				first[k] = i
			}
		}
		out = append(out, row)
	}
	return out
}

// checkDates reports a plan whose end comes before its start (the table refuses those).
func checkDates(feat *Feature, p *Problems) {
	for _, pair := range [][2]string{{"planned_start", "planned_end"}, {"actual_start", "actual_end"}} {
		s, _ := feat.Props[pair[0]].(string)
		e, _ := feat.Props[pair[1]].(string)
		if s != "" && e != "" && e < s { // YYYY-MM-DD sorts as text
			p.Add("%s: property %q: %s is before %s %s", feat.Where(), pair[1], e, pair[0], s)
		}
	}
}

// checkProps validates props against fields and returns the normalised values.
func checkProps(where, prefix renew.Text, fields []Field, props map[string]any, p *Problems) map[string]any {
	out := make(map[string]any, len(fields))
	for i := range fields {
		fld := &fields[i]
		v, ok := props[fld.Name]
		if !ok || v == nil {
			switch {
			case fld.Required:
				p.Add("%s: %sproperty %q: missing; must be %s", where, prefix, fld.Name, describe(fld))
			case fld.Default != nil:
				out[fld.Name] = fld.Default
			}
			continue
		}
		nv, msg := checkValue(fld, v)
		if !msg.IsZero() {
			p.Add("%s: %sproperty %q: %s", where, prefix, fld.Name, msg)
			continue
		}
		out[fld.Name] = nv
	}
	return out
}

// describe says what a field's value must be.
func describe(fld *Field) renew.Text {
	switch fld.Kind {
	case KindInt, KindNumber:
		return fld.Range.describe(fld.Kind)
	case KindBool:
		return renew.T("true or false")
	case KindDate:
		return renew.T("a date YYYY-MM-DD")
	case KindEnum:
		return renew.T("a %s code (a string)", fld.Enum)
	case KindEnumArray:
		return renew.T("an array of %s codes", fld.Enum)
	case KindRef:
		return renew.T("the code of a feature of %s (a string)", fld.Ref)
	}
	if fld.Required {
		return renew.T("a non-empty string")
	}
	return renew.T("a string")
}

// checkValue checks one present, non-null value and returns it normalised, or a message.
func checkValue(fld *Field, v any) (any, renew.Text) {
	bad := func() (any, renew.Text) { return nil, renew.T("must be %s, got %s", describe(fld), shortJSON(v)) }
	switch fld.Kind {
	case KindInt:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			// 6.0 is an integer too, as some tools write every number as a float.
			f, ferr := strconv.ParseFloat(string(n), 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return bad()
			}
			i = int64(f)
		}
		if !fld.Range.contains(float64(i)) {
			return bad()
		}
		return i, renew.Text{}
	case KindNumber:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || !fld.Range.contains(f) {
			return bad()
		}
		return f, renew.Text{}
	case KindBool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		return b, renew.Text{}
	case KindDate:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return bad()
		}
		return s, renew.Text{}
	case KindEnumArray:
		arr, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := make([]string, 0, len(arr))
		for _, el := range arr {
			s, ok := el.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return bad()
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, renew.Text{}
	}
	// KindString, KindEnum, KindRef
	s, ok := v.(string)
	if !ok {
		return bad()
	}
	if fld.Kind != KindString || fld.Name == "code" {
		s = strings.TrimSpace(s)
	}
	if s == "" && (fld.Required || fld.Kind != KindString) {
		return nil, renew.T("must not be empty")
	}
	max := fld.MaxLen
	if max == 0 {
		max = 1000
	}
	if n := utf8.RuneCountInString(s); n > max {
		return nil, renew.T("is %d characters long, at most %d allowed", n, max)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return nil, renew.T("is not valid text (invalid UTF-8 or a NUL character)")
	}
	return s, renew.Text{}
}

// checkCRS returns "" when the crs member is absent or names WGS84/CGCS2000 longitude, latitude;
// otherwise a message.
func checkCRS(raw json.RawMessage) renew.Text {
	if len(raw) == 0 || isNull(raw) {
		return renew.Text{}
	}
	var c struct {
		Type       string `json:"type"`
		Properties struct {
			Name string          `json:"name"`
			Code json.RawMessage `json:"code"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return renew.T(`"crs" must be an object like {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, got %s`, shortRaw(raw))
	}
	name := c.Properties.Name
	if strings.EqualFold(c.Type, "EPSG") && len(c.Properties.Code) > 0 { // the 2008 GeoJSON draft
		name = "EPSG:" + strings.Trim(string(c.Properties.Code), `"`)
	}
	if acceptedCRS(name) {
		return renew.Text{}
	}
	return renew.T("crs %q is not supported: coordinates must be WGS84/CGCS2000 longitude, latitude "+
		"(CRS84, EPSG:4326 or EPSG:4490); reproject the file first, e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson", name)
}

// acceptedCRS recognises CRS84, EPSG:4326 and EPSG:4490 in their usual spellings: the OGC URNs
// (urn:ogc:def:crs:OGC:1.3:CRS84, urn:ogc:def:crs:EPSG::4326), the OGC URLs
// (http://www.opengis.net/def/crs/EPSG/0/4490) and plain EPSG:4326.
func acceptedCRS(name string) bool {
	s := strings.ToLower(strings.TrimSpace(name))
	if s == "" {
		return false
	}
	if s == "crs84" || strings.HasSuffix(s, ":crs84") || strings.HasSuffix(s, "/crs84") {
		return true
	}
	if !strings.Contains(s, "epsg") {
		return false
	}
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || i == 0 || !strings.ContainsRune(":/#", rune(s[i-1])) {
		return false
	}
	code := s[i:]
	return code == "4326" || code == "4490"
}

// lineCounter turns increasing byte offsets into line numbers without rescanning.
type lineCounter struct {
	data []byte
	pos  int
	line int
}

func (c *lineCounter) at(off int64) int {
	// The offset is where the decoder stood: skip to the feature's opening brace.
	o := int(off)
	for o < len(c.data) && strings.IndexByte(" \t\r\n,", c.data[o]) >= 0 {
		o++
	}
	if c.line == 0 {
		c.line = 1
	}
	if o < c.pos {
		c.pos, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.pos:min(o, len(c.data))], []byte("\n"))
	c.pos = min(o, len(c.data))
	return c.line
}

// lineCol returns the 1-based line and column (in characters) of the byte at offset off.
func lineCol(data []byte, off int64) (line, col int) {
	o := int(min(max(off, 0), int64(len(data))))
	before := data[:o]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// jsonProblem reports a JSON decoding error with its place in the file.
func jsonProblem(p *Problems, name string, data []byte, err error) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// A streaming decoder's offsets are not from the start of the file; a one-shot pass
		// finds the same error with an exact offset.
		var v json.RawMessage
		if err2 := json.Unmarshal(data, &v); errors.As(err2, &se) {
			at := max(se.Offset-1, 0) // the offending byte
			line, col := lineCol(data, at)
			p.Add("%s: line %d, column %d (byte offset %d): not valid JSON: %s", name, line, col, at, se.Error())
			return
		}
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		p.Add("%s: not valid JSON: the file ends in the middle of a value (truncated?)", name)
	default:
		p.Add("%s: not valid JSON: %v", name, err)
	}
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// shortJSON renders a decoded value for a message, cut to a readable length.
func shortJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return shortRaw(b)
}

func shortRaw(raw []byte) string {
	s := string(bytes.TrimSpace(raw))
	if s == "" {
		return "nothing"
	}
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		s = string(r[:57]) + "…"
	}
	return s
}

func describeToken(tok any) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", t)
	}
	return fmt.Sprint(tok)
}
