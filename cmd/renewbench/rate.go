package main

// renewbench rate measures the throughput of any tile or feature server on the same tiles:
// clients request, at random, the URLs made from a template for every tile of one zoom in a
// bounding box ({z}, {x}, {y}, and {bbox}, the tile's west,south,east,north), for a fixed time.
// scripts/bench-peers.sh runs it against renewmap and its peers.

import (
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renewmap/internal/tiles"
)

func rateMain(args []string) error {
	fs := flag.NewFlagSet("rate", flag.ExitOnError)
	template := fs.String("template", "", "URL with {z}, {x}, {y} or {bbox} (required)")
	bbox := fs.String("bbox", "", "west,south,east,north to cover (required)")
	z := fs.Int("zoom", 14, "zoom of the tiles")
	clients := fs.Int("clients", 8, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "length of the run")
	fs.StringVar(&cookie, "cookie", "", "Cookie header to send (a logged-in session)")
	fs.Parse(args)
	var w, s, e, n float64
	if _, err := fmt.Sscanf(*bbox, "%f,%f,%f,%f", &w, &s, &e, &n); err != nil || *template == "" {
		return fmt.Errorf("-template and -bbox west,south,east,north are required")
	}
	var urls []string
	a, b := tiles.CoordAt(*z, w, n), tiles.CoordAt(*z, e, s)
	for x := a.X; x <= b.X; x++ {
		for y := a.Y; y <= b.Y; y++ {
			c := tiles.Coord{Z: *z, X: x, Y: y}
			tw, ts, te, tn := c.Bounds()
			urls = append(urls, strings.NewReplacer("{z}", strconv.Itoa(*z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y),
				"{bbox}", fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", tw, ts, te, tn)).Replace(*template))
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	cached(client, urls, *clients, *dur, "")
	return nil
}
