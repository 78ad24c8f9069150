package postgis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"renewmap/internal/access"
)

// networkTables are the tables the walk network is built from; the sum of their data versions
// is the network's version (each counter only grows, so the sum moves on any change).
var networkTables = []string{"roads", "gates", "communities", "buildings", "facilities", "facility_kinds"}

// LoadNetwork reads everything the access engine is built from, in one consistent snapshot:
// walkable roads (with their community for internal paths), gates, communities, buildings (a
// point on their surface, households, community and subdistrict), facilities and facility kinds,
// and the sum of those tables' data versions. It returns renew.ErrUnavailable when the database
// cannot be reached.
func (db *DB) LoadNetwork(ctx context.Context) (in access.Input, err error) {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return in, mapError(err, "load network: begin")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(version), 0)::bigint FROM data_versions
		WHERE table_name = ANY ($1)`, networkTables).Scan(&in.Version); err != nil {
		return in, mapError(err, "load network: versions")
	}

	var id, comm int64
	var b []byte
	// The paths of a provisional (待核实) community count as public: its outline is not a wall
	// until a planner confirms it.
	rows, _ := tx.Query(ctx, `SELECT r.id, coalesce(CASE WHEN NOT c.provisional THEN r.community_id END, 0),
		ST_AsBinary(r.geom)
		FROM roads r LEFT JOIN communities c ON c.id = r.community_id
		WHERE r.walkable ORDER BY r.id`)
	_, err = pgx.ForEachRow(rows, []any{&id, &comm, &b}, func() error {
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return fmt.Errorf("road %d: %w", id, err)
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return fmt.Errorf("road %d: a %s, not a line", id, g.GeoJSONType())
		}
		in.Edges = append(in.Edges, access.Edge{ID: id, Community: comm, Line: ls})
		return nil
	})
	if err != nil {
		return in, mapError(err, "load network: roads")
	}

	var x, y float64
	rows, _ = tx.Query(ctx, `SELECT id, community_id, ST_X(geom), ST_Y(geom) FROM gates ORDER BY id`)
	_, err = pgx.ForEachRow(rows, []any{&id, &comm, &x, &y}, func() error {
		in.Gates = append(in.Gates, access.Gate{ID: id, Community: comm, Point: orb.Point{x, y}})
		return nil
	})
	if err != nil {
		return in, mapError(err, "load network: gates")
	}

	var sub int64
	var code, name string
	var provisional bool
	rows, _ = tx.Query(ctx, `SELECT id, subdistrict_id, code, name, provisional, ST_AsBinary(geom) FROM communities ORDER BY id`)
	_, err = pgx.ForEachRow(rows, []any{&id, &sub, &code, &name, &provisional, &b}, func() error {
		area, err := multiPolygon(b)
		if err != nil {
			return fmt.Errorf("community %d: %w", id, err)
		}
		in.Communities = append(in.Communities, access.Community{ID: id, Subdistrict: sub, Code: code, Name: name, Area: area, Provisional: provisional})
		return nil
	})
	if err != nil {
		return in, mapError(err, "load network: communities")
	}

	var hh int
	rows, _ = tx.Query(ctx, `SELECT b.id, b.community_id, c.subdistrict_id, b.households, ST_X(p), ST_Y(p),
			ST_AsBinary(b.geom)
		FROM buildings b
		JOIN communities c ON c.id = b.community_id
		CROSS JOIN LATERAL ST_PointOnSurface(b.geom) p
		ORDER BY b.id`)
	_, err = pgx.ForEachRow(rows, []any{&id, &comm, &sub, &hh, &x, &y, &b}, func() error {
		fp, err := multiPolygon(b)
		if err != nil {
			return fmt.Errorf("building %d: %w", id, err)
		}
		in.Buildings = append(in.Buildings, access.Building{ID: id, Community: comm, Subdistrict: sub,
			Households: hh, Point: orb.Point{x, y}, Footprint: fp})
		return nil
	})
	if err != nil {
		return in, mapError(err, "load network: buildings")
	}

	var kind, status string
	rows, _ = tx.Query(ctx, `SELECT id, kind, status, coalesce(community_id, 0), ST_X(geom), ST_Y(geom)
		FROM facilities ORDER BY id`)
	_, err = pgx.ForEachRow(rows, []any{&id, &kind, &status, &comm, &x, &y}, func() error {
		in.Facilities = append(in.Facilities, access.Facility{ID: id, Kind: kind, Status: status,
			Community: comm, Point: orb.Point{x, y}})
		return nil
	})
	if err != nil {
		return in, mapError(err, "load network: facilities")
	}

	var level string
	var required bool
	var dist float64
	rows, _ = tx.Query(ctx, `SELECT code, name, level, required, service_distance_m::float8
		FROM facility_kinds ORDER BY sort, code`)
	_, err = pgx.ForEachRow(rows, []any{&code, &name, &level, &required, &dist}, func() error {
		in.Kinds = append(in.Kinds, access.Kind{Code: code, Name: name, Level: level, Required: required, ServiceDistance: dist})
		return nil
	})
	if err != nil {
		return in, mapError(err, "load network: facility kinds")
	}
	return in, nil
}

// multiPolygon decodes a WKB MultiPolygon (a Polygon is taken as one).
func multiPolygon(b []byte) (orb.MultiPolygon, error) {
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	}
	return nil, fmt.Errorf("a %s, not a polygon", g.GeoJSONType())
}

// NetworkVersion is the sum of the data versions of the tables the walk network is built from,
// the value LoadNetwork puts in Input.Version: a caller rebuilds its engine when it moves on.
func (db *DB) NetworkVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(version), 0)::bigint FROM data_versions
		WHERE table_name = ANY ($1)`, networkTables).Scan(&v)
	return v, mapError(err, "network version")
}

