// Command renewmap is the map service for planning the renovation of old residential communities
// (老旧小区改造): it serves the planner's map, vector tiles and GeoJSON from PostGIS, and imports
// and generates the data. Run `renewmap help` for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "renewmap:", err)
		os.Exit(1)
	}
}

// env is the outside world of one run, so tests can run the real command in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// listening, when set, is told the address serve listens on (tests listen on port 0).
	listening func(net.Addr)
}

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, e *env) error
}

func commands() []command {
	return []command{
		{"serve", "serve the web app, tiles and APIs (migrates; -load-demo loads the demo data into an empty database)", serve},
		{"migrate", "apply the database migrations", migrate},
		{"load", "import GeoJSON files or folders (docs/data-format.md), all or nothing", load},
		{"import", "import a foreign file (Shapefile, GeoPackage, GeoJSON, KML, DXF, CSV, FileGDB, .xlsx) through a mapping (docs/import.md)", importFile},
		{"import-osm", "import an OpenStreetMap XML file (docs/osm-mapping.md), all or nothing", importOSM},
		{"user", "manage accounts: add NAME -role ROLE | passwd NAME | role NAME ROLE | unlock NAME | zones NAME [CODE...] | list", user},
		{"quality", "print the data-quality report: isolated communities, dangles, far buildings, unknown values, kinds without data", quality},
		{"survey", "convert a pipeline survey (物探: 管点 and 管线 CSV tables) to a 3D pipelines GeoJSON for load", survey},
		{"token", "personal access tokens for QGIS/GDAL: add USER [-name N] [-expires 90d] | list [USER] | revoke ID", token},
		{"backup", "write the database to a pg_dump archive named after its schema version [-out FILE]", backup},
		{"restore", "load a backup archive into an empty database and migrate it: restore FILE", restore},
		{"outlines", "propose 待核实 community outlines from street blocks, matched to a -list CSV; -save stores them", outlines},
		{"circles", "compute and store every community's living circles and the blind-spot overlay (prints timings)", circles},
		{"demo", "remove: take the demonstration dataset's rows out of the database; other data stays", demoCmd},
		{"gen-demo", "regenerate the demonstration dataset (deterministic) into a folder", genDemo},
	}
}

func run(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	usage(e.stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: renewmap COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nrun `renewmap COMMAND -h` for a command's flags")
}

// newLogger writes structured text logs to w.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
