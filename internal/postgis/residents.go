package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/renew"
	"renewmap/internal/residents"
)

// The residents' voice (internal/residents, docs/residents.md): surveys, household codes (kept
// as hashes), ballots, the failed code entries that rate-limit guessing, and the public notice.

const surveyColumns = `
	v.id, v.plan_id, p.code, p.stage, c.id, c.code, c.name, v.kind, v.status, v.households,
	v.max_priorities, v.opened_at, coalesce(v.opened_by, ''), v.closes_at, v.closed_at,
	coalesce(v.closed_by, ''), v.consent::float8,
	(SELECT count(*) FROM survey_codes k WHERE k.survey_id = v.id)::int,
	(SELECT count(*) FROM ballots b WHERE b.survey_id = v.id)::int`

const surveyFrom = `
	FROM surveys v JOIN plans p ON p.id = v.plan_id JOIN communities c ON c.id = p.community_id`

func scanSurvey(r pgx.Row) (residents.Survey, error) {
	var s residents.Survey
	err := r.Scan(&s.ID, &s.PlanID, &s.PlanCode, &s.PlanStage, &s.CommunityID, &s.CommunityCode, &s.CommunityName,
		&s.Kind, &s.Status, &s.Households, &s.MaxPriorities, &s.OpenedAt, &s.OpenedBy, &s.ClosesAt, &s.ClosedAt,
		&s.ClosedBy, &s.Consent, &s.CodesIssued, &s.Ballots)
	return s, err
}

func querySurveys(ctx context.Context, q planQuerier, where string, args ...any) ([]residents.Survey, error) {
	rows, err := q.Query(ctx, "SELECT "+surveyColumns+surveyFrom+" "+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (residents.Survey, error) { return scanSurvey(r) })
}

func oneSurvey(ctx context.Context, q planQuerier, id int) (residents.Survey, error) {
	ss, err := querySurveys(ctx, q, "WHERE v.id = $1", id)
	if err != nil {
		return residents.Survey{}, err
	}
	if len(ss) == 0 {
		return residents.Survey{}, renew.NotFound("没有编号为 %d 的调查 (no such survey)", id)
	}
	return ss[0], nil
}

// Survey returns one survey with its counts; renew.ErrNotFound when there is none.
func (db *DB) Survey(ctx context.Context, id int) (residents.Survey, error) {
	s, err := oneSurvey(ctx, db.Pool, id)
	return s, mapError(err, "survey")
}

// Surveys returns the surveys of a plan (planID 0: of every plan), newest first.
func (db *DB) Surveys(ctx context.Context, planID int) ([]residents.Survey, error) {
	ss, err := querySurveys(ctx, db.Pool, "WHERE $1 = 0 OR v.plan_id = $1 ORDER BY v.opened_at DESC, v.id DESC", planID)
	if ss == nil {
		ss = []residents.Survey{}
	}
	return ss, mapError(err, "surveys")
}

