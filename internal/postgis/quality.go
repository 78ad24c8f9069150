package postgis

import (
	"context"
	"sort"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/access"
	"renewmap/internal/topology"
)

// FarFromNetwork is the distance in metres beyond which a building or facility counts as not
// snapped: it has no walkable road that near, so every distance from it starts with a long
// straight walk.
const FarFromNetwork = 100

// maxFarListed bounds the far buildings and facilities the quality report lists (all are
// counted), and the features of unknown year and the provisional communities.
const maxFarListed = 500

// Quality gathers the data-quality report: the engine's isolated communities and unsnapped count,
// the stored network's dangles (opt as for an import; nothing is changed), buildings and
// facilities far from the network, unknown values and facility kinds without any data. It
// returns renew.ErrUnavailable when the database cannot be reached.
func (db *DB) Quality(ctx context.Context, e *access.Engine, opt topology.Options) (access.Quality, error) {
	q := access.Quality{Version: e.Version(), Unsnapped: e.Stats().Unsnapped, Isolated: []access.IsolatedCommunity{}}
	topo, err := db.Topology(ctx, opt)
	if err != nil {
		return q, err
	}
	q.Dangles = topo.Dangles
	if q.Isolated, err = db.isolated(ctx, e.Isolation()); err != nil {
		return q, err
	}
	if q.Far, q.FarCount, err = db.far(ctx); err != nil {
		return q, err
	}
	if q.Unknown, err = db.unknownValues(ctx); err != nil {
		return q, err
	}
	if q.UnknownYear, q.UnknownYearCount, err = db.placed(ctx, unknownYearSQL); err != nil {
		return q, err
	}
	if q.Provisional, _, err = db.placed(ctx, provisionalSQL); err != nil {
		return q, err
	}
	q.NoData, err = db.NoDataKinds(ctx)
	return q, err
}

func (db *DB) isolated(ctx context.Context, iso []access.Isolated) ([]access.IsolatedCommunity, error) {
	out := make([]access.IsolatedCommunity, 0, len(iso))
	ids := make([]int64, len(iso))
	for i, c := range iso {
		ids[i] = c.Community
	}
	rows, err := db.Pool.Query(ctx, `SELECT id, code, name, households FROM communities WHERE id = ANY ($1)`, ids)
	if err != nil {
		return nil, mapError(err, "quality: isolated communities")
	}
	type info struct {
		code, name string
		households int
	}
	byID := map[int64]info{}
	var id int64
	var in info
	if _, err := pgx.ForEachRow(rows, []any{&id, &in.code, &in.name, &in.households}, func() error {
		byID[id] = in
		return nil
	}); err != nil {
		return nil, mapError(err, "quality: isolated communities")
	}
	for _, c := range iso {
		in := byID[c.Community]
		out = append(out, access.IsolatedCommunity{Isolated: c, Code: in.code, Name: in.name, Households: in.households})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Households > out[b].Households })
	return out, nil
}

func (db *DB) far(ctx context.Context) ([]access.FarFeature, int, error) {
	rows, err := db.Pool.Query(ctx, `
		WITH f AS (
		  SELECT 'buildings' AS layer, b.id, b.code, c.name || ' ' || b.number AS name, ST_PointOnSurface(b.geom) AS p
		  FROM buildings b JOIN communities c ON c.id = b.community_id
		  UNION ALL
		  SELECT 'facilities', f.id, f.code, coalesce(f.name, k.name), f.geom
		  FROM facilities f JOIN facility_kinds k ON k.code = f.kind
		), d AS (
		  SELECT f.*, (SELECT ST_Distance(r.geom::geography, f.p::geography) FROM roads r
		               WHERE r.walkable ORDER BY r.geom <-> f.p LIMIT 1) AS dist
		  FROM f
		)
		SELECT layer, id, code, name, ST_X(p), ST_Y(p), dist, count(*) OVER ()
		FROM d WHERE dist IS NULL OR dist > $1
		ORDER BY dist DESC NULLS FIRST, layer, id
		LIMIT $2`, FarFromNetwork, maxFarListed)
	if err != nil {
		return nil, 0, mapError(err, "quality: far from the network")
	}
	out := []access.FarFeature{}
	var f access.FarFeature
	var total int
	if _, err := pgx.ForEachRow(rows, []any{&f.Layer, &f.ID, &f.Code, &f.Name, &f.Point[0], &f.Point[1], &f.Distance, &total}, func() error {
		if f.Distance != nil {
			d := float64(int(*f.Distance*10+0.5)) / 10
			f.Distance = &d
		}
		out = append(out, f)
		f.Distance = nil
		return nil
	}); err != nil {
		return nil, 0, mapError(err, "quality: far from the network")
	}
	return out, total, nil
}

