package httpapi

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/export"
	"renewmap/internal/ogc"
	tilefiles "renewmap/tiles"
)

// ogrItem is one layer of a GDAL-written download and the query of its features.
type ogrItem struct {
	x  collection
	fq ogc.FeatureQuery
}

// formatCRS is the system a download in f is written in: the format's own (KML: WGS 84; DXF:
// EPSG:4550) or the one asked for.
func formatCRS(f export.Format, asked ogc.CRS) ogc.CRS {
	for _, c := range ogc.Supported {
		if f.SRID != 0 && c.SRID == f.SRID && (c.SRID != 4326 || c == ogc.CRS84) {
			return c
		}
	}
	return asked
}

func layerSpec(x collection) export.LayerSpec {
	s := export.LayerSpec{ID: x.layer.ID, Title: x.layer.Title, Geometry: x.layer.Geometry}
	for _, p := range x.properties() {
		s.Fields = append(s.Fields, export.SpecField{Name: p.Name, Title: p.Title, Type: p.Type, Enum: p.Enum})
	}
	return s
}

// stylePaints are the web map's colours per layer, for the GeoPackage's QGIS styles.
func stylePaints() map[string]export.Paint {
	b, err := fs.ReadFile(tilefiles.FS, "style.json")
	if err != nil {
		return nil
	}
	p, _ := export.StylePaints(b)
	return p
}

// ogr serves a download in a format GDAL writes: the features of items stream from one
// snapshot into temporary GeoJSON files (coded values as their Chinese labels), ogr2ogr turns
// them into the format, and the result is sent from its temporary file. Nothing is held in
// memory; the temporary files are removed at the end. The caller has audited the download.
func (d *downloads) ogr(c echo.Context, f export.Format, crs ogc.CRS, items []ogrItem, name, ascii string) error {
	dctx, cancel := startDownload(c)
	defer cancel()
	labels, err := d.s.deps.Lookups.Labels(dctx)
	if err != nil {
		return err
	}
	cv, err := export.NewConversion(f, crs.SRID, labels)
	if err != nil {
		return err
	}
	defer cv.Close()
	err = d.f.src.Export(dctx, downloadTimeout, func(r ogc.FeatureReader) error {
		for _, it := range items {
			it.fq.SRID, it.fq.Decimals = crs.SRID, decimals(crs)
			lf, err := cv.Create(layerSpec(it.x))
			if err != nil {
				return err
			}
			err = r.Features(dctx, it.fq, func(ft *ogc.Feature) error { return lf.Write(ft.ID, ft.Geometry, ft.Properties) })
			if cerr := lf.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	out := filepath.Join(cv.OutDir(), "data"+f.Ext)
	switch {
	case f.Key == "dxf":
		out = filepath.Join(cv.OutDir(), ascii[:len(ascii)-len(".zip")])
	case f.Zip:
		out = cv.OutDir()
	}
	if err := cv.Run(dctx, out); err != nil {
		return err
	}
	if f.Key == "gpkg" {
		if err := cv.AddStyles(dctx, out, d.paints); err != nil {
			return err
		}
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, f.ContentType)
	hdr.Set("Content-Disposition", export.ContentDisposition(name, ascii))
	hdr.Set("Cache-Control", "no-store")
	if !f.Zip {
		file, err := os.Open(out)
		if err != nil {
			return err
		}
		defer file.Close()
		http.ServeContent(c.Response(), c.Request(), "", time.Time{}, file)
		return nil
	}
	entries, err := os.ReadDir(cv.OutDir())
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	c.Response().WriteHeader(http.StatusOK)
	zb := export.NewBundle(c.Response(), time.Now())
	for _, e := range entries {
		if err := zipFile(zb, filepath.Join(cv.OutDir(), e.Name())); err != nil {
			d.f.abort(c, err)
			return err
		}
	}
	return zb.Close()
}

func zipFile(zb *export.Bundle, path string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	w, err := zb.Create(filepath.Base(path))
	if err != nil {
		return err
	}
	_, err = io.Copy(w, src)
	return err
}
