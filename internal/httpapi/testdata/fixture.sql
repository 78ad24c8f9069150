-- A tiny district for the HTTP tests: one subdistrict, two communities (one old, in the 2021
-- batch), buildings, roads of three classes, a gate, a pipe, parking, a facility, a site.
INSERT INTO districts (code, name, source, geom) VALUES
  ('220302', '铁西区', 'test', ST_Multi(ST_MakeEnvelope(124.330, 43.150, 124.370, 43.180, 4326)));
INSERT INTO subdistricts (code, name, district_id, geom)
  SELECT '220302001', '仁兴街道', id, ST_Multi(ST_MakeEnvelope(124.330, 43.150, 124.370, 43.180, 4326)) FROM districts;
INSERT INTO communities (code, name, subdistrict_id, completed_year, property_type, management, geom)
  SELECT 'C1', '机械厂家属楼', id, 1985, 'reform', 'none', ST_Multi(ST_MakeEnvelope(124.3500, 43.1600, 124.3520, 43.1615, 4326)) FROM subdistricts
  UNION ALL
  SELECT 'C2', '新城花园', id, 2010, 'commercial', 'property_company', ST_Multi(ST_MakeEnvelope(124.3530, 43.1600, 124.3550, 43.1615, 4326)) FROM subdistricts;
INSERT INTO buildings (code, community_id, number, floors, units, households, floor_area, completed_year, structure, safety_grade, geom)
  SELECT 'C1-B1', id, '1号楼', 6, 5, 60, 4740, 1985, 'brick_concrete', 'C', ST_Multi(ST_MakeEnvelope(124.3503, 43.1603, 124.3510, 43.1604, 4326)) FROM communities WHERE code = 'C1'
  UNION ALL
  SELECT 'C1-B2', id, '2号楼', 6, 4, 48, 3800.5, 1986, 'brick_concrete', 'B', ST_Multi(ST_MakeEnvelope(124.3503, 43.1607, 124.3510, 43.1608, 4326)) FROM communities WHERE code = 'C1'
  UNION ALL
  SELECT 'C2-B1', id, '1号楼', 18, 2, 144, 12960, 2010, 'shear_wall', 'A', ST_Multi(ST_MakeEnvelope(124.3535, 43.1603, 124.3540, 43.1606, 4326)) FROM communities WHERE code = 'C2';
INSERT INTO roads (code, name, class, surface, resurface_year, geom) VALUES
  ('R1', '紫气大路', 'arterial', 'fair', 2022, ST_MakeLine(ST_Point(124.340, 43.1595, 4326), ST_Point(124.360, 43.1595, 4326))),
  ('R2', '英雄街', 'branch', 'poor', NULL, ST_MakeLine(ST_Point(124.3525, 43.155, 4326), ST_Point(124.3525, 43.165, 4326)));
INSERT INTO roads (code, class, community_id, geom)
  SELECT 'R3', 'internal', id, ST_MakeLine(ST_Point(124.3510, 43.1600, 4326), ST_Point(124.3510, 43.1612, 4326)) FROM communities WHERE code = 'C1';
INSERT INTO gates (code, community_id, name, kind, open_hours, geom)
  SELECT 'G1', id, '南门', 'both', '全天', ST_Point(124.3510, 43.1600, 4326) FROM communities WHERE code = 'C1';
INSERT INTO pipelines (code, kind, material, diameter_mm, laid_year, depth_m, condition, operator, geom) VALUES
  ('P1', 'drainage_combined', 'concrete', 600, 1982, 2.5, 'poor', '四平市排水公司',
   ST_MakeLine(ST_Point(124.340, 43.1596, 4326), ST_Point(124.360, 43.1596, 4326)));
INSERT INTO parking (code, kind, capacity, geom)
  SELECT 'K1', 'car_space', 12, ST_Point(124.3515, 43.1610, 4326);
INSERT INTO facilities (code, kind, name, capacity, status, geom) VALUES
  ('F1', 'kindergarten', '铁西区第一幼儿园', 120, 'existing', ST_Point(124.3527, 43.1612, 4326)),
  ('F2', 'elderly_day_care', '规划托老所', 30, 'planned', ST_Point(124.3545, 43.1590, 4326));
INSERT INTO candidate_sites (code, name, origin, area_m2, hostable_kinds, geom) VALUES
  ('S1', '原机械厂锅炉房', 'reusable_building', 420, '{elderly_day_care,culture_station}',
   ST_Multi(ST_MakeEnvelope(124.3514, 43.1612, 124.3518, 43.1614, 4326)));
INSERT INTO plans (code, community_id, stage, batch, batch_year, planned_start, planned_end, consent_rate)
  SELECT 'PL-C1', id, 'construction', 'implement', 2021, '2021-06-01', '2022-07-31', 0.92 FROM communities WHERE code = 'C1';
