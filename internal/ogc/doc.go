// Package ogc holds what OGC API – Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2
// CRS) needs apart from HTTP and SQL: the documents (landing page, conformance, collections,
// OpenAPI), links and paging, the supported coordinate reference systems with their axis
// order, and the parsers of the query parameters (bbox, bbox-crs, crs, limit, offset, property
// filters, f). Every parser returns a renew.ErrInvalid error whose message says what is wrong.
package ogc
