-- What OGC API – Features and the downloads read (internal/postgis/features.go): the same views
-- as the tiles, with the stored EPSG:4326 geometry and the feature's code beside the EPSG:3857
-- copy. CREATE OR REPLACE VIEW may only append columns, so code and geom come last.

CREATE OR REPLACE VIEW tile_communities AS
SELECT c.id, c.code, c.name, s.code AS subdistrict, c.completed_year, c.is_old, c.property_type,
       c.management, c.building_count, c.households, c.floor_area::float8 AS floor_area,
       p.stage, p.batch, p.batch_year, c.geom_3857, c.label_3857, c.geom
FROM communities c
JOIN subdistricts s ON s.id = c.subdistrict_id
LEFT JOIN plans p ON p.community_id = c.id;

CREATE OR REPLACE VIEW tile_buildings AS
SELECT b.id, b.number, c.name AS community_name, b.floors, b.units, b.households,
       b.floor_area::float8 AS floor_area, b.completed_year, b.structure, b.has_elevator,
       b.elevator_feasible, b.safety_grade, b.geom_3857, b.code, b.geom
FROM buildings b
JOIN communities c ON c.id = b.community_id;

CREATE OR REPLACE VIEW tile_facilities AS
SELECT f.id, f.name, f.kind, k.level, f.status, f.capacity, f.geom_3857, f.code, f.geom
FROM facilities f
JOIN facility_kinds k ON k.code = f.kind;

CREATE OR REPLACE VIEW tile_candidate_sites AS
SELECT id, name, origin, area_m2::float8 AS area_m2, array_to_string(hostable_kinds, ',') AS hostable_kinds,
       geom_3857, code, geom
FROM candidate_sites;

-- living_circles had only a GiST index on its EPSG:3857 copy; bbox and clip queries use geom.
CREATE INDEX ON living_circles USING gist (geom);
