package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"renewmap/internal/auth"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// The account commands take their flags anywhere, and what they do is in the database.
func TestUserCommands(t *testing.T) {
	t.Parallel()
	db, e, out := commandEnv(t)
	ctx := context.Background()
	for _, args := range [][]string{
		{"user", "add", "zhang", "-role", "planner", "-name", "张三"},
		{"user", "role", "zhang", "designer"},
		{"user", "passwd", "zhang"},
		{"user", "zones", "zhang"},
		{"user", "list"},
	} {
		if err := run(ctx, args, e); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
	}
	if !strings.Contains(out.String(), "password: ") || !strings.Contains(out.String(), "zhang may edit the map everywhere") {
		t.Errorf("output lacks the generated password or the listing:\n%s", out.String())
	}
	var role string
	db.Pool.QueryRow(ctx, "SELECT role FROM users WHERE username = 'zhang'").Scan(&role)
	if role != "designer" {
		t.Errorf("role %q, want designer", role)
	}
	var audited int
	db.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE table_name = 'users'").Scan(&audited)
	if audited != 3 {
		t.Errorf("%d audit rows for the three changes", audited)
	}
	for _, bad := range [][]string{{"user", "add", "x", "-role", "king"}, {"user", "role", "nobody", "viewer"}, {"user", "fly"},
		{"user", "zones", "nobody"}, {"user", "zones", "zhang", "no-such-街道"}} {
		if err := run(ctx, bad, e); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}

// `user unlock` and `user passwd` forget an account's failed logins: its owner gets in again
// from anywhere.
func TestUnlockForgetsFailedLogins(t *testing.T) {
	t.Parallel()
	db, e, _ := commandEnv(t)
	ctx := context.Background()
	if err := run(ctx, []string{"user", "add", "li", "-role", "viewer"}, e); err != nil {
		t.Fatal(err)
	}
	lim := auth.DefaultLimits
	refused := func() bool {
		g, err := db.ReserveLogin(ctx, "li", "198.51.100.1", lim)
		if err != nil {
			t.Fatal(err)
		}
		return !g.Allowed
	}
	for _, verb := range []string{"unlock", "passwd"} {
		for range lim.PerPair {
			g, _ := db.ReserveLogin(ctx, "li", "198.51.100.1", lim)
			db.FinishLogin(ctx, "li", "198.51.100.1", g, false, lim)
		}
		if !refused() {
			t.Fatalf("before %s: %d failures did not delay the client", verb, lim.PerPair)
		}
		if err := run(ctx, []string{"user", verb, "li"}, e); err != nil {
			t.Fatal(err)
		}
		if refused() {
			t.Errorf("after user %s the client is still refused", verb)
		}
		db.FinishLogin(ctx, "li", "198.51.100.1", renew.LoginGate{Allowed: true}, true, lim)
	}
}

// commandEnv is a migrated test database and an env whose DATABASE_URL names it, writing to out.
func commandEnv(t *testing.T) (*postgis.DB, *env, *bytes.Buffer) {
	t.Helper()
	db, url := pgtest.New(t)
	out := &bytes.Buffer{}
	return db, dbEnv(url, out), out
}

// dbEnv is a command environment with DATABASE_URL set to url and both outputs going to out.
func dbEnv(url string, out *bytes.Buffer) *env {
	return &env{stdout: out, stderr: out, getenv: func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}}
}
