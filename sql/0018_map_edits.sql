-- Editing the map (issue 18): where a planner may edit, provisional community outlines, and the
-- index that makes a feature's edit history (audit_log rows of table_name/row_id) quick to read.

-- edit_zones limits a planner to some 街道: a user with rows here may edit only features lying
-- in one of them; a user without rows may edit everywhere (admins always may).
CREATE TABLE edit_zones (
  username text NOT NULL,
  subdistrict_id int NOT NULL REFERENCES subdistricts ON DELETE CASCADE,
  PRIMARY KEY (username, subdistrict_id)
);

-- provisional: an outline proposed by the service (from street blocks or building clusters), 待核实
-- until a planner confirms it. The walk engine does not treat it as a wall until then.
ALTER TABLE communities ADD COLUMN provisional boolean NOT NULL DEFAULT false;

-- Codes of features drawn on the map: ED-<layer letter>-<n>.
CREATE SEQUENCE edit_codes;

CREATE INDEX audit_log_row ON audit_log (table_name, row_id, id);

-- Tiles and the OGC API show whether an outline is provisional (CREATE OR REPLACE VIEW may only
-- append columns).
CREATE OR REPLACE VIEW tile_communities AS
SELECT c.id, c.code, c.name, s.code AS subdistrict, c.completed_year, c.is_old, c.property_type,
       c.management, c.building_count, c.households, c.floor_area::float8 AS floor_area,
       p.stage, p.batch, p.batch_year, c.geom_3857, c.label_3857, c.geom, c.provisional
FROM communities c
JOIN subdistricts s ON s.id = c.subdistrict_id
LEFT JOIN plans p ON p.community_id = c.id;
