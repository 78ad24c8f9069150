package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"renewmap/geodata"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
)

// demoAsOf is the day the demonstration's progress is measured at: inside the 2021 batch, so the
// dashboard shows a programme under way rather than one that ended years ago (docs/programme.md).
const demoAsOf = "2021-11-30"

// loadDemoIfEmpty loads the embedded demonstration dataset, through the same importer users use,
// when the database has no communities.
func loadDemoIfEmpty(ctx context.Context, db *postgis.DB, log *slog.Logger) error {
	var n int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM communities").Scan(&n); err != nil {
		return fmt.Errorf("count communities: %w", err)
	}
	if n > 0 {
		return nil
	}
	b, err := demoBatch()
	if err != nil {
		return err
	}
	rep, err := db.Import(ctx, b, postgis.ImportOptions{})
	if err != nil {
		return fmt.Errorf("demo dataset: %w", err)
	}
	asOf := demoAsOf
	if err := db.SetProgrammeSetting(ctx, "as_of", &asOf, renew.AuditEntry{Actor: "renewmap", Address: "demo"}); err != nil {
		return fmt.Errorf("demo dataset: as-of date: %w", err)
	}
	log.Info("loaded the demonstration dataset (示例数据)", "took", rep.Duration.String())
	return nil
}

// demoBatch parses the embedded demonstration dataset.
func demoBatch() (*ingest.Batch, error) {
	files, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		return nil, err
	}
	b, err := ingest.Parse(files)
	if err != nil {
		return nil, fmt.Errorf("demo dataset: %w", err)
	}
	return b, nil
}

// demoCmd manages the demonstration dataset: `demo remove` takes its invented rows out of a
// database that holds real data too (postgis.RemoveImported: rows whose code and geometry are
// still the demo's), and the demo's as-of date with them.
func demoCmd(ctx context.Context, args []string, e *env) error {
	db, rest, err := openMigrated(ctx, "demo", args, e, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(rest) != 1 || rest[0] != "remove" {
		return fmt.Errorf("usage: renewmap demo remove   (the demo is loaded by serve -load-demo into an empty database)")
	}
	b, err := demoBatch()
	if err != nil {
		return err
	}
	rep, err := db.RemoveImported(ctx, b)
	if err != nil {
		return err
	}
	var sb strings.Builder
	total := 0
	for _, l := range rep.Layers {
		fmt.Fprintf(&sb, "%-16s %6d removed\n", l.Layer, l.Deleted)
		total += l.Deleted
	}
	fmt.Fprint(e.stdout, sb.String())
	st, err := db.ProgrammeSettings(ctx)
	if err != nil {
		return err
	}
	if st.AsOf != nil && st.AsOf.String() == demoAsOf {
		if err := db.SetProgrammeSetting(ctx, "as_of", nil, renew.AuditEntry{Actor: "renewmap", Address: "demo remove"}); err != nil {
			return fmt.Errorf("demo remove: as-of date: %w", err)
		}
		fmt.Fprintln(e.stdout, "the demo's as-of date "+demoAsOf+" is cleared (progress is measured at today's date)")
	}
	fmt.Fprintf(e.stdout, "removed %d demonstration rows (示例数据) in %s; rows of other sources stay\n", total, rep.Duration.Round(1e6))
	return nil
}
