package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

// TileSource renders tiles and tells where the data lies.
type TileSource interface {
	// Tile renders ls (all visible at c.Z) as one MVT; empty means no feature. Errors are
	// renew kinds (ErrUnavailable when the database fails or times out).
	Tile(ctx context.Context, ls []*tiles.Layer, c tiles.Coord) ([]byte, error)
	// Extent returns the data's bounding box and the centre of the communities.
	Extent(ctx context.Context) (box [4]float64, center [2]float64, ok bool, err error)
	// Sources returns the sources recorded with the loaded data (OSM's attribution, say).
	Sources(ctx context.Context) ([]string, error)
}

// TileStore is the optional shared tile store (postgis.TileStore): tiles kept in the database
// for every instance.
type TileStore interface {
	// Snapshot returns the database's snapshot, taken before a render and given to Save.
	Snapshot(ctx context.Context) (string, error)
	Load(ctx context.Context, key string) (*tiles.Tile, bool, error)
	// Save stores a tile unless a change reaching it was not visible in snap.
	Save(ctx context.Context, key string, m tiles.Meta, t *tiles.Tile, snap string) error
}

// tileServer holds the tile endpoints' state.
type tileServer struct {
	cat     *tiles.Catalogue
	src     TileSource
	cache   *tiles.Cache
	store   TileStore // nil without -tile-store
	timeout time.Duration
	style   []byte
	// styles holds, for every role, the style without what the role may not see.
	styles map[renew.Role][]byte
	flight singleflight.Group
	// cacheLookup is told whether each cache lookup hit (metrics).
	cacheLookup func(hit bool)
	// active counts the users' tile requests in flight: the prewarmer waits while there are any.
	active atomic.Int64
	warm   *warmer
}

const (
	mvtType = "application/vnd.mapbox-vector-tile"
	// tileCacheControl: private, since what a tile holds depends on the user's role; no-cache,
	// so the browser revalidates every tile by its ETag (a 304 from the server's memory, well
	// under a millisecond) and an edit shows on the editor's map at once, not a minute later.
	tileCacheControl = "private, no-cache"
)

func (s *server) routesTiles(e *echo.Group) {
	style, _ := fs.ReadFile(tilefiles.FS, "style.json")
	if withBase, err := withBaseMap(style, s.cfg, s.deps.BaseMap); err != nil {
		s.log.Error("base map not added to the style", "err", err)
	} else {
		style = withBase
	}
	t := &tileServer{cat: s.deps.Catalogue, src: s.deps.Tiles,
		cache: s.deps.TileCache, store: s.deps.TileStore, timeout: s.cfg.TileTimeout, style: style,
		cacheLookup: s.metrics.TileCache}
	t.styles = map[renew.Role][]byte{}
	for _, r := range renew.Roles {
		t.styles[r] = t.styleFor(r)
	}
	if t.cache != nil && s.cfg.TilePrewarm {
		t.warm = newWarmer(t)
	}
	g := e.Group("/tiles", s.require(nil))
	g.GET("/:layer/:z/:x/:y", t.tile)
	g.GET("/:file", t.document)
	// Echo answers HEAD only where it is routed; caches and monitors ask it of tiles.
	g.HEAD("/:layer/:z/:x/:y", t.tile)
	g.HEAD("/:file", t.document)
}

// layers resolves a layer path segment, "all" (every layer but the overlays) or one catalogue
// id, to the layers the role may see, and names that set for cache keys: a composite tile
// without the sensitive layers is a different tile.
func (t *tileServer) layers(id string, role renew.Role) ([]*tiles.Layer, string, error) {
	if id == "all" {
		var ls []*tiles.Layer
		for _, l := range t.cat.ForRole(role) {
			if !l.Overlay {
				ls = append(ls, l)
			}
		}
		if role.SeesSensitive() {
			return ls, "all", nil
		}
		return ls, "all-public", nil
	}
	l := t.cat.Layer(id)
	if l == nil {
		return nil, "", renew.NotFound("unknown layer %q", id)
	}
	if !l.SeenBy(role) {
		return nil, "", tiles.ErrHidden
	}
	return []*tiles.Layer{l}, id, nil
}

func (t *tileServer) tile(c echo.Context) error {
	t.active.Add(1)
	defer t.active.Add(-1)
	ls, set, err := t.layers(c.Param("layer"), roleOf(c))
	if err != nil {
		return err
	}
	coord, err := tiles.ParseCoord(c.Param("z"), c.Param("x"), c.Param("y"))
	if err != nil {
		return err
	}
	if t.warm != nil {
		t.warm.asked(set, ls)
	}
	ls = tiles.VisibleAt(ls, coord.Z)
	tile, from, err := t.get(c.Request().Context(), set, ls, coord)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Cache", from)
	h.Set("Cache-Control", tileCacheControl)
	return serveCached(c, tile.ETag, mvtType, tile.Raw, func() []byte {
		if tile.Gzip == nil {
			gz := gzipBytes(tile.Raw, gzip.BestSpeed)
			t.cache.SetGzip(tileKey(set, coord), tile, gz)
			return gz
		}
		return tile.Gzip
	})
}

func tileKey(set string, c tiles.Coord) string {
	return set + "/" + strconv.Itoa(c.Z) + "/" + strconv.Itoa(c.X) + "/" + strconv.Itoa(c.Y)
}

