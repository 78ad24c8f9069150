package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

func communityID(t *testing.T, f *fixture, code string) int {
	t.Helper()
	var id int
	if err := f.db.Pool.QueryRow(context.Background(), "SELECT id FROM communities WHERE code = $1", code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// addArea adds a 片区 around both fixture communities (areas come from planners later; the
// download must work as soon as one exists).
func addArea(t *testing.T, f *fixture) int {
	t.Helper()
	var id int
	err := f.db.Pool.QueryRow(context.Background(), `
		INSERT INTO areas (code, name, origin, geom)
		VALUES ('A1', '机械厂片区', 'saved', ST_Multi(ST_MakeEnvelope(124.3495, 43.1595, 124.3555, 43.1620, 4326)))
		RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type auditRow struct {
	actor, action, table, rowID string
	after                       map[string]any
}

func audits(t *testing.T, f *fixture) []auditRow {
	t.Helper()
	rows, err := f.db.Pool.Query(context.Background(),
		`SELECT actor, action, coalesce(table_name, ''), coalesce(row_id, ''), coalesce(after, 'null'::jsonb)
		 FROM audit_log WHERE action = 'download' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var a auditRow
		var after []byte
		if err := rows.Scan(&a.actor, &a.action, &a.table, &a.rowID, &after); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(after, &a.after)
		out = append(out, a)
	}
	return out
}

func TestDownloadRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c1 := strconv.Itoa(communityID(t, f, "C1"))
	for _, path := range []string{"/download/buildings.geojson", "/download/pipelines.geojson?community=" + c1,
		"/download/community/" + c1 + ".zip"} {
		for role, want := range map[renew.Role]int{"": 401, renew.RoleViewer: 403, renew.RolePlanner: 403,
			renew.RoleLeader: 403, renew.RoleDesigner: 200, renew.RoleAdmin: 200} {
			if rec := f.as(t, role, http.MethodGet, path, ""); rec.Code != want {
				t.Errorf("%q %s: %d, want %d", role, path, rec.Code, want)
			}
		}
	}
	// The page: for logged-in users; others are sent to the login.
	if rec := f.as(t, renew.RoleDesigner, http.MethodGet, "/downloads", "", "Accept", "text/html"); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), "数据下载") {
		t.Errorf("/downloads: %d", rec.Code)
	}
	if rec := f.as(t, "", http.MethodGet, "/downloads", "", "Accept", "text/html"); rec.Code != http.StatusSeeOther ||
		!strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("/downloads without a session: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// Every download was audited, with who, what and where; refused ones were not.
	as := audits(t, f)
	if len(as) != 6 {
		t.Fatalf("%d download audit rows, want 6 (3 paths × designer, admin)", len(as))
	}
	for _, a := range as {
		if a.actor != "designer" && a.actor != "admin" {
			t.Errorf("audited actor %q", a.actor)
		}
	}
	last := as[len(as)-1]
	if last.table != "bundle" || last.rowID != c1 || last.after["kind"] != "community" || last.after["crs"] != "OGC:CRS84" {
		t.Errorf("bundle audit %+v", last)
	}
	if first := as[0]; first.table != "buildings" || first.rowID != "" || first.after["layer"] != "buildings" {
		t.Errorf("layer audit %+v", first)
	}
}

func TestDownloadBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c1 := strconv.Itoa(communityID(t, f, "C1"))
	for _, c := range []struct {
		path   string
		status int
		msg    string
	}{
		{"/download/buildings.geojson?community=" + c1 + "&bbox=124.33,43.15,124.37,43.18", 400, "只能选一个"},
		{"/download/buildings.geojson?community=" + c1 + "&area=1", 400, "只能选一个"},
		{"/download/buildings.geojson?bbox=124.33,43.15,124.37", 400, "范围"},
		{"/download/buildings.geojson?bbox=124.37,43.15,124.33,43.18", 400, "西边界"},
		{"/download/buildings.geojson?bbox=124.33,NaN,124.37,43.18", 400, "有效数字"},
		{"/download/buildings.geojson?bbox=124.33,43.15,124.37,95", 400, "超出"},
		{"/download/buildings.geojson?crs=3857", 400, "坐标系"},
		{"/download/buildings.geojson?crs=4550&crs=4490", 400, "crs"},
		{"/download/buildings.geojson?community=abc", 400, "community"},
		{"/download/buildings.geojson?community=0", 400, "community"},
		{"/download/buildings.geojson?format=shp", 400, "format"},
		{"/download/buildings.geojson?community=999999", 404, "999999"},
		{"/download/buildings.geojson?area=5", 404, "5"},
		{"/download/nope.geojson", 404, "nope"},
		{"/download/community_labels.geojson", 404, "community_labels"},
		{"/download/buildings.shp", 404, "geojson"},
		{"/download/community/999999.zip", 404, "999999"},
		{"/download/community/abc.zip", 400, "community"},
		{"/download/area/1.zip", 404, "1"},
		{"/download/community/" + c1 + ".tar", 404, "打包下载"},
		{"/download/community/" + c1 + ".zip?layers=buildings,nope", 400, "nope"},
		{"/download/community/" + c1 + ".zip?crs=900913", 400, "坐标系"},
	} {
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, c.path, "")
		var e struct{ Error, Code string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != c.status || !strings.Contains(e.Error, c.msg) {
			t.Errorf("%s: %d %q, want %d mentioning %q", c.path, rec.Code, e.Error, c.status, c.msg)
		}
		if rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("%s: an error answered as an attachment", c.path)
		}
	}
	if n := len(audits(t, f)); n != 0 {
		t.Errorf("%d refused downloads were audited", n)
	}
}

// goldenFeature is a downloaded feature as compared with the golden file.
type goldenFeature struct {
	ID         int64          `json:"id"`
	Geometry   map[string]any `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func TestDownloadGolden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c1 := strconv.Itoa(communityID(t, f, "C1"))
	rec := f.as(t, renew.RoleDesigner, http.MethodGet, "/download/buildings.geojson?community="+c1, "")
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	cd := rec.Header().Get("Content-Disposition")
	if want := `attachment; filename="buildings_community-` + c1 + `_EPSG4326.geojson"; filename*=UTF-8''` +
		"%E6%A5%BC%E6%A0%8B_%E6%9C%BA%E6%A2%B0%E5%8E%82%E5%AE%B6%E5%B1%9E%E6%A5%BC_EPSG4326.geojson"; cd != want {
		t.Errorf("Content-Disposition\n got %s\nwant %s", cd, want)
	}
	var doc struct {
		Type     string          `json:"type"`
		CRS      json.RawMessage `json:"crs"`
		Features []goldenFeature `json:"features"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Type != "FeatureCollection" || doc.CRS != nil {
		t.Errorf("type %q, crs %s (RFC 7946 has no crs member)", doc.Type, doc.CRS)
	}
	path := filepath.Join("testdata", "download-buildings-c1.golden.json")
	if *update {
		b, _ := json.MarshalIndent(doc.Features, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestDownloadGolden -update)", err)
	}
	var want []goldenFeature
	json.Unmarshal(b, &want)
	// ids are serial: compare everything else.
	for i := range want {
		if i < len(doc.Features) {
			doc.Features[i].ID = want[i].ID
		}
	}
	if !reflect.DeepEqual(doc.Features, want) {
		got, _ := json.MarshalIndent(doc.Features, "", "  ")
		t.Errorf("download differs from %s:\n%s", path, got)
	}
}

// ogrFile saves body and opens it with ogrinfo -al, returning GDAL's report.
func ogrFile(t *testing.T, dir, name string, body []byte, args ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return ogrinfo(t, append([]string{"-ro", "-al"}, append(args, p)...)...)
}

var pointRE = regexp.MustCompile(`POINT \(([-\d.]+) ([-\d.]+)\)`)

