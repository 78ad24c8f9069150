package postgis

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	migrations "renewmap/sql"
)

// migrationLock is the advisory lock key that serialises concurrent migrators (several instances
// starting at once).
const migrationLock = 7_346_012_021

// Migration is one numbered file of sql/.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		body, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Migrate applies the migrations the database has not seen, each in its own transaction, and
// returns how many it applied. Running it again is a no-op.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	all, err := Migrations()
	if err != nil {
		return 0, err
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return 0, mapError(err, "migrate")
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return 0, mapError(err, "migrate: lock")
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, mapError(err, "migrate: bookkeeping table")
	}
	done := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, mapError(err, "migrate: read applied")
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return 0, mapError(err, "migrate: read applied")
	}
	for _, v := range versions {
		done[v] = true
	}
	for _, m := range all {
		if done[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, mapError(err, "migrate "+m.Name)
		}
		applied++
	}
	return applied, nil
}

// Pending returns how many of the embedded migrations the database has not applied (all of them
// on a database never migrated). It returns renew.ErrUnavailable when the database cannot be
// reached.
func (db *DB) Pending(ctx context.Context) (int, error) {
	all, err := Migrations()
	if err != nil {
		return 0, err
	}
	var exists bool
	if err := db.Pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, mapError(err, "read applied migrations")
	}
	if !exists {
		return len(all), nil
	}
	var done int
	err = db.Pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ANY ($1)`, versionsOf(all)).Scan(&done)
	if err != nil {
		return 0, mapError(err, "read applied migrations")
	}
	return len(all) - done, nil
}

func versionsOf(ms []Migration) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Version
	}
	return out
}
