package osm_test

import (
	"context"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"

	"renewmap/internal/ingest"
	iosm "renewmap/internal/ingest/osm"
	"renewmap/internal/planning"
	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
)

// town is generated OSM data with buildings and streets but only one landuse=residential area,
// and faults on purpose, in metres about (124.35, 43.16):
//   - 兴华路 (residential, y = 0) and 一马路 (tertiary, x = 200), 二马路 (x = 340);
//   - A: six slabs 12 × 40 m, 18 m apart, west of 一马路, addr:street 兴华路, a shop 幸福里便利店;
//   - B: four slabs east of 一马路, the first 16 m from A's last across the street;
//   - a lone building south of 兴华路 (a group of one);
//   - four buildings in a school's grounds, three industrial sheds (not homes);
//   - a mapped community 老街坊 with two buildings.
type town struct {
	o      osm.OSM
	nextID int64
}

const lon0, lat0 = 124.35, 43.16

func (t *town) at(x, y float64) (float64, float64) {
	return lon0 + x/(111320*math.Cos(lat0*math.Pi/180)), lat0 + y/111320
}

func (t *town) id() int64 { t.nextID++; return t.nextID }

func (t *town) node(x, y float64, tags ...osm.Tag) osm.NodeID {
	lon, lat := t.at(x, y)
	n := &osm.Node{ID: osm.NodeID(t.id()), Lon: lon, Lat: lat, Tags: tags, Visible: true}
	t.o.Nodes = append(t.o.Nodes, n)
	return n.ID
}

func (t *town) way(pts [][2]float64, closed bool, tags ...osm.Tag) *osm.Way {
	w := &osm.Way{ID: osm.WayID(t.id()), Tags: tags, Visible: true}
	for _, p := range pts {
		w.Nodes = append(w.Nodes, osm.WayNode{ID: t.node(p[0], p[1])})
	}
	if closed {
		w.Nodes = append(w.Nodes, w.Nodes[0])
	}
	t.o.Ways = append(t.o.Ways, w)
	return w
}

