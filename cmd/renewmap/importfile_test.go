package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"renewmap/internal/postgis"
	"renewmap/internal/postgis/pgtest"
	"renewmap/internal/renew"
)

// importer runs `renewmap import` against one database holding the demo data.
type importer struct {
	t   *testing.T
	db  *postgis.DB
	e   *env
	out *bytes.Buffer
	dir string
}

func newImporter(t *testing.T) *importer {
	t.Helper()
	for _, tool := range []string{"ogr2ogr", "ogrinfo", "gdalsrsinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing: scripts/install.sh installs gdal-bin", tool)
		}
	}
	db, url := pgtest.New(t)
	out := &bytes.Buffer{}
	im := &importer{t: t, db: db, out: out, dir: t.TempDir(), e: &env{stdout: out, stderr: out, getenv: func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}}}
	if err := run(context.Background(), []string{"load", filepath.Join("..", "..", "geodata", "tiexi")}, im.e); err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	return im
}

// run imports and returns the output; err is the command's error.
func (im *importer) run(args ...string) (string, error) {
	im.out.Reset()
	err := run(context.Background(), append([]string{"import"}, args...), im.e)
	return im.out.String(), err
}

func (im *importer) write(name, content string) string {
	p := filepath.Join(im.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		im.t.Fatal(err)
	}
	return p
}

