package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/export"
	"renewmap/internal/ogc"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
)

// FeatureSource is what OGC API – Features and the downloads read (Deps.Features).
type FeatureSource interface {
	ogc.FeatureReader
	// FeatureColumns says whether a catalogue table has the EPSG:4326 geom column and a code
	// column; ok is false when the table does not exist.
	FeatureColumns(ctx context.Context, table string) (hasGeom, hasCode, ok bool, err error)
	// LayerExtent is the bounding box of a layer's features in EPSG:4326.
	LayerExtent(ctx context.Context, l *tiles.Layer) (box [4]float64, ok bool, err error)
	// Export runs fn on one read-only snapshot whose statements may take timeout.
	Export(ctx context.Context, timeout time.Duration, fn func(ogc.FeatureReader) error) error
}

// features is the state the OGC API and the downloads share: the catalogue, the source, and
// what is cached about the tables (their columns; their extents per data version).
type features struct {
	cat      *tiles.Catalogue
	src      FeatureSource
	versions *tiles.Versions
	log      *slog.Logger

	mu      sync.Mutex
	columns map[string]tableColumns
	extents map[string]extent
}

type tableColumns struct{ geom, code bool }

type extent struct {
	stamp uint64
	box   [4]float64
	ok    bool
}

// collection is a catalogue layer served as a feature collection.
type collection struct {
	layer   *tiles.Layer
	hasCode bool
}

// routesFeatures registers OGC API – Features (/ogc), the downloads (/download) and the
// downloads page (/downloads).
func (s *server) routesFeatures(g *echo.Group) {
	f := &features{cat: s.deps.Catalogue, src: s.deps.Features, versions: s.deps.Versions, log: s.log,
		columns: map[string]tableColumns{}, extents: map[string]extent{}}
	s.routesOGC(g, f)
	s.routesDownload(g, f)
}

var errNoFeatures = &renew.Error{Kind: renew.ErrUnavailable, Msg: "要素服务未配置 (feature service not configured)"}

// tableColumns returns what the table has, asking the database once per table (a table that
// does not exist yet is asked again next time).
func (f *features) tableColumns(ctx context.Context, table string) (tableColumns, error) {
	f.mu.Lock()
	tc, ok := f.columns[table]
	f.mu.Unlock()
	if ok {
		return tc, nil
	}
	geom, code, exists, err := f.src.FeatureColumns(ctx, table)
	if err != nil {
		return tc, err
	}
	tc = tableColumns{geom: geom, code: code}
	if exists {
		f.mu.Lock()
		f.columns[table] = tc
		f.mu.Unlock()
	}
	return tc, nil
}

// collections lists the layers role may read as feature collections, in catalogue order.
func (f *features) collections(ctx context.Context, role renew.Role) ([]collection, error) {
	if f.src == nil || f.cat == nil {
		return nil, errNoFeatures
	}
	var out []collection
	for _, l := range f.cat.ForRole(role) {
		if !l.IsCollection() {
			continue
		}
		tc, err := f.tableColumns(ctx, l.Table)
		if err != nil {
			return nil, err
		}
		if tc.geom {
			out = append(out, collection{layer: l, hasCode: tc.code})
		}
	}
	return out, nil
}

// collection resolves a collection id for role: renew.ErrNotFound for an unknown id (or a layer
// that is no collection), renew.ErrForbidden for pipelines asked by a role that may not see them.
func (f *features) collection(ctx context.Context, id string, role renew.Role) (collection, error) {
	if f.src == nil || f.cat == nil {
		return collection{}, errNoFeatures
	}
	l := f.cat.Layer(id)
	if l == nil || !l.IsCollection() {
		return collection{}, renew.NotFound("图层 %q 不存在 (unknown collection %q)", clipText(id, 60), clipText(id, 60))
	}
	if !l.SeenBy(role) {
		return collection{}, tiles.ErrHidden
	}
	tc, err := f.tableColumns(ctx, l.Table)
	if err != nil {
		return collection{}, err
	}
	if !tc.geom {
		return collection{}, renew.NotFound("图层 %q 不提供要素 (collection %q has no features)", id, id)
	}
	return collection{layer: l, hasCode: tc.code}, nil
}

// extent returns the layer's extent, cached until its tables' data change.
func (f *features) extent(ctx context.Context, l *tiles.Layer) (*[4]float64, error) {
	var stamp uint64
	known := false
	if f.versions != nil {
		stamp, known = f.versions.Stamp(l.DependsOn)
	}
	if known {
		f.mu.Lock()
		e, ok := f.extents[l.ID]
		f.mu.Unlock()
		if ok && e.stamp == stamp {
			if !e.ok {
				return nil, nil
			}
			return &e.box, nil
		}
	}
	box, ok, err := f.src.LayerExtent(ctx, l)
	if err != nil {
		return nil, err
	}
	if known {
		f.mu.Lock()
		f.extents[l.ID] = extent{stamp: stamp, box: box, ok: ok}
		f.mu.Unlock()
	}
	if !ok {
		return nil, nil
	}
	return &box, nil
}

