package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// Distances in EPSG:3857 are stretched by 1/cos(latitude); the queries below divide metres by
// k = cos(latitude) to get 3857 units and multiply 3857 lengths by k to get metres. Over a
// district the error is far below a metre, and the GiST indexes on the geom_3857 columns apply.

// PlanningSettings reads planning_settings.
func (db *DB) PlanningSettings(ctx context.Context) (planning.Settings, error) {
	s := planning.Settings{ParkingRatio: 0.6, ChargerShare: 0.1, DigBufferM: 5, SiteNearM: 200, AreaCloseM: 50}
	rows, _ := db.Pool.Query(ctx, `SELECT key, value::float8 FROM planning_settings`)
	var key string
	var v float64
	_, err := pgx.ForEachRow(rows, []any{&key, &v}, func() error {
		switch key {
		case "parking_ratio":
			s.ParkingRatio = v
		case "charger_share":
			s.ChargerShare = v
		case "dig_once_buffer_m":
			s.DigBufferM = v
		case "site_near_m":
			s.SiteNearM = v
		case "area_close_m":
			s.AreaCloseM = v
		}
		return nil
	})
	return s, mapError(err, "planning settings")
}

// ServiceLife reads the service life of each pipe material (pipe_service_life).
func (db *DB) ServiceLife(ctx context.Context) (planning.Life, error) {
	l := planning.Life{}
	rows, _ := db.Pool.Query(ctx, `SELECT material, years FROM pipe_service_life`)
	var m string
	var y int
	_, err := pgx.ForEachRow(rows, []any{&m, &y}, func() error { l[m] = y; return nil })
	return l, mapError(err, "pipe service life")
}

// MenuCosts reads the renovation menu with its unit costs in yuan, by code (for estimates).
func (db *DB) MenuCosts(ctx context.Context) (map[string]planning.MenuItem, error) {
	out := map[string]planning.MenuItem{}
	rows, _ := db.Pool.Query(ctx, `SELECT code, name, unit, unit_cost::float8 FROM renovation_menu`)
	var it planning.MenuItem
	_, err := pgx.ForEachRow(rows, []any{&it.Code, &it.Name, &it.Unit, &it.UnitCost}, func() error {
		out[it.Code] = it
		return nil
	})
	return out, mapError(err, "renovation menu")
}

// memberJSON builds a planning.Member as JSON from communities c, subdistricts s and plans p.
const memberJSON = `json_build_object('id', c.id, 'code', c.code, 'name', c.name, 'subdistrict', s.name,
	'buildings', c.building_count, 'households', c.households, 'floor_area', c.floor_area::float8,
	'completed_year', c.completed_year, 'is_old', c.is_old, 'batch', coalesce(p.batch, ''),
	'stage', coalesce(p.stage, ''))`

// outlineSQL is the outline of the geometries in u (EPSG:3857, one (Multi)Polygon) as EPSG:4326
// WKB: their union, closed over gaps up to $close metres (buffered out and back by half of it, with
// mitred corners so rectangles stay rectangles), so communities across a lane or a branch road
// make one 片区. k is cos(latitude).
const outlineSQL = `ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(
	CASE WHEN %[1]s > 0 THEN ST_Union(u, ST_Buffer(ST_Buffer(u, %[1]s / 2 / k, 'join=mitre'), -%[1]s / 2 / k, 'join=mitre'))
	     ELSE u END, 4326)), 3)))`

