package postgis

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// SchemaVersion returns the newest migration applied to the database (0: none, or no schema).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.Pool.QueryRow(ctx, `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
		ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END`).Scan(&v)
	return v, mapError(err, "schema version")
}

// HasTables reports whether the database's public schema holds any table (a restore wants an
// empty database).
func (db *DB) HasTables(ctx context.Context) (bool, error) {
	var n int
	err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n)
	return n > 0, mapError(err, "count tables")
}

// LibpqEnv returns the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
// PGSSLMODE) that names the database of the pool, so pg_dump and pg_restore can reach it without
// a password on their command line.
func (db *DB) LibpqEnv() []string {
	c := db.Pool.Config().ConnConfig
	env := []string{"PGHOST=" + c.Host, "PGPORT=" + strconv.Itoa(int(c.Port)), "PGUSER=" + c.User,
		"PGPASSWORD=" + c.Password, "PGDATABASE=" + c.Database}
	if mode := sslMode(c.ConnString()); mode != "" {
		env = append(env, "PGSSLMODE="+mode)
	}
	return env
}

// sslMode reads sslmode from a URL or key=value connection string ("" when it has none).
func sslMode(conn string) string {
	if u, err := url.Parse(conn); err == nil && u.Scheme != "" {
		return u.Query().Get("sslmode")
	}
	for _, f := range strings.Fields(conn) {
		if v, ok := strings.CutPrefix(f, "sslmode="); ok {
			return v
		}
	}
	return ""
}
