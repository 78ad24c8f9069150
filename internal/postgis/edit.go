package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

// SnapTolerance is how far (metres) the end of a drawn path may lie from the network and still be
// joined to it: the browser snaps to tile geometry, which is quantised.
const SnapTolerance = 5.0

// editLayerSQL is how an edit layer is read: the importer's schema gives the properties.
func editLayerSQL(layer string) (*ingest.Layer, string, error) {
	lay := ingest.LayerByName(layer)
	if lay == nil || !renew.Editable(layer) {
		return nil, "", renew.NotFound("不能在地图上编辑图层 %q (not an editable layer)", layer)
	}
	var parts []string
	for _, f := range lay.Fields {
		col := "t." + pgx.Identifier{f.Column}.Sanitize()
		expr := "to_jsonb(" + col + ")"
		if f.Kind == ingest.KindRef {
			expr = fmt.Sprintf("to_jsonb((SELECT r.code FROM %s r WHERE r.id = %s))", pgx.Identifier{f.Ref}.Sanitize(), col)
		}
		if f.Name == "code" {
			continue
		}
		parts = append(parts, quoteLiteral(f.Name)+", "+expr)
	}
	provisional := "false"
	if layer == "communities" {
		provisional = "t.provisional"
	}
	return lay, fmt.Sprintf(`SELECT t.id, t.code, md5(t::text), jsonb_strip_nulls(jsonb_build_object(%s)),
		ST_AsGeoJSON(t.geom, 9)::jsonb, %s
		FROM %s t WHERE t.id = $1`, strings.Join(parts, ", "), provisional, pgx.Identifier{layer}.Sanitize()), nil
}

func readFeature(ctx context.Context, q pgx.Tx, layer string, id int64, lock bool) (*renew.MapFeature, error) {
	_, sql, err := editLayerSQL(layer)
	if err != nil {
		return nil, err
	}
	if lock {
		sql += " FOR UPDATE"
	}
	f := renew.MapFeature{Layer: layer}
	var props []byte
	err = q.QueryRow(ctx, sql, id).Scan(&f.ID, &f.Code, &f.Version, &props, &f.Geometry, &f.Provisional)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, renew.NotFound("没有编号为 %d 的要素 (no such feature in %s)", id, layer)
	}
	if err != nil {
		return nil, mapError(err, "read "+layer)
	}
	if err := json.Unmarshal(props, &f.Properties); err != nil {
		return nil, fmt.Errorf("read %s %d: %w", layer, id, err)
	}
	f.Version = `"` + f.Version + `"`
	return &f, nil
}

// MapFeature returns a feature of an edit layer with its version. renew.ErrNotFound when there is
// no such layer or feature.
func (db *DB) MapFeature(ctx context.Context, layer string, id int64) (renew.MapFeature, error) {
	var out renew.MapFeature
	err := pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		f, err := readFeature(ctx, tx, layer, id, false)
		if f != nil {
			out = *f
		}
		return err
	})
	return out, mapError(err, "read feature")
}

// EditFeature creates, changes, deletes or confirms one feature in one transaction: the feature is
// locked and checked against e.IfMatch; the new state is validated and written by the importer
// (the same rules as a file import: geometry type and validity, required properties, ranges,
// codes and references); an editor limited to some 街道 may touch only features inside them (old
// place and new); a drawn road's ends are joined to the network within SnapTolerance, splitting
// the road they meet; every change is audited with its before and after state.
//
// It returns the feature as stored (the zero MapFeature after a deletion). renew.ErrNotFound
// without such a feature; renew.ErrFeatureChanged on a stale IfMatch; renew.ErrInvalid (a Chinese
// message) for data the importer refuses; renew.ErrForbidden outside the editor's 街道;
// renew.ErrConflict when a community to delete still holds buildings, gates, paths or a plan.
func (db *DB) EditFeature(ctx context.Context, e renew.Edit, who renew.Editor) (renew.MapFeature, error) {
	var out renew.MapFeature
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		f, err := editFeature(ctx, tx, e, who, false)
		if f != nil {
			out = *f
		}
		return err
	})
	return out, mapError(err, "edit feature")
}

