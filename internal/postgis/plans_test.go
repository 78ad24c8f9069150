package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"renewmap/geodata"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/programme"
	"renewmap/internal/renew"
)

// demoDB is a fresh database holding the demonstration dataset.
func demoDB(t *testing.T) *postgis.DB {
	t.Helper()
	db, _ := pgtest.New(t)
	files, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Import(context.Background(), b, postgis.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return db
}

func catalogOf(t *testing.T, db *postgis.DB) programme.Catalog {
	t.Helper()
	ctx := context.Background()
	labels, err := db.Labels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cat := programme.Catalog{Menu: map[string]renew.MenuItem{}, Departments: map[string]renew.Department{},
		Sources: labels["funding_source"], Managements: labels["management"], Batches: labels["batch"]}
	ms, err := db.Menu(ctx)
	if err != nil || len(ms) != 42 {
		t.Fatalf("menu: %d items, %v", len(ms), err)
	}
	for _, m := range ms {
		cat.Menu[m.Code] = m
	}
	ds, err := db.Departments(ctx)
	if err != nil || len(ds) != 9 {
		t.Fatalf("departments: %d, %v", len(ds), err)
	}
	for _, d := range ds {
		cat.Departments[d.Code] = d
	}
	return cat
}

// The district plan's own figures: the demo's 2021 batch is exactly 24 communities, 146
// buildings, 9,120 households and 721,000 m², measured against the 2021 target.
func TestDemoProgress(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	ctx := context.Background()
	plans, err := db.Plans(ctx, programme.PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 60 {
		t.Fatalf("%d plans, want 60", len(plans))
	}
	targets, err := db.Targets(ctx)
	if err != nil || len(targets) != 1 || targets[0].Due.String() != "2022-07-31" {
		t.Fatalf("targets: %+v %v", targets, err)
	}
	asOf, _ := renew.ParseDate("2021-11-30")
	year := 2021
	pr := programme.Summarize(plans, targets, asOf, &year, catalogOf(t, db))
	tot := pr.Totals
	if tot.Communities != 24 || tot.Buildings != 146 || tot.Households != 9120 || tot.FloorArea != 721000 {
		t.Errorf("2021 batch: %d communities, %d buildings, %d households, %v m²; want 24 / 146 / 9,120 / 721,000",
			tot.Communities, tot.Buildings, tot.Households, tot.FloorArea)
	}
	// The demo funds every 2021 plan in full.
	if tot.Budget != tot.Funded || tot.Budget <= 0 {
		t.Errorf("budget %v, funded %v", tot.Budget, tot.Funded)
	}
	tp := pr.Targets[0]
	if tp.Communities.Planned != 24 || tp.FloorAreaC.Planned != 721000 || tp.Communities.Started != 20 || tp.Communities.Completed != 3 {
		t.Errorf("target progress: %+v", tp.Communities)
	}
	// At 2021-11-30 the four approved plans had been due to start in June: overdue, not started.
	if len(pr.Overdue) != 4 || tp.Overdue != 4 {
		t.Errorf("overdue: %+v", pr.Overdue)
	}
	for _, o := range pr.Overdue {
		if o.Kind != "not_started" || o.Stage != renew.StageApproved {
			t.Errorf("overdue: %+v", o)
		}
	}
	var stageSum int
	for _, g := range pr.ByStage {
		stageSum += g.Communities
	}
	if stageSum != 24 || len(pr.BySubdistrict) == 0 || len(pr.ByDepartment) == 0 {
		t.Errorf("groups: stages %d, 街道 %d, departments %d", stageSum, len(pr.BySubdistrict), len(pr.ByDepartment))
	}
	// The whole programme: 60 plans in three batches.
	all := programme.Summarize(plans, targets, asOf, nil, catalogOf(t, db))
	if all.Totals.Communities != 60 || len(all.ByBatch) != 3 {
		t.Errorf("all: %d communities, %d batches", all.Totals.Communities, len(all.ByBatch))
	}
}

// The map's goals layer (view tile_goals) says what programme.Goals says, for every plan.
func TestGoalsViewAgreesWithRules(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	ctx := context.Background()
	plans, err := db.Plans(ctx, programme.PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT code, goal_drain, goal_road, goal_light, goal_function, goal_environment, goal_management, goals_met
		FROM tile_goals`)
	if err != nil {
		t.Fatal(err)
	}
	view := map[string][]string{}
	for rows.Next() {
		var code string
		g := make([]string, 6)
		var met int
		if err := rows.Scan(&code, &g[0], &g[1], &g[2], &g[3], &g[4], &g[5], &met); err != nil {
			t.Fatal(err)
		}
		view[code] = append(g, string(rune('0'+met)))
	}
	if len(view) != 60 {
		t.Fatalf("tile_goals has %d communities, want 60", len(view))
	}
	metSome := 0
	for i := range plans {
		p := &plans[i]
		rs := programme.Goals(p)
		want := make([]string, 0, 7)
		for _, r := range rs {
			want = append(want, string(r.State))
		}
		want = append(want, string(rune('0'+programme.GoalsMet(rs))))
		if got := view[p.Community.Code]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: view %v, rules %v", p.Code, got, want)
		}
		if programme.GoalsMet(rs) > 0 {
			metSome++
		}
	}
	if metSome == 0 {
		t.Error("no demo community meets any goal")
	}
}

func auditRows(t *testing.T, db *postgis.DB, table string) []renew.AuditEntry {
	t.Helper()
	es, err := db.AuditLog(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []renew.AuditEntry
	for _, e := range es {
		if e.Table == table {
			out = append(out, e)
		}
	}
	return out
}

// compact is an audit entry's JSON without spaces (jsonb adds them).
func compact(v any) string {
	raw, _ := v.(json.RawMessage)
	return strings.ReplaceAll(string(raw), " ", "")
}

func TestChangePlan(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	ctx := context.Background()
	cat := catalogOf(t, db)
	rules := programme.Rules{ConsentThreshold: programme.DefaultConsentThreshold, Today: renew.DateOf(time.Now())}
	who := renew.AuditEntry{Actor: "planner", Address: "192.0.2.1"}
	ps, err := db.Plans(ctx, programme.PlanFilter{Stage: "review"})
	if err != nil || len(ps) == 0 {
		t.Fatalf("review plans: %d %v", len(ps), err)
	}
	p := ps[0]

	// Add an item: written, costed by the database as by the rules, audited with its after.
	q := renew.Dec2(12_50)
	var menu string
	for code := range cat.Menu {
		found := false
		for _, it := range p.Items {
			found = found || it.MenuCode == code
		}
		if !found {
			menu = code
			break
		}
	}
	after, err := db.ChangePlan(ctx, p.ID, &p.UpdatedAt, who, func(pl *renew.Plan) (*renew.StageChange, error) {
		_, err := programme.AddItem(pl, programme.ItemChange{MenuCode: menu, Quantity: &q}, cat)
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != len(p.Items)+1 || !after.UpdatedAt.After(p.UpdatedAt) {
		t.Fatalf("items %d → %d, updated %v → %v", len(p.Items), len(after.Items), p.UpdatedAt, after.UpdatedAt)
	}
	var added renew.PlanItem
	for _, it := range after.Items {
		if it.MenuCode == menu {
			added = it
		}
	}
	if added.ID == 0 || added.Cost != q.Mul(cat.Menu[menu].UnitCost) || after.Cost() != p.Cost()+added.Cost {
		t.Errorf("added %+v; cost %v → %v", added, p.Cost(), after.Cost())
	}
	items := auditRows(t, db, "plan_items")
	if len(items) != 1 || items[0].Action != "create" || items[0].Actor != "planner" || items[0].Before != nil ||
		!strings.Contains(compact(items[0].After), `"menu_code":"`+menu+`"`) {
		t.Errorf("item audit: %+v", items)
	}

	// A stale version changes nothing.
	_, err = db.ChangePlan(ctx, p.ID, &p.UpdatedAt, who, func(pl *renew.Plan) (*renew.StageChange, error) {
		_, err := programme.RemoveItem(pl, added.ID)
		return nil, err
	})
	if !errors.Is(err, programme.ErrPlanChanged) {
		t.Errorf("stale: %v", err)
	}
	// A refused move changes nothing either: the review plan is not funded.
	_, err = db.ChangePlan(ctx, p.ID, nil, who, func(pl *renew.Plan) (*renew.StageChange, error) {
		ch, err := programme.Move(pl, programme.StageRequest{To: renew.StageApproved}, rules)
		return &ch, err
	})
	if !errors.Is(err, renew.ErrConflict) || !strings.Contains(renew.UserMessage(err), "资金未落实") {
		t.Errorf("unfunded approval: %v", err)
	}
	// Fund it in full, with consent above 2/3, then approve: plan row, funding and stage audited.
	cur, _ := db.Plan(ctx, p.ID)
	consent := 0.8
	cur, err = db.ChangePlan(ctx, p.ID, &cur.UpdatedAt, who, func(pl *renew.Plan) (*renew.StageChange, error) {
		if err := programme.ApplyPatch(pl, programme.Patch{ConsentRate: programme.Opt[float64]{Set: true, Value: &consent}}, cat, rules); err != nil {
			return nil, err
		}
		half := pl.Cost() / 2
		return nil, programme.SetFunding(pl, []renew.Funding{{Source: "central", Amount: half}, {Source: "district", Amount: pl.Cost() - half}}, cat)
	})
	if err != nil || cur.Funded() != cur.Cost() || *cur.ConsentRate != 0.8 {
		t.Fatalf("fund: %v", err)
	}
	cur, err = db.ChangePlan(ctx, p.ID, nil, who, func(pl *renew.Plan) (*renew.StageChange, error) {
		ch, err := programme.Move(pl, programme.StageRequest{To: renew.StageApproved}, rules)
		return &ch, err
	})
	if err != nil || cur.Stage != renew.StageApproved {
		t.Fatalf("approve: %v", err)
	}
	cur, err = db.ChangePlan(ctx, p.ID, nil, who, func(pl *renew.Plan) (*renew.StageChange, error) {
		ch, err := programme.Move(pl, programme.StageRequest{To: renew.StageReview, Reason: "市旧改办退回修改"}, rules)
		return &ch, err
	})
	if err != nil || cur.Stage != renew.StageReview {
		t.Fatalf("back: %v", err)
	}
	hist, err := db.StageHistory(ctx, p.ID)
	if err != nil || len(hist) != 2 || hist[0].To != renew.StageReview || hist[0].Reason != "市旧改办退回修改" || hist[1].To != renew.StageApproved {
		t.Errorf("history: %+v %v", hist, err)
	}
	plansAudit := auditRows(t, db, "plans")
	if len(plansAudit) != 3 || plansAudit[0].Action != "stage" || !strings.Contains(compact(plansAudit[0].After), "市旧改办退回修改") ||
		!strings.Contains(compact(plansAudit[0].Before), `"stage":"approved"`) {
		t.Errorf("plan audit: %+v", plansAudit)
	}
	if f := auditRows(t, db, "plan_funding"); len(f) != 2 || f[0].RowID == "" {
		t.Errorf("funding audit: %+v", f)
	}
	// An unchanged plan is not rewritten.
	again, err := db.ChangePlan(ctx, p.ID, nil, who, func(*renew.Plan) (*renew.StageChange, error) { return nil, nil })
	if err != nil || !again.UpdatedAt.Equal(cur.UpdatedAt) {
		t.Errorf("no-op change: %v, %v → %v", err, cur.UpdatedAt, again.UpdatedAt)
	}
	if _, err := db.ChangePlan(ctx, 99999, nil, who, func(*renew.Plan) (*renew.StageChange, error) { return nil, nil }); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("missing plan: %v", err)
	}
}

func TestCreatePlanAndSettings(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	ctx := context.Background()
	who := renew.AuditEntry{Actor: "planner"}
	var oldFree, newer, planned int
	err := db.Pool.QueryRow(ctx, `
		SELECT (SELECT min(c.id) FROM communities c WHERE c.is_old AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.community_id = c.id)),
		       (SELECT min(id) FROM communities WHERE NOT is_old),
		       (SELECT min(community_id) FROM plans)`).Scan(&oldFree, &newer, &planned)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreatePlan(ctx, oldFree, who)
	if err != nil || p.Stage != renew.StageSurvey || p.Batch != "reserve" || p.Community.ID != oldFree || !strings.HasPrefix(p.Code, "PL-") {
		t.Fatalf("create: %+v %v", p, err)
	}
	if _, err := db.CreatePlan(ctx, oldFree, who); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("second plan: %v", err)
	}
	if _, err := db.CreatePlan(ctx, newer, who); !errors.Is(err, renew.ErrConflict) || !strings.Contains(renew.UserMessage(err), "不是老旧小区") {
		t.Errorf("new community: %v", err)
	}
	if _, err := db.CreatePlan(ctx, 999999, who); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("missing community: %v", err)
	}
	if a := auditRows(t, db, "plans"); len(a) != 1 || a[0].Action != "create" {
		t.Errorf("create audit: %+v", a)
	}

	st, err := db.ProgrammeSettings(ctx)
	if err != nil || st.AsOf != nil || st.ConsentThresholdText != "2/3" {
		t.Fatalf("default settings: %+v %v", st, err)
	}
	d, f := "2021-11-30", "0.75"
	if err := db.SetProgrammeSetting(ctx, "as_of", &d, who); err != nil {
		t.Fatal(err)
	}
	if err := db.SetProgrammeSetting(ctx, "consent_threshold", &f, who); err != nil {
		t.Fatal(err)
	}
	st, _ = db.ProgrammeSettings(ctx)
	if st.AsOf == nil || st.AsOf.String() != d || st.ConsentThreshold != 0.75 {
		t.Errorf("settings: %+v", st)
	}
	bad := "tomorrow"
	if err := db.SetProgrammeSetting(ctx, "as_of", &bad, who); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("bad as_of: %v", err)
	}
	if err := db.SetProgrammeSetting(ctx, "colour", nil, who); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("unknown key: %v", err)
	}
	if err := db.SetProgrammeSetting(ctx, "as_of", nil, who); err != nil {
		t.Fatal(err)
	}
	if a := auditRows(t, db, "programme_settings"); len(a) != 3 {
		t.Errorf("settings audit: %d rows", len(a))
	}
}
