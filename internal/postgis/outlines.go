package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// streetClasses are the road classes that bound street blocks (a public road of one of them,
// community_id NULL, is a street): block outlines and provisional communities follow them.
const streetClasses = "('arterial', 'secondary', 'branch')"

// ProposeOutlines polygonises the street network (public roads of the classes arterial,
// secondary and branch: ST_Polygonize over their noded union), shrinks each block to the kerb and
// returns the blocks of a plausible size that no community covers by a fifth or more, north to
// south. renew.ErrUnavailable when the database cannot be reached.
func (db *DB) ProposeOutlines(ctx context.Context, opt planning.OutlineOptions) ([]planning.Outline, error) {
	opt = opt.WithDefaults()
	rows, _ := db.Pool.Query(ctx, `
		WITH streets AS (
		  SELECT ST_Union(geom) AS g FROM roads
		  WHERE community_id IS NULL AND class IN `+streetClasses+`
		), blocks AS (
		  SELECT (ST_Dump(ST_Polygonize(g))).geom AS block FROM streets
		), inset AS (
		  SELECT block, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Buffer(block::geography, -$3::float8)::geometry), 3)) AS geom
		  FROM blocks
		), kept AS (
		  SELECT block, geom, ST_Area(geom::geography) AS area FROM inset
		  WHERE NOT ST_IsEmpty(geom) AND ST_Area(geom::geography) BETWEEN $1::float8 AND $2::float8
		    AND NOT EXISTS (SELECT 1 FROM communities c WHERE c.geom && inset.geom
		        AND ST_Area(ST_Intersection(c.geom, inset.geom)::geography) >= 0.2 * ST_Area(inset.geom::geography))
		)
		SELECT ST_AsBinary(k.geom), k.area,
		  coalesce((SELECT s.code FROM subdistricts s WHERE ST_Intersects(s.geom, ST_PointOnSurface(k.geom)) ORDER BY s.id LIMIT 1), ''),
		  ARRAY(SELECT DISTINCT r.name FROM roads r WHERE r.community_id IS NULL AND r.name IS NOT NULL
		        AND r.geom && ST_Expand(k.block, 0.0001) AND ST_DWithin(r.geom::geography, ST_Boundary(k.block)::geography, 1)
		        AND ST_Length(ST_Intersection(r.geom, ST_Buffer(ST_Boundary(k.block)::geography, 1)::geometry)::geography) > 10
		        ORDER BY 1),
		  ARRAY(SELECT DISTINCT f.name FROM facilities f WHERE ST_Within(f.geom, k.geom) ORDER BY 1),
		  (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY b.completed_year) FROM buildings b
		   WHERE ST_Within(ST_PointOnSurface(b.geom), k.geom))
		FROM kept k
		ORDER BY ST_Y(ST_PointOnSurface(k.geom)) DESC, ST_X(ST_PointOnSurface(k.geom))`,
		opt.MinArea, opt.MaxArea, opt.Inset)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (planning.Outline, error) {
		o := planning.Outline{Origin: "block"}
		var b []byte
		if err := r.Scan(&b, &o.AreaM2, &o.Subdistrict, &o.Streets, &o.Names, &o.Year); err != nil {
			return o, err
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return o, err
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return o, fmt.Errorf("block outline: a %s", g.GeoJSONType())
		}
		o.Geometry = mp
		return o, nil
	})
	return out, mapError(err, "propose outlines")
}

// SaveOutlines stores proposals as provisional (待核实) communities, codes PV-<n>, named by their
// matched list row or, without one, by the streets around them; property type mixed and
// management none until a planner says otherwise. A proposal without a completed year (no
// buildings inside, no list row) or outside every 街道 is not stored: it is returned among the
// skipped. Audited as one entry.
func (db *DB) SaveOutlines(ctx context.Context, outlines []planning.Outline, a renew.AuditEntry) (saved []string, skipped []planning.Outline, err error) {
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		for _, o := range outlines {
			if o.Year == nil || o.Subdistrict == "" {
				skipped = append(skipped, o)
				continue
			}
			name := o.Name
			if name == "" {
				name = "待核实小区"
				if len(o.Streets) > 0 {
					name += "（" + strings.Join(o.Streets, "、") + "之间）"
				}
			}
			b, err := wkb.Marshal(o.Geometry)
			if err != nil {
				return err
			}
			var code string
			if err := tx.QueryRow(ctx, `
				INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, address, provisional, geom)
				SELECT 'PV-' || nextval('edit_codes'), $1, s.id, $2, 'mixed', 'none', nullif($3, ''), true, ST_GeomFromWKB($4, 4326)
				FROM subdistricts s WHERE s.code = $5
				RETURNING code`, name, *o.Year, o.Address, b, o.Subdistrict).Scan(&code); err != nil {
				return constraintError(err, "communities", "propose")
			}
			saved = append(saved, code)
		}
		if len(saved) == 0 {
			return nil
		}
		a.Action, a.Table, a.After = "outlines.propose", "communities", map[string]any{"codes": saved, "skipped": len(skipped)}
		return audit(ctx, tx, a)
	})
	return saved, skipped, mapError(err, "save outlines")
}