// SuggestAreas clusters old communities (completed by 2000) that touch or lie within q.Gap metres
// of each other (ST_ClusterDBSCAN with one point enough), and returns each cluster's members and
// outline (the union closed over gaps up to q.Gap). planning.Suggest shapes them.
func (db *DB) SuggestAreas(ctx context.Context, q planning.SuggestQuery) ([]planning.Cluster, error) {
	rows, _ := db.Pool.Query(ctx, `
		WITH sel AS (
			SELECT c.id, c.geom, c.geom_3857, `+memberJSON+` AS m
			FROM communities c
			JOIN subdistricts s ON s.id = c.subdistrict_id
			LEFT JOIN plans p ON p.community_id = c.id
			WHERE c.is_old IS NOT FALSE AND ($1::text[] IS NULL OR p.batch = ANY ($1)) AND ($2::text[] IS NULL OR p.stage = ANY ($2))
		), lat AS (
			SELECT cos(radians(ST_Y(ST_Centroid(ST_Collect(geom))))) AS k FROM sel
		), cl AS (
			SELECT sel.*, lat.k, ST_ClusterDBSCAN(geom_3857, eps := $3 / lat.k, minpoints := 1) OVER () AS cid
			FROM sel, lat
		)
		SELECT g.ms, `+fmt.Sprintf(outlineSQL, "$3::float8")+`
		FROM (SELECT cid, min(k) AS k, json_agg(m ORDER BY id) AS ms, ST_Union(geom_3857) AS u FROM cl GROUP BY cid) g
		ORDER BY g.cid`, nilIfEmpty(q.Batches), nilIfEmpty(q.Stages), q.Gap)
	var out []planning.Cluster
	var ms []byte
	var outline []byte
	_, err := pgx.ForEachRow(rows, []any{&ms, &outline}, func() error {
		var c planning.Cluster
		if err := json.Unmarshal(ms, &c.Members); err != nil {
			return err
		}
		g, err := wkb.Unmarshal(outline)
		if err != nil {
			return err
		}
		c.Outline = g
		out = append(out, c)
		return nil
	})
	return out, mapError(err, "suggest areas")
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// areaRow reads an area with its members (JSON) and outline.
const areaSelect = `SELECT a.id, a.code, a.name, a.origin, a.created_at, coalesce(a.created_by, ''), a.updated_at,
		coalesce(a.updated_by, ''), ST_AsBinary(a.geom),
		ARRAY[ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom)],
		coalesce((SELECT json_agg(` + memberJSON + ` ORDER BY c.id)
		          FROM area_members am
		          JOIN communities c ON c.id = am.community_id
		          JOIN subdistricts s ON s.id = c.subdistrict_id
		          LEFT JOIN plans p ON p.community_id = c.id
		          WHERE am.area_id = a.id), '[]')
	FROM areas a`

func scanArea(r pgx.Row) (planning.Area, error) {
	var a planning.Area
	var geom, members []byte
	var bbox []float64
	if err := r.Scan(&a.ID, &a.Code, &a.Name, &a.Origin, &a.CreatedAt, &a.CreatedBy, &a.UpdatedAt, &a.UpdatedBy,
		&geom, &bbox, &members); err != nil {
		return a, err
	}
	if err := json.Unmarshal(members, &a.Members); err != nil {
		return a, err
	}
	g, err := wkb.Unmarshal(geom)
	if err != nil {
		return a, err
	}
	a.Outline = g
	copy(a.BBox[:], bbox)
	a.Totals = planning.Sum(a.Members)
	return a, nil
}

// Areas lists the saved areas with their members, by id.
func (db *DB) Areas(ctx context.Context) ([]planning.Area, error) {
	rows, err := db.Pool.Query(ctx, areaSelect+` ORDER BY a.id`)
	if err != nil {
		return nil, mapError(err, "areas")
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (planning.Area, error) { return scanArea(r) })
	if as == nil {
		as = []planning.Area{}
	}
	return as, mapError(err, "areas")
}

// Area returns the saved area with id; renew.ErrNotFound when there is none.
func (db *DB) Area(ctx context.Context, id int64) (planning.Area, error) {
	a, err := scanArea(db.Pool.QueryRow(ctx, areaSelect+` WHERE a.id = $1`, id))
	if err != nil {
		return a, mapError(err, fmt.Sprintf("area %d", id))
	}
	return a, nil
}

// auditArea is what the audit log keeps of an area: no geometry.
type auditArea struct {
	ID      int64   `json:"id"`
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	Origin  string  `json:"origin"`
	Members []int64 `json:"members"`
}

func auditOf(a planning.Area) auditArea {
	ids := make([]int64, len(a.Members))
	for i, m := range a.Members {
		ids[i] = m.ID
	}
	return auditArea{a.ID, a.Code, a.Name, a.Origin, ids}
}

// setMembers replaces an area's members and recomputes its outline. It returns renew.ErrInvalid
// naming the first id that is not a community.
func setMembers(ctx context.Context, tx pgx.Tx, id int64, members []int64) error {
	var missing *int64
	if err := tx.QueryRow(ctx, `SELECT min(m) FROM unnest($1::int8[]) m
		WHERE NOT EXISTS (SELECT 1 FROM communities c WHERE c.id = m)`, members).Scan(&missing); err != nil {
		return err
	}
	if missing != nil {
		return renew.Invalid("members: %d is not a community", *missing)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM area_members WHERE area_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO area_members (area_id, community_id)
		SELECT $1, m FROM unnest($2::int8[]) m`, id, members); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		UPDATE areas SET geom = ST_GeomFromWKB(o.wkb, 4326)
		FROM (SELECT `+fmt.Sprintf(outlineSQL, "coalesce((SELECT value::float8 FROM planning_settings WHERE key = 'area_close_m'), 50)")+` AS wkb
		      FROM (SELECT ST_Union(geom_3857) AS u, cos(radians(ST_Y(ST_Centroid(ST_Collect(geom))))) AS k
		            FROM communities WHERE id = ANY ($2::int8[])) g) o
		WHERE areas.id = $1`, id, members)
	return err
}

// CreateArea saves a new area of the given members (community ids, checked by the caller with
// planning.CheckMembers) with its outline made from theirs, coded PQ-0001, PQ-0002, …, and audits
// it. renew.ErrInvalid when a member is not a community or origin is unknown.
func (db *DB) CreateArea(ctx context.Context, name, origin string, members []int64, a renew.AuditEntry) (planning.Area, error) {
	var area planning.Area
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var id int64
		// The outline starts as an empty placeholder that setMembers replaces in this transaction.
		if err := tx.QueryRow(ctx, `
			INSERT INTO areas (id, code, name, origin, created_by, updated_by, geom)
			SELECT n, 'PQ-' || lpad(n::text, 4, '0'), $1, $2, $3, $3, 'SRID=4326;MULTIPOLYGON EMPTY'::geometry
			FROM nextval(pg_get_serial_sequence('areas', 'id')) n
			RETURNING id`, name, origin, a.Actor).Scan(&id); err != nil {
			return err
		}
		if err := setMembers(ctx, tx, id, members); err != nil {
			return err
		}
		var err error
		if area, err = scanArea(tx.QueryRow(ctx, areaSelect+` WHERE a.id = $1`, id)); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.After = "create", "areas", fmt.Sprint(id), auditOf(area)
		return audit(ctx, tx, a)
	})
	return area, mapError(err, "create area")
}

