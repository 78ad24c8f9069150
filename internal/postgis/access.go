package postgis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/access"
	"renewmap/internal/renew"
)

// StoredVersions returns the inputs version of the stored living circles and of the stored
// blind-spot overlay (building_coverage); -1 for either when it holds no rows or rows of more
// than one version (an update cut short). It implements access.Results.
func (db *DB) StoredVersions(ctx context.Context) (circles, blind int64, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT
		(SELECT CASE WHEN count(DISTINCT inputs_version) = 1 THEN min(inputs_version) ELSE -1 END FROM living_circles),
		(SELECT CASE WHEN count(DISTINCT inputs_version) = 1 THEN min(inputs_version) ELSE -1 END FROM building_coverage)`).
		Scan(&circles, &blind)
	return circles, blind, mapError(err, "stored circle versions")
}

// FinishCircles deletes the living circles not computed from version: those of communities
// that no longer have buildings, once every other community's circles were replaced.
func (db *DB) FinishCircles(ctx context.Context, version int64) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM living_circles WHERE inputs_version <> $1`, version)
	return mapError(err, "finish circles")
}

// SaveBlindSpots replaces the blind-spot overlay (building_coverage) in one transaction.
func (db *DB) SaveBlindSpots(ctx context.Context, bs []access.BlindSpot, version int64) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM building_coverage`); err != nil {
			return err
		}
		// A kind the dataset holds no facility of is unknown on the ground (无数据), not missing.
		none, err := noDataKinds(ctx, tx)
		if err != nil {
			return err
		}
		rows := make([][]any, len(bs))
		for i, b := range bs {
			missing := make([]string, 0, len(b.Missing))
			for _, k := range b.Missing {
				if !none[k] {
					missing = append(missing, k)
				}
			}
			rows[i] = []any{b.Building, len(missing), missing, version}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"building_coverage"},
			[]string{"building_id", "missing_required", "missing_kinds", "inputs_version"}, pgx.CopyFromRows(rows))
		return err
	})
	return mapError(err, "save blind spots")
}

// SubdistrictNames returns every subdistrict's code and name by id.
func (db *DB) SubdistrictNames(ctx context.Context) (map[int64]access.Named, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT id, code, name FROM subdistricts`)
	out := map[int64]access.Named{}
	var id int64
	var n access.Named
	_, err := pgx.ForEachRow(rows, []any{&id, &n.Code, &n.Name}, func() error {
		out[id] = n
		return nil
	})
	return out, mapError(err, "subdistrict names")
}

