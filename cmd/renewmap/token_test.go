package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A token made on the command line is printed once, listed by its hint, and revoked.
func TestTokenCommands(t *testing.T) {
	t.Parallel()
	db, e, out := commandEnv(t)
	ctx := context.Background()
	if err := run(ctx, []string{"user", "add", "li", "-role", "designer"}, e); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"token", "add", "li", "-name", "QGIS 设计院", "-expires", "7d"}, e); err != nil {
		t.Fatalf("token add: %v\n%s", err, out.String())
	}
	tok := regexp.MustCompile(`token: (rmt_\S+)`).FindStringSubmatch(out.String())
	if tok == nil {
		t.Fatalf("no token printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "list"}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "QGIS 设计院") || !strings.Contains(out.String(), tok[1][:8]) || strings.Contains(out.String(), tok[1]) {
		t.Errorf("list shows not the hint, or the whole token:\n%s", out.String())
	}
	var id int
	db.Pool.QueryRow(ctx, "SELECT id FROM access_tokens").Scan(&id)
	if err := run(ctx, []string{"token", "revoke", strconv.Itoa(id)}, e); err != nil {
		t.Fatal(err)
	}
	var revoked bool
	db.Pool.QueryRow(ctx, "SELECT revoked_at IS NOT NULL FROM access_tokens WHERE id = $1", id).Scan(&revoked)
	if !revoked {
		t.Error("token not revoked")
	}
	for _, bad := range [][]string{
		{"token", "add", "nobody"}, {"token", "add", "li", "-expires", "1y"}, {"token", "revoke", strconv.Itoa(id)}, {"token", "revoke", "x"}, {"token"},
	} {
		if err := run(ctx, bad, e); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}
