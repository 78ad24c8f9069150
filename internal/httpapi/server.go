package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"renewmap/internal/config"
	"renewmap/internal/metrics"
	"renewmap/internal/pmtiles"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
)

// Deps are what the handlers need from the rest of the program.
type Deps struct {
	Logger *slog.Logger
	// Ready reports whether the service can answer data requests: the database answers and its
	// schema is migrated. It returns an error of kind renew.ErrUnavailable otherwise.
	Ready func(ctx context.Context) error
	// Catalogue is the tile layer catalogue; Tiles renders them; Versions says when their data
	// changed; TileCache keeps rendered tiles.
	Catalogue *tiles.Catalogue
	Tiles     TileSource
	Versions  *tiles.Versions
	TileCache *tiles.Cache
	// TileStore, if set, shares rendered tiles between instances and restarts (-tile-store).
	TileStore TileStore
	// Lookups answers the labels of coded values and the community search; Features the OGC API
	// and the downloads. The stores below each serve one part of the API; a nil one is "not
	// configured": its endpoints answer 503. postgis.DB implements them all (checked at compile
	// time where the program is wired, cmd/renewmap/serve.go).
	Lookups   Lookups
	Features  FeatureSource
	Programme ProgrammeStore // plans, progress, the dashboard
	Planning  PlanningStore  // 片区, siting, parking gap, dig once
	Residents ResidentsStore // the public notice, surveys, satisfaction
	Edits     EditStore      // editing the map, outlines, 街道 limits, approvals
	// Auth logs users in and recognises sessions; Accounts manages users and the audit log.
	Auth     Authenticator
	Accounts Accounts
	// Tokens are the personal access tokens of desktop clients; nil turns them off.
	Tokens TokenService
	// Engines holds the walk-network engine (living circles, coverage, what-ifs); AccessStore
	// reads names and saves what-ifs for it. Without Engines those endpoints answer 503.
	Engines     Engines
	AccessStore AccessStore
	// Imports holds uploads and runs imports from the import page; nil answers 503.
	Imports Importer
	// BaseMap is the opened file of -base-map pmtiles (nil for any other base map).
	BaseMap *pmtiles.Reader
	// Metrics receives the request, cache and cap metrics (nil: kept but not served).
	Metrics *metrics.Metrics
}

// available keeps a part of the API to the case where its store is configured: with ok false,
// every handler it wraps answers err (a 503) instead, once the route's role checks have passed.
func available(ok bool, err error) echo.MiddlewareFunc {
	return func(h echo.HandlerFunc) echo.HandlerFunc {
		if ok {
			return h
		}
		return func(echo.Context) error { return err }
	}
}

// Authenticator is the accounts service (package auth).
type Authenticator interface {
	Login(ctx context.Context, username, password, address string) (string, renew.Session, error)
	LoginTrusted(ctx context.Context, username, address string) (string, renew.Session, error)
	Authenticate(ctx context.Context, token string) (renew.Session, error)
	Logout(ctx context.Context, token string, sess renew.Session, address string) error
	// Throttles and Unlock show and clear the login throttling (admins).
	Throttles(ctx context.Context) ([]renew.LoginThrottle, error)
	Unlock(ctx context.Context, username string, a renew.AuditEntry) (int, error)
}

type server struct {
	cfg     config.Config
	deps    Deps
	log     *slog.Logger
	trusted []*net.IPNet
	// heavySlots holds one token per expensive request running (see heavy); streamSlots one per
	// streamed response (see streaming).
	heavySlots  chan struct{}
	streamSlots chan struct{}
	metrics     *metrics.Metrics
}

// contentSecurityPolicy admits nothing from other origins. MapLibre runs its workers from blob:
// URLs and draws sprites from data: and blob: images.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; worker-src blob:; child-src blob:; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// maxBodyBytes caps request bodies, uploads to the import page included (larger files go through
// renewmap import on the server; ingest.MaxUploadBytes matches it).
const maxBodyBytes = "8M"

// New returns the Echo instance with every route and middleware.
func New(cfg config.Config, d Deps) *echo.Echo {
	s := &server{cfg: cfg, deps: d, log: d.Logger, heavySlots: make(chan struct{}, max(cfg.MaxHeavy, 1)),
		streamSlots: make(chan struct{}, max(cfg.MaxStreams, 1)), metrics: d.Metrics}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	s.watch()
	var trust []echo.TrustOption
	for _, p := range cfg.TrustedProxies {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(p)); err == nil { // validated by config
			s.trusted = append(s.trusted, n)
			trust = append(trust, echo.TrustIPRange(n))
		}
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	// The client's address is the peer's, unless the peer is a trusted proxy that says otherwise.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(trust) > 0 {
		e.IPExtractor = echo.ExtractIPFromXFFHeader(append(trust, echo.TrustLoopback(false),
			echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))...)
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		// The stack goes to the log, never to the client (the error handler answers generically).
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogRemoteIP: true, LogError: true,
		LogRoutePath: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			s.metrics.Request(v.RoutePath, v.Method, v.Status, v.Latency)
			s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("method", v.Method), slog.String("uri", v.URI), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("remote", v.RemoteIP))
			return nil
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: csp(cfg), // basemap.go: opened only for the configured base map
		ReferrerPolicy:        "same-origin",
	}))
	e.Use(middleware.BodyLimit(maxBodyBytes))
	e.Use(middleware.ContextTimeout(cfg.RequestTimeout))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	// Everything below knows who is asking.
	g := e.Group("", s.identify)
	s.routesAuth(g)
	s.routesTokens(g, pageFile("account.html"))
	s.routesTiles(g)
	s.routesBaseMap(g) // basemap.go: the local base map's tiles
	s.routesAPI(g)
	s.routesAccess(g)    // living circles, coverage and what-ifs
	s.routesQuality(g)   // the data-quality report
	s.routesFeatures(g)  // OGC API – Features, downloads and the downloads page
	s.routesProgramme(g) // plans, progress, the plan table as CSV
	s.routesPlanning(g)  // 片区 suggestions and reports, siting, parking gap, dig once
	s.routesResidents(g) // public notice (公示), residents' surveys and satisfaction
	s.routesImports(g)   // the import page's uploads, previews and background imports
	s.routesEdit(g)      // editing the map: features, history, restore, 街道 limits
	s.routesWeb(g)
	return e
}

// HTTPServer wraps h in an http.Server with timeouts derived from cfg: the write timeout is the
// request timeout plus a margin, so a request that hits its own deadline can still send its 503
// before the connection is cut.
func HTTPServer(cfg config.Config, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.RequestTimeout,
		WriteTimeout:      cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// healthz answers as long as the process runs.
func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database is reachable and migrated, 503 otherwise.
func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.deps.Ready(ctx); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
