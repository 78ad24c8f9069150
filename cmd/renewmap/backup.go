package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"renewmap/internal/postgis"
)

// backup writes the database to a pg_dump archive (custom format: compressed, restorable table
// by table with pg_restore), named after the schema version it holds.
func backup(ctx context.Context, args []string, e *env) error {
	var out string
	db, rest, err := openFromFlags(ctx, "backup", args, e, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "archive to write (default renewmap-v{schema version}-{UTC time}.dump)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(rest) > 0 {
		return fmt.Errorf("usage: renewmap backup [-out FILE]")
	}
	version, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if out == "" {
		out = fmt.Sprintf("renewmap-v%04d-%s.dump", version, time.Now().UTC().Format("20060102T150405Z"))
	}
	if err := pgTool(ctx, db, e, "pg_dump", "--format=custom", "--no-owner", "--file", out); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup of schema version %d written to %s (%d bytes)\n", version, out, st.Size())
	return nil
}

// restore loads a backup archive into an empty database, then applies the migrations this
// binary has that the archive's schema lacks.
func restore(ctx context.Context, args []string, e *env) error {
	db, rest, err := openFromFlags(ctx, "restore", args, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(rest) != 1 {
		return fmt.Errorf("usage: renewmap restore FILE (into the empty database of DATABASE_URL)")
	}
	if full, err := db.HasTables(ctx); err != nil || full {
		if err == nil {
			err = fmt.Errorf("the database is not empty: restore into a new one (createdb)")
		}
		return err
	}
	if err := pgTool(ctx, db, e, "pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", db.Pool.Config().ConnConfig.Database, rest[0]); err != nil {
		return err
	}
	from, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	all, err := postgis.Migrations()
	if err != nil {
		return err
	}
	if newest := all[len(all)-1].Version; from > newest {
		return fmt.Errorf("the backup has schema version %d, newer than this renewmap's %d: restore it with a newer renewmap", from, newest)
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored schema version %d from %s; applied %d newer migrations\n", from, rest[0], n)
	return nil
}

// pgTool runs a PostgreSQL client program against db's database (reached through the libpq
// environment, so no password shows on a command line), its errors to e.stderr.
func pgTool(ctx context.Context, db *postgis.DB, e *env, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), db.LibpqEnv()...)
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
