package postgis_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/ingest/osm"
	"renewmap/internal/planning"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// A generated street grid 200 m apart (four streets each way, so nine blocks), community A in
// the south-west block: the eight other blocks are proposed, shrunk to the kerb, with the
// streets around them, the facility names inside and the buildings' year; only a block with a
// year is stored, provisional.
func TestProposeOutlinesGrid(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	var sql strings.Builder
	sql.WriteString(`INSERT INTO districts (code, name, geom) VALUES ('D', '铁西区', ` + box(-1000, -1000, 2000, 2000) + `);
		INSERT INTO subdistricts (code, name, district_id, geom) SELECT 'S1', '仁兴街道', id, geom FROM districts;
		INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, geom)
		  SELECT 'A', '甲小区', id, 1985, 'reform', 'none', ` + box(8, 8, 192, 192) + ` FROM subdistricts;
		INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, geom)
		  SELECT 'B' || n, id, n || '号楼', 6, 3, 36, 2600, 1986 + n, 'brick_concrete', ST_Translate(` + box(420, 420, 440, 440) + `, n * 0.0003, 0)
		  FROM communities, generate_series(0, 2) n;
		INSERT INTO facilities (code, kind, name, geom) VALUES ('F1', 'convenience_store', '幸福里便利店', ST_GeomFromText('POINT(` + xy(300, 300) + `)', 4326));
		INSERT INTO roads (code, name, class, geom) VALUES `)
	names := []string{"南环路", "兴华路", "中央路", "北环路"}
	for i := 0; i < 4; i++ {
		v := float64(i * 200)
		fmt.Fprintf(&sql, "('H%d', '%s', 'branch', %s), ('V%d', '%s', 'branch', %s),", i, names[i], line(-20, v, 620, v), i, []string{"一马路", "二马路", "三马路", "四马路"}[i], line(v, -20, v, 620))
	}
	sql.WriteString(`('P1', NULL, 'footway', ` + line(300, 200, 300, 400) + `)`)
	if _, err := db.Pool.Exec(ctx, sql.String()); err != nil {
		t.Fatal(err)
	}
	// The buildings belong to A in the table, but lie in the north-east block.
	out, err := db.ProposeOutlines(ctx, planning.OutlineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 8 {
		t.Fatalf("%d proposals, want 8 (nine blocks, one of them A's)", len(out))
	}
	var middle, northEast *planning.Outline
	for i := range out {
		o := &out[i]
		if a := geo.Area(o.Geometry); math.Abs(a-188*188) > 0.02*188*188 || math.Abs(o.AreaM2-a) > 0.01*a {
			t.Errorf("block %d: area %.0f m² (PostGIS %.0f), want about %d", i, a, o.AreaM2, 188*188)
		}
		if o.Subdistrict != "S1" || o.Origin != "block" || len(o.Streets) != 4 {
			t.Errorf("block %d: %+v", i, o)
		}
		if len(o.Names) > 0 {
			middle = o
		}
		if o.Year != nil {
			northEast = o
		}
	}
	if middle == nil || !reflect.DeepEqual(middle.Names, []string{"幸福里便利店"}) ||
		!reflect.DeepEqual(middle.Streets, []string{"三马路", "中央路", "二马路", "兴华路"}) {
		t.Errorf("the middle block: %+v", middle)
	}
	if northEast == nil || *northEast.Year != 1987 || !reflect.DeepEqual(northEast.Streets, []string{"三马路", "中央路", "北环路", "四马路"}) {
		t.Errorf("the north-east block: %+v", northEast)
	}
	northEast.Name = "幸福小区"
	saved, skipped, err := db.SaveOutlines(ctx, out, renew.AuditEntry{Actor: "planner"})
	if err != nil || len(saved) != 1 || len(skipped) != 7 {
		t.Fatalf("saved %v, skipped %d, err %v", saved, len(skipped), err)
	}
	var name string
	var provisional bool
	db.Pool.QueryRow(ctx, "SELECT name, provisional FROM communities WHERE code = $1", saved[0]).Scan(&name, &provisional)
	if name != "幸福小区" || !provisional {
		t.Errorf("stored %q provisional=%v", name, provisional)
	}
	// Proposed again, the stored one now counts as covered.
	if again, _ := db.ProposeOutlines(ctx, planning.OutlineOptions{}); len(again) != 7 {
		t.Errorf("%d proposals after saving one, want 7", len(again))
	}
}

// The Beijing extract (© OpenStreetMap contributors, ODbL 1.0) through the OSM importer: its
// street blocks outside the six residential areas are proposed, each a valid polygon of a
// plausible size that no community covers.
func TestProposeOutlinesBeijing(t *testing.T) {
	t.Parallel()
	db, _ := pgtest.New(t)
	ctx := context.Background()
	f, err := os.Open("../ingest/osm/testdata/beijing_haidian_tsinghua_2017.osm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _, err := osm.Load(f, osm.Options{File: "beijing_haidian_tsinghua_2017.osm"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Import(ctx, b, postgis.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := db.ProposeOutlines(ctx, planning.OutlineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d blocks proposed", len(out))
	if len(out) < 5 {
		t.Fatalf("%d blocks proposed from the Beijing streets, want at least 5", len(out))
	}
	named, placed := 0, 0
	for i, o := range out {
		if o.AreaM2 < 2000 || o.AreaM2 > 400000 {
			t.Errorf("block %d: area %.0f m²", i, o.AreaM2)
		}
		if len(o.Streets) > 0 {
			named++
		}
		if o.Subdistrict != "" {
			placed++
		}
	}
	// The extract's 街道 is its data's extent; a few blocks at the edge lie outside it.
	if named < len(out)/2 || placed < len(out)*9/10 {
		t.Errorf("of %d blocks, %d know a street around them and %d their 街道", len(out), named, placed)
	}
	for i, o := range out {
		g, _ := geojson.NewGeometry(o.Geometry).MarshalJSON()
		var bad bool
		if err := db.Pool.QueryRow(ctx, `SELECT NOT ST_IsValid(ST_GeomFromGeoJSON($1)) OR EXISTS (SELECT 1 FROM communities c
			WHERE ST_Area(ST_Intersection(c.geom, ST_GeomFromGeoJSON($1))::geography) >= 0.2 * ST_Area(ST_GeomFromGeoJSON($1)::geography))`,
			string(g)).Scan(&bad); err != nil || bad {
			t.Errorf("block %d invalid or covered by a community (%v)", i, err)
		}
	}
}
