package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"renewmap/internal/ingest"
	"renewmap/internal/postgis"
	"renewmap/internal/tiles"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	tilefiles "renewmap/tiles"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// tilePath is the path of the tile of zoom z holding the first community of the fixture.
func tilePath(layer string, z int) (string, maptile.Tile) {
	tile := maptile.At(orb.Point{124.3510, 43.1607}, maptile.Zoom(z))
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, tile.Z, tile.X, tile.Y), tile
}

// decoded is a tile as the golden files hold it: per layer, features by id with their
// properties and WGS84 geometry rounded to about a metre.
type decoded map[string][]decodedFeature

type decodedFeature struct {
	ID         any             `json:"id"`
	Type       string          `json:"type"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

func decode(t *testing.T, body []byte, tile maptile.Tile) decoded {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("tile does not decode: %v", err)
	}
	layers.ProjectToWGS84(tile)
	out := decoded{}
	for _, l := range layers {
		fs := []decodedFeature{}
		for _, f := range l.Features {
			g, _ := json.Marshal(geojson.NewGeometry(round(f.Geometry)))
			fs = append(fs, decodedFeature{ID: f.ID, Type: f.Geometry.GeoJSONType(), Properties: f.Properties, Geometry: g})
		}
		sort.Slice(fs, func(i, j int) bool { return fmt.Sprint(fs[i].ID) < fmt.Sprint(fs[j].ID) })
		out[l.Name] = fs
	}
	return out
}

func round(g orb.Geometry) orb.Geometry {
	r := func(v float64) float64 { return math.Round(v*1e5) / 1e5 }
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{r(g[0]), r(g[1])}
	case orb.LineString:
		out := make(orb.LineString, len(g))
		for i, p := range g {
			out[i] = round(p).(orb.Point)
		}
		return out
	case orb.Ring:
		return orb.Ring(round(orb.LineString(g)).(orb.LineString))
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, ring := range g {
			out[i] = round(ring).(orb.Ring)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = round(p).(orb.Polygon)
		}
		return out
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = round(l).(orb.LineString)
		}
		return out
	}
	return g
}

func golden(t *testing.T, name string, got decoded) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	b, _ := json.MarshalIndent(got, "", "  ")
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("tile %s differs from %s (go test -update rewrites it):\n%s", name, path, b)
	}
}

// The composite tile at z15 carries every layer of the catalogue that has data there, with the
// properties the popups show.
func TestCompositeTileGolden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, z := range []int{10, 15} {
		path, tile := tilePath("all", z)
		rec := f.get(t, path)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		got := decode(t, rec.Body.Bytes(), tile)
		golden(t, fmt.Sprintf("all-z%d", z), got)
		if z == 10 {
			if _, ok := got["buildings"]; ok {
				t.Error("buildings drawn at z10 (minzoom 14)")
			}
			if _, ok := got["roads"]; ok {
				t.Error("roads drawn at z10 (minzoom 11)")
			}
		}
		if z == 15 {
			for _, l := range []string{"district", "subdistricts", "communities", "community_labels", "buildings", "roads", "gates", "pipelines", "parking", "facilities", "candidate_sites"} {
				if len(got[l]) == 0 {
					t.Errorf("layer %s missing from the z15 composite tile", l)
				}
			}
		}
	}
}

// A single layer's tile holds only that layer; a branch road appears from z13 only.
func TestSingleLayerTile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	classes := func(z int) []string {
		path, tile := tilePath("roads", z)
		rec := f.get(t, path)
		if rec.Code == http.StatusNoContent {
			return nil
		}
		got := decode(t, rec.Body.Bytes(), tile)
		if len(got) != 1 {
			t.Errorf("roads tile has layers %v", got)
		}
		var cs []string
		for _, r := range got["roads"] {
			cs = append(cs, r.Properties["class"].(string))
		}
		sort.Strings(cs)
		return cs
	}
	if got := fmt.Sprint(classes(12)); got != "[arterial]" {
		t.Errorf("z12 road classes %s, want [arterial]", got)
	}
	if got := fmt.Sprint(classes(15)); got != "[arterial branch internal]" {
		t.Errorf("z15 road classes %s, want all three", got)
	}
}

func TestTileStatuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		path   string
		status int
	}{
		{"/tiles/all/14/0/0.mvt", http.StatusNoContent},           // nothing there
		{"/tiles/buildings/9/431/188.mvt", http.StatusNoContent},  // below the layer's minzoom
		{"/tiles/all/23/0/0.mvt", http.StatusBadRequest},          // zoom out of range
		{"/tiles/all/3/8/0.mvt", http.StatusBadRequest},           // x out of range
		{"/tiles/all/3/0/-1.mvt", http.StatusBadRequest},          // negative
		{"/tiles/all/a/0/0.mvt", http.StatusBadRequest},           // not a number
		{"/tiles/all/3/0/0.png", http.StatusBadRequest},           // wrong suffix
		{"/tiles/all/3/0/0", http.StatusBadRequest},               // no suffix
		{"/tiles/all/99999999999/0/0.mvt", http.StatusBadRequest}, // huge
		{"/tiles/nope/3/0/0.mvt", http.StatusNotFound},            // unknown layer
		{"/tiles/nope.json", http.StatusNotFound},                 // unknown TileJSON
		{"/tiles/all.json", http.StatusOK},
		{"/tiles/roads.json", http.StatusOK},
	}
	for _, tt := range tests {
		rec := f.get(t, tt.path)
		if rec.Code != tt.status {
			t.Errorf("%s: %d, want %d (%s)", tt.path, rec.Code, tt.status, rec.Body.String())
		}
		if tt.status >= 400 {
			var body struct{ Error, Code string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
				t.Errorf("%s: error body %q is not JSON {error, code}", tt.path, rec.Body.String())
			}
		}
	}
}

// A tile's ETag answers 304 until the data changes; gzip is served when asked for.
func TestTileETagGzipAndInvalidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path, tile := tilePath("buildings", 16)
	first := f.get(t, path, "Accept-Encoding", "gzip")
	if first.Code != 200 || first.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("first fetch %d, encoding %q", first.Code, first.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(first.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	floors := func(body []byte) float64 {
		for _, b := range decode(t, body, tile)["buildings"] {
			if b.Properties["number"] == "1号楼" && b.Properties["community_name"] == "机械厂家属楼" {
				return b.Properties["floors"].(float64)
			}
		}
		t.Fatal("building 1号楼 of 机械厂家属楼 not in tile")
		return 0
	}
	if got := floors(raw); got != 6 {
		t.Fatalf("floors %v, want 6", got)
	}
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Cache-Control") == "" {
		t.Fatalf("no ETag or Cache-Control: %v", first.Header())
	}
	if rec := f.get(t, path, "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", rec.Code)
	}

	// A data change (an edit by another client, straight in the database) reaches the tile
	// without a restart: the ETag changes and the cached tile is not served.
	if _, err := f.db.Pool.Exec(context.Background(), "UPDATE buildings SET floors = 7 WHERE code = 'C1-B1'"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new tile after the edit", func() bool {
		return f.get(t, path, "If-None-Match", etag).Code == 200
	})
	if got := floors(f.get(t, path).Body.Bytes()); got != 7 {
		t.Errorf("after the edit floors %v, want 7", got)
	}

	// So does an import through the importer users run (renewmap load).
	etag = f.get(t, path).Header().Get("ETag")
	file := ingest.File{Name: "buildings.geojson", Layer: "buildings", Data: []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"code":"C1-B1","community":"C1","number":"1号楼","floors":8,"units":5,
		 "households":60,"floor_area":4740,"completed_year":1985,"structure":"brick_concrete","safety_grade":"C"},
		 "geometry":{"type":"Polygon","coordinates":[[[124.3503,43.1603],[124.3510,43.1603],[124.3510,43.1604],[124.3503,43.1604],[124.3503,43.1603]]]}}]}`)}
	batch, err := ingest.Parse([]ingest.File{file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Import(context.Background(), batch, postgis.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new tile after the import", func() bool {
		return f.get(t, path, "If-None-Match", etag).Code == 200
	})
	if got := floors(f.get(t, path).Body.Bytes()); got != 8 {
		t.Errorf("after the import floors %v, want 8", got)
	}
}