// ErrAreaChanged is returned by UpdateArea and DeleteArea when the area changed since the version
// the caller read (If-Match).
var ErrAreaChanged = &renew.Error{Kind: renew.ErrStale, Msg: "片区已被他人修改，请刷新后重试"}

// lockArea locks the area with id and returns it; ErrAreaChanged when ifMatch (its updated_at as
// the caller read it; nil skips the check) is not its version.
func lockArea(ctx context.Context, tx pgx.Tx, id int64, ifMatch *time.Time) (planning.Area, error) {
	a, err := scanArea(tx.QueryRow(ctx, areaSelect+` WHERE a.id = $1 FOR UPDATE OF a`, id))
	if err == nil && ifMatch != nil && ifMatch.UnixMicro() != a.UpdatedAt.UnixMicro() {
		return a, ErrAreaChanged
	}
	return a, err
}

// UpdateArea renames an area and/or replaces its members (recomputing the outline), and audits
// the change with before and after. renew.ErrNotFound when there is no such area, renew.ErrInvalid
// when a member is not a community, ErrAreaChanged when ifMatch is stale.
func (db *DB) UpdateArea(ctx context.Context, id int64, ifMatch *time.Time, c planning.AreaChange, a renew.AuditEntry) (planning.Area, error) {
	var after planning.Area
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		before, err := lockArea(ctx, tx, id, ifMatch)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE areas SET name = coalesce($2, name), updated_at = now(), updated_by = $3
			WHERE id = $1`, id, c.Name, a.Actor); err != nil {
			return err
		}
		if c.Members != nil {
			if err := setMembers(ctx, tx, id, c.Members); err != nil {
				return err
			}
		}
		if after, err = scanArea(tx.QueryRow(ctx, areaSelect+` WHERE a.id = $1`, id)); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.Before, a.After = "update", "areas", fmt.Sprint(id), auditOf(before), auditOf(after)
		return audit(ctx, tx, a)
	})
	return after, mapError(err, fmt.Sprintf("update area %d", id))
}

// DeleteArea removes an area and audits what it was. renew.ErrNotFound when there is none,
// ErrAreaChanged when ifMatch is stale.
func (db *DB) DeleteArea(ctx context.Context, id int64, ifMatch *time.Time, a renew.AuditEntry) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		before, err := lockArea(ctx, tx, id, ifMatch)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM areas WHERE id = $1`, id); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.Before = "delete", "areas", fmt.Sprint(id), auditOf(before)
		return audit(ctx, tx, a)
	})
	return mapError(err, fmt.Sprintf("delete area %d", id))
}

