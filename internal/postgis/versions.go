package postgis

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/tiles"
)

// dataChannel is the NOTIFY channel of the data_versions triggers (sql/0006).
const dataChannel = "renewmap_data"

// WatchVersions keeps v equal to the data_versions table until ctx ends: it LISTENs on the
// data channel on a connection of its own and re-reads the table on every notification, so a
// change committed by any process (an import, an edit through another instance) reaches v within
// moments. While it has no connection v is marked invalid, since a change may be missed.
func (db *DB) WatchVersions(ctx context.Context, v *tiles.Versions, log *slog.Logger) {
	for ctx.Err() == nil {
		err := db.watchOnce(ctx, v)
		v.Invalidate()
		if ctx.Err() != nil {
			return
		}
		log.Debug("data version watcher reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) watchOnce(ctx context.Context, v *tiles.Versions) error {
	conn, err := db.listen(ctx, dataChannel)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		m, err := readVersions(ctx, conn)
		if err != nil {
			return err
		}
		v.Set(m)
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
	}
}

// listen returns a connection taken out of the pool that LISTENs on channel; the caller closes
// it. (A LISTENing session must not serve other queries.)
func (db *DB) listen(ctx context.Context, channel string) (*pgx.Conn, error) {
	pc, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := pc.Hijack()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

func readVersions(ctx context.Context, conn *pgx.Conn) (map[string]int64, error) {
	rows, err := conn.Query(ctx, "SELECT table_name, version FROM data_versions")
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	var name string
	var ver int64
	_, err = pgx.ForEachRow(rows, []any{&name, &ver}, func() error {
		m[name] = ver
		return nil
	})
	return m, err
}
