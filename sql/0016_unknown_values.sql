-- Unknown is not a value (docs/data-format.md): where the source does not say a community's
-- completed year, property type or management, or a building's completed year or structure, the
-- column holds NULL (shown as 未知/待核实), never an invented value. is_old follows: NULL for a
-- community of unknown age, which stays in the survey (调查摸底) stage until its year is known.

ALTER TABLE communities
  ALTER completed_year DROP NOT NULL,
  ALTER property_type DROP NOT NULL,
  ALTER management DROP NOT NULL;
ALTER TABLE buildings
  ALTER completed_year DROP NOT NULL,
  ALTER structure DROP NOT NULL;

-- The placeholders of earlier OpenStreetMap imports: the year 1900 (no start_date), and the
-- property type 混合, management 无 and structure 其他 that OSM never says.
UPDATE communities SET completed_year = NULL WHERE completed_year = 1900;
UPDATE buildings SET completed_year = NULL WHERE completed_year = 1900;
UPDATE communities c SET property_type = NULL, management = NULL
FROM subdistricts s JOIN districts d ON d.id = s.district_id
WHERE s.id = c.subdistrict_id AND d.source LIKE '%OpenStreetMap%'
  AND c.property_type = 'mixed' AND c.management = 'none';
UPDATE buildings b SET structure = NULL
FROM communities c JOIN subdistricts s ON s.id = c.subdistrict_id JOIN districts d ON d.id = s.district_id
WHERE c.id = b.community_id AND d.source LIKE '%OpenStreetMap%' AND b.structure = 'other';
