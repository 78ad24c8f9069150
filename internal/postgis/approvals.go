package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/ingest/foreign"
	"renewmap/internal/renew"
)

// Approval kinds: what a planner may have to ask an admin for (docs/editing.md).
const (
	ApprovalImport  = "import"  // an import from the import page
	ApprovalOutline = "outline" // the confirmation of a provisional (待核实) outline
)

// pendingUploadTTL is how long an upload waiting for approval is kept.
const pendingUploadTTL = 7 * 24 * time.Hour

// ApprovalSettings reads the settings.
func (db *DB) ApprovalSettings(ctx context.Context) (renew.ApprovalSettings, error) {
	var s renew.ApprovalSettings
	err := db.Pool.QueryRow(ctx, `SELECT coalesce(bool_or(required) FILTER (WHERE kind = 'import'), false),
		coalesce(bool_or(required) FILTER (WHERE kind = 'outline'), false) FROM approval_settings`).Scan(&s.Import, &s.Outline)
	return s, mapError(err, "read the approval settings")
}

// SetApprovalSettings changes the settings, audited.
func (db *DB) SetApprovalSettings(ctx context.Context, s renew.ApprovalSettings, a renew.AuditEntry) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE approval_settings SET required = CASE kind WHEN 'import' THEN $1::boolean ELSE $2::boolean END`,
			s.Import, s.Outline); err != nil {
			return err
		}
		a.Action, a.Table, a.After = "approval.settings", "approval_settings", s
		return audit(ctx, tx, a)
	})
	return mapError(err, "set the approval settings")
}

// RequestImport queues the import of job id's upload through mapping for an admin's approval
// instead of starting it: the job waits in state pending, its upload kept for a week. A job that
// is not waiting to start is an ErrConflict error.
func (db *DB) RequestImport(ctx context.Context, a renew.AuditEntry, id int64, mapping []byte) (int64, error) {
	m, err := foreign.ParseMapping(mapping, "映射 (mapping)")
	if err != nil {
		return 0, err
	}
	var req int64
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE import_jobs SET state = 'pending', message = '', updated_at = now(), expires_at = now() + $2::interval
			WHERE id = $1 AND state = 'uploaded' AND data IS NOT NULL AND expires_at > now()`, id, pendingUploadTTL.String())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if _, err := db.ImportJob(ctx, id); err != nil {
				return err
			}
			return &renew.Error{Kind: renew.ErrConflict, Msg: "该导入已开始、已提交审批或已过期，请重新上传 (the import has started, awaits approval, or expired)"}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO approval_requests (kind, job_id, mapping, requested_by) VALUES ('import', $1, $2, $3) RETURNING id`,
			id, string(mapping), a.Actor).Scan(&req); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.After = "approval.request", "approval_requests", fmt.Sprint(req), map[string]any{"kind": ApprovalImport, "job": id, "layer": m.Layer}
		return audit(ctx, tx, a)
	})
	return req, mapError(err, "request an import")
}

// RequestConfirm queues the confirmation of provisional community id for an admin's approval,
// after the checks of a confirmation itself (the version, the editor's 街道). A community that is
// not provisional is an ErrInvalid error; one already waiting an ErrConflict error.
func (db *DB) RequestConfirm(ctx context.Context, id int64, ifMatch string, who renew.Editor) (int64, error) {
	var req int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		f, err := readFeature(ctx, tx, "communities", id, true)
		if err != nil {
			return err
		}
		if ifMatch != "" && strings.TrimPrefix(ifMatch, "W/") != f.Version {
			return renew.ErrFeatureChanged
		}
		if err := checkZone(ctx, tx, who, f.Geometry); err != nil {
			return err
		}
		if !f.Provisional {
			return renew.Invalid("该小区轮廓不是待核实的，无需确认 (the outline is not provisional)")
		}
		err = tx.QueryRow(ctx, `INSERT INTO approval_requests (kind, community_id, requested_by) VALUES ('outline', $1, $2)
			ON CONFLICT (community_id) WHERE state = 'pending' DO NOTHING RETURNING id`, id, who.Audit.Actor).Scan(&req)
		if errors.Is(err, pgx.ErrNoRows) {
			return &renew.Error{Kind: renew.ErrConflict, Msg: "该轮廓的确认已提交，正等待管理员审批 (a confirmation awaits approval already)"}
		}
		if err != nil {
			return err
		}
		a := who.Audit
		a.Action, a.Table, a.RowID, a.After = "approval.request", "approval_requests", fmt.Sprint(req), map[string]any{"kind": ApprovalOutline, "community": f.Code}
		return audit(ctx, tx, a)
	})
	return req, mapError(err, "request a confirmation")
}

// Approvals lists the queue: the pending requests, oldest first, then the last 50 decided.
func (db *DB) Approvals(ctx context.Context) ([]renew.ApprovalRequest, error) {
	rows, _ := db.Pool.Query(ctx, `
		(SELECT r.id, r.kind, r.job_id, coalesce(j.file_name, ''), coalesce(r.mapping, ''), r.community_id,
		        coalesce(c.name, ''), coalesce(c.code, ''), r.requested_by, r.requested_at, r.state,
		        coalesce(r.decided_by, ''), r.decided_at, coalesce(r.reason, '')
		 FROM approval_requests r LEFT JOIN import_jobs j ON j.id = r.job_id LEFT JOIN communities c ON c.id = r.community_id
		 WHERE r.state = 'pending' ORDER BY r.id)
		UNION ALL
		(SELECT r.id, r.kind, r.job_id, coalesce(j.file_name, ''), coalesce(r.mapping, ''), r.community_id,
		        coalesce(c.name, ''), coalesce(c.code, ''), r.requested_by, r.requested_at, r.state,
		        coalesce(r.decided_by, ''), r.decided_at, coalesce(r.reason, '')
		 FROM approval_requests r LEFT JOIN import_jobs j ON j.id = r.job_id LEFT JOIN communities c ON c.id = r.community_id
		 WHERE r.state <> 'pending' ORDER BY r.decided_at DESC, r.id DESC LIMIT 50)`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.ApprovalRequest, error) {
		var a renew.ApprovalRequest
		var mapping string
		err := r.Scan(&a.ID, &a.Kind, &a.JobID, &a.File, &mapping, &a.Community, &a.Name, &a.Code, &a.RequestedBy,
			&a.RequestedAt, &a.State, &a.DecidedBy, &a.DecidedAt, &a.Reason)
		if mapping != "" {
			if m, err := foreign.ParseMapping([]byte(mapping), "映射 (mapping)"); err == nil {
				a.Layer = m.Layer
			}
		}
		return a, err
	})
	if out == nil {
		out = []renew.ApprovalRequest{}
	}
	return out, mapError(err, "read the approvals")
}

// Decide approves or rejects pending request id as admin a: an approved import starts in the
// background, an approved outline is confirmed (audited as edit.confirm); a rejected import
// fails with the reason and drops its upload. The decision is audited. A request that is not
// pending is an ErrConflict error; an unknown one ErrNotFound.
func (db *DB) Decide(ctx context.Context, id int64, approve bool, reason string, a renew.AuditEntry) error {
	var kind, mapping, by string
	var job, community *int64
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT kind, state, job_id, community_id, coalesce(mapping, ''), requested_by FROM approval_requests WHERE id = $1 FOR UPDATE`, id).
			Scan(&kind, &state, &job, &community, &mapping, &by)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.NotFound("没有这个审批请求 (no approval request %d)", id)
		}
		if err != nil {
			return err
		}
		if state != "pending" {
			return &renew.Error{Kind: renew.ErrConflict, Msg: "该请求已处理 (the request was decided already)"}
		}
		decision := "rejected"
		if approve {
			decision = "approved"
		}
		if _, err := tx.Exec(ctx, `UPDATE approval_requests SET state = $2, decided_by = $3, decided_at = now(), reason = nullif($4, '') WHERE id = $1`,
			id, decision, a.Actor, reason); err != nil {
			return err
		}
		switch {
		case kind == ApprovalOutline && approve:
			if _, err := editFeature(ctx, tx, renew.Edit{Layer: "communities", ID: *community, Confirm: true}, renew.Editor{Audit: a}, false); err != nil {
				return err
			}
		case kind == ApprovalImport && approve:
			if _, err := tx.Exec(ctx, `UPDATE import_jobs SET state = 'running', updated_at = now() WHERE id = $1 AND state = 'pending'`, *job); err != nil {
				return err
			}
		case kind == ApprovalImport:
			if _, err := tx.Exec(ctx, `UPDATE import_jobs SET state = 'failed', data = NULL, updated_at = now(),
				message = '管理员未批准此次导入，数据未改动' || coalesce('：' || nullif($2, ''), '') WHERE id = $1`, *job, reason); err != nil {
				return err
			}
		}
		e := a
		e.Action, e.Table, e.RowID = "approval."+map[bool]string{true: "approve", false: "reject"}[approve], "approval_requests", fmt.Sprint(id)
		e.After = map[string]any{"kind": kind, "requested_by": by, "reason": reason}
		return audit(ctx, tx, e)
	})
	if err != nil {
		return mapError(err, "decide an approval")
	}
	if kind == ApprovalImport && approve {
		m, err := foreign.ParseMapping([]byte(mapping), "映射 (mapping)")
		if err != nil {
			return err
		}
		// The import runs as the planner who asked for it; the approval is its own audit entry.
		run := a
		run.Actor = by
		db.jobs.Add(1)
		go func() {
			defer db.jobs.Done()
			db.runImport(context.WithoutCancel(ctx), run, *job, m)
		}()
	}
	return nil
}
