package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"renewmap/internal/config"
	"renewmap/internal/metrics"
)

// With one slot for expensive requests, a second one while the first runs is turned away with
// 503 and Retry-After; once the first is done the next gets through.
func TestHeavyRequestsAreCapped(t *testing.T) {
	cfg := config.Default()
	cfg.DatabaseURL = "postgres://unused"
	cfg.MaxHeavy = 1
	s := &server{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), heavySlots: make(chan struct{}, 1),
		metrics: metrics.New()}
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	e.GET("/analysis", func(c echo.Context) error {
		entered <- struct{}{}
		<-release
		return c.NoContent(http.StatusOK)
	}, s.heavy())
	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/analysis", nil).WithContext(context.Background()))
		first <- rec.Code
	}()
	<-entered
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/analysis", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("second request while the first runs: %d (Retry-After %q), want 503", rec.Code, rec.Header().Get("Retry-After"))
	}
	// The refusal is counted for the metrics.
	scrape := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(scrape.Body.String(), `renewmap_cap_refused_total{cap="heavy"} 1`) {
		t.Error("the refusal is not in renewmap_cap_refused_total")
	}
	close(release)
	if code := <-first; code != 200 {
		t.Errorf("first request: %d", code)
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/analysis", nil))
	if rec.Code != 200 {
		t.Errorf("request after the first finished: %d", rec.Code)
	}
}
