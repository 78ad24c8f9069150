package postgis

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	geomwkb "github.com/twpayne/go-geom/encoding/wkb"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
	"renewmap/internal/topology"
)

// importLock is the transaction-level advisory lock that serialises imports, so two loads never
// interleave their reference checks and upserts.
const importLock = 7_346_012_023

// ImportOptions tune Import.
type ImportOptions struct {
	// Replace deletes, for each layer in the batch, the rows whose code the batch does not hold
	// (with what cascades from them; docs/data-format.md lists it). Layers absent from the batch
	// are left alone.
	Replace bool
	// ReplacePrefix limits Replace to the rows whose code starts with it (an OSM import's
	// prefix), so that data from other sources in the same layers stays. Empty: every row.
	ReplacePrefix string
	// Progress, when set, is called as layers are written: done of total features so far, and
	// layer the one being written. The last call has done == total.
	Progress func(layer string, done, total int)
	// Topology tunes the check of the walk network's topology that ends every import
	// (ApplyTopology); the zero value merges vertices within 0.5 m and reports dangles.
	Topology topology.Options
	// Source, when set, names a foreign source (renewmap import): the import records what it
	// writes under that name (import_rows) and, per layer, reports the rows changed in renewmap
	// since the source's last import (kept unless Replace) and the rows that source imported but
	// the batch lacks (deleted only with Replace, which then deletes nothing else).
	Source string
	// DryRun does everything but commit: the report says what the import would do.
	DryRun bool
	// Provisional are codes of communities the batch proposes (clusters of buildings, an OSM
	// import's -provisional): those the import inserts are marked provisional (待核实); one that
	// was there before keeps its state, so a re-import does not undo a planner's confirmation.
	Provisional []string
}

// LayerReport counts what an import did to one table.
type LayerReport struct {
	Layer     string // a layer, or plan_items / plan_funding
	Features  int    // in the batch
	Inserted  int
	Updated   int
	Unchanged int
	Deleted   int      // by Replace; rows removed by cascades are not counted
	Kept      []string // with Source: codes changed in renewmap since the last import, left as they are
	Missing   []string // with Source: codes imported before from the source that the batch lacks
}

// ImportReport says what an import did, layer by layer in dependency order.
type ImportReport struct {
	Layers   []LayerReport
	Topology topology.Report // the walk network after the import
	Duration time.Duration
}

// String summarises the report, one line per layer.
func (r ImportReport) String() string {
	var b strings.Builder
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "%-16s %6d features: %d inserted, %d updated, %d unchanged", l.Layer, l.Features, l.Inserted, l.Updated, l.Unchanged)
		if l.Deleted > 0 {
			fmt.Fprintf(&b, ", %d deleted", l.Deleted)
		}
		b.WriteString("\n")
		if len(l.Kept) > 0 {
			fmt.Fprintf(&b, "  %d changed in renewmap since the last import, kept (--replace overwrites them): %s\n", len(l.Kept), codeList(l.Kept))
		}
		if len(l.Missing) > 0 && l.Deleted == 0 {
			fmt.Fprintf(&b, "  %d no longer in the source, kept (--replace deletes them): %s\n", len(l.Missing), codeList(l.Missing))
		}
	}
	writeTopology(&b, r.Topology)
	fmt.Fprintf(&b, "imported in %s", r.Duration.Round(time.Millisecond))
	return b.String()
}

// Known reads what a batch may use from the database: every vocabulary's codes and the codes of
// the layers that others refer to. It returns renew.ErrUnavailable when the database cannot be
// reached.
func (db *DB) Known(ctx context.Context) (ingest.Known, error) {
	return readKnown(ctx, db.Pool)
}

type codeQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readKnown(ctx context.Context, q codeQuerier) (ingest.Known, error) {
	k := ingest.Known{Enums: map[string][]string{}, Codes: map[string]map[string]bool{}}
	rows, err := q.Query(ctx, `
		SELECT enum, code FROM (
		  SELECT enum, code, sort FROM enum_labels
		  UNION ALL SELECT 'facility_kind', code, sort FROM facility_kinds
		  UNION ALL SELECT 'menu', code, sort FROM renovation_menu
		  UNION ALL SELECT 'department', code, sort FROM departments
		) v
		ORDER BY enum, sort, code`)
	if err != nil {
		return k, mapError(err, "read vocabularies")
	}
	var enum, code string
	_, err = pgx.ForEachRow(rows, []any{&enum, &code}, func() error {
		k.Enums[enum] = append(k.Enums[enum], code)
		return nil
	})
	if err != nil {
		return k, mapError(err, "read vocabularies")
	}
	for _, layer := range referredLayers() {
		rows, err := q.Query(ctx, "SELECT code FROM "+pgx.Identifier{layer}.Sanitize())
		if err != nil {
			return k, mapError(err, "read codes of "+layer)
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return k, mapError(err, "read codes of "+layer)
		}
		set := make(map[string]bool, len(codes))
		for _, c := range codes {
			set[c] = true
		}
		k.Codes[layer] = set
	}
	return k, nil
}

