// Package oracle checks the walk-network engine (internal/access) against an independent
// oracle, pgRouting, for the tests: the oracle's graph and snapping are built in SQL from the
// same roads, never from the engine's output. It is imported by tests only.
package oracle

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"renewmap/internal/access"
	"renewmap/internal/postgis"
)

// The oracle: pgRouting's pgr_withPointsCost on a graph built in SQL from the same roads, with
// its own snapping in SQL by the rules of internal/access (a point in a community snaps to its
// internal paths; farther than LinkBeyond from them, a walled community's point goes through its
// nearest gate to the public roads and an open one's to the nearest edge of either; a point
// outside communities snaps to public roads), in a transverse Mercator frame of PROJ centred on
// the roads. Every building's distance to the nearest facility of each kind must agree with the
// engine's within oracleTolerance, and so must coverage, outside a band of oracleTolerance about
// each service distance.
const (
	oracleTolerance = 0.5 // metres
	oracleLimit     = 2000
	linkBeyond      = 50 // access.Options.LinkBeyond's default
)

// Enable creates pgRouting in db, or skips the test when the server has none
// (scripts/install.sh installs it).
func Enable(t testing.TB, db *postgis.DB) {
	t.Helper()
	ctx := context.Background()
	var avail bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting')`).Scan(&avail); err != nil {
		t.Fatal(err)
	}
	if !avail {
		t.Skip("pgRouting is not installed on the test server (scripts/install.sh installs postgresql-<major>-pgrouting)")
	}
	if _, err := db.Pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pgrouting`); err != nil {
		t.Fatal(err)
	}
}

// oracleTables are the oracle's inputs; fill them from the data tables or from an Input.
const oracleTables = `
CREATE TEMP TABLE o_roads (id bigint, comm bigint, geom geometry(LineString, 4326));
CREATE TEMP TABLE o_gates (id bigint, comm bigint, geom geometry(Point, 4326));
CREATE TEMP TABLE o_pts (pid serial PRIMARY KEY, what char(1), id bigint, comm bigint, kind text, geom geometry(Point, 4326));
`

// fromTables fills the oracle's inputs from the stored data, as LoadNetwork's SQL would not be
// reused: walkable roads, gates, a point on each building's surface, existing facilities.
const fromTables = `
INSERT INTO o_roads SELECT id, coalesce(community_id, 0), geom FROM roads WHERE walkable;
INSERT INTO o_gates SELECT id, community_id, geom FROM gates;
INSERT INTO o_pts (what, id, comm, geom)
	SELECT 'b', b.id, b.community_id, ST_PointOnSurface(b.geom) FROM buildings b ORDER BY b.id;
INSERT INTO o_pts (what, id, comm, kind, geom)
	SELECT 'f', id, coalesce(community_id, 0), kind, geom FROM facilities WHERE status = 'existing' ORDER BY id;
`

// oracleGraph snaps and builds the graph; %[1]d is the SRID of the frame, %[2]v LinkBeyond.
const oracleGraph = `
CREATE TEMP TABLE o_seg AS
	SELECT r.id AS road, r.comm, s.path[1] AS ord, s.geom
	FROM o_roads r, ST_DumpSegments(ST_Transform(r.geom, %[1]d)) s;
CREATE TEMP TABLE o_node AS
	SELECT row_number() OVER () AS nid, kx, ky FROM (
		SELECT DISTINCT round(ST_X(p) * 100)::bigint AS kx, round(ST_Y(p) * 100)::bigint AS ky
		FROM o_seg, LATERAL (VALUES (ST_StartPoint(geom)), (ST_EndPoint(geom))) v(p)) k;
CREATE UNIQUE INDEX ON o_node (kx, ky);
CREATE TEMP TABLE o_e AS
	SELECT row_number() OVER (ORDER BY s.road, s.ord) AS id, a.nid AS source, b.nid AS target,
		ST_Length(s.geom) AS cost, s.road, s.comm, s.ord, s.geom
	FROM o_seg s
	JOIN o_node a ON a.kx = round(ST_X(ST_StartPoint(s.geom)) * 100)::bigint AND a.ky = round(ST_Y(ST_StartPoint(s.geom)) * 100)::bigint
	JOIN o_node b ON b.kx = round(ST_X(ST_EndPoint(s.geom)) * 100)::bigint AND b.ky = round(ST_Y(ST_EndPoint(s.geom)) * 100)::bigint
	WHERE a.nid <> b.nid;
