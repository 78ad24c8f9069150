package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// editLayout: subdistricts S1 (x < 500) and S2 (x ≥ 500); community A [0,100]² in S1 with a
// building, a gate at (50, 0) and an internal path (50,50)→(50,20) that stops 30 m short of the
// public road R1 along y = −10 from x = −50 to 250.
func editLayout(t *testing.T) (*postgis.DB, map[string]int64) {
	t.Helper()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	sql := `INSERT INTO districts (code, name, geom) VALUES ('D', '铁西区', ` + box(-1000, -1000, 2000, 2000) + `);
		INSERT INTO subdistricts (code, name, district_id, geom)
		  SELECT 'S1', '仁兴街道', id, ` + box(-1000, -1000, 500, 2000) + ` FROM districts UNION ALL
		  SELECT 'S2', '站前街道', id, ` + box(500, -1000, 2000, 2000) + ` FROM districts;
		INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, geom)
		  SELECT 'A', '甲小区', id, 1985, 'reform', 'none', ` + box(0, 0, 100, 100) + ` FROM subdistricts WHERE code = 'S1';
		INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
		  SELECT 'A-1', id, '1号楼', 6, 3, 36, 2600, 1985, 'brick_concrete', ` + box(20, 60, 80, 72) + ` FROM communities;
		INSERT INTO gates (code, community_id, kind, geom)
		  SELECT 'A-G1', id, 'pedestrian', ST_GeomFromText('POINT(` + xy(50, 0) + `)', 4326) FROM communities;
		INSERT INTO roads (code, class, community_id, geom)
		  SELECT 'A-P1', 'internal', id, ` + line(50, 50, 50, 20) + ` FROM communities;
		INSERT INTO roads (code, name, class, geom) VALUES ('R1', '红旗街', 'branch', ` + line(-50, -10, 250, -10) + `);`
	if _, err := db.Pool.Exec(ctx, sql); err != nil {
		t.Fatalf("layout: %v", err)
	}
	return db, idsByCode(ctx, t, db, `SELECT code, id FROM communities UNION ALL SELECT code, id FROM roads
		UNION ALL SELECT code, id FROM gates UNION ALL SELECT code, id FROM buildings`)
}

// idsByCode runs a query of (code, id) rows and returns them as a map.
func idsByCode(ctx context.Context, t *testing.T, db *postgis.DB, query string) map[string]int64 {
	t.Helper()
	rows, _ := db.Pool.Query(ctx, query)
	ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct {
		code string
		id   int64
	}, error) {
		var v struct {
			code string
			id   int64
		}
		err := r.Scan(&v.code, &v.id)
		return v, err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, v := range ids {
		out[v.code] = v.id
	}
	return out
}

var editor = renew.Editor{Audit: renew.AuditEntry{Actor: "planner", Address: "192.0.2.1"}, Limited: true}

func geoJSON(kind string, coords string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":%q,"coordinates":%s}`, kind, coords))
}

func pos(x, y float64) string { return fmt.Sprintf("[%.8f,%.8f]", lon0+x*mLon, lat0+y*mLat) }

func ringOf(pts ...[2]float64) string {
	var s []string
	for _, p := range pts {
		s = append(s, pos(p[0], p[1]))
	}
	return "[[" + strings.Join(s, ",") + "]]"
}

