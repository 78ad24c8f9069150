package postgis

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"renewmap/internal/ogc"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
)

// Replicated is the store serve hands to the HTTP layer when a streaming replica of the database
// is configured. It embeds the primary, so every method not overridden here runs there: writes,
// sessions and logins, accounts and the audit log, plans, areas and the programme (an author
// re-reads what they have just saved), the walk network (its engine is rebuilt when the data
// versions move and must see the new rows), imports, migrations and the version watcher.
//
// The overridden methods are the read-only queries that tolerate lag and carry the read load:
// tiles, the OGC API and downloads, community search, labels, the map's extent and sources. Each
// goes to the replica only when the replica has replayed the data versions this instance knows
// from the primary (the tiles.Versions kept by WatchVersions) for the tables the query reads:
//
//   - A tile carries its check in the same statement (one snapshot): the data_versions of its
//     tables come back with the MVT and must equal the primary's; otherwise the tile is rendered
//     again on the primary. A tile cached under the primary's data version is therefore never
//     older than that version, exactly as without a replica.
//   - Other reads compare the primary's versions with the replica's as last polled (every Poll).
//     The replica only moves forward, so a read that starts after a matching poll sees at least
//     those versions.
//
// A replica that does not answer, or fails a read before anything was delivered, sends the read
// to the primary; it is tried again after the next poll that succeeds. A replica of another
// database never matches the primary's versions and is never used (and a warning says so).
type Replicated struct {
	*DB
	replica  *DB
	versions *tiles.Versions
	poll     time.Duration
	log      *slog.Logger
	changes  func() []int64

	// seen is the replica's data versions at the last poll; nil while it does not answer.
	seen atomic.Pointer[replicaSeen]
	// Counters of reads answered by the replica and by the primary.
	replicaReads, primaryReads atomic.Int64
}

type replicaSeen struct {
	versions *tiles.Versions
	tables   []string
}

// ReplicaOptions tune a Replicated.
type ReplicaOptions struct {
	// Poll is how often the replica's data versions are read; 0 means 250 ms.
	Poll time.Duration
	// Log receives the replica's state changes; nil discards them.
	Log *slog.Logger
	// TileChanges returns the ids of the tile changes the tile cache last applied
	// (TileChanges.Last); a tile is rendered on the replica only once it has them too.
	TileChanges func() []int64
}

// NewReplicated routes lag-tolerant reads of primary to replica, checked against versions (the
// primary's data versions, as kept by primary.WatchVersions). Run must be running for the
// replica to be used.
func NewReplicated(primary, replica *DB, versions *tiles.Versions, opt ReplicaOptions) *Replicated {
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.TileChanges == nil {
		opt.TileChanges = func() []int64 { return nil }
	}
	return &Replicated{DB: primary, replica: replica, versions: versions, poll: opt.Poll, log: opt.Log, changes: opt.TileChanges}
}

// Reads returns how many reads the replica and the primary have answered.
func (r *Replicated) Reads() (replica, primary int64) {
	return r.replicaReads.Load(), r.primaryReads.Load()
}

// lagWarning is how long the replica may stay behind the primary before a warning is logged.
const lagWarning = 30 * time.Second

