package postgis

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/renew"
)

// throttleKey names one login_throttle row; pair is true for an (account, address) pair, whose
// failures expire Window after the last one (so a persistent client keeps its delay), where the
// account-wide and address-wide counts start afresh Window after their first failure.
type throttleKey struct {
	account, address string
	pair             bool
}

// throttleRow locks (creating it when missing) one row and restarts its count when its window is
// over.
const throttleRow = `
	INSERT INTO login_throttle AS t (account, address) VALUES ($1, $2)
	ON CONFLICT (account, address) DO UPDATE SET
	  failures = CASE WHEN (CASE WHEN $3 THEN t.last_at ELSE t.first_at END) < now() - $4::interval THEN 0 ELSE t.failures END,
	  first_at = CASE WHEN (CASE WHEN $3 THEN t.last_at ELSE t.first_at END) < now() - $4::interval THEN now() ELSE t.first_at END
	RETURNING failures, first_at, last_at, now()`

// ReserveLogin decides whether a login attempt of username from address may have its password
// checked now, and if so counts it as a failure before the check (FinishLogin takes it back on
// success). The rows are locked in one order (pair, account, address) within one transaction,
// so concurrent attempts are counted one after the other. A refused attempt is added to the
// pair's aggregated audit row.
func (db *DB) ReserveLogin(ctx context.Context, username, address string, lim renew.LoginLimits) (renew.LoginGate, error) {
	account := strings.ToLower(username)
	var gate renew.LoginGate
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		gate = renew.LoginGate{}
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM login_known WHERE account = $1 AND address = $2)",
			account, address).Scan(&gate.Familiar); err != nil {
			return err
		}
		keys := []throttleKey{{account, address, true}}
		if !gate.Familiar {
			keys = append(keys, throttleKey{account, "", false}, throttleKey{"", address, false})
		}
		limits := []int{lim.PerPair, lim.PerAccount, lim.PerAddress}
		for i, k := range keys {
			var failures int
			var first, last, now time.Time
			if err := tx.QueryRow(ctx, throttleRow, k.account, k.address, k.pair, lim.Window).Scan(&failures, &first, &last, &now); err != nil {
				return err
			}
			if failures < limits[i] {
				continue
			}
			until := first.Add(lim.Window)
			if k.pair {
				until = last.Add(pairDelay(lim, failures))
			}
			if wait := until.Sub(now); wait > gate.RetryAfter {
				gate.RetryAfter = wait
			}
		}
		if gate.RetryAfter > 0 {
			return auditLoginFailure(ctx, tx, account, address, "refused", lim.Window)
		}
		gate.Allowed = true
		for _, k := range keys {
			if _, err := tx.Exec(ctx, "UPDATE login_throttle SET failures = failures + 1, last_at = now() WHERE account = $1 AND address = $2",
				k.account, k.address); err != nil {
				return err
			}
		}
		return nil
	})
	return gate, mapError(err, "reserve login")
}

// pairDelay is how long a pair that failed failures times waits after its last failure.
func pairDelay(lim renew.LoginLimits, failures int) time.Duration {
	d := lim.Delay
	for i := lim.PerPair; i < failures && d < lim.MaxDelay; i++ {
		d *= 2
	}
	return min(d, lim.MaxDelay)
}

// FinishLogin records the outcome of a check that ReserveLogin allowed. A success forgets the
// pair's failures, gives back the reservation on the account-wide and address-wide counts, and
// makes the address familiar; a failure stays counted and is added to the pair's aggregated
// audit row.
func (db *DB) FinishLogin(ctx context.Context, username, address string, gate renew.LoginGate, ok bool, lim renew.LoginLimits) error {
	account := strings.ToLower(username)
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if !ok {
			var f int
			var a, b, c time.Time
			if err := tx.QueryRow(ctx, throttleRow, account, address, true, lim.Window).Scan(&f, &a, &b, &c); err != nil {
				return err
			}
			return auditLoginFailure(ctx, tx, account, address, "failed", lim.Window)
		}
		if !gate.Familiar {
			if _, err := tx.Exec(ctx, `UPDATE login_throttle SET failures = greatest(failures - 1, 0)
				WHERE (account = $1 AND address = '') OR (account = '' AND address = $2)`, account, address); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE account = $1 AND address = $2", account, address); err != nil {
			return err
		}
		// Rows of long-finished windows are swept by the logins that succeed.
		if _, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE last_at < now() - $1::interval - interval '1 day'", lim.Window); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO login_known (account, address) VALUES ($1, $2)
			ON CONFLICT (account, address) DO UPDATE SET last_ok = now()`, account, address)
		return err
	})
	return mapError(err, "finish login")
}

// auditLoginFailure adds one failed ("failed") or refused ("refused") attempt to the aggregated
// audit row of the pair's window: {"failed": n, "refused": n, "first": time, "last": time}. The
// caller holds the pair's row lock, so one window has one row.
func auditLoginFailure(ctx context.Context, tx pgx.Tx, account, address, field string, window time.Duration) error {
	tag, err := tx.Exec(ctx, `
		UPDATE audit_log a SET after = a.after
		  || jsonb_build_object($3::text, coalesce((a.after->>$3)::int, 0) + 1, 'last', now())
		FROM login_throttle t
		WHERE t.account = $1 AND t.address = $2 AND a.id = t.audit_id AND a.at > now() - $4::interval`,
		account, address, field, window)
	if err != nil || tag.RowsAffected() > 0 {
		return err
	}
	_, err = tx.Exec(ctx, `
		WITH a AS (
		  INSERT INTO audit_log (actor, address, action, after)
		  VALUES ($1, $2, 'login_failed', jsonb_build_object('failed', 0, 'refused', 0, 'first', now(), 'last', now())
		    || jsonb_build_object($3::text, 1))
		  RETURNING id)
		UPDATE login_throttle SET audit_id = (SELECT id FROM a) WHERE account = $1 AND address = $2`,
		account, address, field)
	return err
}

// LoginThrottles lists the counts of the current windows, those that refuse checks first.
func (db *DB) LoginThrottles(ctx context.Context, lim renew.LoginLimits) ([]renew.LoginThrottle, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT account, address, failures, first_at, last_at, now() FROM login_throttle
		WHERE failures > 0 AND last_at > now() - $1::interval
		ORDER BY failures DESC, last_at DESC LIMIT 200`, lim.Window)
	if err != nil {
		return nil, mapError(err, "login throttles")
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.LoginThrottle, error) {
		var t renew.LoginThrottle
		var now time.Time
		err := r.Scan(&t.Account, &t.Address, &t.Failures, &t.FirstAt, &t.LastAt, &now)
		until := t.FirstAt.Add(lim.Window)
		limit := lim.PerAccount
		switch {
		case t.Account != "" && t.Address != "":
			until, limit = t.LastAt.Add(pairDelay(lim, t.Failures)), lim.PerPair
		case t.Account == "":
			limit = lim.PerAddress
		}
		if t.Failures >= limit && until.After(now) {
			t.Until = until
		}
		return t, err
	})
	return ts, mapError(err, "login throttles")
}

// UnlockLogin forgets every failure counted against the account called username (from every
// address) and audits it; it returns how many counts were cleared.
func (db *DB) UnlockLogin(ctx context.Context, username string, a renew.AuditEntry) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE account = lower($1)", username)
		if err != nil {
			return err
		}
		n = int(tag.RowsAffected())
		a.Action, a.Table, a.RowID = "unlock", "users", strings.ToLower(username)
		return audit(ctx, tx, a)
	})
	return n, mapError(err, "unlock login")
}
