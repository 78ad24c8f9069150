package main

import (
	"context"
	"flag"
	"fmt"

	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/topology"
)

func load(ctx context.Context, args []string, e *env) error {
	var layer string
	var replace bool
	var replacePrefix string
	var topo func() topology.Options
	db, paths, err := openMigrated(ctx, "load", args, e, func(fs *flag.FlagSet) {
		fs.StringVar(&layer, "layer", "", "layer of the files named (default: from each file's name)")
		fs.BoolVar(&replace, "replace", false, "also delete each loaded layer's features that the files do not contain")
		fs.StringVar(&replacePrefix, "replace-prefix", "", "with -replace, delete only features whose code starts with this (default: any)")
		topo = topologyFlags(fs)
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(paths) == 0 {
		return fmt.Errorf("load: name GeoJSON files or folders (see docs/data-format.md)")
	}
	files, notes, err := ingest.FilesFromPaths(paths, layer)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(e.stderr, n)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		return err
	}
	rep, err := db.Import(ctx, b, postgis.ImportOptions{Replace: replace, ReplacePrefix: replacePrefix, Topology: topo(), Progress: ingest.ProgressBar(e.stderr)})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, rep.String())
	return nil
}
