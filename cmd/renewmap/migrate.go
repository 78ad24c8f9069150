package main

import (
	"context"
	"flag"
	"fmt"

	"renewmap/internal/config"
	"renewmap/internal/postgis"
)

func migrate(ctx context.Context, args []string, e *env) error {
	db, _, err := openFromFlags(ctx, "migrate", args, e)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "applied %d migrations\n", n)
	return nil
}

// openFromFlags parses the common flags of a database subcommand and opens the pool; it returns
// the remaining arguments.
func openFromFlags(ctx context.Context, name string, args []string, e *env, extra ...func(*flag.FlagSet)) (*postgis.DB, []string, error) {
	var cfg config.Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg.Bind(fs, e.getenv, false)
	for _, f := range extra {
		f(fs)
	}
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if cfg.DatabaseURL == "" {
		return nil, nil, fmt.Errorf("no database: set DATABASE_URL or -database-url")
	}
	db, err := postgis.Open(ctx, cfg.DatabaseURL, postgis.Options{})
	return db, positional, err
}

// parseInterspersed parses flags that may stand before, between or after the positional
// arguments (`user add NAME -role planner`), and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// openMigrated is openFromFlags for the commands that work on the data: it refuses a database
// whose schema is missing or behind the binary's (requireMigrated) and closes it then.
func openMigrated(ctx context.Context, name string, args []string, e *env, extra ...func(*flag.FlagSet)) (*postgis.DB, []string, error) {
	db, rest, err := openFromFlags(ctx, name, args, e, extra...)
	if err != nil {
		return nil, nil, err
	}
	if err := requireMigrated(ctx, db); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, rest, nil
}

// requireMigrated refuses to work on a database whose schema is missing or behind the binary's,
// naming the command that fixes it.
func requireMigrated(ctx context.Context, db *postgis.DB) error {
	n, err := db.Pending(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database is not migrated (%d migrations not applied): run `renewmap migrate` first", n)
	}
	return nil
}
