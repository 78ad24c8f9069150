package ingest

import (
	"strconv"
	"strings"

	"renewmap/internal/renew"
)

// Kind is the JSON type (and meaning) of a property.
type Kind int

// The property kinds. Values in Feature.Props have the Go type given here.
const (
	KindString    Kind = iota // string
	KindInt                   // int64
	KindNumber                // float64
	KindBool                  // bool
	KindDate                  // string, YYYY-MM-DD
	KindEnum                  // string, a code of the vocabulary Field.Enum
	KindRef                   // string, the code of a feature of layer Field.Ref
	KindEnumArray             // []string, codes of the vocabulary Field.Enum
)

// The vocabularies that are not label tables (every label table X_labels is the vocabulary X).
const (
	VocabFacilityKind = "facility_kind" // facility_kinds.code
	VocabMenu         = "menu"          // renovation_menu.code
	VocabDepartment   = "department"    // departments.code
)

// Range bounds an Int or Number property. The zero Range allows everything.
type Range struct {
	Min, Max         float64
	HasMin, HasMax   bool
	MinOpen, MaxOpen bool // exclusive bounds
}

func between(lo, hi float64) Range { return Range{Min: lo, Max: hi, HasMin: true, HasMax: true} }
func atLeast(lo float64) Range     { return Range{Min: lo, HasMin: true} }

// positive is > 0 and below max, a bound that keeps the value inside its numeric column.
func positive(max float64) Range {
	return Range{Min: 0, MinOpen: true, HasMin: true, Max: max, MaxOpen: true, HasMax: true}
}

// contains reports whether v lies inside r.
func (r Range) contains(v float64) bool {
	if r.HasMin && (v < r.Min || r.MinOpen && v == r.Min) {
		return false
	}
	if r.HasMax && (v > r.Max || r.MaxOpen && v == r.Max) {
		return false
	}
	return true
}