// editFeature makes e in tx; restore audits it as a restore (RestoreFeature's) rather than an
// edit.
func editFeature(ctx context.Context, tx pgx.Tx, e renew.Edit, who renew.Editor, restore bool) (*renew.MapFeature, error) {
	lay, _, err := editLayerSQL(e.Layer)
	if err != nil {
		return nil, err
	}
	var before *renew.MapFeature
	if e.ID != 0 {
		if before, err = readFeature(ctx, tx, e.Layer, e.ID, true); err != nil {
			return nil, err
		}
		if e.IfMatch != "" && strings.TrimPrefix(e.IfMatch, "W/") != before.Version {
			return nil, renew.ErrFeatureChanged
		}
		if err := checkZone(ctx, tx, who, before.Geometry); err != nil {
			return nil, err
		}
	}
	a := who.Audit
	a.Table, a.RowID = e.Layer, fmt.Sprint(e.ID)
	switch {
	case e.Delete:
		if before == nil {
			return nil, renew.Invalid("删除要素须指明编号 (an id is needed to delete)")
		}
		return nil, deleteFeature(ctx, tx, before, a)
	case e.Confirm:
		if before == nil || e.Layer != "communities" {
			return nil, renew.Invalid("只有小区轮廓可以确认 (only a community outline is confirmed)")
		}
		if _, err := tx.Exec(ctx, "UPDATE communities SET provisional = false WHERE id = $1 AND provisional", e.ID); err != nil {
			return nil, err
		}
		after, err := readFeature(ctx, tx, e.Layer, e.ID, false)
		if err != nil {
			return nil, err
		}
		a.Action, a.Before, a.After = "edit.confirm", before.FeatureState, after.FeatureState
		return after, audit(ctx, tx, a)
	}

	state, err := nextState(ctx, tx, lay, before, e)
	if err != nil {
		return nil, err
	}
	id, err := writeState(ctx, tx, e.Layer, state, who)
	if err != nil {
		return nil, err
	}
	a.RowID = fmt.Sprint(id)
	if e.Layer == "roads" {
		if err := connectPath(ctx, tx, id, who.Audit); err != nil {
			return nil, err
		}
	}
	after, err := readFeature(ctx, tx, e.Layer, id, false)
	if err != nil {
		return nil, err
	}
	a.Action, a.After = "edit.create", after.FeatureState
	if before != nil {
		a.Action, a.Before = "edit.update", before.FeatureState
	}
	if restore {
		a.Action = "edit.restore"
	}
	return after, audit(ctx, tx, a)
}

// nextState overlays the edit on the feature's state (or starts a new one with a generated code).
func nextState(ctx context.Context, tx pgx.Tx, lay *ingest.Layer, before *renew.MapFeature, e renew.Edit) (renew.FeatureState, error) {
	s := renew.FeatureState{Properties: map[string]any{}}
	if before != nil {
		s.Code, s.Geometry = before.Code, before.Geometry
		for k, v := range before.Properties {
			s.Properties[k] = v
		}
	} else {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT nextval('edit_codes')").Scan(&n); err != nil {
			return s, err
		}
		s.Code = fmt.Sprintf("ED-%s-%d", strings.ToUpper(lay.Name[:1]), n)
	}
	for k, v := range e.Properties {
		if k == "code" {
			continue // a feature keeps its code; history and references follow it
		}
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return s, renew.Invalid("属性 %q 不是合法的 JSON 值 (not a JSON value)", k)
		}
		if x == nil {
			delete(s.Properties, k)
		} else {
			s.Properties[k] = json.RawMessage(v)
		}
	}
	if len(e.Geometry) > 0 {
		s.Geometry = e.Geometry
	}
	if before == nil {
		return s, fillPlace(ctx, tx, lay, &s)
	}
	return s, nil
}

