package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"renewmap/internal/auth"
	"renewmap/internal/renew"
)

const userColumns = "id, username, display_name, role, disabled, created_at"

func scanUser(r pgx.Row, extra ...any) (renew.User, error) {
	var u renew.User
	err := r.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.Disabled, &u.CreatedAt}, extra...)...)
	return u, err
}

// UserByName returns the user called username (any case) and its password hash.
func (db *DB) UserByName(ctx context.Context, username string) (renew.User, string, error) {
	var hash string
	u, err := scanUser(db.Pool.QueryRow(ctx,
		"SELECT "+userColumns+", password_hash FROM users WHERE lower(username) = lower($1)", username), &hash)
	return u, hash, mapError(err, "user by name")
}

// Users lists every account.
func (db *DB) Users(ctx context.Context) ([]renew.User, error) {
	rows, err := db.Pool.Query(ctx, "SELECT "+userColumns+" FROM users ORDER BY lower(username)")
	if err != nil {
		return nil, mapError(err, "users")
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.User, error) { return scanUser(r) })
	return us, mapError(err, "users")
}

// CountUsers returns the number of accounts.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, mapError(err, "count users")
}

// CreateUser adds an account; renew.ErrConflict when the name is taken.
func (db *DB) CreateUser(ctx context.Context, u renew.User, passwordHash string, a renew.AuditEntry) (renew.User, error) {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
			RETURNING `+userColumns, u.Username, u.DisplayName, u.Role, passwordHash))
		if err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.After = "create", "users", fmt.Sprint(u.ID), u
		return audit(ctx, tx, a)
	})
	if err != nil {
		return renew.User{}, conflictAs(mapError(err, "create user"), "用户名已存在 (username taken)")
	}
	return u, nil
}

// UpdateUser applies a change to the account called username, ends its sessions when its
// password, role or state changed, forgets its failed logins with a new password, and audits it. renew.ErrNotFound when there is no such user.
func (db *DB) UpdateUser(ctx context.Context, username string, c auth.UserChange, a renew.AuditEntry) (renew.User, error) {
	var after renew.User
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		before, err := scanUser(tx.QueryRow(ctx,
			"SELECT "+userColumns+" FROM users WHERE lower(username) = lower($1) FOR UPDATE", username))
		if err != nil {
			return err
		}
		after, err = scanUser(tx.QueryRow(ctx, `
			UPDATE users SET role = coalesce($2, role), display_name = coalesce($3, display_name),
			       disabled = coalesce($4, disabled), password_hash = coalesce($5, password_hash),
			       password_changed_at = CASE WHEN $5::text IS NULL THEN password_changed_at ELSE now() END
			WHERE id = $1 RETURNING `+userColumns, before.ID, c.Role, c.DisplayName, c.Disabled, c.PasswordHash))
		if err != nil {
			return err
		}
		if c.PasswordHash != nil || before.Role != after.Role || after.Disabled {
			if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1", after.ID); err != nil {
				return err
			}
		}
		if c.PasswordHash != nil {
			// A new password starts without the old one's failed logins.
			if _, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE account = lower($1)", after.Username); err != nil {
				return err
			}
		}
		a.Action, a.Table, a.RowID, a.Before, a.After = "update", "users", fmt.Sprint(after.ID), before, after
		if c.PasswordHash != nil {
			a.Action = "password"
		}
		return audit(ctx, tx, a)
	})
	return after, mapError(err, "update user")
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, tokenHash []byte, userID int, csrf string, expires time.Time, address string) error {
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, address) VALUES ($1, $2, $3, $4, $5)`,
		tokenHash, userID, csrf, expires, address)
	if err == nil {
		// Expired sessions are swept now and then by the logins that create new ones.
		_, err = db.Pool.Exec(ctx, "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'")
	}
	return mapError(err, "create session")
}

// SessionByHash returns an unexpired session of an enabled user.
func (db *DB) SessionByHash(ctx context.Context, tokenHash []byte, now time.Time) (renew.Session, error) {
	var s renew.Session
	u, err := scanUser(db.Pool.QueryRow(ctx, `
		SELECT u.id, u.username, u.display_name, u.role, u.disabled, u.created_at, s.csrf_token, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, tokenHash, now), &s.CSRFToken, &s.ExpiresAt)
	s.User = u
	return s, mapError(err, "session")
}

// ExtendSession moves a session's expiry.
func (db *DB) ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error {
	_, err := db.Pool.Exec(ctx, "UPDATE sessions SET expires_at = $2 WHERE token_hash = $1", tokenHash, expires)
	return mapError(err, "extend session")
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.Pool.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash)
	return mapError(err, "delete session")
}

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e renew.AuditEntry) error {
	return mapError(audit(ctx, db.Pool, e), "audit")
}

func audit(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, e renew.AuditEntry) error {
	before, err := jsonOrNil(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(e.After)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `
		INSERT INTO audit_log (actor, address, action, table_name, row_id, before, after)
		VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), $6, $7)`,
		e.Actor, e.Address, e.Action, e.Table, e.RowID, before, after)
	return err
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// AuditLog returns up to limit entries older than beforeID (0: the newest), newest first.
func (db *DB) AuditLog(ctx context.Context, beforeID int64, limit int) ([]renew.AuditEntry, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT id, at, coalesce(actor, ''), coalesce(address, ''), action, coalesce(table_name, ''),
		       coalesce(row_id, ''), before, after
		FROM audit_log WHERE $1::bigint = 0 OR id < $1 ORDER BY id DESC LIMIT $2`, beforeID, limit)
	if err != nil {
		return nil, mapError(err, "audit log")
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.AuditEntry, error) {
		var e renew.AuditEntry
		var before, after []byte
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Address, &e.Action, &e.Table, &e.RowID, &before, &after)
		if before != nil {
			e.Before = json.RawMessage(before)
		}
		if after != nil {
			e.After = json.RawMessage(after)
		}
		return e, err
	})
	return es, mapError(err, "audit log")
}

// conflictAs replaces the message of an ErrConflict error with a user-safe one.
func conflictAs(err error, msg string) error {
	if err != nil && errors.Is(err, renew.ErrConflict) {
		// The message itself, not a "%s" format: a literal Chinese message loses its English
		// gloss on the way to the user (the catalogue's rule); a formatted argument would not.
		return &renew.Error{Kind: renew.ErrConflict, Msg: msg}
	}
	return err
}
