package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"renewmap/internal/auth"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
)

// cliActor is the audit log's actor for changes made on the command line.
const cliActor = "命令行 (command line)"

// user manages accounts: add, passwd, role, unlock, list.
func user(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: renewmap user add NAME -role ROLE | passwd NAME | role NAME ROLE | unlock NAME | zones NAME [街道CODE...] | list  [-password-stdin]")
	}
	verb := args[0]
	var role, display string
	var fromStdin bool
	db, rest, err := openFromFlags(ctx, "user "+verb, args[1:], e, func(fs *flag.FlagSet) {
		if verb == "add" {
			fs.StringVar(&role, "role", "viewer", "viewer, planner, designer, leader or admin")
			fs.StringVar(&display, "name", "", "display name (e.g. 张三 区住建局)")
		}
		if verb == "add" || verb == "passwd" {
			fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	audit := renew.AuditEntry{Actor: cliActor, Address: "localhost"}
	switch {
	case verb == "list" && len(rest) == 0:
		us, err := db.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			state := ""
			if u.Disabled {
				state = " (disabled)"
			}
			fmt.Fprintf(e.stdout, "%-20s %-9s %s%s\n", u.Username, u.Role, u.DisplayName, state)
		}
		return nil
	case verb == "add" && len(rest) == 1:
		password, generated, err := newPassword(fromStdin)
		if err != nil {
			return err
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		r := renew.Role(role)
		if !r.Valid() {
			return fmt.Errorf("role %q: one of viewer, planner, designer, leader, admin", role)
		}
		u, err := db.CreateUser(ctx, renew.User{Username: rest[0], DisplayName: display, Role: r}, hash, audit)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created %s (%s)\n", u.Username, u.Role)
		if generated {
			fmt.Fprintf(e.stdout, "password: %s\n", password)
		}
		return nil
	case verb == "passwd" && len(rest) == 1:
		password, generated, err := newPassword(fromStdin)
		if err != nil {
			return err
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if _, err := db.UpdateUser(ctx, rest[0], auth.UserChange{PasswordHash: &hash}, audit); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed; its sessions ended\n", rest[0])
		if generated {
			fmt.Fprintf(e.stdout, "password: %s\n", password)
		}
		return nil
	case verb == "zones" && len(rest) >= 1:
		// Limits a planner's map edits to these 街道 (docs/editing.md); no codes lifts the limit.
		if err := db.SetEditZones(ctx, rest[0], rest[1:], audit); err != nil {
			return err
		}
		if len(rest) == 1 {
			fmt.Fprintf(e.stdout, "%s may edit the map everywhere\n", rest[0])
		} else {
			fmt.Fprintf(e.stdout, "%s may edit the map only in %s\n", rest[0], strings.Join(rest[1:], ", "))
		}
		return nil
	case verb == "role" && len(rest) == 2:
		r := renew.Role(rest[1])
		if !r.Valid() {
			return fmt.Errorf("role %q: one of viewer, planner, designer, leader, admin", rest[1])
		}
		if _, err := db.UpdateUser(ctx, rest[0], auth.UserChange{Role: &r}, audit); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s is now %s\n", rest[0], r)
		return nil
	case verb == "unlock" && len(rest) == 1:
		n, err := db.UnlockLogin(ctx, rest[0], audit)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "failed logins of %s forgotten (%d counts cleared)\n", rest[0], n)
		return nil
	}
	return fmt.Errorf("usage: renewmap user add NAME -role ROLE | passwd NAME | role NAME ROLE | unlock NAME | zones NAME [街道CODE...] | list")
}

// newPassword reads a password from standard input, or generates one.
func newPassword(fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return auth.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// ensureAdmin creates the first administrator when there are no accounts, and returns its
// one-time password ("" when accounts exist).
func ensureAdmin(ctx context.Context, db *postgis.DB) (string, error) {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	password := auth.GeneratePassword()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	_, err = db.CreateUser(ctx, renew.User{Username: "admin", DisplayName: "管理员", Role: renew.RoleAdmin}, hash,
		renew.AuditEntry{Actor: "首次启动 (first start)", Address: "localhost"})
	return password, err
}