func TestTileJSONAndStyle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var tj struct {
		TileJSON     string    `json:"tilejson"`
		Tiles        []string  `json:"tiles"`
		Bounds       []float64 `json:"bounds"`
		Attribution  string    `json:"attribution"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	rec := f.get(t, "/tiles/all.json")
	if err := json.Unmarshal(rec.Body.Bytes(), &tj); err != nil {
		t.Fatal(err)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != "http://example.com/tiles/all/{z}/{x}/{y}.mvt" {
		t.Errorf("tilejson %q tiles %v", tj.TileJSON, tj.Tiles)
	}
	if len(tj.Bounds) != 4 || tj.Bounds[0] > 124.34 || tj.Bounds[2] < 124.36 {
		t.Errorf("bounds %v do not hold the district", tj.Bounds)
	}
	if !strings.Contains(tj.Attribution, "示例数据") {
		t.Errorf("attribution %q lacks the demo-data notice", tj.Attribution)
	}
	// Data from OpenStreetMap brings its attribution to the map.
	f.db.Pool.Exec(context.Background(), "UPDATE districts SET source = '© OpenStreetMap contributors, ODbL 1.0'")
	json.Unmarshal(f.get(t, "/tiles/all.json").Body.Bytes(), &tj)
	if !strings.Contains(tj.Attribution, "© OpenStreetMap contributors") || !strings.Contains(tj.Attribution, "示例数据") {
		t.Errorf("attribution after an OSM import: %q", tj.Attribution)
	}
	found := false
	for _, l := range tj.VectorLayers {
		if l.ID == "buildings" && l.Fields["floors"] == "层数" {
			found = true
		}
	}
	if !found {
		t.Error("vector_layers lack buildings.floors = 层数")
	}
	// The analysis overlays are not in the composite tiles but have tiles of their own.
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range tj.VectorLayers {
		if cl := cat.Layer(l.ID); cl == nil || cl.Overlay {
			t.Errorf("all.json lists %s, an overlay or unknown layer", l.ID)
		}
	}
	var circles struct {
		Tiles        []string `json:"tiles"`
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	json.Unmarshal(f.get(t, "/tiles/living_circles.json").Body.Bytes(), &circles)
	if len(circles.VectorLayers) != 1 || circles.VectorLayers[0].ID != "living_circles" ||
		len(circles.Tiles) != 1 || circles.Tiles[0] != "http://example.com/tiles/living_circles/{z}/{x}/{y}.mvt" {
		t.Errorf("living_circles.json: %+v", circles)
	}
	style := f.get(t, "/tiles/style.json")
	if style.Code == http.StatusOK && strings.Contains(style.Body.String(), "{base}") {
		t.Error("style.json still holds {base}")
	}
}

func TestLabelsAndSearch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var labels map[string]map[string]string
	if err := json.Unmarshal(f.get(t, "/api/v1/labels").Body.Bytes(), &labels); err != nil {
		t.Fatal(err)
	}
	if labels["plan_stage"]["construction"] != "组织实施" || labels["facility_kind"]["kindergarten"] != "幼儿园" ||
		labels["subdistrict"]["220302001"] != "仁兴街道" {
		t.Errorf("labels incomplete: stage %v", labels["plan_stage"])
	}
	var res struct {
		Communities []struct {
			Name  string     `json:"name"`
			Stage *string    `json:"stage"`
			BBox  [4]float64 `json:"bbox"`
		} `json:"communities"`
	}
	if err := json.Unmarshal(f.get(t, "/api/v1/communities?q=机械").Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Communities) != 1 || res.Communities[0].Name != "机械厂家属楼" || res.Communities[0].Stage == nil ||
		res.Communities[0].BBox[0] != 124.35 {
		t.Errorf("search 机械: %+v", res.Communities)
	}
	for _, bad := range []string{"?limit=0", "?limit=abc", "?limit=100000", "?q=" + strings.Repeat("长", 101)} {
		if rec := f.get(t, "/api/v1/communities"+bad); rec.Code != http.StatusBadRequest {
			t.Errorf("communities%s: %d, want 400", bad, rec.Code)
		}
	}
}
