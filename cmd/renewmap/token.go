package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"renewmap/internal/auth"
	"renewmap/internal/renew"
)

const tokenUsage = "usage: renewmap token add USER [-name N] [-expires 90d|12h|never] | list [USER] | revoke ID"

// token manages personal access tokens (docs/qgis.md): add, list, revoke.
func token(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return fmt.Errorf(tokenUsage)
	}
	verb := args[0]
	name, expires := "命令行创建", "90d"
	db, rest, err := openFromFlags(ctx, "token "+verb, args[1:], e, func(fs *flag.FlagSet) {
		if verb == "add" {
			fs.StringVar(&name, "name", name, "what the token is for (e.g. QGIS 办公室电脑)")
			fs.StringVar(&expires, "expires", expires, "lifetime: days (90d), a duration (12h) or never")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	tokens := auth.NewTokens(db, 0)
	audit := renew.AuditEntry{Actor: cliActor, Address: "localhost"}
	switch {
	case verb == "add" && len(rest) == 1:
		ttl, err := auth.ParseTTL(expires)
		if err != nil {
			return err
		}
		tok, at, err := tokens.Create(ctx, rest[0], name, ttl, audit)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created token %d %q of %s, expires %s\n", at.ID, at.Name, at.Username, when(at.ExpiresAt, "never"))
		fmt.Fprintf(e.stdout, "token: %s\n", tok)
		return nil
	case verb == "list" && len(rest) <= 1:
		user := ""
		if len(rest) == 1 {
			user = rest[0]
		}
		ts, err := tokens.List(ctx, user)
		if err != nil {
			return err
		}
		for _, t := range ts {
			state := "active"
			switch {
			case t.RevokedAt != nil:
				state = "revoked " + when(t.RevokedAt, "")
			case t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()):
				state = "expired"
			}
			fmt.Fprintf(e.stdout, "%-5d %-16s %-10s %-20s expires %-16s used %d× (last %s) %s\n",
				t.ID, t.Username, t.Hint+"…", t.Name, when(t.ExpiresAt, "never"), t.Requests, when(t.LastUsedAt, "never"), state)
		}
		return nil
	case verb == "revoke" && len(rest) == 1:
		id, err := strconv.Atoi(rest[0])
		if err != nil || id < 1 {
			return fmt.Errorf("token id %q: a positive integer (see renewmap token list)", rest[0])
		}
		at, err := tokens.Revoke(ctx, "", id, audit)
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		fmt.Fprintf(e.stdout, "revoked token %d %q of %s\n", at.ID, at.Name, at.Username)
		return nil
	}
	return fmt.Errorf(tokenUsage)
}

// when formats an optional time; none when it is nil.
func when(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Local().Format("2006-01-02 15:04")
}
