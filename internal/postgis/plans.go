package postgis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"renewmap/internal/programme"
	"renewmap/internal/renew"
)

// planQuerier is what both the pool and a transaction offer.
type planQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Plans returns the plans f selects, each with its community, items (in menu order) and funding
// (in the order of the funding sources), ordered by code.
func (db *DB) Plans(ctx context.Context, f programme.PlanFilter) ([]renew.Plan, error) {
	ps, err := loadPlans(ctx, db.Pool, f)
	return ps, mapError(err, "plans")
}

// Plan returns one plan; renew.ErrNotFound when there is none with id.
func (db *DB) Plan(ctx context.Context, id int) (renew.Plan, error) {
	ps, err := loadPlans(ctx, db.Pool, programme.PlanFilter{ID: id})
	if err != nil {
		return renew.Plan{}, mapError(err, "plan")
	}
	if len(ps) == 0 {
		return renew.Plan{}, renew.NotFound("没有编号为 %d 的改造方案 (no such plan)", id)
	}
	return ps[0], nil
}

func loadPlans(ctx context.Context, q planQuerier, f programme.PlanFilter) ([]renew.Plan, error) {
	rows, err := q.Query(ctx, `
		SELECT p.id, p.code, p.stage, p.batch, p.batch_year, p.planned_start, p.planned_end,
		       p.actual_start, p.actual_end, p.consent_rate::float8, p.management_after, p.updated_at,
		       c.id, c.code, c.name, s.code, s.name, c.completed_year, c.is_old, c.management,
		       c.building_count, c.households, c.floor_area::float8
		FROM plans p
		JOIN communities c ON c.id = p.community_id
		JOIN subdistricts s ON s.id = c.subdistrict_id
		WHERE ($1 = 0 OR p.id = $1) AND ($2 = '' OR p.stage = $2) AND ($3 = '' OR p.batch = $3)
		  AND ($4 = 0 OR p.batch_year = $4) AND ($5 = '' OR s.code = $5) AND ($6 = 0 OR c.id = $6)
		ORDER BY p.code`, f.ID, f.Stage, f.Batch, f.BatchYear, f.Subdistrict, f.CommunityID)
	if err != nil {
		return nil, err
	}
	var ps []renew.Plan
	var ids []int32
	byID := map[int]int{}
	for rows.Next() {
		var p renew.Plan
		var ps1, pe, as, ae *time.Time
		c := &p.Community
		if err := rows.Scan(&p.ID, &p.Code, &p.Stage, &p.Batch, &p.BatchYear, &ps1, &pe, &as, &ae,
			&p.ConsentRate, &p.ManagementAfter, &p.UpdatedAt,
			&c.ID, &c.Code, &c.Name, &c.Subdistrict, &c.SubdistrictName, &c.CompletedYear, &c.IsOld, &c.Management,
			&c.Buildings, &c.Households, &c.FloorArea); err != nil {
			rows.Close()
			return nil, err
		}
		p.PlannedStart, p.PlannedEnd, p.ActualStart, p.ActualEnd = dateOf(ps1), dateOf(pe), dateOf(as), dateOf(ae)
		p.Items, p.Funding = []renew.PlanItem{}, []renew.Funding{}
		byID[p.ID] = len(ps)
		ids = append(ids, int32(p.ID))
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return ps, nil
	}
	rows, err = q.Query(ctx, `
		SELECT i.plan_id, i.id, i.menu_code, m.name, m.unit, m.goal, (i.quantity * 100)::bigint,
		       (i.unit_cost * 100)::bigint, (i.cost * 100)::bigint, i.department_code, i.status
		FROM plan_items i JOIN renovation_menu m ON m.code = i.menu_code
		WHERE i.plan_id = ANY($1)
		ORDER BY i.plan_id, m.sort, i.id`, ids)
	if err != nil {
		return nil, err
	}
	var planID int
	var it renew.PlanItem
	_, err = pgx.ForEachRow(rows, []any{&planID, &it.ID, &it.MenuCode, &it.MenuName, &it.Unit, &it.Goal, &it.Quantity,
		&it.UnitCost, &it.Cost, &it.Department, &it.Status}, func() error {
		p := &ps[byID[planID]]
		p.Items = append(p.Items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `
		SELECT f.plan_id, f.source, (f.amount * 100)::bigint
		FROM plan_funding f JOIN funding_source_labels l ON l.code = f.source
		WHERE f.plan_id = ANY($1)
		ORDER BY f.plan_id, l.sort`, ids)
	if err != nil {
		return nil, err
	}
	var fu renew.Funding
	_, err = pgx.ForEachRow(rows, []any{&planID, &fu.Source, &fu.Amount}, func() error {
		p := &ps[byID[planID]]
		p.Funding = append(p.Funding, fu)
		return nil
	})
	return ps, err
}

func dateOf(t *time.Time) *renew.Date {
	if t == nil {
		return nil
	}
	d := renew.DateOf(*t)
	return &d
}

func timeOf(d *renew.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time()
	return &t
}

// planRow is what the audit log records of a plan's own row.
type planRow struct {
	Stage           renew.Stage `json:"stage"`
	Batch           string      `json:"batch"`
	BatchYear       *int        `json:"batch_year"`
	PlannedStart    *renew.Date `json:"planned_start"`
	PlannedEnd      *renew.Date `json:"planned_end"`
	ActualStart     *renew.Date `json:"actual_start"`
	ActualEnd       *renew.Date `json:"actual_end"`
	ConsentRate     *float64    `json:"consent_rate"`
	ManagementAfter *string     `json:"management_after"`
	Reason          string      `json:"reason,omitempty"`
}

func rowOf(p *renew.Plan) planRow {
	return planRow{p.Stage, p.Batch, p.BatchYear, p.PlannedStart, p.PlannedEnd, p.ActualStart, p.ActualEnd,
		p.ConsentRate, p.ManagementAfter, ""}
}

// itemRow is what the audit log records of an item.
type itemRow struct {
	PlanID int `json:"plan_id"`
	renew.PlanItem
}

// ChangePlan applies change to the plan with id in one transaction: the plan is locked, checked
// against ifMatch (its updated_at as the caller read it; nil skips the check), changed in memory,
// and what differs is written — the plan row, items added, changed or removed, funding by source
// — each with an audit entry holding before and after, plus a plan_stage_changes row for a stage
// move. It returns the plan as stored. renew.ErrNotFound without such a plan;
// programme.ErrPlanChanged when ifMatch is stale; change's own error otherwise, with nothing
// written.
func (db *DB) ChangePlan(ctx context.Context, id int, ifMatch *time.Time, a renew.AuditEntry, change programme.PlanChange) (renew.Plan, error) {
	var out renew.Plan
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var updated time.Time
		if err := tx.QueryRow(ctx, "SELECT updated_at FROM plans WHERE id = $1 FOR UPDATE", id).Scan(&updated); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return renew.NotFound("没有编号为 %d 的改造方案 (no such plan)", id)
			}
			return err
		}
		if ifMatch != nil && ifMatch.UnixMicro() != updated.UnixMicro() {
			return programme.ErrPlanChanged
		}
		ps, err := loadPlans(ctx, tx, programme.PlanFilter{ID: id})
		if err != nil {
			return err
		}
		before := ps[0]
		after := before.Clone()
		sc, err := change(&after)
		if err != nil {
			return err
		}
		changed, err := writePlan(ctx, tx, &before, &after, sc, a)
		if err != nil {
			return err
		}
		if changed {
			if _, err := tx.Exec(ctx, "UPDATE plans SET updated_at = clock_timestamp() WHERE id = $1", id); err != nil {
				return err
			}
		}
		ps, err = loadPlans(ctx, tx, programme.PlanFilter{ID: id})
		if err != nil {
			return err
		}
		out = ps[0]
		return nil
	})
	return out, mapError(err, "change plan")
}

