package foreign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"renewmap/internal/ingest"
)

// Mapping says how one source layer becomes one renewmap layer (docs/import.md). It is read from
// YAML or JSON.
type Mapping struct {
	// Layer is the target layer (buildings, communities, roads, …).
	Layer string `json:"layer"`
	// SourceLayer is the layer (or sheet) of the source; empty for a source with one.
	SourceLayer string `json:"source_layer,omitempty"`
	// Source names what is imported, so a re-import knows its rows (default: the mapping file's
	// name without extension).
	Source string `json:"source,omitempty"`
	// CRS and TOWGS84 are the source's coordinate system and datum shift when the file does not
	// say (see CRSChoice); flags override them.
	CRS     string `json:"crs,omitempty"`
	TOWGS84 string `json:"towgs84,omitempty"`
	// Control is a CSV of control points (relative to the mapping file) and ControlCRS the
	// projected system of their target coordinates, for a local system (see CRSChoice).
	Control    string `json:"control,omitempty"`
	ControlCRS string `json:"control_crs,omitempty"`
	// HeaderRows is how many rows an .xlsx header spans (0: from its merged cells).
	HeaderRows int `json:"header_rows,omitempty"`
	// Code is the template of a feature's code, e.g. "TX-{小区编号}-B{楼号}": {X} is the source field X
	// (or, when the source has none, the target property X once mapped).
	Code string `json:"code,omitempty"`
	// Fields maps a target property to the source field it comes from.
	Fields map[string]FieldRule `json:"fields,omitempty"`
	// Values maps, per target property, source values to target values (codes, numbers, true or
	// false); an enumeration's source values equal to a Chinese label or a code need no entry.
	Values map[string]map[string]any `json:"values,omitempty"`
	// Defaults fill a target property the source leaves empty; Constants set it whatever the
	// source says.
	Defaults  map[string]any `json:"defaults,omitempty"`
	Constants map[string]any `json:"constants,omitempty"`
	// Where keeps only the features whose source field holds one of the values listed (names
	// compared normalised), e.g. {kind: [building]} when one file holds several layers' features.
	Where map[string][]string `json:"where,omitempty"`
	// Join, for a table without geometry, updates existing features matched by code or name
	// instead of creating features.
	Join *Join `json:"join,omitempty"`
	// Provisional, for buildings, gathers the buildings without a community (none given, or one
	// that does not exist) into provisional communities (待核实) instead of refusing them (the
	// command's -provisional sets it).
	Provisional bool `json:"provisional,omitempty"`
}

// FieldRule is where a target property comes from: a source field, and for a reference to
// another layer, whether the field holds that feature's code or its name.
type FieldRule struct {
	From  string `json:"from"`
	Match string `json:"match,omitempty"` // references: "code" (default) or "name"
}

// UnmarshalJSON accepts a plain string (the source field) or {"from": …, "match": …}.
func (r *FieldRule) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = FieldRule{From: s}
		return nil
	}
	type plain FieldRule
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf(`want a source field name or {"from": FIELD, "match": "code"|"name"}`)
	}
	*r = FieldRule(p)
	return nil
}

// MarshalJSON writes a rule without a match as the plain field name.
func (r FieldRule) MarshalJSON() ([]byte, error) {
	if r.Match == "" {
		return json.Marshal(r.From)
	}
	type plain FieldRule
	return json.Marshal(plain(r))
}

// Join matches table rows to existing features of the target layer.
type Join struct {
	// By is "code" (the field holds the feature's code), "name" (its name, normalised:
	// NormalizeName) or, for buildings, "number" (the building number within the community named
	// by Community).
	By string `json:"by"`
	// Field is the source field matched.
	Field string `json:"field"`
	// Community is, for By "number", the source field naming the building's community.
	Community string `json:"community,omitempty"`
}

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