func (im *importer) ogr2ogr(args ...string) {
	im.t.Helper()
	if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
		im.t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// state is a fingerprint of the data, to show a refused import changed nothing.
func (im *importer) state() string {
	var s string
	err := im.db.Pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM buildings) || '/' || (SELECT count(*) FROM roads) || '/' ||
		       (SELECT count(*) FROM facilities) || '/' || (SELECT sum(version) FROM data_versions) || '/' ||
		       (SELECT count(*) FROM import_rows) || '/' || (SELECT string_agg(completed_year::text, ',' ORDER BY code) FROM communities)`).Scan(&s)
	if err != nil {
		im.t.Fatal(err)
	}
	return s
}

// distance is the metres between a stored vertex (the first of the geometry) and lon, lat.
func (im *importer) distance(table, code string, lon, lat float64) float64 {
	var d float64
	err := im.db.Pool.QueryRow(context.Background(), `
		SELECT ST_Distance(ST_StartPoint(ST_Boundary(ST_GeometryN(geom, 1)))::geography, ST_MakePoint($2, $3)::geography)
		FROM `+table+` WHERE code = $1 AND GeometryType(geom) LIKE '%POLYGON'
		UNION ALL
		SELECT ST_Distance(ST_StartPoint(geom)::geography, ST_MakePoint($2, $3)::geography) FROM `+table+` WHERE code = $1 AND GeometryType(geom) = 'LINESTRING'
		UNION ALL
		SELECT ST_Distance(geom::geography, ST_MakePoint($2, $3)::geography) FROM `+table+` WHERE code = $1 AND GeometryType(geom) = 'POINT'`,
		code, lon, lat).Scan(&d)
	if err != nil {
		im.t.Fatalf("%s %s: %v", table, code, err)
	}
	return d
}

func square(x, y, d float64) string {
	return fmt.Sprintf(`[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]`, x, y, x+d, y+d)
}

// A survey Shapefile as real ones come: GBK text without a .cpg, CGCS2000 3° zone CM 123E
// (EPSG:4550), Chinese field names; proposed, imported, re-imported.
func TestImportShapefile(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	// (609794.918, 4781379.853) in EPSG:4550 is 124.35°E 43.16°N (PROJ).
	src := im.write("survey.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"房屋编号":"F001","所在小区":"琥珀苑","幢号":"7#","地上层数":6,"JG_LX":"砖混","JCNF":1988,"住户数":48,"单元数":2,"建筑面积":2800.5},"geometry":{"type":"Polygon","coordinates":`+square(609794.918209, 4781379.853149, 30)+`}},
{"type":"Feature","properties":{"房屋编号":"F002","所在小区":"琥珀苑 小区","幢号":"8号楼","地上层数":5,"JG_LX":"框架","JCNF":1990,"住户数":30,"单元数":3,"建筑面积":2100},"geometry":{"type":"Polygon","coordinates":`+square(609900, 4781400, 20)+`}}]}`)
	shp := filepath.Join(im.dir, "房屋调查.shp")
	im.ogr2ogr("-f", "ESRI Shapefile", "-a_srs", "EPSG:4550", "-lco", "ENCODING=CP936", shp, src)
	os.Remove(strings.TrimSuffix(shp, ".shp") + ".cpg")

	out, err := im.run(shp)
	if err != nil {
		t.Fatalf("proposal: %v\n%s", err, out)
	}
	for _, want := range []string{"no .cpg); read as GBK", "EPSG:4550", "structure ← JG_LX", "completed_year ← JCNF", "community ← 所在小区",
		"floors ← 地上层数", "households ← 住户数", "number ← 幢号", "8号楼"} {
		if !strings.Contains(out, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, out)
		}
	}
	// The proposal as printed is the mapping file: everything else is a YAML comment.
	// (The note on the encoding went to stderr, which the test collects in the same buffer.)
	var yaml []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "(--encoding to change)") {
			yaml = append(yaml, line)
		}
	}
	mapping := im.write("survey.yaml", strings.Join(yaml, "\n"))
	before := im.state()
	if out, err := im.run("-mapping", mapping, "-dry-run", shp); err != nil || !strings.Contains(out, "2 inserted") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if im.state() != before {
		t.Fatal("the dry run changed the database")
	}
	if out, err := im.run("-mapping", mapping, shp); err != nil || !strings.Contains(out, "2 inserted") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	var number, structure, community string
	im.db.Pool.QueryRow(context.Background(), `SELECT b.number, b.structure, c.code FROM buildings b JOIN communities c ON c.id = b.community_id WHERE b.code = '房屋调查-F001'`).
		Scan(&number, &structure, &community)
	if number != "7#" || structure != "brick_concrete" || community != "TX-C001" {
		t.Errorf("building 房屋调查-F001: number %q structure %q community %q", number, structure, community)
	}
	if d := im.distance("buildings", "房屋调查-F001", 124.35, 43.16); d > 0.5 {
		t.Errorf("the known corner lies %.2f m from 124.35°E 43.16°N", d)
	}

	// Changed in renewmap, then re-imported from a file that lost F002: both reported, neither
	// touched; --replace applies the file.
	im.db.Pool.Exec(context.Background(), `UPDATE buildings SET floors = 7 WHERE code = '房屋调查-F001'`)
	im.ogr2ogr("-f", "ESRI Shapefile", "-a_srs", "EPSG:4550", "-lco", "ENCODING=CP936", "-where", `"房屋编号" = 'F001'`, "-overwrite", shp, src)
	os.Remove(strings.TrimSuffix(shp, ".shp") + ".cpg")
	out, err = im.run("-mapping", mapping, shp)
	if err != nil || !strings.Contains(out, "1 changed in renewmap since the last import, kept") || !strings.Contains(out, "1 no longer in the source, kept") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	var floors, n int
	im.db.Pool.QueryRow(context.Background(), `SELECT floors, (SELECT count(*) FROM buildings WHERE code LIKE '房屋调查-%') FROM buildings WHERE code = '房屋调查-F001'`).Scan(&floors, &n)
	if floors != 7 || n != 2 {
		t.Errorf("after the re-import: floors %d (want the edit, 7), %d buildings (want 2)", floors, n)
	}
	if out, err := im.run("-mapping", mapping, "-replace", shp); err != nil || !strings.Contains(out, "1 deleted") {
		t.Fatalf("re-import with -replace: %v\n%s", err, out)
	}
	im.db.Pool.QueryRow(context.Background(), `SELECT floors, (SELECT count(*) FROM buildings WHERE code LIKE '房屋调查-%') FROM buildings WHERE code = '房屋调查-F001'`).Scan(&floors, &n)
	if floors != 6 || n != 1 {
		t.Errorf("after -replace: floors %d (want the file's 6), %d buildings (want 1)", floors, n)
	}
}

// A GeoPackage of roads in EPSG:4490, a GCJ-02 GeoJSON of facilities checked against gcoord, and a
// DXF site plan in EPSG:4550.
func TestImportGeoPackageGCJDXF(t *testing.T) {
	t.Parallel()
	im := newImporter(t)

	roads := im.write("roads.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"DLBM":"R1","LM":"兴业路","DJ":"支路"},"geometry":{"type":"LineString","coordinates":[[124.331,43.151],[124.336,43.151]]}},
{"type":"Feature","properties":{"DLBM":"R2","LM":"内部道路","DJ":"小区路"},"geometry":{"type":"LineString","coordinates":[[124.332,43.152],[124.332,43.155]]}}]}`)
	gpkg := filepath.Join(im.dir, "roads.gpkg")
	im.ogr2ogr("-f", "GPKG", "-a_srs", "EPSG:4490", gpkg, roads)
	mapping := im.write("roads.yaml", `
layer: roads
code: "RD-{DLBM}"
fields: {name: LM, class: DJ}
values:
  class: {小区路: internal}
