// Package metrics holds the service's Prometheus metrics: one registry, the collectors the HTTP
// layer updates, and gauges read from the database pool, the tile cache and the walk network
// when Prometheus scrapes. GET /metrics is served on a listener of its own (serve -metrics-addr),
// never on the public one.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's collectors, registered on their own registry.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	tiles    *prometheus.CounterVec
	waiting  *prometheus.GaugeVec
	refused  *prometheus.CounterVec
}

// New returns the metrics with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renewmap_http_requests_total", Help: "HTTP requests answered, by route and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "renewmap_http_request_duration_seconds", Help: "Time to answer a request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		tiles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renewmap_tile_cache_requests_total", Help: "Tile cache lookups, by result (hit, miss).",
		}, []string{"result"}),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "renewmap_cap_waiting", Help: "Requests waiting for a slot of a cap (heavy: what-ifs and analyses; stream: downloads and OGC item pages).",
		}, []string{"cap"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renewmap_cap_refused_total", Help: "Requests turned away with 503 because a cap stayed full.",
		}, []string{"cap"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.tiles, m.waiting, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts one answered request; route is the route's pattern (bounded), not its path.
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

// TileCache counts one tile cache lookup.
func (m *Metrics) TileCache(hit bool) {
	if hit {
		m.tiles.WithLabelValues("hit").Inc()
	} else {
		m.tiles.WithLabelValues("miss").Inc()
	}
}

// Waiting adds delta to the requests waiting for a slot of the cap named capName.
func (m *Metrics) Waiting(capName string, delta float64) {
	m.waiting.WithLabelValues(capName).Add(delta)
}

// Refused counts a request the cap named capName turned away.
func (m *Metrics) Refused(capName string) { m.refused.WithLabelValues(capName).Inc() }

// Gauge registers a gauge read from f at each scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Counter registers a counter read from f at each scrape (f must never decrease).
func (m *Metrics) Counter(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// WatchPool registers the database pool's connections in use and idle, its size, and how often
// and how long requests waited for a connection.
func (m *Metrics) WatchPool(p *pgxpool.Pool) {
	m.Gauge("renewmap_db_pool_acquired", "Database connections in use.", func() float64 { return float64(p.Stat().AcquiredConns()) })
	m.Gauge("renewmap_db_pool_idle", "Idle database connections.", func() float64 { return float64(p.Stat().IdleConns()) })
	m.Gauge("renewmap_db_pool_max", "The pool's size.", func() float64 { return float64(p.Stat().MaxConns()) })
	m.Counter("renewmap_db_pool_waits_total", "Connection acquisitions that had to wait for a free connection.",
		func() float64 { return float64(p.Stat().EmptyAcquireCount()) })
	m.Counter("renewmap_db_pool_wait_seconds_total", "Time spent waiting for a connection.",
		func() float64 { return p.Stat().EmptyAcquireWaitTime().Seconds() })
}
