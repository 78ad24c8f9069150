package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
	"renewmap/internal/residents"
)

// residentsSeed: two communities, A (12 households, plan in 制定方案) and B (30 households, plan
// 公示确认 with two items and funding), buildings, a gate and a pipeline that must never be public.
const residentsSeed = `
INSERT INTO districts (code, name, geom) VALUES ('D', '铁西区', ST_Multi(ST_MakeEnvelope(124.33, 43.15, 124.37, 43.18, 4326)));
INSERT INTO subdistricts (code, name, district_id, geom)
  SELECT 'S', '仁兴街道', id, ST_Multi(ST_MakeEnvelope(124.33, 43.15, 124.37, 43.18, 4326)) FROM districts;
INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, address, geom)
  SELECT 'A', '机械厂家属楼', id, 1985, 'reform', 'none', '英雄街1号', ST_Multi(ST_MakeEnvelope(124.350, 43.160, 124.352, 43.1615, 4326)) FROM subdistricts
  UNION ALL
  SELECT 'B', '铁西小区', id, 1990, 'reform', 'none', '英雄街9号', ST_Multi(ST_MakeEnvelope(124.353, 43.160, 124.355, 43.1615, 4326)) FROM subdistricts;
INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
  SELECT 'A-1', id, '1号楼', 6, 2, 12, 900, 1985, 'brick_concrete', ST_Multi(ST_MakeEnvelope(124.3503, 43.1603, 124.3510, 43.1604, 4326)) FROM communities WHERE code = 'A'
  UNION ALL
  SELECT 'B-1', id, '1号楼', 6, 3, 30, 2100, 1990, 'brick_concrete', ST_Multi(ST_MakeEnvelope(124.3533, 43.1603, 124.3540, 43.1604, 4326)) FROM communities WHERE code = 'B';
INSERT INTO gates (code, community_id, name, kind, geom)
  SELECT 'G-B', id, '南门', 'both', ST_Point(124.354, 43.160, 4326) FROM communities WHERE code = 'B';
INSERT INTO pipelines (code, kind, material, diameter_mm, laid_year, condition, operator, geom) VALUES
  ('P-B', 'gas', 'steel', 100, 1990, 'poor', '燃气公司', ST_MakeLine(ST_Point(124.353, 43.1605, 4326), ST_Point(124.355, 43.1605, 4326)));
INSERT INTO plans (code, community_id, stage, batch, batch_year, planned_start, planned_end, consent_rate)
  SELECT 'PL-A', id, 'planning', 'prepare', 2022, date '2022-05-01', date '2022-10-31', NULL FROM communities WHERE code = 'A'
  UNION ALL
  SELECT 'PL-B', id, 'approved', 'implement', 2021, date '2021-06-01', date '2021-11-30', 0.85 FROM communities WHERE code = 'B';
INSERT INTO plan_items (plan_id, menu_code, quantity, unit_cost, department_code)
  SELECT p.id, m, q, c, 'housing' FROM plans p, (VALUES ('I07', 120, 650), ('I17', 8, 3500)) v(m, q, c) WHERE p.code = 'PL-B'
  UNION ALL
  SELECT p.id, 'H01', 300, 120, 'housing' FROM plans p WHERE p.code = 'PL-A';
INSERT INTO plan_funding (plan_id, source, amount)
  SELECT id, 'central', 80000 FROM plans WHERE code = 'PL-B'
  UNION ALL
  SELECT id, 'residents', 10000 FROM plans WHERE code = 'PL-B';
`

func residentsDB(t *testing.T) (*postgis.DB, map[string]int) {
	t.Helper()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, residentsSeed); err != nil {
		t.Fatalf("seed: %v", err)
	}
	ids := map[string]int{}
	rows, _ := db.Pool.Query(ctx, "SELECT code, id FROM plans UNION ALL SELECT 'community ' || code, id FROM communities")
	for rows.Next() {
		var code string
		var id int
		rows.Scan(&code, &id)
		ids[code] = id
	}
	return db, ids
}

var planner = renew.AuditEntry{Actor: "planner", Address: "192.0.2.1"}

func auditActions(t *testing.T, db *postgis.DB) string {
	t.Helper()
	var s string
	db.Pool.QueryRow(context.Background(), "SELECT coalesce(string_agg(action || ':' || coalesce(table_name, ''), ',' ORDER BY id), '') FROM audit_log").Scan(&s)
	return s
}

