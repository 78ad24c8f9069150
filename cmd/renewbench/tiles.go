package main

// renewbench tiles measures a running renewmap's tiles: every tile of a bounding box at zooms
// z12–z16, first uncached (each tile's first request renders it), then cached under concurrent
// load. It prints a Markdown table for docs/performance.md.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"renewmap/internal/tiles"
)

func tilesMain(args []string) error {
	fs := flag.NewFlagSet("tiles", flag.ExitOnError)
	base := fs.String("base", "http://127.0.0.1:8080", "server to measure")
	bbox := fs.String("bbox", "", "west,south,east,north to cover (required)")
	layer := fs.String("layer", "all", "layer to fetch")
	minZ := fs.Int("minzoom", 12, "lowest zoom")
	maxZ := fs.Int("maxzoom", 16, "highest zoom")
	clients := fs.String("clients", "1,16", "concurrent clients of each cached phase, comma-separated")
	dur := fs.Duration("duration", 10*time.Second, "length of the cached phase")
	fs.StringVar(&cookie, "cookie", "", "Cookie header to send (a logged-in session)")
	fs.Parse(args)
	return runTiles(*base, *bbox, *layer, *minZ, *maxZ, *clients, *dur)
}

func runTiles(base, bbox, layer string, minZ, maxZ int, clientList string, dur time.Duration) error {
	var w, s, e, n float64
	if _, err := fmt.Sscanf(bbox, "%f,%f,%f,%f", &w, &s, &e, &n); err != nil {
		return fmt.Errorf("-bbox west,south,east,north: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	fmt.Printf("| zoom | tiles | non-empty | uncached p50 | uncached p99 | mean size (gzip) |\n|---|---|---|---|---|---|\n")
	var all []string
	for z := minZ; z <= maxZ; z++ {
		a, b := tiles.CoordAt(z, w, n), tiles.CoordAt(z, e, s)
		var lat []time.Duration
		var nonEmpty, bytes int
		for x := a.X; x <= b.X; x++ {
			for y := a.Y; y <= b.Y; y++ {
				url := fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, layer, z, x, y)
				all = append(all, url)
				d, size, status, err := fetch(client, url)
				if err != nil {
					return err
				}
				lat = append(lat, d)
				if status == 200 {
					nonEmpty++
					bytes += size
				}
			}
		}
		mean := 0
		if nonEmpty > 0 {
			mean = bytes / nonEmpty
		}
		fmt.Printf("| %d | %d | %d | %s | %s | %d B |\n", z, len(lat), nonEmpty, pct(lat, 50), pct(lat, 99), mean)
	}

	// Cached phases: the same tiles, now in the cache, from concurrent clients.
	for _, f := range strings.Split(clientList, ",") {
		clients, err := strconv.Atoi(f)
		if err != nil || clients < 1 {
			return fmt.Errorf("-clients: %q is not a positive number", f)
		}
		cached(client, all, clients, dur, "cached, ")
	}
	return nil
}

// cached requests random tiles of all from clients concurrent clients for dur and prints the
// throughput and latency after label.
func cached(client *http.Client, all []string, clients int, dur time.Duration, label string) {
	var count atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 1))
			var mine []time.Duration
			for ctx.Err() == nil {
				d, _, status, err := fetch(client, all[r.IntN(len(all))])
				if err != nil || (status != 200 && status != 204) {
					errs.Add(1)
					continue
				}
				mine = append(mine, d)
				count.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(uint64(c))
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("\n%s%d clients for %s: %d tiles, %.0f tiles/s, p50 %s, p99 %s, errors %d\n",
		label, clients, dur, count.Load(), float64(count.Load())/secs, pct(lat, 50), pct(lat, 99), errs.Load())
}

// cookie is sent with every request.
var cookie string

func fetch(c *http.Client, url string) (time.Duration, int, int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != 200 && resp.StatusCode != 204 {
		return d, 0, resp.StatusCode, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return d, len(b), resp.StatusCode, err
}
