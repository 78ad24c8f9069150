package httpapi

import (
	"context"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/export"
	"renewmap/internal/ogc"
	"renewmap/internal/renew"
	"renewmap/web"
)

// downloadTimeout bounds one download. A download streams far more than an ordinary request
// answers, so it has a deadline of its own instead of the request timeout, and so have its SQL
// statements (set in the export snapshot) and its connection's write deadline.
const downloadTimeout = 10 * time.Minute

// downloadSemantics explains what "within a community/area" means, in metadata and README.
const (
	semanticsLayer = "单图层下载：与范围相交的要素整体输出（不裁剪）；仅接触边界的相邻面、线不计入，位于边界上的点（如小区出入口）计入。" +
		"Single-layer download: whole features that intersect the community/area (not cut)."
	semanticsBundle = "打包下载：线、面要素按小区/片区边界裁剪（ST_Intersection），点要素取位于范围内或边界上的。" +
		"Bundle: lines and polygons are clipped to the outline; points on or inside it are kept."
)

// downloadCRS maps the crs parameter of a download to the output system. Downloads are files for
// GIS and CAD, so their coordinates are always easting/longitude first (what GeoJSON readers,
// GDAL and CAD expect), whatever the CRS's official axis order: 4326 is RFC 7946 GeoJSON, 4490
// and 4550 carry a "crs" member naming the system.
func downloadCRS(v string) (ogc.CRS, error) {
	if v == "" {
		return ogc.CRS84, nil
	}
	c, err := ogc.ParseCRS(v)
	if err != nil {
		return c, renew.Invalid("crs: 4326 (WGS 84), 4490 (CGCS2000) or 4550 (CGCS2000 3-degree Gauss-Krüger CM 123°E) expected, got %q (不支持的坐标系)", clipText(v, 60))
	}
	if c.SRID == 4326 {
		return ogc.CRS84, nil
	}
	return c, nil
}

// crsMember is the GeoJSON crs member of a download in c; empty for RFC 7946 output.
func crsMember(c ogc.CRS) string {
	if c.SRID == 4326 {
		return ""
	}
	return c.URN
}

func crsInfo(c ogc.CRS) export.CRSInfo {
	i := export.CRSInfo{Code: c.Code, Name: c.Title, URN: c.URN}
	switch {
	case c.SRID == 4326:
		i.Code, i.AxisOrder, i.Units = "EPSG:4326", "经度, 纬度 (longitude, latitude; RFC 7946)", "度 (degrees)"
	case c.Geographic:
		i.AxisOrder, i.Units = "经度, 纬度 (longitude, latitude)", "度 (degrees)"
	default:
		i.AxisOrder, i.Units = "东坐标 X, 北坐标 Y (easting, northing)", "米 (metres)"
	}
	return i
}

func crsTag(c ogc.CRS) string { return "EPSG" + strconv.Itoa(c.SRID) }

type downloads struct {
	s    *server
	f    *features
	page *staticFile
	// paints colour the QGIS styles of GeoPackage downloads (download_ogr.go).
	paints map[string]export.Paint
}

func (s *server) routesDownload(e *echo.Group, f *features) {
	d := &downloads{s: s, f: f, page: pageFile("downloads.html"), paints: stylePaints()}
	g := e.Group("/download", s.require(renew.Role.Downloads), s.streaming())
	g.GET("/community/:file", d.bundle("community"))
	g.GET("/area/:file", d.bundle("area"))
	g.GET("/:file", d.layer)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/downloads", func(c echo.Context) error {
		return serveStatic(c, d.page)
	}, s.require(nil))
}

// pageFile reads one embedded page of web/static, rendered with its partials (renderPage).
func pageFile(name string) *staticFile {
	data, err := fs.ReadFile(web.FS, "static/"+name)
	if err != nil {
		return nil // serveStatic answers 404
	}
	if data, err = renderPage(name, data); err != nil {
		// The pages are embedded at build time: one that does not render is a broken build.
		panic("httpapi: " + err.Error())
	}
	return newStaticFile(data, staticTypes[".html"], cacheIndex)
}

// onlyParams refuses parameters other than allowed, and repeated ones.
func onlyParams(c echo.Context, allowed ...string) error {
	for k, vs := range c.QueryParams() {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return renew.Invalid("unknown parameter %q; allowed: %s (未知的查询参数)", clipText(k, 40), strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return renew.Invalid("%s: give it once (参数重复)", k)
		}
	}
	return nil
}

// placeID reads the id of a place of kind community or area (parseID).
func placeID(kind, v string) (int, error) {
	n, err := parseID(kind, placeNames[kind], v)
	return int(n), err
}

// placeNames are the Chinese names of the kinds of place a download is cut to.
var placeNames = map[string]string{"community": "小区", "area": "片区"}

// startDownload prepares the response of a long download: its own deadline (see
// downloadTimeout), the connection's write deadline moved out to match, and the attachment
// headers. The returned context ends with the deadline; a client that goes away ends the
// download at the next write.
func startDownload(c echo.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), downloadTimeout)
	// Not every ResponseWriter supports deadlines (httptest's does not); then there is none.
	_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(downloadTimeout + 5*time.Second))
	return ctx, cancel
}

