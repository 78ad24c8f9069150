// Package osm imports OpenStreetMap XML (an export from openstreetmap.org, Overpass or osmium)
// so that any city can start from open data: roads and footpaths, buildings, landuse=residential
// areas as communities (小区), gates, facilities of the GB 50180 kinds and parking. It maps the
// OSM elements to one GeoJSON FeatureCollection per layer, in the schema of docs/data-format.md,
// and passes them through ingest.Parse, so an OSM import is validated exactly as a GeoJSON one
// and the store imports it the same way (one transaction, upsert by code).
//
// The mapping, and the placeholders for what the schema requires and OSM does not say (a
// community's completed year, property type and management; a district and subdistrict), is
// documented in docs/osm-mapping.md; mapping.go holds the tables. Codes are the OSM element ids
// behind a prefix (OSM-w123, OSM-n456, road pieces OSM-w123-2), so importing the same area again
// updates the same rows.
//
// OSM data is © OpenStreetMap contributors, under the ODbL 1.0: the synthesized district carries
// that attribution as its source.
//
// Every error about the input is of kind renew.ErrInvalid.
package osm
