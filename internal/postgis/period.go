package postgis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/renew"
	"renewmap/internal/residents"
)

// noticePeriod returns the 公示期 and feedback channel of a plan, nil when none is set.
func (db *DB) noticePeriod(ctx context.Context, planID int) (*residents.NoticePeriod, error) {
	var o, c time.Time
	var p residents.NoticePeriod
	err := db.Pool.QueryRow(ctx, `SELECT opens_on, closes_on, feedback FROM plan_notices WHERE plan_id = $1`, planID).
		Scan(&o, &c, &p.Feedback)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapError(err, "notice period")
	}
	p.OpensOn, p.ClosesOn = renew.DateOf(o), renew.DateOf(c)
	return &p, nil
}

// SetNoticePeriod sets the 公示期 and feedback channel of plan id, audited. renew.ErrNotFound
// when there is no such plan.
func (db *DB) SetNoticePeriod(ctx context.Context, id int, p residents.NoticePeriod, a renew.AuditEntry) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO plan_notices (plan_id, opens_on, closes_on, feedback)
			SELECT id, $2, $3, $4 FROM plans WHERE id = $1
			ON CONFLICT (plan_id) DO UPDATE SET opens_on = $2, closes_on = $3, feedback = $4, updated_at = now()`,
			id, p.OpensOn.Time(), p.ClosesOn.Time(), p.Feedback)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return renew.NotFound("没有编号为 %d 的改造方案 (no such plan)", id)
		}
		a.Action, a.Table = "update", "plan_notices"
		a.RowID = strconv.Itoa(id)
		a.After = p
		return audit(ctx, tx, a)
	})
	return mapError(err, "set notice period")
}
