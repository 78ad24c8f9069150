package foreign

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/width"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

// Catalog is what applying a mapping needs from the database.
type Catalog struct {
	// Labels maps a vocabulary to its codes' Chinese labels (enum → code → label).
	Labels map[string]map[string]string
	// Names lists, per layer referred to by name, its features' codes and names.
	Names map[string][]Named
	// Existing holds the target layer's features, for a join.
	Existing []Existing
}

// Named is a feature's code and name.
type Named struct{ Code, Name string }

// Existing is a feature already in the database, in ingest's property names (references as codes).
type Existing struct {
	Code     string
	Props    map[string]any
	Geometry json.RawMessage // GeoJSON, WGS84
}

// Result is a mapped source: the GeoJSON file `renewmap load` would read, and what the mapping did.
type Result struct {
	File      ingest.File
	Features  int          // features in File
	Notes     []string     // rows left out, guesses made
	Unmatched []renew.Text // join: rows that matched no feature
	Filtered  int          // features left out by the mapping's where
	// Loose are, with the mapping's provisional, the buildings without a community (none given,
	// or one that does not exist), left out of File for Gather.
	Loose []Loose
}

// Loose is a building without a community: where the source has it, the community name the
// source gives (a clue for a community list), and the feature, its community not set.
type Loose struct {
	Where   renew.Text
	Named   string
	Feature *geojson.Feature
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// AllowUnmatched imports a join's matched rows and reports the others; otherwise any row that
	// matches nothing (or two features) rejects the whole import.
	AllowUnmatched bool
	// Read, when set, is told how many source records have been read so far.
	Read func(n int)
}

// unknownWords are what tables write where they do not know: the value stays NULL.
var unknownWords = map[string]bool{
	"": true, "不详": true, "未知": true, "待核实": true, "待定": true, "无数据": true, "暂无": true, "-": true, "--": true,
	"—": true, "/": true, "\\": true, "n/a": true, "na": true, "null": true, "none": true, "unknown": true, "?": true,
}

// Apply maps the records of a source layer onto m's layer, reporting per feature (or row) every
// value it cannot map. It returns a *ingest.ValidationError (renew.ErrInvalid) when anything
// cannot be mapped; required properties the mapping leaves empty are left to ingest.Parse to name.
func Apply(ctx context.Context, src *Source, layer string, m *Mapping, plan CRSPlan, cat *Catalog, opt ApplyOptions) (*Result, error) {
	lay := ingest.LayerByName(m.Layer)
	info, err := src.Layer(layer)
	if err != nil {
		return nil, err
	}
	a := applier{m: m, lay: lay, cat: cat, src: src, fields: info.Fields}
	if err := a.prepare(); err != nil {
		return nil, err
	}
	res := &Result{File: ingest.File{Name: fmt.Sprintf("%s（%s）", src.Name, info.Name), Layer: lay.Name}}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	err = src.Read(ctx, info.Name, plan, func(rec Record) error {
		if opt.Read != nil {
			opt.Read(rec.Index + 1)
		}
		if a.p.Full() {
			return nil // keep reading only to count; the messages are full
		}
		feat, ok := a.feature(rec, res)
		if !ok {
			return nil
		}
		b, err := json.Marshal(feat)
		if err != nil {
			return fmt.Errorf("encode %s: %w", rec.Where, err)
		}
		if res.Features > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n")
		buf.Write(b)
		res.Features++
		return nil
	})
	if err != nil {
		return nil, err
	}
	buf.WriteString("\n]}\n")
	if len(a.homeless) > 0 {
		a.p.Add("%s: %d 栋楼没有所属小区或所属小区不存在（%s 等）；导入时加 -provisional（或映射写 provisional: true，导入页勾选“聚类生成待核实小区”）可把它们聚成待核实小区 (%d buildings have no community or an unknown one; -provisional gathers them into provisional communities)",
			src.Name, len(a.homeless), renew.List(a.homeless[:min(3, len(a.homeless))]...), len(a.homeless))
	}
	if m.Join != nil && len(res.Unmatched) > 0 && !opt.AllowUnmatched {
		for _, u := range res.Unmatched {
			a.p.Add("%s", u)
		}
		a.p.Add("%s: %d rows match no %s (or match two); fix the names or codes, or import the others with --allow-unmatched", src.Name, len(res.Unmatched), lay.Name)
	}
	if err := a.p.Err(); err != nil {
		return nil, err
	}
	res.File.Data = buf.Bytes()
	return res, nil
}

