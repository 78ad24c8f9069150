-- What the tile layers read (tiles/layers.json): label points stored beside the polygons (one
-- label per feature, not one per tile it crosses), and views that join the few properties a
-- layer shows from other tables and cast numerics to float8 (MVT has no decimal type).

ALTER TABLE subdistricts
  ADD COLUMN label_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_PointOnSurface(ST_Transform(geom, 3857))) STORED;
ALTER TABLE communities
  ADD COLUMN label_3857 geometry(Point, 3857) GENERATED ALWAYS AS (ST_PointOnSurface(ST_Transform(geom, 3857))) STORED;
CREATE INDEX ON subdistricts USING gist (label_3857);
CREATE INDEX ON communities USING gist (label_3857);

CREATE VIEW tile_communities AS
SELECT c.id, c.code, c.name, s.code AS subdistrict, c.completed_year, c.is_old, c.property_type,
       c.management, c.building_count, c.households, c.floor_area::float8 AS floor_area,
       p.stage, p.batch, p.batch_year, c.geom_3857, c.label_3857
FROM communities c
JOIN subdistricts s ON s.id = c.subdistrict_id
LEFT JOIN plans p ON p.community_id = c.id;

CREATE VIEW tile_buildings AS
SELECT b.id, b.number, c.name AS community_name, b.floors, b.units, b.households,
       b.floor_area::float8 AS floor_area, b.completed_year, b.structure, b.has_elevator,
       b.elevator_feasible, b.safety_grade, b.geom_3857
FROM buildings b
JOIN communities c ON c.id = b.community_id;

CREATE VIEW tile_facilities AS
SELECT f.id, f.name, f.kind, k.level, f.status, f.capacity, f.geom_3857
FROM facilities f
JOIN facility_kinds k ON k.code = f.kind;

CREATE VIEW tile_candidate_sites AS
SELECT id, name, origin, area_m2::float8 AS area_m2, array_to_string(hostable_kinds, ',') AS hostable_kinds,
       geom_3857
FROM candidate_sites;