// AreaPipelines sums the pipelines inside area id's outline (the part inside, measured on the
// spheroid) by kind, condition and operator, with the failing length as of year.
func (db *DB) AreaPipelines(ctx context.Context, id int64, year int) ([]planning.PipeGroup, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT q.kind, q.condition, q.operator, count(*)::int, round(sum(q.len)::numeric, 1)::float8,
		       round(coalesce(sum(q.len) FILTER (WHERE dig_once_failing(q.condition, q.laid_year, l.years, $2)), 0)::numeric, 1)::float8
		FROM (
			SELECT p.kind, p.condition, p.operator, p.laid_year, p.material,
			       ST_Length(ST_Intersection(p.geom, a.geom)::geography) AS len
			FROM areas a JOIN pipelines p ON ST_Intersects(p.geom, a.geom)
			WHERE a.id = $1
		) q
		LEFT JOIN pipe_service_life l ON l.material = q.material
		WHERE q.len > 0
		GROUP BY q.kind, q.condition, q.operator
		ORDER BY q.kind, q.condition, q.operator`, id, year)
	if err != nil {
		return nil, mapError(err, "area pipelines")
	}
	gs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (planning.PipeGroup, error) {
		var g planning.PipeGroup
		err := r.Scan(&g.Kind, &g.Condition, &g.Operator, &g.Pipes, &g.LengthM, &g.FailingM)
		return g, err
	})
	if gs == nil {
		gs = []planning.PipeGroup{}
	}
	return gs, mapError(err, "area pipelines")
}

// PipeConditions sums the pipelines' length (on the spheroid) by condition per community (the
// pipes recorded in one) and per 街道 (its communities' pipes, and the public ones whose midpoint
// it holds), each list by id.
func (db *DB) PipeConditions(ctx context.Context) (comms, subs []planning.PipeCondition, err error) {
	rows, err := db.Pool.Query(ctx, `
		WITH p AS (
			SELECT p.community_id, p.condition, ST_Length(p.geom::geography) AS len,
			       coalesce(c.subdistrict_id, (SELECT s.id FROM subdistricts s
			                                   WHERE ST_Intersects(s.geom, ST_LineInterpolatePoint(p.geom, 0.5)) ORDER BY s.id LIMIT 1)) AS sub
			FROM pipelines p LEFT JOIN communities c ON c.id = p.community_id
		)
		SELECT false, community_id, condition, sum(len) FROM p WHERE community_id IS NOT NULL GROUP BY community_id, condition
		UNION ALL
		SELECT true, sub, condition, sum(len) FROM p WHERE sub IS NOT NULL GROUP BY sub, condition
		ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, nil, mapError(err, "pipe conditions")
	}
	defer rows.Close()
	comms, subs = []planning.PipeCondition{}, []planning.PipeCondition{}
	for rows.Next() {
		var sub bool
		var id int64
		var cond string
		var m float64
		if err := rows.Scan(&sub, &id, &cond, &m); err != nil {
			return nil, nil, mapError(err, "pipe conditions")
		}
		list := &comms
		if sub {
			list = &subs
		}
		if n := len(*list); n == 0 || (*list)[n-1].ID != id {
			*list = append(*list, planning.PipeCondition{ID: id, ByCondition: map[string]float64{}})
		}
		pc := &(*list)[len(*list)-1]
		pc.ByCondition[cond] = math.Round(m*10) / 10
		pc.LengthM += m
		if cond == "poor" || cond == "critical" {
			pc.BadShare += m
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, mapError(err, "pipe conditions")
	}
	for _, list := range [][]planning.PipeCondition{comms, subs} {
		for i := range list {
			if list[i].LengthM > 0 {
				list[i].BadShare /= list[i].LengthM
			}
			list[i].LengthM = math.Round(list[i].LengthM*10) / 10
		}
	}
	return comms, subs, nil
}