// An edit is refused, with a Chinese message and nothing written, when the importer would refuse
// the data: a self-intersecting outline, a missing required property, an unknown code.
func TestEditValidation(t *testing.T) {
	t.Parallel()
	db, ids := editLayout(t)
	ctx := context.Background()
	bowtie := geoJSON("Polygon", ringOf([2]float64{0, 0}, [2]float64{100, 100}, [2]float64{100, 0}, [2]float64{0, 100}, [2]float64{0, 0}))
	for _, tc := range []struct {
		name string
		e    renew.Edit
		want string
	}{
		{"self-intersecting outline", renew.Edit{Layer: "communities", ID: ids["A"], Geometry: bowtie}, "自相交"},
		// Where, in degrees (not the WKT POINT(…)).
		{"self-intersecting outline, where", renew.Edit{Layer: "communities", ID: ids["A"], Geometry: bowtie}, "位置 东经 "},
		{"missing floors", renew.Edit{Layer: "buildings", Geometry: geoJSON("Polygon", ringOf([2]float64{30, 30}, [2]float64{40, 30}, [2]float64{40, 40}, [2]float64{30, 30})),
			Properties: map[string]json.RawMessage{"community": []byte(`"A"`), "number": []byte(`"2号楼"`), "units": []byte(`2`),
				"households": []byte(`12`), "floor_area": []byte(`800`), "completed_year": []byte(`1990`), "structure": []byte(`"brick_concrete"`)}}, `"floors"`},
		{"unknown gate kind", renew.Edit{Layer: "gates", ID: ids["A-G1"], Properties: map[string]json.RawMessage{"kind": []byte(`"door"`)}}, "gate_kind"},
		{"a point for a road", renew.Edit{Layer: "roads", ID: ids["R1"], Geometry: geoJSON("Point", pos(0, 0))}, "LineString"},
		{"not editable", renew.Edit{Layer: "pipelines", ID: 1}, "不能在地图上编辑"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.EditFeature(ctx, tc.e, editor)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.ContainsAny(renew.UserMessage(err), "未不") {
				t.Fatalf("err = %v, want a Chinese message containing %q", err, tc.want)
			}
		})
	}
	if n := count(ctx, t, db, "SELECT count(*) FROM audit_log"); n != 0 {
		t.Errorf("%d audit rows after refused edits, want 0", n)
	}
	if n := count(ctx, t, db, "SELECT count(*) FROM communities WHERE ST_Area(geom::geography) BETWEEN 9900 AND 10100"); n != 1 {
		t.Errorf("community A's outline changed by a refused edit")
	}
}

// Two planners load the same gate; the first saves, the second's save is refused as stale; the
// audit row holds both geometries; undo (restore) puts the gate back where it was.
func TestEditVersionAuditRestore(t *testing.T) {
	t.Parallel()
	db, ids := editLayout(t)
	ctx := context.Background()
	g, err := db.MapFeature(ctx, "gates", ids["A-G1"])
	if err != nil {
		t.Fatal(err)
	}
	if g.Properties["community"] != "A" || g.Properties["kind"] != "pedestrian" || g.Code != "A-G1" {
		t.Fatalf("gate as read: %+v", g)
	}
	moved, err := db.EditFeature(ctx, renew.Edit{Layer: "gates", ID: g.ID, IfMatch: g.Version,
		Geometry: geoJSON("Point", pos(100, 50))}, editor)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Version == g.Version {
		t.Error("the version did not change with the edit")
	}
	_, err = db.EditFeature(ctx, renew.Edit{Layer: "gates", ID: g.ID, IfMatch: g.Version,
		Properties: map[string]json.RawMessage{"name": []byte(`"南门"`)}}, editor)
	if !errors.Is(err, renew.ErrFeatureChanged) || !strings.Contains(renew.UserMessage(err), "已被他人修改") {
		t.Fatalf("stale edit: err = %v, want ErrFeatureChanged", err)
	}
	hist, err := db.FeatureHistory(ctx, "gates", g.ID)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history = %+v, %v; want one entry", hist, err)
	}
	h := hist[0]
	if h.Action != "edit.update" || h.Actor != "planner" || h.Before == nil || h.After == nil ||
		string(h.Before.Geometry) == string(h.After.Geometry) || !strings.Contains(string(h.Before.Geometry), "Point") {
		t.Fatalf("audit entry = %+v", h)
	}
	back, err := db.RestoreFeature(ctx, "gates", g.ID, h.Entry, moved.Version, editor)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(ctx, t, db, "SELECT count(*) FROM gates WHERE id = $1 AND ST_DWithin(geom::geography, ST_GeomFromText('POINT("+xy(50, 0)+")', 4326)::geography, 0.01)", g.ID); n != 1 {
		t.Errorf("restore did not put the gate back at (50, 0): %s", back.Geometry)
	}
	if hist, _ := db.FeatureHistory(ctx, "gates", g.ID); len(hist) != 2 || hist[0].Action != "edit.restore" {
		t.Errorf("history after restore = %+v", hist)
	}

	// Deleted, then restored under its old id.
	if _, err := db.EditFeature(ctx, renew.Edit{Layer: "gates", ID: g.ID, Delete: true}, editor); err != nil {
		t.Fatal(err)
	}
	hist, _ = db.FeatureHistory(ctx, "gates", g.ID)
	if _, err := db.RestoreFeature(ctx, "gates", g.ID, hist[0].Entry, "", editor); err != nil {
		t.Fatal(err)
	}
	if n := count(ctx, t, db, "SELECT count(*) FROM gates WHERE id = $1 AND code = 'A-G1'", g.ID); n != 1 {
		t.Error("the deleted gate did not come back under its id")
	}
	// A community holding buildings cannot be deleted.
	if _, err := db.EditFeature(ctx, renew.Edit{Layer: "communities", ID: ids["A"], Delete: true}, editor); !errors.Is(err, renew.ErrConflict) {
		t.Errorf("deleting a community with buildings: err = %v, want ErrConflict", err)
	}
}