`)
	if out, err := im.run("-mapping", mapping, gpkg); err != nil || !strings.Contains(out, "2 inserted") {
		t.Fatalf("GeoPackage: %v\n%s", err, out)
	}
	var class string
	im.db.Pool.QueryRow(context.Background(), `SELECT class FROM roads WHERE code = 'RD-R2'`).Scan(&class)
	if class != "internal" {
		t.Errorf("RD-R2 class %q, want internal (from the value map)", class)
	}
	if d := im.distance("roads", "RD-R1", 124.331, 43.151); d > 0.5 {
		t.Errorf("RD-R1 starts %.2f m from its known point", d)
	}

	// GCJ-02: what a contractor copied from a web map.
	gcj := [][2]float64{{124.3412, 43.1563}, {124.3301, 43.1502}}
	var feats []string
	for i, p := range gcj {
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"名字":"诊所%d","lx":"社区卫生服务中心"},"geometry":{"type":"Point","coordinates":[%f,%f]}}`, i, p[0], p[1]))
	}
	fac := im.write("clinics.geojson", `{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`)
	mapping = im.write("clinics.json", `{"layer": "facilities", "crs": "GCJ02", "code": "CL-{名字}", "fields": {"name": "名字", "kind": "lx"}}`)
	if out, err := im.run("-mapping", mapping, fac); err != nil || !strings.Contains(out, "2 inserted") || !strings.Contains(out, "GCJ-02") {
		t.Fatalf("GCJ-02 GeoJSON: %v\n%s", err, out)
	}
	want := gcoordToWGS84(t, gcj)
	for i, w := range want {
		if d := im.distance("facilities", fmt.Sprintf("CL-诊所%d", i), w[0], w[1]); d > 2 {
			t.Errorf("诊所%d lies %.2f m from where gcoord puts it", i, d)
		}
	}

	// A DXF site plan: closed polylines in EPSG:4550 become buildings.
	plan := im.write("plan.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"Layer":"JZ"},"geometry":{"type":"LineString","coordinates":`+strings.TrimSuffix(strings.TrimPrefix(square(609794.918209, 4781379.853149, 25), "["), "]")+`}}]}`)
	dxf := filepath.Join(im.dir, "site.dxf")
	im.ogr2ogr("-f", "DXF", dxf, plan)
	mapping = im.write("site.yaml", `
layer: buildings
crs: EPSG:4550
code: "SITE-{EntityHandle}"
fields: {number: EntityHandle}
constants: {community: TX-C002, floors: 6, units: 2, households: 36, floor_area: 1800, structure: brick_concrete, completed_year: 1995}
`)
	out, err := im.run("-mapping", mapping, dxf)
	if err != nil || !strings.Contains(out, "1 inserted") {
		t.Fatalf("DXF: %v\n%s", err, out)
	}
	var code string
	im.db.Pool.QueryRow(context.Background(), `SELECT code FROM buildings WHERE code LIKE 'SITE-%'`).Scan(&code)
	if d := im.distance("buildings", code, 124.35, 43.16); d > 0.5 {
		t.Errorf("the site plan's corner lies %.2f m from 124.35°E 43.16°N", d)
	}
}

// A site plan in a city's local system (no CRS in the DXF): refused as such, then placed through
// control points (同名点) with a fitted 4-parameter transformation; a mistyped point is refused.
func TestImportLocalSystem(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	// The local system: EPSG:4550 shifted to (600000, 4780000), turned 0.3° and scaled by 1.00002.
	th, sc := 0.3*math.Pi/180, 1.00002
	toLocal := func(e, n float64) (float64, float64) {
		dx, dy := e-600000, n-4780000
		return (math.Cos(th)*dx + math.Sin(th)*dy) / sc, (-math.Sin(th)*dx + math.Cos(th)*dy) / sc
	}
	x0, y0 := toLocal(609794.918209, 4781379.853149) // 124.35°E 43.16°N
	x1, y1 := toLocal(609819.918209, 4781404.853149)
	ring := fmt.Sprintf("[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]", x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
	src := im.write("local.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":`+ring+`}}]}`)
	dxf := filepath.Join(im.dir, "local.dxf")
	im.ogr2ogr("-f", "DXF", dxf, src)
	control := func(name string, typo float64) string {
		var csv strings.Builder
		csv.WriteString("name,x,y,e,n\n")
		for i, p := range [][2]float64{{605000, 4779000}, {612000, 4779500}, {611000, 4784000}, {606000, 4783500}} {
			x, y := toLocal(p[0], p[1])
			if i == 2 {
				p[0] += typo
			}
			fmt.Fprintf(&csv, "K%d,%.4f,%.4f,%.4f,%.4f\n", i+1, x, y, p[0], p[1])
		}
		return im.write(name, csv.String())
	}
	points := control("points.csv", 0)
	mapping := im.write("local.yaml", `
