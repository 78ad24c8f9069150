package postgis

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/tiles"
)

// TileStore is the shared tile store (sql/0019, `serve -tile-store`): tiles rendered by any
// instance, kept in the database so that a restarted or a second instance starts warm. The tile
// change watcher (TileChanges with Store set) deletes the tiles each change reaches.
type TileStore struct{ DB *DB }

// Snapshot returns the database's current snapshot, to be taken before a tile is rendered and
// given to Save.
func (s TileStore) Snapshot(ctx context.Context) (string, error) {
	var snap string
	err := s.DB.Pool.QueryRow(ctx, "SELECT pg_current_snapshot()::text").Scan(&snap)
	return snap, mapError(err, "tile store snapshot")
}

// Load returns the stored tile under key.
func (s TileStore) Load(ctx context.Context, key string) (*tiles.Tile, bool, error) {
	t := &tiles.Tile{}
	err := s.DB.Pool.QueryRow(ctx, "SELECT mvt, etag FROM tile_store WHERE key = $1", key).Scan(&t.Raw, &t.ETag)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		}
		return nil, false, mapError(err, "tile store")
	}
	return t, true, nil
}

// Save stores t under key unless a change reaching it was not visible in snap, the snapshot taken
// before it was rendered.
func (s TileStore) Save(ctx context.Context, key string, m tiles.Meta, t *tiles.Tile, snap string) error {
	env := m.Coord.Envelope(tiles.Buffer)
	_, err := s.DB.Pool.Exec(ctx, `
		INSERT INTO tile_store (key, layers, env, etag, mvt)
		SELECT $1, $2, ST_MakeEnvelope($3, $4, $5, $6, 3857), $7, $8
		WHERE NOT EXISTS (SELECT 1 FROM tile_changes c
		                  WHERE c.xid >= pg_snapshot_xmin($9::pg_snapshot)
		                    AND NOT pg_visible_in_snapshot(c.xid, $9::pg_snapshot)
		                    AND tile_change_reaches(c, $2, ST_MakeEnvelope($3, $4, $5, $6, 3857)))
		ON CONFLICT (key) DO UPDATE SET layers = EXCLUDED.layers, env = EXCLUDED.env, etag = EXCLUDED.etag,
		  mvt = EXCLUDED.mvt, stored_at = now()`,
		key, m.Layers, env[0], env[1], env[2], env[3], t.ETag, t.Raw, snap)
	return mapError(err, "tile store")
}