// referredLayers lists the layers some layer refers to.
func referredLayers() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range ingest.Layers() {
		for _, f := range l.Fields {
			if f.Kind == ingest.KindRef && !seen[f.Ref] {
				seen[f.Ref] = true
				out = append(out, f.Ref)
			}
		}
	}
	return out
}

// Import writes a parsed batch in one transaction: it checks the batch's codes and references
// against the database (Batch.Check), stages every layer with COPY, has PostGIS check every
// geometry, then upserts the layers by code in dependency order (a plan's items and funding
// become the file's) and, with opt.Replace, deletes what the batch no longer holds. Community
// totals follow from the buildings (triggers).
//
// Anything wrong with the data comes back as renew.ErrInvalid with a message naming the file,
// feature and property (or the layer, for what only the database can tell); a database that
// cannot be reached as renew.ErrUnavailable. On any error nothing is changed.
func (db *DB) Import(ctx context.Context, b *ingest.Batch, opt ImportOptions) (rep ImportReport, err error) {
	start := time.Now()
	if b == nil || len(b.Layers) == 0 {
		return rep, renew.Invalid("nothing to import")
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return rep, mapError(err, "import: begin")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if rep, err = importTx(ctx, tx, b, opt); err != nil {
		return rep, err
	}
	if rep.Topology, err = ApplyTopology(ctx, tx, opt.Topology); err != nil {
		return rep, err
	}
	if opt.DryRun {
		rep.Duration = time.Since(start)
		return rep, mapError(tx.Rollback(ctx), "import: roll back the dry run")
	}
	if err := tx.Commit(ctx); err != nil {
		return rep, mapError(err, "import: commit")
	}
	if opt.Progress != nil {
		opt.Progress(b.Layers[len(b.Layers)-1].Layer.Name, b.Count(), b.Count())
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// importTx is Import inside the caller's transaction (a map edit writes its feature through it),
// without the commit and the last progress call.
func importTx(ctx context.Context, tx pgx.Tx, b *ingest.Batch, opt ImportOptions) (rep ImportReport, err error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", importLock); err != nil {
		return rep, mapError(err, "import: lock")
	}
	known, err := readKnown(ctx, tx)
	if err != nil {
		return rep, err
	}
	var before []string // of opt.Provisional, the communities already stored
	if len(opt.Provisional) > 0 {
		if err := tx.QueryRow(ctx, "SELECT coalesce(array_agg(code), '{}') FROM communities WHERE code = ANY ($1)",
			opt.Provisional).Scan(&before); err != nil {
			return rep, mapError(err, "import: provisional communities")
		}
	}
	replace := ingest.Replace{On: opt.Replace && opt.Source == "", Prefix: opt.ReplacePrefix}
	if err := b.Check(known, replace); err != nil {
		return rep, err
	}
	for _, ld := range b.Layers {
		if err := stageLayer(ctx, tx, ld); err != nil {
			return rep, err
		}
	}
	if err := checkGeometries(ctx, tx, b); err != nil {
		return rep, err
	}

	total, done := b.Count(), 0
	progress := func(layer string) {
		if opt.Progress != nil {
			opt.Progress(layer, done, total)
		}
	}
	for _, ld := range b.Layers {
		progress(ld.Layer.Name)
		lr := LayerReport{Layer: ld.Layer.Name, Features: len(ld.Features)}
		if opt.Source != "" {
			if err := trackBefore(ctx, tx, ld.Layer, opt.Source, opt.Replace, &lr); err != nil {
				return rep, err
			}
		}
		if replace.On && ld.Layer.Name == "plans" {
			// Plans are deleted before the upsert, so a community's plan may change its code.
			if lr.Deleted, err = deleteMissing(ctx, tx, ld.Layer, replace.Prefix); err != nil {
				return rep, err
			}
		}
		if err := upsertLayer(ctx, tx, ld.Layer, &lr); err != nil {
			return rep, err
		}
		if opt.Source != "" {
			if !opt.Replace {
				lr.Unchanged -= len(lr.Kept)
			}
			if err := trackAfter(ctx, tx, ld.Layer, opt.Source, opt.Replace, &lr); err != nil {
				return rep, err
			}
		}
		rep.Layers = append(rep.Layers, lr)
		if ld.Layer.Name == "plans" {
			parts, err := upsertPlanParts(ctx, tx, ld)
			if err != nil {
				return rep, err
			}
			rep.Layers = append(rep.Layers, parts...)
		}
		done += len(ld.Features)
	}
	if replace.On {
		// Reverse order: a community goes before the subdistrict it refers to.
		for i := len(b.Layers) - 1; i >= 0; i-- {
			lay := b.Layers[i].Layer
			if lay.Name == "plans" {
				continue
			}
			n, err := deleteMissing(ctx, tx, lay, replace.Prefix)
			if err != nil {
				return rep, err
			}
			for j := range rep.Layers {
				if rep.Layers[j].Layer == lay.Name {
					rep.Layers[j].Deleted = n
				}
			}
		}
	}
	if len(opt.Provisional) > 0 {
		if _, err := tx.Exec(ctx, "UPDATE communities SET provisional = true WHERE code = ANY ($1) AND NOT code = ANY ($2)",
			opt.Provisional, before); err != nil {
			return rep, mapError(err, "import: provisional communities")
		}
	}
	return rep, nil
}

func stageTable(name string) string { return pgx.Identifier{"stage_" + name}.Sanitize() }

// stageLayer copies a layer's features into a temporary table: n (the feature's position in
// ld.Features), code, props (jsonb) and wkb. Plans also stage their items and funding.
func stageLayer(ctx context.Context, tx pgx.Tx, ld *ingest.LayerData) error {
	name := ld.Layer.Name
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+stageTable(name)+` (
		n int PRIMARY KEY, code text NOT NULL UNIQUE, props jsonb NOT NULL, wkb bytea) ON COMMIT DROP`); err != nil {
		return mapError(err, "import: stage "+name)
	}
	rows := make([][]any, len(ld.Features))
	var items, funding [][]any
	for i := range ld.Features {
		f := &ld.Features[i]
		props, err := json.Marshal(f.Props)
		if err != nil {
			return fmt.Errorf("import: encode %s: %w", f.Where(), err)
		}
		g, err := encodeWKB(f.Geometry)
		if f.Geometry3D != nil {
			// The elevations ride along in the staged WKB (XYZ); the insert splits them off.
			g, err = geomwkb.Marshal(f.Geometry3D, binary.LittleEndian)
		}
		if err != nil {
			return fmt.Errorf("import: encode %s: %w", f.Where(), err)
		}
		rows[i] = []any{i, f.Code, string(props), g}
		for _, r := range f.Items {
			props, err := json.Marshal(r.Props)
			if err != nil {
				return fmt.Errorf("import: encode %s: %w", f.Where(), err)
			}
			g, err := encodeWKB(r.Geometry)
			if err != nil {
				return fmt.Errorf("import: encode %s: %w", f.Where(), err)
			}
			items = append(items, []any{i, r.Index, f.Code, string(props), g})
		}
		for _, r := range f.Funding {
			props, err := json.Marshal(r.Props)
			if err != nil {
				return fmt.Errorf("import: encode %s: %w", f.Where(), err)
			}
			funding = append(funding, []any{i, r.Index, f.Code, string(props)})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_" + name}, []string{"n", "code", "props", "wkb"}, pgx.CopyFromRows(rows)); err != nil {
		return mapError(err, "import: copy "+name)
	}
	if name != "plans" {
		return nil
	}
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE stage_plan_items (n int, i int, plan_code text, props jsonb, wkb bytea) ON COMMIT DROP;
		CREATE TEMP TABLE stage_plan_funding (n int, i int, plan_code text, props jsonb) ON COMMIT DROP`); err != nil {
		return mapError(err, "import: stage plan items")
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_plan_items"}, []string{"n", "i", "plan_code", "props", "wkb"}, pgx.CopyFromRows(items)); err != nil {
		return mapError(err, "import: copy plan items")
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_plan_funding"}, []string{"n", "i", "plan_code", "props"}, pgx.CopyFromRows(funding)); err != nil {
		return mapError(err, "import: copy plan funding")
	}
	return nil
}

func encodeWKB(g orb.Geometry) ([]byte, error) {
	if g == nil {
		return nil, nil
	}
	return wkb.Marshal(g)
}

// checkGeometries asks PostGIS whether every staged geometry is valid (OGC simple features) and
// reports the invalid ones by feature, with PostGIS's reason and where.
func checkGeometries(ctx context.Context, tx pgx.Tx, b *ingest.Batch) error {
	var p ingest.Problems
	for _, ld := range b.Layers {
		if p.Full() {
			break
		}
		table, cols := stageTable(ld.Layer.Name), "n, NULL::int AS i"
		if ld.Layer.Name == "plans" {
			table, cols = "stage_plan_items", "n, i"
		}
		rows, err := tx.Query(ctx, `
			SELECT n, i, (d).reason, coalesce(ST_AsText((d).location, 7), '')
			FROM (SELECT `+cols+`, ST_IsValidDetail(ST_GeomFromWKB(wkb, 4326)) AS d
			      FROM `+table+` WHERE wkb IS NOT NULL) s
			WHERE NOT (d).valid
			ORDER BY n, i
			LIMIT $1`, ingest.MaxProblems)
		if err != nil {
			return mapError(err, "import: check geometries of "+ld.Layer.Name)
		}
		var n int
		var i *int
		var reason, at string
		_, err = pgx.ForEachRow(rows, []any{&n, &i, &reason, &at}, func() error {
			var prefix renew.Text
			if i != nil {
				prefix = renew.T("items[%d]: ", *i)
			}
			if at != "" {
				at = " at " + at
			}
			p.Add("%s: %sgeometry: not valid: %s%s", ld.Features[n].Where(), prefix, reason, at)
			return nil
		})
		if err != nil {
			return mapError(err, "import: check geometries of "+ld.Layer.Name)
		}
	}
	return p.Err()
}

// upsertLayer moves a staged layer into its table: new codes are inserted, known codes updated when
// something differs (so re-importing the same file changes nothing), references resolved by code.
func upsertLayer(ctx context.Context, tx pgx.Tx, lay *ingest.Layer, lr *LayerReport) error {
	table := pgx.Identifier{lay.Name}.Sanitize()
	var cols, exprs, joins []string
	for _, f := range lay.Fields {
		col := pgx.Identifier{f.Column}.Sanitize()
		cols = append(cols, col)
		if f.Name == "code" {
			exprs = append(exprs, "s.code")
			continue
		}
		prop := "s.props->>" + quoteLiteral(f.Name)
		switch f.Kind {
		case ingest.KindInt:
			exprs = append(exprs, "("+prop+")::int")
		case ingest.KindNumber:
			e := "(" + prop + ")::numeric"
			if lay.Name == "candidate_sites" && f.Name == "area_m2" {
				e = "coalesce(" + e + ", round(ST_Area(ST_GeomFromWKB(s.wkb, 4326)::geography)::numeric, 1))"
			}
			exprs = append(exprs, e)
		case ingest.KindBool:
			exprs = append(exprs, "("+prop+")::boolean")
		case ingest.KindDate:
			exprs = append(exprs, "("+prop+")::date")
		case ingest.KindEnumArray:
			exprs = append(exprs, "ARRAY(SELECT jsonb_array_elements_text(s.props->"+quoteLiteral(f.Name)+"))")
		case ingest.KindRef:
			alias := pgx.Identifier{"ref_" + f.Name}.Sanitize()
			joins = append(joins, fmt.Sprintf("LEFT JOIN %s %s ON %s.code = %s",
				pgx.Identifier{f.Ref}.Sanitize(), alias, alias, prop))
			exprs = append(exprs, alias+".id")
		default:
			exprs = append(exprs, prop)
		}
	}
	if len(lay.Geometry) > 0 {
		cols = append(cols, "geom")
		exprs = append(exprs, "ST_Force2D(ST_GeomFromWKB(s.wkb, 4326))")
	}
	if lay.Elevation {
		// geom_z keeps the elevation of every vertex (sql/0020); NULL for a 2D line.
		cols = append(cols, "geom_z")
		exprs = append(exprs, "CASE WHEN ST_NDims(ST_GeomFromWKB(s.wkb, 4326)) = 3 THEN ST_GeomFromWKB(s.wkb, 4326) END")
	}
	var sets, olds, news []string
	for _, c := range cols[1:] { // not code
		sets = append(sets, c+" = EXCLUDED."+c)
		olds = append(olds, "t."+c)
		news = append(news, "EXCLUDED."+c)
	}
	if lay.Name == "plans" {
		sets = append(sets, "updated_at = now()")
	}
	sql := fmt.Sprintf(`
		WITH up AS (
		  INSERT INTO %[1]s AS t (%[2]s)
		  SELECT %[3]s
		  FROM %[4]s s
		  %[5]s
		  ORDER BY s.n
		  ON CONFLICT (code) DO UPDATE SET %[6]s
		  WHERE (%[7]s) IS DISTINCT FROM (%[8]s)
		  RETURNING (xmax = 0) AS inserted
		)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
		table, strings.Join(cols, ", "), strings.Join(exprs, ", "), stageTable(lay.Name),
		strings.Join(joins, "\n\t\t  "), strings.Join(sets, ", "), strings.Join(olds, ", "), strings.Join(news, ", "))
	lr.Unchanged = lr.Features
	return quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
		if err := tx.QueryRow(ctx, sql).Scan(&lr.Inserted, &lr.Updated); err != nil {
			return 0, constraintError(err, lay.Name, "write")
		}
		lr.Unchanged = lr.Features - lr.Inserted - lr.Updated
		return lr.Inserted + lr.Updated, nil
	})
}

