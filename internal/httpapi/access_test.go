package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"renewmap/geodata"
	"renewmap/internal/access"
	"renewmap/internal/auth"
	"renewmap/internal/config"
	"renewmap/internal/httpapi"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

// newTiexiFixture is newFixture over the demo district (geodata/tiexi) instead of the small
// fixture, with the walk network built.
func newTiexiFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	files, _, err := ingest.FilesFromFS(geodata.FS, "tiexi")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Import(ctx, b, postgis.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range renew.Roles {
		if _, err := db.CreateUser(ctx, renew.User{Username: string(r), Role: r}, testHashes[r], renew.AuditEntry{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DatabaseURL = "postgres://unused"
	versions := &tiles.Versions{}
	wctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go db.WatchVersions(wctx, versions, log)
	waitFor(t, "data versions", func() bool { _, ok := versions.Stamp(nil); return ok })
	engines := access.NewHolder(db, db, access.HolderOptions{Log: log})
	if _, err := engines.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	e := httpapi.New(cfg, httpapi.Deps{
		Logger: log, Ready: db.Ping, Catalogue: cat, Tiles: db, Versions: versions,
		TileCache: watchedCache(t, wctx, db, false), Accounts: db,
		Lookups: db, Features: db, Programme: db, Planning: db, Residents: db, Edits: db, Engines: engines, AccessStore: db,
		Auth: auth.New(db, auth.Settings{TTL: cfg.SessionTTL, Recheck: cfg.SessionRecheck, Limits: auth.DefaultLimits}),
	})
	f := &fixture{e: e, db: db, sessions: map[renew.Role]session{}, engines: engines}
	for _, r := range renew.Roles {
		f.sessions[r] = f.login(t, string(r), "pw-"+string(r))
	}
	return f
}

func decodeBody[T any](t *testing.T, rec interface{ Result() *http.Response }, want int) T {
	t.Helper()
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	var v T
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, want, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

type coverageKind struct {
	Kind            string  `json:"kind"`
	Name            string  `json:"name"`
	Level           string  `json:"level"`
	Required        bool    `json:"required"`
	ServiceDistance float64 `json:"service_distance"`
	Households      int     `json:"households"`
	Covered         int     `json:"covered"`
	Share           float64 `json:"share"`
}

type coverageDoc struct {
	Version      int64          `json:"version"`
	Households   int            `json:"households"`
	Kinds        []coverageKind `json:"kinds"`
	Subdistricts []struct {
		Name       string    `json:"name"`
		Households int       `json:"households"`
		Covered    []int     `json:"covered"`
		Share      []float64 `json:"share"`
	} `json:"subdistricts"`
	Community *struct {
		ID         int64          `json:"id"`
		Name       string         `json:"name"`
		Households int            `json:"households"`
		Kinds      []coverageKind `json:"kinds"`
		Gaps       []struct {
			Level string `json:"level"`
			Kinds []struct {
				Kind string `json:"kind"`
			} `json:"kinds"`
		} `json:"gaps"`
	} `json:"community"`
}

func count(t *testing.T, db *postgis.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// rowCounts are the tables a what-if must not touch, and the data versions.
func rowCounts(t *testing.T, db *postgis.DB) string {
	t.Helper()
	var s string
	if err := db.Pool.QueryRow(context.Background(), `SELECT concat_ws(' ',
		(SELECT count(*) FROM facilities), (SELECT count(*) FROM roads), (SELECT count(*) FROM gates),
		(SELECT count(*) FROM audit_log), (SELECT string_agg(table_name || '=' || version, ',' ORDER BY table_name) FROM data_versions))`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// buildingPoint is a point on a building of the community (where a what-if facility goes).
func buildingPoint(t *testing.T, db *postgis.DB, community int64) (float64, float64) {
	t.Helper()
	var x, y float64
	if err := db.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM buildings b,
		LATERAL ST_PointOnSurface(b.geom) p WHERE community_id = $1 ORDER BY households DESC LIMIT 1`, community).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	return x, y
}

func TestAccessOnTiexi(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTiexiFixture(t)
	eng, err := f.engines.Engine(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("circles for every community", func(t *testing.T) {
		if err := f.engines.UpdateResults(ctx, false); err != nil {
			t.Fatal(err)
		}
		withBuildings := count(t, f.db, `SELECT count(DISTINCT community_id) FROM buildings`)
		if n := count(t, f.db, `SELECT count(DISTINCT community_id) FROM living_circles WHERE inputs_version = $1`, eng.Version()); n != withBuildings || n == 0 {
			t.Errorf("%d communities with circles, want %d", n, withBuildings)
		}
		if n := count(t, f.db, `SELECT count(*) FROM (SELECT community_id FROM living_circles
			GROUP BY community_id HAVING count(*) <> 6 OR count(DISTINCT profile) <> 2) x`); n != 0 {
			t.Errorf("%d communities without their 3 levels × 2 profiles", n)
		}
		if n := count(t, f.db, `SELECT count(*) FROM building_coverage WHERE inputs_version = $1`, eng.Version()); n != count(t, f.db, `SELECT count(*) FROM buildings`) {
			t.Errorf("blind spots for %d buildings", n)
		}
		st := f.engines.Status()
		if st.Circles.State != "done" || st.Circles.Done != int(withBuildings) || st.BlindSpots.State != "done" {
			t.Errorf("status %+v", st)
		}
		// A second update finds them current and recomputes nothing.
		if err := f.engines.UpdateResults(ctx, false); err != nil {
			t.Fatal(err)
		}
		if st := f.engines.Status(); st.Circles.State != "current" {
			t.Errorf("second update: circles %q, want current", st.Circles.State)
		}
		// The coverage tile layer reads them: a building coloured by what it misses.
		if n := count(t, f.db, `SELECT count(*) FROM tile_coverage WHERE missing_required > 0 AND missing <> ''`); n == 0 {
			t.Error("tile_coverage has no building missing anything")
		}
	})

	// Per community, the households reaching every required kind are those of its buildings
	// that miss none (as the coverage tiles say); the 街道 add up to the same.
	t.Run("complete coverage per community and 街道", func(t *testing.T) {
		type area struct {
			ID            int64   `json:"id"`
			Households    int     `json:"households"`
			Complete      int     `json:"complete"`
			Share         float64 `json:"share"`
			RequiredShare float64 `json:"required_share"`
		}
		got := decodeBody[struct{ Communities, Subdistricts []area }](t,
			f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/coverage/complete", ""), 200)
		rows, err := f.db.Pool.Query(ctx, `SELECT b.community_id, coalesce(sum(b.households) FILTER (WHERE bc.missing_required = 0), 0)::int
			FROM building_coverage bc JOIN buildings b ON b.id = bc.building_id
			WHERE bc.inputs_version = $1 AND b.community_id IS NOT NULL GROUP BY 1`, eng.Version())
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]int{}
		for rows.Next() {
			var id int64
			var n int
			rows.Scan(&id, &n)
			want[id] = n
		}
		if len(got.Communities) == 0 || len(got.Communities) != len(want) {
			t.Fatalf("%d communities, the tiles have %d", len(got.Communities), len(want))
		}
		sumC, sumS, partial := 0, 0, 0
		for _, c := range got.Communities {
			if c.Complete != want[c.ID] || c.Complete > c.Households || math.Abs(c.Share-float64(c.Complete)/float64(c.Households)) > 1e-9 {
				t.Errorf("community %+v, tiles say %d complete", c, want[c.ID])
			}
			if c.RequiredShare < c.Share || c.RequiredShare > 1 {
				t.Errorf("community %+v: required kinds reached below the complete share", c)
			}
			if c.RequiredShare > 0 && c.RequiredShare < 1 {
				partial++
			}
			sumC += c.Complete
		}
		for _, s := range got.Subdistricts {
			sumS += s.Complete
		}
		if sumC != sumS || partial < len(got.Communities)/2 {
			t.Errorf("communities %d, 街道 %d complete households; %d communities partly complete", sumC, sumS, partial)
		}
	})

	var doc coverageDoc
	t.Run("coverage is consistent", func(t *testing.T) {
		doc = decodeBody[coverageDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/coverage", ""), 200)
		if len(doc.Kinds) != 29 || doc.Households <= 0 || doc.Version != eng.Version() {
			t.Fatalf("%d kinds, %d households, version %d", len(doc.Kinds), doc.Households, doc.Version)
		}
		for _, k := range doc.Kinds {
			if k.Name == "" || k.Level == "" || k.ServiceDistance <= 0 || k.Households != doc.Households ||
				k.Covered < 0 || k.Covered > k.Households || k.Share < 0 || k.Share > 1 ||
				math.Abs(k.Share-float64(k.Covered)/float64(k.Households)) > 1e-9 {
				t.Errorf("kind %+v", k)
			}
		}
		sum := 0
		for _, s := range doc.Subdistricts {
			sum += s.Households
			if s.Name == "" {
				t.Error("a subdistrict without its name")
			}
			for k, c := range s.Covered {
				if c < 0 || c > s.Households || s.Share[k] < 0 || s.Share[k] > 1 {
					t.Errorf("%s kind %d: %d of %d", s.Name, k, c, s.Households)
				}
			}
		}
		if sum != doc.Households {
			t.Errorf("subdistricts hold %d households, the district %d", sum, doc.Households)
		}
		// A community's gaps are exactly its required kinds covering less than half.
		for _, c := range eng.Coverage().Communities[:20] {
			d := decodeBody[coverageDoc](t, f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/coverage?community=%d", c.ID), ""), 200)
			gap := map[string]bool{}
			for _, g := range d.Community.Gaps {
				for _, k := range g.Kinds {
					gap[k.Kind] = true
				}
			}
			for _, k := range d.Community.Kinds {
				want := k.Required && d.Community.Households > 0 && float64(k.Covered) < 0.5*float64(d.Community.Households)
				if gap[k.Kind] != want {
					t.Errorf("community %d kind %s: covered %d of %d, gap %v", c.ID, k.Kind, k.Covered, d.Community.Households, gap[k.Kind])
				}
			}
		}
	})

	// The community lacking a kindergarten with the most households.
	var target int64
	kinder := 0
	for i, k := range eng.Kinds() {
		if k.Code == "kindergarten" {
			kinder = i
		}
	}
	most := 0
	for _, c := range eng.Coverage().Communities {
		if c.Covered[kinder] == 0 && c.Households > most {
			target, most = c.ID, c.Households
		}
	}

	t.Run("access matches the engine", func(t *testing.T) {
		type accessBody struct {
			Circles []struct {
				Profile  string  `json:"profile"`
				Minutes  int     `json:"minutes"`
				Distance float64 `json:"distance_m"`
			} `json:"circles"`
			Reached []struct {
				Facility int64              `json:"facility"`
				Kind     string             `json:"kind"`
				Name     string             `json:"name"`
				Distance float64            `json:"distance_m"`
				Minutes  map[string]float64 `json:"minutes"`
			} `json:"reached"`
			Nearest   []*float64       `json:"nearest"`
			Isolated  *access.Isolated `json:"isolated"`
			Community struct {
				Gaps []struct {
					Level string `json:"level"`
				} `json:"gaps"`
			} `json:"community"`
		}
		got := decodeBody[accessBody](t, f.as(t, renew.RoleViewer, http.MethodGet, fmt.Sprintf("/api/v1/communities/%d/access", target), ""), 200)
		if len(got.Circles) != 6 || got.Circles[0].Minutes != 5 || got.Circles[0].Distance != 300 || got.Circles[3].Distance != 240 {
			t.Errorf("circles %+v", got.Circles)
		}
		want, err := eng.Reach(target, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Reached) != len(want) || len(want) == 0 {
			t.Fatalf("%d facilities reached, the engine says %d", len(got.Reached), len(want))
		}
		dist := map[int64]float64{}
		for _, r := range want {
			dist[r.Facility] = r.Distance
		}
		for i, r := range got.Reached {
			if d, ok := dist[r.Facility]; !ok || math.Abs(d-r.Distance) > 0.06 || r.Name == "" {
				t.Errorf("facility %d (%s) at %v m, the engine says %v", r.Facility, r.Name, r.Distance, d)
			}
			if i > 0 && r.Distance < got.Reached[i-1].Distance {
				t.Error("not nearest first")
			}
			if math.Abs(r.Minutes["standard"]-r.Distance/60) > 0.06 || math.Abs(r.Minutes["winter"]-r.Distance/0.8/60) > 0.06 {
				t.Errorf("minutes %v for %v m", r.Minutes, r.Distance)
			}
		}
		near, _ := eng.NearestDistance(target)
		for k, d := range near {
			if (got.Nearest[k] == nil) != math.IsInf(d, 1) || got.Nearest[k] != nil && math.Abs(*got.Nearest[k]-d) > 0.06 {
				t.Errorf("nearest of kind %d: %v, engine %v", k, got.Nearest[k], d)
			}
		}
		if len(got.Community.Gaps) == 0 {
			t.Error("the community without a kindergarten has no gaps")
		}
		if got.Isolated != nil {
			t.Errorf("community %d reported isolated: %+v", target, got.Isolated)
		}
		st := decodeBody[struct {
			Stats struct {
				Components int `json:"components"`
			} `json:"stats"`
			Isolated []access.Isolated `json:"isolated"`
		}](t, f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/access/status", ""), 200)
		if st.Isolated == nil || !slices.Equal(st.Isolated, eng.Isolation()) || st.Stats.Components != eng.Stats().Components {
			t.Errorf("status: %d components, isolated %+v; the engine says %d, %+v", st.Stats.Components, st.Isolated, eng.Stats().Components, eng.Isolation())
		}
		if rec := f.as(t, renew.RoleViewer, http.MethodGet, "/api/v1/communities/999999/access", ""); rec.Code != 404 {
			t.Errorf("unknown community: %d", rec.Code)
		}
	})

	t.Run("what-if raises coverage and writes nothing", func(t *testing.T) {
		before := rowCounts(t, f.db)
		x, y := buildingPoint(t, f.db, target)
		body := fmt.Sprintf(`{"facilities":[{"kind":"kindergarten","lon":%f,"lat":%f,"community":%d}],"community":%d}`, x, y, target, target)
		for _, role := range []renew.Role{renew.RoleViewer, renew.RolePlanner} {
			got := decodeBody[struct {
				Kinds []struct {
					Kind          string  `json:"kind"`
					CoveredBefore int     `json:"covered_before"`
					CoveredAfter  int     `json:"covered_after"`
					ShareBefore   float64 `json:"share_before"`
					ShareAfter    float64 `json:"share_after"`
					Newly         int     `json:"newly_covered"`
					Buildings     int     `json:"buildings"`
					NewlyIDs      []int64 `json:"newly_buildings"`
				} `json:"kinds"`
				Communities []struct {
					ID         int64 `json:"id"`
					ClosedGaps []struct {
						Kind string `json:"kind"`
					} `json:"closed_gaps"`
				} `json:"communities"`
				ElapsedMS float64                    `json:"elapsed_ms"`
				Served    *geojson.FeatureCollection `json:"served"`
				Circles   *geojson.FeatureCollection `json:"circles"`
			}](t, f.as(t, role, http.MethodPost, "/api/v1/scenarios", body), 200)
			// The map draws what the kindergarten serves (300 m along the paths, its own point
			// within); no passage, so the circles are not redrawn.
			if got.Served == nil || len(got.Served.Features) != 1 {
				t.Fatalf("served %+v", got.Served)
			}
			sv := got.Served.Features[0]
			mp, ok := sv.Geometry.(orb.MultiPolygon)
			if !ok || sv.Properties["kind"] != "kindergarten" || sv.Properties["service_distance"] != 300.0 ||
				!planar.MultiPolygonContains(mp, orb.Point{x, y}) {
				t.Errorf("served area %T %v, holds the facility: %v", sv.Geometry, sv.Properties, ok && planar.MultiPolygonContains(mp, orb.Point{x, y}))
			}
			if got.Circles != nil {
				t.Errorf("circles redrawn without a passage: %d", len(got.Circles.Features))
			}
			k := got.Kinds[kinder]
			if k.Kind != "kindergarten" || k.CoveredAfter <= k.CoveredBefore || k.Newly != k.CoveredAfter-k.CoveredBefore || k.ShareAfter <= k.ShareBefore {
				t.Errorf("kindergarten %+v", k)
			}
			// The map recolours the buildings newly covered: the answer names each of them.
			if len(k.NewlyIDs) != k.Buildings || k.Buildings == 0 {
				t.Errorf("kindergarten: %d buildings newly covered, %d named", k.Buildings, len(k.NewlyIDs))
			}
			closed := false
			for _, c := range got.Communities {
				for _, g := range c.ClosedGaps {
					closed = closed || c.ID == target && g.Kind == "kindergarten"
				}
			}
			if !closed {
				t.Errorf("the kindergarten gap of community %d is not closed: %+v", target, got.Communities)
			}
			if got.ElapsedMS > 200 {
				t.Errorf("what-if took %v ms", got.ElapsedMS)
			}
		}
		if after := rowCounts(t, f.db); after != before {
			t.Errorf("a what-if changed the data:\n%s\n%s", before, after)
		}
		// Without the CSRF token it is refused (it is a POST).
		rec := f.do(t, "", http.MethodPost, "/api/v1/scenarios", body, "Cookie", "renewmap_session="+f.sessions[renew.RoleViewer].cookie.Value)
		if rec.Code != http.StatusForbidden {
			t.Errorf("what-if without CSRF: %d", rec.Code)
		}
	})

	t.Run("bad bodies", func(t *testing.T) {
		x, y := buildingPoint(t, f.db, target)
		pt := fmt.Sprintf(`"lon":%f,"lat":%f`, x, y)
		var many []string
		for range 51 {
			many = append(many, `{"kind":"kindergarten",`+pt+`}`)
		}
		bodies := []string{
			``, `null`, `[]`, `{}`, `{"facilities":[]}`, `{"facilities":[{"kind":"kindergarten"}]}`,
			`{"facilities":[{"kind":"no_such_kind",` + pt + `}]}`,
			`{"facilities":[{"kind":"kindergarten","lon":200,"lat":43}]}`,
			`{"facilities":[{"kind":"kindergarten","lon":124.3,"lat":95}]}`,
			`{"facilities":[{"kind":"kindergarten","lon":10,"lat":10}]}`, // far from the network
			`{"facilities":[{"kind":"kindergarten",` + pt + `,"extra":1}]}`,
			`{"facilities":[` + strings.Join(many, ",") + `]}`,
			`{"passages":[{"type":"tunnel",` + pt + `}]}`,
			`{"passages":[{"type":"gate",` + pt + `}]}`,
			`{"passages":[{"type":"gate","community":999999,` + pt + `}]}`,
			`{"passages":[{"type":"path","from":[124.35,43.16]}]}`,
			`{"passages":[{"type":"path","from":[124.35,43.16],"to":[124.35,43.16]}]}`,
			`{"passages":[{"type":"path","from":[124.35,43.16,1],"to":[124.36,43.16]}]}`,
			`{"facilities":[{"kind":"kindergarten",` + pt + `}],"community":999999}`,
			`{"facilities":[{"kind":"kindergarten",` + pt + `}]} {}`,
		}
		for _, b := range bodies {
			if rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/scenarios", b); rec.Code != 400 {
				t.Errorf("%.80s: %d %s", b, rec.Code, rec.Body.String())
			}
		}
	})
}

func TestSaveScenario(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTiexiFixture(t)
	eng, _ := f.engines.Engine(ctx)
	in, err := f.db.LoadNetwork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A path between two public road vertices 120–250 m apart near the middle of the district,
	// and a gate in the wall of a community with internal paths.
	var from, to [2]float64
	var comm int64
	found := false
	for i, a := range in.Edges {
		for _, b := range in.Edges[i+1:] {
			if a.Community != 0 || b.Community != 0 || found {
				continue
			}
			p, q := a.Line[0], b.Line[len(b.Line)-1]
			kx := 111320 * math.Cos(p[1]*math.Pi/180)
			if d := math.Hypot((p[0]-q[0])*kx, (p[1]-q[1])*110540); d > 120 && d < 250 {
				from, to, found = [2]float64(p), [2]float64(q), true
			}
		}
		if a.Community != 0 && comm == 0 {
			comm = a.Community
		}
	}
	if !found || comm == 0 {
		t.Fatal("no place for the passages")
	}
	var gx, gy float64
	if err := f.db.Pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM communities,
		LATERAL ST_ClosestPoint(ST_Boundary(geom), ST_Centroid(geom)) p WHERE id = $1`, comm).Scan(&gx, &gy); err != nil {
		t.Fatal(err)
	}
	x, y := buildingPoint(t, f.db, comm)
	body := fmt.Sprintf(`{"facilities":[{"kind":"elderly_day_care","lon":%f,"lat":%f,"community":%d}],
		"passages":[{"type":"path","from":[%f,%f],"to":[%f,%f]},{"type":"gate","community":%d,"lon":%f,"lat":%f}]}`,
		x, y, comm, from[0], from[1], to[0], to[1], comm, gx, gy)

	before := rowCounts(t, f.db)
	for _, role := range []renew.Role{renew.RoleViewer, renew.RoleDesigner, renew.RoleLeader} {
		if rec := f.as(t, role, http.MethodPost, "/api/v1/scenarios/save", body); rec.Code != http.StatusForbidden {
			t.Errorf("save as %s: %d", role, rec.Code)
		}
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/scenarios/save", `{"facilities":[{"kind":"kindergarten","lon":10,"lat":10}]}`); rec.Code != 400 {
		t.Errorf("save far from the network: %d", rec.Code)
	}
	if after := rowCounts(t, f.db); after != before {
		t.Errorf("refused saves changed the data:\n%s\n%s", before, after)
	}

	// What the passages alone change, before saving: after the save and the rebuild, the
	// coverage (planned facilities do not count) is what the what-if said.
	passagesOnly := fmt.Sprintf(`{"passages":[{"type":"path","from":[%f,%f],"to":[%f,%f]},{"type":"gate","community":%d,"lon":%f,"lat":%f}],"community":%d}`,
		from[0], from[1], to[0], to[1], comm, gx, gy, comm)
	type kindAfter struct {
		Kind         string `json:"kind"`
		CoveredAfter int    `json:"covered_after"`
	}
	whatIf := decodeBody[struct {
		Kinds   []kindAfter                `json:"kinds"`
		Circles *geojson.FeatureCollection `json:"circles"`
	}](t, f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/scenarios", passagesOnly), 200)
	// With passages the community's circles are redrawn: one per profile and level, each an area.
	if whatIf.Circles == nil || len(whatIf.Circles.Features) != 6 {
		t.Fatalf("circles %+v", whatIf.Circles)
	}
	for _, c := range whatIf.Circles.Features {
		if mp, ok := c.Geometry.(orb.MultiPolygon); !ok || planar.Area(mp) <= 0 || c.Properties["community_id"] != float64(comm) {
			t.Errorf("circle %v: %T", c.Properties, c.Geometry)
		}
	}

	audits := count(t, f.db, `SELECT count(*) FROM audit_log`)
	saved := decodeBody[struct {
		Saved []struct {
			Table string `json:"table"`
			ID    int64  `json:"id"`
			Code  string `json:"code"`
		} `json:"saved"`
	}](t, f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/scenarios/save", body), 201)
	tables := map[string]int{}
	for _, s := range saved.Saved {
		tables[s.Table]++
	}
	if tables["facilities"] != 1 || tables["roads"] != 2 || tables["gates"] != 1 {
		t.Fatalf("saved %+v", saved.Saved)
	}
	if n := count(t, f.db, `SELECT count(*) FROM facilities WHERE status = 'planned' AND name = '规划老年人日间照料中心（托老所）（方案）' AND community_id = $1`, comm); n != 1 {
		t.Errorf("%d planned day-care centres", n)
	}
	if n := count(t, f.db, `SELECT count(*) FROM roads WHERE class = 'footway' AND walkable AND code LIKE 'PLAN-W-%'`); n != 2 {
		t.Errorf("%d planned footways", n)
	}
	created := count(t, f.db, `SELECT count(*) FROM audit_log WHERE actor = 'planner' AND action = 'create' AND after IS NOT NULL`)
	updated := count(t, f.db, `SELECT count(*) FROM audit_log WHERE actor = 'planner' AND action = 'update' AND table_name = 'roads' AND before IS NOT NULL AND after IS NOT NULL`)
	if created != 4 || count(t, f.db, `SELECT count(*) FROM audit_log`) != audits+created+updated {
		t.Errorf("audit: %d created, %d road updates, %d rows before", created, updated, audits)
	}

	// The engine rebuilds from the changed data.
	e2, err := f.engines.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e2.Version() == eng.Version() {
		t.Fatal("the engine was not rebuilt after the save")
	}
	for k, kc := range e2.Coverage().Kinds {
		if kc.Covered != whatIf.Kinds[k].CoveredAfter {
			t.Errorf("%s: %d covered after saving, the what-if said %d", kc.Kind, kc.Covered, whatIf.Kinds[k].CoveredAfter)
		}
	}
}
