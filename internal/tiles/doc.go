// Package tiles holds the vector-tile layer catalogue (read from the tiles/ folder), tile
// coordinates and keys, the data versions that say when a layer's data changed, and a bounded
// in-memory tile cache keyed by layer, z, x, y and those versions.
package tiles