// OpenSurvey starts a survey of kind for a plan whose stage allows it (residents.Kind.OpensAt),
// with the community's households as its denominator, and audits it. Errors: renew.ErrNotFound
// for no such plan; renew.ErrConflict when the stage does not allow it or a survey of the kind
// is already open.
func (db *DB) OpenSurvey(ctx context.Context, planID int, kind residents.Kind, closesAt *time.Time, maxPriorities int, a renew.AuditEntry) (residents.Survey, error) {
	var s residents.Survey
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var stage renew.Stage
		var households int
		err := tx.QueryRow(ctx, `
			SELECT p.stage, c.households FROM plans p JOIN communities c ON c.id = p.community_id
			WHERE p.id = $1 FOR UPDATE OF p`, planID).Scan(&stage, &households)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.NotFound("没有编号为 %d 的改造方案 (no such plan)", planID)
		}
		if err != nil {
			return err
		}
		if !kind.OpensAt(stage) {
			return kind.StageError(stage)
		}
		var id int
		err = tx.QueryRow(ctx, `
			INSERT INTO surveys (plan_id, kind, households, max_priorities, opened_by, closes_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			planID, kind, households, maxPriorities, a.Actor, closesAt).Scan(&id)
		if err != nil {
			return conflictAs(mapError(err, "open survey"), "该方案已有进行中的同类调查，请先结束它 (a survey of this kind is already open)")
		}
		if s, err = oneSurvey(ctx, tx, id); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.After = "survey_open", "surveys", fmt.Sprint(id), s
		return audit(ctx, tx, a)
	})
	return s, mapError(err, "open survey")
}

// IssueCodes stores the hashes of new household codes for an open survey and audits how many
// (never the codes). renew.ErrConflict when the survey is closed, or when the total would pass
// maxTotal.
func (db *DB) IssueCodes(ctx context.Context, surveyID int, hashes [][]byte, maxTotal int, a renew.AuditEntry) (residents.Survey, error) {
	var s residents.Survey
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var status residents.Status
		err := tx.QueryRow(ctx, "SELECT status FROM surveys WHERE id = $1 FOR UPDATE", surveyID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.NotFound("没有编号为 %d 的调查 (no such survey)", surveyID)
		}
		if err != nil {
			return err
		}
		if status != residents.StatusOpen {
			return renew.Conflict("调查已结束，不能再发放登记码 (the survey is closed)")
		}
		var issued int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM survey_codes WHERE survey_id = $1", surveyID).Scan(&issued); err != nil {
			return err
		}
		if issued+len(hashes) > maxTotal {
			return renew.Conflict("本调查最多发放 %d 个登记码，已发放 %d 个 (too many codes)", maxTotal, issued)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO survey_codes (survey_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) h`,
			surveyID, hashes); err != nil {
			return err
		}
		if s, err = oneSurvey(ctx, tx, surveyID); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID = "survey_codes", "surveys", fmt.Sprint(surveyID)
		a.After = map[string]int{"issued": len(hashes), "codes_issued": s.CodesIssued}
		return audit(ctx, tx, a)
	})
	return s, mapError(err, "issue codes")
}