type applier struct {
	m      *Mapping
	lay    *ingest.Layer
	cat    *Catalog
	src    *Source
	fields []string
	p      ingest.Problems

	from     map[string]string              // target property → the source field's actual name
	where    map[string]map[string]bool     // source field → normalised values kept
	labels   map[string]map[string]string   // vocabulary → normalised label or code → code
	names    map[string]map[string][]string // layer → normalised name → codes
	existing map[string][]*Existing         // join key → features
	codes    map[string]bool                // communities' codes, for buildings; nil when unknown
	homeless []any                          // buildings without a community, without provisional (renew.Text)
}

// prepare resolves the mapping's source fields against the layer's (a header's last part may stand
// for the whole: 户数 for 基本情况/户数) and builds the lookup tables.
func (a *applier) prepare() error {
	a.from = map[string]string{}
	for prop, r := range a.m.Fields {
		f, err := a.sourceField(r.From, "fields."+prop)
		if err != nil {
			a.p.Add("%s", err)
			continue
		}
		a.from[prop] = f
	}
	a.where = map[string]map[string]bool{}
	for f, values := range a.m.Where {
		name, err := a.sourceField(f, "where")
		if err != nil {
			a.p.Add("%s", err)
			continue
		}
		keep := map[string]bool{}
		for _, v := range values {
			keep[NormalizeName(v)] = true
		}
		a.where[name] = keep
	}
	if j := a.m.Join; j != nil {
		for _, f := range []string{j.Field, j.Community} {
			if f == "" {
				continue
			}
			if _, err := a.sourceField(f, "join"); err != nil {
				a.p.Add("%s", err)
			}
		}
	}
	a.labels = map[string]map[string]string{}
	for vocab, codes := range a.cat.Labels {
		idx := map[string]string{}
		for code, label := range codes {
			idx[NormalizeName(code)] = code
			idx[NormalizeName(label)] = code
		}
		a.labels[vocab] = idx
	}
	a.names = map[string]map[string][]string{}
	for layer, list := range a.cat.Names {
		idx := map[string][]string{}
		for _, n := range list {
			k := NormalizeName(n.Name)
			idx[k] = append(idx[k], n.Code)
		}
		a.names[layer] = idx
	}
	if list, ok := a.cat.Names["communities"]; ok && a.lay.Name == "buildings" {
		a.codes = map[string]bool{}
		for _, n := range list {
			a.codes[n.Code] = true
		}
	}
	if j := a.m.Join; j != nil {
		a.existing = map[string][]*Existing{}
		for i := range a.cat.Existing {
			e := &a.cat.Existing[i]
			var key string
			switch j.By {
			case "code":
				key = e.Code
			case "name":
				key = NormalizeName(text(e.Props["name"]))
			case "number":
				key = text(e.Props["community"]) + "\x00" + NormalizeName(text(e.Props["number"]))
			}
			a.existing[key] = append(a.existing[key], e)
		}
	}
	return a.p.Err()
}

// sourceField finds a field of the source layer by its name, or by the last part of a merged
// header ("户数" for "基本情况/户数") when that is unique.
func (a *applier) sourceField(name, where string) (string, error) {
	var suffix []string
	for _, f := range a.fields {
		if f == name {
			return f, nil
		}
		if strings.HasSuffix(f, "/"+name) {
			suffix = append(suffix, f)
		}
	}
	if len(suffix) == 1 {
		return suffix[0], nil
	}
	return "", renew.Invalid("%s: mapping %s: the source has no field %q (its fields are %s)", a.src.Name, where, name, strings.Join(a.fields, ", "))
}