func (t *town) box(x0, y0, x1, y1 float64, tags ...osm.Tag) *osm.Way {
	return t.way([][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, true, tags...)
}

func newTown() *town {
	t := &town{}
	t.way([][2]float64{{-300, 0}, {500, 0}}, false, osm.Tag{Key: "highway", Value: "residential"}, osm.Tag{Key: "name", Value: "兴华路"})
	t.way([][2]float64{{200, -300}, {200, 300}}, false, osm.Tag{Key: "highway", Value: "tertiary"}, osm.Tag{Key: "name", Value: "一马路"})
	t.way([][2]float64{{340, -300}, {340, 300}}, false, osm.Tag{Key: "highway", Value: "residential"}, osm.Tag{Key: "name", Value: "二马路"})
	home := osm.Tag{Key: "building", Value: "yes"}
	for k := 0; k < 6; k++ {
		x := 30 + 30*float64(k)
		t.box(x, 60, x+12, 100, home, osm.Tag{Key: "addr:street", Value: "兴华路"})
	}
	t.node(60, 103, osm.Tag{Key: "shop", Value: "convenience"}, osm.Tag{Key: "name", Value: "幸福里便利店"})
	for k := 0; k < 4; k++ {
		x := 208 + 30*float64(k)
		t.box(x, 60, x+12, 100, osm.Tag{Key: "building", Value: "apartments"})
	}
	t.box(100, -150, 112, -110, home)
	t.box(250, -200, 330, -50, osm.Tag{Key: "amenity", Value: "school"}, osm.Tag{Key: "name", Value: "实验小学"})
	for k := 0; k < 4; k++ {
		x := 255 + 18*float64(k)
		t.box(x, -150, x+10, -120, home)
	}
	for k := 0; k < 3; k++ {
		x := -100 + 25*float64(k)
		t.box(x, -200, x+15, -180, osm.Tag{Key: "building", Value: "industrial"})
	}
	t.box(-280, 20, -120, 180, osm.Tag{Key: "landuse", Value: "residential"}, osm.Tag{Key: "name", Value: "老街坊"})
	t.box(-250, 50, -238, 90, home)
	t.box(-200, 50, -188, 90, home)
	return t
}

var townList = []planning.ListedCommunity{
	{Row: 2, Name: "幸福里", Address: "兴华路12号"},
	{Row: 3, Name: "建设小区", Address: "二马路与一马路交口", Year: 1988},
	{Row: 4, Name: "不存在花园", Address: "解放路1号"},
}

func convertTown(t *testing.T, opt iosm.Options) (*ingest.Batch, iosm.Report) {
	t.Helper()
	files, rep, err := iosm.Convert(&newTown().o, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	return b, rep
}

// Buildings outside every community gather into provisional communities: clusters of homes not
// split by a street, named from the office's list where it matches; a lone building, a school's
// buildings and industrial sheds stay out; the unmatched row is listed.
func TestProvisionalFromClusters(t *testing.T) {
	t.Parallel()
	b, rep := convertTown(t, iosm.Options{File: "town.osm"})
	if n := len(b.Layer("buildings").Features); n != 2 || len(rep.Provisional) != 0 {
		t.Fatalf("without -provisional: %d buildings, %d provisional; want only 老街坊's two", n, len(rep.Provisional))
	}

	b, rep = convertTown(t, iosm.Options{File: "town.osm", Provisional: true, List: townList})
	for _, n := range rep.Notes {
		t.Log(n)
	}
	if len(rep.Provisional) != 2 {
		t.Fatalf("provisional communities %v, want A and B (a street between them)", rep.Provisional)
	}
	byName := map[string]iosm.Provisional{}
	for _, p := range rep.Provisional {
		byName[p.Name] = p
	}
	a, okA := byName["幸福里"]
	bb, okB := byName["建设小区"]
	if !okA || !okB || a.Buildings != 6 || bb.Buildings != 4 || a.ListRow != 2 || bb.ListRow != 3 {
		t.Fatalf("provisional %+v; want 幸福里 (6 buildings, row 2) and 建设小区 (4, row 3)", rep.Provisional)
	}
	if !slices.Contains(a.Names, "幸福里便利店") || !slices.Contains(a.Streets, "兴华路") || !slices.Contains(bb.Streets, "二马路") {
		t.Errorf("clues: A %+v, B %+v", a, bb)
	}
	if len(rep.Unmatched) != 1 || rep.Unmatched[0].Name != "不存在花园" {
		t.Errorf("unmatched rows %+v, want 不存在花园", rep.Unmatched)
	}
	if got := len(b.Layer("buildings").Features); got != 12 {
		t.Errorf("%d buildings imported, want 2 + 6 + 4 (not the lone one, the school's or the sheds)", got)
	}
	outlines := map[string]orb.MultiPolygon{}
	for _, f := range b.Layer("communities").Features {
		outlines[f.Code] = f.Geometry.(orb.MultiPolygon)
		if f.Code == bb.Code && f.Props["completed_year"] != int64(1988) {
			t.Errorf("建设小区's year from the list: %v", f.Props["completed_year"])
		}
		if f.Code == bb.Code && f.Props["address"] != "二马路与一马路交口" {
			t.Errorf("建设小区's address from the list: %v", f.Props["address"])
		}
	}
	in := map[string]int{}
	for _, f := range b.Layer("buildings").Features {
		code := f.Props["community"].(string)
		in[code]++
		mp := outlines[code]
		for _, p := range f.Geometry.(orb.MultiPolygon)[0][0] {
			if !planar.MultiPolygonContains(mp, p) {
				t.Errorf("building %s: corner %v outside its community %s", f.Code, p, code)
			}
		}
		if code == bb.Code && f.Props["completed_year"] != int64(1988) {
			t.Errorf("building %s of 建设小区: year %v, want the community's 1988", f.Code, f.Props["completed_year"])
		}
	}
	if in[a.Code] != 6 || in[bb.Code] != 4 {
		t.Errorf("buildings per community %v", in)
	}
	// A and B face each other across 一马路 16 m apart: their margins are halved (4 m), so the
	// outlines do not overlap. A's west edge is 4 m west of its first slab (x = 30 m).
	west, _ := newTown().at(30-planning.ClusterMargin/2, 0)
	if got := outlines[a.Code].Bound().Min[0]; math.Abs(got-west)*111320*math.Cos(lat0*math.Pi/180) > 0.1 {
		t.Errorf("A's west edge %.7f, want %.7f (a margin of %.0f m)", got, west, planning.ClusterMargin/2)
	}
	if outlines[a.Code].Bound().Intersects(outlines[bb.Code].Bound()) {
		t.Errorf("A's outline %v meets B's %v", outlines[a.Code].Bound(), outlines[bb.Code].Bound())
	}
}

// The provisional communities reach PostGIS as 待核实; a re-import leaves a confirmed one
// confirmed.
func TestImportProvisional(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	b, rep := convertTown(t, iosm.Options{File: "town.osm", Provisional: true, List: townList})
	if _, err := db.Import(ctx, b, postgis.ImportOptions{Provisional: rep.ProvisionalCodes()}); err != nil {
		t.Fatal(err)
	}
	provisional := func() []string {
		var out []string
		if err := db.Pool.QueryRow(ctx, "SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM communities WHERE provisional").Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := provisional(); !slices.Equal(got, []string{"幸福里", "建设小区"}) {
		t.Fatalf("provisional after the import: %v", got)
	}
	if _, err := db.Pool.Exec(ctx, "UPDATE communities SET provisional = false WHERE name = '幸福里'"); err != nil {
		t.Fatal(err)
	}
	b, rep = convertTown(t, iosm.Options{File: "town.osm", Provisional: true, List: townList})
	if _, err := db.Import(ctx, b, postgis.ImportOptions{Replace: true, ReplacePrefix: iosm.DefaultCodePrefix, Provisional: rep.ProvisionalCodes()}); err != nil {
		t.Fatal(err)
	}
	if got := provisional(); !slices.Equal(got, []string{"建设小区"}) {
		t.Errorf("provisional after a re-import: %v, want 建设小区 only (幸福里 was confirmed)", got)
	}
}

// On the Beijing extract (© OpenStreetMap contributors, ODbL 1.0) the campus buildings of 清华大学
// are not homes: the buildings outside the six residential areas make few provisional
// communities, none of them on the campus, and the import takes them.
func TestProvisionalBeijing(t *testing.T) {
	t.Parallel()
	f, err := os.Open(beijing)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, rep, err := iosm.Load(f, iosm.Options{File: "beijing_haidian_tsinghua_2017.osm", Provisional: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Provisional {
		t.Log(p)
	}
	if len(rep.Provisional) == 0 || len(rep.Provisional) > 10 {
		t.Errorf("%d provisional communities; want a few", len(rep.Provisional))
	}
	if n := len(b.Layer("communities").Features); n != 6+len(rep.Provisional) {
		t.Errorf("%d communities", n)
	}
	ctx := context.Background()
	db, _ := pgtest.New(t)
	if _, err := db.Import(ctx, b, postgis.ImportOptions{Provisional: rep.ProvisionalCodes()}); err != nil {
		t.Fatal(err)
	}
	var n, overlap int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE provisional),
		count(*) FILTER (WHERE provisional AND EXISTS (SELECT 1 FROM communities o WHERE NOT o.provisional AND ST_Overlaps(o.geom, c.geom)))
		FROM communities c`).Scan(&n, &overlap); err != nil {
		t.Fatal(err)
	}
	if n != len(rep.Provisional) || overlap != 0 {
		t.Errorf("%d provisional stored (want %d), %d overlapping a mapped community", n, len(rep.Provisional), overlap)
	}
}
