package httpapi_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// scrape reads the metrics as Prometheus would and returns each sample by its line's name and
// labels.
func (f *fixture) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	f.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			v, err := strconv.ParseFloat(line[i+1:], 64)
			if err == nil {
				out[line[:i]] = v
			}
		}
	}
	return out
}

// The counters move with the traffic: requests by route and status, tile cache misses and hits;
// the pool and the caps are reported.
func TestMetricsMove(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tile, _ := tilePath("buildings", 15)
	before := f.scrape(t)
	for range 2 {
		if rec := f.get(t, tile); rec.Code != 200 {
			t.Fatalf("tile: %d", rec.Code)
		}
	}
	f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/users", "")
	after := f.scrape(t)
	moved := func(sample string, want float64) {
		t.Helper()
		if got := after[sample] - before[sample]; got != want {
			t.Errorf("%s moved by %v, want %v", sample, got, want)
		}
	}
	moved(`renewmap_http_requests_total{method="GET",route="/tiles/:layer/:z/:x/:y",status="200"}`, 2)
	moved(`renewmap_http_requests_total{method="GET",route="/api/v1/users",status="403"}`, 1)
	moved(`renewmap_http_request_duration_seconds_count{route="/tiles/:layer/:z/:x/:y"}`, 2)
	moved(`renewmap_tile_cache_requests_total{result="miss"}`, 1)
	moved(`renewmap_tile_cache_requests_total{result="hit"}`, 1)
	for _, name := range []string{"renewmap_db_pool_max", "renewmap_tile_cache_bytes", "renewmap_cap_heavy_in_use", "renewmap_walk_network_version"} {
		if _, ok := after[name]; !ok {
			t.Errorf("no %s in the scrape", name)
		}
	}
	if after["renewmap_db_pool_max"] < 1 || after["renewmap_tile_cache_bytes"] <= before["renewmap_tile_cache_bytes"] {
		t.Errorf("pool max %v, tile cache bytes %v → %v", after["renewmap_db_pool_max"], before["renewmap_tile_cache_bytes"], after["renewmap_tile_cache_bytes"])
	}
}
