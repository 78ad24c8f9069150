package ogc

import (
	"context"

	"renewmap/internal/tiles"
)

// FeatureQuery selects features of one catalogue layer for OGC API and downloads. The zero
// values mean "no condition".
type FeatureQuery struct {
	Layer *tiles.Layer
	// WithCode adds the table's code column to the properties (see FeatureColumns).
	WithCode bool
	// SRID is the output system (0 = 4326); NorthFirst swaps the axes (latitude or northing
	// first, the OGC authority order). Decimals caps the coordinates' decimals.
	SRID       int
	NorthFirst bool
	Decimals   int
	// BBox (west, south, east, north in BBoxSRID, easting/northing order) keeps the features
	// that intersect it.
	BBox     *[4]float64
	BBoxSRID int
	// Community or Area keeps the features that intersect that community's (area's) outline:
	// points on or within it, lines and polygons whose interior meets its interior (a neighbour
	// that only touches the wall is left out). Clip cuts lines and polygons to the outline.
	Community, Area int
	Clip            bool
	// Filters are property = value conditions on catalogue properties (or code).
	Filters []Filter
	// ID selects one feature (0 = all).
	ID int64
	// Limit (0 = all) and Offset page through the features, ordered by id.
	Limit, Offset int
}

// Feature is one row: id, GeoJSON geometry and properties object as JSON text. The byte slices
// are only valid during the callback that receives them.
type Feature struct {
	ID         int64
	Geometry   []byte
	Properties []byte
}

// FeatureReader reads features (postgis: the database reads from the pool, its Export's reader
// from one snapshot).
type FeatureReader interface {
	// Features calls each for every feature q selects, ordered by id, streaming from the
	// database (constant memory). An error of each stops the query and is returned as it is.
	Features(ctx context.Context, q FeatureQuery, each func(*Feature) error) error
	// CountFeatures counts what q selects, ignoring Limit and Offset.
	CountFeatures(ctx context.Context, q FeatureQuery) (int64, error)
	// Place returns a community ("community") or renovation area ("area") by id;
	// renew.ErrNotFound when there is none.
	Place(ctx context.Context, kind string, id int) (Place, error)
}

// Place is a community or area that a download is clipped to.
type Place struct {
	Kind string
	ID   int
	Code string
	Name string
}
