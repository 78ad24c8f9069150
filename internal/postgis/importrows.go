package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/foreign"
	"renewmap/internal/renew"
)

// rowHash is the SQL expression hashing a row t of lay's table over the columns an import writes,
// so a change made in renewmap after an import shows.
func rowHash(lay *ingest.Layer) string {
	var cols []string
	for _, f := range lay.Fields[1:] {
		cols = append(cols, "t."+pgx.Identifier{f.Column}.Sanitize())
	}
	if len(lay.Geometry) > 0 {
		cols = append(cols, "ST_AsEWKB(t.geom)")
	}
	return "md5(row(" + strings.Join(cols, ", ") + ")::text)"
}

// trackBefore compares the staged layer with what the source imported last time: rows changed in
// renewmap since then are reported in lr.Kept and, unless replace, taken out of the stage so the
// change stays; rows the source imported that the batch lacks are reported in lr.Missing.
func trackBefore(ctx context.Context, tx pgx.Tx, lay *ingest.Layer, source string, replace bool, lr *LayerReport) error {
	table, stage := pgx.Identifier{lay.Name}.Sanitize(), stageTable(lay.Name)
	rows, err := tx.Query(ctx, `
		SELECT t.code FROM `+table+` t
		JOIN `+stage+` s ON s.code = t.code
		JOIN import_rows r ON r.source = $1 AND r.layer = $2 AND r.code = t.code
		WHERE r.row_hash <> `+rowHash(lay)+`
		ORDER BY t.code`, source, lay.Name)
	if err != nil {
		return mapError(err, "import: compare "+lay.Name)
	}
	if lr.Kept, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return mapError(err, "import: compare "+lay.Name)
	}
	rows, err = tx.Query(ctx, `
		SELECT r.code FROM import_rows r
		JOIN `+table+` t ON t.code = r.code
		WHERE r.source = $1 AND r.layer = $2 AND NOT EXISTS (SELECT 1 FROM `+stage+` s WHERE s.code = r.code)
		ORDER BY r.code`, source, lay.Name)
	if err != nil {
		return mapError(err, "import: compare "+lay.Name)
	}
	if lr.Missing, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return mapError(err, "import: compare "+lay.Name)
	}
	if len(lr.Kept) > 0 && !replace {
		if _, err := tx.Exec(ctx, `DELETE FROM `+stage+` WHERE code = ANY($1)`, lr.Kept); err != nil {
			return mapError(err, "import: keep "+lay.Name)
		}
	}
	return nil
}

// trackAfter records what the source wrote and, with replace, deletes the rows it imported before
// that the batch no longer has.
func trackAfter(ctx context.Context, tx pgx.Tx, lay *ingest.Layer, source string, replace bool, lr *LayerReport) error {
	table, stage := pgx.Identifier{lay.Name}.Sanitize(), stageTable(lay.Name)
	if replace && len(lr.Missing) > 0 {
		err := quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
			tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE code = ANY($1)`, lr.Missing)
			if err != nil {
				return 0, constraintError(err, lay.Name, "replace")
			}
			lr.Deleted = int(tag.RowsAffected())
			return lr.Deleted, nil
		})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_rows WHERE source = $1 AND layer = $2 AND code = ANY($3)`, source, lay.Name, lr.Missing); err != nil {
			return mapError(err, "import: forget "+lay.Name)
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO import_rows (source, layer, code, row_hash)
		SELECT $1, $2, t.code, `+rowHash(lay)+` FROM `+table+` t JOIN `+stage+` s ON s.code = t.code
		ON CONFLICT (source, layer, code) DO UPDATE SET row_hash = EXCLUDED.row_hash, imported_at = now()
		WHERE import_rows.row_hash <> EXCLUDED.row_hash`, source, lay.Name)
	return mapError(err, "import: record "+lay.Name)
}

// ForeignCatalog reads what mapping a foreign source onto layer needs: the vocabularies' labels,
// the names of the layers layer refers to, and, for a join, layer's features.
func (db *DB) ForeignCatalog(ctx context.Context, layer string, join bool) (*foreign.Catalog, error) {
	lay := ingest.LayerByName(layer)
	if lay == nil {
		return nil, renew.Invalid("unknown layer %q", layer)
	}
	labels, err := db.Labels(ctx)
	if err != nil {
		return nil, err
	}
	cat := &foreign.Catalog{Labels: labels, Names: map[string][]foreign.Named{}}
	for _, f := range lay.Fields {
		if f.Kind != ingest.KindRef || ingest.LayerByName(f.Ref).Field("name") == nil {
			continue
		}
		rows, err := db.Pool.Query(ctx, `SELECT code, name FROM `+pgx.Identifier{f.Ref}.Sanitize()+` ORDER BY code`)
		if err != nil {
			return nil, mapError(err, "read names of "+f.Ref)
		}
		names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (foreign.Named, error) {
			var n foreign.Named
			return n, r.Scan(&n.Code, &n.Name)
		})
		if err != nil {
			return nil, mapError(err, "read names of "+f.Ref)
		}
		cat.Names[f.Ref] = names
	}
	if join {
		if cat.Existing, err = layerFeatures(ctx, db.Pool, lay); err != nil {
			return nil, err
		}
	}
	return cat, nil
}

// layerFeatures reads a layer's features with ingest's property names, references as codes.
func layerFeatures(ctx context.Context, q codeQuerier, lay *ingest.Layer) ([]foreign.Existing, error) {
	var pairs, joins []string
	for _, f := range lay.Fields[1:] {
		expr := "t." + pgx.Identifier{f.Column}.Sanitize()
		if f.Kind == ingest.KindRef {
			alias := pgx.Identifier{"ref_" + f.Name}.Sanitize()
			joins = append(joins, fmt.Sprintf("LEFT JOIN %s %s ON %s.id = t.%s",
				pgx.Identifier{f.Ref}.Sanitize(), alias, alias, pgx.Identifier{f.Column}.Sanitize()))
			expr = alias + ".code"
		}
		pairs = append(pairs, quoteLiteral(f.Name), expr)
	}
	geom := "NULL::text"
	if len(lay.Geometry) > 0 {
		geom = "ST_AsGeoJSON(t.geom, 9)"
	}
	rows, err := q.Query(ctx, fmt.Sprintf(`
		SELECT t.code, jsonb_strip_nulls(jsonb_build_object(%s))::text, %s
		FROM %s t %s ORDER BY t.code`,
		strings.Join(pairs, ", "), geom, pgx.Identifier{lay.Name}.Sanitize(), strings.Join(joins, " ")))
	if err != nil {
		return nil, mapError(err, "read "+lay.Name)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (foreign.Existing, error) {
		var e foreign.Existing
		var props string
		var g *string
		if err := r.Scan(&e.Code, &props, &g); err != nil {
			return e, err
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(props)))
		dec.UseNumber()
		if err := dec.Decode(&e.Props); err != nil {
			return e, err
		}
		if g != nil {
			e.Geometry = json.RawMessage(*g)
		}
		return e, nil
	})
}
