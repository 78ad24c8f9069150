-- Networks: roads (the base map and the walk network), gates in community walls, pipelines.

CREATE TABLE roads (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text,
  class text NOT NULL REFERENCES road_class_labels,
  surface text REFERENCES surface_condition_labels,
  walkable boolean NOT NULL DEFAULT true,
  resurface_year int CHECK (resurface_year BETWEEN 1900 AND 2100),
  width_m numeric(5, 1) CHECK (width_m > 0),
  -- community: set for a community's internal paths.
  community_id int REFERENCES communities ON DELETE CASCADE,
  geom geometry(LineString, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857 geometry(LineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON roads USING gist (geom);
CREATE INDEX ON roads USING gist (geom_3857);
CREATE INDEX ON roads (community_id);

-- gates: a walk crosses a community's wall only through one of these.
CREATE TABLE gates (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  community_id int NOT NULL REFERENCES communities ON DELETE CASCADE,
  name text,
  kind text NOT NULL REFERENCES gate_kind_labels,
  open_hours text,
  geom geometry(Point, 4326) NOT NULL,
  geom_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON gates USING gist (geom);
CREATE INDEX ON gates USING gist (geom_3857);
CREATE INDEX ON gates (community_id);

-- pipelines are sensitive: only some roles may read them (see the accounts issue).
CREATE TABLE pipelines (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  kind text NOT NULL REFERENCES pipeline_kind_labels,
  material text NOT NULL REFERENCES pipe_material_labels,
  diameter_mm int CHECK (diameter_mm BETWEEN 1 AND 5000),
  laid_year int NOT NULL CHECK (laid_year BETWEEN 1900 AND 2100),
  depth_m numeric(4, 2) CHECK (depth_m BETWEEN 0 AND 30),
  condition text NOT NULL REFERENCES pipe_condition_labels,
  operator text NOT NULL,
  community_id int REFERENCES communities ON DELETE CASCADE,
  geom geometry(LineString, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857 geometry(LineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON pipelines USING gist (geom);
CREATE INDEX ON pipelines USING gist (geom_3857);
CREATE INDEX ON pipelines (community_id);