// Run polls the replica's data versions until ctx ends.
func (r *Replicated) Run(ctx context.Context) {
	t := time.NewTicker(r.poll)
	defer t.Stop()
	var behindSince, warned time.Time
	for {
		r.pollOnce(ctx)
		if s := r.seen.Load(); s != nil && !r.caughtUp(s.tables) {
			now := time.Now()
			if behindSince.IsZero() {
				behindSince = now
			}
			if now.Sub(behindSince) > lagWarning && now.Sub(warned) > time.Minute {
				warned = now
				r.log.Warn("the replica has not caught up with the primary; reads go to the primary "+
					"(is replay paused, or is it a replica of another database?)", "for", now.Sub(behindSince).Round(time.Second))
			}
		} else {
			behindSince = time.Time{}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Replicated) pollOnce(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	m, err := func() (map[string]int64, error) {
		c, err := r.replica.Pool.Acquire(qctx)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		return readVersions(qctx, c.Conn())
	}()
	if err != nil {
		if r.seen.Swap(nil) != nil && ctx.Err() == nil {
			r.log.Warn("the replica does not answer; reads go to the primary", "err", err)
		}
		return
	}
	v := &tiles.Versions{}
	v.Set(m)
	if r.seen.Swap(&replicaSeen{versions: v, tables: slices.Sorted(maps.Keys(m))}) == nil {
		r.log.Info("the replica answers; lag-tolerant reads go to it")
	}
}

// caughtUp reports whether the replica, as last polled, has the primary's versions of tables.
func (r *Replicated) caughtUp(tables []string) bool {
	s := r.seen.Load()
	if s == nil {
		return false
	}
	want, ok := r.versions.Stamp(tables)
	if !ok {
		return false
	}
	got, _ := s.versions.Stamp(tables)
	return got == want
}

// retryOnPrimary says whether a read that failed on the replica should be tried on the primary:
// not when the client has gone, the statement ran out of time (it would again) or the request
// itself is wrong; yes when the replica cannot be reached, cancelled the read for a conflict with
// recovery, does not know the relation yet (a migration not replayed) or lacks a row (one just
// written).
func retryOnPrimary(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, renew.ErrInvalid) || errors.Is(err, renew.ErrConflict) || errors.Is(err, renew.ErrForbidden) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "57014" {
		return false
	}
	return true
}

// route runs fn on the replica when it has caught up with tables, otherwise (or when the replica
// fails and delivered, if given, is still false) on the primary.
func (r *Replicated) route(ctx context.Context, tables []string, delivered *bool, fn func(*DB) error) error {
	if r.caughtUp(tables) {
		err := fn(r.replica)
		if err == nil {
			r.replicaReads.Add(1)
			return nil
		}
		if (delivered != nil && *delivered) || !retryOnPrimary(ctx, err) {
			return err
		}
		r.log.Debug("replica read failed; trying the primary", "err", err)
	}
	r.primaryReads.Add(1)
	return fn(r.DB)
}

// Tile renders on the replica when its data versions of the tiles' tables, read in the same
// statement, equal the primary's and it has the tile changes last applied to the cache;
// otherwise on the primary.
func (r *Replicated) Tile(ctx context.Context, ls []*tiles.Layer, c tiles.Coord) ([]byte, error) {
	tables := tiles.Tables(ls)
	want, known := r.versions.Stamp(tables)
	if known && r.seen.Load() != nil {
		b, got, err := r.replica.tileWithVersions(ctx, r.DB.tileSQL.forLayers(ls), tables, r.changes(), c)
		switch {
		case err == nil && got == want:
			r.replicaReads.Add(1)
			return b, nil
		case err != nil && !retryOnPrimary(ctx, err):
			return nil, err
		}
	}
	r.primaryReads.Add(1)
	return r.DB.Tile(ctx, ls, c)
}

// tileWithVersions runs the tile statement tileSQL with the data versions of tables read in the
// same statement, and returns the MVT and the versions' stamp; a stamp of 0 when the database
// lacks one of the tile changes listed in changes.
func (db *DB) tileWithVersions(ctx context.Context, tileSQL string, tables []string, changes []int64, c tiles.Coord) ([]byte, uint64, error) {
	var names []string
	var vers []int64
	var b []byte
	var hasChanges bool
	err := db.Pool.QueryRow(ctx, `SELECT
  ARRAY(SELECT table_name FROM data_versions WHERE table_name = ANY($4::text[]) ORDER BY table_name),
  ARRAY(SELECT version FROM data_versions WHERE table_name = ANY($4::text[]) ORDER BY table_name),
  (SELECT count(*) FROM tile_changes WHERE id = ANY($5::bigint[])) = coalesce(cardinality($5::bigint[]), 0),
  (`+tileSQL+`)`, c.Z, c.X, c.Y, tables, changes).Scan(&names, &vers, &hasChanges, &b)
	if err != nil {
		return nil, 0, mapError(err, "replica tile")
	}
	if !hasChanges {
		return b, 0, nil
	}
	m := make(map[string]int64, len(names))
	for i, n := range names {
		m[n] = vers[i]
	}
	v := &tiles.Versions{}
	v.Set(m)
	stamp, _ := v.Stamp(tables)
	return b, stamp, nil
}

// Extent implements the TileSource's extent on the replica when it has caught up.
func (r *Replicated) Extent(ctx context.Context) (box [4]float64, center [2]float64, ok bool, err error) {
	err = r.route(ctx, []string{"communities", "districts"}, nil, func(db *DB) error {
		box, center, ok, err = db.Extent(ctx)
		return err
	})
	return box, center, ok, err
}

// Sources implements the TileSource's sources on the replica when it has caught up.
func (r *Replicated) Sources(ctx context.Context) (out []string, err error) {
	err = r.route(ctx, []string{"districts"}, nil, func(db *DB) error {
		out, err = db.Sources(ctx)
		return err
	})
	return out, err
}

// Labels reads the labels on the replica when it has caught up.
func (r *Replicated) Labels(ctx context.Context) (out map[string]map[string]string, err error) {
	err = r.route(ctx, []string{"facility_kinds", "subdistricts"}, nil, func(db *DB) error {
		out, err = db.Labels(ctx)
		return err
	})
	return out, err
}

// SearchCommunities searches on the replica when it has caught up.
func (r *Replicated) SearchCommunities(ctx context.Context, q string, limit int) (out []renew.CommunitySummary, err error) {
	err = r.route(ctx, []string{"communities", "plans", "subdistricts"}, nil, func(db *DB) error {
		out, err = db.SearchCommunities(ctx, q, limit)
		return err
	})
	return out, err
}

// featureTables are the tables a feature query reads.
func featureTables(q ogc.FeatureQuery) []string {
	ts := tiles.Tables([]*tiles.Layer{q.Layer})
	if q.Community != 0 {
		ts = append(ts, "communities")
	}
	if q.Area != 0 {
		ts = append(ts, "areas")
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// Features streams from the replica when it has caught up; a replica failure before the first
// feature is retried on the primary.
func (r *Replicated) Features(ctx context.Context, q ogc.FeatureQuery, each func(*ogc.Feature) error) error {
	delivered := false
	return r.route(ctx, featureTables(q), &delivered, func(db *DB) error {
		return db.Features(ctx, q, func(f *ogc.Feature) error {
			delivered = true
			return each(f)
		})
	})
}

// CountFeatures counts on the replica when it has caught up.
func (r *Replicated) CountFeatures(ctx context.Context, q ogc.FeatureQuery) (n int64, err error) {
	err = r.route(ctx, featureTables(q), nil, func(db *DB) error {
		n, err = db.CountFeatures(ctx, q)
		return err
	})
	return n, err
}

// Place reads on the replica when it has caught up; one it does not have (just created) is
// looked up on the primary.
func (r *Replicated) Place(ctx context.Context, kind string, id int) (p ogc.Place, err error) {
	err = r.route(ctx, []string{placeTables[kind]}, nil, func(db *DB) error {
		p, err = db.Place(ctx, kind, id)
		return err
	})
	return p, err
}

// LayerExtent reads on the replica when it has caught up (the OGC API caches it per data
// version, like tiles).
func (r *Replicated) LayerExtent(ctx context.Context, l *tiles.Layer) (box [4]float64, ok bool, err error) {
	err = r.route(ctx, tiles.Tables([]*tiles.Layer{l}), nil, func(db *DB) error {
		box, ok, err = db.LayerExtent(ctx, l)
		return err
	})
	return box, ok, err
}

// Export runs the snapshot on the replica when it has caught up with every table. A replica that
// fails before fn starts (it cannot be reached) sends the export to the primary; once fn has
// started its output is the client's and an error is returned as it is. Long exports on a replica
// need hot_standby_feedback=on, so that the primary's vacuum does not cancel them (see
// docs/scaling.md).
func (r *Replicated) Export(ctx context.Context, timeout time.Duration, fn func(ogc.FeatureReader) error) error {
	var tables []string
	if s := r.seen.Load(); s != nil {
		tables = s.tables
	}
	started := false
	return r.route(ctx, tables, &started, func(db *DB) error {
		return db.Export(ctx, timeout, func(fr ogc.FeatureReader) error {
			started = true
			return fn(fr)
		})
	})
}

// compile-time check that the replica reads keep the primary's signatures.
var _ interface {
	Tile(context.Context, []*tiles.Layer, tiles.Coord) ([]byte, error)
	ogc.FeatureReader
} = (*Replicated)(nil)