// unknownYearSQL lists the communities and buildings without a known completed year, largest
// first (the most households to survey).
const unknownYearSQL = `
	SELECT 'communities', c.id, c.code, c.name, ST_PointOnSurface(c.geom) AS p, c.households AS n
	FROM communities c WHERE c.completed_year IS NULL OR c.completed_year = 1900
	UNION ALL
	SELECT 'buildings', b.id, b.code, c.name || ' ' || b.number, ST_PointOnSurface(b.geom), b.households
	FROM buildings b JOIN communities c ON c.id = b.community_id
	WHERE b.completed_year IS NULL OR b.completed_year = 1900`

// provisionalSQL lists the provisional (待核实) communities.
const provisionalSQL = `
	SELECT 'communities', c.id, c.code, c.name, ST_PointOnSurface(c.geom) AS p, c.households AS n
	FROM communities c WHERE c.provisional`

// placed runs one of the queries above (layer, id, code, name, p, n), most households first, the
// first maxFarListed of them, and their count.
func (db *DB) placed(ctx context.Context, query string) ([]access.PlacedFeature, int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT layer, id, code, name, ST_X(p), ST_Y(p), count(*) OVER ()
		FROM (`+query+`) AS f (layer, id, code, name, p, n) ORDER BY n DESC, layer, id LIMIT $1`, maxFarListed)
	if err != nil {
		return nil, 0, mapError(err, "quality: features")
	}
	out := []access.PlacedFeature{}
	var f access.PlacedFeature
	var total int
	if _, err := pgx.ForEachRow(rows, []any{&f.Layer, &f.ID, &f.Code, &f.Name, &f.Point[0], &f.Point[1], &total}, func() error {
		out = append(out, f)
		return nil
	}); err != nil {
		return nil, 0, mapError(err, "quality: features")
	}
	return out, total, nil
}

// unknownColumns are the columns a source may leave unknown, with their Chinese labels.
var unknownColumns = []struct{ layer, column, label string }{
	{"communities", "completed_year", "小区建成年份"},
	{"communities", "property_type", "产权性质"},
	{"communities", "management", "管理方式"},
	{"buildings", "completed_year", "楼栋建成年份"},
	{"buildings", "structure", "建筑结构"},
}

func (db *DB) unknownValues(ctx context.Context) ([]access.UnknownValues, error) {
	out := make([]access.UnknownValues, 0, len(unknownColumns))
	for _, c := range unknownColumns {
		u := access.UnknownValues{Layer: c.layer, Column: c.column, Label: c.label}
		col, table := pgx.Identifier{c.column}.Sanitize(), pgx.Identifier{c.layer}.Sanitize()
		placeholder := "false"
		if c.column == "completed_year" {
			placeholder = col + " = 1900"
		}
		if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE `+col+` IS NULL),
			count(*) FILTER (WHERE `+placeholder+`) FROM `+table).Scan(&u.Rows, &u.Unknown, &u.Placeholder); err != nil {
			return nil, mapError(err, "quality: unknown values of "+c.layer)
		}
		out = append(out, u)
	}
	return out, nil
}

// NoDataKinds lists the facility kinds of which the dataset holds no facility at all, existing or
// planned: their coverage says nothing about the ground (无数据), so they are not gaps (配套缺口).
// It returns renew.ErrUnavailable when the database cannot be reached.
func (db *DB) NoDataKinds(ctx context.Context) ([]access.Named, error) {
	rows, err := db.Pool.Query(ctx, noDataKindsSQL)
	if err != nil {
		return nil, mapError(err, "quality: facility kinds without data")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[access.Named])
	if err != nil {
		return nil, mapError(err, "quality: facility kinds without data")
	}
	return out, nil
}

const noDataKindsSQL = `SELECT k.code, k.name FROM facility_kinds k
	WHERE NOT EXISTS (SELECT 1 FROM facilities f WHERE f.kind = k.code) ORDER BY k.sort, k.code`

// noDataKinds is the set of NoDataKinds' codes, read in tx.
func noDataKinds(ctx context.Context, tx pgx.Tx) (map[string]bool, error) {
	rows, err := tx.Query(ctx, noDataKindsSQL)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	var code, name string
	_, err = pgx.ForEachRow(rows, []any{&code, &name}, func() error {
		out[code] = true
		return nil
	})
	return out, err
}