// CloseSurvey ends a survey and audits it. For a menu survey it records the consent rate
// (residents.ConsentRate: yes ballots over the households) and, in the same transaction, writes
// it rounded to plans.consent_rate — audited as its own entry — while the plan is before 公示确认
// (from 公示确认 on the plan's consent is frozen, as the plan rules hold it). applied tells whether
// the plan was changed. renew.ErrConflict when the survey is already closed.
func (db *DB) CloseSurvey(ctx context.Context, surveyID int, a renew.AuditEntry) (s residents.Survey, applied bool, err error) {
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var planID int
		var status residents.Status
		err := tx.QueryRow(ctx, "SELECT plan_id, status FROM surveys WHERE id = $1 FOR UPDATE", surveyID).Scan(&planID, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.NotFound("没有编号为 %d 的调查 (no such survey)", surveyID)
		}
		if err != nil {
			return err
		}
		if status != residents.StatusOpen {
			return renew.Conflict("调查已经结束 (the survey is already closed)")
		}
		before, err := oneSurvey(ctx, tx, surveyID)
		if err != nil {
			return err
		}
		var consent *float64
		if before.Kind == residents.KindMenu {
			var yes int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM ballots WHERE survey_id = $1 AND consent", surveyID).Scan(&yes); err != nil {
				return err
			}
			if rate, _, ok := residents.ConsentRate(yes, before.Households, before.CodesIssued); ok {
				r := residents.RoundConsent(rate)
				consent = &r
			}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE surveys SET status = 'closed', closed_at = now(), closed_by = $2, consent = $3 WHERE id = $1`,
			surveyID, a.Actor, consent); err != nil {
			return err
		}
		if s, err = oneSurvey(ctx, tx, surveyID); err != nil {
			return err
		}
		entry := a
		entry.Action, entry.Table, entry.RowID, entry.Before, entry.After = "survey_close", "surveys", fmt.Sprint(surveyID), before, s
		if err := audit(ctx, tx, entry); err != nil {
			return err
		}
		if consent == nil {
			return nil
		}
		// The plan's consent comes from the survey (the plans API owns the rest of the plan).
		var old *float64
		var stage renew.Stage
		if err := tx.QueryRow(ctx, "SELECT consent_rate::float8, stage FROM plans WHERE id = $1 FOR UPDATE", planID).Scan(&old, &stage); err != nil {
			return err
		}
		if residents.Public(stage) {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE plans SET consent_rate = $2, updated_at = now() WHERE id = $1", planID, *consent); err != nil {
			return err
		}
		applied = true
		entry = a
		entry.Action, entry.Table, entry.RowID = "consent_from_survey", "plans", fmt.Sprint(planID)
		entry.Before = map[string]any{"consent_rate": old}
		entry.After = map[string]any{"consent_rate": *consent, "survey_id": surveyID}
		return audit(ctx, tx, entry)
	})
	return s, applied, mapError(err, "close survey")
}

// CurrentSurvey returns the survey of kind of the community with code that residents see: the
// open one, else the latest closed one. renew.ErrNotFound when the community never had one.
func (db *DB) CurrentSurvey(ctx context.Context, communityCode string, kind residents.Kind) (residents.Survey, error) {
	ss, err := querySurveys(ctx, db.Pool, `
		WHERE c.code = $1 AND v.kind = $2 ORDER BY v.status = 'open' DESC, v.opened_at DESC, v.id DESC LIMIT 1`,
		communityCode, kind)
	if err != nil {
		return residents.Survey{}, mapError(err, "current survey")
	}
	if len(ss) == 0 {
		return residents.Survey{}, renew.NotFound("本小区目前没有进行中的居民调查 (no survey for this community)")
	}
	return ss[0], nil
}

// CommunityID returns the id of the community with code; renew.ErrNotFound when there is none.
func (db *DB) CommunityID(ctx context.Context, code string) (int, error) {
	var id int
	err := db.Pool.QueryRow(ctx, "SELECT id FROM communities WHERE code = $1", code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, renew.NotFound("没有这个小区 (no such community)")
	}
	return id, mapError(err, "community id")
}

// FindCode looks a code's hash up among the surveys of kind of one community and returns the
// survey, the code's id and its ballot (nil before the first). renew.ErrNotFound when no survey
// of the community issued it.
func (db *DB) FindCode(ctx context.Context, communityID int, kind residents.Kind, hash []byte) (residents.Survey, int64, *residents.Ballot, error) {
	var surveyID int
	var codeID int64
	err := db.Pool.QueryRow(ctx, `
		SELECT v.id, k.id FROM survey_codes k JOIN surveys v ON v.id = k.survey_id JOIN plans p ON p.id = v.plan_id
		WHERE k.code_hash = $1 AND p.community_id = $2 AND v.kind = $3`, hash, communityID, kind).Scan(&surveyID, &codeID)
	if errors.Is(err, pgx.ErrNoRows) {
		return residents.Survey{}, 0, nil, renew.ErrNotFound
	}
	if err != nil {
		return residents.Survey{}, 0, nil, mapError(err, "find code")
	}
	s, err := oneSurvey(ctx, db.Pool, surveyID)
	if err != nil {
		return residents.Survey{}, 0, nil, mapError(err, "find code")
	}
	bs, err := loadBallots(ctx, db.Pool, "WHERE code_id = $1", codeID)
	if err != nil {
		return residents.Survey{}, 0, nil, mapError(err, "find code")
	}
	if len(bs) == 0 {
		return s, codeID, nil, nil
	}
	return s, codeID, &bs[0], nil
}

// SaveBallot stores or replaces the ballot of a code while its survey takes ballots at now
// (residents.Survey.Accepting: its errors otherwise). The survey row is locked against a
// concurrent close, so no ballot lands after the consent was counted.
func (db *DB) SaveBallot(ctx context.Context, codeID int64, b residents.Ballot, now time.Time) error {
	if b.Choices == nil {
		b.Choices = []string{}
	}
	if b.Priorities == nil {
		b.Priorities = []string{}
	}
	if b.Ratings == nil {
		b.Ratings = map[renew.Goal]int{}
	}
	ratings, err := json.Marshal(b.Ratings)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var s residents.Survey
		err := tx.QueryRow(ctx, `
			SELECT v.id, v.status, v.closes_at FROM survey_codes k JOIN surveys v ON v.id = k.survey_id
			WHERE k.id = $1 FOR SHARE OF v`, codeID).Scan(&s.ID, &s.Status, &s.ClosesAt)
		if err != nil {
			return err
		}
		if err := s.Accepting(now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO ballots (code_id, survey_id, choices, priorities, consent, ratings, comment)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (code_id) DO UPDATE SET choices = excluded.choices, priorities = excluded.priorities,
			  consent = excluded.consent, ratings = excluded.ratings, comment = excluded.comment,
			  changed_on = current_date`,
			codeID, s.ID, b.Choices, b.Priorities, b.Consent, ratings, b.Comment)
		return err
	})
	return mapError(err, "save ballot")
}