// get returns the tile of layer set set (ls, all visible at coord.Z) from the cache or renders
// it; concurrent requests for the same tile share one query. The cache keeps it unless a change
// reached it while it was rendered. from says where it came from: HIT (the cache), STORE (the
// shared tile store) or MISS (rendered).
func (t *tileServer) get(ctx context.Context, set string, ls []*tiles.Layer, coord tiles.Coord) (tile *tiles.Tile, from string, err error) {
	key := tileKey(set, coord)
	tile, ok := t.cache.Get(key)
	t.cacheLookup(ok)
	if ok {
		return tile, "HIT", nil
	}
	if len(ls) == 0 {
		return emptyTile, "HIT", nil
	}
	type got struct {
		tile *tiles.Tile
		from string
	}
	v, err, _ := t.flight.Do(key, func() (any, error) {
		gen := t.cache.Gen()
		m := tiles.Meta{Set: set, Layers: layerIDs(ls), Coord: coord}
		// The shared query must not die with the first requester's connection.
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.timeout)
		defer cancel()
		var snap string
		if t.store != nil {
			// The store is a help, not a need: when it fails the tile is rendered.
			if tile, ok, err := t.store.Load(qctx, key); err == nil && ok {
				t.cache.Put(key, m, tile, gen)
				return got{tile, "STORE"}, nil
			}
			snap, _ = t.store.Snapshot(qctx)
		}
		raw, err := t.src.Tile(qctx, ls, coord)
		if err != nil {
			return nil, err
		}
		tile := &tiles.Tile{Raw: raw, ETag: tileETag(raw)}
		t.cache.Put(key, m, tile, gen)
		if snap != "" {
			t.store.Save(qctx, key, m, tile, snap)
		}
		return got{tile, "MISS"}, nil
	})
	if err != nil {
		return nil, "", err
	}
	g := v.(got)
	return g.tile, g.from, nil
}

// emptyTile is the tile of a zoom where no layer of the set is shown.
var emptyTile = &tiles.Tile{ETag: tileETag(nil)}

// tileETag is the ETag of a tile's bytes: the same content keeps its ETag however often it is
// rendered again.
func tileETag(raw []byte) string {
	h := fnv.New64a()
	h.Write(raw)
	return fmt.Sprintf(`"%x-%x"`, h.Sum64(), len(raw))
}

// document serves style.json and the TileJSON of a layer or of "all".
func (t *tileServer) document(c echo.Context) error {
	file := c.Param("file")
	if file == "style.json" {
		if len(t.style) == 0 {
			return renew.NotFound("no map style is installed")
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		style, ok := t.styles[roleOf(c)]
		if !ok {
			style = t.styleFor(roleOf(c))
		}
		body := bytes.ReplaceAll(style, []byte("{base}"), []byte(origin(c)))
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	}
	id, ok := strings.CutSuffix(file, ".json")
	if !ok {
		return renew.NotFound("unknown tile document %q", file)
	}
	ls, _, err := t.layers(id, roleOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t.tileJSON(c, id, ls))
}

// origin is the scheme and host the client used, for absolute URLs (tile URLs must be absolute:
// MapLibre fetches them from a worker where relative URLs do not resolve).
func origin(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

func (t *tileServer) tileJSON(c echo.Context, id string, ls []*tiles.Layer) map[string]any {
	minz, maxz := tiles.MaxZoom, 0
	vls := make([]vectorLayer, 0, len(ls))
	for _, l := range ls {
		minz, maxz = min(minz, l.MinZoom), max(maxz, l.MaxZoom)
		fields := map[string]string{}
		for _, p := range l.Properties {
			fields[p.Name] = p.Title
		}
		vls = append(vls, vectorLayer{l.ID, l.Title, l.MinZoom, l.MaxZoom, fields})
	}
	doc := map[string]any{
		"tilejson":      "3.0.0",
		"name":          "renewmap " + id,
		"scheme":        "xyz",
		"tiles":         []string{origin(c) + "/tiles/" + id + "/{z}/{x}/{y}.mvt"},
		"minzoom":       minz,
		"maxzoom":       maxz,
		"attribution":   t.attribution(c.Request().Context()),
		"vector_layers": vls,
	}
	if box, center, ok, err := t.src.Extent(c.Request().Context()); err == nil && ok {
		doc["bounds"] = box
		doc["center"] = []float64{center[0], center[1], 14}
	}
	return doc
}

// styleFor returns the style role is given: every style layer that draws a source layer the role
// may not see (Layer.SeenBy), and the source of such an overlay, removed, so roles that may not
// see pipelines are not offered them. A style that does not parse is returned as it is (the map
// will then fail visibly, not silently leak).
func (t *tileServer) styleFor(role renew.Role) []byte {
	style, cat := t.style, t.cat
	var doc map[string]any
	if cat == nil || json.Unmarshal(style, &doc) != nil {
		return style
	}
	sources, _ := doc["sources"].(map[string]any)
	for id := range sources {
		if cl := cat.Layer(id); cl != nil && !cl.SeenBy(role) {
			delete(sources, id)
		}
	}
	layers, _ := doc["layers"].([]any)
	kept := make([]any, 0, len(layers))
	for _, l := range layers {
		m, _ := l.(map[string]any)
		src, _ := m["source-layer"].(string)
		if cl := cat.Layer(src); cl != nil && !cl.SeenBy(role) {
			continue
		}
		kept = append(kept, l)
	}
	doc["layers"] = kept
	out, err := json.Marshal(doc)
	if err != nil {
		return style
	}
	return out
}

// attribution is the catalogue's attribution plus every source recorded with the loaded data
// that it does not already name (an OSM import adds "© OpenStreetMap contributors").
func (t *tileServer) attribution(ctx context.Context) string {
	a := t.cat.Attribution
	sources, err := t.src.Sources(ctx)
	if err != nil {
		return a
	}
	for _, s := range sources {
		if !strings.Contains(a, s) {
			a += " · " + s
		}
	}
	return a
}