// ParseMapping reads a mapping (YAML or JSON) and checks it against the target layer's schema. It
// returns a *ingest.ValidationError (renew.ErrInvalid) naming the file and the entry at fault.
func ParseMapping(data []byte, name string) (*Mapping, error) {
	var p ingest.Problems
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		p.Add("%s: not valid YAML or JSON: %v", name, err)
		return nil, p.Err()
	}
	var m Mapping
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		p.Add("%s: %v (the keys are layer, source_layer, source, crs, towgs84, control, control_crs, header_rows, code, fields, values, defaults, constants, where, join, provisional)", name, cleanJSONError(err))
		return nil, p.Err()
	}
	lay := ingest.LayerByName(m.Layer)
	if lay == nil {
		names := []string{}
		for _, l := range ingest.Layers() {
			names = append(names, l.Name)
		}
		p.Add("%s: layer: %q is not a layer (the layers are %s)", name, m.Layer, strings.Join(names, ", "))
		return nil, p.Err()
	}
	if lay.Name == "plans" {
		p.Add("%s: layer: plans are not imported from foreign files; use renewmap load", name)
		return nil, p.Err()
	}
	field := func(where, prop string) *ingest.Field {
		f := lay.Field(prop)
		if f == nil {
			p.Add("%s: %s: %q is not a property of %s (they are %s)", name, where, prop, lay.Name, propNames(lay))
		}
		return f
	}
	for _, prop := range slices.Sorted(maps.Keys(m.Fields)) {
		r := m.Fields[prop]
		f := field("fields", prop)
		if f == nil {
			continue
		}
		if strings.TrimSpace(r.From) == "" {
			p.Add("%s: fields.%s: the source field is empty", name, prop)
		}
		switch r.Match {
		case "", "code":
		case "name":
			if f.Kind != ingest.KindRef {
				p.Add("%s: fields.%s: match applies to references to another layer only", name, prop)
			} else if ingest.LayerByName(f.Ref).Field("name") == nil {
				p.Add("%s: fields.%s: %s have no name to match; match by code", name, prop, f.Ref)
			}
		default:
			p.Add(`%s: fields.%s: match must be "code" or "name", got %q`, name, prop, r.Match)
		}
	}
	for _, prop := range slices.Sorted(maps.Keys(m.Values)) {
		if f := field("values", prop); f != nil && f.Kind == ingest.KindRef {
			p.Add("%s: values.%s: a reference is matched by code or name, not by a value map", name, prop)
		}
	}
	for _, prop := range slices.Sorted(maps.Keys(m.Defaults)) {
		field("defaults", prop)
	}
	for _, prop := range slices.Sorted(maps.Keys(m.Constants)) {
		field("constants", prop)
	}
	if m.Join != nil {
		j := m.Join
		switch {
		case strings.TrimSpace(j.Field) == "":
			p.Add("%s: join.field: the source field to match on is missing", name)
		case j.By == "code":
		case j.By == "name" && lay.Field("name") != nil:
		case j.By == "number" && lay.Name == "buildings":
			if j.Community == "" {
				p.Add("%s: join.community: joining buildings by number needs the source field naming their community", name)
			}
		default:
			p.Add(`%s: join.by: %q cannot match %s (use "code", "name" for layers with names, "number" for buildings)`, name, j.By, lay.Name)
		}
		if m.Code != "" {
			p.Add("%s: code: a join updates existing features and keeps their codes; drop code", name)
		}
	} else {
		if strings.TrimSpace(m.Code) == "" {
			p.Add(`%s: code: missing; a template such as "SX-{编号}" gives every feature a stable code, so a re-import updates instead of duplicating`, name)
		}
		if strings.Count(m.Code, "{") != strings.Count(m.Code, "}") || strings.Contains(m.Code, "{}") {
			p.Add("%s: code: %q has unbalanced or empty {…}", name, m.Code)
		} else if m.Code != "" && len(placeholder.FindAllString(m.Code, -1)) == 0 {
			p.Add("%s: code: %q names no field ({…}), so every feature would get the same code", name, m.Code)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(m.Where)) {
		if strings.TrimSpace(f) == "" || len(m.Where[f]) == 0 {
			p.Add("%s: where: name a source field and the values to keep, e.g. where: {kind: [building]}", name)
		}
	}
	if m.Provisional && (lay.Name != "buildings" || m.Join != nil) {
		p.Add("%s: provisional: only an import of buildings (not a join) gathers them into provisional communities", name)
	}
	if m.HeaderRows < 0 || m.HeaderRows > 20 {
		p.Add("%s: header_rows: must be between 0 and 20", name)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &m, nil
}

// YAML renders the mapping as the YAML a user saves and edits.
func (m *Mapping) YAML() ([]byte, error) {
	js, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(js)
}

func cleanJSONError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "json: ")
	s = strings.ReplaceAll(s, "foreign.Mapping.", "")
	s = strings.ReplaceAll(s, "Go struct field ", "")
	return s
}

func propNames(l *ingest.Layer) string {
	var names []string
	for _, f := range l.Fields {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
