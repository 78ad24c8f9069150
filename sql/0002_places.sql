-- Places: 区, 街道, 社区居委会, 小区, 楼栋. Geometry in EPSG:4326 with a GiST index; a generated
-- EPSG:3857 copy beside it for tiles. Every table has an integer key (the MVT feature id) and a
-- stable text code (the import key).

CREATE TABLE districts (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  source text,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);

CREATE TABLE subdistricts (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  district_id int NOT NULL REFERENCES districts ON DELETE CASCADE,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);

CREATE TABLE neighbourhoods (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  subdistrict_id int NOT NULL REFERENCES subdistricts ON DELETE CASCADE,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);

-- communities: building_count, households and floor_area are the sums of the community's
-- buildings, maintained by the triggers below; they are never written directly.
CREATE TABLE communities (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  subdistrict_id int NOT NULL REFERENCES subdistricts,
  neighbourhood_id int REFERENCES neighbourhoods,
  completed_year int NOT NULL CHECK (completed_year BETWEEN 1900 AND 2100),
  is_old boolean GENERATED ALWAYS AS (completed_year <= 2000) STORED,
  property_type text NOT NULL REFERENCES property_type_labels,
  management text NOT NULL REFERENCES management_labels,
  address text,
  building_count int NOT NULL DEFAULT 0 CHECK (building_count >= 0),
  households int NOT NULL DEFAULT 0 CHECK (households >= 0),
  floor_area numeric(12, 1) NOT NULL DEFAULT 0 CHECK (floor_area >= 0),
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);

CREATE TABLE buildings (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  community_id int NOT NULL REFERENCES communities ON DELETE CASCADE,
  number text NOT NULL,
  floors int NOT NULL CHECK (floors BETWEEN 1 AND 100),
  units int NOT NULL CHECK (units BETWEEN 1 AND 50),
  households int NOT NULL CHECK (households BETWEEN 0 AND 5000),
  floor_area numeric(10, 1) NOT NULL CHECK (floor_area > 0),
  completed_year int NOT NULL CHECK (completed_year BETWEEN 1900 AND 2100),
  structure text NOT NULL REFERENCES structure_labels,
  has_elevator boolean NOT NULL DEFAULT false,
  elevator_feasible boolean NOT NULL DEFAULT false,
  safety_grade text REFERENCES safety_grade_labels,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON buildings (community_id);

-- refresh_community_totals recomputes the totals of the communities a statement on buildings
-- touched. Transition tables allow one event per trigger, so three triggers share it and it reads
-- only the tables its event has.
CREATE FUNCTION refresh_community_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids int[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT community_id) INTO ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT community_id) INTO ids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT community_id) INTO ids
    FROM (SELECT community_id FROM new_rows UNION SELECT community_id FROM old_rows) t;
  END IF;
  UPDATE communities c
  SET building_count = s.n, households = s.hh, floor_area = s.area
  FROM (
    SELECT c2.id,
           count(b.id)::int AS n,
           coalesce(sum(b.households), 0)::int AS hh,
           coalesce(sum(b.floor_area), 0) AS area
    FROM communities c2 LEFT JOIN buildings b ON b.community_id = c2.id
    WHERE c2.id = ANY (ids)
    GROUP BY c2.id
  ) s
  WHERE c.id = s.id
    AND (c.building_count, c.households, c.floor_area) IS DISTINCT FROM (s.n, s.hh, s.area);
  RETURN NULL;
END $$;

CREATE TRIGGER buildings_totals_insert AFTER INSERT ON buildings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION refresh_community_totals();
CREATE TRIGGER buildings_totals_update AFTER UPDATE ON buildings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION refresh_community_totals();
CREATE TRIGGER buildings_totals_delete AFTER DELETE ON buildings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION refresh_community_totals();

-- guard_community_totals refuses a direct write of the totals: only the buildings triggers
-- (trigger depth > 1) may change them.
CREATE FUNCTION guard_community_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() <= 1 AND (
       (TG_OP = 'INSERT' AND (NEW.building_count, NEW.households, NEW.floor_area) IS DISTINCT FROM (0, 0, 0::numeric))
    OR (TG_OP = 'UPDATE' AND (NEW.building_count, NEW.households, NEW.floor_area)
                             IS DISTINCT FROM (OLD.building_count, OLD.households, OLD.floor_area))) THEN
    RAISE EXCEPTION 'community totals are the sums of its buildings and cannot be set directly'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'communities_totals_from_buildings';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER communities_totals_guard BEFORE INSERT OR UPDATE ON communities
  FOR EACH ROW EXECUTE FUNCTION guard_community_totals();

CREATE INDEX ON districts USING gist (geom);
CREATE INDEX ON districts USING gist (geom_3857);
CREATE INDEX ON subdistricts USING gist (geom);
CREATE INDEX ON subdistricts USING gist (geom_3857);
CREATE INDEX ON neighbourhoods USING gist (geom);
CREATE INDEX ON neighbourhoods USING gist (geom_3857);
CREATE INDEX ON communities USING gist (geom);
CREATE INDEX ON communities USING gist (geom_3857);
CREATE INDEX ON communities (subdistrict_id);
CREATE INDEX ON buildings USING gist (geom);
CREATE INDEX ON buildings USING gist (geom_3857);
