package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"renewmap/internal/renew"
)

// ogcDoc is what the tests read of OGC API documents.
type ogcDoc struct {
	Title       string `json:"title"`
	ConformsTo  []string
	Collections []struct {
		ID     string `json:"id"`
		CRS    []string
		Extent struct {
			Spatial struct {
				BBox [][4]float64 `json:"bbox"`
			} `json:"spatial"`
		} `json:"extent"`
		StorageCRS string `json:"storageCrs"`
	} `json:"collections"`
	Links []struct {
		Href, Rel, Type string
	} `json:"links"`
	NumberMatched  *int `json:"numberMatched"`
	NumberReturned *int `json:"numberReturned"`
	Features       []struct {
		ID         int64          `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func (d ogcDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func (d ogcDoc) ids() []string {
	var out []string
	for _, c := range d.Collections {
		out = append(out, c.ID)
	}
	return out
}

func parseDoc(t *testing.T, rec *httptest.ResponseRecorder) ogcDoc {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var d ogcDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatalf("not JSON: %v\n%.300s", err, rec.Body.String())
	}
	return d
}

func TestOGCLandingConformanceAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	land := parseDoc(t, f.as(t, renew.RoleViewer, http.MethodGet, "/ogc", ""))
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if land.link(rel) == "" {
			t.Errorf("landing page lacks the %s link", rel)
		}
	}
	if !strings.HasPrefix(land.link("data"), "http://example.com/ogc/collections") {
		t.Errorf("data link %q is not absolute", land.link("data"))
	}
	conf := parseDoc(t, f.as(t, renew.RoleViewer, http.MethodGet, "/ogc/conformance", ""))
	for _, c := range []string{"ogcapi-features-1/1.0/conf/core", "conf/geojson", "conf/html", "conf/oas30", "ogcapi-features-2/1.0/conf/crs"} {
		if !slices.ContainsFunc(conf.ConformsTo, func(s string) bool { return strings.HasSuffix(s, c) }) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	for role, wantPipes := range map[renew.Role]bool{renew.RoleViewer: false, renew.RoleDesigner: true} {
		rec := f.as(t, role, http.MethodGet, "/ogc/api", "")
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/vnd.oai.openapi+json") {
			t.Fatalf("%s /ogc/api: %d %s", role, rec.Code, rec.Header().Get("Content-Type"))
		}
		var api struct {
			OpenAPI string                    `json:"openapi"`
			Paths   map[string]map[string]any `json:"paths"`
		}
		json.Unmarshal(rec.Body.Bytes(), &api)
		if !strings.HasPrefix(api.OpenAPI, "3.0") || api.Paths["/collections/buildings/items"] == nil {
			t.Errorf("%s: OpenAPI %q without buildings items", role, api.OpenAPI)
		}
		if got := api.Paths["/collections/pipelines/items"] != nil; got != wantPipes {
			t.Errorf("%s: pipelines in the API = %v", role, got)
		}
		items, _ := json.Marshal(api.Paths["/collections/communities/items"])
		for _, p := range []string{`"stage"`, `parameters/bbox-crs"`, `parameters/crs"`, `parameters/limit"`} {
			if !strings.Contains(string(items), p) {
				t.Errorf("communities items parameters lack %s", p)
			}
		}
	}
	// HTML by f=html and by a browser's Accept header.
	for _, c := range []struct{ path, accept string }{
		{"/ogc?f=html", ""}, {"/ogc/collections", "text/html,application/xhtml+xml"},
		{"/ogc/collections/buildings?f=html", ""}, {"/ogc/collections/buildings/items?f=html", ""},
		{"/ogc/collections/buildings/items/1?f=html", ""}, {"/ogc/api?f=html", ""}, {"/ogc/conformance?f=html", ""},
	} {
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, c.path, "", "Accept", c.accept)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Body.String(), "示例数据") || inlineScripts.MatchString(rec.Body.String()) ||
			!strings.Contains(rec.Body.String(), `<link rel="stylesheet" href="/static/base.css">`) ||
			strings.Contains(c.path, "/items") != strings.Contains(rec.Body.String(), `id="ogc-map"`) {
			t.Errorf("%s: %d %s", c.path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	if body := f.as(t, renew.RoleDesigner, http.MethodGet, "/ogc/collections/buildings/items?f=html", "").Body.String(); !strings.Contains(body, "机械厂家属楼") || !strings.Contains(body, "楼号") {
		t.Error("the HTML items page lacks the features' values or the Chinese field names")
	}
	// Coded values read as their Chinese labels.
	if body := f.as(t, renew.RoleDesigner, http.MethodGet, "/ogc/collections/buildings/items?f=html", "").Body.String(); !strings.Contains(body, "<td>砖混</td>") || strings.Contains(body, "brick_concrete") {
		t.Error("the HTML items page shows the structure code, not its label")
	}
}

// inlineScripts finds a script that is not one of the service's own files (the items pages load
// the map's scripts from /static/).
var inlineScripts = regexp.MustCompile(`<script(?:\s+type="module")?(?:\s+src="[^/"][^"]*"|\s*>)`)

func TestOGCCollectionsAndRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	viewer := parseDoc(t, f.as(t, renew.RoleViewer, http.MethodGet, "/ogc/collections", "")).ids()
	designer := parseDoc(t, f.as(t, renew.RoleDesigner, http.MethodGet, "/ogc/collections", "")).ids()
	if slices.Contains(viewer, "pipelines") || !slices.Contains(designer, "pipelines") {
		t.Errorf("pipelines: viewer sees %v, designer %v", viewer, designer)
	}
	for _, want := range []string{"district", "communities", "buildings", "roads", "gates", "parking", "facilities", "candidate_sites", "areas"} {
		if !slices.Contains(viewer, want) {
			t.Errorf("viewer's collections lack %s: %v", want, viewer)
		}
	}
	for _, label := range []string{"subdistrict_labels", "community_labels"} {
		if slices.Contains(designer, label) {
			t.Errorf("label layer %s is listed as a collection", label)
		}
	}
	d := parseDoc(t, f.as(t, renew.RoleViewer, http.MethodGet, "/ogc/collections", ""))
	for _, c := range d.Collections {
		if c.ID == "buildings" {
			b := c.Extent.Spatial.BBox
			if len(b) != 1 || b[0][0] < 124.350 || b[0][0] > 124.3504 || c.StorageCRS == "" || len(c.CRS) < 3 {
				t.Errorf("buildings: extent %v, storageCrs %q, crs %v", b, c.StorageCRS, c.CRS)
			}
		}
	}
	for _, c := range []struct {
		role   renew.Role
		path   string
		status int
	}{
		{renew.RoleViewer, "/ogc/collections/pipelines/items", 403},
		{renew.RoleViewer, "/ogc/collections/pipelines", 403},
		{renew.RolePlanner, "/ogc/collections/pipelines/items/1", 403},
		{renew.RoleLeader, "/ogc/collections/pipelines/items", 200},
		{renew.RoleDesigner, "/ogc/collections/pipelines/items", 200},
		{"", "/ogc/collections", 401},
		{"", "/ogc", 401},
		{renew.RoleViewer, "/ogc/collections/community_labels", 404},
	} {
		if rec := f.as(t, c.role, http.MethodGet, c.path, ""); rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.role, c.path, rec.Code, c.status, rec.Body.String())
		}
	}
}