// fillPlace gives a new feature the place it was drawn in when the form left it out: a
// community its 街道, a building or gate the community it lies in (or touches, for a gate on the
// wall), so that drawing one takes no typing of codes.
func fillPlace(ctx context.Context, tx pgx.Tx, lay *ingest.Layer, s *renew.FeatureState) error {
	var prop, sql string
	switch lay.Name {
	case "communities":
		prop, sql = "subdistrict", `SELECT code FROM subdistricts WHERE ST_Intersects(geom, ST_PointOnSurface(ST_GeomFromGeoJSON($1::text)))
			ORDER BY id LIMIT 1`
	case "buildings", "gates":
		prop, sql = "community", `SELECT code FROM communities WHERE ST_DWithin(geom::geography, ST_PointOnSurface(ST_GeomFromGeoJSON($1::text))::geography, 1)
			ORDER BY ST_Distance(geom, ST_PointOnSurface(ST_GeomFromGeoJSON($1::text))), id LIMIT 1`
	default:
		return nil
	}
	if _, ok := s.Properties[prop]; ok || len(s.Geometry) == 0 {
		return nil
	}
	// A geometry PostGIS cannot read is left to the importer to name; the savepoint keeps the
	// transaction usable.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	var code string
	err = sp.QueryRow(ctx, sql, string(s.Geometry)).Scan(&code)
	if err != nil {
		_ = sp.Rollback(ctx)
		if errors.Is(err, pgx.ErrNoRows) || !errors.Is(mapError(err, ""), renew.ErrUnavailable) {
			return nil
		}
		return err
	}
	s.Properties[prop] = code
	return sp.Commit(ctx)
}

// writeState validates a feature's state and writes it through the importer, in the edit's
// transaction, and returns its id: the importer's parser first (shape, types, required
// properties, ranges), then the geometry's validity (in Chinese) and the editor's 街道, then the
// importer's database checks (codes, references) and upsert.
func writeState(ctx context.Context, tx pgx.Tx, layer string, s renew.FeatureState, who renew.Editor) (int64, error) {
	props := map[string]any{"code": s.Code}
	for k, v := range s.Properties {
		props[k] = v
	}
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{
		map[string]any{"type": "Feature", "properties": props, "geometry": s.Geometry}}})
	if err != nil {
		return 0, renew.Invalid("要素无法编码为 GeoJSON (cannot encode the feature)")
	}
	b, err := ingest.Parse([]ingest.File{{Name: layer + ".geojson", Layer: layer, Data: data}})
	if err == nil {
		if err := checkGeometry(ctx, tx, s.Geometry); err != nil {
			return 0, err
		}
		if err := checkZone(ctx, tx, who, s.Geometry); err != nil {
			return 0, err
		}
		_, err = importTx(ctx, tx, b, ImportOptions{})
	}
	var ve *ingest.ValidationError
	if errors.As(err, &ve) || errors.Is(err, renew.ErrInvalid) {
		return 0, renew.Invalid("未保存：数据不符合导入规则。%s", err) // the catalogue translates err
	}
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRow(ctx, "SELECT id FROM "+pgx.Identifier{layer}.Sanitize()+" WHERE code = $1", s.Code).Scan(&id)
	return id, err
}

// validityReasons puts PostGIS's reasons for an invalid geometry into words a planner reads.
var validityReasons = map[string]string{
	"Self-intersection":        "边线自相交",
	"Ring Self-intersection":   "边线自相交",
	"Interior is disconnected": "内部被分割",
	"Hole lies outside shell":  "洞在轮廓外",
	"Nested holes":             "洞相互嵌套",
	"Nested shells":            "轮廓相互嵌套",
	"Duplicate Rings":          "轮廓重复",
	"Too few points":           "顶点太少",
	"Invalid Coordinate":       "坐标无效",
	"Ring is not closed":       "轮廓未闭合",
}

