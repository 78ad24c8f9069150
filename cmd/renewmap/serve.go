package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"renewmap/internal/access"
	"renewmap/internal/auth"
	"renewmap/internal/config"
	"renewmap/internal/httpapi"
	"renewmap/internal/metrics"
	"renewmap/internal/pmtiles"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

func serve(ctx context.Context, args []string, e *env) error {
	var cfg config.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg.Bind(fs, e.getenv, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.LogLevel)
	var baseMap *pmtiles.Reader
	if cfg.BaseMap == "pmtiles" {
		r, f, err := pmtiles.OpenFile(cfg.BaseMapFile)
		if err != nil {
			return fmt.Errorf("base map: %w", err)
		}
		defer f.Close()
		baseMap = r
	}
	db, err := postgis.Open(ctx, cfg.DatabaseURL, postgis.Options{StatementTimeout: cfg.StatementTimeout})
	if err != nil {
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		return err
	}
	// The walk network (living circles, coverage, what-ifs) is built once the database is
	// ready, and rebuilt when its data changes.
	engines := access.NewHolder(db, db, access.HolderOptions{Log: log})
	b := &bootstrap{out: e.stdout, db: db, cfg: cfg, log: log, then: func() { engines.Run(ctx) }}
	go b.run(ctx)
	versions := &tiles.Versions{}
	go db.WatchVersions(ctx, versions, log)
	// The tile cache drops only the tiles each change reaches (internal/postgis/tilechanges.go).
	tileCache := tiles.NewCache(cfg.TileCacheBytes)
	tileChanges := &postgis.TileChanges{Store: cfg.TileStore}
	var tileStore httpapi.TileStore
	if cfg.TileStore {
		tileStore = postgis.TileStore{DB: db}
	}
	go tileChanges.Watch(ctx, db, tileCache, log)
	// reads answers tiles, search, labels, the OGC API and downloads: the primary, or with a
	// streaming replica configured, the replica whenever it has replayed the primary's data
	// versions (internal/postgis/replica.go). Everything else the replicated store passes to the
	// primary it embeds.
	var reads stores = db
	if cfg.ReplicaURL != "" {
		rdb, err := postgis.Open(ctx, cfg.ReplicaURL, postgis.Options{StatementTimeout: cfg.StatementTimeout, ApplicationName: "renewmap-read"})
		if err != nil {
			return fmt.Errorf("replica: %w", err)
		}
		defer rdb.Close()
		rep := postgis.NewReplicated(db, rdb, versions, postgis.ReplicaOptions{Log: log, TileChanges: tileChanges.Last})
		go rep.Run(ctx)
		defer func() {
			r, p := rep.Reads()
			log.Info("reads answered", "replica", r, "primary", p)
		}()
		reads = rep
	}

	tokens := auth.NewTokens(db, cfg.SessionRecheck)
	m := metrics.New()
	m.WatchPool(db.Pool)
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		log.Info("serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	h := httpapi.New(cfg, httpapi.Deps{Tokens: tokens, BaseMap: baseMap,
		Logger: log, Ready: b.ready, Metrics: m,
		Catalogue: cat, Tiles: reads, Versions: versions, TileCache: tileCache, TileStore: tileStore,
		Lookups: reads, Features: reads, Programme: reads, Planning: reads, Residents: reads, Edits: reads,
		Accounts: db, Engines: engines, AccessStore: db, Imports: db,
		Auth: auth.New(db, auth.Settings{TTL: cfg.SessionTTL, Recheck: cfg.SessionRecheck, Limits: auth.DefaultLimits}),
	})
	srv := httpapi.HTTPServer(cfg, h)
	// Every request's context derives from reqCtx, so cutting off the requests still running
	// after the grace period also cancels their queries and frees their database connections.
	reqCtx, cutOff := context.WithCancel(context.Background())
	defer cutOff()
	srv.BaseContext = func(net.Listener) context.Context { return reqCtx }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "url", "http://"+ln.Addr().String())
	if e.listening != nil {
		e.listening(ln.Addr())
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for requests in flight", "grace", cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// A client that stopped reading (or a request stuck in the database) would otherwise keep
		// the process, and the pool's Close, waiting for its own deadline.
		log.Warn("grace period over: closing the connections still open", "err", err)
		cutOff()
		srv.Close()
		<-errc
		return nil
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// The last counted token uses go to the audit.
	return tokens.Flush(sctx)
}

// stores is every store the handlers take from the database (httpapi.Deps), which the primary
// and the replicated store both are.
type stores interface {
	httpapi.TileSource
	httpapi.Lookups
	httpapi.FeatureSource
	httpapi.ProgrammeStore
	httpapi.PlanningStore
	httpapi.ResidentsStore
	httpapi.EditStore
}

// The database implements every store the handlers use: a method renamed or changed on one side
// fails the build here instead of turning its endpoints into 503s.
var (
	_ stores              = (*postgis.DB)(nil)
	_ stores              = (*postgis.Replicated)(nil)
	_ httpapi.Accounts    = (*postgis.DB)(nil)
	_ httpapi.AccessStore = (*postgis.DB)(nil)
	_ httpapi.Importer    = (*postgis.DB)(nil)
	_ httpapi.TileStore   = postgis.TileStore{}
)

// bootstrap migrates the database and loads the demo data once the database answers, retrying
// while it does not, so the service can start before its database.
type bootstrap struct {
	out  io.Writer
	db   *postgis.DB
	cfg  config.Config
	log  *slog.Logger
	done atomic.Bool
	// then runs (in the bootstrap's goroutine) once the database is migrated and loaded.
	then func()
}

func (b *bootstrap) run(ctx context.Context) {
	for {
		err := b.once(ctx)
		if err == nil {
			b.done.Store(true)
			if b.then != nil {
				b.then()
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("database not ready, retrying", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}

func (b *bootstrap) once(ctx context.Context) error {
	n, err := b.db.Migrate(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		b.log.Info("migrated", "applied", n)
	}
	password, err := ensureAdmin(ctx, b.db)
	if err != nil {
		return err
	}
	if password != "" {
		// Printed once, on the terminal of whoever started the service; it is not stored anywhere.
		fmt.Fprintf(b.out, "\n首次启动：已创建管理员账号 admin，一次性密码：%s\n"+
			"First start: administrator account \"admin\" created with password %s\n"+
			"（请妥善保管；可用 renewmap user passwd admin 重设 / reset with renewmap user passwd admin）\n\n", password, password)
	}
	if b.cfg.LoadDemo {
		return loadDemoIfEmpty(ctx, b.db, b.log)
	}
	var communities int
	if err := b.db.Pool.QueryRow(ctx, "SELECT count(*) FROM communities").Scan(&communities); err == nil && communities == 0 {
		b.log.Info("the database holds no data: load yours with `renewmap load` or `renewmap import-osm` (-load-demo loads the invented demonstration dataset)")
	}
	return nil
}

// ready is the readiness check: migrated and the database answers.
func (b *bootstrap) ready(ctx context.Context) error {
	if !b.done.Load() {
		return &renew.Error{Kind: renew.ErrUnavailable, Msg: "数据库正在初始化 (database is being prepared)"}
	}
	return b.db.Ping(ctx)
}
