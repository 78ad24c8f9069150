// Package pgtest gives each test its own freshly migrated PostGIS database, copied from a
// template that is migrated once per set of migrations, so tests run in parallel and never see
// each other's rows. The server comes from RENEWMAP_TEST_DATABASE_URL or DATABASE_URL (make test
// sets it); without one the test fails, it is never silently skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/access"
	"renewmap/internal/postgis"
)

// templateLock serialises the creation of the template across test binaries.
const templateLock = 7_346_012_022

// URL returns the test server's URL, failing the test when none is configured.
func URL(t testing.TB) string {
	t.Helper()
	for _, k := range []string{"RENEWMAP_TEST_DATABASE_URL", "DATABASE_URL"} {
		if u := os.Getenv(k); u != "" {
			return u
		}
	}
	t.Fatal("no test database: set DATABASE_URL (make test starts a private PostGIS and sets it)")
	return ""
}

// New returns a pool on a new database holding the migrated, empty schema. The database is
// dropped when the test ends.
func New(t testing.TB) (*postgis.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := URL(t)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close(context.Background())
	tmpl, err := ensureTemplate(ctx, admin, base)
	if err != nil {
		t.Fatalf("test template: %v", err)
	}
	name := "renewmap_t_" + randomHex(6)
	// Copies from one template can collide when another copy is starting; retry briefly.
	for attempt := 0; ; attempt++ {
		_, err = admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl))
		if err == nil || attempt == 20 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	url := withDatabase(t, base, name)
	db, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return db, url
}

// ensureTemplate creates and migrates the template database for the current migrations, once.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	migs, err := postgis.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range migs {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Name, m.SQL)
	}
	name := "renewmap_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock) //nolint:errcheck
	var ready bool
	err = admin.QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&ready)
	if err != nil || ready {
		return name, err
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, err := replaceDatabase(base, name)
	if err != nil {
		return "", err
	}
	db, err := postgis.Open(ctx, u, postgis.Options{})
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	// Marked a template only once migrated, so a crash half-way leaves no usable broken template.
	_, err = admin.Exec(ctx, "ALTER DATABASE "+name+" WITH IS_TEMPLATE true")
	return name, err
}

func withDatabase(t testing.TB, base, name string) string {
	u, err := replaceDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func replaceDatabase(base, name string) (string, error) {
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		return "", fmt.Errorf("parse test database URL: %w", err)
	}
	ssl := "disable"
	if cfg.TLSConfig != nil {
		ssl = "require"
	}
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=%s",
		cfg.User, cfg.Password, cfg.Host, cfg.Port, name, ssl), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Engine builds the walk-network engine from what db holds now, with the default options.
func Engine(t testing.TB, db *postgis.DB) *access.Engine {
	t.Helper()
	in, err := db.LoadNetwork(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e, err := access.Build(in, access.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