// checkGeometry refuses a geometry PostGIS finds invalid (the importer would too) with a message
// in Chinese saying what and where (东经/北纬 in degrees, not the WKT), before anything is written.
func checkGeometry(ctx context.Context, tx pgx.Tx, g json.RawMessage) error {
	if len(g) == 0 || string(g) == "null" {
		return renew.Invalid("未保存：缺少图形 (a geometry is needed)")
	}
	var valid bool
	var reason, at string
	err := tx.QueryRow(ctx, `
		SELECT (d).valid, coalesce((d).reason, ''),
		       CASE WHEN (d).location IS NULL THEN '' ELSE format('东经 %s°，北纬 %s°',
		         round(ST_X((d).location)::numeric, 6), round(ST_Y((d).location)::numeric, 6)) END
		FROM (SELECT ST_IsValidDetail(ST_GeomFromGeoJSON($1::text)) d) s`, string(g)).Scan(&valid, &reason, &at)
	if err != nil {
		return err
	}
	if valid {
		return nil
	}
	what, ok := validityReasons[reason]
	if !ok {
		what = "图形无效"
	}
	return renew.Invalid("未保存：图形无效——%s（%s，位置 %s）。请修改图形后再保存", what, reason, at)
}

// checkZone refuses, for an editor limited to some 街道, a geometry whose place (a point on its
// surface) lies in none of them.
func checkZone(ctx context.Context, tx pgx.Tx, who renew.Editor, g json.RawMessage) error {
	if !who.Limited || len(g) == 0 {
		return nil
	}
	var limited, inside bool
	var names string
	err := tx.QueryRow(ctx, `
		SELECT count(*) > 0,
		       coalesce(bool_or(ST_Intersects(s.geom, ST_PointOnSurface(ST_GeomFromGeoJSON($2::text)))), false),
		       coalesce(string_agg(s.name, '、' ORDER BY s.name), '')
		FROM edit_zones z JOIN subdistricts s ON s.id = z.subdistrict_id
		WHERE z.username = $1`, who.Audit.Actor, string(g)).Scan(&limited, &inside, &names)
	if err != nil {
		return err
	}
	if limited && !inside {
		return &renew.Error{Kind: renew.ErrForbidden,
			Msg: fmt.Sprintf("您只能编辑以下街道内的要素：%s。此处不在其中，未保存", names)}
	}
	return nil
}

// deleteFeature deletes a feature, refusing a community that still holds other features (they
// would go with it).
func deleteFeature(ctx context.Context, tx pgx.Tx, f *renew.MapFeature, a renew.AuditEntry) error {
	if f.Layer == "communities" {
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM buildings WHERE community_id = $1)
			+ (SELECT count(*) FROM gates WHERE community_id = $1)
			+ (SELECT count(*) FROM roads WHERE community_id = $1)
			+ (SELECT count(*) FROM plans WHERE community_id = $1)`, f.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return renew.Conflict("小区内还有 %d 个楼栋、出入口、道路或改造方案，不能删除；请先删除或移走它们", n)
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{f.Layer}.Sanitize()+" WHERE id = $1", f.ID); err != nil {
		return constraintError(err, f.Layer, "delete")
	}
	a.Action, a.Before = "edit.delete", f.FeatureState
	return audit(ctx, tx, a)
}

// connectPath joins each end of road id to the walk network: to the nearest vertex of another
// walkable road within SnapTolerance, or else to the nearest point of one, which is split there
// so that both halves end at the joint (the walk graph joins lines at shared vertices).
func connectPath(ctx context.Context, tx pgx.Tx, id int64, a renew.AuditEntry) error {
	for _, end := range []string{"start", "end"} {
		endPoint := "ST_StartPoint(geom)"
		index := "0"
		if end == "end" {
			endPoint, index = "ST_EndPoint(geom)", "-1"
		}
		// The nearest walkable road within the tolerance, its nearest vertex and nearest point.
		var other int64
		var vertexDist, frac float64
		err := tx.QueryRow(ctx, `
			WITH p AS (SELECT `+endPoint+` AS g FROM roads WHERE id = $1)
			SELECT r.id,
			       (SELECT min(ST_Distance((d).geom::geography, p.g::geography)) FROM ST_DumpPoints(r.geom) d),
			       ST_LineLocatePoint(r.geom, p.g)
			FROM roads r, p
			WHERE r.id <> $1 AND r.walkable AND ST_DWithin(r.geom::geography, p.g::geography, $2)
			ORDER BY ST_Distance(r.geom::geography, p.g::geography), r.id
			LIMIT 1`, id, SnapTolerance).Scan(&other, &vertexDist, &frac)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if vertexDist <= SnapTolerance {
			_, err = tx.Exec(ctx, `
				WITH p AS (SELECT `+endPoint+` AS g FROM roads WHERE id = $1),
				     v AS (SELECT (d).geom AS vg FROM roads r, ST_DumpPoints(r.geom) d, p WHERE r.id = $2
				           ORDER BY ST_Distance((d).geom::geography, p.g::geography) LIMIT 1)
				UPDATE roads SET geom = ST_SetPoint(roads.geom, `+index+`, v.vg) FROM v WHERE roads.id = $1`, id, other)
			if err != nil {
				return err
			}
			continue
		}
		if err := splitRoad(ctx, tx, other, frac, a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE roads SET geom = ST_SetPoint(geom, `+index+`,
			(SELECT ST_EndPoint(geom) FROM roads WHERE id = $2)) WHERE id = $1`, id, other); err != nil {
			return err
		}
	}
	return nil
}

