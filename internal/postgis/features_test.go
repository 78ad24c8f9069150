package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"renewmap/internal/ogc"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

// featureFixture: a community with two buildings, a building of the neighbouring community that
// shares its wall, a gate on the wall and a road across it.
const featureFixture = `
INSERT INTO districts (code, name, geom) VALUES ('D', '铁西区', ST_Multi(ST_MakeEnvelope(124.33, 43.15, 124.37, 43.18, 4326)));
INSERT INTO subdistricts (code, name, district_id, geom) SELECT 'S', '仁兴街道', id, geom FROM districts;
INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, geom)
  SELECT 'C1', '机械厂家属楼', id, 1985, 'reform', 'none', ST_Multi(ST_MakeEnvelope(124.350, 43.160, 124.352, 43.1615, 4326)) FROM subdistricts
  UNION ALL
  SELECT 'C2', '新城花园', id, 2010, 'commercial', 'property_company', ST_Multi(ST_MakeEnvelope(124.352, 43.160, 124.354, 43.1615, 4326)) FROM subdistricts;
INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
  SELECT 'B1', id, '1号楼', 6, 5, 60, 4740, 1985, 'brick_concrete', ST_Multi(ST_MakeEnvelope(124.3503, 43.1603, 124.3510, 43.1604, 4326)) FROM communities WHERE code = 'C1'
  UNION ALL
  -- wound clockwise on purpose: the output must be counter-clockwise (RFC 7946)
  SELECT 'B2', id, '2号楼', 5, 4, 40, 3800.5, 1986, 'brick_concrete', ST_Multi(ST_GeomFromText('POLYGON((124.3503 43.1607,124.3503 43.1608,124.3510 43.1608,124.3510 43.1607,124.3503 43.1607))', 4326)) FROM communities WHERE code = 'C1'
  UNION ALL
  -- stands in C2 but shares C1's east wall
  SELECT 'B3', id, '1号楼', 18, 2, 144, 12960, 2010, 'shear_wall', ST_Multi(ST_MakeEnvelope(124.352, 43.1603, 124.3525, 43.1606, 4326)) FROM communities WHERE code = 'C2';
INSERT INTO gates (code, community_id, name, kind, geom)
  SELECT 'G1', id, '南门', 'both', ST_Point(124.351, 43.160, 4326) FROM communities WHERE code = 'C1';
INSERT INTO roads (code, name, class, geom) VALUES
  ('R1', '英雄街', 'branch', ST_MakeLine(ST_Point(124.349, 43.1610, 4326), ST_Point(124.355, 43.1610, 4326)));
`

