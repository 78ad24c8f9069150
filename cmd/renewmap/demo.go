package main

import (
	"context"
	"log/slog"

	"renewmap/internal/postgis"
)

// loadDemoIfEmpty loads the embedded demonstration dataset when the database has no communities.
func loadDemoIfEmpty(ctx context.Context, db *postgis.DB, log *slog.Logger) error {
	_ = ctx
	_ = db
	log.Warn("demo dataset not available yet")
	return nil
}
