package export

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// A GeoPackage opens in QGIS styled like the web map, with Chinese field names: the QGIS style
// (QML) of each layer sits in the layer_styles table, which QGIS reads on opening a layer, and
// carries the field aliases (GDAL 3.6 cannot write aliases itself).

// Paint is a layer's colouring, read from the MapLibre style: one colour, or a colour per value
// of a field (a "match" expression).
type Paint struct {
	// Kind is fill, line or circle.
	Kind  string
	Color string
	// Field and Categories (value → colour), for a match on a field.
	Field      string
	Categories [][2]string
}

// StylePaints reads the first fill, line or circle layer of each source layer of a MapLibre
// style. A match on a field gives categories; any other expression its first colour.
func StylePaints(style []byte) (map[string]Paint, error) {
	var s struct {
		Layers []struct {
			Type        string                     `json:"type"`
			SourceLayer string                     `json:"source-layer"`
			Paint       map[string]json.RawMessage `json:"paint"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(style, &s); err != nil {
		return nil, err
	}
	out := map[string]Paint{}
	for _, l := range s.Layers {
		if l.SourceLayer == "" || (l.Type != "fill" && l.Type != "line" && l.Type != "circle") {
			continue
		}
		if _, ok := out[l.SourceLayer]; ok {
			continue
		}
		var expr any
		if json.Unmarshal(l.Paint[l.Type+"-color"], &expr) != nil {
			continue
		}
		p := Paint{Kind: l.Type}
		if e, ok := expr.([]any); ok && len(e) > 3 && e[0] == "match" {
			if get, ok := e[1].([]any); ok && len(get) == 2 && get[0] == "get" {
				p.Field, _ = get[1].(string)
				for i := 2; i+1 < len(e); i += 2 {
					c, _ := e[i+1].(string)
					p.Categories = append(p.Categories, [2]string{fmt.Sprint(e[i]), c})
				}
				p.Color, _ = e[len(e)-1].(string)
			}
		}
		if p.Color == "" {
			p.Color = firstColor(expr)
		}
		out[l.SourceLayer] = p
	}
	return out, nil
}

func firstColor(expr any) string {
	switch e := expr.(type) {
	case string:
		if strings.HasPrefix(e, "#") {
			return e
		}
	case []any:
		for _, x := range e {
			if c := firstColor(x); c != "" {
				return c
			}
		}
	}
	return ""
}

// qgisColor turns "#rrggbb" into QGIS's "r,g,b,255"; grey for anything else.
func qgisColor(c string) string {
	if len(c) == 7 && c[0] == '#' {
		if v, err := strconv.ParseUint(c[1:], 16, 32); err == nil {
			return fmt.Sprintf("%d,%d,%d,255", v>>16, v>>8&0xff, v&0xff)
		}
	}
	return "128,128,128,255"
}

type qmlOption struct {
	Name  string `xml:"name,attr"`
	Type  string `xml:"type,attr"`
	Value string `xml:"value,attr"`
}

type qmlOptionMap struct {
	Type    string      `xml:"type,attr"`
	Options []qmlOption `xml:"Option"`
}

type qmlSymbolLayer struct {
	Class   string       `xml:"class,attr"`
	Enabled string       `xml:"enabled,attr"`
	Options qmlOptionMap `xml:"Option"`
}

type qmlSymbol struct {
	Type  string         `xml:"type,attr"`
	Name  string         `xml:"name,attr"`
	Alpha string         `xml:"alpha,attr"`
	Layer qmlSymbolLayer `xml:"layer"`
}

// symbol is one QGIS symbol of kind (fill, line, circle) in colour.
func symbol(kind, name, color string) qmlSymbol {
	c := qgisColor(color)
	s := qmlSymbol{Name: name, Alpha: "1", Layer: qmlSymbolLayer{Enabled: "1", Options: qmlOptionMap{Type: "Map"}}}
	o := &s.Layer.Options.Options
	switch kind {
	case "line":
		s.Type, s.Layer.Class = "line", "SimpleLine"
		*o = []qmlOption{{"line_color", "QString", c}, {"line_width", "QString", "0.6"}, {"line_width_unit", "QString", "MM"}}
	case "circle":
		s.Type, s.Layer.Class = "marker", "SimpleMarker"
		*o = []qmlOption{{"name", "QString", "circle"}, {"color", "QString", c}, {"size", "QString", "2.4"},
			{"outline_color", "QString", "255,255,255,255"}}
	default:
		s.Type, s.Layer.Class = "fill", "SimpleFill"
		*o = []qmlOption{{"color", "QString", c}, {"outline_color", "QString", "90,90,90,255"},
			{"outline_width", "QString", "0.2"}, {"style", "QString", "solid"}}
	}
	return s
}

// QML is the QGIS style of a layer: its paint, with a category per value of the field (as
// written to the file: a coded value's Chinese label), and the Chinese field aliases.
func QML(spec LayerSpec, p Paint, labels map[string]map[string]string) ([]byte, error) {
	type category struct {
		Value  string `xml:"value,attr"`
		Label  string `xml:"label,attr"`
		Symbol string `xml:"symbol,attr"`
		Render string `xml:"render,attr"`
	}
	type renderer struct {
		Type       string      `xml:"type,attr"`
		Attr       string      `xml:"attr,attr,omitempty"`
		Categories []category  `xml:"categories>category,omitempty"`
		Symbols    []qmlSymbol `xml:"symbols>symbol"`
	}
	type alias struct {
		Field string `xml:"field,attr"`
		Index int    `xml:"index,attr"`
		Name  string `xml:"name,attr"`
	}
	kind := p.Kind
	if kind == "" {
		kind = map[string]string{"point": "circle", "line": "line"}[spec.Geometry]
	}
	r := renderer{Type: "singleSymbol"}
	enum := ""
	for _, f := range spec.Fields {
		if f.Name == p.Field {
			enum = f.Enum
		}
	}
	if p.Field != "" && spec.has(p.Field) && spec.Geometry != "mixed" {
		r.Type, r.Attr = "categorizedSymbol", p.Field
		for i, c := range p.Categories {
			v := c[0]
			if l := labels[enum][v]; l != "" {
				v = l
			}
			n := strconv.Itoa(i)
			r.Categories = append(r.Categories, category{Value: v, Label: v, Symbol: n, Render: "true"})
			r.Symbols = append(r.Symbols, symbol(kind, n, c[1]))
		}
		n := strconv.Itoa(len(p.Categories))
		r.Categories = append(r.Categories, category{Value: "", Label: "其他", Symbol: n, Render: "true"})
		r.Symbols = append(r.Symbols, symbol(kind, n, p.Color))
	} else {
		r.Symbols = []qmlSymbol{symbol(kind, "0", p.Color)}
	}
	var aliases []alias
	i := 0
	if !spec.has("code") {
		aliases = append(aliases, alias{"code", 0, "编码"})
		i++
	}
	for _, f := range spec.Fields {
		aliases = append(aliases, alias{f.Name, i, f.Title})
		i++
	}
	doc := struct {
		XMLName  xml.Name `xml:"qgis"`
		Version  string   `xml:"version,attr"`
		Cats     string   `xml:"styleCategories,attr"`
		Renderer renderer `xml:"renderer-v2"`
		Aliases  []alias  `xml:"aliases>alias"`
	}{Version: "3.28.0", Cats: "AllStyleCategories", Renderer: r, Aliases: aliases}
	b, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"), b...), nil
}
