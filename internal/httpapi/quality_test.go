package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"renewmap/internal/access"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
	"renewmap/internal/topology"
)

type qualityDoc struct {
	Isolated []struct {
		Community int64  `json:"community"`
		Code      string `json:"code"`
		Reason    string `json:"reason"`
	} `json:"isolated"`
	Dangles []topology.Dangle `json:"dangles"`
	NoData  []access.Named    `json:"no_data_kinds"`
	Unknown []struct {
		Layer   string `json:"layer"`
		Column  string `json:"column"`
		Unknown int    `json:"unknown"`
	} `json:"unknown"`
}

type communityCoverageDoc struct {
	Community struct {
		Kinds []struct {
			Kind    string `json:"kind"`
			Covered int    `json:"covered"`
			NoData  bool   `json:"no_data"`
		} `json:"kinds"`
		Gaps []struct {
			Kinds []struct {
				Kind string `json:"kind"`
			} `json:"kinds"`
		} `json:"gaps"`
	} `json:"community"`
}

// loadFaults replaces the fixture's places and networks with the network that has faults on
// purpose (internal/ingest/testdata/faults) and rebuilds the walk network.
func loadFaults(t *testing.T, f *fixture, opt topology.Options) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.db.Pool.Exec(ctx, `TRUNCATE districts, roads, gates, facilities, parking, pipelines, candidate_sites CASCADE`); err != nil {
		t.Fatal(err)
	}
	files, _, err := ingest.FilesFromPaths([]string{"../ingest/testdata/faults"}, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Import(ctx, b, postgis.ImportOptions{Topology: opt}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engines.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
}

// newFaultsFixture is newFixture holding only the faults network, imported without options.
func newFaultsFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	loadFaults(t, f, topology.Options{})
	return f
}

