package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"renewmap/internal/access"
	"renewmap/internal/auth"
	"renewmap/internal/config"
	"renewmap/internal/httpapi"
	"renewmap/internal/metrics"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

// fixture is a server over a migrated database holding testdata/fixture.sql and one account per
// role (username = role, password = "pw-" + role), each logged in.
type fixture struct {
	e        *echo.Echo
	db       *postgis.DB
	sessions map[renew.Role]session
	engines  *access.Holder // the walk network (access_test.go)
	metrics  *metrics.Metrics
	cache    *tiles.Cache // the tile cache, kept by its own change watcher
}

type session struct {
	cookie *http.Cookie
	csrf   string
}

// testHash is a cheap bcrypt hash of each test password, made once.
var testHashes = map[renew.Role]string{}

func init() {
	for _, r := range renew.Roles {
		h, _ := bcrypt.GenerateFromPassword([]byte("pw-"+string(r)), bcrypt.MinCost)
		testHashes[r] = string(h)
	}
}

// newFixture starts the server; adjust changes its configuration.
func newFixture(t *testing.T, adjust ...func(*config.Config)) *fixture {
	t.Helper()
	db, _ := pgtest.New(t)
	sql, err := os.ReadFile("testdata/fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, string(sql)); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	for _, r := range renew.Roles {
		u := renew.User{Username: string(r), Role: r}
		if _, err := db.CreateUser(ctx, u, testHashes[r], renew.AuditEntry{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.DatabaseURL = "postgres://unused"
	for _, a := range adjust {
		a(&cfg)
	}
	f := &fixture{db: db, sessions: map[renew.Role]session{}}
	f.serve(t, cfg)
	for _, r := range renew.Roles {
		f.sessions[r] = f.login(t, string(r), "pw-"+string(r))
	}
	return f
}

// serve starts the server over f.db with cfg: an instance of its own (its cache, its watchers),
// as a second instance over the same database would be.
func (f *fixture) serve(t *testing.T, cfg config.Config) {
	t.Helper()
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	versions := &tiles.Versions{}
	wctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go f.db.WatchVersions(wctx, versions, log)
	waitFor(t, "data versions", func() bool { _, ok := versions.Stamp(nil); return ok })
	f.engines = access.NewHolder(f.db, f.db, access.HolderOptions{Log: log})
	f.cache = watchedCache(t, wctx, f.db, cfg.TileStore)
	var store httpapi.TileStore
	if cfg.TileStore {
		store = postgis.TileStore{DB: f.db}
	}
	f.metrics = metrics.New()
	f.metrics.WatchPool(f.db.Pool)
	f.e = httpapi.New(cfg, httpapi.Deps{Metrics: f.metrics,
		TileStore: store,
		Engines:   f.engines, AccessStore: f.db, Imports: f.db,
		Logger: log, Ready: f.db.Ping, Catalogue: cat, Tiles: f.db, Versions: versions,
		TileCache: f.cache, Accounts: f.db,
		Lookups: f.db, Features: f.db, Programme: f.db, Planning: f.db, Residents: f.db, Edits: f.db,
		Auth:   auth.New(f.db, auth.Settings{TTL: cfg.SessionTTL, Recheck: cfg.SessionRecheck, Limits: auth.DefaultLimits}),
		Tokens: auth.NewTokens(f.db, cfg.SessionRecheck),
	})
}

// watchedCache returns a tile cache kept by a tile change watcher on db, once it listens; store
// says whether the watcher keeps the shared tile store too.
func watchedCache(t *testing.T, ctx context.Context, db *postgis.DB, store bool) *tiles.Cache {
	t.Helper()
	cache := tiles.NewCache(32 << 20)
	go (&postgis.TileChanges{Store: store}).Watch(ctx, db, cache, slog.New(slog.DiscardHandler))
	waitFor(t, "the tile change watcher", cache.Tracking)
	return cache
}

// login logs in through the API and returns the session cookie and CSRF token.
func (f *fixture) login(t *testing.T, user, password string) session {
	t.Helper()
	rec := f.do(t, "", http.MethodPost, "/api/v1/login", `{"username":"`+user+`","password":"`+password+`"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, rec.Code, rec.Body.String())
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	json.Unmarshal(rec.Body.Bytes(), &me)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "renewmap_session" {
			return session{cookie: c, csrf: me.CSRFToken}
		}
	}
	t.Fatalf("login %s set no session cookie", user)
	return session{}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches path as the admin, with extra header name/value pairs.
func (f *fixture) get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return f.as(t, renew.RoleAdmin, http.MethodGet, path, "", header...)
}

// as sends a request as role ("" = nobody logged in); a state-changing request carries the
// session's CSRF token unless the headers say otherwise.
func (f *fixture) as(t *testing.T, role renew.Role, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var h []string
	if s, ok := f.sessions[role]; ok && role != "" {
		if method != http.MethodGet && method != http.MethodHead {
			h = append(h, "X-CSRF-Token", s.csrf)
		}
		h = append(h, "Cookie", s.cookie.Name+"="+s.cookie.Value)
	}
	return f.do(t, "", method, path, body, append(h, header...)...)
}

// do sends a raw request from remote (default 192.0.2.10:1234).
func (f *fixture) do(t *testing.T, remote, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if remote != "" {
		req.RemoteAddr = remote
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	return rec
}