// feature maps one record; ok is false when it is left out (a problem, or an unmatched join row).
func (a *applier) feature(rec Record, res *Result) (*geojson.Feature, bool) {
	for f, keep := range a.where {
		if !keep[NormalizeName(text(rec.Props[f]))] {
			res.Filtered++
			return nil, false
		}
	}
	where := renew.T("%s: %s", a.src.Name, rec.Where)
	before := a.p.Len()
	props := map[string]any{}
	named, homeless := "", false
	for _, f := range a.lay.Fields {
		if f.Name == "code" {
			continue
		}
		if v, ok := a.m.Constants[f.Name]; ok {
			props[f.Name] = v
			continue
		}
		if src, ok := a.from[f.Name]; ok {
			if f.Name == "community" && a.codes != nil && a.m.Join == nil {
				if name, missing := a.noCommunity(rec.Props[src]); missing {
					named, homeless = name, true
					continue
				}
			}
			v, known, msg := a.value(&f, rec.Props[src])
			if !msg.IsZero() {
				a.p.Add("%s: field %q → %s: %s", where, src, f.Name, msg)
				continue
			}
			if known {
				props[f.Name] = v
				continue
			}
		}
		if v, ok := a.m.Defaults[f.Name]; ok {
			props[f.Name] = v
		}
	}
	if a.p.Len() > before {
		return nil, false
	}
	if a.m.Join != nil {
		return a.join(rec, where, props, res)
	}
	code, msg := a.code(rec, props)
	if !msg.IsZero() {
		a.p.Add("%s: code %q: %s", where, a.m.Code, msg)
		return nil, false
	}
	props["code"] = code
	g := rec.Geometry
	if g == nil && len(a.lay.Geometry) > 0 {
		a.p.Add("%s (code %q): no geometry; %s need one", where, code, a.lay.Name)
		return nil, false
	}
	feat := &geojson.Feature{Type: "Feature", Geometry: fitGeometry(g, a.lay.Geometry), Properties: props}
	if a.codes != nil && a.m.Join == nil && props["community"] == nil {
		homeless = true
	}
	if homeless {
		if a.m.Provisional {
			res.Loose = append(res.Loose, Loose{Where: renew.T("%s (code %q)", where, code), Named: named, Feature: feat})
		} else {
			a.homeless = append(a.homeless, renew.T("%s (code %q)", rec.Where, code))
		}
		return nil, false
	}
	return feat, true
}

// noCommunity tells whether a building's community field names no community: empty or unknown
// (不详, …), a name no community has (matched by name), or a code no community has. name is
// the field's text, a clue for a community list.
func (a *applier) noCommunity(v any) (name string, missing bool) {
	s := strings.TrimSpace(width.Fold.String(text(v)))
	if v == nil || unknownWords[strings.ToLower(s)] {
		return "", true
	}
	if a.m.Fields["community"].Match == "name" {
		return s, len(a.names["communities"][NormalizeName(s)]) == 0
	}
	return s, !a.codes[s]
}