// splitRoad cuts road id at fraction frac of its length: it keeps the first part and a new road
// with the same attributes (code: the old one with a suffix) takes the rest. Both are audited.
func splitRoad(ctx context.Context, tx pgx.Tx, id int64, frac float64, a renew.AuditEntry) error {
	before, err := readFeature(ctx, tx, "roads", id, true)
	if err != nil {
		return err
	}
	var rest int64
	err = tx.QueryRow(ctx, `
		INSERT INTO roads (code, name, class, surface, walkable, resurface_year, width_m, community_id, geom)
		SELECT code || '-' || nextval('edit_codes'), name, class, surface, walkable, resurface_year, width_m,
		       community_id, ST_LineSubstring(geom, $2, 1)
		FROM roads WHERE id = $1
		RETURNING id`, id, frac).Scan(&rest)
	if err != nil {
		return constraintError(err, "roads", "split")
	}
	if _, err := tx.Exec(ctx, "UPDATE roads SET geom = ST_LineSubstring(geom, 0, $2) WHERE id = $1", id, frac); err != nil {
		return constraintError(err, "roads", "split")
	}
	cut, err := readFeature(ctx, tx, "roads", id, false)
	if err != nil {
		return err
	}
	added, err := readFeature(ctx, tx, "roads", rest, false)
	if err != nil {
		return err
	}
	if err := auditRow(ctx, tx, a, "edit.split", "roads", id, before.FeatureState, cut.FeatureState); err != nil {
		return err
	}
	return auditRow(ctx, tx, a, "edit.create", "roads", rest, nil, added.FeatureState)
}

// FeatureHistory returns the edits of a feature, newest first. renew.ErrNotFound for a layer
// that is not editable.
func (db *DB) FeatureHistory(ctx context.Context, layer string, id int64) ([]renew.FeatureEdit, error) {
	if !renew.Editable(layer) {
		return nil, renew.NotFound("不能在地图上编辑图层 %q (not an editable layer)", layer)
	}
	rows, _ := db.Pool.Query(ctx, `
		SELECT id, at, coalesce(actor, ''), action, before, after FROM audit_log
		WHERE table_name = $1 AND row_id = $2 AND starts_with(action, 'edit.')
		ORDER BY id DESC LIMIT 200`, layer, fmt.Sprint(id))
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (renew.FeatureEdit, error) {
		var e renew.FeatureEdit
		err := r.Scan(&e.Entry, &e.At, &e.Actor, &e.Action, &e.Before, &e.After)
		return e, err
	})
	return out, mapError(err, "feature history")
}

