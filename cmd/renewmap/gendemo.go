package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"

	"renewmap/geodata"
	"renewmap/internal/ingest/demo"
)

// outlinePath is the district outline the demo fabric is laid inside.
const outlinePath = "boundaries/tiexi_220302_main.wgs84.geojson"

func genDemo(_ context.Context, args []string, e *env) error {
	opt := demo.DefaultOptions()
	fset := flag.NewFlagSet("gen-demo", flag.ContinueOnError)
	fset.SetOutput(e.stderr)
	out := fset.String("out", "geodata/tiexi", "folder to write the layer files into")
	fset.IntVar(&opt.Scale, "scale", opt.Scale, "copies of the fabric (1 = the district; 50 ≈ a province-sized city)")
	fset.Int64Var(&opt.Seed, "seed", opt.Seed, "random seed (the committed dataset uses the default)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	outline, err := fs.ReadFile(geodata.FS, outlinePath)
	if err != nil {
		return err
	}
	d, err := demo.Generate(outline, opt)
	if err != nil {
		return err
	}
	if err := d.WriteDir(*out); err != nil {
		return err
	}
	for _, l := range demo.Layers {
		fmt.Fprintf(e.stdout, "%-16s %7d\n", l, d.Count(l))
	}
	fmt.Fprintf(e.stdout, "written to %s\n", *out)
	return nil
}
