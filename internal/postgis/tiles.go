package postgis

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/tiles"
)

// mvtExtent and mvtBuffer are the tile grid and the margin (in grid units) kept around it, so
// lines and polygons continue cleanly across tile edges.
const (
	mvtExtent = 4096
	mvtBuffer = 64
)

// tileQueries builds and remembers the SQL of tiles for sets of layers. Each distinct set gives
// one statement, which pgx prepares once per connection.
type tileQueries struct {
	mu  sync.Mutex
	sql map[string]string
}

// Tile renders the layers ls (all visible at c.Z) as one MVT in one round trip: the layers'
// ST_AsMVT results concatenated. An empty result means no feature is in the tile.
func (db *DB) Tile(ctx context.Context, ls []*tiles.Layer, c tiles.Coord) ([]byte, error) {
	var b []byte
	err := db.Pool.QueryRow(ctx, db.tileSQL.forLayers(ls), c.Z, c.X, c.Y).Scan(&b)
	return b, mapError(err, fmt.Sprintf("tile %d/%d/%d", c.Z, c.X, c.Y))
}

func (q *tileQueries) forLayers(ls []*tiles.Layer) string {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	key := strings.Join(ids, ",")
	q.mu.Lock()
	defer q.mu.Unlock()
	if s, ok := q.sql[key]; ok {
		return s
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = layerSQL(l)
	}
	s := "SELECT " + strings.Join(parts, "\n || ")
	if len(parts) == 0 {
		s = "SELECT ''::bytea WHERE $1::int IS NOT NULL AND $2::int IS NOT NULL AND $3::int IS NOT NULL"
	}
	q.sql[key] = s
	return s
}

// layerSQL is one layer's MVT as a scalar subquery over $1 z, $2 x, $3 y. Identifiers come only
// from the validated catalogue, quoted; values are bound parameters.
func layerSQL(l *tiles.Layer) string {
	ident := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	g := ident(l.GeometryColumn)
	geom := g
	if l.SimplifyPx > 0 && l.Geometry != "point" {
		// Tolerance: SimplifyPx screen pixels of a 256-pixel tile at zoom $1, in metres; small
		// polygons are kept (preserveCollapsed) so they stay visible as specks.
		geom = fmt.Sprintf("ST_Simplify(%s, %g * 40075016.68557849 / (256 * power(2, $1::int)), true)", g, l.SimplifyPx)
	}
	cols := []string{"id"}
	for _, p := range l.Properties {
		cols = append(cols, ident(p.Name))
	}
	where := fmt.Sprintf("%s && ST_TileEnvelope($1, $2, $3, margin => %g)", g, float64(mvtBuffer)/mvtExtent)
	if zb := l.ZoomBy; zb != nil {
		var cs strings.Builder
		for _, v := range slices.Sorted(maps.Keys(zb.MinZoom)) {
			fmt.Fprintf(&cs, " WHEN '%s' THEN %d", v, zb.MinZoom[v])
		}
		where += fmt.Sprintf(" AND (CASE %s%s ELSE 0 END) <= $1", ident(zb.Column), cs.String())
	}
	return fmt.Sprintf(`coalesce((SELECT ST_AsMVT(t, '%s', %d, 'geom', 'id') FROM (
  SELECT %s, ST_AsMVTGeom(%s, ST_TileEnvelope($1, $2, $3), %d, %d, true) AS geom
  FROM %s WHERE %s) t WHERE t.geom IS NOT NULL), ''::bytea)`,
		l.ID, mvtExtent, strings.Join(cols, ", "), geom, mvtExtent, mvtBuffer, ident(l.Table), where)
}