// RestoreFeature puts a feature back as it was before history entry `entry` (one of its
// FeatureHistory): undoing that edit and everything after it. A feature the entry created is
// deleted; a deleted one comes back under its old id. Errors as EditFeature; renew.ErrNotFound
// when the entry is not one of the feature's.
func (db *DB) RestoreFeature(ctx context.Context, layer string, id, entry int64, ifMatch string, who renew.Editor) (renew.MapFeature, error) {
	var out renew.MapFeature
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var state *renew.FeatureState
		err := tx.QueryRow(ctx, `SELECT before FROM audit_log
			WHERE id = $1 AND table_name = $2 AND row_id = $3 AND starts_with(action, 'edit.')`,
			entry, layer, fmt.Sprint(id)).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return renew.NotFound("该要素没有编号为 %d 的历史记录 (no such history entry)", entry)
		}
		if err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{layer}.Sanitize()+" WHERE id = $1)", id).Scan(&exists); err != nil {
			return err
		}
		e := renew.Edit{Layer: layer, IfMatch: ifMatch}
		switch {
		case state == nil && !exists:
			return nil // created, then deleted: nothing to undo
		case state == nil:
			e.ID, e.Delete = id, true
		default:
			e.Geometry = state.Geometry
			e.Properties = map[string]json.RawMessage{}
			for k, v := range state.Properties {
				raw, err := json.Marshal(v)
				if err != nil {
					return err
				}
				e.Properties[k] = raw
			}
			if exists {
				e.ID = id
				// Properties absent from the old state are removed.
				cur, err := readFeature(ctx, tx, layer, id, false)
				if err != nil {
					return err
				}
				for k := range cur.Properties {
					if _, ok := state.Properties[k]; !ok {
						e.Properties[k] = json.RawMessage("null")
					}
				}
			} else {
				return recreate(ctx, tx, layer, id, *state, who, &out)
			}
		}
		f, err := editFeature(ctx, tx, e, who, true)
		if f != nil {
			out = *f
		}
		return err
	})
	return out, mapError(err, "restore feature")
}

// recreate brings back a deleted feature under its old id and code, so its history continues.
func recreate(ctx context.Context, tx pgx.Tx, layer string, id int64, s renew.FeatureState, who renew.Editor, out *renew.MapFeature) error {
	newID, err := writeState(ctx, tx, layer, s, who)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE "+pgx.Identifier{layer}.Sanitize()+" SET id = $2 WHERE id = $1", newID, id); err != nil {
		return err
	}
	f, err := readFeature(ctx, tx, layer, id, false)
	if err != nil {
		return err
	}
	*out = *f
	return auditRow(ctx, tx, who.Audit, "edit.restore", layer, id, nil, f.FeatureState)
}

// EditZones returns the 街道 (codes) a user may edit in; empty: everywhere.
func (db *DB) EditZones(ctx context.Context, username string) ([]string, error) {
	out, err := zonesIn(ctx, db.Pool, username)
	return out, mapError(err, "edit zones")
}

// SetEditZones limits a user to the 街道 with the given codes (none: no limit), audited.
// renew.ErrNotFound without such a user; renew.ErrInvalid names a code that is not a 街道.
func (db *DB) SetEditZones(ctx context.Context, username string, codes []string, a renew.AuditEntry) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		// Sessions carry the name as stored; the admin may have typed it in another case.
		if err := tx.QueryRow(ctx, "SELECT username FROM users WHERE lower(username) = lower($1)", username).Scan(&username); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return renew.NotFound("没有用户 %q (no such user)", username)
			}
			return err
		}
		var missing *string
		if err := tx.QueryRow(ctx, `SELECT min(c) FROM unnest($1::text[]) c
			WHERE NOT EXISTS (SELECT 1 FROM subdistricts s WHERE s.code = c)`, codes).Scan(&missing); err != nil {
			return err
		}
		if missing != nil {
			return renew.Invalid("没有编码为 %q 的街道 (no such subdistrict)", *missing)
		}
		before, err := zonesIn(ctx, tx, username)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM edit_zones WHERE username = $1", username); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO edit_zones (username, subdistrict_id)
			SELECT $1, id FROM subdistricts WHERE code = ANY ($2)`, username, codes); err != nil {
			return err
		}
		a.Action, a.Table, a.RowID, a.Before, a.After = "edit_zones", "edit_zones", username, before, codes
		return audit(ctx, tx, a)
	})
	return mapError(err, "set edit zones")
}

func zonesIn(ctx context.Context, q codeQuerier, username string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT s.code FROM edit_zones z JOIN subdistricts s ON s.id = z.subdistrict_id
		WHERE z.username = $1 ORDER BY s.code`, username)
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