func loadBallots(ctx context.Context, q planQuerier, where string, args ...any) ([]residents.Ballot, error) {
	rows, err := q.Query(ctx, "SELECT choices, priorities, consent, ratings, comment FROM ballots "+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (residents.Ballot, error) {
		var b residents.Ballot
		var ratings []byte
		if err := r.Scan(&b.Choices, &b.Priorities, &b.Consent, &ratings, &b.Comment); err != nil {
			return b, err
		}
		return b, json.Unmarshal(ratings, &b.Ratings)
	})
}

// SurveyBallots returns the ballots of a survey in no meaningful order (code order would tie a
// ballot to the slip's place on the printed sheet).
func (db *DB) SurveyBallots(ctx context.Context, surveyID int) ([]residents.Ballot, error) {
	bs, err := loadBallots(ctx, db.Pool, "WHERE survey_id = $1 ORDER BY md5(code_id::text || comment)", surveyID)
	return bs, mapError(err, "ballots")
}

// PlanMenuCodes returns the menu codes a plan holds.
func (db *DB) PlanMenuCodes(ctx context.Context, planID int) ([]string, error) {
	rows, err := db.Pool.Query(ctx, "SELECT menu_code FROM plan_items WHERE plan_id = $1", planID)
	if err != nil {
		return nil, mapError(err, "plan menu codes")
	}
	cs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return cs, mapError(err, "plan menu codes")
}

// ReserveCodeCheck decides whether a household code from address may be looked up now: it
// counts the address's wrong codes since since and, below limit, records this attempt as one
// before the lookup (ForgetCodeCheck takes it back when the code was right). One advisory lock
// per address makes the count and the record atomic, so parallel attempts cannot all pass.
// It returns the attempt's id (0 when refused) and the failures counted before it; records
// older than purgeBefore are purged.
func (db *DB) ReserveCodeCheck(ctx context.Context, address string, communityID int, since, purgeBefore time.Time, limit int) (int64, int, error) {
	var id int64
	var failures int
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		id = 0
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('code_attempts:' || $1, 0))", address); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM code_attempts WHERE address = $1 AND at > $2", address, since).Scan(&failures); err != nil {
			return err
		}
		if failures >= limit {
			return nil
		}
		if _, err := tx.Exec(ctx, "DELETE FROM code_attempts WHERE at < $1", purgeBefore); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "INSERT INTO code_attempts (address, community_id) VALUES ($1, $2) RETURNING id",
			address, communityID).Scan(&id)
	})
	return id, failures, mapError(err, "reserve code check")
}

// ForgetCodeCheck takes back the attempt id recorded by ReserveCodeCheck: the code was right.
func (db *DB) ForgetCodeCheck(ctx context.Context, id int64) error {
	_, err := db.Pool.Exec(ctx, "DELETE FROM code_attempts WHERE id = $1", id)
	return mapError(err, "forget code check")
}

// publicStages are the stages whose plans are publicised (residents.Public).
func publicStages() []string {
	var out []string
	for _, s := range residents.PublicStages() {
		out = append(out, string(s))
	}
	return out
}

