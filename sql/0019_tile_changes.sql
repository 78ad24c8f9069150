-- tile_changes: the change log of what the tile layers show (tiles/layers.json), so each instance
-- drops only the cached tiles a change reaches. After every statement on a table the layers read,
-- a trigger records, per group of layers, the rows whose shown columns (derived ones included)
-- changed: the boxes (EPSG:3857) of their old and new geometry, or NULL boxes when the change
-- reaches every tile of those layers (a label or a setting they all use). NOTIFY renewmap_tiles
-- carries the change's id. A statement that changes nothing shown (a plan's planned_end, an item's
-- cost) records nothing.

CREATE TABLE tile_changes (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  layers text[] NOT NULL,
  boxes float8[] -- {{xmin, ymin, xmax, ymax}, ...}; NULL: every tile of the layers
);
CREATE INDEX ON tile_changes (at);

-- tile_change_record stores one change and announces it.
CREATE FUNCTION tile_change_record(source text, layers text[], boxes float8[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  cid bigint;
BEGIN
  INSERT INTO tile_changes (source, layers, boxes) VALUES (source, layers, boxes) RETURNING id INTO cid;
  PERFORM pg_notify('renewmap_tiles', cid::text);
END $$;

-- tile_change_boxes_sql is the query of how many rows rows_sql yields and the boxes of box_sql
-- (an expression over its row r, a geometry, or NULL or an empty geometry where the row shows
-- nowhere: an empty one has no box, and a box of NULLs could not be read); beyond 64
-- boxes, their extent. The trigger functions EXECUTE it themselves: only they see the statement's
-- transition tables.
CREATE FUNCTION tile_change_boxes_sql(rows_sql text, box_sql text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
  SELECT format($q$
    SELECT n, CASE WHEN nb > 64 THEN ARRAY[[ST_XMin(ext), ST_YMin(ext), ST_XMax(ext), ST_YMax(ext)]] ELSE boxes END
    FROM (SELECT count(*) AS n, count(g) FILTER (WHERE NOT ST_IsEmpty(g)) AS nb, ST_Extent(g) AS ext,
                 array_agg(ARRAY[ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g)]) FILTER (WHERE NOT ST_IsEmpty(g)) AS boxes
          FROM (SELECT (%s)::geometry AS g FROM (%s) r OFFSET 0) x) y $q$, coalesce(nullif(box_sql, ''), 'NULL'), rows_sql)
$f$;

-- tile_change_rows is a trigger function for statement-level triggers with transition tables
-- old_rows and/or new_rows. Arguments: the table's key column, then triples of (layer ids,
-- comma-separated; the columns they show, comma-separated; the box expression over r, or '' for
-- every tile). Inserted and deleted rows count; an updated row counts when one of the columns
-- differs.
CREATE FUNCTION tile_change_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text := TG_ARGV[0];
  i int := 1;
  cols text[];
  rows_sql text;
  n bigint;
  boxes float8[];
BEGIN
  WHILE i + 2 < TG_NARGS LOOP
    cols := string_to_array(TG_ARGV[i + 1], ',');
    IF TG_OP = 'INSERT' THEN
      rows_sql := 'SELECT * FROM new_rows';
    ELSIF TG_OP = 'DELETE' THEN
      rows_sql := 'SELECT * FROM old_rows';
    ELSE
      rows_sql := format($q$
        WITH ch AS (SELECT o, n FROM old_rows o JOIN new_rows n USING (%1$I)
                    WHERE ROW(%2$s, NULL) IS DISTINCT FROM ROW(%3$s, NULL))
        SELECT (o).* FROM ch UNION ALL SELECT (n).* FROM ch $q$, k,
        (SELECT string_agg(format('o.%I', c), ', ') FROM unnest(cols) c),
        (SELECT string_agg(format('n.%I', c), ', ') FROM unnest(cols) c));
    END IF;
    EXECUTE tile_change_boxes_sql(rows_sql, TG_ARGV[i + 2]) INTO n, boxes;
    IF n > 0 AND (boxes IS NOT NULL OR TG_ARGV[i + 2] = '') THEN
      PERFORM tile_change_record(TG_TABLE_NAME, string_to_array(TG_ARGV[i], ','), boxes);
    END IF;
    i := i + 3;
  END LOOP;
  RETURN NULL;
END $$;

-- tile_change_truncate: a truncated table changes every tile of the layers given as arguments.
CREATE FUNCTION tile_change_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tile_change_record(TG_TABLE_NAME, TG_ARGV::text[], NULL);
  RETURN NULL;
END $$;

-- tile_watch creates the four triggers of a table: key column, then the triples described above.
CREATE FUNCTION tile_watch(tbl text, k text, VARIADIC spec text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  args text := (SELECT string_agg(quote_literal(a), ', ') FROM unnest(k || spec) a);
  layers text[];
BEGIN
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_rows(%s)', tbl || '_tiles_ins', tbl, args);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_rows(%s)', tbl || '_tiles_upd', tbl, args);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_rows(%s)', tbl || '_tiles_del', tbl, args);
  SELECT array_agg(DISTINCT l) INTO layers
  FROM generate_subscripts(spec, 1) s, unnest(string_to_array(spec[s], ',')) l WHERE s % 3 = 1;
  EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION tile_change_truncate(%s)',
                 tbl || '_tiles_trunc', tbl, (SELECT string_agg(quote_literal(l), ', ') FROM unnest(layers) l));
