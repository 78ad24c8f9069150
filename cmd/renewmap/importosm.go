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
	var replace, provisional bool
	var prefix, name, list string
	var topo func() topology.Options
	db, paths, err := openMigrated(ctx, "import-osm", args, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&replace, "replace", false, "also delete each layer's features with this -code-prefix that the file does not produce (other data stays)")
		fs.StringVar(&prefix, "code-prefix", osm.DefaultCodePrefix, "prefix of every code (use another one for another area)")
		fs.StringVar(&name, "name", "", `name of the synthesized district (default "`+osm.DefaultAreaName+` FILE")`)
		fs.BoolVar(&provisional, "provisional", false, "gather buildings outside every landuse=residential area into provisional (待核实) communities")
		fs.StringVar(&list, "list", "", "with -provisional: a list of communities, CSV or .xlsx (名称, 地址, 建成年份), to name them by")
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
	opt := osm.Options{CodePrefix: prefix, Name: name, File: filepath.Base(path), Provisional: provisional}
	if list != "" {
		if !provisional {
			return renew.Invalid("-list names provisional communities: give -provisional too")
		}
		if opt.List, err = readCommunityList(ctx, list); err != nil {
			return err
		}
	}
	b, rep, err := osm.Load(r, opt)
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(e.stderr, "note:", n)
	}
	irep, err := db.Import(ctx, b, postgis.ImportOptions{Replace: replace, ReplacePrefix: prefix, Topology: topo(),
		Progress: ingest.ProgressBar(e.stderr), Provisional: rep.ProvisionalCodes()})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, irep.String())
	for _, p := range rep.Provisional {
		fmt.Fprintln(e.stdout, "待核实：", p)
	}
	for _, r := range rep.Unmatched {
		fmt.Fprintf(e.stdout, "未匹配：第 %d 行 %s %s\n", r.Row, r.Name, r.Address)
	}
	fmt.Fprintln(e.stdout, "data "+osm.Attribution+" (recorded as the district's source)")
	return nil
}