// A reshaped outline is stored as drawn and audited with both outlines; a restore brings the old
// one back.
func TestEditReshapeOutline(t *testing.T) {
	t.Parallel()
	db, ids := editLayout(t)
	ctx := context.Background()
	bigger := geoJSON("Polygon", ringOf([2]float64{0, 0}, [2]float64{120, 0}, [2]float64{120, 100}, [2]float64{0, 100}, [2]float64{0, 0}))
	f, err := db.EditFeature(ctx, renew.Edit{Layer: "communities", ID: ids["A"], Geometry: bigger,
		Properties: map[string]json.RawMessage{"name": []byte(`"甲小区（东扩）"`)}}, editor)
	if err != nil {
		t.Fatal(err)
	}
	if f.Properties["name"] != "甲小区（东扩）" || f.Properties["subdistrict"] != "S1" {
		t.Errorf("properties after the edit: %v", f.Properties)
	}
	if n := count(ctx, t, db, "SELECT round(ST_Area(geom::geography) / 100)::int FROM communities WHERE id = $1", ids["A"]); n != 120 {
		t.Errorf("area after reshaping = %d00 m², want 12000", n)
	}
	hist, _ := db.FeatureHistory(ctx, "communities", ids["A"])
	if _, err := db.RestoreFeature(ctx, "communities", ids["A"], hist[0].Entry, f.Version, editor); err != nil {
		t.Fatal(err)
	}
	if n := count(ctx, t, db, "SELECT round(ST_Area(geom::geography) / 100)::int FROM communities WHERE id = $1 AND name = '甲小区'", ids["A"]); n != 100 {
		t.Errorf("area after restore = %d00 m², want 10000 and the old name", n)
	}
}

// A path drawn from the end of the internal path to 3 m short of the street is joined to both:
// to the path's end vertex and, by splitting the street, to a new vertex on it; the walk network
// loaded afterwards has the community's path reaching the street.
func TestEditPathJoinsNetwork(t *testing.T) {
	t.Parallel()
	db, ids := editLayout(t)
	ctx := context.Background()
	drawn := geoJSON("LineString", "["+pos(50.8, 20.5)+","+pos(52, -7)+"]")
	f, err := db.EditFeature(ctx, renew.Edit{Layer: "roads", Geometry: drawn, Properties: map[string]json.RawMessage{
		"class": []byte(`"footway"`), "community": []byte(`"A"`)}}, editor)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.Code, "ED-R-") {
		t.Errorf("code of a drawn path = %q", f.Code)
	}
	// Its start is the internal path's end; its end a vertex shared by the two halves of R1.
	if n := count(ctx, t, db, `SELECT count(*) FROM roads d, roads p WHERE d.id = $1 AND p.id = $2
		AND ST_Equals(ST_StartPoint(d.geom), ST_EndPoint(p.geom))`, f.ID, ids["A-P1"]); n != 1 {
		t.Error("the drawn path does not start at the internal path's end")
	}
	if n := count(ctx, t, db, `SELECT count(*) FROM roads r, roads d WHERE d.id = $1 AND r.name = '红旗街'
		AND (ST_Equals(ST_EndPoint(r.geom), ST_EndPoint(d.geom)) OR ST_Equals(ST_StartPoint(r.geom), ST_EndPoint(d.geom)))`, f.ID); n != 2 {
		t.Errorf("%d pieces of the street end at the drawn path's end, want 2 (split)", n)
	}
	if n := count(ctx, t, db, "SELECT round(sum(ST_Length(geom::geography)))::int FROM roads WHERE name = '红旗街'"); n != 300 {
		t.Errorf("the split street is %d m long, want 300", n)
	}
	if n := count(ctx, t, db, "SELECT count(*) FROM audit_log WHERE action = 'edit.split' AND row_id = $1", fmt.Sprint(ids["R1"])); n != 1 {
		t.Error("the split is not audited")
	}
	in, err := db.LoadNetwork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Edges) != 4 {
		t.Errorf("%d walkable edges, want 4 (path, drawn path, two halves of the street)", len(in.Edges))
	}
}

