package postgis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the connection pool to one PostGIS database.
type DB struct {
	Pool    *pgxpool.Pool
	tileSQL *tileQueries
	jobs    sync.WaitGroup // background imports (StartImport)
}

// Options tune the pool.
type Options struct {
	// StatementTimeout bounds every statement on the server side; 0 leaves the server default.
	StatementTimeout time.Duration
	// MaxConns caps the pool; 0 picks pgx's default.
	MaxConns int32
	// ApplicationName names the pool's sessions in pg_stat_activity; empty means "renewmap".
	ApplicationName string
}

// Open creates a pool for url without connecting: the service starts (and answers /readyz 503)
// while the database is down, and the pool connects when it comes back. It fails only on a
// malformed url.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may echo the password; say only what is wrong.
		return nil, fmt.Errorf("database URL is not valid")
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	cfg.HealthCheckPeriod = 5 * time.Second
	if opt.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "renewmap"
	if opt.ApplicationName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = opt.ApplicationName
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	return &DB{Pool: pool, tileSQL: &tileQueries{sql: map[string]string{}}}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that the database answers; it returns renew.ErrUnavailable when it does not.
func (db *DB) Ping(ctx context.Context) error {
	return mapError(db.Pool.Ping(ctx), "ping database")
}