// SaveCircles stores circles in living_circles with the inputs' version: for every (community,
// profile) in circles the previous rows are replaced, all in one transaction. Each polygon is the
// circle's area (access.Circle.Polygon), made in Go on every core before the write. It returns
// renew.ErrInvalid for a circle of an unknown community or without a positive distance or
// minutes, renew.ErrUnavailable when the database cannot be reached.
func (db *DB) SaveCircles(ctx context.Context, circles []access.Circle, version int64) (err error) {
	var todo []int
	for i, c := range circles {
		if len(c.Pieces) > 0 {
			todo = append(todo, i)
		}
	}
	polys := make([][]byte, len(circles))
	workers := runtime.NumCPU()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := w; j < len(todo); j += workers {
				c := circles[todo[j]]
				g, err := wkb.Marshal(c.Polygon())
				if err != nil {
					errs[w] = fmt.Errorf("save circles: community %d: %w", c.Community, err)
					return
				}
				polys[todo[j]] = g
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return mapError(err, "save circles: begin")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE circle_polygons (
		community_id int, minutes int, distance_m int, profile text, geom bytea) ON COMMIT DROP`); err != nil {
		return mapError(err, "save circles: stage")
	}
	rows := make([][]any, 0, len(todo))
	for _, i := range todo {
		c := circles[i]
		rows = append(rows, []any{c.Community, c.Minutes, int(math.Round(c.Distance)), c.Profile, polys[i]})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"circle_polygons"},
		[]string{"community_id", "minutes", "distance_m", "profile", "geom"}, pgx.CopyFromRows(rows)); err != nil {
		return mapError(err, "save circles: copy")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM living_circles l USING (
		SELECT DISTINCT community_id, profile FROM circle_polygons) p
		WHERE l.community_id = p.community_id AND l.profile = p.profile`); err != nil {
		return mapError(err, "save circles: replace")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO living_circles (community_id, minutes, distance_m, profile, inputs_version, geom)
		SELECT community_id, minutes, distance_m, profile, $1, ST_GeomFromWKB(geom, 4326)
		FROM circle_polygons`, version); err != nil {
		return mapError(err, "save circles")
	}
	return mapError(tx.Commit(ctx), "save circles: commit")
}