layer: buildings
code: "LOCAL-{EntityHandle}"
fields: {number: EntityHandle}
constants: {community: TX-C002, floors: 6, units: 2, households: 36, floor_area: 1800, structure: brick_concrete, completed_year: 1995}
`)
	before := im.state()
	if out, err := im.run("-mapping", mapping, dxf); err == nil || !strings.Contains(err.Error(), "does not say its coordinate system") {
		t.Errorf("a DXF without a CRS: %v\n%s", err, out)
	}
	bad := control("bad.csv", 3) // e of K3 mistyped by 3 m
	if out, err := im.run("-mapping", mapping, "-control", bad, "-control-crs", "EPSG:4550", dxf); err == nil || !strings.Contains(err.Error(), "control point K3 is") {
		t.Errorf("a mistyped control point: %v\n%s", err, out)
	}
	if im.state() != before {
		t.Error("a refused import changed the database")
	}
	out, err := im.run("-mapping", mapping, "-control", points, "-control-crs", "EPSG:4550", dxf)
	if err != nil || !strings.Contains(out, "4-parameter fit on 4 control points") || !strings.Contains(out, "1 inserted") {
		t.Fatalf("with control points: %v\n%s", err, out)
	}
	var code string
	im.db.Pool.QueryRow(context.Background(), `SELECT code FROM buildings WHERE code LIKE 'LOCAL-%'`).Scan(&code)
	if d := im.distance("buildings", code, 124.35, 43.16); d > 0.5 {
		t.Errorf("the corner lies %.2f m from 124.35°E 43.16°N", d)
	}
}

// gcoordToWGS84 converts GCJ-02 points with the gcoord npm package (an implementation independent
// of renewmap's), run by node.
func gcoordToWGS84(t *testing.T, pts [][2]float64) [][2]float64 {
	t.Helper()
	in, _ := json.Marshal(pts)
	script := `const g = require('gcoord'); const pts = JSON.parse(process.argv[1]);
console.log(JSON.stringify(pts.map(p => g.transform(p, g.GCJ02, g.WGS84))));`
	cmd := exec.Command("node", "-e", script, string(in))
	cmd.Dir = filepath.Join("..", "..", "web")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node gcoord (scripts/install.sh installs web/node_modules): %v", err)
	}
	var got [][2]float64
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// An 调查摸底 workbook: a title row, two-row merged headers, a 合计 row, names written as people
// write them; joined to the communities by name.
func TestImportSurveyWorkbook(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	write := func(name string, rows [][]any) string {
		f := excelize.NewFile()
		defer f.Close()
		sh := f.GetSheetName(0)
		f.SetCellValue(sh, "A1", "铁西区老旧小区调查摸底表")
		f.MergeCell(sh, "A1", "E1")
		f.SetCellValue(sh, "A2", "序号")
		f.MergeCell(sh, "A2", "A3")
		f.SetCellValue(sh, "B2", "小区名称")
		f.MergeCell(sh, "B2", "B3")
		f.SetCellValue(sh, "C2", "基本情况")
		f.MergeCell(sh, "C2", "E2")
		f.SetSheetRow(sh, "C3", &[]any{"建成年代", "产权性质", "物业管理"})
		for i, r := range rows {
			f.SetSheetRow(sh, fmt.Sprintf("A%d", 4+i), &r)
		}
		p := filepath.Join(im.dir, name)
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mapping := im.write("survey.yaml", `
layer: communities
join: {by: name, field: 小区名称}
fields: {completed_year: 建成年代, property_type: 产权性质, management: 物业管理}
values:
  management: {物业公司: property_company}
