// Package config holds renewmap's one Config: read once from flags and the environment,
// validated, and passed to the constructors that need it. No globals, no init().
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is everything the service can be told at start.
type Config struct {
	// DatabaseURL is the PostGIS to use (env DATABASE_URL).
	DatabaseURL string
	// ReplicaURL is an optional streaming replica of DatabaseURL (env DATABASE_REPLICA_URL): serve
	// sends the read-only queries that tolerate lag to it (tiles, search, labels, OGC API and
	// downloads) while it has replayed the data versions known from the primary; see
	// internal/postgis/replica.go and docs/scaling.md.
	ReplicaURL string
	// Addr is the listen address (env RENEWMAP_ADDR).
	Addr string
	// MetricsAddr is where GET /metrics (Prometheus) is served, on a listener of its own so the
	// public one never shows it (env RENEWMAP_METRICS_ADDR); empty: not served.
	MetricsAddr string
	// RequestTimeout bounds a request's work; the HTTP write timeout is derived from it.
	RequestTimeout time.Duration
	// StatementTimeout bounds every SQL statement on the server side, below RequestTimeout so a
	// slow query ends as a clean 503 before the client's connection is cut.
	StatementTimeout time.Duration
	// TileTimeout bounds the query of one tile.
	TileTimeout time.Duration
	// TileCacheBytes bounds the in-memory tile cache.
	TileCacheBytes int
	// TilePrewarm renders again in the background the tiles a change drops (internal/httpapi).
	TilePrewarm bool
	// TileStore keeps rendered tiles in the database too, for every instance (docs/tile-cache.md).
	TileStore bool
	// MaxHeavy caps the expensive requests (what-ifs, exports) running at once.
	MaxHeavy int
	// MaxStreams caps the streamed responses (downloads, OGC item pages) running at once: each
	// holds a database connection while it streams, so they must leave the rest of the pool to
	// everything else.
	MaxStreams int
	// ShutdownGrace is how long requests in flight may take to finish after a stop signal; then
	// their connections are closed and their queries cancelled.
	ShutdownGrace time.Duration
	// SessionTTL is how long a session lasts after its last use.
	SessionTTL time.Duration
	// SessionRecheck is how long a recognised session is trusted before the database is asked
	// again (a logout, role change or disabled account elsewhere takes effect within it).
	SessionRecheck time.Duration
	// AllowAnonymous lets visitors without a login use the service as viewers.
	AllowAnonymous bool
	// SecureCookies marks the session cookie Secure (set it when served over HTTPS).
	SecureCookies bool
	// SSOHeader names a request header carrying the username authenticated by a trusted reverse
	// proxy (government single sign-on); empty disables it. It is honoured only from TrustedProxies.
	SSOHeader string
	// TrustedProxies are the CIDRs of reverse proxies whose SSO and X-Forwarded-For headers count.
	TrustedProxies []string
	// LoadDemo: serve loads the demonstration dataset when the database has no communities.
	LoadDemo bool
	// LogLevel for the structured log.
	LogLevel slog.Level
	// BaseMap is the base map under the data: "" (none), "pmtiles" (the PMTiles v3 file
	// BaseMapFile, served by renewmap at /basemap/{z}/{x}/{y}) or "tianditu" (天地图 with the
	// office's key; docs/web.md). TiandituKey is that key, TiandituLayer "vec" (streets) or "img"
	// (imagery), TiandituURL its hosts with {n} for 0–7 (a local stand-in in tests).
	BaseMap       string
	BaseMapFile   string
	TiandituKey   string
	TiandituLayer string
	TiandituURL   string
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		RequestTimeout:   30 * time.Second,
		StatementTimeout: 25 * time.Second,
		TileTimeout:      10 * time.Second,
		TileCacheBytes:   256 << 20,
		TilePrewarm:      true,
		MaxHeavy:         4,
		MaxStreams:       2,
		ShutdownGrace:    20 * time.Second,
		SessionTTL:       12 * time.Hour,
		SessionRecheck:   5 * time.Second,
		LogLevel:         slog.LevelInfo,
		TiandituLayer:    "vec",
		TiandituURL:      "https://t{n}.tianditu.gov.cn",
	}
}

