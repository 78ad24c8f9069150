package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	"renewmap/web"
)

// staticTypes fixes the content types of what web/static holds, so they do not depend on the
// machine's /etc/mime.types (which may, for instance, call .js application/x-javascript).
var staticTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".txt":  "text/plain; charset=utf-8",
	".map":  "application/json",
}

// Cache lifetimes: app files are small and must never mix versions after an upgrade, so
// browsers revalidate them every time (the ETag makes that a 304); the vendored library changes
// only with its pinned version, which index.html puts in its URL (?v=…) to bust caches.
const (
	cacheApp    = "no-cache"
	cacheVendor = "public, max-age=86400"
	cacheIndex  = "no-cache"
)

// staticFile is one embedded file, with its ETag and, made on first use, its gzipped bytes.
type staticFile struct {
	data  []byte
	ctype string
	etag  string
	cache string

	gzOnce sync.Once
	gz     []byte // nil when gzip would not make it smaller
}

func (f *staticFile) gzipped() []byte {
	f.gzOnce.Do(func() {
		if len(f.data) < 512 || !compressible(f.ctype) {
			return
		}
		if gz := gzipBytes(f.data, gzip.BestCompression); len(gz) < len(f.data) {
			f.gz = gz
		}
	})
	return f.gz
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") ||
		strings.HasPrefix(ctype, "image/svg")
}

// newStaticFile is data to serve as ctype with the Cache-Control cache, and its ETag.
func newStaticFile(data []byte, ctype, cache string) *staticFile {
	sum := sha256.Sum256(data)
	return &staticFile{data: data, ctype: ctype, cache: cache, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// partials are the parts the pages share (web/templates/partials.html: their head, the residents'
// survey forms); {{ui "key"}} in them is a text of the message catalogue.
var partials = template.Must(template.New("partials").
	Funcs(template.FuncMap{"ui": func(key string) string { return messages.UI[key] }}).
	ParseFS(web.FS, "templates/*.html"))

// renderPage executes the page template src (a page of web/static) with the partials.
func renderPage(name string, src []byte) ([]byte, error) {
	t, err := template.Must(partials.Clone()).New(name).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return nil, fmt.Errorf("page %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// loadStatic reads every file under web/static once, rendering the pages with their partials;
// the embedded files never change while the process runs, so their ETags are computed here.
// error.html is rendered per error instead (errorpage.go).
func loadStatic() (map[string]*staticFile, error) {
	root, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, err
	}
	files := map[string]*staticFile{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == errorPageFile {
			return err
		}
		data, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		if path.Ext(p) == ".html" {
			if data, err = renderPage(p, data); err != nil {
				return err
			}
		}
		ext := path.Ext(p)
		ctype := staticTypes[ext]
		if ctype == "" {
			ctype = mime.TypeByExtension(ext)
		}
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		cache := cacheApp
		if strings.HasPrefix(p, "vendor/") {
			cache = cacheVendor
		}
		if p == "index.html" {
			cache = cacheIndex
		}
		files[p] = newStaticFile(data, ctype, cache)
		return nil
	})
	return files, err
}

// popupLayout is /static/fields.json, what the map's popups take from the layer catalogue: per
// layer, its properties in the catalogue's order and the code list (/api/v1/labels) of each coded
// one ("x[]": a comma-separated list of codes of x).
func popupLayout(cat *tiles.Catalogue) *staticFile {
	type layout struct {
		Fields []string          `json:"fields"`
		Enums  map[string]string `json:"enums"`
	}
	out := map[string]layout{}
	for _, l := range cat.Layers {
		ly := layout{Fields: []string{}, Enums: map[string]string{}}
		for _, p := range l.Properties {
			ly.Fields = append(ly.Fields, p.Name)
			switch {
			case p.Enum != "" && p.List:
				ly.Enums[p.Name] = p.Enum + "[]"
			case p.Enum != "":
				ly.Enums[p.Name] = p.Enum
			}
		}
		out[l.ID] = ly
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic("httpapi: popup layout: " + err.Error()) // maps of strings always marshal
	}
	return newStaticFile(data, staticTypes[".json"], cacheApp)
}

// routesWeb serves the planner map at / (for logged-in users; others are sent to /login), the
// login page, and the embedded static files at /static/* (public: the login page needs them).
func (s *server) routesWeb(e *echo.Group) {
	files, err := loadStatic()
	if err != nil {
		// The files are embedded at build time: failing to read them is a broken build.
		panic("httpapi: embedded web files: " + err.Error())
	}
	if s.deps.Catalogue != nil {
		files["fields.json"] = popupLayout(s.deps.Catalogue)
	}
	methods := []string{http.MethodGet, http.MethodHead}
	e.Match(methods, "/", func(c echo.Context) error {
		return serveStatic(c, files["index.html"])
	}, s.require(nil))
	e.Match(methods, "/login", func(c echo.Context) error {
		return serveStatic(c, files["login.html"])
	})
	e.Match(methods, "/admin", func(c echo.Context) error {
		return serveStatic(c, files["admin.html"])
	}, s.require(renew.Role.Administers))
	// The leadership dashboard and the plan page: every logged-in role reads them; the plan page
	// shows its edit controls to planners and admins only (the API enforces it).
	e.Match(methods, "/dashboard", func(c echo.Context) error {
		return serveStatic(c, files["dashboard.html"])
	}, s.require(nil))
	e.Match(methods, "/plan", func(c echo.Context) error {
		return serveStatic(c, files["plan.html"])
	}, s.require(nil))
	// The 片区 planning page and an area's printable report: every logged-in role reads them;
	// saving areas is for planners and admins (the API enforces it).
	e.Match(methods, "/areas", func(c echo.Context) error {
		return serveStatic(c, files["areas.html"])
	}, s.require(nil))
	e.Match(methods, "/area-report", func(c echo.Context) error {
		return serveStatic(c, files["area-report.html"])
	}, s.require(nil))
	// The residents' pages (docs/residents.md): the public notice (公示) and the survey pages need
	// no login (the API shows only publicised plans; a household code is a survey's credential);
	// issuing codes and reading results is for planners and admins.
	for page, file := range map[string]string{"/notices": "notices.html", "/notice/:code": "notice.html",
		"/survey/:code": "survey.html", "/rate/:code": "rate.html"} {
		e.Match(methods, page, func(c echo.Context) error { return serveStatic(c, files[file]) })
	}
	e.Match(methods, "/import", func(c echo.Context) error {
		return serveStatic(c, files["import.html"])
	}, s.require(renew.Role.Edits))
	e.Match(methods, "/survey-admin", func(c echo.Context) error {
		return serveStatic(c, files["survey-admin.html"])
	}, s.require(renew.Role.Edits))
	e.Match(methods, "/static/*", func(c echo.Context) error {
		p := c.Param("*")
		f, ok := files[p]
		if !ok || strings.HasSuffix(p, ".html") {
			return echo.ErrNotFound
		}
		return serveStatic(c, f)
	})
}

// serveStatic writes f with its content type, Cache-Control and ETag (serveCached: a 304 for
// If-None-Match, gzip for clients that accept it).
func serveStatic(c echo.Context, f *staticFile) error {
	if f == nil {
		return echo.ErrNotFound
	}
	c.Response().Header().Set("Cache-Control", f.cache)
	return serveCached(c, f.etag, f.ctype, f.data, f.gzipped)
}
