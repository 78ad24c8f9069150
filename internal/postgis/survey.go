package postgis

import (
	"context"
)

// TransformLines3D turns 3D two-point lines from srid into GeoJSON LineStrings in EPSG:4326
// (7 decimals), elevations kept, in order. renew.ErrInvalid for an unknown srid.
func (db *DB) TransformLines3D(ctx context.Context, srid int, lines [][2][3]float64) ([]string, error) {
	cols := make([][]float64, 6)
	for _, l := range lines {
		for i := range 6 {
			cols[i] = append(cols[i], l[i/3][i%3])
		}
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_MakeLine(ST_MakePoint(x1, y1, z1), ST_MakePoint(x2, y2, z2)), $7), 4326), 7)
		FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[], $5::float8[], $6::float8[])
		     WITH ORDINALITY AS u(x1, y1, z1, x2, y2, z2, n)
		ORDER BY n`, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], srid)
	if err != nil {
		return nil, mapError(err, "transform survey lines")
	}
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return nil, mapError(err, "transform survey lines")
		}
		out = append(out, g)
	}
	return out, mapError(rows.Err(), "transform survey lines")
}
