package main

import (
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/osm"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
	"renewmap/internal/topology"
)

// importOSM imports an OpenStreetMap XML file (docs/osm-mapping.md) through the same validation
// and store as `load`.
func importOSM(ctx context.Context, args []string, e *env) error {
	var replace bool
	var prefix, name string
	var topo func() topology.Options
	db, paths, err := openMigrated(ctx, "import-osm", args, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&replace, "replace", false, "also delete each layer's features with this -code-prefix that the file does not produce (other data stays)")
		fs.StringVar(&prefix, "code-prefix", osm.DefaultCodePrefix, "prefix of every code (use another one for another area)")
		fs.StringVar(&name, "name", "", `name of the synthesized district (default "`+osm.DefaultAreaName+` FILE")`)
		topo = topologyFlags(fs)
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(paths) != 1 {
		return fmt.Errorf("import-osm: name one OpenStreetMap XML file (.osm or .osm.gz; see docs/osm-mapping.md)")
	}
	if prefix == "" {
		prefix = osm.DefaultCodePrefix
	}
	path := paths[0]
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return renew.NotFound("%s: no such file", path)
		}
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return renew.Invalid("%s: not a gzip file: %v", path, err)
		}
		defer gz.Close()
		r = gz
	}
	if strings.HasSuffix(path, ".pbf") {
		return renew.Invalid("%s: PBF is not read; convert it to XML first: osmium cat %s -o area.osm", path, path)
	}
	b, rep, err := osm.Load(r, osm.Options{CodePrefix: prefix, Name: name, File: filepath.Base(path)})
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(e.stderr, "note:", n)
	}
	irep, err := db.Import(ctx, b, postgis.ImportOptions{Replace: replace, ReplacePrefix: prefix, Topology: topo(), Progress: ingest.ProgressBar(e.stderr)})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, irep.String())
	fmt.Fprintln(e.stdout, "data "+osm.Attribution+" (recorded as the district's source)")
	return nil
}