`)
	good := write("调查摸底.xlsx", [][]any{
		{1, "琥珀苑小区", "1985年", "房改房", "物业公司"},
		{2, " 银河湾 ", 1992, "不详", "无"},
		{"合计", "", "", "", ""},
	})
	out, err := im.run("-mapping", mapping, good)
	if err != nil || !strings.Contains(out, "2 updated") || !strings.Contains(out, "row 6: a total row (合计), skipped") {
		t.Fatalf("survey: %v\n%s", err, out)
	}
	var year int
	var prop, mgmt string
	im.db.Pool.QueryRow(context.Background(), `SELECT completed_year, property_type, management FROM communities WHERE name = '琥珀苑'`).Scan(&year, &prop, &mgmt)
	if year != 1985 || prop != "reform" || mgmt != "property_company" {
		t.Errorf("琥珀苑: %d %s %s, want 1985 reform property_company", year, prop, mgmt)
	}

	// A row that matches no community rejects the table, naming the row; nothing changes.
	bad := write("调查摸底2.xlsx", [][]any{{1, "琥珀苑", 1970, "", ""}, {2, "不存在花园", 1980, "", ""}})
	before := im.state()
	out, err = im.run("-mapping", mapping, bad)
	if err == nil || !strings.Contains(err.Error(), `row 5: 小区名称 "不存在花园" matches no communities`) {
		t.Errorf("an unmatched row: %v\n%s", err, out)
	}
	if im.state() != before {
		t.Error("the refused table changed the database")
	}

	// One row per building, as a CSV without geometry: joined by community name and building
	// number written three ways (1#, 2栋, ３号楼).
	// Saved by Excel on a Chinese Windows: GBK.
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("小区,楼号,结构形式\n琥珀苑,1#,砖混\n琥珀苑小区,2栋,砖混\n琥珀苑,３号楼,框架\n")
	csvPath := im.write("楼栋.csv", gbk)
	mapping = im.write("楼栋.yaml", `
layer: buildings
join: {by: number, field: 楼号, community: 小区}
fields: {structure: 结构形式}
`)
	out, err = im.run("-mapping", mapping, csvPath)
	if err != nil || !strings.Contains(out, "3 features") || !strings.Contains(out, "read as GBK") {
		t.Fatalf("buildings by number: %v\n%s", err, out)
	}
	var structures string
	im.db.Pool.QueryRow(context.Background(), `SELECT string_agg(structure, ',' ORDER BY code) FROM buildings WHERE code IN ('TX-C001-B01', 'TX-C001-B02', 'TX-C001-B03')`).Scan(&structures)
	if structures != "brick_concrete,brick_concrete,frame" {
		t.Errorf("structures of TX-C001-B01..03: %s", structures)
	}
}

// Files and mappings that must be refused, each naming what is wrong, the database unchanged.
func TestImportRefusals(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	roads := im.write("roads.yaml", "layer: roads\ncode: \"R-{id}\"\nfields: {class: kind}\n")
	gj := im.write("r.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1,"kind":"支路"},"geometry":{"type":"LineString","coordinates":[[124.33,43.15],[124.34,43.15]]}}]}`)
	bomb := filepath.Join(im.dir, "bomb.zip")
	{
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateRaw(&zip.FileHeader{Name: "roads.geojson", Method: zip.Deflate, UncompressedSize64: 8 << 30, CompressedSize64: 16})
		w.Write(make([]byte, 16))
		zw.Close()
		os.WriteFile(bomb, buf.Bytes(), 0o600)
	}
	escape := filepath.Join(im.dir, "escape.zip")
	{
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("../../roads.geojson")
		w.Write([]byte(`{}`))
		zw.Close()
		os.WriteFile(escape, buf.Bytes(), 0o600)
	}
	xian := filepath.Join(im.dir, "xian.shp")
	im.ogr2ogr("-f", "ESRI Shapefile", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:2383", "-lco", "ENCODING=UTF-8", xian, gj)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"not a GIS file", []string{"-mapping", roads, im.write("roads.shp", "\x00\x01\x02 not a shapefile")}, "roads.shp: not a format renewmap imports"},
		{"a VRT pointing at a server file", []string{"-mapping", roads, im.write("roads.vrt",
			`<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>`)}, "roads.vrt: an OGR/GDAL VRT"},
		{"a VRT named .geojson", []string{"-mapping", roads, im.write("vrt.geojson", `<OGRVRTDataSource/>`)}, "vrt.geojson: an OGR/GDAL VRT"},
		{"a zip bomb", []string{"-mapping", roads, bomb}, "refused as a possible zip bomb"},
		{"a path leaving the archive", []string{"-mapping", roads, escape}, `"../../roads.geojson" leaves the archive's folder`},
		{"DWG", []string{"-mapping", roads, im.write("plan.dwg", "AC1032\x00\x00\x00binary")}, "save it as DXF"},
		{"a mapping to a property that does not exist", []string{"-mapping", im.write("bad.yaml", "layer: roads\ncode: \"R-{id}\"\nfields: {lanes: kind}\n"), gj}, `fields: "lanes" is not a property of roads`},
		{"a mapping without a code template", []string{"-mapping", im.write("nocode.yaml", "layer: roads\nfields: {class: kind}\n"), gj}, "code: missing"},
		{"a value no label matches", []string{"-mapping", im.write("novalue.yaml", "layer: roads\ncode: \"R-{id}\"\nfields: {class: id}\n"), gj}, `feature 0: field "id" → class: "1" is no road_class label`},
		{"Xian 1980 without its datum shift", []string{"-mapping", roads, xian}, "on the Xian 1980 datum"},
	} {
		before := im.state()
		out, err := im.run(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q\n%s", c.name, err, c.want, out)
		}
		if im.state() != before {
			t.Errorf("%s: the database changed", c.name)
		}
	}
	// With the 测绘院's parameters the Xian 1980 file imports.
	if out, err := im.run("-mapping", roads, "-towgs84", "0,0,0", xian); err != nil || !strings.Contains(out, "1 inserted") {
		t.Errorf("Xian 1980 with -towgs84: %v\n%s", err, out)
	}
}