func (c collection) properties() []tiles.Property { return ogc.Filterable(c.layer, c.hasCode) }

// ogcAPI serves /ogc.
type ogcAPI struct {
	f           *features
	attribution string
	// labels gives the Chinese labels of coded values for the HTML pages.
	labels func(ctx context.Context) (map[string]map[string]string, error)
}

func (s *server) routesOGC(e *echo.Group, f *features) {
	o := &ogcAPI{f: f, labels: func(ctx context.Context) (map[string]map[string]string, error) {
		return s.deps.Lookups.Labels(ctx)
	}}
	if f.cat != nil {
		o.attribution = f.cat.Attribution
	}
	g := e.Group("/ogc", s.require(nil))
	g.GET("", o.landing)
	g.GET("/", o.landing)
	g.GET("/conformance", o.conformance)
	g.GET("/api", o.api)
	g.GET("/collections", o.collections)
	g.GET("/collections/:id", o.collection)
	g.GET("/collections/:id/items", o.items, s.streaming())
	g.GET("/collections/:id/items/:fid", o.item)
}

// ogcBase is the absolute URL of the API's root.
func ogcBase(c echo.Context) string { return origin(c) + "/ogc" }

func negotiate(c echo.Context) (ogc.Format, error) {
	return ogc.Negotiate(c.QueryParam("f"), c.Request().Header.Get("Accept"))
}

// respond writes doc as JSON (with the given media type) or page as HTML.
func respond(c echo.Context, format ogc.Format, media string, doc any, page func() ogc.Page) error {
	if format == ogc.HTML {
		var b bytes.Buffer
		if err := ogc.RenderHTML(&b, page()); err != nil {
			return err
		}
		return c.HTMLBlob(http.StatusOK, b.Bytes())
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, media, b)
}

func (o *ogcAPI) landing(c echo.Context) error {
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	doc := ogc.NewLanding(ogcBase(c), o.attribution)
	return respond(c, format, ogc.MediaJSON, doc, func() ogc.Page {
		return ogc.Page{Title: doc.Title, Links: doc.Links, Landing: &doc}
	})
}

func (o *ogcAPI) conformance(c echo.Context) error {
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	doc := ogc.Conformance{ConformsTo: ogc.ConformsTo}
	return respond(c, format, ogc.MediaJSON, doc, func() ogc.Page {
		return ogc.Page{Title: "符合的标准 Conformance", Conformance: &doc,
			Links: []ogc.Link{{Href: ogcBase(c) + "/conformance?f=json", Rel: "alternate", Type: ogc.MediaJSON}}}
	})
}

func (o *ogcAPI) api(c echo.Context) error {
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	cs, err := o.f.collections(c.Request().Context(), roleOf(c))
	if err != nil {
		return err
	}
	list := make([]ogc.Collectable, len(cs))
	for i, x := range cs {
		list[i] = ogc.Collectable{Layer: x.layer, Filterable: x.properties()}
	}
	doc := ogc.OpenAPI(ogcBase(c), list)
	return respond(c, format, ogc.MediaOpenAPI, doc, func() ogc.Page {
		p := ogc.Page{Title: "接口说明 API", Links: []ogc.Link{{Href: ogcBase(c) + "/api?f=json", Rel: "service-desc", Type: ogc.MediaOpenAPI}}}
		p.API = append(p.API, ogc.APIPath{Path: "/ogc", Summary: "首页 landing page"},
			ogc.APIPath{Path: "/ogc/conformance", Summary: "符合的标准 conformance"},
			ogc.APIPath{Path: "/ogc/collections", Summary: "图层列表 collections"})
		for _, x := range list {
			params := []string{"bbox", "bbox-crs", "crs", "limit", "offset", "f"}
			for _, p := range x.Filterable {
				params = append(params, p.Name)
			}
			p.API = append(p.API, ogc.APIPath{Path: "/ogc/collections/" + x.Layer.ID + "/items", Summary: x.Layer.Title, Params: params})
		}
		return p
	})
}

func (o *ogcAPI) describe(c echo.Context, x collection) (ogc.Collection, error) {
	box, err := o.f.extent(c.Request().Context(), x.layer)
	if err != nil {
		return ogc.Collection{}, err
	}
	return ogc.NewCollection(ogcBase(c), x.layer, box, x.properties()), nil
}

