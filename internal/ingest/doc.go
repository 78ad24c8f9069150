// Package ingest reads the GeoJSON files users import with `renewmap load` (one FeatureCollection
// per layer, docs/data-format.md) and validates everything that can be checked without the
// database: the JSON shape, the CRS, geometry types and coordinates, required properties, their
// types and ranges, and codes unique within a layer. Batch.Check then validates enumeration codes
// and references against what the database already holds (postgis supplies it). Geometry validity
// (self-intersections and the like) is PostGIS's job, done by the store while importing.
//
// Every error is of kind renew.ErrInvalid and names the file, the feature (index and code) and the
// property, so a user can find and fix it; up to MaxProblems of them are reported at once.
//
// The package imports renew and orb only (and progressbar for the CLI helper); the store
// (internal/postgis) consumes the Batch it produces.
package ingest