// join finds the existing feature a row updates and overlays the row's known values on it.
func (a *applier) join(rec Record, where renew.Text, props map[string]any, res *Result) (*geojson.Feature, bool) {
	j := a.m.Join
	field, _ := a.sourceField(j.Field, "join")
	raw := text(rec.Props[field])
	var key string
	switch j.By {
	case "code":
		key = strings.TrimSpace(raw)
	case "name":
		key = NormalizeName(raw)
	case "number":
		cf, _ := a.sourceField(j.Community, "join")
		codes := a.names["communities"][NormalizeName(text(rec.Props[cf]))]
		if len(codes) != 1 {
			res.Unmatched = append(res.Unmatched, renew.T("%s: %s %q: %d communities have that name", where, cf, text(rec.Props[cf]), len(codes)))
			return nil, false
		}
		key = codes[0] + "\x00" + NormalizeName(raw)
	}
	hits := a.existing[key]
	switch {
	case raw == "":
		res.Unmatched = append(res.Unmatched, renew.T("%s: %s is empty; nothing to match", where, field))
		return nil, false
	case len(hits) == 0:
		res.Unmatched = append(res.Unmatched, renew.T("%s: %s %q matches no %s", where, field, raw, a.lay.Name))
		return nil, false
	case len(hits) > 1:
		var codes []string
		for _, h := range hits {
			codes = append(codes, h.Code)
		}
		res.Unmatched = append(res.Unmatched, renew.T("%s: %s %q matches %d %s (%s); use codes", where, field, raw, len(hits), a.lay.Name, strings.Join(codes, ", ")))
		return nil, false
	}
	e := hits[0]
	out := make(map[string]any, len(e.Props)+len(props))
	for k, v := range e.Props {
		out[k] = v
	}
	for k, v := range props {
		out[k] = v
	}
	out["code"] = e.Code
	var g orb.Geometry
	if len(e.Geometry) > 0 {
		gj, err := geojson.UnmarshalGeometry(e.Geometry)
		if err != nil {
			a.p.Add("%s: the geometry of %s %q cannot be read", where, a.lay.Name, e.Code)
			return nil, false
		}
		g = gj.Geometry()
	}
	return &geojson.Feature{Type: "Feature", Geometry: g, Properties: out}, true
}

// code fills the code template from the record (or the mapped properties).
func (a *applier) code(rec Record, props map[string]any) (string, renew.Text) {
	var msg renew.Text
	code := placeholder.ReplaceAllStringFunc(a.m.Code, func(ph string) string {
		name := ph[1 : len(ph)-1]
		var v any
		if f, err := a.sourceField(name, "code"); err == nil {
			v = rec.Props[f]
		} else if pv, ok := props[name]; ok {
			v = pv
		} else if msg.IsZero() {
			msg = renew.T("{%s} is neither a source field nor a mapped property", name)
		}
		s := strings.TrimSpace(width.Fold.String(text(v)))
		if s == "" && msg.IsZero() {
			msg = renew.T("{%s} is empty for this feature", name)
		}
		return s
	})
	return code, msg
}

// value converts a source value to a target property's kind. known is false when the source
// does not say (empty, 不详, …): the property stays NULL unless a default fills it.
func (a *applier) value(f *ingest.Field, v any) (out any, known bool, msg renew.Text) {
	s := strings.TrimSpace(width.Fold.String(text(v)))
	if vm, ok := a.m.Values[f.Name]; ok {
		for from, to := range vm {
			if NormalizeName(from) == NormalizeName(s) {
				if to == nil || to == "" {
					return nil, false, renew.Text{}
				}
				return to, true, renew.Text{}
			}
		}
	}
	if v == nil || unknownWords[strings.ToLower(s)] {
		return nil, false, renew.Text{}
	}
	switch f.Kind {
	case ingest.KindInt, ingest.KindNumber:
		n, ok := number(s)
		if !ok || (f.Kind == ingest.KindInt && n != math.Trunc(n)) {
			if f.Kind == ingest.KindInt {
				return nil, false, renew.T("%q is not a whole number", s)
			}
			return nil, false, renew.T("%q is not a number", s)
		}
		if f.Kind == ingest.KindInt {
			return int64(n), true, renew.Text{}
		}
		return n, true, renew.Text{}
	case ingest.KindBool:
		switch strings.ToLower(s) {
		case "是", "有", "true", "yes", "y", "1", "√", "已加装", "已安装":
			return true, true, renew.Text{}
		case "否", "无", "没有", "false", "no", "n", "0", "×":
			return false, true, renew.Text{}
		}
		return nil, false, renew.T("%q is not yes or no (是/否, 有/无); add it under values", s)
	case ingest.KindDate:
		d, ok := parseDate(s)
		if !ok {
			return nil, false, renew.T("%q is not a date (2021-05-01, 2021/5/1, 2021年5月1日)", s)
		}
		return d, true, renew.Text{}
	case ingest.KindEnum:
		if code, ok := a.labels[f.Enum][NormalizeName(s)]; ok {
			return code, true, renew.Text{}
		}
		return nil, false, renew.T("%q is no %s label or code (%s); add it under values.%s", s, f.Enum, a.vocabulary(f.Enum), f.Name)
	case ingest.KindEnumArray:
		var codes []string
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",，、;；", r) }) {
			code, ok := a.labels[f.Enum][NormalizeName(part)]
			if !ok {
				return nil, false, renew.T("%q is no %s label or code (%s)", part, f.Enum, a.vocabulary(f.Enum))
			}
			codes = append(codes, code)
		}
		return codes, true, renew.Text{}
	case ingest.KindRef:
		rule := a.m.Fields[f.Name]
		if rule.Match != "name" {
			return s, true, renew.Text{}
		}
		codes := a.names[f.Ref][NormalizeName(s)]
		switch len(codes) {
		case 0:
			return nil, false, renew.T("no %s is called %q", f.Ref, s)
		case 1:
			return codes[0], true, renew.Text{}
		}
		return nil, false, renew.T("%d %s are called %q (%s); match by code", len(codes), f.Ref, s, strings.Join(codes, ", "))
	}
	return strings.TrimSpace(text(v)), true, renew.Text{}
}

