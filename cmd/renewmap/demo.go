package main

import (
	"context"
	"fmt"
	"log/slog"

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
	files, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		return err
	}
	b, err := ingest.Parse(files)
	if err != nil {
		return fmt.Errorf("demo dataset: %w", err)
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