const noticeSummarySQL = `
	SELECT c.code, c.name, s.name, p.code, p.stage, l.label_zh, p.batch_year, c.households,
	       (SELECT count(*) FROM plan_items i WHERE i.plan_id = p.id)::int,
	       (SELECT coalesce(sum(i.cost), 0) * 100 FROM plan_items i WHERE i.plan_id = p.id)::bigint,
	       p.planned_start, p.planned_end`

func scanNoticeSummary(r pgx.Row, extra ...any) (residents.NoticeSummary, error) {
	var n residents.NoticeSummary
	var ps, pe *time.Time
	err := r.Scan(append([]any{&n.CommunityCode, &n.CommunityName, &n.SubdistrictName, &n.PlanCode, &n.Stage,
		&n.StageName, &n.BatchYear, &n.Households, &n.ItemCount, &n.Budget, &ps, &pe}, extra...)...)
	n.PlannedStart, n.PlannedEnd = dateOf(ps), dateOf(pe)
	return n, err
}

// Notices lists the publicised plans (at or past 公示确认) by subdistrict and community name.
func (db *DB) Notices(ctx context.Context) ([]residents.NoticeSummary, error) {
	rows, err := db.Pool.Query(ctx, noticeSummarySQL+`
		FROM plans p JOIN communities c ON c.id = p.community_id JOIN subdistricts s ON s.id = c.subdistrict_id
		JOIN plan_stage_labels l ON l.code = p.stage
		WHERE p.stage = ANY($1) ORDER BY s.name, c.name, c.code`, publicStages())
	if err != nil {
		return nil, mapError(err, "notices")
	}
	ns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (residents.NoticeSummary, error) { return scanNoticeSummary(r) })
	if ns == nil {
		ns = []residents.NoticeSummary{}
	}
	return ns, mapError(err, "notices")
}

// errNoNotice is the one answer for a community that does not exist and for one whose plan is
// not public, so the public endpoints do not tell them apart.
var errNoNotice = renew.NotFound("该小区暂无公示的改造方案 (no published plan for this community)")

// Notice returns the public notice of the community with code. renew.ErrNotFound when there is
// no such community, it has no plan, or its plan is not yet at 公示确认.
func (db *DB) Notice(ctx context.Context, code string) (residents.Notice, error) {
	var n residents.Notice
	var planID int
	var as, ae *time.Time
	var address *string
	row := db.Pool.QueryRow(ctx, noticeSummarySQL+`,
		       p.id, c.address, c.building_count, c.floor_area::float8, c.completed_year, p.actual_start,
		       p.actual_end, p.consent_rate::float8, p.updated_at
		FROM plans p JOIN communities c ON c.id = p.community_id JOIN subdistricts s ON s.id = c.subdistrict_id
		JOIN plan_stage_labels l ON l.code = p.stage
		WHERE c.code = $1 AND p.stage = ANY($2)`, code, publicStages())
	sum, err := scanNoticeSummary(row, &planID, &address, &n.Buildings, &n.FloorArea, &n.CompletedYear, &as, &ae,
		&n.ConsentRate, &n.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return n, errNoNotice
	}
	if err != nil {
		return n, mapError(err, "notice")
	}
	n.NoticeSummary = sum
	if address != nil {
		n.Address = *address
	}
	n.ActualStart, n.ActualEnd = dateOf(as), dateOf(ae)
	rows, err := db.Pool.Query(ctx, `
		SELECT m.code, m.name, m.part, pl.label_zh, m.goal, (i.quantity * 100)::bigint, m.unit,
		       (i.cost * 100)::bigint, d.name, i.status, sl.label_zh
		FROM plan_items i JOIN renovation_menu m ON m.code = i.menu_code
		JOIN menu_part_labels pl ON pl.code = m.part JOIN departments d ON d.code = i.department_code
		JOIN item_status_labels sl ON sl.code = i.status
		WHERE i.plan_id = $1 ORDER BY m.sort, i.id`, planID)
	if err != nil {
		return n, mapError(err, "notice items")
	}
	n.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (residents.NoticeItem, error) {
		var it residents.NoticeItem
		err := r.Scan(&it.Code, &it.Name, &it.Part, &it.PartName, &it.Goal, &it.Quantity, &it.Unit, &it.Cost,
			&it.Department, &it.Status, &it.StatusName)
		return it, err
	})
	if err != nil {
		return n, mapError(err, "notice items")
	}
	rows, err = db.Pool.Query(ctx, `
		SELECT f.source, l.label_zh, (f.amount * 100)::bigint
		FROM plan_funding f JOIN funding_source_labels l ON l.code = f.source
		WHERE f.plan_id = $1 ORDER BY l.sort`, planID)
	if err != nil {
		return n, mapError(err, "notice funding")
	}
	n.Funding, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (residents.NoticeFunding, error) {
		var f residents.NoticeFunding
		err := r.Scan(&f.Source, &f.SourceName, &f.Amount)
		return f, err
	})
	if err != nil {
		return n, mapError(err, "notice funding")
	}
	n.Departments = []string{}
	seen := map[string]bool{}
	for _, it := range n.Items {
		if !seen[it.Department] {
			seen[it.Department] = true
			n.Departments = append(n.Departments, it.Department)
		}
	}
	for _, f := range n.Funding {
		n.Funded += f.Amount
	}
	n.Period, err = db.noticePeriod(ctx, planID)
	return n, err
}