// The same points as a zipped Shapefile, CSV with 经度/纬度 columns, KML, GeoJSONSeq and FileGDB.
func TestImportMoreFormats(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	src := im.write("pts.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"bh":"P1","mc":"东站养老院","lb":"养老院"},"geometry":{"type":"Point","coordinates":[124.3381,43.1532]}}]}`)
	shpDir := filepath.Join(im.dir, "shp")
	os.Mkdir(shpDir, 0o700)
	im.ogr2ogr("-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", filepath.Join(shpDir, "pts.shp"), src)
	zipPath := filepath.Join(im.dir, "pts.zip")
	{
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		entries, _ := os.ReadDir(shpDir)
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(shpDir, e.Name()))
			w, _ := zw.Create("数据/" + e.Name())
			w.Write(data)
		}
		zw.Close()
		os.WriteFile(zipPath, buf.Bytes(), 0o600)
	}
	csvPath := im.write("pts.csv", "bh,mc,lb,经度,纬度\nP1,东站养老院,养老院,124.3381,43.1532\n")
	kml := filepath.Join(im.dir, "pts.kml")
	im.ogr2ogr("-f", "KML", "-dsco", "NameField=mc", kml, src) // the KML reader keeps Name and Description
	seq := filepath.Join(im.dir, "pts.geojsonl")
	im.ogr2ogr("-f", "GeoJSONSeq", seq, src)
	gdb := filepath.Join(im.dir, "pts.gdb")
	im.ogr2ogr("-f", "OpenFileGDB", gdb, src)
	for _, c := range []struct{ name, path, mapping string }{
		{"zipped Shapefile", zipPath, `{"layer":"facilities","code":"Z-{bh}","fields":{"name":"mc","kind":"lb"}}`},
		{"CSV", csvPath, `{"layer":"facilities","crs":"EPSG:4326","code":"C-{bh}","fields":{"name":"mc","kind":"lb"}}`},
		{"KML", kml, `{"layer":"facilities","code":"K-{Name}","fields":{"name":"Name"},"constants":{"kind":"nursing_home"}}`},
		{"GeoJSONSeq", seq, `{"layer":"facilities","code":"S-{bh}","fields":{"name":"mc","kind":"lb"}}`},
		{"FileGDB", gdb, `{"layer":"facilities","code":"G-{bh}","fields":{"name":"mc","kind":"lb"}}`},
	} {
		mapping := im.write(strings.ReplaceAll(c.name, " ", "_")+".json", c.mapping)
		out, err := im.run("-mapping", mapping, c.path)
		if err != nil || !strings.Contains(out, "1 inserted") {
			t.Errorf("%s: %v\n%s", c.name, err, out)
			continue
		}
		var code string
		im.db.Pool.QueryRow(context.Background(), `SELECT code FROM facilities WHERE code LIKE $1`, c.mapping[strings.Index(c.mapping, `"code":"`)+8:][:2]+"%").Scan(&code)
		if code == "" {
			t.Errorf("%s: no facility stored", c.name)
			continue
		}
		if d := im.distance("facilities", code, 124.3381, 43.1532); d > 0.5 {
			t.Errorf("%s: %s lies %.2f m from its point", c.name, code, d)
		}
	}
	// One Tilezen-style file holding buildings, roads and land use: one mapping per target layer,
	// each keeping its features by kind.
	tz := im.write("tilezen.geojson", `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":1,"kind":"building","name":"","layer":null},"geometry":{"type":"Polygon","coordinates":`+square(124.3341, 43.1531, 0.0003)+`}},
{"type":"Feature","properties":{"id":2,"kind":"minor_road","name":"铁西街","layer":0},"geometry":{"type":"LineString","coordinates":[[124.331,43.151],[124.336,43.151]]}},
{"type":"Feature","properties":{"id":3,"kind":"path","name":null,"layer":0},"geometry":{"type":"LineString","coordinates":[[124.332,43.152],[124.332,43.155]]}},
{"type":"Feature","properties":{"id":4,"kind":"park","name":"小游园","layer":null},"geometry":{"type":"Polygon","coordinates":`+square(124.34, 43.16, 0.001)+`}}]}`)
	roads := im.write("tz-roads.yaml", `
layer: roads
code: "TZ-{id}"
where: {kind: [minor_road, path]}
fields: {name: name, class: kind}
values:
  class: {minor_road: branch, path: footway}
`)
	out, err := im.run("-mapping", roads, tz)
	if err != nil || !strings.Contains(out, "2 inserted") || !strings.Contains(out, "2 features left out by the mapping's where") {
		t.Errorf("Tilezen roads: %v\n%s", err, out)
	}
	buildings := im.write("tz-buildings.yaml", `
layer: buildings
code: "TZ-{id}"
where: {kind: [building]}
fields: {number: id}
constants: {community: TX-C001, floors: 5, units: 2, households: 30, floor_area: 1500, structure: other, completed_year: 1990}
`)
	out, err = im.run("-mapping", buildings, tz)
	if err != nil || !strings.Contains(out, "1 inserted") {
		t.Errorf("Tilezen buildings: %v\n%s", err, out)
	}
}

