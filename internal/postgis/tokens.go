package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/renew"
)

const tokenColumns = `t.id, u.username, t.name, t.hint, t.created_at, t.expires_at, t.revoked_at, t.last_used_at,
	coalesce((SELECT sum(requests) FROM token_uses WHERE token_id = t.id), 0)`

func scanToken(r pgx.Row) (renew.AccessToken, error) {
	var t renew.AccessToken
	err := r.Scan(&t.ID, &t.Username, &t.Name, &t.Hint, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt, &t.Requests)
	return t, err
}

// CreateToken stores a new access token of the user called username under the hash of the
// token, and audits it. renew.ErrNotFound when there is no such user.
func (db *DB) CreateToken(ctx context.Context, username, name string, hash []byte, hint string, expires *time.Time, a renew.AuditEntry) (renew.AccessToken, error) {
	var t renew.AccessToken
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var id int
		err := tx.QueryRow(ctx, `
			INSERT INTO access_tokens (user_id, name, token_hash, hint, expires_at)
			SELECT id, $2, $3, $4, $5 FROM users WHERE lower(username) = lower($1)
			RETURNING id`, username, name, hash, hint, expires).Scan(&id)
		if err != nil {
			return err
		}
		if t, err = scanToken(tx.QueryRow(ctx, "SELECT "+tokenColumns+
			" FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1", id)); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.After = "token_create", "access_tokens", fmt.Sprint(id), t
		return audit(ctx, tx, a)
	})
	return t, mapError(err, "create token")
}

// Tokens lists the tokens of the user called username (every user's when it is ""), newest first.
func (db *DB) Tokens(ctx context.Context, username string) ([]renew.AccessToken, error) {
	rows, err := db.Pool.Query(ctx, "SELECT "+tokenColumns+`
		FROM access_tokens t JOIN users u ON u.id = t.user_id
		WHERE $1 = '' OR lower(u.username) = lower($1) ORDER BY t.id DESC`, username)
	if err != nil {
		return nil, mapError(err, "tokens")
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.AccessToken, error) { return scanToken(r) })
	return ts, mapError(err, "tokens")
}

// RevokeToken revokes the token id, when it belongs to the user called username (any user's
// when username is ""), and audits it. renew.ErrNotFound when there is no such unrevoked token.
func (db *DB) RevokeToken(ctx context.Context, username string, id int, a renew.AuditEntry) (renew.AccessToken, error) {
	var t renew.AccessToken
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE access_tokens t SET revoked_at = now() FROM users u
			WHERE t.id = $1 AND u.id = t.user_id AND t.revoked_at IS NULL
			  AND ($2 = '' OR lower(u.username) = lower($2))`, id, username)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		if t, err = scanToken(tx.QueryRow(ctx, "SELECT "+tokenColumns+
			" FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1", id)); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.After = "token_revoke", "access_tokens", fmt.Sprint(id), t
		return audit(ctx, tx, a)
	})
	return t, mapError(err, "revoke token")
}

// TokenByHash returns the id of the unrevoked, unexpired token stored under hash and its
// enabled owner. renew.ErrNotFound otherwise.
func (db *DB) TokenByHash(ctx context.Context, hash []byte, now time.Time) (int, renew.User, error) {
	var id int
	u, err := scanUser(db.Pool.QueryRow(ctx, `
		SELECT u.id, u.username, u.display_name, u.role, u.disabled, u.created_at, t.id
		FROM access_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
		  AND NOT u.disabled`, hash, now), &id)
	return id, u, mapError(err, "token")
}

// RecordTokenUses adds counted requests to the tokens' hourly audit rows and moves their
// last use.
func (db *DB) RecordTokenUses(ctx context.Context, uses []renew.TokenUse) error {
	if len(uses) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, u := range uses {
		b.Queue(`
			INSERT INTO token_uses (token_id, hour, address, requests) VALUES ($1, $2, $3, $4)
			ON CONFLICT (token_id, hour, address) DO UPDATE SET requests = token_uses.requests + excluded.requests`,
			u.TokenID, u.Hour, u.Address, u.Requests)
		b.Queue("UPDATE access_tokens SET last_used_at = greatest(last_used_at, now()) WHERE id = $1", u.TokenID)
	}
	return mapError(db.Pool.SendBatch(ctx, b).Close(), "record token uses")
}
