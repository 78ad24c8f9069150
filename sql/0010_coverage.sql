-- Facility coverage (生活圈配套覆盖): the blind-spot overlay the walk-network engine writes after
-- each build (internal/access, internal/postgis/access.go), one row per building: how many
-- required (▲) kinds it misses within their service distance, and which. inputs_version is the
-- network version it was computed from (like living_circles.inputs_version).

CREATE TABLE building_coverage (
  building_id int PRIMARY KEY REFERENCES buildings ON DELETE CASCADE,
  missing_required int NOT NULL CHECK (missing_required >= 0),
  missing_kinds text[] NOT NULL DEFAULT '{}',
  inputs_version bigint NOT NULL
);

INSERT INTO data_versions (table_name) VALUES ('building_coverage');
CREATE TRIGGER building_coverage_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON building_coverage
  FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- tile_coverage is the coverage tile layer (and feature collection): buildings with the number
-- of required kinds they miss and those kinds' Chinese names, in facility_kinds order.
CREATE VIEW tile_coverage AS
SELECT b.id, bc.missing_required,
       coalesce((SELECT string_agg(k.name, '、' ORDER BY k.sort)
                 FROM facility_kinds k WHERE k.code = ANY (bc.missing_kinds)), '') AS missing,
       b.households, c.name AS community_name, b.number, b.geom_3857, b.code, b.geom
FROM building_coverage bc
JOIN buildings b ON b.id = bc.building_id
JOIN communities c ON c.id = b.community_id;

-- The walk network finds a community's circles by community and profile.
CREATE INDEX ON living_circles (inputs_version);