// Buildings with no community (a GeoPackage with Chinese field names, as a contractor delivers
// it): refused without -provisional, naming it; with it, gathered into 待核实 communities that a
// street (建设街, stored in the demo, no community near) keeps apart, named from a community list
// where a row matches (the buildings' own 所在小区 names one that does not exist); a lone
// building, and a group outside every 街道, left out and listed; a building naming no community
// inside a stored one joins it; a re-import keeps a planner's confirmation.
func TestImportProvisional(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	ctx := context.Background()
	const street = 124.3625525 // 建设街 (TX-R0158), a secondary road running north–south
	var feats []string
	add := func(id string, lon, lat float64, comm string, year int) {
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"编号":%q,"楼号":%q,"所在小区":%q,"层数":"6层","单元":2,"户数":24,"面积":"1,800㎡","建成年代":"%d年"},"geometry":{"type":"Polygon","coordinates":%s}}`,
			id, id, comm, year, square(lon, lat, 0.0001)))
	}
	// West of the street, 8 m from it: three slabs 12 m apart, their 所在小区 unknown to renewmap.
	for i, lat := range []float64{43.1656, 43.16581, 43.16602} {
		add(fmt.Sprintf("W%d", i+1), street-0.0002, lat, "青桐苑", 1985+i)
	}
	// East of it, as near: 16 m apart, without the street as a barrier the two groups would be one.
	for i, lat := range []float64{43.1656, 43.16581, 43.16602} {
		add(fmt.Sprintf("E%d", i+1), street+0.0001, lat, "", 1990)
	}
	add("L1", street+0.0001, 43.1668, "不详", 1995) // alone, 75 m north of E3
	// East of the other stretch of 建设街 (TX-R0155) lies no 街道 of the demo.
	for i, lat := range []float64{43.1600, 43.16021, 43.16042} {
		add(fmt.Sprintf("O%d", i+1), 124.3630, lat, "", 1990)
	}
	add("K1", 124.3356, 43.1620, "供销社家属院", 1980) // an existing community by name: attached as usual
	add("K2", 124.33565, 43.16005, "", 1980)     // no community named, inside 供销社家属院 (TX-C039): joins it
	src := im.write("楼栋.geojson", `{"type":"FeatureCollection","features":[`+strings.Join(feats, ",\n")+`]}`)
	gpkg := filepath.Join(im.dir, "楼栋.gpkg")
	im.ogr2ogr("-f", "GPKG", "-a_srs", "EPSG:4326", gpkg, src)
	mapping := im.write("楼栋.yaml", `
layer: buildings
code: "FW-{编号}"
fields:
  community: {from: 所在小区, match: name}
  number: 楼号
  floors: 层数
  units: 单元
  households: 户数
  floor_area: 面积
  completed_year: 建成年代