func featureDB(t *testing.T) (*postgis.DB, *tiles.Catalogue) {
	t.Helper()
	t.Parallel()
	db, _ := pgtest.New(t)
	if _, err := db.Pool.Exec(context.Background(), featureFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	return db, cat
}

type decoded struct {
	id    int64
	geom  map[string]any
	props map[string]any
}

func collect(t *testing.T, r ogc.FeatureReader, q ogc.FeatureQuery) []decoded {
	t.Helper()
	var out []decoded
	err := r.Features(context.Background(), q, func(f *ogc.Feature) error {
		d := decoded{id: f.ID}
		if err := json.Unmarshal(f.Geometry, &d.geom); err != nil {
			t.Fatalf("geometry %q: %v", f.Geometry, err)
		}
		if err := json.Unmarshal(f.Properties, &d.props); err != nil {
			t.Fatalf("properties %q: %v", f.Properties, err)
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func codes(ds []decoded) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.props["code"].(string))
	}
	return out
}

func community(t *testing.T, db *postgis.DB, code string) int {
	var id int
	if err := db.Pool.QueryRow(context.Background(), "SELECT id FROM communities WHERE code = $1", code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// ring returns the first exterior ring of a (Multi)Polygon.
func ring(g map[string]any) [][]float64 {
	c := g["coordinates"].([]any)
	if g["type"] == "MultiPolygon" {
		c = c[0].([]any)
	}
	var out [][]float64
	for _, p := range c[0].([]any) {
		xy := p.([]any)
		out = append(out, []float64{xy[0].(float64), xy[1].(float64)})
	}
	return out
}

func signedArea(r [][]float64) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

func TestFeaturesPropertiesAndOrientation(t *testing.T) {
	db, cat := featureDB(t)
	fs := collect(t, db, ogc.FeatureQuery{Layer: cat.Layer("buildings"), WithCode: true})
	if got := codes(fs); len(got) != 3 || got[0] != "B1" || got[1] != "B2" || got[2] != "B3" {
		t.Fatalf("codes %v", got)
	}
	b2 := fs[1]
	if b2.props["floor_area"] != 3800.5 || b2.props["community_name"] != "机械厂家属楼" || b2.props["has_elevator"] != false {
		t.Errorf("properties %v", b2.props)
	}
	for _, f := range fs {
		if a := signedArea(ring(f.geom)); a <= 0 {
			t.Errorf("%s: exterior ring clockwise (area %g); RFC 7946 wants counter-clockwise", f.props["code"], a)
		}
	}
}

func TestFeaturesWithinCommunity(t *testing.T) {
	db, cat := featureDB(t)
	c1 := community(t, db, "C1")
	// Whole features: the neighbour's building that only shares the wall stays out; the gate on
	// the wall is in.
	if got := codes(collect(t, db, ogc.FeatureQuery{Layer: cat.Layer("buildings"), WithCode: true, Community: c1})); len(got) != 2 {
		t.Errorf("buildings in C1: %v, want B1 B2", got)
	}
	if got := codes(collect(t, db, ogc.FeatureQuery{Layer: cat.Layer("gates"), WithCode: true, Community: c1})); len(got) != 1 {
		t.Errorf("gates in C1: %v, want G1", got)
	}
	// Clipped: the road is cut at the walls.
	rs := collect(t, db, ogc.FeatureQuery{Layer: cat.Layer("roads"), WithCode: true, Community: c1, Clip: true})
	if len(rs) != 1 {
		t.Fatalf("roads clipped to C1: %d", len(rs))
	}
	for _, p := range rs[0].geom["coordinates"].([]any) {
		x := p.([]any)[0].(float64)
		if x < 124.35-1e-9 || x > 124.352+1e-9 {
			t.Errorf("clipped road reaches x=%v outside C1", x)
		}
	}
	// Communities clipped to C1: C2 touches only, and is dropped.
	if got := codes(collect(t, db, ogc.FeatureQuery{Layer: cat.Layer("communities"), WithCode: true, Community: c1, Clip: true})); len(got) != 1 || got[0] != "C1" {
		t.Errorf("communities clipped to C1: %v", got)
	}
}

func TestFeaturesCRSAndFilters(t *testing.T) {
	db, cat := featureDB(t)
	l := cat.Layer("gates")
	// EPSG:4550 in easting/northing order (downloads) and in the CRS's own order (OGC API).
	en := collect(t, db, ogc.FeatureQuery{Layer: l, WithCode: true, SRID: 4550, Decimals: 3})
	ne := collect(t, db, ogc.FeatureQuery{Layer: l, WithCode: true, SRID: 4550, NorthFirst: true, Decimals: 3})
	p := en[0].geom["coordinates"].([]any)
	q := ne[0].geom["coordinates"].([]any)
	x, y := p[0].(float64), p[1].(float64)
	// 124.351°E, 43.160°N in CGCS2000 3-degree Gauss-Krüger CM 123°E.
	if math.Abs(x-609_879) > 50 || math.Abs(y-4_781_380) > 50 {
		t.Errorf("EPSG:4550 easting, northing = %v, %v; want ≈609,879, ≈4,781,380", x, y)
	}
	if q[0].(float64) != y || q[1].(float64) != x {
		t.Errorf("north-first order %v is not %v swapped", q, p)
	}
	// bbox in EPSG:4550 (easting/northing) finds the gate; a filter narrows.
	box := [4]float64{x - 10, y - 10, x + 10, y + 10}
	if n, err := db.CountFeatures(context.Background(), ogc.FeatureQuery{Layer: l, BBox: &box, BBoxSRID: 4550}); err != nil || n != 1 {
		t.Errorf("bbox count = %d, %v", n, err)
	}
	b := cat.Layer("buildings")
	for _, c := range []struct {
		f    ogc.Filter
		want int64
	}{{ogc.Filter{Name: "floors", Value: 6.0}, 1}, {ogc.Filter{Name: "structure", Value: "brick_concrete"}, 2},
		{ogc.Filter{Name: "has_elevator", Value: true}, 0}, {ogc.Filter{Name: "code", Value: "B3"}, 1}} {
		n, err := db.CountFeatures(context.Background(), ogc.FeatureQuery{Layer: b, Filters: []ogc.Filter{c.f}})
		if err != nil || n != c.want {
			t.Errorf("filter %v: %d, %v; want %d", c.f, n, err, c.want)
		}
	}
	// Paging.
	page := collect(t, db, ogc.FeatureQuery{Layer: b, WithCode: true, Limit: 2, Offset: 1})
	if got := codes(page); len(got) != 2 || got[0] != "B2" {
		t.Errorf("limit 2 offset 1: %v", got)
	}
}

func TestFeaturesMetadata(t *testing.T) {
	db, cat := featureDB(t)
	ctx := context.Background()
	geom, code, ok, err := db.FeatureColumns(ctx, "tile_buildings")
	if err != nil || !geom || !code || !ok {
		t.Errorf("tile_buildings columns: geom %v code %v ok %v %v", geom, code, ok, err)
	}
	geom, code, ok, err = db.FeatureColumns(ctx, "living_circles")
	if err != nil || !geom || code || !ok {
		t.Errorf("living_circles columns: geom %v code %v ok %v %v", geom, code, ok, err)
	}
	if _, _, ok, err := db.FeatureColumns(ctx, "no_such_table"); ok || err != nil {
		t.Errorf("missing table: ok %v %v", ok, err)
	}
	box, ok, err := db.LayerExtent(ctx, cat.Layer("buildings"))
	if err != nil || !ok || math.Abs(box[0]-124.3503) > 1e-9 || math.Abs(box[2]-124.3525) > 1e-9 {
		t.Errorf("extent %v %v %v", box, ok, err)
	}
	if _, ok, err := db.LayerExtent(ctx, cat.Layer("areas")); ok || err != nil {
		t.Errorf("empty layer extent: ok %v %v", ok, err)
	}
	p, err := db.Place(ctx, "community", community(t, db, "C1"))
	if err != nil || p.Name != "机械厂家属楼" || p.Code != "C1" {
		t.Errorf("place %+v %v", p, err)
	}
	if _, err := db.Place(ctx, "area", 999); !errors.Is(err, renew.ErrNotFound) {
		t.Errorf("missing area: %v", err)
	}
	// A snapshot reads the same, and stops at the first error of the callback.
	stop := errors.New("stop")
	err = db.Export(ctx, time.Minute, func(r ogc.FeatureReader) error {
		return r.Features(ctx, ogc.FeatureQuery{Layer: cat.Layer("buildings")}, func(*ogc.Feature) error { return stop })
	})
	if !errors.Is(err, stop) {
		t.Errorf("export: %v", err)
	}
}