func (o *ogcAPI) collections(c echo.Context) error {
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	cs, err := o.f.collections(c.Request().Context(), roleOf(c))
	if err != nil {
		return err
	}
	docs := make([]ogc.Collection, 0, len(cs))
	for _, x := range cs {
		d, err := o.describe(c, x)
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	doc := ogc.NewCollections(ogcBase(c), docs)
	return respond(c, format, ogc.MediaJSON, doc, func() ogc.Page {
		return ogc.Page{Title: "图层 Collections", Links: doc.Links, Collections: &doc}
	})
}

func (o *ogcAPI) collection(c echo.Context) error {
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	x, err := o.f.collection(c.Request().Context(), c.Param("id"), roleOf(c))
	if err != nil {
		return err
	}
	doc, err := o.describe(c, x)
	if err != nil {
		return err
	}
	return respond(c, format, ogc.MediaJSON, doc, func() ogc.Page {
		return ogc.Page{Title: doc.Title + " · " + doc.ID, Links: doc.Links, Collection: &doc}
	})
}

// decimals keeps coordinates to about a centimetre: 7 decimals of a degree, 3 of a metre.
func decimals(c ogc.CRS) int {
	if c.Geographic {
		return 7
	}
	return 3
}

// itemsQuery reads the items parameters into a feature query.
func itemsQuery(c echo.Context, x collection) (ogc.FeatureQuery, ogc.CRS, int, int, error) {
	q := c.QueryParams()
	fq := ogc.FeatureQuery{Layer: x.layer, WithCode: x.hasCode}
	for _, k := range []string{"bbox", "bbox-crs", "crs", "limit", "offset", "f"} {
		if len(q[k]) > 1 {
			return fq, ogc.CRS{}, 0, 0, renew.Invalid("%s: give it once (参数重复)", k)
		}
	}
	crs := ogc.CRS84
	if v := q.Get("crs"); v != "" {
		var err error
		if crs, err = ogc.ParseCRS(v); err != nil {
			return fq, crs, 0, 0, err
		}
	}
	fq.SRID, fq.NorthFirst, fq.Decimals = crs.SRID, crs.NorthFirst, decimals(crs)
	if q.Has("bbox") {
		bc := ogc.CRS84
		if v := q.Get("bbox-crs"); v != "" {
			var err error
			if bc, err = ogc.ParseCRS(v); err != nil {
				return fq, crs, 0, 0, renew.Invalid("bbox-crs: %s", renew.UserMessage(err))
			}
		}
		b, err := ogc.ParseBBox(q.Get("bbox"), bc)
		if err != nil {
			return fq, crs, 0, 0, err
		}
		box := b.Box()
		fq.BBox, fq.BBoxSRID = &box, bc.SRID
	} else if v := q.Get("bbox-crs"); v != "" {
		if _, err := ogc.ParseCRS(v); err != nil {
			return fq, crs, 0, 0, renew.Invalid("bbox-crs: %s", renew.UserMessage(err))
		}
	}
	limit, err := ogc.ParseLimit(q.Get("limit"))
	if err != nil {
		return fq, crs, 0, 0, err
	}
	offset, err := ogc.ParseOffset(q.Get("offset"))
	if err != nil {
		return fq, crs, 0, 0, err
	}
	filters, err := ogc.ParseFilters(q, x.properties())
	if err != nil {
		return fq, crs, 0, 0, err
	}
	fq.Filters = filters
	fq.Limit, fq.Offset = limit, offset
	return fq, crs, limit, offset, nil
}

func (o *ogcAPI) items(c echo.Context) error {
	ctx := c.Request().Context()
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	x, err := o.f.collection(ctx, c.Param("id"), roleOf(c))
	if err != nil {
		return err
	}
	fq, crs, limit, offset, err := itemsQuery(c, x)
	if err != nil {
		return err
	}
	matched, err := o.f.src.CountFeatures(ctx, fq)
	if err != nil {
		return err
	}
	returned := int(max(0, min(int64(limit), matched-int64(offset))))
	collURL := ogcBase(c) + "/collections/" + url.PathEscape(x.layer.ID)
	links := ogc.ItemsLinks(collURL+"/items", c.QueryParams(), offset, limit, returned, matched, format)
	c.Response().Header().Set("Content-Crs", crs.ContentCrs())
	if format == ogc.HTML {
		cols := x.properties()
		labels, err := o.labels(ctx)
		if err != nil {
			return err
		}
		page := &ogc.ItemsPage{Collection: x.layer.ID, CRS: crs.URI, NumberMatched: matched, Columns: cols}
		err = o.f.src.Features(ctx, fq, func(f *ogc.Feature) error {
			page.Rows = append(page.Rows, ogc.NewItemRow(f.ID, collURL+"/items/"+strconv.FormatInt(f.ID, 10)+"?f=html",
				f.Geometry, f.Properties, cols, labels))
			return nil
		})
		if err != nil {
			return err
		}
		page.NumberReturned = len(page.Rows)
		return respond(c, format, "", nil, func() ogc.Page {
			return ogc.Page{Title: x.layer.Title + " 要素 Features", Links: links, Items: page}
		})
	}
	header := export.Header{Members: []export.Member{
		{Key: "timeStamp", Value: time.Now().UTC().Format(time.RFC3339)},
		{Key: "numberMatched", Value: matched},
		{Key: "links", Value: links},
	}}
	return o.f.stream(ctx, c, o.f.src, fq, ogc.MediaGeoJSON, header, nil)
}

func (o *ogcAPI) item(c echo.Context) error {
	ctx := c.Request().Context()
	format, err := negotiate(c)
	if err != nil {
		return err
	}
	x, err := o.f.collection(ctx, c.Param("id"), roleOf(c))
	if err != nil {
		return err
	}
	for k := range c.QueryParams() {
		if k != "crs" && k != "f" {
			return renew.Invalid("unknown parameter %q; a feature takes crs and f (未知的查询参数)", clipText(k, 40))
		}
	}
	crs := ogc.CRS84
	if v := c.QueryParam("crs"); v != "" {
		if crs, err = ogc.ParseCRS(v); err != nil {
			return err
		}
	}
	// OGC API feature ids are opaque: one that is not a row id names no feature.
	fid, err := pathID(c, "fid", "要素")
	notFound := renew.NotFound("要素 %q 不存在 (no feature %q in %s)", clipText(c.Param("fid"), 30), clipText(c.Param("fid"), 30), x.layer.ID)
	if err != nil {
		return notFound
	}
	fq := ogc.FeatureQuery{Layer: x.layer, WithCode: x.hasCode, ID: fid,
		SRID: crs.SRID, NorthFirst: crs.NorthFirst, Decimals: decimals(crs)}
	var geom, props []byte
	found := false
	err = o.f.src.Features(ctx, fq, func(f *ogc.Feature) error {
		geom, props, found = bytes.Clone(f.Geometry), bytes.Clone(f.Properties), true
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return notFound
	}
	collURL := ogcBase(c) + "/collections/" + url.PathEscape(x.layer.ID)
	links := ogc.FeatureLinks(collURL, fid, format)
	c.Response().Header().Set("Content-Crs", crs.ContentCrs())
	if format == ogc.HTML {
		cols := x.properties()
		labels, err := o.labels(ctx)
		if err != nil {
			return err
		}
		row := ogc.NewItemRow(fid, links[0].Href, geom, props, cols, labels)
		return respond(c, format, "", nil, func() ogc.Page {
			return ogc.Page{Title: x.layer.Title + " #" + strconv.FormatInt(fid, 10), Links: links,
				Items: &ogc.ItemsPage{Collection: x.layer.ID, CRS: crs.URI, NumberMatched: 1, NumberReturned: 1,
					Columns: cols, Rows: []ogc.ItemRow{row}}}
		})
	}
	doc := struct {
		Type       string          `json:"type"`
		ID         int64           `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
		Links      []ogc.Link      `json:"links"`
	}{"Feature", fid, geom, props, links}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ogc.MediaGeoJSON, b)
}

// streamFeatures writes the features of fq as one FeatureCollection, row by row as the database
// sends them. Nothing is sent before the first row arrives (or the query ends), so an error of
// the query itself is still answered with a JSON error; a failure after that cuts the
// connection, so the client sees a broken transfer rather than a short file that parses.
// prepare, if set, runs just before the response is committed (to set headers).
func (x *features) stream(ctx context.Context, c echo.Context, r ogc.FeatureReader, fq ogc.FeatureQuery,
	media string, h export.Header, prepare func()) error {
	var fw *export.FeatureWriter
	start := func() error {
		if prepare != nil {
			prepare()
		}
		c.Response().Header().Set(echo.HeaderContentType, media)
		c.Response().WriteHeader(http.StatusOK)
		var err error
		fw, err = export.NewFeatureWriter(c.Response(), h)
		return err
	}
	err := r.Features(ctx, fq, func(f *ogc.Feature) error {
		if fw == nil {
			if err := start(); err != nil {
				return err
			}
		}
		return fw.Write(f.ID, f.Geometry, f.Properties)
	})
	if err == nil && fw == nil {
		err = start()
	}
	if err == nil {
		err = fw.Close(export.Member{Key: "numberReturned", Value: fw.Count()})
	}
	if err != nil && c.Response().Committed {
		x.abort(c, err)
	}
	return err
}

// abort ends a response that is already under way by cutting the connection (net/http does so
// quietly for http.ErrAbortHandler, which Echo's recovery passes on), after logging why. A
// client that went away is logged as such, not as a fault.
func (x *features) abort(c echo.Context, err error) {
	level := slog.LevelError
	if errors.Is(err, context.Canceled) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		level = slog.LevelInfo
	}
	x.log.Log(c.Request().Context(), level, "stream aborted", "path", c.Request().URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}

// clipText shortens user input echoed in a message.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