`)
	list := im.write("名单.csv", "名称,地址,建成年份\n青桐苑,建设街3号,1988\n不存在花园,兴业路9号,1990\n")

	before := im.state()
	out, err := im.run("-mapping", mapping, gpkg)
	if err == nil || !strings.Contains(err.Error(), "11 栋楼没有所属小区") || !strings.Contains(err.Error(), "-provisional") {
		t.Fatalf("without -provisional: want a refusal naming the option, got %v\n%s", err, out)
	}
	if im.state() != before {
		t.Fatal("the refused import changed the data")
	}
	if _, err := im.run("-list", list, "-mapping", mapping, gpkg); err == nil || !strings.Contains(err.Error(), "-provisional") {
		t.Errorf("-list without -provisional: %v", err)
	}

	out, err = im.run("-provisional", "-list", list, "-mapping", mapping, gpkg)
	if err != nil {
		t.Fatalf("-provisional: %v\n%s", err, out)
	}
	for _, want := range []string{"2 个待核实小区", "收纳 6 栋", "未匹配：名单第 3 行 不存在花园", "1 栋楼未导入：孤立", "（编码“FW-L1”）",
		"3 栋楼未导入：所在的聚类不在任何街道内", "（编码“FW-O1”）", "1 栋未写所属小区的楼位于已有小区轮廓内",
		"pv-FW-W1 青桐苑: 3 栋，四周 建设街，名单第 2 行", "pv-FW-E1 待核实小区（建设街） FW-E1: 3 栋"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	type comm struct {
		code, name, sub string
		year            int
		provisional     bool
		buildings       int
		covers          bool
	}
	read := func() map[string]comm {
		rows, err := im.db.Pool.Query(ctx, `
			SELECT c.code, c.name, s.code, coalesce(c.completed_year, 0), c.provisional,
			       (SELECT count(*) FROM buildings b WHERE b.community_id = c.id),
			       (SELECT bool_and(ST_Covers(c.geom, b.geom)) FROM buildings b WHERE b.community_id = c.id)
			FROM communities c JOIN subdistricts s ON s.id = c.subdistrict_id WHERE c.code LIKE 'pv-%' ORDER BY c.code`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]comm{}
		for rows.Next() {
			var c comm
			if err := rows.Scan(&c.code, &c.name, &c.sub, &c.year, &c.provisional, &c.buildings, &c.covers); err != nil {
				t.Fatal(err)
			}
			got[c.code] = c
		}
		return got
	}
	got := read()
	want := map[string]comm{
		"pv-FW-W1": {"pv-FW-W1", "青桐苑", "220302003", 1988, true, 3, true},
		"pv-FW-E1": {"pv-FW-E1", "待核实小区（建设街） FW-E1", "220302003", 1990, true, 3, true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("provisional communities:\n got %v\nwant %v", got, want)
	}
	var left, kept int
	im.db.Pool.QueryRow(ctx, `SELECT count(*) FROM buildings WHERE code IN ('FW-L1', 'FW-O1', 'FW-O2', 'FW-O3')`).Scan(&left)
	im.db.Pool.QueryRow(ctx, `SELECT count(*) FROM buildings b JOIN communities c ON c.id = b.community_id
		WHERE b.code IN ('FW-K1', 'FW-K2') AND c.code = 'TX-C039'`).Scan(&kept)
	if left != 0 || kept != 2 {
		t.Errorf("%d of the lone building and the group outside every 街道 imported (want 0); %d of FW-K1, FW-K2 in TX-C039 (want 2)", left, kept)
	}
	// The outlines keep to their side of the street.
	var crossing int
	im.db.Pool.QueryRow(ctx, `SELECT count(*) FROM communities c JOIN roads r ON r.code = 'TX-R0158'
		WHERE c.code LIKE 'pv-%' AND ST_Intersects(c.geom, r.geom)`).Scan(&crossing)
	if crossing != 0 {
		t.Errorf("%d provisional outlines cross 建设街", crossing)
	}

	// A planner confirms 青桐苑; the same file again changes nothing and undoes nothing.
	var id int64
	im.db.Pool.QueryRow(ctx, `SELECT id FROM communities WHERE code = 'pv-FW-W1'`).Scan(&id)
	if _, err := im.db.EditFeature(ctx, renew.Edit{Layer: "communities", ID: id, Confirm: true},
		renew.Editor{Audit: renew.AuditEntry{Actor: "planner"}}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	out, err = im.run("-provisional", "-list", list, "-mapping", mapping, gpkg)
	if err != nil || !strings.Contains(out, "0 inserted") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	got = read()
	if c := got["pv-FW-W1"]; c.provisional || c.buildings != 3 {
		t.Errorf("after the re-import 青桐苑 is %+v; want confirmed with its 3 buildings", c)
	}
	if c := got["pv-FW-E1"]; !c.provisional || c.buildings != 3 || len(got) != 2 {
		t.Errorf("after the re-import: %v", got)
	}
}