END $$;

-- What each layer shows of each table (keep in step with tiles/layers.json and the tile_* views).
SELECT tile_watch('districts', 'id', 'district', 'name,geom_3857', 'r.geom_3857');
SELECT tile_watch('subdistricts', 'id',
  'subdistricts', 'code,name,geom_3857', 'r.geom_3857',
  'subdistrict_labels', 'name,label_3857', 'r.label_3857',
  'communities,community_labels', 'code',
  '(SELECT ST_Extent(c.geom_3857)::geometry FROM communities c WHERE c.subdistrict_id = r.id)');
SELECT tile_watch('communities', 'id',
  'communities', 'code,name,subdistrict_id,completed_year,is_old,property_type,management,building_count,households,floor_area,geom_3857', 'r.geom_3857',
  'community_labels', 'name,subdistrict_id,is_old,label_3857', 'r.label_3857',
  'goals', 'code,name,geom_3857', 'r.geom_3857',
  'buildings,coverage', 'name',
  '(SELECT ST_Extent(b.geom_3857)::geometry FROM buildings b WHERE b.community_id = r.id)');
SELECT tile_watch('buildings', 'id',
  'buildings', 'number,community_id,floors,units,households,floor_area,completed_year,structure,has_elevator,elevator_feasible,safety_grade,geom_3857', 'r.geom_3857',
  'coverage', 'number,community_id,households,geom_3857', 'r.geom_3857');
SELECT tile_watch('building_coverage', 'building_id',
  'coverage', 'missing_required,missing_kinds', '(SELECT b.geom_3857 FROM buildings b WHERE b.id = r.building_id)');
SELECT tile_watch('roads', 'id',
  'roads', 'name,class,surface,walkable,resurface_year,geom_3857', 'r.geom_3857',
  'dig_once', 'code,name,class,resurface_year,geom_3857', 'r.geom_3857');
-- A pipe changes the dig-once figures of every road whose corridor it is in (the corridor is at
-- most 2 × the buffer wide in EPSG:3857 below latitude 60°).
SELECT tile_watch('pipelines', 'id',
  'pipelines', 'kind,material,diameter_mm,laid_year,condition,operator,geom_3857', 'r.geom_3857',
  'dig_once', 'kind,material,laid_year,condition,operator,geom_3857',
  $$(SELECT ST_Extent(d.geom_3857)::geometry FROM roads d WHERE d.resurface_year IS NOT NULL
       AND ST_DWithin(d.geom_3857, r.geom_3857, 2 * (SELECT coalesce(max(value), 5)::float8 FROM planning_settings WHERE key = 'dig_once_buffer_m')))$$);
