package postgis

import (
	"context"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/renew"
)

// Labels returns the Chinese label of every coded value: enumeration → code → label. Besides the
// label tables it includes facility_kind (from facility_kinds) and subdistrict (code → name).
func (db *DB) Labels(ctx context.Context) (map[string]map[string]string, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT enum, code, label_zh FROM enum_labels
		UNION ALL SELECT 'facility_kind', code, name FROM facility_kinds
		UNION ALL SELECT 'subdistrict', code, name FROM subdistricts`)
	if err != nil {
		return nil, mapError(err, "labels")
	}
	out := map[string]map[string]string{}
	var enum, code, label string
	_, err = pgx.ForEachRow(rows, []any{&enum, &code, &label}, func() error {
		if out[enum] == nil {
			out[enum] = map[string]string{}
		}
		out[enum][code] = label
		return nil
	})
	return out, mapError(err, "labels")
}

// SearchCommunities returns up to limit communities whose name contains q (any case), ordered by
// name; an empty q matches all.
func (db *DB) SearchCommunities(ctx context.Context, q string, limit int) ([]renew.CommunitySummary, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT c.id, c.code, c.name, s.code, s.name, p.stage, p.batch, c.is_old,
		       ST_X(ST_Transform(c.label_3857, 4326)), ST_Y(ST_Transform(c.label_3857, 4326)),
		       ST_XMin(c.geom), ST_YMin(c.geom), ST_XMax(c.geom), ST_YMax(c.geom)
		FROM communities c
		JOIN subdistricts s ON s.id = c.subdistrict_id
		LEFT JOIN plans p ON p.community_id = c.id
		WHERE strpos(lower(c.name), lower($1)) > 0
		ORDER BY c.name, c.id
		LIMIT $2`, q, limit)
	if err != nil {
		return nil, mapError(err, "search communities")
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.CommunitySummary, error) {
		var h renew.CommunitySummary
		err := r.Scan(&h.ID, &h.Code, &h.Name, &h.Subdistrict, &h.SubdistrictName, &h.Stage, &h.Batch, &h.IsOld,
			&h.Center[0], &h.Center[1], &h.BBox[0], &h.BBox[1], &h.BBox[2], &h.BBox[3])
		return h, err
	})
	return hits, mapError(err, "search communities")
}

// Extent returns the bounding box (west, south, east, north) of the district outlines and
// communities together, and the centre of the communities (where a map should open); ok is false
// when there is no data.
func (db *DB) Extent(ctx context.Context) (box [4]float64, center [2]float64, ok bool, err error) {
	var w, s, e, n, cx, cy *float64
	err = db.Pool.QueryRow(ctx, `
		WITH a AS (SELECT ST_Extent(geom) AS x FROM (
		             SELECT geom FROM districts UNION ALL SELECT geom FROM communities) g),
		     c AS (SELECT ST_Extent(geom) AS x FROM communities)
		SELECT ST_XMin(a.x), ST_YMin(a.x), ST_XMax(a.x), ST_YMax(a.x),
		       (ST_XMin(coalesce(c.x, a.x)) + ST_XMax(coalesce(c.x, a.x))) / 2,
		       (ST_YMin(coalesce(c.x, a.x)) + ST_YMax(coalesce(c.x, a.x))) / 2
		FROM a, c`).Scan(&w, &s, &e, &n, &cx, &cy)
	if err != nil || w == nil {
		return box, center, false, mapError(err, "extent")
	}
	return [4]float64{*w, *s, *e, *n}, [2]float64{*cx, *cy}, true, nil
}

// Sources returns the distinct sources recorded on the district outlines (for example
// "© OpenStreetMap contributors, ODbL 1.0" after an OSM import), for the map's attribution.
func (db *DB) Sources(ctx context.Context) ([]string, error) {
	rows, err := db.Pool.Query(ctx, "SELECT DISTINCT source FROM districts WHERE coalesce(source, '') <> '' ORDER BY 1")
	if err != nil {
		return nil, mapError(err, "sources")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, mapError(err, "sources")
}