// writePlan writes what differs between before and after, with audit entries.
func writePlan(ctx context.Context, tx pgx.Tx, before, after *renew.Plan, sc *renew.StageChange, a renew.AuditEntry) (bool, error) {
	id := before.ID
	changed := false
	rb, ra := rowOf(before), rowOf(after)
	if !reflect.DeepEqual(rb, ra) {
		changed = true
		if _, err := tx.Exec(ctx, `
			UPDATE plans SET stage = $2, batch = $3, batch_year = $4, planned_start = $5, planned_end = $6,
			       actual_start = $7, actual_end = $8, consent_rate = $9, management_after = $10
			WHERE id = $1`, id, after.Stage, after.Batch, after.BatchYear, timeOf(after.PlannedStart),
			timeOf(after.PlannedEnd), timeOf(after.ActualStart), timeOf(after.ActualEnd), after.ConsentRate,
			after.ManagementAfter); err != nil {
			return false, err
		}
		e := a
		e.Action, e.Table, e.RowID, e.Before, e.After = "update", "plans", fmt.Sprint(id), rb, ra
		if sc != nil {
			e.Action = "stage"
			ra.Reason = sc.Reason
			e.After = ra
			if _, err := tx.Exec(ctx, `
				INSERT INTO plan_stage_changes (plan_id, from_stage, to_stage, reason, actor)
				VALUES ($1, $2, $3, nullif($4, ''), $5)`, id, sc.From, sc.To, sc.Reason, a.Actor); err != nil {
				return false, err
			}
		}
		if err := audit(ctx, tx, e); err != nil {
			return false, err
		}
	}
	old := map[int]renew.PlanItem{}
	for _, it := range before.Items {
		old[it.ID] = it
	}
	kept := map[int]bool{}
	for i := range after.Items {
		it := &after.Items[i]
		e := a
		e.Table = "plan_items"
		switch prev, ok := old[it.ID]; {
		case it.ID == 0 || !ok:
			if err := tx.QueryRow(ctx, `
				INSERT INTO plan_items (plan_id, menu_code, quantity, unit_cost, department_code, status)
				VALUES ($1, $2, $3::numeric / 100, $4::numeric / 100, $5, $6) RETURNING id`,
				id, it.MenuCode, int64(it.Quantity), int64(it.UnitCost), it.Department, it.Status).Scan(&it.ID); err != nil {
				return false, err
			}
			e.Action, e.RowID, e.After = "create", fmt.Sprint(it.ID), itemRow{id, *it}
		case prev != *it:
			kept[it.ID] = true
			if _, err := tx.Exec(ctx, `
				UPDATE plan_items SET quantity = $2::numeric / 100, unit_cost = $3::numeric / 100,
				       department_code = $4, status = $5
				WHERE id = $1`, it.ID, int64(it.Quantity), int64(it.UnitCost), it.Department, it.Status); err != nil {
				return false, err
			}
			e.Action, e.RowID, e.Before, e.After = "update", fmt.Sprint(it.ID), itemRow{id, prev}, itemRow{id, *it}
		default:
			kept[it.ID] = true
			continue
		}
		changed = true
		if err := audit(ctx, tx, e); err != nil {
			return false, err
		}
	}
	for _, it := range before.Items {
		if kept[it.ID] {
			continue
		}
		changed = true
		if _, err := tx.Exec(ctx, "DELETE FROM plan_items WHERE id = $1", it.ID); err != nil {
			return false, err
		}
		e := a
		e.Action, e.Table, e.RowID, e.Before = "delete", "plan_items", fmt.Sprint(it.ID), itemRow{id, it}
		if err := audit(ctx, tx, e); err != nil {
			return false, err
		}
	}
	oldF := map[string]renew.Dec2{}
	for _, f := range before.Funding {
		oldF[f.Source] = f.Amount
	}
	newF := map[string]renew.Dec2{}
	for _, f := range after.Funding {
		newF[f.Source] = f.Amount
	}
	type fundingRow struct {
		PlanID int        `json:"plan_id"`
		Source string     `json:"source"`
		Amount renew.Dec2 `json:"amount"`
	}
	for _, f := range after.Funding {
		prev, ok := oldF[f.Source]
		if ok && prev == f.Amount {
			continue
		}
		changed = true
		if _, err := tx.Exec(ctx, `
			INSERT INTO plan_funding (plan_id, source, amount) VALUES ($1, $2, $3::numeric / 100)
			ON CONFLICT (plan_id, source) DO UPDATE SET amount = EXCLUDED.amount`, id, f.Source, int64(f.Amount)); err != nil {
			return false, err
		}
		e := a
		e.Action, e.Table, e.RowID, e.After = "create", "plan_funding", fmt.Sprintf("%d/%s", id, f.Source), fundingRow{id, f.Source, f.Amount}
		if ok {
			e.Action, e.Before = "update", fundingRow{id, f.Source, prev}
		}
		if err := audit(ctx, tx, e); err != nil {
			return false, err
		}
	}
	for _, f := range before.Funding {
		if _, ok := newF[f.Source]; ok {
			continue
		}
		changed = true
		if _, err := tx.Exec(ctx, "DELETE FROM plan_funding WHERE plan_id = $1 AND source = $2", id, f.Source); err != nil {
			return false, err
		}
		e := a
		e.Action, e.Table, e.RowID, e.Before = "delete", "plan_funding", fmt.Sprintf("%d/%s", id, f.Source), fundingRow{id, f.Source, f.Amount}
		if err := audit(ctx, tx, e); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// CreatePlan starts a plan (stage 调查摸底, batch 储备一批) for an old community (or one of unknown
// age, which the survey settles) that has none, and
// audits it. renew.ErrNotFound without such a community; renew.ErrConflict when it already has a
// plan or is not old (completed after 2000).
func (db *DB) CreatePlan(ctx context.Context, communityID int, a renew.AuditEntry) (renew.Plan, error) {
	var out renew.Plan
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var code, name string
		var old *bool // nil: completed year unknown, so it may be old: it enters the survey stage
		var has bool
		err := tx.QueryRow(ctx, `
			SELECT c.code, c.name, c.is_old, EXISTS (SELECT 1 FROM plans p WHERE p.community_id = c.id)
			FROM communities c WHERE c.id = $1 FOR UPDATE`, communityID).Scan(&code, &name, &old, &has)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.NotFound("没有编号为 %d 的小区 (no such community)", communityID)
		}
		if err != nil {
			return err
		}
		if has {
			return renew.Conflict("“%s”已有改造方案（一小区一方案）", name)
		}
		if old != nil && !*old {
			return renew.Conflict("“%s”不是老旧小区（2000年底前建成），不纳入改造计划", name)
		}
		var id int
		if err := tx.QueryRow(ctx, `
			INSERT INTO plans (code, community_id, stage, batch)
			SELECT candidate, $1, 'survey', 'reserve'
			FROM (SELECT 'PL-' || $2 || CASE WHEN n = 0 THEN '' ELSE '-' || n END AS candidate, n
			      FROM generate_series(0, 99) n) c
			WHERE NOT EXISTS (SELECT 1 FROM plans WHERE code = c.candidate)
			ORDER BY n LIMIT 1
			RETURNING id`, communityID, code).Scan(&id); err != nil {
			return err
		}
		ps, err := loadPlans(ctx, tx, programme.PlanFilter{ID: id})
		if err != nil {
			return err
		}
		out = ps[0]
		e := a
		e.Action, e.Table, e.RowID, e.After = "create", "plans", fmt.Sprint(id), rowOf(&out)
		return audit(ctx, tx, e)
	})
	return out, mapError(err, "create plan")
}

