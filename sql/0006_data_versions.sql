-- data_versions: one counter per table, bumped by any statement that changes the table, so caches
-- (tiles, the walk graph) know when their data changed; a NOTIFY tells other instances.

CREATE TABLE data_versions (
  table_name text PRIMARY KEY,
  version bigint NOT NULL DEFAULT 0,
  changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO data_versions AS v (table_name, version) VALUES (TG_TABLE_NAME, 1)
  ON CONFLICT (table_name) DO UPDATE SET version = v.version + 1, changed_at = now();
  PERFORM pg_notify('renewmap_data', TG_TABLE_NAME);
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'districts', 'subdistricts', 'neighbourhoods', 'communities', 'buildings', 'roads', 'gates',
    'pipelines', 'facility_kinds', 'facilities', 'parking', 'candidate_sites', 'renovation_menu',
    'departments', 'plans', 'plan_items', 'plan_funding', 'areas', 'area_members',
    'living_circles', 'targets']
  LOOP
    INSERT INTO data_versions (table_name) VALUES (t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_version', t);
  END LOOP;
END $$;