SELECT tile_watch('pipe_service_life', 'material', 'dig_once', 'years', '');
SELECT tile_watch('planning_settings', 'key', 'dig_once', 'key,value', '');
SELECT tile_watch('gates', 'id', 'gates', 'name,kind,open_hours,geom_3857', 'r.geom_3857');
SELECT tile_watch('parking', 'id', 'parking', 'name,kind,capacity,geom_3857', 'r.geom_3857');
SELECT tile_watch('facilities', 'id', 'facilities', 'name,kind,capacity,status,geom_3857', 'r.geom_3857');
SELECT tile_watch('facility_kinds', 'code',
  'facilities', 'level', '(SELECT ST_Extent(f.geom_3857)::geometry FROM facilities f WHERE f.kind = r.code)',
  'coverage', 'name,sort', '');
SELECT tile_watch('candidate_sites', 'id', 'candidate_sites', 'name,origin,area_m2,hostable_kinds,geom_3857', 'r.geom_3857');
SELECT tile_watch('living_circles', 'id', 'living_circles', 'community_id,minutes,distance_m,profile,geom_3857', 'r.geom_3857');
SELECT tile_watch('areas', 'id', 'areas', 'name,origin,geom_3857', 'r.geom_3857');
SELECT tile_watch('plans', 'id',
  'communities,community_labels', 'community_id,stage,batch,batch_year',
  '(SELECT c.geom_3857 FROM communities c WHERE c.id = r.community_id)',
  'goals', 'community_id,stage,management_after',
  '(SELECT c.geom_3857 FROM communities c WHERE c.id = r.community_id)');
SELECT tile_watch('renovation_menu', 'code', 'goals', 'goal', '');

-- plan_items change the goals layer only where a goal's state changes: a goal is shown as none,
-- in progress or met from whether the plan has items of that goal and whether all are done, so
-- a plan's goals are compared as that set before and after the statement.
CREATE FUNCTION tile_change_plan_items() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before_sql text;
  touched_sql text;
  n bigint;
  boxes float8[];
BEGIN
  before_sql := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT plan_id, menu_code, status FROM plan_items WHERE id NOT IN (SELECT id FROM new_rows)'
    WHEN 'DELETE' THEN 'SELECT plan_id, menu_code, status FROM plan_items UNION ALL SELECT plan_id, menu_code, status FROM old_rows'
    ELSE 'SELECT plan_id, menu_code, status FROM plan_items WHERE id NOT IN (SELECT id FROM new_rows)
          UNION ALL SELECT plan_id, menu_code, status FROM old_rows' END;
  touched_sql := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT plan_id FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT plan_id FROM old_rows'
    ELSE 'SELECT plan_id FROM new_rows UNION SELECT plan_id FROM old_rows' END;
  EXECUTE tile_change_boxes_sql(format($q$
    WITH touched AS (%s),
    sig_before AS (
      SELECT i.plan_id, array_agg(DISTINCT m.goal || (i.status = 'done')::text ORDER BY m.goal || (i.status = 'done')::text) AS s
      FROM (%s) i JOIN renovation_menu m ON m.code = i.menu_code
      WHERE i.plan_id IN (SELECT plan_id FROM touched) GROUP BY i.plan_id),
    sig_after AS (
      SELECT i.plan_id, array_agg(DISTINCT m.goal || (i.status = 'done')::text ORDER BY m.goal || (i.status = 'done')::text) AS s
      FROM plan_items i JOIN renovation_menu m ON m.code = i.menu_code
      WHERE i.plan_id IN (SELECT plan_id FROM touched) GROUP BY i.plan_id)
    SELECT t.plan_id FROM (SELECT DISTINCT plan_id FROM touched) t
    LEFT JOIN sig_before b ON b.plan_id = t.plan_id LEFT JOIN sig_after a ON a.plan_id = t.plan_id
    WHERE b.s IS DISTINCT FROM a.s $q$, touched_sql, before_sql),
    '(SELECT c.geom_3857 FROM plans p JOIN communities c ON c.id = p.community_id WHERE p.id = r.plan_id)') INTO n, boxes;
  IF n > 0 AND boxes IS NOT NULL THEN
    PERFORM tile_change_record(TG_TABLE_NAME, ARRAY['goals'], boxes);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER plan_items_tiles_ins AFTER INSERT ON plan_items REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_plan_items();
