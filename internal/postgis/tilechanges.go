package postgis

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/tiles"
)

// tileChannel is the NOTIFY channel of the tile change log (sql/0019): the payload is a change id.
const tileChannel = "renewmap_tiles"

// TileChangeSink receives the tile change log: Reset(true) once every later change will be
// delivered (earlier ones may have been missed, so whatever was cached is dropped), Reset(false)
// when changes may be missed from now on, and Apply for each change. *tiles.Cache is one.
type TileChangeSink interface {
	Reset(tracking bool)
	Apply(tiles.Change)
}

// tileChangeKeep is how long the change log keeps a change (instances that were disconnected
// longer start afresh anyway).
const tileChangeKeep = "1 day"

// TileChanges follows the tile change log for a sink; it also remembers the ids of the last
// changes delivered, for the replica router (a replica that lacks them has not replayed them).
type TileChanges struct {
	// Store says that the shared tile store is used: the watcher deletes the stored tiles each
	// change reaches (before the sink hears of it).
	Store bool
	mu    sync.Mutex
	last  []int64
}

// Last returns the ids of the changes delivered in the last batch (none before the first).
func (tc *TileChanges) Last() []int64 {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.last
}

// Watch delivers the tile change log to sink until ctx ends: it LISTENs on a connection of its
// own and on each notification reads the committed changes from that id on that it has not yet
// delivered (changes commit out of id order, so each is delivered by id, once). While it has no
// connection the sink is reset to not tracking.
func (tc *TileChanges) Watch(ctx context.Context, db *DB, sink TileChangeSink, log *slog.Logger) {
	for ctx.Err() == nil {
		err := tc.watchOnce(ctx, db, sink)
		sink.Reset(false)
		if ctx.Err() != nil {
			return
		}
		log.Debug("tile change watcher reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (tc *TileChanges) watchOnce(ctx context.Context, db *DB, sink TileChangeSink) error {
	conn, err := db.listen(ctx, tileChannel)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	prune := func() error {
		_, err := conn.Exec(ctx, "DELETE FROM tile_changes WHERE at < now() - $1::interval", tileChangeKeep)
		return err
	}
	if err := prune(); err != nil {
		return err
	}
	pruned := time.Now()
	sink.Reset(true)
	done := map[int64]bool{}
	var top int64
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		from, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil || done[from] {
			continue
		}
		rows, err := conn.Query(ctx, `SELECT id, layers, ARRAY(SELECT unnest(boxes)) AS b, boxes IS NULL
			FROM tile_changes WHERE id >= $1 ORDER BY id LIMIT 10000`, from)
		if err != nil {
			return err
		}
		var batch []tiles.Change
		var id int64
		var layers []string
		var flat []float64
		var everywhere bool
		if _, err := pgx.ForEachRow(rows, []any{&id, &layers, &flat, &everywhere}, func() error {
			if done[id] {
				return nil
			}
			ch := tiles.Change{ID: id, Layers: slices.Clone(layers)}
			if !everywhere {
				ch.Boxes = make([][4]float64, 0, len(flat)/4)
				for i := 0; i+3 < len(flat); i += 4 {
					ch.Boxes = append(ch.Boxes, [4]float64{flat[i], flat[i+1], flat[i+2], flat[i+3]})
				}
			}
			batch = append(batch, ch)
			return nil
		}); err != nil {
			return err
		}
		ids := make([]int64, len(batch))
		for i, ch := range batch {
			ids[i] = ch.ID
		}
		if tc.Store && len(ids) > 0 {
			if _, err := conn.Exec(ctx, `DELETE FROM tile_store s USING tile_changes c
				WHERE c.id = ANY($1) AND tile_change_reaches(c, s.layers, s.env)`, ids); err != nil {
				return err
			}
		}
		for _, ch := range batch {
			sink.Apply(ch)
			done[ch.ID] = true
			top = max(top, ch.ID)
		}
		if len(ids) > 0 {
			tc.mu.Lock()
			tc.last = ids
			tc.mu.Unlock()
		}
		if time.Since(pruned) > time.Hour {
			if err := prune(); err != nil {
				return err
			}
			pruned = time.Now()
		}
		// Forget ids far below the newest: a transaction that commits that late is not expected.
		if len(done) > 20000 {
			for k := range done {
				if k < top-10000 {
					delete(done, k)
				}
			}
		}
	}
}
