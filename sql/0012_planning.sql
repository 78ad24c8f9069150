-- 片区 planning, parking gap and dig once (SPEC §6.2–6.4, internal/planning): the settings those
-- analyses read, as data an administrator may edit, and the dig-once tile layer.

-- planning_settings: one number per key. Every default below is an ASSUMPTION for the demo
-- district, not a national norm: there is no national parking ratio for old communities
-- (DOMAIN.md §3: cities set 0.6–1.0 space per household), and the charger share and the corridor
-- width are working values. Each request may override the ratio and the buffer.
CREATE TABLE planning_settings (
  key text PRIMARY KEY,
  value numeric(12, 3) NOT NULL CHECK (value >= 0),
  unit text NOT NULL,
  note text NOT NULL
);
INSERT INTO planning_settings (key, value, unit, note) VALUES
  ('parking_ratio', 0.6, '车位/户', '老旧小区停车需求 = 户数 × 本值（假定值；新建住区为1.0）'),
  ('charger_share', 0.1, '比例', '充电桩需求 = 车位 × 本值（假定值）'),
  ('dig_once_buffer_m', 5, 'm', '道路两侧各此距离内的管线计入“先里子、后面子”走廊（假定值）'),
  ('site_near_m', 200, 'm', '片区外此距离内的候选用地计入片区报告与选址（假定值）'),
  ('area_close_m', 50, 'm', '保存片区时合并轮廓所跨越的最大间距（与建议片区默认间距一致）');

-- pipe_service_life: design service life per pipe material, in years. ASSUMPTIONS (typical
-- figures used in Chinese utility renewal planning, to be replaced by the operators' own): cast
-- iron 50, concrete 50, steel 30, PE 50, PVC 40, ductile iron 60, copper cable 30, fibre 25. A
-- material without a row ("other") is judged by its condition only.
CREATE TABLE pipe_service_life (
  material text PRIMARY KEY REFERENCES pipe_material_labels,
  years int NOT NULL CHECK (years BETWEEN 1 AND 200),
  note text NOT NULL DEFAULT '假定值'
);
INSERT INTO pipe_service_life (material, years) VALUES
  ('cast_iron', 50), ('concrete', 50), ('steel', 30), ('pe', 50), ('pvc', 40),
  ('ductile_iron', 60), ('copper_cable', 30), ('fiber', 25);

INSERT INTO data_versions (table_name) VALUES ('planning_settings'), ('pipe_service_life');
CREATE TRIGGER planning_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON planning_settings
  FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER pipe_service_life_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pipe_service_life
  FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- Saved areas remember when they last changed and who changed them.
ALTER TABLE areas ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE areas ADD COLUMN updated_by text;
CREATE INDEX ON area_members (community_id);

-- dig_once_failing tells whether a pipe is failing when its road is resurfaced in year: in poor
-- or critical condition, or at or past its material's service life (laid_year + years <= year).
-- internal/planning.Failing is the same rule in Go; the tests hold the two together.
CREATE FUNCTION dig_once_failing(condition text, laid_year int, life int, year int) RETURNS boolean
  LANGUAGE sql IMMUTABLE AS $$
  SELECT condition IN ('poor', 'critical') OR (life IS NOT NULL AND laid_year + life <= year)
$$;

-- tile_dig_once is the dig-once layer (先里子、后面子): every road with a planned resurfacing year
-- whose corridor (planning_settings.dig_once_buffer_m either side, in EPSG:3857 scaled to the
-- road's latitude) holds at least 1 m of failing pipe as of that year, with the failing length
-- and the kinds and operators concerned. The API (GET /api/v1/dig-once) filters by period and
-- buffer; the layer shows every planned year at the default buffer.
CREATE VIEW tile_dig_once AS
SELECT r.id, r.code, r.name, r.class, r.resurface_year,
       round(ST_Length(r.geom::geography))::float8 AS length_m,
       x.pipes, x.pipe_length_m, x.kinds, x.operators,
       r.geom_3857, r.geom
FROM roads r
CROSS JOIN LATERAL (
  SELECT cos(radians(ST_Y(ST_Centroid(r.geom)))) AS k,
         coalesce((SELECT value::float8 FROM planning_settings WHERE key = 'dig_once_buffer_m'), 5) AS buf
) s
CROSS JOIN LATERAL (
  SELECT count(*)::int AS pipes, round(sum(q.len)::numeric, 1)::float8 AS pipe_length_m,
         string_agg(DISTINCT q.kind_zh, '、') AS kinds, string_agg(DISTINCT q.operator, '、') AS operators
  FROM (
    SELECT kl.label_zh AS kind_zh, p.operator,
           ST_Length(ST_Intersection(p.geom_3857, ST_Buffer(r.geom_3857, s.buf / s.k))) * s.k AS len
    FROM pipelines p
    JOIN pipeline_kind_labels kl ON kl.code = p.kind
    LEFT JOIN pipe_service_life l ON l.material = p.material
    WHERE ST_DWithin(p.geom_3857, r.geom_3857, s.buf / s.k)
      AND dig_once_failing(p.condition, p.laid_year, l.years, r.resurface_year)
  ) q
  WHERE q.len >= 1
) x
WHERE r.resurface_year IS NOT NULL AND x.pipes > 0;