CREATE INDEX ON o_e USING gist (geom);
CREATE INDEX ON o_e (comm);
ANALYZE o_e;

-- The nearest public segment of a point: the few nearest by the index, then exact distance,
-- ties to the lower road id and the earlier segment.
CREATE FUNCTION pg_temp.o_public(p geometry) RETURNS TABLE (edge bigint, f float8, off float8) LANGUAGE sql STABLE AS $$
	SELECT id, ST_LineLocatePoint(geom, p), ST_Distance(geom, p) FROM (
		SELECT * FROM o_e WHERE comm = 0 ORDER BY geom <-> p LIMIT 12) c
	ORDER BY ST_Distance(geom, p), road, ord LIMIT 1 $$;

CREATE TEMP TABLE o_gs AS
	SELECT g.id, g.comm, gp AS geom, s.edge, s.f, s.off
	FROM o_gates g, LATERAL ST_Transform(g.geom, %[1]d) gp, LATERAL pg_temp.o_public(gp) s
	WHERE g.comm IS NOT NULL;

CREATE TEMP TABLE o_snap AS
	SELECT p.pid, p.what, p.id, p.kind,
		CASE ch WHEN 'i' THEN i.edge WHEN 'g' THEN g.edge ELSE pub.edge END AS edge,
		CASE ch WHEN 'i' THEN i.f WHEN 'g' THEN g.f ELSE pub.f END AS f,
		CASE ch WHEN 'i' THEN i.off WHEN 'g' THEN g.off ELSE pub.off END AS off
	FROM o_pts p
	CROSS JOIN LATERAL ST_Transform(p.geom, %[1]d) pp
	LEFT JOIN LATERAL (SELECT id AS edge, ST_LineLocatePoint(geom, pp) AS f, ST_Distance(geom, pp) AS off
		FROM o_e WHERE p.comm <> 0 AND comm = p.comm ORDER BY 3, road, ord LIMIT 1) i ON true
	LEFT JOIN LATERAL (SELECT gs.edge, gs.f, ST_Distance(pp, gs.geom) + gs.off AS off
		FROM o_gs gs WHERE gs.comm = p.comm ORDER BY 3, gs.id LIMIT 1) g ON true
	LEFT JOIN LATERAL pg_temp.o_public(pp) pub ON true
	CROSS JOIN LATERAL (SELECT CASE
		WHEN p.comm = 0 THEN 'p'
		WHEN i.edge IS NOT NULL AND i.off <= %[2]v THEN 'i'
		WHEN EXISTS (SELECT 1 FROM o_gates x WHERE x.comm = p.comm) THEN
			CASE WHEN g.edge IS NOT NULL AND (i.edge IS NULL OR g.off < i.off - 1e-6) THEN 'g' ELSE 'i' END
		WHEN pub.edge IS NOT NULL AND (i.edge IS NULL OR pub.off < i.off - 1e-6) THEN 'p'
		ELSE 'i' END AS ch) c;
DELETE FROM o_snap WHERE edge IS NULL;
`

// oracleNodeBase numbers the graph's node at each snapped point: oracleNodeBase + its pid.
const oracleNodeBase = 1_000_000_000

// oracleSplit cuts every segment at the points snapped onto it (o_g: the walk graph, both ways);
// a search per kind then starts from node 0, joined one way to each facility's point by its
// offset.
const oracleSplit = `
CREATE TEMP TABLE o_g AS
	WITH cut AS (
		SELECT s.edge, e.cost, 1000000000 + s.pid AS node, s.f, 1 AS rank FROM o_snap s JOIN o_e e ON e.id = s.edge
		UNION ALL SELECT e.id, e.cost, e.source, 0, 0 FROM o_e e WHERE e.id IN (SELECT edge FROM o_snap)
		UNION ALL SELECT e.id, e.cost, e.target, 1, 2 FROM o_e e WHERE e.id IN (SELECT edge FROM o_snap)),
	seq AS (
		SELECT node, f, cost, lead(node) OVER w AS next, lead(f) OVER w AS nf FROM cut
		WINDOW w AS (PARTITION BY edge ORDER BY f, rank, node))
	SELECT row_number() OVER () AS id, source, target, cost, cost AS reverse_cost FROM (
		SELECT node AS source, next AS target, (nf - f) * cost AS cost FROM seq WHERE next IS NOT NULL
		UNION ALL SELECT source, target, cost FROM o_e WHERE id NOT IN (SELECT edge FROM o_snap)) g;
