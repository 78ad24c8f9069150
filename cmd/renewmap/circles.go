package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"renewmap/internal/access"
)

// circles builds the walk network from the database, then computes and stores the living
// circles of every community and the blind-spot overlay, printing how long each step took.
func circles(ctx context.Context, args []string, e *env) error {
	force := true
	db, _, err := openMigrated(ctx, "circles", args, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", true, "recompute even when the stored circles are of the current network version")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	h := access.NewHolder(db, db, access.HolderOptions{Log: newLogger(e.stderr, 0)})
	start := time.Now()
	eng, err := h.Refresh(ctx)
	if err != nil {
		return err
	}
	built := time.Since(start)
	if err := h.UpdateResults(ctx, force); err != nil {
		return err
	}
	st := h.Status()
	fmt.Fprintf(e.stdout, "walk network v%d: %d nodes, %d edges, %d buildings, %d facilities — built in %s\n",
		eng.Version(), st.Stats.Nodes, st.Stats.Edges, st.Stats.Buildings, st.Stats.Facilities, built.Round(time.Millisecond))
	fmt.Fprintf(e.stdout, "blind spots: %s in %s\n", st.BlindSpots.State, time.Duration(st.BlindSpots.Millis)*time.Millisecond)
	fmt.Fprintf(e.stdout, "living circles: %s, %d communities × %d circles in %s (engine %s, PostGIS %s)\n",
		st.Circles.State, st.Circles.Done, len(h.Thresholds()), time.Duration(st.Circles.Millis)*time.Millisecond,
		time.Duration(st.Circles.ComputeMillis)*time.Millisecond, time.Duration(st.Circles.StoreMillis)*time.Millisecond)
	return nil
}
