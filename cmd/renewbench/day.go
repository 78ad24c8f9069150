package main

// renewbench day measures a working day: clients browse composite tiles while a planner edits a
// plan every second (its dates, through the API) and a building moves every 10 s (straight in
// the database, as an import or a GIS edit would). It reports the tiles' latency and the share
// answered from the cache (the X-Cache header).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/tiles"
)

func dayMain(args []string) error {
	fs := flag.NewFlagSet("day", flag.ExitOnError)
	base := fs.String("base", "http://127.0.0.1:8080", "server to measure")
	viewer := fs.String("viewer", "", "username:password of the browsing clients' account")
	planner := fs.String("planner", "", "username:password of the planner's account")
	dbURL := fs.String("database-url", "", "the server's database, where buildings are moved")
	clients := fs.Int("clients", 16, "browsing clients")
	dur := fs.Duration("duration", 60*time.Second, "length of the day")
	fs.Parse(args)
	return runDay(*base, *viewer, *planner, *dbURL, *clients, *dur)
}

func runDay(base, viewer, planner, dbURL string, clients int, dur time.Duration) error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}, Timeout: 60 * time.Second}
	vu, vp, ok1 := strings.Cut(viewer, ":")
	pu, pp, ok2 := strings.Cut(planner, ":")
	if !ok1 || !ok2 {
		return fmt.Errorf("-viewer and -planner: user:password")
	}
	vs, err := login(hc, base, "viewer", vu, vp)
	if err != nil {
		return err
	}
	ps, err := login(hc, base, "planner", pu, pp)
	if err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	plans, err := planIDs(hc, base, ps)
	if err != nil {
		return err
	}
	var urls []string
	for z := 14; z <= 16; z++ {
		a, b := tiles.CoordAt(z, west, north), tiles.CoordAt(z, east, south)
		for x := a.X; x <= b.X; x++ {
			for y := a.Y; y <= b.Y; y++ {
				urls = append(urls, fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", z, x, y))
			}
		}
	}
	// The morning: every tile viewed once.
	for _, u := range urls {
		if _, status, err := send(hc, base, vs, "GET", u, ""); err != nil || status >= 400 {
			return fmt.Errorf("%s: %d %v", u, status, err)
		}
	}

	dctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var edits, moves, editErrs atomic.Int64
	go func() { // the planner
		r := rand.New(rand.NewPCG(7, 7))
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-dctx.Done():
				return
			case <-t.C:
			}
			body := fmt.Sprintf(`{"planned_end":"2027-%02d-%02d"}`, 1+i%12, 1+r.IntN(28))
			if _, status, err := send(hc, base, ps, "PATCH", fmt.Sprintf("/api/v1/plans/%d", plans[r.IntN(len(plans))]), body); err != nil || status != 200 {
				editErrs.Add(1)
			}
			edits.Add(1)
			if i%10 == 9 { // a building moves 1 m east and back
				dx := 0.00001
				if (i/10)%2 == 1 {
					dx = -dx
				}
				if _, err := conn.Exec(dctx, "UPDATE buildings SET geom = ST_Translate(geom, $1, 0) WHERE id = (SELECT min(id) + $2 FROM buildings)", dx, r.IntN(50)); err == nil {
					moves.Add(1)
				}
			}
		}
	}()

	var mu sync.Mutex
	var lat []time.Duration
	var hits, total, errs atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 3))
			var mine []time.Duration
			for dctx.Err() == nil {
				req, _ := http.NewRequest("GET", base+urls[r.IntN(len(urls))], nil)
				req.Header.Set("Cookie", vs.cookie)
				req.Header.Set("Accept-Encoding", "gzip")
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				total.Add(1)
				if resp.StatusCode >= 400 {
					errs.Add(1)
				}
				if resp.Header.Get("X-Cache") == "HIT" {
					hits.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(uint64(c))
	}
	wg.Wait()
	fmt.Printf("| clients | tiles | tiles/s | cache hits | p50 | p99 | plan edits | building moves | errors |\n|---|---|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d | %d | %.0f | %.1f %% | %s | %s | %d | %d | %d |\n", clients, total.Load(),
		float64(total.Load())/dur.Seconds(), 100*float64(hits.Load())/float64(max(total.Load(), 1)),
		pct(lat, 50), pct(lat, 99), edits.Load(), moves.Load(), errs.Load()+editErrs.Load())
	return nil
}

func planIDs(hc *http.Client, base string, s session) ([]int, error) {
	var res struct {
		Plans []struct {
			ID int `json:"id"`
		} `json:"plans"`
	}
	if err := getJSON(hc, base, s, "/api/v1/plans", &res); err != nil || len(res.Plans) == 0 {
		return nil, fmt.Errorf("plan list: %v", err)
	}
	ids := make([]int, len(res.Plans))
	for i, p := range res.Plans {
		ids[i] = p.ID
	}
	return ids, nil
}
