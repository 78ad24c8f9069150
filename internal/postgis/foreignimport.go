package postgis

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/foreign"
	"renewmap/internal/planning"
)

// ForeignOptions tune ImportForeign.
type ForeignOptions struct {
	Choice         foreign.CRSChoice // the coordinate system, when the file does not say
	AllowUnmatched bool              // a join imports the rows that match and reports the others
	Replace        bool              // see ImportOptions.Source
	DryRun         bool
	// Progress is told of the work done: the source's features read (the first half of total),
	// then the features written (the second half); total is twice the source layer's count.
	Progress func(layer string, done, total int)
	// List is the office's list of communities, naming the provisional communities of a mapping
	// with provisional (foreign.Gather).
	List []planning.ListedCommunity
}

// ForeignResult is what ImportForeign did: how the coordinates were brought to WGS84, the mapped
// features, and the import's report.
type ForeignResult struct {
	Plan   foreign.CRSPlan
	Mapped *foreign.Result
	Report ImportReport
	// Provisional is, for a mapping with provisional, the communities gathered (nil otherwise).
	Provisional *foreign.Gathered
}

// ImportForeign maps layer of src through m (docs/import.md) and imports it like Import, tracked
// under the mapping's source name. Errors are Import's, and the mapping's (renew.ErrInvalid,
// naming the feature or row).
func (db *DB) ImportForeign(ctx context.Context, src *foreign.Source, layer string, m *foreign.Mapping, opt ForeignOptions) (*ForeignResult, error) {
	info, err := src.Layer(layer)
	if err != nil {
		return nil, err
	}
	res := &ForeignResult{}
	if res.Plan, err = foreign.Plan(ctx, src.Name, info, opt.Choice); err != nil {
		return nil, err
	}
	cat, err := db.ForeignCatalog(ctx, m.Layer, m.Join != nil)
	if err != nil {
		return nil, err
	}
	n := max(info.Count, 1)
	var read func(int)
	var write func(string, int, int)
	if opt.Progress != nil {
		read = func(k int) { opt.Progress(info.Name, min(k, n), 2*n) }
		write = func(layer string, done, total int) { opt.Progress(layer, n+done*n/max(total, 1), 2*n) }
	}
	if res.Mapped, err = foreign.Apply(ctx, src, info.Name, m, res.Plan, cat, foreign.ApplyOptions{AllowUnmatched: opt.AllowUnmatched, Read: read}); err != nil {
		return nil, err
	}
	var files []ingest.File
	var provisional []string
	if m.Provisional {
		// Gather adds the clustered buildings to the mapped file.
		if res.Provisional, err = db.gather(ctx, res.Mapped, opt.List); err != nil {
			return nil, err
		}
		files = append(files, res.Provisional.File)
		provisional = res.Provisional.Codes()
	}
	files = append(files, res.Mapped.File)
	b, err := ingest.Parse(files)
	if err != nil {
		return nil, err
	}
	res.Report, err = db.Import(ctx, b, ImportOptions{Source: m.Layer + ":" + m.Source, Replace: opt.Replace, DryRun: opt.DryRun, Progress: write,
		Provisional: provisional})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// gather clusters the mapped buildings that have no community into provisional communities
// (foreign.Gather), the stored streets (public roads of the classes that bound street blocks,
// as ProposeOutlines) separating them, each in the 街道 holding it.
func (db *DB) gather(ctx context.Context, mapped *foreign.Result, list []planning.ListedCommunity) (*foreign.Gathered, error) {
	opt := foreign.GatherOptions{List: list}
	if len(mapped.Loose) > 0 {
		box := mapped.Loose[0].Feature.Geometry.Bound()
		for _, l := range mapped.Loose[1:] {
			box = box.Union(l.Feature.Geometry.Bound())
		}
		box = box.Pad(0.001) // about 100 m
		env := []any{box.Min[0], box.Min[1], box.Max[0], box.Max[1]}
		err := db.namedGeometries(ctx, `SELECT coalesce(name, ''), ST_AsGeoJSON(geom) FROM roads
			WHERE community_id IS NULL AND class IN `+streetClasses+` AND geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`, env,
			func(name string, g orb.Geometry) {
				if ls, ok := g.(orb.LineString); ok {
					opt.Streets = append(opt.Streets, foreign.Street{Name: name, Line: ls})
				}
			})
		if err != nil {
			return nil, mapError(err, "provisional communities: read the streets")
		}
		err = db.namedGeometries(ctx, `SELECT code, ST_AsGeoJSON(ST_Multi(geom)) FROM subdistricts
			WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY code`, env,
			func(code string, g orb.Geometry) {
				if mp, ok := g.(orb.MultiPolygon); ok {
					opt.Subdistricts = append(opt.Subdistricts, foreign.Place{Code: code, Area: mp})
				}
			})
		if err != nil {
			return nil, mapError(err, "provisional communities: read the subdistricts")
		}
		// The stored community holding each building (the smallest, where outlines nest).
		shapes := make([]string, len(mapped.Loose))
		for i, l := range mapped.Loose {
			js, err := geojson.NewGeometry(l.Feature.Geometry).MarshalJSON()
			if err != nil {
				return nil, err
			}
			shapes[i] = string(js)
		}
		opt.Inside = make([]string, len(shapes))
		rows, err := db.Pool.Query(ctx, `SELECT b.i, c.code
			FROM unnest($1::text[]) WITH ORDINALITY AS b(shape, i)
			CROSS JOIN LATERAL (SELECT code FROM communities
				WHERE ST_Covers(geom, ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(b.shape), 4326)))
				ORDER BY ST_Area(geom) LIMIT 1) c`, shapes)
		if err == nil {
			var i int
			var code string
			_, err = pgx.ForEachRow(rows, []any{&i, &code}, func() error {
				opt.Inside[i-1] = code
				return nil
			})
		}
		if err != nil {
			return nil, mapError(err, "provisional communities: find the communities holding the buildings")
		}
	}
	return foreign.Gather(mapped, opt)
}

// namedGeometries calls fn with each row of query: a text and a GeoJSON geometry.
func (db *DB) namedGeometries(ctx context.Context, query string, args []any, fn func(string, orb.Geometry)) error {
	rows, err := db.Pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	var name string
	var js []byte
	_, err = pgx.ForEachRow(rows, []any{&name, &js}, func() error {
		g, err := geojson.UnmarshalGeometry(js)
		if err != nil {
			return err
		}
		fn(name, g.Geometry())
		return nil
	})
	return err
}