// StageHistory lists a plan's stage moves, newest first.
func (db *DB) StageHistory(ctx context.Context, planID int) ([]renew.StageEvent, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT from_stage, to_stage, coalesce(reason, ''), coalesce(actor, ''), at
		FROM plan_stage_changes WHERE plan_id = $1 ORDER BY at DESC, id DESC LIMIT 100`, planID)
	if err != nil {
		return nil, mapError(err, "stage history")
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.StageEvent, error) {
		var e renew.StageEvent
		err := r.Scan(&e.From, &e.To, &e.Reason, &e.Actor, &e.At)
		return e, err
	})
	if evs == nil {
		evs = []renew.StageEvent{}
	}
	return evs, mapError(err, "stage history")
}

// Menu returns the renovation menu in its order.
func (db *DB) Menu(ctx context.Context) ([]renew.MenuItem, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT code, part, name, class, unit, (unit_cost * 100)::bigint, goal FROM renovation_menu ORDER BY sort, code`)
	if err != nil {
		return nil, mapError(err, "menu")
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.MenuItem, error) {
		var m renew.MenuItem
		err := r.Scan(&m.Code, &m.Part, &m.Name, &m.Class, &m.Unit, &m.UnitCost, &m.Goal)
		return m, err
	})
	return ms, mapError(err, "menu")
}