func (d *downloads) audit(c echo.Context, table, rowID string, params map[string]any) error {
	a := auditBy(c)
	a.Action, a.Table, a.RowID, a.After = "download", table, rowID, params
	return d.s.deps.Accounts.Audit(c.Request().Context(), a)
}

// layer serves GET /download/{layer}.geojson?community=|area=|bbox=&crs=, and the same in the
// formats GDAL writes (.gpkg, .shp.zip, .gbk.shp.zip, .dxf.zip, .kml; download_ogr.go).
func (d *downloads) layer(c echo.Context) error {
	ctx := c.Request().Context()
	format, id, gdal := export.FormatOf(c.Param("file"))
	ext := format.Ext
	if !gdal {
		var ok bool
		if id, ok = strings.CutSuffix(c.Param("file"), ".geojson"); !ok {
			return renew.NotFound("下载文件应为 {图层}.geojson、.gpkg、.shp.zip、.gbk.shp.zip、.dxf.zip 或 .kml (downloads are /download/{layer}.geojson or another format)")
		}
		format.Key, ext = "geojson", ".geojson"
	}
	x, err := d.f.collection(ctx, id, roleOf(c))
	if err != nil {
		return err
	}
	if err := onlyParams(c, "community", "area", "bbox", "crs"); err != nil {
		return err
	}
	crs, err := downloadCRS(c.QueryParam("crs"))
	if err != nil {
		return err
	}
	crs = formatCRS(format, crs)
	fq := ogc.FeatureQuery{Layer: x.layer, WithCode: x.hasCode, SRID: crs.SRID, Decimals: decimals(crs)}
	params := map[string]any{"layer": x.layer.ID, "crs": crs.Code, "format": format.Key}
	var scope []string
	for _, k := range []string{"community", "area", "bbox"} {
		if c.QueryParams().Has(k) {
			scope = append(scope, k)
		}
	}
	if len(scope) > 1 {
		return renew.Invalid("give one of community, area or bbox, not %s (范围参数只能选一个)", strings.Join(scope, " and "))
	}
	name, ascii, rowID := x.layer.Title, x.layer.ID, ""
	if len(scope) == 1 {
		switch k := scope[0]; k {
		case "community", "area":
			n, err := placeID(k, c.QueryParam(k))
			if err != nil {
				return err
			}
			p, err := d.f.src.Place(ctx, k, n)
			if err != nil {
				return err
			}
			if k == "community" {
				fq.Community = n
			} else {
				fq.Area = n
			}
			params[k], rowID = n, strconv.Itoa(n)
			params["place"] = p.Name
			name += "_" + p.Name
			ascii += "_" + k + "-" + strconv.Itoa(n)
		case "bbox":
			b, err := ogc.ParseBBox(c.QueryParam("bbox"), ogc.CRS84)
			if err != nil {
				return err
			}
			box := b.Box()
			fq.BBox, fq.BBoxSRID = &box, 4326
			params["bbox"] = fq.BBox[:]
			ascii += "_bbox"
			name += "_范围"
		}
	}
	name = export.SafeName(name + "_" + crsTag(crs) + ext)
	ascii += "_" + crsTag(crs) + ext
	if err := d.audit(c, x.layer.ID, rowID, params); err != nil {
		return err
	}
	if gdal {
		return d.ogr(c, format, crs, []ogrItem{{x, fq}}, name, ascii)
	}
	dctx, cancel := startDownload(c)
	defer cancel()
	h := export.Header{Name: x.layer.ID, CRSName: crsMember(crs)}
	return d.f.src.Export(dctx, downloadTimeout, func(r ogc.FeatureReader) error {
		return d.f.stream(dctx, c, r, fq, "application/geo+json", h, func() {
			c.Response().Header().Set("Content-Disposition", export.ContentDisposition(name, ascii))
			c.Response().Header().Set("Cache-Control", "no-store")
		})
	})
}

