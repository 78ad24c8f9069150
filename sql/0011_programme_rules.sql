-- The programme's rules as data (internal/programme checks them, docs/programme.md explains):
-- settings such as the as-of date of the progress dashboard and the residents' consent threshold
-- for 公示确认; the history of stage moves; and the six goals per community for the map.

-- programme_settings: one row per setting, value as text (NULL = the default). Keys:
--   as_of              the day progress and overdue plans are measured at; NULL = today.
--   consent_threshold  the least share of households agreeing before 公示确认, a decimal or a
--                      fraction ("2/3", the 23号文 practice).
CREATE TABLE programme_settings (
  key text PRIMARY KEY CHECK (key IN ('as_of', 'consent_threshold')),
  value text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text,
  CHECK (key <> 'as_of' OR value IS NULL OR value ~ '^\d{4}-\d{2}-\d{2}$'),
  CHECK (key <> 'consent_threshold' OR value ~ '^(0(\.\d+)?|1(\.0+)?|\d+/\d+)$')
);
INSERT INTO programme_settings (key, value) VALUES ('as_of', NULL), ('consent_threshold', '2/3');

-- plan_stage_changes: every move of a plan between stages, with the reason of a move back.
CREATE TABLE plan_stage_changes (
  id bigserial PRIMARY KEY,
  plan_id int NOT NULL REFERENCES plans ON DELETE CASCADE,
  from_stage text NOT NULL REFERENCES plan_stage_labels,
  to_stage text NOT NULL REFERENCES plan_stage_labels,
  reason text,
  actor text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON plan_stage_changes (plan_id, at);

CREATE INDEX ON plans (batch_year);

-- goal_state is one goal of one community from the counts of the plan's items serving it (n) and
-- of those done (d); handed_over matters for 管理优 only. The same rule as programme.Goals.
CREATE FUNCTION goal_state(n bigint, d bigint, handed_over boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n = 0 THEN 'none'
              WHEN d < n OR NOT handed_over THEN 'in_progress'
              ELSE 'met' END
$$;

-- tile_goals: the communities that have a plan, with the state of each of the six goals
-- (met / in_progress / none) and how many are met; the map's 六个目标 overlay.
CREATE VIEW tile_goals AS
SELECT c.id, c.code, c.name, p.stage,
       s.drain AS goal_drain, s.road AS goal_road, s.light AS goal_light,
       s.function AS goal_function, s.environment AS goal_environment, s.management AS goal_management,
       ((s.drain = 'met')::int + (s.road = 'met')::int + (s.light = 'met')::int +
        (s.function = 'met')::int + (s.environment = 'met')::int + (s.management = 'met')::int) AS goals_met,
       c.geom_3857, c.geom
FROM communities c
JOIN plans p ON p.community_id = c.id
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE m.goal = 'drain') AS drain_n,
         count(*) FILTER (WHERE m.goal = 'drain' AND i.status = 'done') AS drain_d,
         count(*) FILTER (WHERE m.goal = 'road') AS road_n,
         count(*) FILTER (WHERE m.goal = 'road' AND i.status = 'done') AS road_d,
         count(*) FILTER (WHERE m.goal = 'light') AS light_n,
         count(*) FILTER (WHERE m.goal = 'light' AND i.status = 'done') AS light_d,
         count(*) FILTER (WHERE m.goal = 'function') AS function_n,
         count(*) FILTER (WHERE m.goal = 'function' AND i.status = 'done') AS function_d,
         count(*) FILTER (WHERE m.goal = 'environment') AS environment_n,
         count(*) FILTER (WHERE m.goal = 'environment' AND i.status = 'done') AS environment_d,
         count(*) FILTER (WHERE m.goal = 'management') AS management_n,
         count(*) FILTER (WHERE m.goal = 'management' AND i.status = 'done') AS management_d
  FROM plan_items i JOIN renovation_menu m ON m.code = i.menu_code
  WHERE i.plan_id = p.id
) a
CROSS JOIN LATERAL (
  SELECT goal_state(a.drain_n, a.drain_d, true) AS drain,
         goal_state(a.road_n, a.road_d, true) AS road,
         goal_state(a.light_n, a.light_d, true) AS light,
         goal_state(a.function_n, a.function_d, true) AS function,
         goal_state(a.environment_n, a.environment_d, true) AS environment,
         goal_state(a.management_n, a.management_d,
                    p.stage = 'handed_over' AND coalesce(p.management_after, 'none') <> 'none') AS management
) s;

-- goal_state_labels: the states of a goal, for the scorecard and the map legend; enum_labels is
-- rebuilt so the UI finds them with the other code lists.
CREATE TABLE goal_state_labels (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL, sort int NOT NULL);
INSERT INTO goal_state_labels VALUES
  ('met', '已达标', 'met', 1),
  ('in_progress', '推进中', 'in progress', 2),
  ('none', '未涉及', 'not addressed', 3);
DO $$
BEGIN
  EXECUTE 'CREATE OR REPLACE VIEW enum_labels AS ' || (
    SELECT string_agg(format('SELECT %L AS enum, code, label_zh, label_en, sort FROM %I',
                             replace(tablename, '_labels', ''), tablename), ' UNION ALL '
                      ORDER BY tablename)
    FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '%\_labels');
END $$;
