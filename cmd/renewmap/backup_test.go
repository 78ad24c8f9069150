package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
)

// A backup restores: dump a database with data and an account, restore it into a fresh
// database, serve that, and the data and the login are there.
func TestBackupRestores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, src := pgtest.New(t)
	fixture, err := os.ReadFile("../../internal/httpapi/testdata/fixture.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, string(fixture)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "add", "zhang", "-role", "planner"}, dbEnv(src, &out)); err != nil {
		t.Fatal(err)
	}
	_, password, _ := strings.Cut(out.String(), "password: ")
	password = strings.TrimSpace(password)
	archive := filepath.Join(t.TempDir(), "renewmap.dump")
	out.Reset()
	if err := run(ctx, []string{"backup", "-out", archive}, dbEnv(src, &out)); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	ms, err := postgis.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("backup of schema version %d", ms[len(ms)-1].Version); !strings.Contains(out.String(), want) {
		t.Errorf("backup says %q", out.String())
	}

	dst := emptyDatabase(t)
	out.Reset()
	if err := run(ctx, []string{"restore", archive}, dbEnv(dst, &out)); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"restore", archive}, dbEnv(dst, &out)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second restore into the same database: %v, want refused", err)
	}
	base, stop := startServe(t, map[string]string{"DATABASE_URL": dst}, "-load-demo=false")
	defer stop()
	if got := waitStatus(t, base+"/readyz", 200, 60*time.Second); got != 200 {
		t.Fatalf("/readyz of the restored database = %d", got)
	}
	c, _ := loginAs(t, base, "zhang", password)
	resp, err := c.Get(base + "/api/v1/communities?q=机械")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "机械厂家属楼") {
		t.Errorf("search in the restored database: %d %s", resp.StatusCode, body)
	}
}

// emptyDatabase creates a database with nothing in it on the test server, dropped at the end.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	base := pgtest.URL(t)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("renewmap_restore_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