`

// oracleSRID numbers the oracle's frames: PostGIS caches a transformation by SRID for the
// connection, so each frame gets its own.
var oracleSRID atomic.Int32

// frame registers, within tx, PROJ's transverse Mercator on GRS80 centred on the mean of
// the roads' vertices, and returns its SRID (by SRID, PostGIS prepares the transformation once).
func frame(ctx context.Context, t testing.TB, tx pgx.Tx) int {
	var lon, lat float64
	if err := tx.QueryRow(ctx, `SELECT avg(ST_X(d.geom)), avg(ST_Y(d.geom)) FROM o_roads, ST_DumpPoints(o_roads.geom) d`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	srid := 990000 + int(oracleSRID.Add(1))
	proj := fmt.Sprintf("+proj=tmerc +lat_0=%.12f +lon_0=%.12f +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs", lat, lon)
	if _, err := tx.Exec(ctx, `INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, proj4text) VALUES ($1, 'renewmap-oracle', $1, $2)`, srid, proj); err != nil {
		t.Fatal(err)
	}
	return srid
}

// distances are, per kind, each building's distance to the nearest facility of the kind
// (absent: none reached).
func distances(ctx context.Context, t testing.TB, tx pgx.Tx, kinds []string) map[string]map[int64]float64 {
	t.Helper()
	if _, err := tx.Exec(ctx, fmt.Sprintf(oracleGraph, frame(ctx, t, tx), linkBeyond)); err != nil {
		t.Fatalf("oracle graph: %v", err)
	}
	if _, err := tx.Exec(ctx, oracleSplit); err != nil {
		t.Fatalf("oracle split: %v", err)
	}
	out := map[string]map[int64]float64{}
	for _, k := range kinds {
		out[k] = map[int64]float64{}
		rows, _ := tx.Query(ctx, `
			SELECT sb.id, c.agg_cost + sb.off FROM pgr_dijkstraCost(
				format($q$SELECT id, source, target, cost, reverse_cost FROM o_g UNION ALL
					SELECT -pid, 0, %s + pid, off, -1 FROM o_snap WHERE what = 'f' AND kind = %L$q$, $2::bigint, $1::text),
				0, (SELECT array_agg($2::bigint + pid) FROM o_snap WHERE what = 'b'), directed => true) c
			JOIN o_snap sb ON sb.pid = c.end_vid - $2::bigint`, k, oracleNodeBase)
		var id int64
		var d float64
		if _, err := pgx.ForEachRow(rows, []any{&id, &d}, func() error { out[k][id] = d; return nil }); err != nil {
			t.Fatalf("oracle kind %s: %v", k, err)
		}
	}
	return out
}

// Compare runs the oracle on the tables filled by fill (FromTables, FillInput) and compares it
// with e: every building's distance to the nearest facility of every kind that has one.
func Compare(t testing.TB, db *postgis.DB, e *access.Engine, fill func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, oracleTables); err != nil {
		t.Fatal(err)
	}
	if err := fill(ctx, tx); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	service := map[string]float64{}
	for _, k := range e.Kinds() {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM o_pts WHERE what = 'f' AND kind = $1`, k.Code).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			kinds = append(kinds, k.Code)
			service[k.Code] = k.ServiceDistance
		}
	}
	oracle := distances(ctx, t, tx, kinds)
	var bids []int64
	rows, _ := tx.Query(ctx, `SELECT id FROM o_pts WHERE what = 'b' ORDER BY id`)
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { bids = append(bids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	var diffs []float64
	bad := 0
	for _, b := range bids {
		ds, err := e.BuildingAccess(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, kd := range ds {
			want, ok := oracle[kd.Kind][b]
			if _, asked := oracle[kd.Kind]; !asked {
				continue
			}
			got := math.Inf(1)
			if kd.Reached {
				got = kd.Distance
			}
			switch {
			case ok && want <= oracleLimit-oracleTolerance:
				diffs = append(diffs, math.Abs(got-want))
				if !(math.Abs(got-want) <= oracleTolerance) {
					bad++
					if bad <= 10 {
						t.Errorf("building %d, %s: engine %.3f m, pgRouting %.3f m", b, kd.Kind, got, want)
					}
				}
				sd := service[kd.Kind]
				if math.Abs(want-sd) > oracleTolerance && kd.Covered != (want <= sd) {
					t.Errorf("building %d, %s: covered %v by the engine (%.2f m), pgRouting %.2f m for %v m", b, kd.Kind, kd.Covered, got, want, sd)
				}
			case (!ok || want > oracleLimit+oracleTolerance) && kd.Reached:
				bad++
				t.Errorf("building %d, %s: engine %.3f m, unreached by pgRouting", b, kd.Kind, got)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%d disagreements in all", bad)
	}
	if len(diffs) == 0 {
		t.Fatal("no distance compared")
	}
	sort.Float64s(diffs)
	t.Logf("%d buildings × %d kinds: %d distances compared, |Δ| max %.4f m, median %.6f m, in %s",
		len(bids), len(kinds), len(diffs), diffs[len(diffs)-1], diffs[len(diffs)/2], time.Since(start).Round(time.Millisecond))
}

// FillInput copies an Input into the oracle's tables.
func FillInput(ctx context.Context, tx pgx.Tx, in access.Input) error {
	enc := func(g orb.Geometry) []byte { b, _ := wkb.Marshal(g); return b }
	batch := &pgx.Batch{}
	for _, r := range in.Edges {
		batch.Queue(`INSERT INTO o_roads VALUES ($1, $2, ST_GeomFromWKB($3, 4326))`, r.ID, r.Community, enc(r.Line))
	}
	for _, g := range in.Gates {
		batch.Queue(`INSERT INTO o_gates VALUES ($1, $2, ST_GeomFromWKB($3, 4326))`, g.ID, g.Community, enc(g.Point))
	}
	for _, b := range in.Buildings {
		batch.Queue(`INSERT INTO o_pts (what, id, comm, geom) VALUES ('b', $1, $2, ST_GeomFromWKB($3, 4326))`, b.ID, b.Community, enc(b.Point))
	}
	for _, f := range in.Facilities {
		batch.Queue(`INSERT INTO o_pts (what, id, comm, kind, geom) VALUES ('f', $1, $2, $3, ST_GeomFromWKB($4, 4326))`, f.ID, f.Community, f.Kind, enc(f.Point))
	}
	return tx.SendBatch(ctx, batch).Close()
}

// RandomNetwork is a 5×5 grid of blocks (pitch 200 m, corners jittered by up to 25 m) about
// Siping. Each block's south street has a vertex where a connector may meet it.
func RandomNetwork(seed uint64) access.Input {
	r := rand.New(rand.NewPCG(seed, 17))
	const n, pitch = 5, 200.0
	lat0, lon0 := 43.17, 124.37
	ky := 111_195.0
	kx := ky * math.Cos(lat0*math.Pi/180)
	ll := func(x, y float64) orb.Point { return orb.Point{lon0 + x/kx, lat0 + y/ky} }
	var corner [n + 1][n + 1][2]float64
	for i := range n + 1 {
		for j := range n + 1 {
			corner[i][j] = [2]float64{float64(i)*pitch + r.Float64()*50 - 25, float64(j)*pitch + r.Float64()*50 - 25}
		}
	}
	lerp := func(a, b [2]float64, f float64) [2]float64 {
		return [2]float64{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
	}
	in := access.Input{Version: 1, Kinds: []access.Kind{
		{Code: "garbage_point", Level: "block", Required: true, ServiceDistance: 70},
		{Code: "kindergarten", Level: "5min", Required: true, ServiceDistance: 300},
		{Code: "primary_school", Level: "10min", Required: true, ServiceDistance: 500},
		{Code: "health_center", Level: "15min", Required: true, ServiceDistance: 1000},
	}}
	id := int64(0)
	next := func() int64 { id++; return id }
	line := func(pts ...[2]float64) orb.LineString {
		ls := make(orb.LineString, len(pts))
		for i, p := range pts {
			ls[i] = ll(p[0], p[1])
		}
		return ls
	}
	// Streets: the west–east ones carry the connectors' vertex at f = 0.5 of each block.
	for j := range n + 1 {
		for i := range n {
			a, b := corner[i][j], corner[i+1][j]
			in.Edges = append(in.Edges, access.Edge{ID: next(), Line: line(a, lerp(a, b, 0.5), b)})
		}
	}
	for i := range n + 1 {
		for j := range n {
			in.Edges = append(in.Edges, access.Edge{ID: next(), Line: line(corner[i][j], corner[i][j+1])})
		}
	}
	for j := range n {
		for i := range n {
			c := int64(j*n + i + 1)
			in.Communities = append(in.Communities, access.Community{ID: c, Subdistrict: 1})
			sw, se, nw := corner[i][j], corner[i+1][j], corner[i][j+1]
			at := func(u, v float64) [2]float64 { // u east, v north across the block, 0..1
				p := lerp(sw, se, u)
				q := lerp(nw, corner[i+1][j+1], u)
				return lerp(p, q, v)
			}
			street := lerp(sw, se, 0.5)
			gate := at(0.5, 0.12)
			kind := r.IntN(5)
			switch kind {
			case 0, 1: // walled with paths through a gate in the south wall
				in.Edges = append(in.Edges,
					access.Edge{ID: next(), Community: c, Line: line(street, gate, at(0.5, 0.5))},
					access.Edge{ID: next(), Community: c, Line: line(at(0.2, 0.5), at(0.5, 0.5), at(0.8, 0.5))})
				in.Gates = append(in.Gates, access.Gate{ID: next(), Community: c, Point: ll(gate[0], gate[1])})
			case 2: // walled without paths: gates only
				in.Gates = append(in.Gates, access.Gate{ID: next(), Community: c, Point: ll(gate[0], gate[1])})
				g2 := at(0.05, 0.6)
				in.Gates = append(in.Gates, access.Gate{ID: next(), Community: c, Point: ll(g2[0], g2[1])})
			case 3: // open; paths half of the time, from the street
				if r.IntN(2) == 0 {
					in.Edges = append(in.Edges, access.Edge{ID: next(), Community: c, Line: line(street, at(0.5, 0.3))})
				}
			case 4: // walled with paths that reach no gate: isolated
				in.Edges = append(in.Edges, access.Edge{ID: next(), Community: c, Line: line(at(0.3, 0.4), at(0.7, 0.6))})
				in.Gates = append(in.Gates, access.Gate{ID: next(), Community: c, Point: ll(gate[0], gate[1])})
			}
			for range 3 + r.IntN(5) {
				p := at(0.1+0.8*r.Float64(), 0.1+0.8*r.Float64())
				in.Buildings = append(in.Buildings, access.Building{ID: next(), Community: c, Subdistrict: 1,
					Households: 10 + r.IntN(50), Point: ll(p[0], p[1])})
			}
			if r.IntN(3) == 0 {
				p := at(0.1+0.8*r.Float64(), 0.1+0.8*r.Float64())
				k := in.Kinds[r.IntN(len(in.Kinds))].Code
				in.Facilities = append(in.Facilities, access.Facility{ID: next(), Kind: k, Status: access.StatusExisting, Community: c, Point: ll(p[0], p[1])})
			}
		}
	}
	for _, k := range in.Kinds { // facilities by the streets
		for range 3 {
			i, j := r.IntN(n), r.IntN(n+1)
			p := lerp(corner[i][j], corner[i+1][j], r.Float64())
			in.Facilities = append(in.Facilities, access.Facility{ID: next(), Kind: k.Code, Status: access.StatusExisting, Point: ll(p[0], p[1]-6)})
		}
	}
	slices.SortFunc(in.Edges, func(a, b access.Edge) int { return int(a.ID - b.ID) })
	return in
}

// FromTables fills the oracle's tables from the stored data (see fromTables).
func FromTables(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, fromTables)
	return err
}