// quietly runs fn in a savepoint and undoes it when fn changed no rows: statement triggers fire
// even for a statement that changes nothing, and an unchanged re-import should not bump
// data_versions (and so invalidate caches).
func quietly(ctx context.Context, tx pgx.Tx, fn func(pgx.Tx) (int, error)) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return mapError(err, "import: savepoint")
	}
	n, err := fn(sp)
	if err != nil {
		return err // the transaction is aborted and rolled back as a whole
	}
	if n == 0 {
		return mapError(sp.Rollback(ctx), "import: roll back to savepoint")
	}
	return mapError(sp.Commit(ctx), "import: release savepoint")
}

// upsertPlanParts makes the items and funding of the batch's plans the file's: upserted by menu
// code and source, the others of those plans deleted.
func upsertPlanParts(ctx context.Context, tx pgx.Tx, ld *ingest.LayerData) ([]LayerReport, error) {
	items := LayerReport{Layer: "plan_items"}
	funding := LayerReport{Layer: "plan_funding"}
	for i := range ld.Features {
		items.Features += len(ld.Features[i].Items)
		funding.Features += len(ld.Features[i].Funding)
	}
	err := quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
		err := tx.QueryRow(ctx, `
		WITH up AS (
		  INSERT INTO plan_items AS t (plan_id, menu_code, quantity, unit_cost, department_code, status, geom)
		  SELECT p.id, m.code, (s.props->>'quantity')::numeric,
		         coalesce((s.props->>'unit_cost')::numeric, m.unit_cost),
		         s.props->>'department', s.props->>'status', ST_GeomFromWKB(s.wkb, 4326)
		  FROM stage_plan_items s
		  JOIN plans p ON p.code = s.plan_code
		  JOIN renovation_menu m ON m.code = s.props->>'menu'
		  ORDER BY s.n, s.i
		  ON CONFLICT (plan_id, menu_code) DO UPDATE
		  SET quantity = EXCLUDED.quantity, unit_cost = EXCLUDED.unit_cost,
		      department_code = EXCLUDED.department_code, status = EXCLUDED.status, geom = EXCLUDED.geom
		  WHERE (t.quantity, t.unit_cost, t.department_code, t.status, t.geom)
		        IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.unit_cost, EXCLUDED.department_code, EXCLUDED.status, EXCLUDED.geom)
		  RETURNING (xmax = 0) AS inserted
		)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`).
			Scan(&items.Inserted, &items.Updated)
		if err != nil {
			return 0, constraintError(err, "plans", "write the items of")
		}
		return items.Inserted + items.Updated, nil
	})
	if err != nil {
		return nil, err
	}
	err = quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
		tag, err := tx.Exec(ctx, `
		DELETE FROM plan_items t
		USING plans p, stage_plans sp
		WHERE t.plan_id = p.id AND p.code = sp.code
		  AND NOT EXISTS (SELECT 1 FROM stage_plan_items s WHERE s.plan_code = p.code AND s.props->>'menu' = t.menu_code)`)
		if err != nil {
			return 0, constraintError(err, "plans", "write the items of")
		}
		items.Deleted = int(tag.RowsAffected())
		return items.Deleted, nil
	})
	if err != nil {
		return nil, err
	}
	err = quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
		err := tx.QueryRow(ctx, `
		WITH up AS (
		  INSERT INTO plan_funding AS t (plan_id, source, amount)
		  SELECT p.id, s.props->>'source', (s.props->>'amount')::numeric
		  FROM stage_plan_funding s
		  JOIN plans p ON p.code = s.plan_code
		  ORDER BY s.n, s.i
		  ON CONFLICT (plan_id, source) DO UPDATE SET amount = EXCLUDED.amount
		  WHERE t.amount IS DISTINCT FROM EXCLUDED.amount
		  RETURNING (xmax = 0) AS inserted
		)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`).
			Scan(&funding.Inserted, &funding.Updated)
		if err != nil {
			return 0, constraintError(err, "plans", "write the funding of")
		}
		return funding.Inserted + funding.Updated, nil
	})
	if err != nil {
		return nil, err
	}
	err = quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
		tag, err := tx.Exec(ctx, `
		DELETE FROM plan_funding t
		USING plans p, stage_plans sp
		WHERE t.plan_id = p.id AND p.code = sp.code
		  AND NOT EXISTS (SELECT 1 FROM stage_plan_funding s WHERE s.plan_code = p.code AND s.props->>'source' = t.source)`)
		if err != nil {
			return 0, constraintError(err, "plans", "write the funding of")
		}
		funding.Deleted = int(tag.RowsAffected())
		return funding.Deleted, nil
	})
	if err != nil {
		return nil, err
	}
	items.Unchanged = items.Features - items.Inserted - items.Updated
	funding.Unchanged = funding.Features - funding.Inserted - funding.Updated
	return []LayerReport{items, funding}, nil
}

