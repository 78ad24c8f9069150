package tiles

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"

	"renewmap/internal/renew"
)

// Property is one attribute a layer puts in its tiles.
type Property struct {
	Name  string `json:"name"`
	Title string `json:"title"` // Chinese field name, shown in popups
	Type  string `json:"type"`  // string, number or boolean
	Enum  string `json:"enum,omitempty"`
	// List marks a value that is a list of codes of Enum (in tiles, joined with commas).
	List bool `json:"list,omitempty"`
}

// ZoomBy shows a feature only from a zoom that depends on a column's value (roads by class).
type ZoomBy struct {
	Column  string         `json:"column"`
	MinZoom map[string]int `json:"minzoom"`
}

// Layer is one entry of the catalogue: a table or view, its geometry and what to show of it.
type Layer struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	Table          string `json:"table"`
	Geometry       string `json:"geometry"`                  // polygon, line, point or mixed
	GeometryColumn string `json:"geometry_column,omitempty"` // default geom_3857
	// Geometry3D names a column holding the geometry with Z where it is known (pipelines'
	// geom_z); feature documents and downloads give it out instead of the 2D geom, tiles never.
	Geometry3D string  `json:"geometry_3d,omitempty"`
	MinZoom    int     `json:"minzoom"`
	MaxZoom    int     `json:"maxzoom"`
	SimplifyPx float64 `json:"simplify_px,omitempty"` // Douglas-Peucker tolerance in screen pixels
	ZoomBy     *ZoomBy `json:"zoom_by,omitempty"`
	Sensitive  bool    `json:"sensitive,omitempty"` // restricted to some roles
	// Overlay marks an analysis overlay (living circles, coverage, dig-once): heavy to render and
	// shown on demand, so it is left out of the composite tile (/tiles/all) and the style draws
	// it from a source of its own, /tiles/<id>.json, which the map loads only while it is shown.
	Overlay bool `json:"overlay,omitempty"`
	// Collection false marks a layer that is not a feature collection of its own (label points
	// drawn from another layer's table): OGC API and downloads leave it out. Default true.
	Collection *bool      `json:"collection,omitempty"`
	DependsOn  []string   `json:"depends_on"` // tables whose changes change the tiles
	Properties []Property `json:"properties"`
}

// IsCollection reports whether the layer is served as a feature collection (OGC API, downloads).
func (l *Layer) IsCollection() bool { return l.Collection == nil || *l.Collection }

// SeenBy reports whether role may see the layer at all (tiles, styles, feature collections,
// downloads): a sensitive layer (pipelines) only by the roles that see sensitive data.
func (l *Layer) SeenBy(role renew.Role) bool { return !l.Sensitive || role.SeesSensitive() }

// ErrHidden is the answer for a layer asked for by a role that may not see it.
var ErrHidden error = &renew.Error{Kind: renew.ErrForbidden, Msg: "当前角色无权查看该图层 (your role may not see this layer)"}

// Visible reports whether the layer has tiles at zoom z.
func (l *Layer) Visible(z int) bool { return z >= l.MinZoom && z <= l.MaxZoom }

// Catalogue is the set of layers, in drawing order.
type Catalogue struct {
	Attribution string   `json:"attribution"`
	Layers      []*Layer `json:"layers"`
	byID        map[string]*Layer
}

// MaxZoom is the deepest zoom served.
const MaxZoom = 22

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Load reads layers.json from fsys and validates it: every name that reaches SQL must be a plain
// identifier, ids unique, zooms within 0..MaxZoom.
func Load(fsys fs.FS) (*Catalogue, error) {
	b, err := fs.ReadFile(fsys, "layers.json")
	if err != nil {
		return nil, fmt.Errorf("layer catalogue: %w", err)
	}
	var c Catalogue
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("layer catalogue: %w", err)
	}
	c.byID = map[string]*Layer{}
	for _, l := range c.Layers {
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("layer catalogue: layer %q: %w", l.ID, err)
		}
		if c.byID[l.ID] != nil || l.ID == "all" {
			return nil, fmt.Errorf("layer catalogue: layer id %q is used twice or reserved", l.ID)
		}
		c.byID[l.ID] = l
	}
	return &c, nil
}

func (l *Layer) check() error {
	if l.GeometryColumn == "" {
		l.GeometryColumn = "geom_3857"
	}
	names := []string{l.ID, l.Table, l.GeometryColumn}
	if l.Geometry3D != "" {
		names = append(names, l.Geometry3D)
	}
	for _, p := range l.Properties {
		names = append(names, p.Name)
		if p.Type != "string" && p.Type != "number" && p.Type != "boolean" {
			return fmt.Errorf("property %q: type %q", p.Name, p.Type)
		}
	}
	names = append(names, l.DependsOn...)
	if l.ZoomBy != nil {
		names = append(names, l.ZoomBy.Column)
		for v := range l.ZoomBy.MinZoom {
			names = append(names, v)
		}
	}
	for _, n := range names {
		if !identifier.MatchString(n) {
			return fmt.Errorf("%q is not a plain identifier", n)
		}
	}
	switch l.Geometry {
	case "polygon", "line", "point", "mixed":
	default:
		return fmt.Errorf("geometry %q", l.Geometry)
	}
	if l.MinZoom < 0 || l.MaxZoom > MaxZoom || l.MinZoom > l.MaxZoom {
		return fmt.Errorf("zoom range %d–%d", l.MinZoom, l.MaxZoom)
	}
	if len(l.DependsOn) == 0 {
		return fmt.Errorf("depends_on is empty")
	}
	return nil
}

// Layer returns the layer with id, or nil.
func (c *Catalogue) Layer(id string) *Layer { return c.byID[id] }

// ForRole returns the layers role may see (Layer.SeenBy), in drawing order.
func (c *Catalogue) ForRole(role renew.Role) []*Layer {
	var out []*Layer
	for _, l := range c.Layers {
		if l.SeenBy(role) {
			out = append(out, l)
		}
	}
	return out
}

// VisibleAt returns the layers among ls that have tiles at zoom z, in catalogue order.
func VisibleAt(ls []*Layer, z int) []*Layer {
	var out []*Layer
	for _, l := range ls {
		if l.Visible(z) {
			out = append(out, l)
		}
	}
	return out
}

// Tables returns the tables the layers depend on, sorted and unique.
func Tables(ls []*Layer) []string {
	seen := map[string]bool{}
	for _, l := range ls {
		for _, t := range l.DependsOn {
			seen[t] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
