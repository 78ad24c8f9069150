// Command accessbench measures the walk-network engine (internal/access) on a database holding
// the demo district or a scaled copy of it: building the network with every building's distance
// to every facility kind, one what-if, the living circles of every community (engine alone and
// with their polygons made and stored in PostGIS). It prints Markdown for docs/performance.md.
//
//	accessbench -import -scale 50      # generate, import (into an empty database) and measure
//	accessbench -coverage              # also print the district's coverage per facility kind
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"renewmap/geodata"
	"renewmap/internal/access"
	"renewmap/internal/ingest"
	"renewmap/internal/ingest/demo"
	"renewmap/internal/postgis"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "accessbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostGIS database (migrated; with -import, empty)")
	doImport := flag.Bool("import", false, "generate the demo data at -scale and import it first")
	scale := flag.Int("scale", 1, "copies of the demo fabric to import (1 = the committed district)")
	store := flag.Bool("store", true, "also time making the circles' polygons and storing them in PostGIS")
	coverage := flag.Bool("coverage", false, "print the district's coverage per facility kind")
	runs := flag.Int("runs", 20, "what-if repetitions (the median is reported)")
	flag.Parse()
	db, err := postgis.Open(ctx, *url, postgis.Options{MaxConns: int32(runtime.NumCPU() + 2)})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	label := "demo district"
	if *scale > 1 {
		label = fmt.Sprintf("demo × %d", *scale)
	}
	if *doImport {
		t := time.Now()
		if err := importDemo(ctx, db, *scale); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "imported %s in %s\n", label, time.Since(t).Round(time.Millisecond))
	}

	t := time.Now()
	in, err := db.LoadNetwork(ctx)
	if err != nil {
		return err
	}
	load := time.Since(t)
	t = time.Now()
	e, err := access.Build(in, access.Options{})
	if err != nil {
		return err
	}
	build := time.Since(t)
	st := e.Stats()

	// What-ifs: a kindergarten in the community whose households lack one most, and a path
	// between two of its buildings' neighbours.
	prop := proposal(e, in)
	whatif := median(*runs, func() error { _, err := e.WhatIf(ctx, prop); return err })
	withPath := prop
	withPath.Passages = pathNear(in, prop.Facilities[0].Point)
	whatifPath := median(*runs, func() error { _, err := e.WhatIf(ctx, withPath); return err })
	sc, err := e.WhatIf(ctx, prop)
	if err != nil {
		return err
	}

	var ths []access.Threshold
	for _, p := range []access.Profile{access.StandardProfile(), access.WinterProfile()} {
		ths = append(ths, p.Thresholds(access.DefaultLevels())...)
	}
	t = time.Now()
	circles, err := e.Circles(ctx, nil, ths)
	if err != nil {
		return err
	}
	circ := time.Since(t)
	var storeT time.Duration
	if *store {
		t = time.Now()
		if err := db.SaveCircles(ctx, circles, e.Version()); err != nil {
			return err
		}
		storeT = time.Since(t)
	}

	fmt.Printf("| %s | %d | %d | %d | %d | %s | %s | %s | %s | %s | %s |\n", label, st.Communities, st.Buildings,
		st.Facilities, st.Edges, ms(load), ms(build), ms(whatif), ms(whatifPath), ms(circ),
		func() string {
			if !*store {
				return "—"
			}
			return fmt.Sprintf("%s (%d circles, %.1f ms each)", ms(storeT), len(circles), float64(storeT.Microseconds())/1000/float64(max(1, len(circles))))
		}())
	fmt.Fprintf(os.Stderr, "what-if: %d households newly covered for %s\n", sc.Delta.Kinds[kindIndex(e, "kindergarten")].Households, "kindergarten")
	if *coverage {
		fmt.Println()
		fmt.Println("| kind | level | required | service distance | households covered | share |")
		fmt.Println("|---|---|---|---:|---:|---:|")
		for i, k := range e.Coverage().Kinds {
			kind := e.Kinds()[i]
			fmt.Printf("| %s %s | %s | %v | %.0f m | %d / %d | %.1f %% |\n", k.Kind, kind.Name, k.Level, k.Required,
				k.ServiceDistance, k.Covered, k.Households, 100*k.Share)
		}
	}
	return nil
}

// Header is the Markdown table head of run's line.
const Header = `| data | communities | buildings | facilities | edges | load from PostGIS | build + all buildings × all kinds | one what-if (1 facility) | what-if (1 facility + 1 path) | circles, engine | circles + polygons made and stored |`

func init() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: accessbench [flags]; prints one row of:")
		fmt.Fprintln(os.Stderr, Header)
		flag.PrintDefaults()
	}
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
	}
	if d < 10*time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func median(n int, fn func() error) time.Duration {
	ds := make([]time.Duration, 0, n)
	for range n {
		t := time.Now()
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, "accessbench: what-if:", err)
			return 0
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func kindIndex(e *access.Engine, code string) int {
	for i, k := range e.Kinds() {
		if k.Code == code {
			return i
		}
	}
	return 0
}

// proposal is a kindergarten at a building of the community with the most households not
// covered for kindergartens.
func proposal(e *access.Engine, in access.Input) access.Proposal {
	k := kindIndex(e, "kindergarten")
	best, bestGap := int64(0), -1
	for _, c := range e.Coverage().Communities {
		if gap := c.Households - c.Covered[k]; gap > bestGap {
			best, bestGap = c.ID, gap
		}
	}
	var pt orb.Point
	for _, b := range in.Buildings {
		if b.Community == best {
			pt = b.Point
			break
		}
	}
	return access.Proposal{Facilities: []access.ProposedFacility{{Kind: "kindergarten", Point: pt, Community: best}}}
}

// pathNear is a path between two public road vertices about 100–300 m apart near p.
func pathNear(in access.Input, p orb.Point) []access.Passage {
	var cands []orb.Point
	for _, e := range in.Edges {
		if e.Community == 0 {
			for _, q := range e.Line {
				if d := dist(p, q); d < 400 {
					cands = append(cands, q)
				}
			}
		}
	}
	for i := range cands {
		for j := i + 1; j < len(cands); j++ {
			if d := dist(cands[i], cands[j]); d > 100 && d < 300 {
				return []access.Passage{{Kind: access.PassagePath, From: cands[i], To: cands[j]}}
			}
		}
	}
	return nil
}

func dist(a, b orb.Point) float64 {
	kx := 111320 * math.Cos(a[1]*math.Pi/180)
	return math.Hypot((a[0]-b[0])*kx, (a[1]-b[1])*110540)
}

func importDemo(ctx context.Context, db *postgis.DB, scale int) error {
	var files []ingest.File
	if scale <= 1 {
		fs, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
		if err != nil {
			return err
		}
		files = fs
	} else {
		outline, err := fs.ReadFile(geodata.FS, "boundaries/tiexi_220302_main.wgs84.geojson")
		if err != nil {
			return err
		}
		opt := demo.DefaultOptions()
		opt.Scale = scale
		d, err := demo.Generate(outline, opt)
		if err != nil {
			return err
		}
		dfs, err := d.Files()
		if err != nil {
			return err
		}
		for _, f := range dfs {
			files = append(files, ingest.File{Name: f.Layer + ".geojson", Layer: f.Layer, Data: f.Data})
		}
	}
	b, err := ingest.Parse(files)
	if err != nil {
		return err
	}
	_, err = db.Import(ctx, b, postgis.ImportOptions{})
	return err
}
