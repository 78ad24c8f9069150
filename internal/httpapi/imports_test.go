package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// The import page's API: planners upload, preview (a dry run) and import in the background; the
// job is held in the database, the upload dropped, the import audited.
func TestImportAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	roads := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"rid":"A1","kind":"支路"},"geometry":{"type":"LineString","coordinates":[[124.331,43.151],[124.336,43.151]]}},
{"type":"Feature","properties":{"rid":"A2","kind":"步行道"},"geometry":{"type":"LineString","coordinates":[[124.332,43.152],[124.332,43.155]]}}]}`
	if rec := f.as(t, renew.RoleViewer, http.MethodPost, "/api/v1/imports?name=r.geojson", roads); rec.Code != http.StatusForbidden {
		t.Errorf("a viewer uploads: %d", rec.Code)
	}
	rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/imports?name=plan.dwg", "AC1032\x00binary")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "DXF") {
		t.Errorf("a DWG: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/imports?name=big.geojson", strings.Repeat(" ", 9<<20)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 9 MB upload: %d", rec.Code)
	}
	rec = f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/imports?name=../../承包商.geojson", roads)
	var up struct {
		Job      struct{ ID int64 }
		Proposal string
		Why      []string
	}
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &up) != nil {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(up.Proposal, "layer: roads") || !strings.Contains(up.Proposal, "class: kind") {
		t.Errorf("proposal:\n%s", up.Proposal)
	}
	// Why each entry is proposed is said in Chinese: "class ← kind（按字段值）".
	if len(up.Why) == 0 || !strings.Contains(strings.Join(up.Why, "\n"), "class ← kind（按字段") {
		t.Errorf("why: %q", up.Why)
	}
	body, _ := json.Marshal(map[string]string{"mapping": up.Proposal})
	id := "/api/v1/imports/" + jsonInt(up.Job.ID)
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/propose", `{"layer":"承包商"}`); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "class: kind") {
		t.Errorf("propose for the layer: %d %s", rec.Code, rec.Body.String())
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/propose", `{"layer":"nope"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("propose for an unknown layer: %d %s", rec.Code, rec.Body.String())
	}
	rec = f.as(t, renew.RolePlanner, http.MethodPost, id+"/preview", string(body))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "新增 2") || !strings.Contains(rec.Body.String(), `"LineString"`) {
		t.Fatalf("preview: %d %s", rec.Code, rec.Body.String())
	}
	var pv struct{ CRS string }
	// How the coordinates are brought to WGS84 is said in Chinese (the systems' own names aside).
	if json.Unmarshal(rec.Body.Bytes(), &pv); !strings.Contains(pv.CRS, "（文件中注明）→ WGS84") || strings.Contains(pv.CRS, "GDAL") {
		t.Errorf("preview coordinates %q", pv.CRS)
	}
	bad, _ := json.Marshal(map[string]string{"mapping": "layer: roads\ncode: \"R-{rid}\"\nfields: {lanes: kind}"})
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/preview", string(bad)); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "lanes") {
		t.Errorf("a bad mapping: %d %s", rec.Code, rec.Body.String())
	}
	var roadsBefore int
	f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM roads`).Scan(&roadsBefore)
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/run", string(body)); rec.Code != http.StatusAccepted {
		t.Fatalf("run: %d %s", rec.Code, rec.Body.String())
	}
	f.db.WaitImports()
	rec = f.as(t, renew.RolePlanner, http.MethodGet, id, "")
	var job struct {
		State, Message string
		Done, Total    int
	}
	json.Unmarshal(rec.Body.Bytes(), &job)
	// Progress counts the two features read, then written.
	if job.State != "done" || job.Done != job.Total || job.Total != 4 || !strings.Contains(job.Message, "新增 2") {
		t.Errorf("job: %+v", job)
	}
	var roadsAfter, audited int
	var kept *[]byte
	f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM roads`).Scan(&roadsAfter)
	f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'import' AND table_name = 'roads'`).Scan(&audited)
	f.db.Pool.QueryRow(ctx, `SELECT data FROM import_jobs WHERE id = $1`, up.Job.ID).Scan(&kept)
	if roadsAfter != roadsBefore+2 || audited != 1 || kept != nil {
		t.Errorf("roads %d → %d, %d audit rows, upload kept: %v", roadsBefore, roadsAfter, audited, kept != nil)
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/run", string(body)); rec.Code != http.StatusConflict {
		t.Errorf("running twice: %d", rec.Code)
	}
	if rec := f.as(t, renew.RolePlanner, http.MethodGet, "/api/v1/imports/999999", ""); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown job: %d", rec.Code)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A file whose data has faults is refused in Chinese by the preview and by the background import
// (whose failure text the job keeps): every problem a line, with no English word, snake_case name
// or code beyond the user's own field names and values. The faults are found at each stage: in
// the source's values (the mapping's conversions), in the mapped properties (ranges) and against
// the database (codes referred to).
func TestImportDataProblemsChinese(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	roads := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"编号":"A1","等级":"快速路","宽":"三米","年":"1700","步行":"也许","社区":"无此社区"},"geometry":{"type":"LineString","coordinates":[[124.331,43.151],[124.336,43.151]]}},
{"type":"Feature","properties":{"编号":"A2","等级":"支路","宽":"-4","年":"2020","步行":"是","社区":""},"geometry":null}]}`
	rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/imports?name=道路.geojson", roads)
	var up struct{ Job struct{ ID int64 } }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &up) != nil {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	id := "/api/v1/imports/" + jsonInt(up.Job.ID)
	// The user's own names: the file, the properties the mapping names, the source's values.
	own := regexp.MustCompile(`道路\.geojson|class|width_m|resurface_year|walkable|community|R-A[12]`)
	check := func(what, msg string, want ...string) {
		t.Helper()
		if w := latinWord.FindAllString(own.ReplaceAllString(msg, ""), -1); len(w) > 0 {
			t.Errorf("%s shows %q: Latin words %q", what, msg, w)
		}
		for _, s := range want {
			if !strings.Contains(msg, s) {
				t.Errorf("%s shows %q, without %q", what, msg, s)
			}
		}
	}
	preview := func(mapping string) string {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"mapping": mapping})
		rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/preview", string(body))
		var answer struct{ Error string }
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &answer) != nil {
			t.Fatalf("preview: %d %s", rec.Code, rec.Body.String())
		}
		return answer.Error
	}
	converted := "layer: roads\ncode: \"R-{编号}\"\nfields: {class: 等级, width_m: 宽, resurface_year: 年, walkable: 步行, community: 社区}\n"
	check("the preview", preview(converted), "数据有 4 处问题", "“快速路”不在代码表中", "“也许”不是", "“三米”不是数字", "没有几何图形")
	mapped := "layer: roads\ncode: \"R-{编号}\"\nfields: {class: 等级, resurface_year: 年, community: 社区}\nvalues: {class: {快速路: arterial}}\nwhere: {编号: [A1]}\n"
	check("the preview", preview(mapped), "属性“resurface_year”应为 1900 至 2100 之间的整数，实际为 1700")
	body, _ := json.Marshal(map[string]string{"mapping": mapped})
	if rec := f.as(t, renew.RolePlanner, http.MethodPost, id+"/run", string(body)); rec.Code != http.StatusAccepted {
		t.Fatalf("run: %d %s", rec.Code, rec.Body.String())
	}
	f.db.WaitImports()
	var job struct{ State, Message string }
	json.Unmarshal(f.as(t, renew.RolePlanner, http.MethodGet, id, "").Body.Bytes(), &job)
	if job.State != "failed" {
		t.Fatalf("job: %+v", job)
	}
	check("the failed import", job.Message, "导入失败，数据未改动：", "应为 1900 至 2100 之间的整数")
}

// latinWord finds a word in Latin letters (snake_case included) in a message.
var latinWord = regexp.MustCompile(`\b[A-Za-z][A-Za-z_]+\b`)

// What the upload found worth saying (here: an archive expanded) is said in Chinese.
func TestImportUploadNotesChinese(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("道路.geojson")
	w.Write([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"名称":"一路"},"geometry":{"type":"LineString","coordinates":[[124.331,43.151],[124.336,43.151]]}}]}`))
	zw.Close()
	rec := f.as(t, renew.RolePlanner, http.MethodPost, "/api/v1/imports?name=道路.zip", buf.String())
	var up struct{ Notes []string }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &up) != nil {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	if len(up.Notes) != 1 || !strings.Contains(up.Notes[0], "已解压压缩包") || latinWord.MatchString(strings.ReplaceAll(up.Notes[0], "道路.zip", "")) {
		t.Errorf("notes %q", up.Notes)
	}
}
