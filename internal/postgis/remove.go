package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

// placeRefs says, for the layers others hang on, what must no longer refer to a row before
// RemoveImported may delete it.
var placeRefs = map[string]string{
	"districts":      `NOT EXISTS (SELECT 1 FROM subdistricts x WHERE x.district_id = t.id)`,
	"subdistricts":   `NOT EXISTS (SELECT 1 FROM communities x WHERE x.subdistrict_id = t.id) AND NOT EXISTS (SELECT 1 FROM neighbourhoods x WHERE x.subdistrict_id = t.id)`,
	"neighbourhoods": `NOT EXISTS (SELECT 1 FROM communities x WHERE x.neighbourhood_id = t.id)`,
}

// RemoveImported deletes the rows that still hold features of b as b has them: the same code and
// the same geometry (within about a metre, so a vertex the topology check moved does not keep a
// row), with what cascades from them (a community's buildings, paths, gates, plan…). A row of the
// same code whose geometry has changed belongs to whoever changed it and stays. Districts,
// subdistricts and neighbourhoods go only when nothing else refers to them any more, and plans
// only with their community. It is one transaction and returns what it deleted per layer, in the
// order deleted. It returns renew.ErrUnavailable when the database cannot be reached.
func (db *DB) RemoveImported(ctx context.Context, b *ingest.Batch) (rep ImportReport, err error) {
	start := time.Now()
	if b == nil || len(b.Layers) == 0 {
		return rep, renew.Invalid("nothing to remove")
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return rep, mapError(err, "remove: begin")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", importLock); err != nil {
		return rep, mapError(err, "remove: lock")
	}
	for i := len(b.Layers) - 1; i >= 0; i-- {
		ld := b.Layers[i]
		name := ld.Layer.Name
		if len(ld.Layer.Geometry) == 0 {
			continue // plans go with their community
		}
		if err := stageLayer(ctx, tx, ld); err != nil {
			return rep, err
		}
		cond := "true"
		if c, ok := placeRefs[name]; ok {
			cond = c
		}
		tag, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{name}.Sanitize()+` t USING `+stageTable(name)+` s
			WHERE t.code = s.code AND ST_HausdorffDistance(t.geom, ST_GeomFromWKB(s.wkb, 4326)) < 1e-5 AND `+cond)
		if err != nil {
			return rep, mapError(err, "remove "+name)
		}
		rep.Layers = append(rep.Layers, LayerReport{Layer: name, Features: len(ld.Features), Deleted: int(tag.RowsAffected())})
	}
	if err := tx.Commit(ctx); err != nil {
		return rep, mapError(err, "remove: commit")
	}
	rep.Duration = time.Since(start)
	return rep, nil
}