// vocabulary lists a vocabulary's labels and codes for a message.
func (a *applier) vocabulary(enum string) renew.Text {
	var labels, codes []string
	for _, code := range slices.Sorted(maps.Keys(a.cat.Labels[enum])) {
		labels, codes = append(labels, a.cat.Labels[enum][code]), append(codes, code)
	}
	if len(codes) > 12 {
		labels, codes = append(labels[:12], "…"), append(codes[:12], "…")
	}
	return renew.T("labels %s; codes %s", strings.Join(labels, "、"), strings.Join(codes, ", "))
}

// text renders a source value: numbers without a trailing .0.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

var leadingNumber = regexp.MustCompile(`^[-+]?\d[\d,]*(?:\.\d+)?`)

// number reads a number from a table's text: "1,234.5", "6层", "1985年", "120㎡" (a unit after it
// is ignored; anything else before it is not).
func number(s string) (float64, bool) {
	m := leadingNumber.FindString(s)
	if m == "" {
		return 0, false
	}
	rest := strings.TrimSpace(s[len(m):])
	if rest != "" && !unitSuffix.MatchString(rest) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", ""), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

var unitSuffix = regexp.MustCompile(`^(年|层|户|个|栋|幢|单元|米|m|mm|毫米|平方米|平米|㎡|m²|m2|万元|元|辆|人|座|处)$`)

var dateFormats = []string{"2006-01-02", "2006/1/2", "2006.1.2", "2006年1月2日", "2006-1-2", "20060102"}

func parseDate(s string) (string, bool) {
	for _, f := range dateFormats {
		if t, err := time.Parse(f, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

// fitGeometry makes a source geometry what the layer takes where that is unambiguous: a closed
// line (a CAD polyline) becomes a polygon, a multi-geometry of one part that part.
func fitGeometry(g orb.Geometry, want []string) orb.Geometry {
	polygonal := false
	for _, w := range want {
		if w == "Polygon" || w == "MultiPolygon" {
			polygonal = true
		}
	}
	switch t := g.(type) {
	case orb.LineString:
		if polygonal && len(t) >= 4 && t[0] == t[len(t)-1] {
			return orb.Polygon{orb.Ring(t)}
		}
	case orb.MultiLineString:
		if len(t) == 1 {
			return fitGeometry(t[0], want)
		}
	case orb.MultiPoint:
		if len(t) == 1 {
			return t[0]
		}
	}
	return g
}