func TestQualityNamesIsolationAndDangles(t *testing.T) {
	t.Parallel()
	f := newFaultsFixture(t)
	ctx := context.Background()
	var qa int64
	if err := f.db.Pool.QueryRow(ctx, `SELECT id FROM communities WHERE code = 'QA'`).Scan(&qa); err != nil {
		t.Fatal(err)
	}

	q := decodeBody[qualityDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/quality", ""), 200)
	isolated := map[string]string{}
	for _, c := range q.Isolated {
		isolated[c.Code] = c.Reason
	}
	if isolated["QA"] != "unreachable" || isolated["QB"] != "unreachable" || len(isolated) != 2 {
		t.Fatalf("want QA (its path ends 3 m short) and QB (joined nowhere) isolated, got %v", isolated)
	}
	if len(q.Dangles) != 1 || q.Dangles[0].Road != "QA-P1" || q.Dangles[0].Near != "QR-MAIN" {
		t.Fatalf("want the dangle of QA-P1 by QR-MAIN, got %+v", q.Dangles)
	}
	noData := map[string]bool{}
	for _, k := range q.NoData {
		noData[k.Code] = true
	}
	if noData["kindergarten"] || !noData["bus_stop"] {
		t.Fatalf("kindergartens are in the data and bus stops are not: %v", noData)
	}

	acc := decodeBody[struct {
		Isolated *struct{ Reason string } `json:"isolated"`
	}](t, f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/communities/%d/access", qa), ""), 200)
	if acc.Isolated == nil || acc.Isolated.Reason != "unreachable" {
		t.Fatalf("the coverage panel's source must say QA is isolated, got %+v", acc.Isolated)
	}

	cov := decodeBody[communityCoverageDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/coverage?community=%d", qa), ""), 200)
	covered := map[string]int{}
	for _, k := range cov.Community.Kinds {
		covered[k.Kind] = k.Covered
		if k.NoData != noData[k.Kind] {
			t.Errorf("kind %s: no_data %v, want %v", k.Kind, k.NoData, noData[k.Kind])
		}
	}
	if covered["kindergarten"] != 0 {
		t.Fatalf("cut off, QA reaches no kindergarten: covered %d", covered["kindergarten"])
	}
	gaps := map[string]bool{}
	for _, g := range cov.Community.Gaps {
		for _, k := range g.Kinds {
			gaps[k.Kind] = true
		}
	}
	if !gaps["kindergarten"] || len(gaps) != 1 {
		t.Fatalf("the only gap is the kindergarten; kinds without data are 无数据, not gaps: %v", gaps)
	}

	// Loading again with -snap-dangles joins QA's path to the street: QA reaches the kindergarten.
	loadFaults(t, f, topology.Options{SnapDangles: true})
	if err := f.db.Pool.QueryRow(ctx, `SELECT id FROM communities WHERE code = 'QA'`).Scan(&qa); err != nil {
		t.Fatal(err)
	}
	q = decodeBody[qualityDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/quality", ""), 200)
	if len(q.Isolated) != 1 || q.Isolated[0].Code != "QB" || len(q.Dangles) != 0 {
		t.Fatalf("after joining, only QB is isolated and no dangle is left: %+v %+v", q.Isolated, q.Dangles)
	}
	cov = decodeBody[communityCoverageDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/coverage?community=%d", qa), ""), 200)
	for _, k := range cov.Community.Kinds {
		if k.Kind == "kindergarten" && k.Covered == 0 {
			t.Fatal("joined to the street, QA's households should reach a kindergarten")
		}
	}
}

// TestUnknownValuesEverywhere: community QC of the faults dataset says nothing of its completed
// year or management, nor its building of its year. Every consumer answers, and says 未知 where
// it speaks: the quality report counts it, search, plans, OGC, downloads, tiles and the 片区 tools
// cope with NULL, and the plan may start at 调查摸底 but not move to 储备.
func TestUnknownValuesEverywhere(t *testing.T) {
	t.Parallel()
	f := newFaultsFixture(t)
	ctx := context.Background()
	var qc int64
	if err := f.db.Pool.QueryRow(ctx, `SELECT id FROM communities WHERE code = 'QC' AND completed_year IS NULL
		AND management IS NULL AND is_old IS NULL`).Scan(&qc); err != nil {
		t.Fatalf("QC's unknown values must be stored as NULL: %v", err)
	}
	q := decodeBody[qualityDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/quality", ""), 200)
	unknown := map[string]int{}
	for _, u := range q.Unknown {
		unknown[u.Layer+"."+u.Column] = u.Unknown
	}
	if unknown["communities.completed_year"] != 1 || unknown["communities.management"] != 1 || unknown["buildings.completed_year"] != 1 {
		t.Fatalf("the report should count QC's unknown values: %v", unknown)
	}

	search := decodeBody[struct {
		Communities []struct {
			Code  string `json:"code"`
			IsOld *bool  `json:"is_old"`
		} `json:"communities"`
	}](t, f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/communities?q=连通", ""), 200)
	if len(search.Communities) != 1 || search.Communities[0].IsOld != nil {
		t.Fatalf("search: QC's age is unknown, not old or new: %+v", search.Communities)
	}
	for _, path := range []string{
		"/ogc/collections/communities/items?limit=10",
		"/ogc/collections/buildings/items?limit=10",
		"/download/communities.geojson",
		"/download/buildings.geojson",
		fmt.Sprintf("/download/community/%d.zip", qc),
		"/tiles/all/15/27702/12020.mvt",
		"/api/v1/areas/suggest",
		"/api/v1/parking-gap",
	} {
		if rec := f.as(t, renew.RoleDesigner, http.MethodGet, path, ""); rec.Code != 200 && rec.Code != 204 {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}

	// A community of unknown age enters the programme at 调查摸底 and stays there until surveyed.
	rec := f.as(t, renew.RolePlanner, http.MethodPost, fmt.Sprintf("/api/v1/communities/%d/plan", qc), "")
	if rec.Code != 201 && rec.Code != 200 {
		t.Fatalf("a plan for a community of unknown age: %d %s", rec.Code, rec.Body.String())
	}
	plan := decodeBody[struct {
		ID        int64 `json:"id"`
		Community struct {
			CompletedYear *int `json:"completed_year"`
		} `json:"community"`
		Transitions []struct {
			To      string   `json:"to"`
			Allowed bool     `json:"allowed"`
			Reasons []string `json:"reasons"`
		} `json:"transitions"`
	}](t, rec, rec.Code)
	if plan.Community.CompletedYear != nil {
		t.Fatalf("the plan shows a year for QC: %v", *plan.Community.CompletedYear)
	}
	blocked := false
	for _, tr := range plan.Transitions {
		if tr.To == "reserve" && !tr.Allowed && len(tr.Reasons) > 0 && tr.Reasons[0] == "建成年份未知（待核实）：调查摸底须先登记建成年份" {
			blocked = true
		}
	}
	if !blocked {
		t.Fatalf("moving QC to 储备 must wait for its year: %+v", plan.Transitions)
	}
}
