package main

// renewbench load puts a running renewmap under mixed load from many concurrent clients logged
// in with different roles — cached and uncached tiles, OGC API items, downloads and what-ifs —
// for a fixed time, and prints p50/p99 per class, errors and the server's peak memory as
// Markdown. Any answer other than 2xx/304 counts as an error.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"renewmap/internal/tiles"
)

type session struct {
	role, cookie, csrf string
}

// class is one kind of request, with its share of the load.
type class struct {
	name   string
	weight int
	// roles that may send it; empty = any.
	roles []string
	make  func(r *rand.Rand) (method, path, body string)
}

type result struct {
	lat    []time.Duration
	errors int
	sample string // the first error seen
}

func loadMain(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	base := fs.String("base", "http://127.0.0.1:8080", "server to load")
	users := fs.String("users", "", "role:username:password,… (one per role to use)")
	clients := fs.Int("clients", 64, "concurrent clients")
	dur := fs.Duration("duration", 60*time.Second, "length of the run")
	pid := fs.Int("pid", 0, "the server's process id, to read its peak memory")
	fs.Parse(args)
	return runLoad(*base, *users, *clients, *dur, *pid)
}

// The demo fabric, where the load goes.
const west, south, east, north = 124.333, 43.153, 124.372, 43.176

func runLoad(base, users string, clients int, dur time.Duration, pid int) error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}, Timeout: 60 * time.Second}
	var sessions []session
	for _, u := range strings.Split(users, ",") {
		p := strings.SplitN(u, ":", 3)
		if len(p) != 3 {
			return fmt.Errorf("-users: %q is not role:username:password", u)
		}
		s, err := login(hc, base, p[0], p[1], p[2])
		if err != nil {
			return err
		}
		sessions = append(sessions, s)
	}
	// Hot tiles: a small set every client keeps asking for (cached after the first request).
	var hot []string
	for z := 14; z <= 16; z++ {
		a, b := tiles.CoordAt(z, west, north), tiles.CoordAt(z, east, south)
		for x := a.X; x <= b.X && len(hot) < 60; x++ {
			for y := a.Y; y <= b.Y && len(hot) < 60; y++ {
				hot = append(hot, fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", z, x, y))
			}
		}
	}
	comms, err := communities(hc, base, sessions[0])
	if err != nil {
		return err
	}
	kinds := []string{"kindergarten", "elderly_day_care", "fresh_market", "primary_school", "community_service_station"}
	classes := []class{
		{name: "tile, cached", weight: 50, make: func(r *rand.Rand) (string, string, string) {
			return "GET", hot[r.IntN(len(hot))], ""
		}},
		{name: "tile, uncached (z17–18)", weight: 15, make: func(r *rand.Rand) (string, string, string) {
			z := 17 + r.IntN(2)
			c := tiles.CoordAt(z, west+r.Float64()*(east-west), south+r.Float64()*(north-south))
			return "GET", fmt.Sprintf("/tiles/all/%d/%d/%d.mvt", c.Z, c.X, c.Y), ""
		}},
		{name: "OGC API items", weight: 15, make: func(r *rand.Rand) (string, string, string) {
			return "GET", fmt.Sprintf("/ogc/collections/buildings/items?limit=50&offset=%d", r.IntN(1100)), ""
		}},
		{name: "download (community buildings)", weight: 5, roles: []string{"designer", "admin"}, make: func(r *rand.Rand) (string, string, string) {
			return "GET", fmt.Sprintf("/download/buildings.geojson?community=%d", comms[r.IntN(len(comms))].ID), ""
		}},
		// A planner places a facility inside a community, where the walk network is.
		{name: "what-if (one facility)", weight: 15, make: func(r *rand.Rand) (string, string, string) {
			c := comms[r.IntN(len(comms))]
			body := fmt.Sprintf(`{"facilities":[{"kind":%q,"lon":%.6f,"lat":%.6f}]}`, kinds[r.IntN(len(kinds))],
				c.Center[0], c.Center[1])
			return "POST", "/api/v1/scenarios", body
		}},
	}
	total := 0
	for _, c := range classes {
		total += c.weight
	}
	results := make([]result, len(classes))
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			mine := make([]result, len(classes))
			for ctx.Err() == nil {
				pick := r.IntN(total)
				ci := 0
				for ; pick >= classes[ci].weight; ci++ {
					pick -= classes[ci].weight
				}
				c := classes[ci]
				s := sessions[r.IntN(len(sessions))]
				if len(c.roles) > 0 {
					s = pickRole(sessions, c.roles, r)
					if s.role == "" {
						continue
					}
				}
				method, path, body := c.make(r)
				d, status, err := send(hc, base, s, method, path, body)
				if ctx.Err() != nil && err != nil {
					break // cut off by the end of the run
				}
				if err != nil || (status >= 300 && status != http.StatusNotModified) {
					mine[ci].errors++
					if mine[ci].sample == "" {
						mine[ci].sample = fmt.Sprintf("%s %s %s → %d %v", method, path, body, status, err)
					}
					continue
				}
				mine[ci].lat = append(mine[ci].lat, d)
			}
			mu.Lock()
			for k := range mine {
				results[k].lat = append(results[k].lat, mine[k].lat...)
				results[k].errors += mine[k].errors
				if results[k].sample == "" {
					results[k].sample = mine[k].sample
				}
			}
			mu.Unlock()
		}(uint64(i))
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("%d clients for %s, roles %s\n\n", clients, dur, roleList(sessions))
	fmt.Printf("| class | requests | per second | errors | p50 | p99 |\n|---|---|---|---|---|---|\n")
	errs := 0
	for i, c := range classes {
		r := results[i]
		errs += r.errors
		fmt.Printf("| %s | %d | %.0f | %d | %s | %s |\n", c.name, len(r.lat), float64(len(r.lat))/secs, r.errors, pct(r.lat, 50), pct(r.lat, 99))
	}
	for i, c := range classes {
		if results[i].sample != "" {
			fmt.Printf("\nfirst error of %s: %s\n", c.name, results[i].sample)
		}
	}
	if pid > 0 {
		if hwm, err := peak(pid); err == nil {
			fmt.Printf("\nserver peak memory (VmHWM): %s\n", hwm)
		}
	}
	if errs > 0 {
		return fmt.Errorf("%d errors", errs)
	}
	return nil
}

