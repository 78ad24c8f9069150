package httpapi_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// Every GDAL-written format opens in GDAL with the layers, features, coordinates and Chinese
// values of the web map's data.
func TestDownloadFormatsOpenInGDAL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	c1 := strconv.Itoa(communityID(t, f, "C1"))
	save := func(path, name string) string {
		t.Helper()
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	contains := func(what, out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q:\n%.3000s", what, w, out)
			}
		}
	}
	matches := func(what, out, pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).MatchString(out) {
			t.Errorf("%s lacks a coordinate like %s:\n%.3000s", what, pattern, out)
		}
	}
	layers := regexp.MustCompile(`(?m)^\d+: (\w+)`)
	names := func(out string) []string {
		var ns []string
		for _, m := range layers.FindAllStringSubmatch(out, -1) {
			ns = append(ns, m[1])
		}
		return ns
	}
	// The community's layers, as the GeoPackage holds them (no layer_styles): the other
	// formats must hold the same.
	var community []string

	t.Run("gpkg", func(t *testing.T) {
		p := save("/download/community/"+c1+".gpkg?crs=4550", "c1.gpkg")
		list := names(ogrinfo(t, "-ro", p))
		community = slices.DeleteFunc(slices.Clone(list), func(n string) bool { return n == "layer_styles" })
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, "/ogc/collections", "")
		if want := strings.Count(rec.Body.String(), `"itemType"`) + 1; len(list) != want { // + layer_styles
			t.Errorf("%d layers in the GeoPackage, want %d: %v", len(list), want, list)
		}
		out := ogrinfo(t, "-ro", "-al", p, "buildings")
		contains("GeoPackage buildings", out, "Feature Count: 2", "community_name (String) = 机械厂家属楼",
			"structure (String) = 砖混", "CGCS2000 / 3-degree Gauss-Kruger CM 123E")
		// EPSG:4550 metres, easting first as GeoPackage stores them: 124.35°E is some 110 km east of 123°E.
		matches("GeoPackage buildings", out, `POLYGON \(\(6[01]\d{4}\.\d+ 47[78]\d{4}\.\d+,`)
		styles := ogrinfo(t, "-ro", "-al", p, "-sql", "SELECT f_table_name, styleQML, useAsDefault FROM layer_styles WHERE f_table_name = 'buildings'")
		contains("layer_styles", styles, "Feature Count: 1", `<alias field="structure"`, `name="结构"`, "useAsDefault (Integer(Boolean)) = 1", "renderer-v2")
		// Pipelines: coded values as Chinese labels, a categorised style on the labels.
		p = save("/download/pipelines.gpkg", "pipes.gpkg")
		out = ogrinfo(t, "-ro", "-al", p)
		contains("GeoPackage pipelines", out, "kind (String) = 雨污合流", "condition (String) = 较差", "LINESTRING (124.34 43.1596,124.36 43.1596)")
		styles = ogrinfo(t, "-ro", "-al", p, "-sql", "SELECT styleQML FROM layer_styles")
		contains("pipelines style", styles, `type="categorizedSymbol"`, `attr="kind"`, `value="雨污合流"`)
	})
	t.Run("shapefile", func(t *testing.T) {
		for _, c := range []struct{ file, cpg string }{{".shp.zip", "UTF-8"}, {".gbk.shp.zip", "CP936"}} {
			p := save("/download/community/"+c1+c.file+"?crs=4490", "c1"+c.file)
			// One Shapefile per layer; a layer of points and polygons is one per geometry type.
			shp := names(ogrinfo(t, "-ro", "/vsizip/"+p))
			of := func(s string) string {
				for _, n := range community {
					if s == n || s == n+"_point" || s == n+"_line" || s == n+"_polygon" {
						return n
					}
				}
				return ""
			}
			var held []string
			for _, s := range shp {
				if n := of(s); n == "" {
					t.Errorf("%s: Shapefile %s is no layer of the GeoPackage %v", c.file, s, community)
				} else if !slices.Contains(held, n) {
					held = append(held, n)
				}
			}
			if len(held) != len(community) {
				t.Errorf("%s: %d Shapefiles %v hold %d layers, the GeoPackage %d %v", c.file, len(shp), shp, len(held), len(community), community)
			}
			out := ogrinfo(t, "-ro", "-al", "/vsizip/"+p+"/buildings.shp")
			contains("Shapefile "+c.file, out, "Feature Count: 2", "community_ (String) = 机械厂家属楼", "POLYGON ((124.35", "China Geodetic Coordinate System 2000")
			cpg := ogrinfo(t, "-ro", "-al", "/vsizip/"+p+"/parking_point.shp")
			contains("mixed layer split by type", cpg, "Geometry: Point", "kind (String) = 车位")
			b, err := exec.Command("unzip", "-p", p, "buildings.cpg").Output()
			if err != nil || string(b) != c.cpg {
				t.Errorf("%s: buildings.cpg %q %v", c.file, b, err)
			}
		}
	})
	t.Run("dxf", func(t *testing.T) {
		p := save("/download/community/"+c1+".dxf.zip?crs=4326", "c1.dxf.zip")
		dxf := "/vsizip/" + p + "/community-" + c1 + "_EPSG4550.dxf"
		out := ogrinfo(t, "-ro", "-al", dxf)
		contains("DXF", out, "Layer (String) = buildings", "Layer (String) = gates_both", "Layer (String) = buildings_label",
			"Text (String) = 1号楼")
		matches("DXF", out, `POLYGON \(\(6[01]\d{4}\.\d+ 47[78]\d{4}\.\d+`)
		matches("DXF", out, `POINT \(6[01]\d{4}\.\d+ 47[78]\d{4}\.\d+`)
		// DXF holds one layer of entities: each CAD layer holds the community's features.
		if ls := names(ogrinfo(t, "-ro", dxf)); len(ls) != 1 || ls[0] != "entities" {
			t.Errorf("DXF layers %v, want [entities]", ls)
		}
		count := ogrinfo(t, "-ro", dxf, "-dialect", "SQLite", "-sql", "SELECT Layer, COUNT(*) AS n FROM entities GROUP BY Layer")
		contains("DXF CAD layers", count, "Layer (String) = buildings\n  n (Integer) = 2", "Layer (String) = buildings_label\n  n (Integer) = 2")
		csv := ogrinfo(t, "-ro", "-al", "/vsizip/"+p+"/buildings.csv")
		contains("DXF attributes", csv, "C1-B1", "砖混")
	})
	t.Run("3d", func(t *testing.T) {
		// P1 surveyed in 3D: invert elevations (a gravity drain) at both ends.
		if _, err := f.db.Pool.Exec(context.Background(), `UPDATE pipelines SET geom_z = ST_SetSRID(ST_MakeLine(
			ST_MakePoint(124.340, 43.1596, 176.35), ST_MakePoint(124.360, 43.1596, 175.8)), 4326) WHERE code = 'P1'`); err != nil {
			t.Fatal(err)
		}
		rec := f.as(t, renew.RoleDesigner, http.MethodGet, "/download/pipelines.geojson?crs=4550", "")
		if !regexp.MustCompile(`"coordinates":\[\[6\d{5}\.\d+,4\d{6}\.\d+,176\.35\]`).MatchString(rec.Body.String()) {
			t.Errorf("GeoJSON download lacks the elevation:\n%.500s", rec.Body.String())
		}
		out := ogrinfo(t, "-ro", "-al", save("/download/pipelines.gpkg?crs=4550", "pipes3d.gpkg"))
		contains("GeoPackage 3D", out, "Geometry: 3D Line String", "LINESTRING Z (", " 176.35,", " 175.8)")
		p := save("/download/pipelines.dxf.zip", "pipes3d.dxf.zip")
		out = ogrinfo(t, "-ro", "-al", "/vsizip/"+p+"/pipelines_EPSG4550.dxf")
		contains("DXF 3D polyline", out, "Layer (String) = pipelines_drainage_combined", "LINESTRING Z (", " 176.35,")
		// Tiles stay 2D: the map draws the same line.
		if rec := f.as(t, renew.RoleDesigner, http.MethodGet, "/ogc/collections/pipelines/items", ""); !strings.Contains(rec.Body.String(), ",176.35]") {
			t.Errorf("OGC API lacks the elevation: %.300s", rec.Body.String())
		}
	})
	t.Run("kml", func(t *testing.T) {
		p := save("/download/community/"+c1+".kml?crs=4550", "c1.kml")
		if ls := names(ogrinfo(t, "-ro", p)); !slices.Equal(slices.Sorted(slices.Values(ls)), slices.Sorted(slices.Values(community))) {
			t.Errorf("KML layers %v, want the GeoPackage's %v", ls, community)
		}
		out := ogrinfo(t, "-ro", "-al", p, "buildings")
		contains("KML", out, "Feature Count: 2", "机械厂家属楼", "POLYGON ((124.35")
	})
}
