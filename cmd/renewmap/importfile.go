package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/foreign"
	"renewmap/internal/planning"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
)

// importFile is `renewmap import`: a foreign file through a mapping (docs/import.md).
func importFile(ctx context.Context, args []string, e *env) error {
	var mappingPath, sourceLayer, encoding, control, list string
	var choice foreign.CRSChoice
	var dryRun, replace, allowUnmatched, provisional bool
	db, paths, err := openMigrated(ctx, "import", args, e, func(fs *flag.FlagSet) {
		fs.StringVar(&mappingPath, "mapping", "", "the mapping file (YAML or JSON); without it, print a proposed mapping")
		fs.StringVar(&sourceLayer, "source-layer", "", "the layer (or sheet) of the file, when it has several")
		fs.StringVar(&choice.CRS, "crs", "", "the coordinate system when the file does not say (EPSG:4550, EPSG:4490, GCJ02, BD09, a PROJ string)")
		fs.StringVar(&choice.TOWGS84, "towgs84", "", "the datum shift of a Xian 1980 / Beijing 1954 / local source: dx,dy,dz[,rx,ry,rz,ds]")
		fs.StringVar(&control, "control", "", "a CSV of control points (name,x,y,e,n) fitting a local system to -control-crs (4-parameter)")
		fs.StringVar(&choice.ControlCRS, "control-crs", "", "the projected system of the control points' e,n (e.g. EPSG:4550)")
		fs.StringVar(&encoding, "encoding", "", "the text encoding of a Shapefile without .cpg or of a CSV (GBK or UTF-8; default: guessed)")
		fs.BoolVar(&dryRun, "dry-run", false, "check everything and report what would be inserted, updated and left out; write nothing")
		fs.BoolVar(&replace, "replace", false, "overwrite rows changed in renewmap since the last import, and delete rows the file no longer has")
		fs.BoolVar(&allowUnmatched, "allow-unmatched", false, "a join imports the rows that match and reports the others")
		fs.BoolVar(&provisional, "provisional", false, "buildings: gather those without a community (or with an unknown one) into provisional communities (待核实)")
		fs.StringVar(&list, "list", "", "with -provisional: the office's list of communities (CSV or .xlsx: 名称, 地址, 建成年份) naming them")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if len(paths) != 1 {
		return fmt.Errorf("import: name one file (see docs/import.md)")
	}
	var m *foreign.Mapping
	if mappingPath != "" {
		data, err := os.ReadFile(mappingPath)
		if err != nil {
			return fmt.Errorf("import: read the mapping: %w", err)
		}
		if m, err = foreign.ParseMapping(data, mappingPath); err != nil {
			return err
		}
		if m.Source == "" {
			m.Source = strings.TrimSuffix(filepath.Base(mappingPath), filepath.Ext(mappingPath))
		}
		if sourceLayer == "" {
			sourceLayer = m.SourceLayer
		}
		if choice.CRS == "" {
			choice.CRS = m.CRS
		}
		if choice.TOWGS84 == "" {
			choice.TOWGS84 = m.TOWGS84
		}
		if control == "" && m.Control != "" {
			control = filepath.Join(filepath.Dir(mappingPath), m.Control)
		}
		if choice.ControlCRS == "" {
			choice.ControlCRS = m.ControlCRS
		}
		if provisional {
			if m.Layer != "buildings" || m.Join != nil {
				return renew.Invalid("-provisional 只用于导入楼栋 (buildings, not a join) (-provisional gathers buildings into provisional communities)")
			}
			m.Provisional = true
		}
	}
	var listed []planning.ListedCommunity
	if list != "" {
		if m == nil || !m.Provisional {
			return renew.Invalid("-list 为待核实小区命名：须同时给出 -provisional 和 -mapping (-list names provisional communities: give -provisional too)")
		}
		if listed, err = readCommunityList(ctx, list); err != nil {
			return err
		}
	}
	if control != "" {
		data, err := os.ReadFile(control)
		if err != nil {
			return fmt.Errorf("import: read the control points: %w", err)
		}
		if choice.Control, err = foreign.ParseControlPoints(data, control); err != nil {
			return err
		}
	}
	opt := foreign.Options{Encoding: encoding}
	if m != nil {
		opt.HeaderRows = m.HeaderRows
	}
	src, err := foreign.Open(ctx, paths[0], paths[0], opt)
	if err != nil {
		return err
	}
	defer src.Close()
	for _, n := range src.Notes {
		fmt.Fprintln(e.stderr, n)
	}
	info, err := src.Layer(sourceLayer)
	if err != nil {
		return err
	}
	if m == nil {
		return propose(ctx, e, db, src, info)
	}
	res, err := db.ImportForeign(ctx, src, info.Name, m, postgis.ForeignOptions{Choice: choice, AllowUnmatched: allowUnmatched,
		Replace: replace, DryRun: dryRun, Progress: ingest.ProgressBar(e.stderr), List: listed})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: layer %q → %s; coordinates: %s\n", src.Name, info.Name, m.Layer, res.Plan.Describe)
	if res.Mapped.Filtered > 0 {
		fmt.Fprintf(e.stdout, "%d features left out by the mapping's where\n", res.Mapped.Filtered)
	}
	for _, u := range res.Mapped.Unmatched {
		fmt.Fprintln(e.stdout, "left out:", u)
	}
	rep := res.Report
	if dryRun {
		fmt.Fprintln(e.stdout, "dry run: nothing written; the import would do this:")
	}
	fmt.Fprintln(e.stdout, rep.String())
	if res.Provisional != nil {
		for _, n := range res.Provisional.Notes() {
			fmt.Fprintln(e.stdout, n)
		}
	}
	if len(res.Mapped.Unmatched) > 0 {
		fmt.Fprintf(e.stdout, "%d rows left out (matched nothing, or two features)\n", len(res.Mapped.Unmatched))
	}
	return nil
}

// propose prints a source layer's fields with sample values, its CRS and a proposed mapping.
func propose(ctx context.Context, e *env, db *postgis.DB, src *foreign.Source, info *foreign.LayerInfo) error {
	cat, err := db.ForeignCatalog(ctx, "buildings", false)
	if err != nil {
		return err
	}
	p, err := foreign.Propose(ctx, src, info.Name, cat)
	if err != nil {
		return err
	}
	// Everything but the mapping is a YAML comment, so the output saved is the mapping file.
	var about strings.Builder
	if len(src.Layers) > 1 {
		fmt.Fprintf(&about, "%s: %d layers:", src.Name, len(src.Layers))
		for _, l := range src.Layers {
			fmt.Fprintf(&about, " %s (%s, %d)", l.Name, l.Geometry, l.Count)
		}
		about.WriteString("\n")
	}
	about.WriteString(p.String())
	if _, err := foreign.Plan(ctx, src.Name, info, foreign.CRSChoice{}); err != nil && info.Geometry != "None" {
		fmt.Fprintf(&about, "CRS: %v\n", err)
	}
	fmt.Fprintf(&about, "\nthe proposed mapping: save this output (renewmap import %s > mapping.yaml), check it, then\n"+
		"  renewmap import -mapping mapping.yaml -dry-run %s\n", src.Name, src.Name)
	for _, line := range strings.Split(strings.TrimRight(about.String(), "\n"), "\n") {
		fmt.Fprintln(e.stdout, strings.TrimRight("# "+line, " "))
	}
	y, err := p.Mapping.YAML()
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(y)
	return err
}
