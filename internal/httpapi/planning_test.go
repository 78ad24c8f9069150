package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

func decodeJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", short(string(body)), err)
	}
}

func planCommunityID(t *testing.T, f *fixture, code string) int64 {
	t.Helper()
	var id int64
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT id FROM communities WHERE code = $1`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The 片区 endpoints on the fixture: C1 is old (2021 batch), C2 is not; S1 (an old boiler house
// inside C1) may host an elderly day-care centre, which C1 lacks (F2 is only planned).
func TestPlanningEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c1 := planCommunityID(t, f, "C1")

	t.Run("suggest", func(t *testing.T) {
		rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/areas/suggest?gap=50&min=1&batch=implement", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Geometry   struct{ Type string } `json:"geometry"`
				Properties struct {
					Key     string `json:"key"`
					Members []struct {
						ID   int64  `json:"id"`
						Name string `json:"name"`
					} `json:"members"`
					Totals struct {
						Households int `json:"households"`
					} `json:"totals"`
				} `json:"properties"`
			} `json:"features"`
		}
		decodeJSON(t, rec.Body.Bytes(), &fc)
		if fc.Type != "FeatureCollection" || len(fc.Features) != 1 || fc.Features[0].Properties.Members[0].ID != c1 ||
			fc.Features[0].Properties.Totals.Households != 108 || fc.Features[0].Geometry.Type != "MultiPolygon" {
			t.Errorf("suggestions = %+v", fc)
		}
		// By default a suggestion needs two communities; C1 stands alone.
		rec = f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/areas/suggest", "")
		if !strings.Contains(rec.Body.String(), `"features":[]`) {
			t.Errorf("default suggestions: %s", rec.Body)
		}
		for _, q := range []string{"gap=-1", "gap=NaN", "gap=1e309", "gap=501", "batch=x", "stage=implement", "min=0", "batch=implement,%27"} {
			if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/areas/suggest?"+q, ""); rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", q, rec.Code)
			}
		}
	})

	var areaID int64
	t.Run("save", func(t *testing.T) {
		body := fmt.Sprintf(`{"name":" 机械厂片区 ","members":[%d],"origin":"suggested"}`, c1)
		if rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/areas", body); rec.Code != http.StatusForbidden {
			t.Errorf("viewer saves: %d", rec.Code)
		}
		for _, bad := range []string{`{"name":"x","members":[]}`, `{"name":"","members":[1]}`, `{"name":"x","members":[999999]}`,
			`{"name":"x","members":[1],"origin":"other"}`, `{"name":"x","members":[1],"extra":1}`, `{"members":[1]}`} {
			if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/areas", bad); rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
			}
		}
		rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/areas", body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var a struct {
			ID, Code, Name string
		}
		var raw map[string]any
		decodeJSON(t, rec.Body.Bytes(), &raw)
		areaID = int64(raw["id"].(float64))
		_ = a
		if raw["name"] != "机械厂片区" || raw["code"] != fmt.Sprintf("PQ-%04d", areaID) || raw["created_by"] != "planner" || raw["geometry"] == nil {
			t.Errorf("created %v", raw)
		}
		rec = f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/areas/%d", areaID), "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "机械厂家属楼") {
			t.Errorf("get: %d %s", rec.Code, short(rec.Body.String()))
		}
		read := rec.Header().Get("ETag")
		rec = f.as(t, renew.RolePlanner, http.MethodPatch, fmt.Sprintf("/api/v1/areas/%d", areaID), `{"name":"机械厂一号片区"}`, "If-Match", read)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "机械厂一号片区") {
			t.Errorf("patch: %d %s", rec.Code, short(rec.Body.String()))
		}
		current := rec.Header().Get("ETag")
		// A second planner who read the area before that change does not silently win; one who
		// names no version is asked for it.
		if rec := f.as(t, renew.RolePlanner, http.MethodPatch, fmt.Sprintf("/api/v1/areas/%d", areaID), `{"name":"后来者的名字"}`, "If-Match", read); rec.Code != http.StatusPreconditionFailed {
			t.Errorf("patch from a stale version: %d %s, want 412", rec.Code, short(rec.Body.String()))
		}
		if rec := f.as(t, renew.RolePlanner, http.MethodDelete, fmt.Sprintf("/api/v1/areas/%d", areaID), "", "If-Match", read); rec.Code != http.StatusPreconditionFailed {
			t.Errorf("delete from a stale version: %d, want 412", rec.Code)
		}
		if rec := f.as(t, renew.RolePlanner, http.MethodPatch, fmt.Sprintf("/api/v1/areas/%d", areaID), `{"name":"x"}`); rec.Code != http.StatusPreconditionRequired {
			t.Errorf("patch without If-Match: %d, want 428", rec.Code)
		}
		if rec := f.as(t, renew.RolePlanner, http.MethodPatch, fmt.Sprintf("/api/v1/areas/%d", areaID), `{}`, "If-Match", current); rec.Code != http.StatusBadRequest {
			t.Errorf("empty patch: %d", rec.Code)
		}
		if rec := f.as(t, renew.RolePlanner, http.MethodPatch, "/api/v1/areas/99999", `{"name":"x"}`, "If-Match", current); rec.Code != http.StatusNotFound {
			t.Errorf("patch missing: %d", rec.Code)
		}
		rec = f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/areas", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "机械厂一号片区") {
			t.Errorf("list: %d %s", rec.Code, short(rec.Body.String()))
		}
	})

	t.Run("report", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/areas/%d/report", areaID)
		var r struct {
			Gaps []struct {
				Kind string `json:"kind"`
				Gap  bool   `json:"gap"`
			} `json:"gaps"`
			GapSites []struct {
				Kind  struct{ Kind string }  `json:"kind"`
				Site  *struct{ Code string } `json:"site"`
				Newly int                    `json:"newly_covered"`
			} `json:"gap_sites"`
			Parking struct {
				Total struct{ Households, Demand, Gap int } `json:"total"`
			} `json:"parking"`
			Pipelines *struct{} `json:"pipelines"`
			Sites     []struct{ Code string }
			Estimate  struct {
				Lines []struct{ Code string } `json:"lines"`
				Total float64                 `json:"total"`
			} `json:"estimate"`
		}
		rec := f.as(t, renew.RolePlanner, http.MethodGet, path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		decodeJSON(t, rec.Body.Bytes(), &r)
		// S1 can host a culture station or an elderly day-care centre. The fixture has no culture
		// station at all: that kind is 无数据, not a gap; the elderly day-care centre (one planned,
		// none existing) is C1's gap, and S1 serves it.
		found := false
		for _, g := range r.GapSites {
			if g.Kind.Kind == "elderly_day_care" && g.Site != nil && g.Site.Code == "S1" && g.Newly == 108 {
				found = true
			}
			if g.Kind.Kind == "culture_station" {
				t.Errorf("a kind without any data is not a gap: %+v", g)
			}
		}
		if !found || r.Parking.Total.Households != 108 || r.Parking.Total.Demand != 65 || r.Pipelines == nil ||
			len(r.Sites) != 1 || r.Estimate.Total <= 0 {
			t.Errorf("report: gap sites %+v, parking %+v, pipes %v, sites %v, estimate %+v", r.GapSites, r.Parking, r.Pipelines, r.Sites, r.Estimate)
		}
		rec = f.as(t, renew.RoleViewer, http.MethodGet, path, "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"pipelines":null`) {
			t.Errorf("a viewer's report shows pipelines: %d %s", rec.Code, short(rec.Body.String()))
		}
		for _, p := range []string{"/api/v1/areas/99999/report", "/api/v1/areas/0/report", "/api/v1/areas/x/report"} {
			if rec := f.as(t, renew.RoleViewer, http.MethodGet, p, ""); rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", p, rec.Code)
			}
		}
	})

	t.Run("siting", func(t *testing.T) {
		var r struct {
			Lacking int `json:"lacking_before"`
			Covered int `json:"covered"`
			Picks   []struct {
				Rank  int                   `json:"rank"`
				Site  struct{ Code string } `json:"site"`
				Newly int                   `json:"newly_covered"`
			} `json:"picks"`
			Proposal struct {
				Facilities []map[string]any `json:"facilities"`
			} `json:"proposal"`
		}
		rec := f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/siting?kind=elderly_day_care&area=%d&k=2", areaID), "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		decodeJSON(t, rec.Body.Bytes(), &r)
		if r.Lacking != 108 || r.Covered != 108 || len(r.Picks) != 1 || r.Picks[0].Site.Code != "S1" || r.Picks[0].Newly != 108 ||
			len(r.Proposal.Facilities) != 1 {
			t.Fatalf("siting = %+v", r)
		}
		// The proposal is what the what-if API takes.
		prop, _ := json.Marshal(r.Proposal)
		rec = f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/scenarios", string(prop))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"newly_covered":108`) {
			t.Errorf("what-if of the siting: %d %s", rec.Code, short(rec.Body.String()))
		}
		for _, q := range []string{"", "kind=nope", "kind=elderly_day_care&k=0", "kind=elderly_day_care&k=21",
			"kind=elderly_day_care&bbox=1,2,3", "kind=elderly_day_care&area=1&bbox=124,43,124.1,43.1", "kind=elderly_day_care&near=-1",
			"kind=elderly_day_care&bbox=124,43,127,43.1", "kind=elderly_day_care&bbox=124,43,124,43.1",
			"kind=elderly_day_care&bbox=124,43,181,43.1", "kind=elderly_day_care&bbox=124,43,Inf,43.1"} {
			if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/siting?"+q, ""); rec.Code != http.StatusBadRequest {
				t.Errorf("%q: %d %s", q, rec.Code, short(rec.Body.String()))
			}
		}
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/siting?kind=elderly_day_care&area=99999", ""); rec.Code != http.StatusNotFound {
			t.Errorf("missing area: %d", rec.Code)
		}
		rec = f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/siting?kind=elderly_day_care&bbox=124.36,43.17,124.37,43.18", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"picks":[]`) {
			t.Errorf("bbox without sites: %d %s", rec.Code, short(rec.Body.String()))
		}
	})

	t.Run("parking", func(t *testing.T) {
		var r struct {
			Ratio float64 `json:"ratio"`
			Total struct {
				Households, Demand, Gap, GapFull int
			} `json:"total"`
			Communities []struct{ Name string } `json:"communities"`
		}
		rec := f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/parking-gap?community=%d&ratio=1", c1), "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		decodeJSON(t, rec.Body.Bytes(), &r)
		if r.Ratio != 1 || r.Total.Households != 108 || r.Total.Demand != 108 || r.Total.Gap != 108 || len(r.Communities) != 1 {
			t.Errorf("parking = %+v", r)
		}
		for _, q := range []string{"ratio=0", "ratio=-1", "ratio=NaN", "community=x", "area=1&community=1"} {
			if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/parking-gap?"+q, ""); rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", q, rec.Code)
			}
		}
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/parking-gap?community=99999", ""); rec.Code != http.StatusNotFound {
			t.Errorf("missing community: %d", rec.Code)
		}
	})

	t.Run("dig once", func(t *testing.T) {
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/dig-once", ""); rec.Code != http.StatusForbidden {
			t.Errorf("viewer: %d", rec.Code)
		}
		// R1 (2022) runs 11 m from the poor sewer P1: outside a 5 m corridor, inside a 15 m one.
		roads := func(q string) []string {
			rec := f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/dig-once?"+q, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", q, rec.Code, rec.Body)
			}
			var r struct {
				Roads []struct {
					Code  string `json:"code"`
					Pipes []struct{ Code string }
				} `json:"roads"`
			}
			decodeJSON(t, rec.Body.Bytes(), &r)
			var out []string
			for _, x := range r.Roads {
				out = append(out, x.Code)
				for _, p := range x.Pipes {
					out = append(out, p.Code)
				}
			}
			return out
		}
		if got := roads("from=2022&to=2022"); len(got) != 0 {
			t.Errorf("5 m: %v", got)
		}
		if got := roads("from=2022&buffer=15"); strings.Join(got, ",") != "R1,P1" {
			t.Errorf("15 m: %v", got)
		}
		if got := roads("from=2023&to=2030&buffer=15"); len(got) != 0 {
			t.Errorf("2023–2030: %v", got)
		}
		for _, q := range []string{"from=2023&to=2021", "from=abc", "buffer=0", "buffer=51", "from=1800", "from=1950&to=2050"} {
			if rec := f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/dig-once?"+q, ""); rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", q, rec.Code)
			}
		}
	})

	t.Run("pipe conditions", func(t *testing.T) {
		for _, role := range []renew.Role{renew.RoleViewer, renew.RolePlanner} {
			if rec := f.as(t, role, http.MethodGet, "/api/v1/pipelines/condition", ""); rec.Code != http.StatusForbidden {
				t.Errorf("%s: %d", role, rec.Code)
			}
		}
		// Two pipes in C1, 3 parts good to 1 critical (lengths along a parallel); P1 is public,
		// counted for the 街道 that holds its midpoint.
		if _, err := f.db.Pool.Exec(context.Background(), `
			INSERT INTO pipelines (code, kind, material, laid_year, condition, operator, community_id, geom) VALUES
			  ('PC1', 'water_supply', 'pe', 2005, 'good', '测试', $1, ST_MakeLine(ST_Point(124.350, 43.1600, 4326), ST_Point(124.3503, 43.1600, 4326))),
			  ('PC2', 'water_supply', 'pe', 1980, 'critical', '测试', $1, ST_MakeLine(ST_Point(124.350, 43.1601, 4326), ST_Point(124.3501, 43.1601, 4326)))`, c1); err != nil {
			t.Fatal(err)
		}
		defer f.db.Pool.Exec(context.Background(), `DELETE FROM pipelines WHERE code IN ('PC1', 'PC2')`)
		rec := f.as(t, renew.RoleLeader, http.MethodGet, "/api/v1/pipelines/condition", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var got struct {
			Communities, Subdistricts []planning.PipeCondition
		}
		decodeJSON(t, rec.Body.Bytes(), &got)
		if len(got.Communities) != 1 || got.Communities[0].ID != c1 || math.Abs(got.Communities[0].BadShare-0.25) > 0.002 ||
			len(got.Communities[0].ByCondition) != 2 || math.Abs(got.Communities[0].LengthM-4*8.12) > 0.5 {
			t.Errorf("communities %+v", got.Communities)
		}
		// The 街道: P1 (1,626.6 m, poor) and C1's two pipes.
		if len(got.Subdistricts) != 1 || math.Abs(got.Subdistricts[0].LengthM-1626.6-got.Communities[0].LengthM) > 0.2 ||
			got.Subdistricts[0].ByCondition["poor"] != 1626.6 {
			t.Errorf("subdistricts %+v", got.Subdistricts)
		}
	})

	t.Run("delete and audit", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/areas/%d", areaID)
		if rec := f.as(t, renew.RoleViewer, http.MethodDelete, path, ""); rec.Code != http.StatusForbidden {
			t.Errorf("viewer deletes: %d", rec.Code)
		}
		etag := f.as(t, renew.RolePlanner, http.MethodGet, path, "").Header().Get("ETag")
		if rec := f.as(t, renew.RolePlanner, http.MethodDelete, path, "", "If-Match", etag); rec.Code != http.StatusNoContent {
			t.Errorf("delete: %d %s", rec.Code, rec.Body)
		}
		if rec := f.as(t, renew.RolePlanner, http.MethodDelete, path, "", "If-Match", etag); rec.Code != http.StatusNotFound {
			t.Errorf("delete twice: %d", rec.Code)
		}
		var actions string
		f.db.Pool.QueryRow(context.Background(), `SELECT string_agg(action || ':' || actor, ',' ORDER BY id) FROM audit_log WHERE table_name = 'areas'`).Scan(&actions)
		if actions != "create:planner,update:planner,delete:planner" {
			t.Errorf("audit: %s", actions)
		}
	})
}

// Hostile values in every parameter the planning endpoints read: 4xx or 200, never 5xx, no SQL.
func TestPlanningHostileParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	params := []string{"gap", "batch", "stage", "min", "kind", "area", "bbox", "k", "near", "ratio", "community", "from", "to", "buffer", "year"}
	paths := []string{"/api/v1/areas/suggest", "/api/v1/siting", "/api/v1/parking-gap", "/api/v1/dig-once", "/api/v1/areas/1/report"}
	for _, p := range paths {
		for _, name := range params {
			for _, v := range hostileValues {
				q := url.Values{name: {v}}
				if name != "kind" {
					q.Set("kind", "elderly_day_care")
				}
				rec := f.as(t, renew.RoleAdmin, http.MethodGet, p+"?"+q.Encode(), "")
				if rec.Code >= 500 {
					t.Errorf("%s?%s=%s: %d %s", p, name, short(v), rec.Code, short(rec.Body.String()))
				}
				text := strings.ReplaceAll(rec.Body.String(), v, "")
				if m := leaks.FindString(text); m != "" {
					t.Errorf("%s?%s=%s leaks %q", p, name, short(v), m)
				}
			}
		}
	}
}