func TestDownloadsOpenInGDAL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	c1 := strconv.Itoa(communityID(t, f, "C1"))
	area := strconv.Itoa(addArea(t, f))
	fetch := func(path string) []byte {
		t.Helper()
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, path, "")
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec.Body.Bytes()
	}
	// WGS 84, RFC 7946.
	out := ogrFile(t, dir, "b4326.geojson", fetch("/download/buildings.geojson"))
	if !strings.Contains(out, "Feature Count: 3") || !strings.Contains(out, `ID["EPSG",4326]`) {
		t.Errorf("4326 download:\n%s", out)
	}
	// CGCS2000.
	out = ogrFile(t, dir, "g4490.geojson", fetch("/download/gates.geojson?crs=4490&community="+c1))
	if !strings.Contains(out, `ID["EPSG",4490]`) || !strings.Contains(out, "POINT (124.351 43.16)") {
		t.Errorf("4490 download:\n%s", out)
	}
	// CGCS2000 3-degree Gauss-Krüger CM 123°E, metres, easting first.
	out = ogrFile(t, dir, "g4550.geojson", fetch("/download/gates.geojson?crs=4550"))
	if !strings.Contains(out, `ID["EPSG",4550]`) {
		t.Errorf("4550 download has no EPSG:4550 SRS:\n%s", out)
	}
	m := pointRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no point in:\n%s", out)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	y, _ := strconv.ParseFloat(m[2], 64)
	// 124.351°E 43.160°N → E ≈ 609,879 m, N ≈ 4,781,380 m.
	if x < 609_800 || x > 609_950 || y < 4_781_300 || y > 4_781_450 {
		t.Errorf("EPSG:4550 gate at %v, %v; want x ≈ 609,879 (easting, metres), y ≈ 4,781,380", x, y)
	}
	// A bbox.
	out = ogrFile(t, dir, "bbox.geojson", fetch("/download/buildings.geojson?bbox=124.3530,43.1600,124.3550,43.1615"))
	if !strings.Contains(out, "Feature Count: 1") || !strings.Contains(out, "C2-B1") {
		t.Errorf("bbox download:\n%s", out)
	}
	// The bundles: every file opens from inside the zip.
	for _, c := range []struct{ path, file, place string }{
		{"/download/community/" + c1 + ".zip?crs=4550", "c.zip", "机械厂家属楼"},
		{"/download/area/" + area + ".zip", "a.zip", "机械厂片区"},
	} {
		body := fetch(c.path)
		zp := filepath.Join(dir, c.file)
		os.WriteFile(zp, body, 0o644)
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: not a zip: %v", c.path, err)
		}
		names := map[string]bool{}
		for _, zf := range zr.File {
			names[zf.Name] = true
			if !strings.HasSuffix(zf.Name, ".geojson") {
				continue
			}
			out := ogrinfo(t, "-ro", "-al", "-so", "/vsizip/"+zp+"/"+zf.Name)
			if !strings.Contains(out, "Feature Count:") {
				t.Errorf("%s/%s:\n%s", c.file, zf.Name, out)
			}
		}
		for _, want := range []string{"buildings.geojson", "pipelines.geojson", "roads.geojson", "metadata.json", "README.txt"} {
			if !names[want] {
				t.Errorf("%s lacks %s: %v", c.file, want, names)
			}
		}
		var meta struct {
			Notice    string `json:"notice"`
			CreatedBy string `json:"created_by"`
			CRS       struct{ Code string }
			Clip      struct{ Name string }
			Files     []struct {
				File     string
				Features int
			}
		}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			switch zf.Name {
			case "metadata.json":
				json.Unmarshal(b, &meta)
			case "README.txt":
				if !strings.Contains(string(b), "示例数据（生成，非调查数据）") || !strings.Contains(string(b), c.place) {
					t.Errorf("%s README.txt:\n%s", c.file, b)
				}
			}
		}
		if meta.Notice != "示例数据（生成，非调查数据）" || meta.CreatedBy != "designer" || meta.Clip.Name != c.place {
			t.Errorf("%s metadata %+v", c.file, meta)
		}
		counts := map[string]int{}
		for _, fi := range meta.Files {
			counts[fi.File] = fi.Features
		}
		if counts["buildings.geojson"] != 2 && c.file == "c.zip" {
			t.Errorf("community bundle: %d buildings, want 2 (the neighbour's building only touches the wall)", counts["buildings.geojson"])
		}
		if counts["buildings.geojson"] != 3 && c.file == "a.zip" {
			t.Errorf("area bundle: %d buildings, want 3", counts["buildings.geojson"])
		}
	}
	// The community bundle in EPSG:4550: the clipped road is in metres.
	out = ogrinfo(t, "-ro", "-al", "/vsizip/"+filepath.Join(dir, "c.zip")+"/roads.geojson")
	if !strings.Contains(out, `ID["EPSG",4550]`) || !strings.Contains(out, "LINESTRING (6") {
		t.Errorf("clipped roads in EPSG:4550:\n%s", out)
	}
}