// NoticeMap returns the map of a publicised community as a GeoJSON FeatureCollection: its
// outline, its buildings (number and floors) and its gates (name and kind) — nothing else, and no
// pipelines. renew.ErrNotFound as Notice.
func (db *DB) NoticeMap(ctx context.Context, code string) (json.RawMessage, error) {
	var fc []byte
	err := db.Pool.QueryRow(ctx, `
		WITH c AS (
		  SELECT c.id, c.name, c.geom FROM communities c JOIN plans p ON p.community_id = c.id
		  WHERE c.code = $1 AND p.stage = ANY($2)
		), f AS (
		  SELECT 0 AS o, 0 AS n, json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(c.geom, 6)::json,
		         'properties', json_build_object('kind', 'community', 'name', c.name)) AS j FROM c
		  UNION ALL
		  SELECT 1, b.id, json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(b.geom, 6)::json,
		         'properties', json_build_object('kind', 'building', 'number', b.number, 'floors', b.floors))
		  FROM buildings b JOIN c ON b.community_id = c.id
		  UNION ALL
		  SELECT 2, g.id, json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(g.geom, 6)::json,
		         'properties', json_build_object('kind', 'gate', 'name', g.name, 'gate_kind', l.label_zh))
		  FROM gates g JOIN c ON g.community_id = c.id JOIN gate_kind_labels l ON l.code = g.kind
		)
		SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(j ORDER BY o, n))::text
		FROM f HAVING count(*) > 0`, code, publicStages()).Scan(&fc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoNotice
	}
	if err != nil {
		return nil, mapError(err, "notice map")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, fc); err != nil {
		return nil, fmt.Errorf("notice map: %w", err)
	}
	return b.Bytes(), nil
}

// SatisfactionBallots returns, for every plan with a satisfaction survey, its latest one (open or
// closed) and its ballots, by community name.
func (db *DB) SatisfactionBallots(ctx context.Context) ([]residents.Survey, [][]residents.Ballot, error) {
	ss, err := querySurveys(ctx, db.Pool, `
		WHERE v.kind = 'satisfaction' AND v.id = (
		  SELECT max(w.id) FROM surveys w WHERE w.plan_id = v.plan_id AND w.kind = 'satisfaction')
		ORDER BY c.name, c.code`)
	if err != nil {
		return nil, nil, mapError(err, "satisfaction")
	}
	bs := make([][]residents.Ballot, len(ss))
	for i, s := range ss {
		if bs[i], err = loadBallots(ctx, db.Pool, "WHERE survey_id = $1", s.ID); err != nil {
			return nil, nil, mapError(err, "satisfaction")
		}
	}
	return ss, bs, nil
}