CREATE TRIGGER plan_items_tiles_upd AFTER UPDATE ON plan_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_plan_items();
CREATE TRIGGER plan_items_tiles_del AFTER DELETE ON plan_items REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_plan_items();
CREATE TRIGGER plan_items_tiles_trunc AFTER TRUNCATE ON plan_items
  FOR EACH STATEMENT EXECUTE FUNCTION tile_change_truncate('goals');

-- dig_once_overlaps: for each road with a planned resurfacing year (the layer shows no other),
-- the length of each pipe inside its dig-once corridor (the default
-- buffer either side, in EPSG:3857 scaled to the road's latitude) where it is at least 1 m
-- (shorter crossings do not count), kept by triggers when roads, pipes or the buffer change, so
-- that a dig-once tile joins stored lengths instead of intersecting geometries (44–71 ms of GEOS
-- per busy tile before).
CREATE TABLE dig_once_overlaps (
  road_id int NOT NULL, -- roads.id; no foreign keys: the triggers below keep the table (and
  pipe_id int NOT NULL, -- 30,000 rows of checks would double an import's time)
  len_m float8 NOT NULL,
  PRIMARY KEY (road_id, pipe_id)
);
CREATE INDEX ON dig_once_overlaps (pipe_id);

-- segment_overlap is the length of segment AB within r of segment CD (all in one plane): the
-- points of AB that close form one interval (the region within r of CD, a capsule, is convex),
-- the hull of where the line of AB meets the discs at C and D and the strip along CD.
CREATE FUNCTION segment_overlap(ax float8, ay float8, bx float8, by_ float8, cx float8, cy float8, dx float8, dy float8, r float8)
RETURNS float8 LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  ux float8 := bx - ax; uy float8 := by_ - ay;
  vx float8 := dx - cx; vy float8 := dy - cy;
  a float8 := ux * ux + uy * uy;
  m2 float8 := vx * vx + vy * vy;
  lo float8 := 'Infinity'; hi float8 := '-Infinity';
  qx float8; qy float8; b float8; c float8; disc float8;
  f0 float8; f1 float8; t0 float8; t1 float8; s0 float8; s1 float8; m float8;
  i int;
BEGIN
  IF a = 0 THEN RETURN 0; END IF;
  -- the discs at both ends of the road segment
  FOR i IN 1..2 LOOP
    IF i = 1 THEN qx := cx; qy := cy; ELSE qx := dx; qy := dy; END IF;
    b := 2 * (ux * (ax - qx) + uy * (ay - qy));
    c := (ax - qx) ^ 2 + (ay - qy) ^ 2 - r * r;
    disc := b * b - 4 * a * c;
    IF disc >= 0 THEN
      lo := least(lo, (-b - sqrt(disc)) / (2 * a));
      hi := greatest(hi, (-b + sqrt(disc)) / (2 * a));
    END IF;
  END LOOP;
  -- the strip along it: 0 <= s(t) <= 1 and -r <= h(t) <= r, both linear in t
  IF m2 > 0 THEN
    m := sqrt(m2);
    t0 := '-Infinity'; t1 := 'Infinity';
    s0 := ((ax - cx) * vx + (ay - cy) * vy) / m2; s1 := (ux * vx + uy * vy) / m2;
    f0 := (vx * (ay - cy) - vy * (ax - cx)) / m; f1 := (vx * uy - vy * ux) / m;
    IF s1 = 0 THEN
      IF s0 < 0 OR s0 > 1 THEN t0 := 'Infinity'; END IF;
    ELSE
      t0 := greatest(t0, least(-s0 / s1, (1 - s0) / s1)); t1 := least(t1, greatest(-s0 / s1, (1 - s0) / s1));
    END IF;
    IF f1 = 0 THEN
      IF abs(f0) > r THEN t0 := 'Infinity'; END IF;
    ELSE
      t0 := greatest(t0, least((-r - f0) / f1, (r - f0) / f1)); t1 := least(t1, greatest((-r - f0) / f1, (r - f0) / f1));
    END IF;
    IF t0 <= t1 THEN lo := least(lo, t0); hi := greatest(hi, t1); END IF;
  END IF;
  lo := greatest(lo, 0); hi := least(hi, 1);
  IF hi <= lo THEN RETURN 0; END IF;
  RETURN (hi - lo) * sqrt(a);
END $$;

-- dig_once_overlaps_sql is the query that stores the overlaps of the roads and pipes that
-- road_sql and pipe_sql select (each a query of ids, or NULL for none): exactly by
-- segment_overlap for two-point lines (every road and pipe of the demo data), by GEOS otherwise.
CREATE FUNCTION dig_once_overlaps_sql(road_sql text, pipe_sql text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
  SELECT format($q$
    WITH rs AS (%s), ps AS (%s),
    s AS (SELECT coalesce((SELECT value::float8 FROM planning_settings WHERE key = 'dig_once_buffer_m'), 5) AS buf),
    near AS (
      SELECT r.id AS road_id, p.id AS pipe_id
      FROM roads r JOIN pipelines p ON ST_DWithin(p.geom_3857, r.geom_3857, (SELECT buf FROM s) / cos(radians(ST_Y(ST_Centroid(r.geom)))))
      WHERE r.id IN (SELECT id FROM rs) AND r.resurface_year IS NOT NULL
      UNION
      SELECT r.id, p.id
      FROM pipelines p JOIN roads r ON ST_DWithin(p.geom_3857, r.geom_3857, (SELECT buf FROM s) / cos(radians(ST_Y(ST_Centroid(r.geom)))))
      WHERE p.id IN (SELECT id FROM ps) AND r.resurface_year IS NOT NULL),
    pairs AS (
      SELECT n.road_id, n.pipe_id, k.k * CASE
          WHEN ST_NPoints(p.geom_3857) = 2 AND ST_NPoints(r.geom_3857) = 2 THEN segment_overlap(
            ST_X(ST_StartPoint(p.geom_3857)), ST_Y(ST_StartPoint(p.geom_3857)), ST_X(ST_EndPoint(p.geom_3857)), ST_Y(ST_EndPoint(p.geom_3857)),
            ST_X(ST_StartPoint(r.geom_3857)), ST_Y(ST_StartPoint(r.geom_3857)), ST_X(ST_EndPoint(r.geom_3857)), ST_Y(ST_EndPoint(r.geom_3857)),
            s.buf / k.k)
          ELSE ST_Length(ST_Intersection(p.geom_3857, ST_Buffer(r.geom_3857, s.buf / k.k))) END AS len_m
      FROM near n JOIN roads r ON r.id = n.road_id JOIN pipelines p ON p.id = n.pipe_id
      CROSS JOIN s CROSS JOIN LATERAL (SELECT cos(radians(ST_Y(ST_Centroid(r.geom)))) AS k) k)
    INSERT INTO dig_once_overlaps (road_id, pipe_id, len_m)
    SELECT road_id, pipe_id, len_m FROM pairs WHERE len_m >= 1
    ON CONFLICT (road_id, pipe_id) DO UPDATE SET len_m = EXCLUDED.len_m $q$,
    coalesce(road_sql, 'SELECT NULL::int AS id WHERE false'), coalesce(pipe_sql, 'SELECT NULL::int AS id WHERE false'))
$f$;

-- dig_once_overlaps_rows keeps the overlaps of the roads or pipes (TG_ARGV[0]) a statement
-- inserted, moved or deleted (or roads whose resurfacing was planned or unplanned).
CREATE FUNCTION dig_once_overlaps_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text;
BEGIN
  changed := CASE TG_OP WHEN 'INSERT' THEN 'SELECT id FROM new_rows' WHEN 'DELETE' THEN 'SELECT id FROM old_rows'
    ELSE 'SELECT n.id FROM new_rows n JOIN old_rows o USING (id) WHERE n.geom_3857 IS DISTINCT FROM o.geom_3857'
         || CASE TG_ARGV[0] WHEN 'roads' THEN ' OR (n.resurface_year IS NULL) <> (o.resurface_year IS NULL)' ELSE '' END END;
  IF TG_ARGV[0] = 'roads' THEN
    EXECUTE format('DELETE FROM dig_once_overlaps WHERE road_id IN (%s)', changed);
    IF TG_OP <> 'DELETE' THEN
      EXECUTE dig_once_overlaps_sql(changed, NULL);
    END IF;
  ELSE
    EXECUTE format('DELETE FROM dig_once_overlaps WHERE pipe_id IN (%s)', changed);
    IF TG_OP <> 'DELETE' THEN
      EXECUTE dig_once_overlaps_sql(NULL, changed);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- dig_once_overlaps_all computes every overlap again (the buffer changed).
CREATE FUNCTION dig_once_overlaps_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM dig_once_overlaps;
  EXECUTE dig_once_overlaps_sql('SELECT id FROM roads', NULL);
  RETURN NULL;
END $$;

CREATE TRIGGER roads_dig_once_ins AFTER INSERT ON roads REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_rows('roads');
CREATE TRIGGER roads_dig_once_upd AFTER UPDATE ON roads REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_rows('roads');
CREATE TRIGGER pipelines_dig_once_ins AFTER INSERT ON pipelines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_rows('pipelines');
CREATE TRIGGER pipelines_dig_once_upd AFTER UPDATE ON pipelines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_rows('pipelines');
CREATE TRIGGER roads_dig_once_del AFTER DELETE ON roads REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_rows('roads');
CREATE TRIGGER pipelines_dig_once_del AFTER DELETE ON pipelines REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_rows('pipelines');
CREATE TRIGGER roads_dig_once_trunc AFTER TRUNCATE ON roads
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_all();
CREATE TRIGGER pipelines_dig_once_trunc AFTER TRUNCATE ON pipelines
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_all();
CREATE TRIGGER planning_settings_dig_once AFTER INSERT OR UPDATE OR DELETE ON planning_settings
  FOR EACH STATEMENT EXECUTE FUNCTION dig_once_overlaps_all();
DO $$ BEGIN EXECUTE dig_once_overlaps_sql('SELECT id FROM roads', NULL); END $$;

-- tile_dig_once as before (sql/0012), from the stored overlaps.
CREATE OR REPLACE VIEW tile_dig_once AS
SELECT r.id, r.code, r.name, r.class, r.resurface_year,
       round(ST_Length(r.geom::geography))::float8 AS length_m,
       x.pipes, x.pipe_length_m, x.kinds, x.operators,
       r.geom_3857, r.geom
FROM roads r
CROSS JOIN LATERAL (
  SELECT count(*)::int AS pipes, round(sum(o.len_m)::numeric, 1)::float8 AS pipe_length_m,
         string_agg(DISTINCT kl.label_zh, '、') AS kinds, string_agg(DISTINCT p.operator, '、') AS operators
  FROM dig_once_overlaps o
  JOIN pipelines p ON p.id = o.pipe_id
  JOIN pipeline_kind_labels kl ON kl.code = p.kind
  LEFT JOIN pipe_service_life l ON l.material = p.material
  WHERE o.road_id = r.id
    AND dig_once_failing(p.condition, p.laid_year, l.years, r.resurface_year)
) x
WHERE r.resurface_year IS NOT NULL AND x.pipes > 0;

-- The shared tile store (`serve -tile-store`): rendered tiles kept in the database, so a restarted
-- or a second instance starts warm. Each instance deletes the stored tiles a change reaches once
-- it has heard of the change (after its commit); a tile is stored only when every change
-- reaching it was visible to the render (tile_changes.xid against the render's snapshot).
ALTER TABLE tile_changes ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX ON tile_changes (xid);
CREATE TABLE tile_store (
  key text PRIMARY KEY,
  layers text[] NOT NULL,
  env geometry(Polygon, 3857) NOT NULL, -- the tile's envelope with its buffer
  etag text NOT NULL,
  mvt bytea NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON tile_store USING gist (env);

-- tile_change_reaches tells whether change c reaches a tile of layers with envelope env.
CREATE FUNCTION tile_change_reaches(c tile_changes, layers text[], env geometry) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT c.layers && layers AND (c.boxes IS NULL OR EXISTS (
    SELECT 1 FROM generate_subscripts(c.boxes, 1) i
    WHERE env && ST_MakeEnvelope(c.boxes[i][1], c.boxes[i][2], c.boxes[i][3], c.boxes[i][4], 3857)))
$$;
