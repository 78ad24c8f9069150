-- Services: facility kinds (GB 50180-2018), facilities, parking, candidate sites.

-- facility_kinds is data, editable by an administrator; the starting rows are seeded below.
CREATE TABLE facility_kinds (
  code text PRIMARY KEY,
  name text NOT NULL,
  level text NOT NULL REFERENCES facility_level_labels,
  required boolean NOT NULL,
  service_distance_m int NOT NULL CHECK (service_distance_m > 0),
  sort int NOT NULL
);

CREATE TABLE facilities (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  kind text NOT NULL REFERENCES facility_kinds ON UPDATE CASCADE,
  name text NOT NULL,
  capacity int CHECK (capacity >= 0),
  status text NOT NULL DEFAULT 'existing' REFERENCES facility_status_labels,
  community_id int REFERENCES communities ON DELETE SET NULL,
  geom geometry(Point, 4326) NOT NULL,
  geom_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON facilities USING gist (geom);
CREATE INDEX ON facilities USING gist (geom_3857);
CREATE INDEX ON facilities (kind);

CREATE TABLE parking (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  kind text NOT NULL REFERENCES parking_kind_labels,
  capacity int NOT NULL CHECK (capacity >= 0),
  name text,
  community_id int REFERENCES communities ON DELETE CASCADE,
  geom geometry(Geometry, 4326) NOT NULL
    CHECK (GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON') AND ST_IsValid(geom)),
  geom_3857 geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON parking USING gist (geom);
CREATE INDEX ON parking USING gist (geom_3857);
CREATE INDEX ON parking (community_id);

CREATE TABLE candidate_sites (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  origin text NOT NULL REFERENCES site_origin_labels,
  area_m2 numeric(10, 1) NOT NULL CHECK (area_m2 > 0),
  hostable_kinds text[] NOT NULL DEFAULT '{}',
  community_id int REFERENCES communities ON DELETE SET NULL,
  note text,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON candidate_sites USING gist (geom);
CREATE INDEX ON candidate_sites USING gist (geom_3857);

-- check_hostable_kinds: an array cannot carry a foreign key, so a trigger checks each element.
CREATE FUNCTION check_hostable_kinds() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad text;
BEGIN
  SELECT k INTO bad FROM unnest(NEW.hostable_kinds) k
  WHERE NOT EXISTS (SELECT 1 FROM facility_kinds f WHERE f.code = k) LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'unknown facility kind %', bad
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'candidate_sites_hostable_kinds_fkey';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER candidate_sites_hostable_kinds BEFORE INSERT OR UPDATE OF hostable_kinds ON candidate_sites
  FOR EACH ROW EXECUTE FUNCTION check_hostable_kinds();

INSERT INTO facility_kinds (code, name, level, required, service_distance_m, sort) VALUES
  ('middle_school', '初中', '15min', true, 1000, 1),
  ('large_sports_field', '大型多功能运动场地', '15min', true, 1000, 2),
  ('health_center', '社区卫生服务中心', '15min', true, 1000, 3),
  ('nursing_home', '养老院', '15min', true, 1000, 4),
  ('culture_center', '文化活动中心', '15min', true, 1000, 5),
  ('community_center', '社区服务中心（街道级）', '15min', true, 1000, 6),
  ('subdistrict_office', '街道办事处', '15min', true, 1000, 7),
  ('primary_school', '小学', '10min', true, 500, 8),
  ('medium_sports_field', '中型多功能运动场地', '10min', true, 500, 9),
  ('fresh_market', '菜市场或生鲜超市', '10min', true, 500, 10),
  ('bus_stop', '公交车站', '10min', true, 500, 11),
  ('community_service_station', '社区服务站', '5min', true, 300, 12),
  ('culture_station', '文化活动站', '5min', true, 300, 13),
  ('small_sports_court', '小型多功能运动场地', '5min', true, 300, 14),
  ('outdoor_fitness', '室外综合健身场地', '5min', true, 300, 15),
  ('kindergarten', '幼儿园', '5min', true, 300, 16),
  ('elderly_day_care', '老年人日间照料中心（托老所）', '5min', true, 300, 17),
  ('community_shop', '社区商业网点（超市、药店等）', '5min', true, 300, 18),
  ('recycling_point', '再生资源回收点', '5min', true, 300, 19),
  ('waste_station', '生活垃圾收集站', '5min', true, 400, 20),
  ('public_toilet', '公共厕所', '5min', true, 300, 21),
  ('community_canteen', '社区食堂', '5min', false, 300, 22),
  ('nursery', '托儿所', '5min', false, 300, 23),
  ('health_station', '社区卫生服务站', '5min', false, 300, 24),
  ('property_office', '物业管理与服务用房', 'block', true, 150, 25),
  ('play_ground', '儿童、老年人活动场地', 'block', true, 150, 26),
  ('convenience_store', '便利店', 'block', true, 150, 27),
  ('parcel_locker', '邮件和快件送达设施', 'block', true, 150, 28),
  ('garbage_point', '生活垃圾收集点', 'block', true, 70, 29);