// Sites returns the candidate sites q selects, by id, each with a point on its surface (where a
// facility would stand) and the community whose walls hold that point (the site's own
// community_id, else the community containing it, else 0), and, for an area, whether it is
// inside and its distance in metres.
func (db *DB) Sites(ctx context.Context, q planning.SiteQuery) ([]planning.Site, error) {
	var bbox []float64
	if q.BBox != nil {
		bbox = q.BBox[:]
	}
	var area *int64
	if q.Area != 0 {
		area = &q.Area
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT s.id, s.code, s.name, s.origin, s.area_m2::float8, s.hostable_kinds,
		       coalesce(s.community_id, (SELECT c.id FROM communities c WHERE ST_Contains(c.geom, pt) ORDER BY c.id LIMIT 1), 0),
		       ST_X(pt), ST_Y(pt), coalesce(ST_Intersects(s.geom, a.geom), false),
		       coalesce(round(ST_Distance(s.geom::geography, a.geom::geography)::numeric, 1)::float8, 0)
		FROM candidate_sites s
		CROSS JOIN LATERAL ST_PointOnSurface(s.geom) pt
		LEFT JOIN areas a ON a.id = $2
		WHERE ($1 = '' OR $1 = ANY (s.hostable_kinds))
		  AND ($2::int8 IS NULL OR ST_DWithin(s.geom::geography, a.geom::geography, $3))
		  AND ($4::float8[] IS NULL OR s.geom && ST_MakeEnvelope($4[1], $4[2], $4[3], $4[4], 4326))
		ORDER BY s.id`, q.Kind, area, q.NearM, bbox)
	if err != nil {
		return nil, mapError(err, "candidate sites")
	}
	ss, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (planning.Site, error) {
		var s planning.Site
		var x, y float64
		err := r.Scan(&s.ID, &s.Code, &s.Name, &s.Origin, &s.AreaM2, &s.Hostable, &s.Community, &x, &y, &s.Inside, &s.DistanceM)
		s.Point = orb.Point{x, y}
		if s.Hostable == nil {
			s.Hostable = []string{}
		}
		return s, err
	})
	if ss == nil {
		ss = []planning.Site{}
	}
	return ss, mapError(err, "candidate sites")
}

// ParkingSupply returns the households and parking supply by kind of the communities ids, or of
// every old community when ids is nil, by id. Parking counts for the community it belongs to.
func (db *DB) ParkingSupply(ctx context.Context, ids []int64) ([]planning.ParkingInput, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT c.id, c.code, c.name, c.households,
		       coalesce(json_object_agg(k.kind, k.cap) FILTER (WHERE k.kind IS NOT NULL), '{}'),
		       coalesce(json_object_agg(k.kind, k.n) FILTER (WHERE k.kind IS NOT NULL), '{}')
		FROM communities c
		LEFT JOIN (SELECT community_id, kind, sum(capacity)::int AS cap, count(*)::int AS n
		           FROM parking GROUP BY community_id, kind) k ON k.community_id = c.id
		WHERE CASE WHEN $1::int8[] IS NULL THEN c.is_old IS NOT FALSE ELSE c.id = ANY ($1) END
		GROUP BY c.id
		ORDER BY c.id`, ids)
	if err != nil {
		return nil, mapError(err, "parking supply")
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (planning.ParkingInput, error) {
		var p planning.ParkingInput
		err := r.Scan(&p.Community, &p.Code, &p.Name, &p.Households, &p.Supply.Capacity, &p.Supply.Count)
		return p, err
	})
	if ps == nil {
		ps = []planning.ParkingInput{}
	}
	return ps, mapError(err, "parking supply")
}