// A planner limited to 站前街道 may not edit community A in 仁兴街道, nor move a feature into it;
// an admin (not limited) may.
func TestEditZones(t *testing.T) {
	t.Parallel()
	db, ids := editLayout(t)
	ctx := context.Background()
	if err := db.SetEditZones(ctx, "planner", []string{"S2"}, renew.AuditEntry{Actor: "admin"}); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("zones of a user that does not exist: err = %v", err)
	}
	if _, err := db.CreateUser(ctx, renew.User{Username: "Planner", Role: renew.RolePlanner}, "-", renew.AuditEntry{Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetEditZones(ctx, "planner", []string{"S2"}, renew.AuditEntry{Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetEditZones(ctx, "planner", []string{"S9"}, renew.AuditEntry{Actor: "admin"}); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("unknown 街道: err = %v", err)
	}
	if z, _ := db.EditZones(ctx, "Planner"); len(z) != 1 || z[0] != "S2" {
		t.Errorf("zones = %v", z)
	}
	limited := renew.Editor{Audit: renew.AuditEntry{Actor: "Planner"}, Limited: true}
	_, err := db.EditFeature(ctx, renew.Edit{Layer: "gates", ID: ids["A-G1"], Properties: map[string]json.RawMessage{"name": []byte(`"北门"`)}}, limited)
	if !errors.Is(err, renew.ErrForbidden) || !strings.Contains(renew.UserMessage(err), "站前街道") {
		t.Fatalf("edit outside the zone: err = %v, want ErrForbidden naming 站前街道", err)
	}
	admin := renew.Editor{Audit: renew.AuditEntry{Actor: "admin"}}
	if _, err := db.EditFeature(ctx, renew.Edit{Layer: "gates", ID: ids["A-G1"], Properties: map[string]json.RawMessage{"name": []byte(`"北门"`)}}, admin); err != nil {
		t.Fatalf("admin edit: %v", err)
	}
}

// A provisional (待核实) community's paths are public to the walk engine until it is confirmed.
func TestProvisionalCommunityIsNoWall(t *testing.T) {
	t.Parallel()
	db, ids := editLayout(t)
	ctx := context.Background()
	commOfPath := func() int64 {
		in, err := db.LoadNetwork(ctx)
		if err != nil {
			t.Fatal(err)
		}
		provisional := false
		for _, c := range in.Communities {
			provisional = provisional || c.Provisional
		}
		if want := count(ctx, t, db, "SELECT count(*) FROM communities WHERE provisional") > 0; provisional != want {
			t.Errorf("the engine's input says provisional %v, the table %v", provisional, want)
		}
		for _, e := range in.Edges {
			if e.ID == ids["A-P1"] {
				return e.Community
			}
		}
		t.Fatal("path not loaded")
		return 0
	}
	db.Pool.Exec(ctx, "UPDATE communities SET provisional = true")
	if c := commOfPath(); c != 0 {
		t.Errorf("path of a provisional community belongs to %d, want 0 (public)", c)
	}
	f, err := db.EditFeature(ctx, renew.Edit{Layer: "communities", ID: ids["A"], Confirm: true}, editor)
	if err != nil || f.Provisional {
		t.Fatalf("confirm: %+v, %v", f, err)
	}
	if c := commOfPath(); c != ids["A"] {
		t.Errorf("path of a confirmed community belongs to %d, want %d", c, ids["A"])
	}
}