func TestOGCItems(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	get := func(path string) (ogcDoc, *httptest.ResponseRecorder) {
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, path, "")
		return parseDoc(t, rec), rec
	}
	p1, rec := get("/ogc/collections/buildings/items?limit=2")
	if ct := rec.Header().Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Header().Get("Content-Crs") != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
		t.Errorf("Content-Crs %q", rec.Header().Get("Content-Crs"))
	}
	if *p1.NumberMatched != 3 || *p1.NumberReturned != 2 || len(p1.Features) != 2 || p1.link("prev") != "" {
		t.Fatalf("page 1: matched %d returned %d, %d features, prev %q", *p1.NumberMatched, *p1.NumberReturned, len(p1.Features), p1.link("prev"))
	}
	next, _ := url.Parse(p1.link("next"))
	if next == nil || next.Query().Get("offset") != "2" {
		t.Fatalf("next link %q", p1.link("next"))
	}
	p2, _ := get(next.RequestURI())
	if len(p2.Features) != 1 || p2.link("next") != "" || p2.link("prev") == "" || p2.Features[0].ID == p1.Features[0].ID {
		t.Errorf("page 2: %d features, next %q, prev %q", len(p2.Features), p2.link("next"), p2.link("prev"))
	}
	f0 := p1.Features[0]
	if f0.Properties["code"] != "C1-B1" || f0.Properties["number"] != "1号楼" || f0.Properties["floors"] != 6.0 {
		t.Errorf("feature properties %v", f0.Properties)
	}
	// Filters on catalogue properties.
	if d, _ := get("/ogc/collections/communities/items?stage=construction"); len(d.Features) != 1 || d.Features[0].Properties["name"] != "机械厂家属楼" {
		t.Errorf("stage=construction: %d features", len(d.Features))
	}
	if d, _ := get("/ogc/collections/buildings/items?floors=6&structure=brick_concrete"); *d.NumberMatched != 2 {
		t.Errorf("floors=6&structure=brick_concrete: %d", *d.NumberMatched)
	}
	if d, _ := get("/ogc/collections/communities/items?is_old=true"); *d.NumberMatched != 1 {
		t.Errorf("is_old=true: %d", *d.NumberMatched)
	}
	// bbox around C2 only.
	if d, _ := get("/ogc/collections/buildings/items?bbox=124.3530,43.1600,124.3550,43.1615"); *d.NumberMatched != 1 || d.Features[0].Properties["code"] != "C2-B1" {
		t.Errorf("bbox: %d matched", *d.NumberMatched)
	}
	// The same bbox given in EPSG:4490, latitude first.
	if d, _ := get("/ogc/collections/buildings/items?bbox=43.1600,124.3530,43.1615,124.3550&bbox-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4490")); *d.NumberMatched != 1 {
		t.Errorf("bbox in EPSG:4490: %d matched", *d.NumberMatched)
	}
	// Output in EPSG:4550 follows its axis order: northing first.
	d, rec := get("/ogc/collections/gates/items?crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4550"))
	if rec.Header().Get("Content-Crs") != "<http://www.opengis.net/def/crs/EPSG/0/4550>" {
		t.Errorf("Content-Crs %q", rec.Header().Get("Content-Crs"))
	}
	c := d.Features[0].Geometry["coordinates"].([]any)
	if n, e := c[0].(float64), c[1].(float64); n < 4_770_000 || n > 4_790_000 || e < 600_000 || e > 620_000 {
		t.Errorf("EPSG:4550 gate at %v, %v; want northing ≈4.78e6, easting ≈6.1e5", n, e)
	}
	// EPSG:4490 is latitude first.
	d, _ = get("/ogc/collections/gates/items?crs=EPSG:4490")
	if c := d.Features[0].Geometry["coordinates"].([]any); c[0].(float64) != 43.16 || c[1].(float64) != 124.351 {
		t.Errorf("EPSG:4490 gate at %v, want [43.16 124.351]", c)
	}
	// One feature.
	rec = f.as(t, renew.RoleDesigner, http.MethodGet, "/ogc/collections/buildings/items/"+strconv.FormatInt(f0.ID, 10), "")
	var one struct {
		Type       string         `json:"type"`
		ID         int64          `json:"id"`
		Properties map[string]any `json:"properties"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &one); rec.Code != 200 || one.Type != "Feature" || one.ID != f0.ID || one.Properties["code"] != "C1-B1" {
		t.Errorf("single feature: %d %s", rec.Code, rec.Body.String())
	}
}

func TestOGCBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	items := "/ogc/collections/buildings/items"
	for _, c := range []struct {
		path   string
		status int
		msg    string
	}{
		{items + "?bbox=1,2,3", 400, "范围"},
		{items + "?bbox=NaN,43,124,44", 400, "有效数字"},
		{items + "?bbox=124.37,43.15,124.33,43.18", 400, "西边界"},
		{items + "?bbox=124,43,190,44", 400, "超出"},
		{items + "?bbox=a,b,c,d", 400, "范围"},
		{items + "?crs=EPSG:3857", 400, "坐标系"},
		{items + "?bbox=1,2,3,4&bbox-crs=EPSG:9999", 400, "坐标系"},
		{items + "?limit=0", 400, "每页数量"},
		{items + "?limit=10001", 400, "每页数量"},
		{items + "?limit=ten", 400, "每页数量"},
		{items + "?offset=-1", 400, "偏移量"},
		{items + "?colour=red", 400, "colour"},
		{items + "?geom=x", 400, "geom"},
		{items + "?floors=six", 400, "floors"},
		{items + "?floors=1&floors=2", 400, "floors"},
		{items + "?f=xml", 400, "输出格式"},
		{"/ogc/collections/nope/items", 404, "nope"},
		{"/ogc/collections/nope", 404, "nope"},
		{items + "/999999", 404, "999999"},
		{items + "/abc", 404, "abc"},
		{items + "/1?bbox=1,2,3,4", 400, "bbox"},
	} {
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, c.path, "")
		var e struct{ Error, Code string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != c.status || !strings.Contains(e.Error, c.msg) {
			t.Errorf("%s: %d %q, want %d mentioning %q", c.path, rec.Code, e.Error, c.status, c.msg)
		}
		if low := strings.ToLower(e.Error); strings.Contains(low, "select") || strings.Contains(low, "sqlstate") {
			t.Errorf("%s: SQL in the message: %s", c.path, e.Error)
		}
	}
	// The largest page is allowed.
	if rec := f.as(t, renew.RoleDesigner, http.MethodGet, items+"?limit=10000", ""); rec.Code != 200 {
		t.Errorf("limit=10000: %d", rec.Code)
	}
}

// ogrinfo runs GDAL's ogrinfo, the client QGIS is built on; the test fails when it is not
// installed (scripts/install.sh installs gdal-bin).
func ogrinfo(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatal("ogrinfo (GDAL) is not installed: run scripts/install.sh or apt-get install gdal-bin")
	}
	out, err := exec.Command(bin, append([]string{"--config", "GDAL_HTTP_TIMEOUT", "30", "--config", "CPL_DEBUG", "OFF"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// liveServer serves the fixture over real HTTP and records the request URIs.
func liveServer(t *testing.T, f *fixture) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		f.e.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func cookieOf(f *fixture, r renew.Role) string {
	s := f.sessions[r]
	return s.cookie.Name + "=" + s.cookie.Value
}

func TestOGCWithGDAL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv, requests := liveServer(t, f)
	api := "OAPIF:" + srv.URL + "/ogc"
	layers := regexp.MustCompile(`(?m)^\d+: (\w+)`)
	list := func(role renew.Role) []string {
		var out []string
		for _, m := range layers.FindAllStringSubmatch(ogrinfo(t, "--config", "GDAL_HTTP_COOKIE", cookieOf(f, role), "-ro", api), -1) {
			out = append(out, m[1])
		}
		return out
	}
	des, view := list(renew.RoleDesigner), list(renew.RoleViewer)
	if !slices.Contains(des, "buildings") || !slices.Contains(des, "pipelines") || len(des) < 10 {
		t.Errorf("GDAL lists for a designer: %v", des)
	}
	if slices.Contains(view, "pipelines") || !slices.Contains(view, "buildings") {
		t.Errorf("GDAL lists for a viewer: %v", view)
	}
	// Every feature, two at a time: GDAL must follow the next links.
	out := ogrinfo(t, "--config", "GDAL_HTTP_COOKIE", cookieOf(f, renew.RoleDesigner), "-ro", "-oo", "PAGE_SIZE=2", "-al", api, "buildings")
	if n := strings.Count(out, "OGRFeature(buildings)"); n != 3 {
		t.Errorf("GDAL read %d buildings, want 3:\n%s", n, out)
	}
	for _, want := range []string{"number (String) = 1号楼", "community_name (String) = 机械厂家属楼", "Feature Count: 3", "MULTIPOLYGON (((124.35"} {
		if !strings.Contains(out, want) {
			t.Errorf("GDAL output lacks %q", want)
		}
	}
	paged := slices.ContainsFunc(requests(), func(u string) bool {
		return strings.Contains(u, "/ogc/collections/buildings/items") && strings.Contains(u, "offset=2")
	})
	if !paged {
		t.Errorf("GDAL did not follow a next link; requests: %v", requests())
	}
	// Without a session GDAL gets nothing.
	bin, _ := exec.LookPath("ogrinfo")
	if err := exec.Command(bin, "-ro", api).Run(); err == nil {
		t.Error("ogrinfo opened the API without a session")
	}
}