// describe says what a value must be, e.g. "an integer between 1 and 100".
func (r Range) describe(k Kind) renew.Text {
	what := renew.T("a number")
	if k == KindInt {
		what = renew.T("an integer")
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	lo, hi := "≥", "≤"
	if r.MinOpen {
		lo = ">"
	}
	if r.MaxOpen {
		hi = "<"
	}
	switch {
	case r.HasMin && r.HasMax && !r.MinOpen && !r.MaxOpen:
		return renew.T("%s between %s and %s", what, num(r.Min), num(r.Max))
	case r.HasMin && r.HasMax:
		return renew.T("%s %s %s and %s %s", what, lo, num(r.Min), hi, num(r.Max))
	case r.HasMin:
		return renew.T("%s %s %s", what, lo, num(r.Min))
	case r.HasMax:
		return renew.T("%s %s %s", what, hi, num(r.Max))
	}
	return what
}

// Field is one property of a layer.
type Field struct {
	Name     string // the GeoJSON property
	Column   string // the table column; for a reference, the id column (community_id)
	Kind     Kind
	Required bool
	Range    Range  // KindInt, KindNumber
	Enum     string // KindEnum, KindEnumArray: the vocabulary
	Ref      string // KindRef: the layer referred to
	MaxLen   int    // KindString: the longest value in characters; 0 means 1000
	Default  any    // stored when the property is absent or null
}

// Layer is one importable layer: a table, its geometry and its properties.
type Layer struct {
	Name string // the file stem and the table: buildings.geojson → buildings
	// Geometry lists the GeoJSON geometry types a feature may have; empty means the layer has no
	// geometry (plans) and a feature's geometry must be null.
	Geometry []string
	Fields   []Field // the first is always code
	// Elevation: positions may carry a third number, the elevation in metres (1985 国家高程基准);
	// then every position must (pipelines: see elevation.go).
	Elevation bool
}

// Field returns the field called name, or nil.
func (l *Layer) Field(name string) *Field {
	for i := range l.Fields {
		if l.Fields[i].Name == name {
			return &l.Fields[i]
		}
	}
	return nil
}

// The column bounds of numeric(p, s) columns, so an oversized value is caught with a message
// rather than by a numeric overflow in the database.
const (
	max10x1 = 1e9  // numeric(10, 1)
	max12x2 = 1e10 // numeric(12, 2)
	max14x2 = 1e12 // numeric(14, 2)
)

var (
	year      = between(1900, 2100)
	polygonal = []string{"Polygon", "MultiPolygon"}
	code      = Field{Name: "code", Column: "code", Kind: KindString, Required: true, MaxLen: 100}
)

func str(name string, required bool) Field {
	return Field{Name: name, Column: name, Kind: KindString, Required: required}
}
func enum(name, vocab string, required bool) Field {
	return Field{Name: name, Column: name, Kind: KindEnum, Enum: vocab, Required: required}
}
func ref(name, layer string, required bool) Field {
	return Field{Name: name, Column: name + "_id", Kind: KindRef, Ref: layer, Required: required}
}
func integer(name string, r Range, required bool) Field {
	return Field{Name: name, Column: name, Kind: KindInt, Range: r, Required: required}
}
func number(name string, r Range, required bool) Field {
	return Field{Name: name, Column: name, Kind: KindNumber, Range: r, Required: required}
}
func boolean(name string, def bool) Field {
	return Field{Name: name, Column: name, Kind: KindBool, Default: def}
}
func date(name string) Field { return Field{Name: name, Column: name, Kind: KindDate} }

// layers are the importable layers in dependency order: a layer refers only to layers before it.
// docs/data-format.md documents the same table; keep them in step.
var layers = []*Layer{
	{Name: "districts", Geometry: polygonal, Fields: []Field{code, str("name", true), str("source", false)}},
	{Name: "subdistricts", Geometry: polygonal, Fields: []Field{code, str("name", true), ref("district", "districts", true)}},
	{Name: "neighbourhoods", Geometry: polygonal, Fields: []Field{code, str("name", true), ref("subdistrict", "subdistricts", true)}},
	{Name: "communities", Geometry: polygonal, Fields: []Field{
		code, str("name", true),
		ref("subdistrict", "subdistricts", true),
		ref("neighbourhood", "neighbourhoods", false),
		integer("completed_year", year, false), // unknown: NULL (未知/待核实), never a placeholder
		enum("property_type", "property_type", false),
		enum("management", "management", false),
		str("address", false),
	}},
	{Name: "buildings", Geometry: polygonal, Fields: []Field{
		code, ref("community", "communities", true),
		str("number", true),
		integer("floors", between(1, 100), true),
		integer("units", between(1, 50), true),
		integer("households", between(0, 5000), true),
		number("floor_area", positive(max10x1), true),
		integer("completed_year", year, false),
		enum("structure", "structure", false),
		boolean("has_elevator", false),
		boolean("elevator_feasible", false),
		enum("safety_grade", "safety_grade", false),
	}},
	{Name: "roads", Geometry: []string{"LineString"}, Fields: []Field{
		code, str("name", false),
		enum("class", "road_class", true),
		enum("surface", "surface_condition", false),
		boolean("walkable", true),
		integer("resurface_year", year, false),
		number("width_m", positive(1e4), false),
		ref("community", "communities", false),
	}},
	{Name: "gates", Geometry: []string{"Point"}, Fields: []Field{
		code, ref("community", "communities", true),
		str("name", false),
		enum("kind", "gate_kind", true),
		str("open_hours", false),
	}},
	{Name: "pipelines", Geometry: []string{"LineString"}, Elevation: true, Fields: []Field{
		code,
		enum("kind", "pipeline_kind", true),
		enum("material", "pipe_material", true),
		integer("diameter_mm", between(1, 5000), false),
		integer("laid_year", year, true),
		number("depth_m", between(0, 30), false),
		enum("condition", "pipe_condition", true),
		str("operator", true),
		ref("community", "communities", false),
	}},
	{Name: "facilities", Geometry: []string{"Point"}, Fields: []Field{
		code,
		enum("kind", VocabFacilityKind, true),
		str("name", true),
		integer("capacity", atLeast(0), false),
		{Name: "status", Column: "status", Kind: KindEnum, Enum: "facility_status", Default: "existing"},
		ref("community", "communities", false),
	}},
	{Name: "parking", Geometry: []string{"Point", "Polygon", "MultiPolygon"}, Fields: []Field{
		code,
		enum("kind", "parking_kind", true),
		integer("capacity", atLeast(0), true),
		str("name", false),
		ref("community", "communities", false),
	}},
	{Name: "candidate_sites", Geometry: polygonal, Fields: []Field{
		code, str("name", true),
		enum("origin", "site_origin", true),
		number("area_m2", positive(max10x1), false), // absent: computed from the geometry
		{Name: "hostable_kinds", Column: "hostable_kinds", Kind: KindEnumArray, Enum: VocabFacilityKind},
		ref("community", "communities", false),
		str("note", false),
	}},
	{Name: "plans", Fields: []Field{
		code, ref("community", "communities", true),
		enum("stage", "plan_stage", true),
		enum("batch", "batch", true),
		integer("batch_year", between(2000, 2100), false),
		date("planned_start"), date("planned_end"), date("actual_start"), date("actual_end"),
		number("consent_rate", between(0, 1), false),
		enum("management_after", "management", false),
	}},
}

// ItemFields are the properties of an element of a plan's "items" (plan_items); "geometry" is
// handled apart.
var ItemFields = []Field{
	{Name: "menu", Column: "menu_code", Kind: KindEnum, Enum: VocabMenu, Required: true},
	number("quantity", positive(max12x2), true),
	number("unit_cost", Range{Min: 0, HasMin: true, Max: max12x2, MaxOpen: true, HasMax: true}, false), // absent: the menu's
	{Name: "department", Column: "department_code", Kind: KindEnum, Enum: VocabDepartment, Required: true},
	{Name: "status", Column: "status", Kind: KindEnum, Enum: "item_status", Default: "planned"},
}

// FundingFields are the properties of an element of a plan's "funding" (plan_funding).
var FundingFields = []Field{
	enum("source", "funding_source", true),
	number("amount", Range{Min: 0, HasMin: true, Max: max14x2, MaxOpen: true, HasMax: true}, true),
}

// Layers returns the importable layers in dependency order. The slice is a copy; the layers are
// shared and must not be modified.
func Layers() []*Layer { return append([]*Layer(nil), layers...) }

// LayerByName returns the layer called name, or nil.
func LayerByName(name string) *Layer {
	for _, l := range layers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func layerNames() string {
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}

// Vocabularies returns the names of every vocabulary a layer uses, which Known.Enums must hold.
func Vocabularies() []string {
	seen := map[string]bool{}
	var out []string
	add := func(fs []Field) {
		for _, f := range fs {
			if f.Enum != "" && !seen[f.Enum] {
				seen[f.Enum] = true
				out = append(out, f.Enum)
			}
		}
	}
	for _, l := range layers {
		add(l.Fields)
	}
	add(ItemFields)
	add(FundingFields)
	return out
}