// Departments returns the departments of the programme in their order.
func (db *DB) Departments(ctx context.Context) ([]renew.Department, error) {
	rows, err := db.Pool.Query(ctx, "SELECT code, name, duties FROM departments ORDER BY sort, code")
	if err != nil {
		return nil, mapError(err, "departments")
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.Department, error) {
		var d renew.Department
		err := r.Scan(&d.Code, &d.Name, &d.Duties)
		return d, err
	})
	return ds, mapError(err, "departments")
}

// Targets returns the programme's targets by batch year.
func (db *DB) Targets(ctx context.Context) ([]renew.Target, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT code, name, batch_year, communities, buildings, households, floor_area::float8, due
		FROM targets ORDER BY batch_year, code`)
	if err != nil {
		return nil, mapError(err, "targets")
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.Target, error) {
		var t renew.Target
		var due time.Time
		err := r.Scan(&t.Code, &t.Name, &t.BatchYear, &t.Communities, &t.Buildings, &t.Households, &t.FloorArea, &due)
		t.Due = renew.DateOf(due)
		return t, err
	})
	return ts, mapError(err, "targets")
}

// ProgrammeSettings returns the programme's settings; a missing or empty consent threshold is 2/3.
func (db *DB) ProgrammeSettings(ctx context.Context) (renew.ProgrammeSettings, error) {
	out := renew.ProgrammeSettings{ConsentThreshold: 2.0 / 3.0, ConsentThresholdText: "2/3"}
	rows, err := db.Pool.Query(ctx, "SELECT key, value FROM programme_settings")
	if err != nil {
		return out, mapError(err, "programme settings")
	}
	var key string
	var value *string
	_, err = pgx.ForEachRow(rows, []any{&key, &value}, func() error {
		if value == nil {
			return nil
		}
		switch key {
		case "as_of":
			if d, err := renew.ParseDate(*value); err == nil {
				out.AsOf = &d
			}
		case "consent_threshold":
			if v, err := renew.ParseShare(*value); err == nil {
				out.ConsentThreshold, out.ConsentThresholdText = v, *value
			}
		}
		return nil
	})
	return out, mapError(err, "programme settings")
}

// SetProgrammeSetting sets one setting (value nil: back to the default) and audits it.
// renew.ErrInvalid for an unknown key or a value its check refuses.
func (db *DB) SetProgrammeSetting(ctx context.Context, key string, value *string, a renew.AuditEntry) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var before *string
		err := tx.QueryRow(ctx, "SELECT value FROM programme_settings WHERE key = $1 FOR UPDATE", key).Scan(&before)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.Invalid("未知的设置项 (unknown setting) %.40q", key)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE programme_settings SET value = $2, updated_at = now(), updated_by = $3 WHERE key = $1`,
			key, value, a.Actor); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID = "update", "programme_settings", key
		a.Before, a.After = map[string]*string{"value": before}, map[string]*string{"value": value}
		return audit(ctx, tx, a)
	})
	return mapError(err, "set programme setting")
}