// deleteMissing deletes the rows of a layer whose code starts with prefix and that the staged
// batch does not hold.
func deleteMissing(ctx context.Context, tx pgx.Tx, lay *ingest.Layer, prefix string) (n int, err error) {
	err = quietly(ctx, tx, func(tx pgx.Tx) (int, error) {
		tag, err := tx.Exec(ctx, fmt.Sprintf(`
			DELETE FROM %s t
			WHERE starts_with(t.code, $1) AND NOT EXISTS (SELECT 1 FROM %s s WHERE s.code = t.code)`,
			pgx.Identifier{lay.Name}.Sanitize(), stageTable(lay.Name)), prefix)
		if err != nil {
			return 0, constraintError(err, lay.Name, "replace")
		}
		n = int(tag.RowsAffected())
		return n, nil
	})
	return n, err
}

// constraintError turns a constraint violation or bad value into renew.ErrInvalid with a message
// naming the layer and the constraint (never SQL text); other errors go through mapError.
func constraintError(err error, layer, doing string) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code[:2] != "23" && pgErr.Code[:2] != "22") {
		return mapError(err, "import: "+doing+" "+layer)
	}
	var msg string
	switch {
	case pgErr.Code == "23503" && doing == "replace":
		msg = fmt.Sprintf("%s: --replace cannot delete rows that other data still refers to (%s); import or remove that data too",
			layer, pgErr.ConstraintName)
	case pgErr.Code == "23503":
		msg = fmt.Sprintf("%s: a reference to another layer does not resolve (%s)", layer, pgErr.ConstraintName)
	case pgErr.ConstraintName == "plans_community_id_key":
		msg = fmt.Sprintf("%s: a community in the file already has a plan with another code; one plan per community "+
			"(keep the existing plan's code, or use --replace)", layer)
	case pgErr.Code == "23505":
		msg = fmt.Sprintf("%s: a value that must be unique repeats (%s)", layer, pgErr.ConstraintName)
	case pgErr.Code == "23502":
		msg = fmt.Sprintf("%s: a required value is missing (column %s)", layer, pgErr.ColumnName)
	case pgErr.Code[:2] == "23":
		msg = fmt.Sprintf("%s: a value breaks the rule %s", layer, pgErr.ConstraintName)
	default: // 22: a value the column cannot hold
		msg = fmt.Sprintf("%s: a value cannot be stored: %s", layer, pgErr.Message)
	}
	return fmt.Errorf("%w (%w)", renew.Invalid("%s", msg), err)
}

// quoteLiteral quotes a property name (from the layer schema, never user input) as an SQL string.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// codeList shows up to ten codes.
func codeList(codes []string) string {
	if len(codes) > 10 {
		return strings.Join(codes[:10], ", ") + fmt.Sprintf(" … (%d more)", len(codes)-10)
	}
	return strings.Join(codes, ", ")
}