// DigOnceData reads the roads to be resurfaced in [from, to] and the pieces of every pipeline
// within buffer metres of them: the part of the pipe inside the road's corridor (the road
// buffered by that much), whatever the pipe's state; planning.DigOnce applies the rule. One
// read-only snapshot.
func (db *DB) DigOnceData(ctx context.Context, from, to int, buffer float64) ([]planning.Road, []planning.PipePiece, error) {
	var roads []planning.Road
	var pieces []planning.PipePiece
	err := pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT id, code, coalesce(name, ''), class, resurface_year,
			       round(ST_Length(geom::geography)::numeric, 1)::float8, ST_AsBinary(geom)
			FROM roads WHERE resurface_year BETWEEN $1 AND $2 ORDER BY id`, from, to)
		var r planning.Road
		var b []byte
		_, err := pgx.ForEachRow(rows, []any{&r.ID, &r.Code, &r.Name, &r.Class, &r.ResurfaceYear, &r.LengthM, &b}, func() error {
			g, err := wkb.Unmarshal(b)
			if err != nil {
				return err
			}
			r.Geometry = g
			roads = append(roads, r)
			return nil
		})
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `
			SELECT r.id, p.id, p.code, p.kind, p.material, p.condition, p.laid_year, p.operator,
			       ST_Length(ST_Intersection(p.geom_3857, ST_Buffer(r.geom_3857, $3 / s.k))) * s.k
			FROM roads r
			CROSS JOIN LATERAL (SELECT cos(radians(ST_Y(ST_Centroid(r.geom)))) AS k) s
			JOIN pipelines p ON ST_DWithin(p.geom_3857, r.geom_3857, $3 / s.k)
			WHERE r.resurface_year BETWEEN $1 AND $2
			ORDER BY r.id, p.id`, from, to, buffer)
		var p planning.PipePiece
		_, err = pgx.ForEachRow(rows, []any{&p.Road, &p.Pipe, &p.Code, &p.Kind, &p.Material, &p.Condition, &p.LaidYear, &p.Operator, &p.LengthM}, func() error {
			pieces = append(pieces, p)
			return nil
		})
		return err
	})
	return roads, pieces, mapError(err, "dig once")
}

// CommunityIDs returns which of ids are communities.
func (db *DB) CommunityIDs(ctx context.Context, ids []int64) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id FROM communities WHERE id = ANY ($1::int8[]) ORDER BY id`, ids)
	if err != nil {
		return nil, mapError(err, "communities")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapError(err, "communities")
}