func login(hc *http.Client, base, role, user, password string) (session, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := hc.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return session{}, err
	}
	defer resp.Body.Close()
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&me) != nil {
		return session{}, fmt.Errorf("login as %s: %s", user, resp.Status)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "renewmap_session" {
			return session{role: role, cookie: c.Name + "=" + c.Value, csrf: me.CSRF}, nil
		}
	}
	return session{}, fmt.Errorf("login as %s: no session cookie", user)
}

// community is what the load needs of one: its id and a point inside it.
type community struct {
	ID     int        `json:"id"`
	Center [2]float64 `json:"center"`
}

func communities(hc *http.Client, base string, s session) ([]community, error) {
	var res struct {
		Communities []community `json:"communities"`
	}
	if err := getJSON(hc, base, s, "/api/v1/communities?limit=500", &res); err != nil || len(res.Communities) == 0 {
		return nil, fmt.Errorf("community list: %v", err)
	}
	return res.Communities, nil
}

// getJSON reads path as s into v.
func getJSON(hc *http.Client, base string, s session, path string, v any) error {
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Cookie", s.cookie)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func send(hc *http.Client, base string, s session, method, path, body string) (time.Duration, int, error) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Cookie", s.cookie)
	req.Header.Set("Accept-Encoding", "gzip")
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(t0), resp.StatusCode, err
}

func pickRole(ss []session, roles []string, r *rand.Rand) session {
	var ok []session
	for _, s := range ss {
		if slices.Contains(roles, s.role) {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return session{}
	}
	return ok[r.IntN(len(ok))]
}

func roleList(ss []session) string {
	var rs []string
	for _, s := range ss {
		rs = append(rs, s.role)
	}
	return strings.Join(rs, ", ")
}

func peak(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no VmHWM")
}