// FacilitiesByID returns the facilities with the given ids (unknown ids are left out).
func (db *DB) FacilitiesByID(ctx context.Context, ids []int64) (map[int64]access.FacilityInfo, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT id, code, name, status, ST_X(geom), ST_Y(geom)
		FROM facilities WHERE id = ANY ($1)`, ids)
	out := map[int64]access.FacilityInfo{}
	var id int64
	var f access.FacilityInfo
	_, err := pgx.ForEachRow(rows, []any{&id, &f.Code, &f.Name, &f.Status, &f.Point[0], &f.Point[1]}, func() error {
		out[id] = f
		return nil
	})
	return out, mapError(err, "facilities by id")
}

// SaveScenario writes a what-if in one transaction: each facility as a planned facility named
// "规划<kind>（方案）", each passage as a walkable footway (a gate passage also as a pedestrian
// gate in the community's wall), with one audit row per written row. A passage's ends are joined
// to the nearest walkable road the way the engine joins them (a gate: the community's internal
// path and the nearest public road; a path: the nearest road of any kind), inserting a vertex
// into that road where needed, so the saved network is the one the what-if evaluated. It returns
// renew.ErrInvalid when a passage has no road to join, renew.ErrUnavailable when the database
// cannot be reached.
func (db *DB) SaveScenario(ctx context.Context, fs []access.PlannedFacility, ps []access.Passage, a renew.AuditEntry) ([]access.Saved, error) {
	stamp := time.Now().Format("20060102150405") + "-" + randomSuffix()
	var out []access.Saved
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		for i, f := range fs {
			code := fmt.Sprintf("PLAN-F-%s-%d", stamp, i+1)
			name := "规划" + f.KindName + "（方案）"
			var comm *int64
			if f.Community != 0 {
				comm = &f.Community
			}
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO facilities (code, kind, name, status, community_id, geom)
				VALUES ($1, $2, $3, 'planned', $4, ST_SetSRID(ST_Point($5, $6), 4326)) RETURNING id`,
				code, f.Kind, name, comm, f.Point[0], f.Point[1]).Scan(&id); err != nil {
				return err
			}
			after := map[string]any{"id": id, "code": code, "kind": f.Kind, "name": name, "status": "planned",
				"community_id": comm, "geometry": geojson.NewGeometry(f.Point)}
			if err := auditRow(ctx, tx, a, "create", "facilities", id, nil, after); err != nil {
				return err
			}
			out = append(out, access.Saved{Table: "facilities", ID: id, Code: code, Name: name})
		}
		for i, p := range ps {
			var line orb.LineString
			var comm *int64
			switch p.Kind {
			case access.PassageGate:
				in, err := joinRoad(ctx, tx, a, p.At, roadsOfCommunity, p.Community)
				if err != nil {
					return err
				}
				outer, err := joinRoad(ctx, tx, a, p.At, publicRoads, 0)
				if err != nil {
					return err
				}
				line, comm = dedupe(orb.LineString{in, p.At, outer}), &p.Community
				code := fmt.Sprintf("PLAN-G-%s-%d", stamp, i+1)
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO gates (code, community_id, name, kind, geom)
					VALUES ($1, $2, '规划出入口（方案）', 'pedestrian', ST_SetSRID(ST_Point($3, $4), 4326)) RETURNING id`,
					code, p.Community, p.At[0], p.At[1]).Scan(&id); err != nil {
					return err
				}
				after := map[string]any{"id": id, "code": code, "community_id": p.Community, "name": "规划出入口（方案）",
					"kind": "pedestrian", "geometry": geojson.NewGeometry(p.At)}
				if err := auditRow(ctx, tx, a, "create", "gates", id, nil, after); err != nil {
					return err
				}
				out = append(out, access.Saved{Table: "gates", ID: id, Code: code, Name: "规划出入口（方案）"})
			case access.PassagePath:
				from, err := joinRoad(ctx, tx, a, p.From, anyRoad, 0)
				if err != nil {
					return err
				}
				to, err := joinRoad(ctx, tx, a, p.To, anyRoad, 0)
				if err != nil {
					return err
				}
				line = dedupe(orb.LineString{from, p.From, p.To, to})
			default:
				return renew.Invalid("passage %d: kind must be %q or %q", i+1, access.PassageGate, access.PassagePath)
			}
			if len(line) < 2 {
				return renew.Invalid("passage %d: it has no length", i+1)
			}
			code := fmt.Sprintf("PLAN-W-%s-%d", stamp, i+1)
			const name = "规划步行通道（方案）"
			g, err := wkb.Marshal(line)
			if err != nil {
				return err
			}
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO roads (code, name, class, walkable, community_id, geom)
				VALUES ($1, $2, 'footway', true, $3, ST_GeomFromWKB($4, 4326)) RETURNING id`,
				code, name, comm, g).Scan(&id); err != nil {
				return err
			}
			after := map[string]any{"id": id, "code": code, "name": name, "class": "footway", "walkable": true,
				"community_id": comm, "geometry": geojson.NewGeometry(line)}
			if err := auditRow(ctx, tx, a, "create", "roads", id, nil, after); err != nil {
				return err
			}
			out = append(out, access.Saved{Table: "roads", ID: id, Code: code, Name: name})
		}
		return nil
	})
	if err != nil {
		return nil, mapError(err, "save scenario")
	}
	return out, nil
}

