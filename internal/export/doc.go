// Package export writes what designers take away: GeoJSON feature collections written feature
// by feature (constant memory, whatever the size), zip bundles with one file per layer, and the
// metadata and README files that go with them.
package export
