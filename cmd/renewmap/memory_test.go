package main

import (
	"bytes"
	"sync"
	"testing"
)

// Hostile bodies just under 8 MB (the old global cap), four at once, to the what-if endpoint (logged in) and to the residents'
// ballot (no login needed): the server's peak memory grows by less than 64 MB; a body just under
// the API's cap is still read.
func TestHostileBodiesDoNotGrowMemory(t *testing.T) {
	t.Parallel()
	c := startChild(t)
	// Warm up what every request costs anyway, then take the baseline.
	for range 4 {
		c.post("/api/v1/scenarios", []byte(`{}`))
	}
	before := c.peakRSS(t)
	empties := append(append([]byte(`{"facilities":[`), bytes.Repeat([]byte(`{},`), (8_000_000-100)/3)...), `{}]}`...)
	ballot := append(append([]byte(`{"kind":"menu","code":"AAAAABBBBB","choices":[`), bytes.Repeat([]byte(`"H01",`), (8_000_000-100)/6)...), `"H01"]}`...)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < 4 {
				codes[i] = c.post("/api/v1/scenarios", empties)
			} else {
				codes[i] = c.post("/api/public/surveys/C1/ballot", ballot)
			}
		}()
	}
	wg.Wait()
	growth := c.peakRSS(t) - before
	t.Logf("peak RSS %d MB before, grew by %.1f MB for four 8 MB what-ifs and four 8 MB ballots (answers %v)", before>>20, float64(growth)/(1<<20), codes)
	if growth >= 64<<20 {
		t.Errorf("peak RSS grew by %d MB, want < 64 MB", growth>>20)
	}
	for i, code := range codes {
		if code < 400 || code >= 500 && code != -1 {
			t.Errorf("hostile body %d: %d, want a 4xx", i, code)
		}
	}
	// Just under the API's cap (256 KB) a body is read and answered on its merits.
	login := []byte(`{"username":"admin","password":"wrong"}`)
	login = append(login, bytes.Repeat([]byte(" "), 256<<10-len(login))...)
	if code := c.post("/api/v1/login", login); code != 401 {
		t.Errorf("a login of 256 KB: %d, want 401 (read, wrong password)", code)
	}
}
