package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"renewmap/internal/planning"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// A hand-made layout at Siping's latitude, in metres east (x) and north (y) of 124.35°E 43.16°N:
//
//	A [0,100]×[0,100]  B [100,200]×[0,100] (touches A)  C [230,330]×[0,100] (30 m from B)
//	D [500,600]×[0,100] (170 m from C)  N [330,430]×[200,300] (built 2010: not old)
//
// A and B are in the 2021 batch (implement), C in prepare, D outside the programme.
// Roads along y = −10: R1 x 0…200 resurfaced 2022, R2 x 230…330 resurfaced 2023, R3 x 500…600
// never. Pipes: under R1 a poor sewer (P1, y −11) and a sound cast-iron main laid 1970 (P2, y −8,
// past its 50 years by 2022), a sound PE gas pipe (P3, y −12), and 20 m away a poor power cable
// (P4, y −30); under R2 a sound steel heating pipe of 2010 (P5); under R3 a critical pipe (P6);
// inside A a poor water main (P7, y 50).
const (
	lon0, lat0 = 124.35, 43.16
	mLat       = 1 / 111320.0
)

var mLon = 1 / (111320.0 * math.Cos(lat0*math.Pi/180))

func xy(x, y float64) string { return fmt.Sprintf("%.8f %.8f", lon0+x*mLon, lat0+y*mLat) }

func box(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf("ST_GeomFromText('MULTIPOLYGON(((%s,%s,%s,%s,%s)))', 4326)",
		xy(x0, y0), xy(x1, y0), xy(x1, y1), xy(x0, y1), xy(x0, y0))
}

func line(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf("ST_GeomFromText('LINESTRING(%s,%s)', 4326)", xy(x0, y0), xy(x1, y1))
}

func planningLayout(ctx context.Context, t *testing.T) (*postgis.DB, map[string]int64) {
	t.Helper()
	db, _ := pgtest.New(t)
	var sql strings.Builder
	sql.WriteString(`INSERT INTO districts (code, name, geom) VALUES ('D', '铁西区', ` + box(-1000, -1000, 2000, 2000) + `);
		INSERT INTO subdistricts (code, name, district_id, geom) SELECT 'S', '仁兴街道', id, geom FROM districts;`)
	comms := []struct {
		code           string
		year           int
		x0, y0, x1, y1 float64
		hh             int
	}{{"A", 1985, 0, 0, 100, 100, 60}, {"B", 1988, 100, 0, 200, 100, 48}, {"C", 1992, 230, 0, 330, 100, 100},
		{"D", 1979, 500, 0, 600, 100, 30}, {"N", 2010, 330, 200, 430, 300, 200}}
	for _, c := range comms {
		fmt.Fprintf(&sql, `INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, geom)
			SELECT '%[1]s', '%[1]s小区', id, %[2]d, 'reform', 'none', %[3]s FROM subdistricts;
			INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
			SELECT '%[1]s-1', id, '1号楼', 6, 5, %[4]d, %[4]d * 80, %[2]d, 'brick_concrete', %[5]s FROM communities WHERE code = '%[1]s';
			`, c.code, c.year, box(c.x0, c.y0, c.x1, c.y1), c.hh, box(c.x0+20, c.y0+20, c.x0+80, c.y0+32))
	}
	sql.WriteString(`INSERT INTO plans (code, community_id, stage, batch, batch_year)
		SELECT 'PL-' || code, id, CASE code WHEN 'C' THEN 'planning' ELSE 'construction' END,
		       CASE code WHEN 'C' THEN 'prepare' ELSE 'implement' END, 2021
		FROM communities WHERE code IN ('A', 'B', 'C');
		INSERT INTO roads (code, name, class, resurface_year, geom) VALUES
		  ('R1', '红旗街', 'branch', 2022, ` + line(0, -10, 200, -10) + `),
		  ('R2', '南环路', 'branch', 2023, ` + line(230, -10, 330, -10) + `),
		  ('R3', '兴华路', 'branch', NULL, ` + line(500, -10, 600, -10) + `);
		INSERT INTO pipelines (code, kind, material, laid_year, condition, operator, geom) VALUES
		  ('P1', 'drainage_combined', 'concrete', 1990, 'poor', '排水公司', ` + line(0, -11, 200, -11) + `),
		  ('P2', 'water_supply', 'cast_iron', 1970, 'good', '供水公司', ` + line(0, -8, 200, -8) + `),
		  ('P3', 'gas', 'pe', 2010, 'good', '燃气公司', ` + line(0, -12, 200, -12) + `),
		  ('P4', 'power', 'copper_cable', 2015, 'poor', '供电公司', ` + line(0, -30, 200, -30) + `),
		  ('P5', 'heating', 'steel', 2010, 'good', '热力公司', ` + line(230, -9, 330, -9) + `),
		  ('P6', 'gas', 'steel', 2010, 'critical', '燃气公司', ` + line(500, -9, 600, -9) + `),
		  ('P7', 'water_supply', 'steel', 2005, 'poor', '供水公司', ` + line(0, 50, 100, 50) + `);
		INSERT INTO parking (code, kind, capacity, community_id, geom)
		  SELECT 'K1', 'car_space', 12, id, ST_PointOnSurface(geom) FROM communities WHERE code = 'A' UNION ALL
		  SELECT 'K2', 'car_lot', 20, id, ST_PointOnSurface(geom) FROM communities WHERE code = 'A' UNION ALL
		  SELECT 'K3', 'ev_charger', 2, id, ST_PointOnSurface(geom) FROM communities WHERE code = 'A';
		INSERT INTO candidate_sites (code, name, origin, area_m2, hostable_kinds, geom) VALUES
		  ('S1', '甲锅炉房', 'reusable_building', 400, '{kindergarten}', ` + box(60, 60, 80, 80) + `),
		  ('S2', '丁空地', 'vacant', 300, '{kindergarten,outdoor_fitness}', ` + box(620, 0, 640, 20) + `),
		  ('S3', '远处空地', 'vacant', 300, '{kindergarten}', ` + box(1200, 0, 1220, 20) + `);`)
	if _, err := db.Pool.Exec(ctx, sql.String()); err != nil {
		t.Fatalf("layout: %v", err)
	}
	return db, idsByCode(ctx, t, db, `SELECT code, id FROM communities UNION ALL SELECT code, id FROM roads`)
}