func auditRow(ctx context.Context, tx pgx.Tx, a renew.AuditEntry, action, table string, id int64, before, after any) error {
	a.Action, a.Table, a.RowID, a.Before, a.After = action, table, fmt.Sprint(id), before, after
	return audit(ctx, tx, a)
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const (
	anyRoad          = `walkable`
	publicRoads      = `walkable AND community_id IS NULL`
	roadsOfCommunity = `walkable AND community_id = $3`
)

// joinRoad finds the walkable road (of the filter) nearest to p and the point on it nearest to
// p, and returns that point. The point becomes a vertex of the road (an audited update) unless it
// is within 1 cm of one already, so that a new line ending there meets the road in the graph.
func joinRoad(ctx context.Context, tx pgx.Tx, a renew.AuditEntry, p orb.Point, filter string, community int64) (orb.Point, error) {
	args := []any{p[0], p[1]}
	if filter == roadsOfCommunity {
		args = append(args, community)
	}
	var id int64
	var code string
	var b []byte
	err := tx.QueryRow(ctx, `SELECT id, code, ST_AsBinary(geom) FROM roads WHERE `+filter+`
		ORDER BY geom_3857 <-> ST_Transform(ST_SetSRID(ST_Point($1, $2), 4326), 3857) LIMIT 1`, args...).Scan(&id, &code, &b)
	if errors.Is(err, pgx.ErrNoRows) {
		return orb.Point{}, renew.Invalid("no walkable road to join the passage to")
	}
	if err != nil {
		return orb.Point{}, err
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return orb.Point{}, err
	}
	ls, ok := g.(orb.LineString)
	if !ok || len(ls) < 2 {
		return orb.Point{}, fmt.Errorf("road %d is not a line", id)
	}
	q, seg, vertex := closestOnLine(ls, p)
	if vertex >= 0 {
		return ls[vertex], nil
	}
	nl := append(append(append(orb.LineString{}, ls[:seg+1]...), q), ls[seg+1:]...)
	nb, err := wkb.Marshal(nl)
	if err != nil {
		return orb.Point{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE roads SET geom = ST_GeomFromWKB($2, 4326) WHERE id = $1`, id, nb); err != nil {
		return orb.Point{}, err
	}
	before := map[string]any{"id": id, "code": code, "geometry": geojson.NewGeometry(ls)}
	after := map[string]any{"id": id, "code": code, "geometry": geojson.NewGeometry(nl)}
	return q, auditRow(ctx, tx, a, "update", "roads", id, before, after)
}

// closestOnLine returns the point of ls nearest to p (in a local metric frame), the index of the
// segment it lies on, and the index of the vertex it is within 1 cm of (-1 if none).
func closestOnLine(ls orb.LineString, p orb.Point) (orb.Point, int, int) {
	kx := 111320 * math.Cos(p[1]*math.Pi/180)
	const ky = 110540.0
	best, bestSeg, bestT := math.Inf(1), 0, 0.0
	for i := 0; i+1 < len(ls); i++ {
		ax, ay := (ls[i][0]-p[0])*kx, (ls[i][1]-p[1])*ky
		bx, by := (ls[i+1][0]-p[0])*kx, (ls[i+1][1]-p[1])*ky
		dx, dy := bx-ax, by-ay
		t := 0.0
		if l2 := dx*dx + dy*dy; l2 > 0 {
			t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
		}
		x, y := ax+t*dx, ay+t*dy
		if d := math.Hypot(x, y); d < best {
			best, bestSeg, bestT = d, i, t
		}
	}
	a, b := ls[bestSeg], ls[bestSeg+1]
	q := orb.Point{a[0] + bestT*(b[0]-a[0]), a[1] + bestT*(b[1]-a[1])}
	for _, v := range []int{bestSeg, bestSeg + 1} {
		if math.Hypot((ls[v][0]-q[0])*kx, (ls[v][1]-q[1])*ky) < 0.01 {
			return ls[v], bestSeg, v
		}
	}
	return q, bestSeg, -1
}

// dedupe drops consecutive points less than 1 cm apart.
func dedupe(ls orb.LineString) orb.LineString {
	var out orb.LineString
	for _, p := range ls {
		if n := len(out); n > 0 {
			q := out[n-1]
			kx := 111320 * math.Cos(p[1]*math.Pi/180)
			if math.Hypot((p[0]-q[0])*kx, (p[1]-q[1])*110540) < 0.01 {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}