// A menu survey from opening to closing: stage rule, codes stored as hashes only, one ballot per
// code that can be changed while open, consent counted over the households and written to the
// plan when the survey closes, refusal afterwards.
func TestSurveyLifecycle(t *testing.T) {
	t.Parallel()
	db, ids := residentsDB(t)
	ctx := context.Background()

	if _, err := db.OpenSurvey(ctx, ids["PL-B"], residents.KindMenu, nil, 5, planner); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "制定方案") {
		t.Fatalf("menu survey of an approved plan: %v, want a conflict naming 制定方案", err)
	}
	if _, err := db.OpenSurvey(ctx, 9999, residents.KindMenu, nil, 5, planner); !errors.Is(err, renew.ErrNotFound) {
		t.Fatalf("no plan: %v", err)
	}
	sv, err := db.OpenSurvey(ctx, ids["PL-A"], residents.KindMenu, nil, 3, planner)
	if err != nil {
		t.Fatal(err)
	}
	if sv.Households != 12 || sv.Status != residents.StatusOpen || sv.CommunityCode != "A" || sv.MaxPriorities != 3 {
		t.Fatalf("opened %+v", sv)
	}
	if _, err := db.OpenSurvey(ctx, ids["PL-A"], residents.KindMenu, nil, 5, planner); !errors.Is(err, renew.ErrConflict) {
		t.Fatalf("second open survey: %v", err)
	}

	codes := make([]string, 10)
	hashes := make([][]byte, 10)
	for i := range codes {
		codes[i] = residents.NewCode()
		canon, _ := residents.NormalizeCode(codes[i])
		hashes[i] = residents.HashCode(canon)
	}
	if _, err := db.IssueCodes(ctx, sv.ID, hashes, 12, planner); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueCodes(ctx, sv.ID, hashes[:3], 12, planner); !errors.Is(err, renew.ErrConflict) {
		t.Fatalf("past the total: %v", err)
	}
	// Nothing in the database holds a code in clear.
	var dump string
	db.Pool.QueryRow(ctx, "SELECT coalesce(string_agg(encode(code_hash, 'escape'), ''), '') || (SELECT string_agg(coalesce(after::text, ''), '') FROM audit_log) FROM survey_codes").Scan(&dump)
	for _, c := range codes {
		if strings.Contains(dump, strings.ReplaceAll(c, "-", "")) || strings.Contains(dump, c) {
			t.Fatalf("code %s stored in clear", c)
		}
	}

	community := ids["community A"]
	find := func(code string) (residents.Survey, int64, *residents.Ballot, error) {
		canon, _ := residents.NormalizeCode(code)
		return db.FindCode(ctx, community, residents.KindMenu, residents.HashCode(canon))
	}
	if _, _, _, err := find(residents.NewCode()); !errors.Is(err, renew.ErrNotFound) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, _, _, err := db.FindCode(ctx, ids["community B"], residents.KindMenu, hashes[0]); !errors.Is(err, renew.ErrNotFound) {
		t.Fatalf("a code of another community: %v", err)
	}
	if _, _, _, err := db.FindCode(ctx, community, residents.KindSatisfaction, hashes[0]); !errors.Is(err, renew.ErrNotFound) {
		t.Fatalf("a code of another kind: %v", err)
	}
	yes, no := true, false
	now := time.Now()
	vote := func(code string, b residents.Ballot) {
		t.Helper()
		_, id, _, err := find(code)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveBallot(ctx, id, b, now); err != nil {
			t.Fatal(err)
		}
	}
	// 8 households agree, 1 does not; one changes its mind from no to yes.
	for i := range 8 {
		vote(codes[i], residents.Ballot{Choices: []string{"I07"}, Priorities: []string{"I07"}, Consent: &yes, Ratings: map[renew.Goal]int{}})
	}
	vote(codes[8], residents.Ballot{Choices: []string{"H01"}, Consent: &no, Ratings: map[renew.Goal]int{}, Comment: "<b>楼道</b>"})
	_, _, prev, err := find(codes[8])
	if err != nil || prev == nil || *prev.Consent || prev.Comment != "<b>楼道</b>" || prev.Choices[0] != "H01" {
		t.Fatalf("previous ballot %+v, %v", prev, err)
	}
	vote(codes[8], residents.Ballot{Choices: []string{"H01", "I07"}, Priorities: []string{"H01"}, Consent: &yes, Ratings: map[renew.Goal]int{}})
	bs, err := db.SurveyBallots(ctx, sv.ID)
	if err != nil || len(bs) != 9 {
		t.Fatalf("%d ballots, %v; want 9 (a changed vote replaces the old one)", len(bs), err)
	}
	got, _ := db.Survey(ctx, sv.ID)
	if got.CodesIssued != 10 || got.Ballots != 9 {
		t.Fatalf("counts %+v", got)
	}

	closed, applied, err := db.CloseSurvey(ctx, sv.ID, planner)
	if err != nil {
		t.Fatal(err)
	}
	// 9 yes of 12 households = 0.75.
	if !applied || closed.Status != residents.StatusClosed || closed.Consent == nil || *closed.Consent != 0.75 {
		t.Fatalf("closed %+v applied %v", closed, applied)
	}
	var rate float64
	db.Pool.QueryRow(ctx, "SELECT consent_rate::float8 FROM plans WHERE id = $1", ids["PL-A"]).Scan(&rate)
	if rate != 0.75 {
		t.Fatalf("plan consent %v, want 0.75", rate)
	}
	if a := auditActions(t, db); !strings.Contains(a, "survey_open:surveys,survey_codes:surveys,survey_close:surveys,consent_from_survey:plans") {
		t.Fatalf("audit %s", a)
	}
	_, id, _, err := find(codes[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveBallot(ctx, id, residents.Ballot{Consent: &no}, now); !errors.Is(err, residents.ErrClosed) {
		t.Fatalf("a ballot after closing: %v", err)
	}
	if _, _, err := db.CloseSurvey(ctx, sv.ID, planner); !errors.Is(err, renew.ErrConflict) {
		t.Fatalf("closing twice: %v", err)
	}
	if _, err := db.IssueCodes(ctx, sv.ID, [][]byte{residents.HashCode("0000000000")}, 100, planner); !errors.Is(err, renew.ErrConflict) {
		t.Fatalf("codes for a closed survey: %v", err)
	}
}

// A survey past its closing time refuses ballots; a plan at 公示确认 keeps its consent.
func TestSurveyDeadlineAndFrozenConsent(t *testing.T) {
	t.Parallel()
	db, ids := residentsDB(t)
	ctx := context.Background()
	closes := time.Now().Add(time.Hour)
	sv, err := db.OpenSurvey(ctx, ids["PL-A"], residents.KindMenu, &closes, 5, planner)
	if err != nil {
		t.Fatal(err)
	}
	h := residents.HashCode("ABCDE12345")
	if _, err := db.IssueCodes(ctx, sv.ID, [][]byte{h}, 100, planner); err != nil {
		t.Fatal(err)
	}
	_, id, _, err := db.FindCode(ctx, ids["community A"], residents.KindMenu, h)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := db.SaveBallot(ctx, id, residents.Ballot{Consent: &yes}, time.Now().Add(2*time.Hour)); !errors.Is(err, residents.ErrExpired) {
		t.Fatalf("after the deadline: %v", err)
	}
	if err := db.SaveBallot(ctx, id, residents.Ballot{Consent: &yes}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The plan moves on to 公示确认 before the survey is closed: its consent stays as it was.
	db.Pool.Exec(ctx, "UPDATE plans SET stage = 'approved', consent_rate = 0.9 WHERE id = $1", ids["PL-A"])
	closed, applied, err := db.CloseSurvey(ctx, sv.ID, planner)
	if err != nil || applied || closed.Consent == nil || *closed.Consent != 0.083 {
		t.Fatalf("close: %+v applied %v %v; want consent 1/12 = 0.083 recorded, not applied", closed, applied, err)
	}
	var rate float64
	db.Pool.QueryRow(ctx, "SELECT consent_rate::float8 FROM plans WHERE id = $1", ids["PL-A"]).Scan(&rate)
	if rate != 0.9 {
		t.Fatalf("frozen consent changed to %v", rate)
	}
}

func TestSatisfactionSurvey(t *testing.T) {
	t.Parallel()
	db, ids := residentsDB(t)
	ctx := context.Background()
	if _, err := db.OpenSurvey(ctx, ids["PL-B"], residents.KindSatisfaction, nil, 5, planner); !errors.Is(err, renew.ErrConflict) || !strings.Contains(err.Error(), "竣工验收") {
		t.Fatalf("satisfaction before acceptance: %v", err)
	}
	db.Pool.Exec(ctx, "UPDATE plans SET stage = 'accepted' WHERE id = $1", ids["PL-B"])
	sv, err := db.OpenSurvey(ctx, ids["PL-B"], residents.KindSatisfaction, nil, 5, planner)
	if err != nil {
		t.Fatal(err)
	}
	hs := [][]byte{residents.HashCode("AAAAA00000"), residents.HashCode("BBBBB00000")}
	if _, err := db.IssueCodes(ctx, sv.ID, hs, 100, planner); err != nil {
		t.Fatal(err)
	}
	for i, r := range []int{5, 2} {
		_, id, _, err := db.FindCode(ctx, ids["community B"], residents.KindSatisfaction, hs[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveBallot(ctx, id, residents.Ballot{Ratings: map[renew.Goal]int{renew.GoalRoad: r}}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	ss, bs, err := db.SatisfactionBallots(ctx)
	if err != nil || len(ss) != 1 || len(bs[0]) != 2 {
		t.Fatalf("%d surveys, %v", len(ss), err)
	}
	g := residents.TallySatisfaction(bs[0])[1]
	if g.Goal != renew.GoalRoad || g.Mean != 3.5 || g.Count != 2 {
		t.Fatalf("路面平 %+v", g)
	}
	if _, applied, err := db.CloseSurvey(ctx, sv.ID, planner); err != nil || applied {
		t.Fatalf("closing a satisfaction survey: applied %v, %v", applied, err)
	}
}

// Only plans at or past 公示确认 are public; the public map holds the outline, buildings and gates
// and nothing else.
func TestPublicNotice(t *testing.T) {
	t.Parallel()
	db, _ := residentsDB(t)
	ctx := context.Background()
	ns, err := db.Notices(ctx)
	if err != nil || len(ns) != 1 || ns[0].CommunityCode != "B" {
		t.Fatalf("notices %+v, %v: want only B", ns, err)
	}
	if ns[0].Budget != 120*650_00+8*3500_00 || ns[0].ItemCount != 2 || ns[0].StageName != "公示确认" {
		t.Fatalf("summary %+v", ns[0])
	}
	for _, code := range []string{"A", "nope", "' OR 1=1 --"} {
		if _, err := db.Notice(ctx, code); !errors.Is(err, renew.ErrNotFound) {
			t.Errorf("notice %q: %v, want not found", code, err)
		}
		if _, err := db.NoticeMap(ctx, code); !errors.Is(err, renew.ErrNotFound) {
			t.Errorf("notice map %q: %v, want not found", code, err)
		}
	}
	n, err := db.Notice(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Items) != 2 || n.Items[0].Name != "排水管线改造" || n.Items[0].Quantity != 120_00 || n.Items[0].Unit != "m" ||
		n.Items[0].Department != "区住建局" || len(n.Funding) != 2 || n.Funding[0].SourceName != "中央补助" ||
		n.Funded != 90000_00 || n.Departments[0] != "区住建局" || n.PlannedStart.String() != "2021-06-01" || n.Address != "英雄街9号" {
		t.Fatalf("notice %+v", n)
	}
	fc, err := db.NoticeMap(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(fc, &m); err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, f := range m.Features {
		kinds = append(kinds, f.Properties["kind"].(string))
	}
	if strings.Join(kinds, ",") != "community,building,gate" {
		t.Fatalf("map features %v", kinds)
	}
	if strings.Contains(string(fc), "燃气") || strings.Contains(string(fc), "steel") {
		t.Fatal("the public map holds a pipeline")
	}
}

// Each address gets limit lookups in its window; a taken-back attempt does not count; old
// records are purged by the next attempt.
func TestReserveCodeCheck(t *testing.T) {
	t.Parallel()
	db, ids := residentsDB(t)
	ctx := context.Background()
	a, b := ids["community A"], ids["community B"]
	hourAgo := time.Now().Add(-time.Hour)
	for i := range 3 {
		id, failures, err := db.ReserveCodeCheck(ctx, "192.0.2.1", a, hourAgo, hourAgo, 3)
		if err != nil || id == 0 || failures != i {
			t.Fatalf("attempt %d: id %d, %d failures, %v", i, id, failures, err)
		}
	}
	if id, failures, _ := db.ReserveCodeCheck(ctx, "192.0.2.1", b, hourAgo, hourAgo, 3); id != 0 || failures != 3 {
		t.Errorf("fourth attempt: id %d after %d failures, want refused after 3", id, failures)
	}
	id, _, _ := db.ReserveCodeCheck(ctx, "192.0.2.2", a, hourAgo, hourAgo, 3)
	if err := db.ForgetCodeCheck(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, failures, _ := db.ReserveCodeCheck(ctx, "192.0.2.2", a, hourAgo, hourAgo, 3); failures != 0 {
		t.Errorf("a right code was counted: %d failures", failures)
	}
	db.Pool.Exec(ctx, "UPDATE code_attempts SET at = now() - interval '2 hours'")
	db.ReserveCodeCheck(ctx, "192.0.2.9", b, hourAgo, hourAgo, 3)
	var n int
	db.Pool.QueryRow(ctx, "SELECT count(*) FROM code_attempts").Scan(&n)
	if n != 1 {
		t.Fatalf("%d rows after the purge, want 1", n)
	}
}