// bundle serves GET /download/community/{id}.zip and /download/area/{id}.zip: every collection
// the role may read, clipped to the outline, one GeoJSON file each, with metadata.json and
// README.txt, streamed as a zip.
func (d *downloads) bundle(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		format, v, gdal := export.FormatOf(c.Param("file"))
		if !gdal {
			var ok bool
			if v, ok = strings.CutSuffix(c.Param("file"), ".zip"); !ok {
				return renew.NotFound("打包下载应为 /download/%s/{编号}.zip（或 .gpkg、.shp.zip、.gbk.shp.zip、.dxf.zip、.kml）(bundles are /download/%s/{id}.zip or another format)", kind, kind)
			}
			format.Key, format.Ext = "zip", ".zip"
		}
		id, err := placeID(kind, v)
		if err != nil {
			return err
		}
		if err := onlyParams(c, "crs", "layers"); err != nil {
			return err
		}
		crs, err := downloadCRS(c.QueryParam("crs"))
		if err != nil {
			return err
		}
		crs = formatCRS(format, crs)
		all, err := d.f.collections(ctx, roleOf(c))
		if err != nil {
			return err
		}
		cs := all
		if v := c.QueryParam("layers"); v != "" {
			cs = nil
			want := map[string]bool{}
			for _, l := range strings.Split(v, ",") {
				want[strings.TrimSpace(l)] = true
			}
			for _, x := range all {
				if want[x.layer.ID] {
					cs = append(cs, x)
					delete(want, x.layer.ID)
				}
			}
			if len(want) > 0 {
				var unknown []string
				for _, l := range slices.Sorted(maps.Keys(want)) {
					unknown = append(unknown, clipText(l, 40))
				}
				return renew.Invalid("layers: unknown or not allowed: %s (图层不存在或无权下载)", strings.Join(unknown, ", "))
			}
		}
		p, err := d.f.src.Place(ctx, kind, id)
		if err != nil {
			return err
		}
		layerIDs := make([]string, len(cs))
		for i, x := range cs {
			layerIDs[i] = x.layer.ID
		}
		if err := d.audit(c, "bundle", strconv.Itoa(id), map[string]any{
			"kind": kind, kind: id, "place": p.Name, "crs": crs.Code, "layers": layerIDs, "format": format.Key}); err != nil {
			return err
		}
		if gdal {
			items := make([]ogrItem, len(cs))
			for i, x := range cs {
				items[i] = ogrItem{x, ogc.FeatureQuery{Layer: x.layer, WithCode: x.hasCode, Clip: true}}
				if kind == "community" {
					items[i].fq.Community = id
				} else {
					items[i].fq.Area = id
				}
			}
			return d.ogr(c, format, crs, items, export.SafeName(p.Name+"_"+crsTag(crs)+format.Ext),
				kind+"-"+strconv.Itoa(id)+"_"+crsTag(crs)+format.Ext)
		}
		sess, _ := sessionOf(c)
		now := time.Now()
		meta := export.Metadata{
			Title:       "铁西区老旧小区改造一张图 · 数据包 " + p.Name,
			Source:      "renewmap（四平市铁西区老旧小区改造一张图）数据库 " + origin(c),
			Notice:      export.DemoNotice,
			Attribution: d.f.cat.Attribution,
			CRS:         crsInfo(crs),
			Clip:        &export.ClipInfo{Kind: kind, ID: id, Code: p.Code, Name: p.Name},
			CreatedAt:   now,
			CreatedBy:   sess.User.Username,
			Semantics:   semanticsBundle,
			Service: export.ServiceInfo{OGCAPI: origin(c) + "/ogc",
				Tiles: origin(c) + "/tiles/all/{z}/{x}/{y}.mvt"},
		}
		if sess.User.DisplayName != "" {
			meta.CreatedBy += "（" + sess.User.DisplayName + "）"
		}
		name := export.SafeName(p.Name + "_" + crsTag(crs) + ".zip")
		ascii := kind + "-" + strconv.Itoa(id) + "_" + crsTag(crs) + ".zip"
		dctx, cancel := startDownload(c)
		defer cancel()
		err = d.f.src.Export(dctx, downloadTimeout, func(r ogc.FeatureReader) error {
			// From here on the response is committed: every failure cuts the connection.
			hdr := c.Response().Header()
			hdr.Set(echo.HeaderContentType, "application/zip")
			hdr.Set("Content-Disposition", export.ContentDisposition(name, ascii))
			hdr.Set("Cache-Control", "no-store")
			c.Response().WriteHeader(http.StatusOK)
			zb := export.NewBundle(c.Response(), now)
			for _, x := range cs {
				file := x.layer.ID + ".geojson"
				w, err := zb.Create(file)
				if err != nil {
					return err
				}
				fw, err := export.NewFeatureWriter(w, export.Header{Name: x.layer.ID, CRSName: crsMember(crs)})
				if err != nil {
					return err
				}
				fq := ogc.FeatureQuery{Layer: x.layer, WithCode: x.hasCode, SRID: crs.SRID, Decimals: decimals(crs), Clip: true}
				if kind == "community" {
					fq.Community = id
				} else {
					fq.Area = id
				}
				if err := r.Features(dctx, fq, func(f *ogc.Feature) error {
					return fw.Write(f.ID, f.Geometry, f.Properties)
				}); err != nil {
					return err
				}
				if err := fw.Close(); err != nil {
					return err
				}
				fi := export.FileInfo{File: file, Layer: x.layer.ID, Title: x.layer.Title, Geometry: x.layer.Geometry, Features: fw.Count()}
				for _, p := range x.properties() {
					fi.Fields = append(fi.Fields, export.Field{Name: p.Name, Title: p.Title, Type: p.Type})
				}
				meta.Files = append(meta.Files, fi)
			}
			if err := zb.WriteJSON("metadata.json", meta); err != nil {
				return err
			}
			if err := zb.WriteText("README.txt", export.README(meta)); err != nil {
				return err
			}
			return zb.Close()
		})
		if err != nil && c.Response().Committed {
			d.f.abort(c, err)
		}
		return err
	}
}
