package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"renewmap/internal/ogc"
	"renewmap/internal/renew"
	"renewmap/internal/tiles"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

type reader struct{ q querier }

// Features implements ogc.FeatureReader on the pool.
func (db *DB) Features(ctx context.Context, q ogc.FeatureQuery, each func(*ogc.Feature) error) error {
	return reader{db.Pool}.Features(ctx, q, each)
}

// CountFeatures implements ogc.FeatureReader on the pool.
func (db *DB) CountFeatures(ctx context.Context, q ogc.FeatureQuery) (int64, error) {
	return reader{db.Pool}.CountFeatures(ctx, q)
}

// Place implements ogc.FeatureReader on the pool.
func (db *DB) Place(ctx context.Context, kind string, id int) (ogc.Place, error) {
	return reader{db.Pool}.Place(ctx, kind, id)
}

// Export runs fn on one read-only, repeatable-read snapshot (so the files of a bundle agree
// with each other) whose statements may run for timeout: a large download outlives the
// ordinary statement timeout.
func (db *DB) Export(ctx context.Context, timeout time.Duration, fn func(ogc.FeatureReader) error) error {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapError(err, "export: begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only: nothing to undo
	if _, err := tx.Exec(ctx, "SELECT set_config('statement_timeout', $1, true)",
		strconv.FormatInt(timeout.Milliseconds(), 10)); err != nil {
		return mapError(err, "export: statement timeout")
	}
	if err := fn(reader{tx}); err != nil {
		return err
	}
	return mapError(tx.Commit(ctx), "export: commit")
}

// FeatureColumns reports whether table (a catalogue table or view) has the stored EPSG:4326
// geometry column geom, without which it is no feature collection, and a code column. ok is
// false when the table does not exist (yet: the schema may still be migrating).
func (db *DB) FeatureColumns(ctx context.Context, table string) (hasGeom, hasCode, ok bool, err error) {
	var n int
	err = db.Pool.QueryRow(ctx, `
		SELECT count(*), coalesce(bool_or(attname = 'geom'), false), coalesce(bool_or(attname = 'code'), false)
		FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
		pgx.Identifier{table}.Sanitize()).Scan(&n, &hasGeom, &hasCode)
	if err != nil {
		return false, false, false, mapError(err, "feature columns")
	}
	return hasGeom, hasCode, n > 0, nil
}

// LayerExtent returns the bounding box (west, south, east, north, EPSG:4326) of a layer's
// features; ok is false when it has none.
func (db *DB) LayerExtent(ctx context.Context, l *tiles.Layer) (box [4]float64, ok bool, err error) {
	var w, s, e, n *float64
	err = db.Pool.QueryRow(ctx, fmt.Sprintf(`
		SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x)
		FROM (SELECT ST_Extent(geom) AS x FROM %s) t`, pgx.Identifier{l.Table}.Sanitize())).Scan(&w, &s, &e, &n)
	if err != nil || w == nil {
		return box, false, mapError(err, "layer extent "+l.ID)
	}
	return [4]float64{*w, *s, *e, *n}, true, nil
}

// placeTables are the tables a download can be clipped to.
var placeTables = map[string]string{"community": "communities", "area": "areas"}

func (r reader) Place(ctx context.Context, kind string, id int) (ogc.Place, error) {
	table, ok := placeTables[kind]
	if !ok {
		return ogc.Place{}, fmt.Errorf("place kind %q", kind)
	}
	p := ogc.Place{Kind: kind, ID: id}
	err := r.q.QueryRow(ctx, "SELECT code, name FROM "+table+" WHERE id = $1", id).Scan(&p.Code, &p.Name)
	if err != nil {
		err = mapError(err, "place")
		if errors.Is(err, renew.ErrNotFound) {
			zh := map[string]string{"community": "小区", "area": "片区"}[kind]
			return ogc.Place{}, renew.NotFound("%s %d 不存在 (no %s with id %d)", zh, id, kind, id)
		}
		return ogc.Place{}, err
	}
	return p, nil
}

func (r reader) Features(ctx context.Context, q ogc.FeatureQuery, each func(*ogc.Feature) error) error {
	sql, args := featureSQL(q)
	rows, err := r.q.Query(ctx, sql, args...)
	if err != nil {
		return mapError(err, "features "+q.Layer.ID)
	}
	defer rows.Close()
	var f ogc.Feature
	for rows.Next() {
		if err := rows.Scan(&f.ID, nil, nil); err != nil {
			return mapError(err, "features "+q.Layer.ID)
		}
		// The raw values are the texts themselves (text has the same binary and text form);
		// passing them on without a copy keeps memory flat.
		raw := rows.RawValues()
		f.Geometry, f.Properties = raw[1], raw[2]
		if err := each(&f); err != nil {
			return err
		}
	}
	return mapError(rows.Err(), "features "+q.Layer.ID)
}

func (r reader) CountFeatures(ctx context.Context, q ogc.FeatureQuery) (int64, error) {
	q.Limit, q.Offset = 0, 0
	from, where, args := featureFrom(q)
	var n int64
	err := r.q.QueryRow(ctx, "SELECT count(*) FROM "+from+where, args...).Scan(&n)
	return n, mapError(err, "count features "+q.Layer.ID)
}

// featureFrom returns the FROM list and WHERE clause of q, with their arguments. Identifiers
// come from the validated catalogue, quoted; every value is a bound parameter.
func featureFrom(q ogc.FeatureQuery) (from, where string, args []any) {
	ident := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	from = ident(q.Layer.Table) + " t"
	var conds []string
	if q.Community > 0 || q.Area > 0 {
		table, id := "communities", q.Community
		if q.Area > 0 {
			table, id = "areas", q.Area
		}
		from += fmt.Sprintf(" CROSS JOIN (SELECT geom AS g FROM %s WHERE id = %s) c", table, arg(id))
		// Points on the outline (gates in the wall) count as inside; lines and polygons must
		// share interior with it, so a neighbour that only touches the wall stays out.
		conds = append(conds, `t.geom && ST_Expand(c.g, 1e-7) AND CASE WHEN ST_Dimension(t.geom) = 0
			THEN ST_DWithin(t.geom, c.g, 1e-7) ELSE ST_Relate(t.geom, c.g, 'T********') END`)
	}
	if q.BBox != nil {
		srid := q.BBoxSRID
		if srid == 0 {
			srid = 4326
		}
		env := fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %s::int)",
			arg(q.BBox[0]), arg(q.BBox[1]), arg(q.BBox[2]), arg(q.BBox[3]), arg(srid))
		if srid != 4326 {
			// Densified before reprojection, so the box's edges stay where they were drawn.
			env = fmt.Sprintf("ST_Transform(ST_Segmentize(%s, (%s::float8 - %s::float8) / 32), 4326)",
				env, arg(q.BBox[2]), arg(q.BBox[0]))
		}
		conds = append(conds, fmt.Sprintf("t.geom && %[1]s AND ST_Intersects(t.geom, %[1]s)", env))
	}
	for _, f := range q.Filters {
		cast := "text"
		switch f.Value.(type) {
		case float64:
			cast = "float8"
		case bool:
			cast = "boolean"
		}
		conds = append(conds, fmt.Sprintf("t.%s = %s::%s", ident(f.Name), arg(f.Value), cast))
	}
	if q.ID != 0 {
		conds = append(conds, "t.id = "+arg(q.ID))
	}
	if len(conds) > 0 {
		where = "\nWHERE " + strings.Join(conds, "\n  AND ")
	}
	return from, where, args
}

// featureSQL is the query of q: id, ST_AsGeoJSON text and a JSON object of the properties (in
// catalogue order) per row.
func featureSQL(q ogc.FeatureQuery) (string, []any) {
	ident := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	from, where, args := featureFrom(q)
	props := make([]string, 0, 2*len(q.Layer.Properties)+2)
	seen := map[string]bool{}
	if q.WithCode {
		props = append(props, "'code'", "t.code")
		seen["code"] = true
	}
	for _, p := range q.Layer.Properties {
		if !seen[p.Name] {
			seen[p.Name] = true
			props = append(props, "'"+p.Name+"'", "t."+ident(p.Name))
		}
	}
	g := "t.geom"
	if q.Layer.Geometry3D != "" {
		// The 3D geometry where it is known (the catalogue names its column).
		g = fmt.Sprintf("coalesce(t.%s, t.geom)", ident(q.Layer.Geometry3D))
	}
	if q.Clip && (q.Community > 0 || q.Area > 0) {
		// Lines and polygons cut to the outline, keeping their own dimension (a polygon that
		// shares only an edge gives an empty result and is dropped below); points as they are.
		// GEOS interpolates the Z of the cut ends.
		g = fmt.Sprintf(`CASE WHEN ST_Dimension(t.geom) = 0 THEN %[1]s
			ELSE ST_CollectionExtract(ST_Intersection(%[1]s, c.g), ST_Dimension(t.geom) + 1) END`, g)
	}
	srid := q.SRID
	if srid == 0 {
		srid = 4326
	}
	// RFC 7946: exterior rings counter-clockwise (the right-hand rule), holes clockwise. Only
	// for polygons: PostGIS 3.3.2 reverses a LineString given to ST_ForcePolygonCCW, which would
	// turn every line (a drain's flow direction) around.
	out := "CASE WHEN ST_Dimension(f.g) = 2 THEN ST_ForcePolygonCCW(f.g) ELSE f.g END"
	if srid != 4326 {
		out = fmt.Sprintf("ST_Transform(%s, %d)", out, srid)
	}
	if q.NorthFirst {
		out = "ST_FlipCoordinates(" + out + ")"
	}
	dec := q.Decimals
	if dec <= 0 {
		dec = 7
	}
	sql := fmt.Sprintf(`SELECT f.id, ST_AsGeoJSON(%s, %d, 0), f.props FROM (
  SELECT t.id::int8 AS id, %s AS g, json_build_object(%s)::text AS props
  FROM %s%s) f
WHERE NOT ST_IsEmpty(f.g)
ORDER BY f.id`, out, dec, g, strings.Join(props, ", "), from, where)
	if q.Limit > 0 {
		args = append(args, q.Limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	if q.Offset > 0 {
		args = append(args, q.Offset)
		sql += " OFFSET $" + strconv.Itoa(len(args))
	}
	return sql, args
}