// Bind registers the flags of the fields a subcommand uses on fs, with defaults taken from the
// environment (getenv) over Default(). serve is true for the serve subcommand, which has the
// server's flags too.
func (c *Config) Bind(fs *flag.FlagSet, getenv func(string) string, serve bool) {
	*c = Default()
	if v := getenv("DATABASE_URL"); v != "" {
		c.DatabaseURL = v
	}
	if v := getenv("RENEWMAP_ADDR"); v != "" {
		c.Addr = v
	}
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostGIS connection URL (env DATABASE_URL)")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error")
	if !serve {
		return
	}
	fs.StringVar(&c.ReplicaURL, "replica-url", getenv("DATABASE_REPLICA_URL"), "optional streaming replica of the database, for lag-tolerant reads (env DATABASE_REPLICA_URL)")
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env RENEWMAP_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", getenv("RENEWMAP_METRICS_ADDR"), "listen address of GET /metrics (Prometheus), e.g. 127.0.0.1:9464; empty: off (env RENEWMAP_METRICS_ADDR)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "time limit of one request")
	fs.DurationVar(&c.StatementTimeout, "statement-timeout", c.StatementTimeout, "time limit of one SQL statement")
	fs.DurationVar(&c.TileTimeout, "tile-timeout", c.TileTimeout, "time limit of one tile query")
	fs.IntVar(&c.TileCacheBytes, "tile-cache-bytes", c.TileCacheBytes, "memory for cached tiles, in bytes (0 disables the cache)")
	fs.BoolVar(&c.TilePrewarm, "tile-prewarm", c.TilePrewarm, "after a data change, render the tiles it reached (zoom 12–16) again in the background")
	fs.BoolVar(&c.TileStore, "tile-store", c.TileStore, "keep rendered tiles in the database too, so a restarted or another instance starts warm")
	fs.IntVar(&c.MaxHeavy, "max-heavy", c.MaxHeavy, "expensive requests (what-ifs, exports) allowed at once; more wait 2 s, then get 503")
	fs.IntVar(&c.MaxStreams, "max-streams", c.MaxStreams, "downloads and OGC item pages streaming at once (each holds a database connection); more wait 5 s, then get 503")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "time requests in flight get to finish after SIGTERM; then they are cut off")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "session lifetime after its last use")
	fs.DurationVar(&c.SessionRecheck, "session-recheck", c.SessionRecheck, "how long a recognised session is trusted before the database is asked again")
	fs.BoolVar(&c.AllowAnonymous, "allow-anonymous", getenv("RENEWMAP_ALLOW_ANONYMOUS") == "true", "let visitors without a login in as viewers (env RENEWMAP_ALLOW_ANONYMOUS=true)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark the session cookie Secure (HTTPS)")
	fs.StringVar(&c.SSOHeader, "sso-header", getenv("RENEWMAP_SSO_HEADER"), "header with the username from a trusted SSO proxy (env RENEWMAP_SSO_HEADER)")
	fs.Func("trusted-proxy", "CIDR of a trusted reverse proxy (repeatable; env RENEWMAP_TRUSTED_PROXIES, comma-separated)", func(v string) error {
		c.TrustedProxies = append(c.TrustedProxies, v)
		return nil
	})
	if v := getenv("RENEWMAP_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = strings.Split(v, ",")
	}
	fs.BoolVar(&c.LoadDemo, "load-demo", getenv("RENEWMAP_LOAD_DEMO") == "true", "load the invented demonstration dataset into an empty database (make run does; env RENEWMAP_LOAD_DEMO=true)")
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.BaseMap, "base-map", envOr("RENEWMAP_BASE_MAP", c.BaseMap), "base map under the data: empty (none), pmtiles or tianditu (env RENEWMAP_BASE_MAP)")
	fs.StringVar(&c.BaseMapFile, "base-map-file", envOr("RENEWMAP_BASE_MAP_FILE", c.BaseMapFile), "the PMTiles v3 file of -base-map pmtiles (env RENEWMAP_BASE_MAP_FILE)")
	fs.StringVar(&c.TiandituKey, "tianditu-key", envOr("RENEWMAP_TIANDITU_KEY", c.TiandituKey), "the office's 天地图 key (env RENEWMAP_TIANDITU_KEY)")
	fs.StringVar(&c.TiandituLayer, "tianditu-layer", envOr("RENEWMAP_TIANDITU_LAYER", c.TiandituLayer), "天地图 layer: vec (streets) or img (imagery) (env RENEWMAP_TIANDITU_LAYER)")
	fs.StringVar(&c.TiandituURL, "tianditu-url", envOr("RENEWMAP_TIANDITU_URL", c.TiandituURL), "天地图 hosts, {n} standing for 0–7 (env RENEWMAP_TIANDITU_URL)")
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if c.DatabaseURL == "" {
		return errors.New("no database: set DATABASE_URL or -database-url")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("listen address %q: %v", c.Addr, err)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("metrics address %q: %v", c.MetricsAddr, err)
		}
	}
	if c.RequestTimeout <= 0 || c.StatementTimeout <= 0 || c.TileTimeout <= 0 {
		return errors.New("timeouts must be positive")
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(strings.TrimSpace(p)); err != nil {
			return fmt.Errorf("trusted proxy %q is not a CIDR", p)
		}
	}
	if c.SSOHeader != "" && len(c.TrustedProxies) == 0 {
		return errors.New("an SSO header needs at least one trusted proxy")
	}
	if c.MaxStreams < 1 {
		return errors.New("max-streams must be at least 1")
	}
	if c.ShutdownGrace <= 0 {
		return errors.New("shutdown grace must be positive")
	}
	if c.MaxHeavy < 1 {
		return errors.New("max-heavy must be at least 1")
	}
	if c.SessionTTL < time.Minute {
		return errors.New("session lifetime must be at least a minute")
	}
	if c.StatementTimeout >= c.RequestTimeout {
		return errors.New("statement timeout must be shorter than the request timeout")
	}
	if c.BaseMapFile != "" && c.BaseMap != "pmtiles" {
		return errors.New("-base-map-file is read only with -base-map pmtiles")
	}
	switch c.BaseMap {
	case "":
	case "pmtiles":
		if c.BaseMapFile == "" {
			return errors.New("the pmtiles base map needs its file (-base-map-file)")
		}
	case "tianditu":
		if c.TiandituKey == "" {
			return errors.New("the tianditu base map needs the office's key (-tianditu-key)")
		}
		if c.TiandituLayer != "vec" && c.TiandituLayer != "img" {
			return fmt.Errorf("tianditu layer %q: vec or img", c.TiandituLayer)
		}
		u, err := url.Parse(strings.ReplaceAll(c.TiandituURL, "{n}", "0"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.Contains(c.TiandituURL, "{n}") {
			return fmt.Errorf("tianditu URL %q: an http(s) URL with {n} for the host number", c.TiandituURL)
		}
	default:
		return fmt.Errorf("base map %q: empty (none), pmtiles or tianditu", c.BaseMap)
	}
	return nil
}
