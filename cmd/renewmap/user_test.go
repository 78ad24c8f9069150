package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"renewmap/internal/postgis/pgtest"
)

// The account commands take their flags anywhere, and what they do is in the database.
func TestUserCommands(t *testing.T) {
	t.Parallel()
	db, url := pgtest.New(t)
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, getenv: func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}}
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