func clusterCodes(cs []planning.Cluster) []string {
	var out []string
	for _, c := range cs {
		var names []string
		for _, m := range c.Members {
			names = append(names, strings.TrimSuffix(m.Name, "小区"))
		}
		sort.Strings(names)
		out = append(out, strings.Join(names, ""))
	}
	sort.Strings(out)
	return out
}

func TestSuggestAreasLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := planningLayout(ctx, t)
	for _, tc := range []struct {
		name string
		q    planning.SuggestQuery
		want []string
	}{
		{"touching only", planning.SuggestQuery{Gap: 0}, []string{"AB", "C", "D"}},
		{"20 m", planning.SuggestQuery{Gap: 20}, []string{"AB", "C", "D"}},
		{"50 m reaches C", planning.SuggestQuery{Gap: 50}, []string{"ABC", "D"}},
		{"200 m reaches D", planning.SuggestQuery{Gap: 200}, []string{"ABCD"}},
		{"batch implement", planning.SuggestQuery{Gap: 50, Batches: []string{"implement"}}, []string{"AB"}},
		{"stage planning", planning.SuggestQuery{Gap: 500, Stages: []string{"planning"}}, []string{"C"}},
		{"no match", planning.SuggestQuery{Gap: 50, Batches: []string{"reserve"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := db.SuggestAreas(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := clusterCodes(cs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("clusters = %v, want %v", got, tc.want)
			}
		})
	}

	cs, err := db.SuggestAreas(ctx, planning.SuggestQuery{Gap: 50})
	if err != nil {
		t.Fatal(err)
	}
	s := planning.Suggest(cs, 1)
	top := s[0]
	if top.Key != "S1" || top.Totals.Communities != 3 || top.Totals.Households != 208 || top.Totals.Buildings != 3 ||
		top.Totals.CompletedFrom != 1985 || top.Totals.CompletedTo != 1992 || top.Totals.FloorArea != 16640 ||
		!reflect.DeepEqual(top.Totals.Batches, map[string]int{"implement": 2, "prepare": 1}) {
		t.Errorf("top suggestion = %+v", top.Totals)
	}
	// The outline bridges the 30 m between B and C: one polygon of 330 m × 100 m.
	mp, ok := top.Outline.(orb.MultiPolygon)
	if !ok || len(mp) != 1 {
		t.Fatalf("outline = %T with %d polygons, want one", top.Outline, len(mp))
	}
	var area float64
	if err := db.Pool.QueryRow(ctx, `SELECT ST_Area(ST_GeomFromText($1, 4326)::geography)`, wkt(mp)).Scan(&area); err != nil {
		t.Fatal(err)
	}
	if math.Abs(area-33000) > 33000*0.01 {
		t.Errorf("outline area = %.0f m², want 33000 ± 1%%", area)
	}
	// Touching only: the outline of A and B is their plain union, 200 m × 100 m.
	cs, _ = db.SuggestAreas(ctx, planning.SuggestQuery{Gap: 0})
	for _, c := range cs {
		if len(c.Members) == 2 {
			db.Pool.QueryRow(ctx, `SELECT ST_Area(ST_GeomFromText($1, 4326)::geography)`, wkt(c.Outline)).Scan(&area)
			if math.Abs(area-20000) > 200 {
				t.Errorf("A+B outline area = %.0f, want 20000", area)
			}
		}
	}
}

func wkt(g orb.Geometry) string {
	var b strings.Builder
	mp := g.(orb.MultiPolygon)
	b.WriteString("MULTIPOLYGON(")
	for i, p := range mp {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(")
		for j, r := range p {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("(")
			for k, pt := range r {
				if k > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, "%.10f %.10f", pt[0], pt[1])
			}
			b.WriteString(")")
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

func TestAreasSaveAuditReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ids := planningLayout(ctx, t)
	who := renew.AuditEntry{Actor: "planner", Address: "192.0.2.1"}

	if _, err := db.CreateArea(ctx, "一号片区", "suggested", []int64{ids["A"], 999999}, who); !errors.Is(err, renew.ErrInvalid) {
		t.Fatalf("unknown member: %v", err)
	}
	a, err := db.CreateArea(ctx, "一号片区", "suggested", []int64{ids["A"], ids["B"], ids["C"]}, who)
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != fmt.Sprintf("PQ-%04d", a.ID) || a.Name != "一号片区" || len(a.Members) != 3 || a.Totals.Households != 208 ||
		a.CreatedBy != "planner" || a.BBox[0] >= a.BBox[2] {
		t.Errorf("created = %+v", a)
	}
	if mp, ok := a.Outline.(orb.MultiPolygon); !ok || len(mp) != 1 {
		t.Errorf("saved outline: %T %v", a.Outline, a.Outline)
	}

	// The report's queries on the saved area.
	pipes, err := db.AreaPipelines(ctx, a.ID, 2022)
	if err != nil {
		t.Fatal(err)
	}
	if len(pipes) != 1 || pipes[0].Kind != "water_supply" || pipes[0].Condition != "poor" || pipes[0].Pipes != 1 ||
		math.Abs(pipes[0].LengthM-100) > 0.5 || pipes[0].FailingM != pipes[0].LengthM {
		t.Errorf("area pipelines = %+v", pipes)
	}
	sites, err := db.Sites(ctx, planning.SiteQuery{Area: a.ID, NearM: 200, Kind: "kindergarten"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 1 || sites[0].Code != "S1" || !sites[0].Inside || sites[0].DistanceM != 0 ||
		math.Abs(sites[0].Point[0]-(lon0+70*mLon)) > 15*mLon {
		t.Errorf("sites near area = %+v", sites)
	}
	// 300 m reaches S2 (290 m from C's east edge); it is outside, with its distance.
	sites, _ = db.Sites(ctx, planning.SiteQuery{Area: a.ID, NearM: 300})
	if len(sites) != 2 || sites[1].Code != "S2" || sites[1].Inside || math.Abs(sites[1].DistanceM-290) > 2 {
		t.Errorf("sites within 300 m = %+v", sites)
	}
	bb := [4]float64{lon0 + 610*mLon, lat0 - 10*mLat, lon0 + 700*mLon, lat0 + 10*mLat}
	if sites, _ := db.Sites(ctx, planning.SiteQuery{BBox: &bb}); len(sites) != 1 || sites[0].Code != "S2" {
		t.Errorf("sites in bbox = %+v", sites)
	}
	if sites, _ := db.Sites(ctx, planning.SiteQuery{Kind: "outdoor_fitness"}); len(sites) != 1 || sites[0].Code != "S2" {
		t.Errorf("sites for outdoor fitness = %+v", sites)
	}
	park, err := db.ParkingSupply(ctx, []int64{ids["A"], ids["B"]})
	if err != nil {
		t.Fatal(err)
	}
	if len(park) != 2 || park[0].Supply.Capacity["car_space"] != 12 || park[0].Supply.Capacity["car_lot"] != 20 ||
		park[0].Supply.Count["car_lot"] != 1 || len(park[1].Supply.Capacity) != 0 || park[1].Households != 48 {
		t.Errorf("parking = %+v", park)
	}
	if all, _ := db.ParkingSupply(ctx, nil); len(all) != 4 {
		t.Errorf("parking of every old community: %d rows", len(all))
	}

	name := "一号片区（调整）"
	u, err := db.UpdateArea(ctx, a.ID, &a.UpdatedAt, planning.AreaChange{Name: &name, Members: []int64{ids["A"], ids["B"]}}, who)
	if err != nil {
		t.Fatal(err)
	}
	// The version read before the update is stale now: a second writer from it is refused.
	if _, err := db.UpdateArea(ctx, a.ID, &a.UpdatedAt, planning.AreaChange{Name: &name}, who); !errors.Is(err, renew.ErrStale) {
		t.Errorf("update from a stale version: %v, want ErrStale", err)
	}
	if err := db.DeleteArea(ctx, a.ID, &a.UpdatedAt, who); !errors.Is(err, renew.ErrStale) {
		t.Errorf("delete from a stale version: %v, want ErrStale", err)
	}
	if u.Name != name || len(u.Members) != 2 || u.Totals.Households != 108 {
		t.Errorf("updated = %+v", u)
	}
	if _, err := db.UpdateArea(ctx, 999999, nil, planning.AreaChange{Name: &name}, who); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
	if err := db.DeleteArea(ctx, a.ID, &u.UpdatedAt, who); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Area(ctx, a.ID); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("deleted area: %v", err)
	}
	if err := db.DeleteArea(ctx, a.ID, nil, who); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	var log []string
	rows, _ := db.Pool.Query(ctx, `SELECT action || ':' || coalesce(before->>'name', '') || '>' || coalesce(after->>'name', '') || ':' ||
		coalesce(jsonb_array_length(after->'members'), 0) FROM audit_log WHERE table_name = 'areas' ORDER BY id`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		log = append(log, s)
	}
	want := []string{"create:>一号片区:3", "update:一号片区>一号片区（调整）:2", "delete:一号片区（调整）>:0"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("audit = %v, want %v", log, want)
	}
}

func TestDigOnceLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, ids := planningLayout(ctx, t)
	life, err := db.ServiceLife(ctx)
	if err != nil || life["cast_iron"] != 50 || life["fiber"] != 25 || len(life) != 8 {
		t.Fatalf("service life = %v, %v", life, err)
	}
	for _, tc := range []struct {
		name     string
		from, to int
		buffer   float64
		roads    []string
		pipes    []string
		length   float64
	}{
		// R1 holds P1 (poor) and P2 (past its life); P3 is sound, P4 is 20 m away; R2 holds only a
		// sound pipe; R3 has no resurfacing year.
		{"2021–2023 at 5 m", 2021, 2023, 5, []string{"R1"}, []string{"P1", "P2"}, 400},
		{"2023 only", 2023, 2023, 5, nil, nil, 0},
		{"25 m reaches P4", 2021, 2023, 25, []string{"R1"}, []string{"P1", "P2", "P4"}, 600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			roads, pieces, err := db.DigOnceData(ctx, tc.from, tc.to, tc.buffer)
			if err != nil {
				t.Fatal(err)
			}
			list, sum := planning.DigOnce(roads, pieces, life)
			var got, pipes []string
			for _, r := range list {
				got = append(got, r.Code)
				for _, p := range r.Pipes {
					pipes = append(pipes, p.Code)
				}
			}
			if !reflect.DeepEqual(got, tc.roads) || !reflect.DeepEqual(pipes, tc.pipes) || math.Abs(sum.PipeLength-tc.length) > 1 {
				t.Errorf("roads %v pipes %v length %v; want %v %v %v", got, pipes, sum.PipeLength, tc.roads, tc.pipes, tc.length)
			}
		})
	}
	// The tile view applies the same rule at the default 5 m, over every planned year.
	var code string
	var n int
	var length float64
	if err := db.Pool.QueryRow(ctx, `SELECT string_agg(code, ','), sum(pipes), sum(pipe_length_m) FROM tile_dig_once`).Scan(&code, &n, &length); err != nil {
		t.Fatal(err)
	}
	if code != "R1" || n != 2 || math.Abs(length-400) > 1 {
		t.Errorf("tile_dig_once = %s, %d pipes, %.1f m", code, n, length)
	}
	_ = ids
	// A longer life for cast iron takes P2 out, in the view and in Go alike.
	if _, err := db.Pool.Exec(ctx, `UPDATE pipe_service_life SET years = 60 WHERE material = 'cast_iron'`); err != nil {
		t.Fatal(err)
	}
	db.Pool.QueryRow(ctx, `SELECT sum(pipes) FROM tile_dig_once`).Scan(&n)
	life, _ = db.ServiceLife(ctx)
	roads, pieces, _ := db.DigOnceData(ctx, 2021, 2023, 5)
	if list, _ := planning.DigOnce(roads, pieces, life); n != 1 || len(list) != 1 || len(list[0].Pipes) != 1 {
		t.Errorf("after a 60-year life: view %d pipes, Go %+v", n, list)
	}
}

// The planning queries on the demo district: suggestions partition the old communities, a saved
// area has a report's worth of data, siting is consistent with the engine, dig once finds roads.
func TestPlanningOnTiexi(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := loadTiexi(ctx, t)
	var oldHH, oldN int
	db.Pool.QueryRow(ctx, `SELECT sum(households), count(*) FROM communities WHERE is_old`).Scan(&oldHH, &oldN)
	cs, err := db.SuggestAreas(ctx, planning.SuggestQuery{Gap: 50})
	if err != nil {
		t.Fatal(err)
	}
	all := planning.Suggest(cs, 1)
	hh, n := 0, 0
	for _, s := range all {
		hh += s.Totals.Households
		n += s.Totals.Communities
		if _, ok := s.Outline.(orb.MultiPolygon); !ok {
			t.Errorf("%s outline is a %T", s.Key, s.Outline)
		}
	}
	if hh != oldHH || n != oldN || len(all) < 2 {
		t.Errorf("suggestions cover %d communities, %d households in %d areas; want %d, %d", n, hh, len(all), oldN, oldHH)
	}
	impl, _ := db.SuggestAreas(ctx, planning.SuggestQuery{Gap: 50, Batches: []string{"implement"}})
	top := planning.Suggest(impl, 2)
	if len(top) == 0 {
		t.Fatal("no suggestion in the 2021 batch")
	}
	var ids []int64
	for _, m := range top[0].Members {
		if m.Batch != "implement" {
			t.Errorf("%s is in batch %q", m.Name, m.Batch)
		}
		ids = append(ids, m.ID)
	}
	a, err := db.CreateArea(ctx, "示例片区", "suggested", ids, renew.AuditEntry{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	sites, err := db.Sites(ctx, planning.SiteQuery{Area: a.ID, NearM: 200})
	if err != nil || len(sites) == 0 {
		t.Fatalf("sites near the area: %v, %v", sites, err)
	}
	if pipes, err := db.AreaPipelines(ctx, a.ID, 2022); err != nil || len(pipes) == 0 {
		t.Errorf("area pipelines: %v, %v", pipes, err)
	}

	e := pgtest.Engine(t, db)
	all2, _ := db.Sites(ctx, planning.SiteQuery{Kind: "elderly_day_care"})
	s, err := planning.Greedy(ctx, planning.EngineCoverer{Engine: e}, "elderly_day_care", all2, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Picks) != 3 || len(s.Unplaced) != 0 {
		t.Fatalf("siting: %+v", s)
	}
	sum := 0
	for i, p := range s.Picks {
		sum += p.Newly
		if p.Cumulative != sum || (i > 0 && p.Newly > s.Picks[i-1].Newly) || p.Newly > p.Alone {
			t.Errorf("pick %d: %+v", i+1, p)
		}
	}
	// The three together cover exactly what the picks add up to.
	together, err := planning.EngineCoverer{Engine: e}.Newly(ctx, "elderly_day_care", []planning.Site{s.Picks[0].Site, s.Picks[1].Site, s.Picks[2].Site})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range together {
		total += n
	}
	if total != s.Covered || s.Picks[0].Site.ID != s.Ranking[0].ID {
		t.Errorf("together %d, picks %d; first pick %d, best alone %d", total, s.Covered, s.Picks[0].Site.ID, s.Ranking[0].ID)
	}

	life, _ := db.ServiceLife(ctx)
	roads, pieces, err := db.DigOnceData(ctx, 2021, 2023, 5)
	if err != nil {
		t.Fatal(err)
	}
	list, digSum := planning.DigOnce(roads, pieces, life)
	var viewRoads int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM tile_dig_once WHERE resurface_year BETWEEN 2021 AND 2023`).Scan(&viewRoads)
	if len(list) == 0 || digSum.PipeLength <= 0 || len(list) != viewRoads {
		t.Errorf("dig once 2021–2023: %d roads (the view has %d), %.1f m", len(list), viewRoads, digSum.PipeLength)
	}
}
