-- Enumerations: every coded value has a Chinese label in a table of its own, so foreign keys keep
-- the data sane and the UI never hard-codes a label.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE FUNCTION create_label_table(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE TABLE %I (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL, sort int NOT NULL)',
    name || '_labels');
END $$;

SELECT create_label_table(n) FROM unnest(ARRAY[
  'property_type', 'management', 'structure', 'safety_grade', 'road_class', 'surface_condition',
  'gate_kind', 'pipeline_kind', 'pipe_material', 'pipe_condition', 'facility_status',
  'parking_kind', 'site_origin', 'plan_stage', 'batch', 'item_status', 'funding_source',
  'menu_part', 'menu_class', 'goal', 'facility_level', 'area_origin', 'role']) AS n;

DROP FUNCTION create_label_table(text);

INSERT INTO property_type_labels VALUES
  ('commercial', '商品房', 'commercial housing', 1),
  ('reform', '房改房', 'reformed public housing', 2),
  ('unit', '单位自管', 'work-unit managed', 3),
  ('public', '直管公房', 'public housing', 4),
  ('mixed', '混合', 'mixed', 5);
INSERT INTO management_labels VALUES
  ('property_company', '物业', 'property company', 1),
  ('work_unit', '单位', 'work unit', 2),
  ('self', '居民自治', 'residents'' self-management', 3),
  ('none', '无', 'none', 4);
INSERT INTO structure_labels VALUES
  ('brick_concrete', '砖混', 'brick-concrete', 1),
  ('frame', '框架', 'frame', 2),
  ('shear_wall', '剪力墙', 'shear wall', 3),
  ('frame_shear', '框剪', 'frame-shear wall', 4),
  ('brick_wood', '砖木', 'brick-timber', 5),
  ('other', '其他', 'other', 6);
INSERT INTO safety_grade_labels VALUES
  ('A', 'A级', 'grade A', 1), ('B', 'B级', 'grade B', 2),
  ('C', 'C级', 'grade C', 3), ('D', 'D级', 'grade D', 4);
INSERT INTO road_class_labels VALUES
  ('arterial', '主干路', 'arterial', 1),
  ('secondary', '次干路', 'secondary road', 2),
  ('branch', '支路', 'branch road', 3),
  ('internal', '小区内部路', 'internal path', 4),
  ('footway', '步行道', 'footway', 5);
INSERT INTO surface_condition_labels VALUES
  ('good', '良好', 'good', 1), ('fair', '一般', 'fair', 2),
  ('poor', '较差', 'poor', 3), ('broken', '破损', 'broken', 4);
INSERT INTO gate_kind_labels VALUES
  ('pedestrian', '人行', 'pedestrian', 1),
  ('vehicle', '车行', 'vehicle', 2),
  ('both', '人车混行', 'pedestrian and vehicle', 3);
INSERT INTO pipeline_kind_labels VALUES
  ('water_supply', '供水', 'water supply', 1),
  ('drainage_rain', '雨水', 'storm drain', 2),
  ('drainage_sewage', '污水', 'sewer', 3),
  ('drainage_combined', '雨污合流', 'combined sewer', 4),
  ('power', '供电', 'power', 5),
  ('gas', '供气', 'gas', 6),
  ('heating', '供暖', 'district heating', 7),
  ('telecom', '通信', 'telecom', 8),
  ('cable_tv', '有线电视', 'cable TV', 9);
INSERT INTO pipe_material_labels VALUES
  ('cast_iron', '铸铁', 'cast iron', 1),
  ('ductile_iron', '球墨铸铁', 'ductile iron', 2),
  ('steel', '钢', 'steel', 3),
  ('concrete', '混凝土', 'concrete', 4),
  ('pe', '聚乙烯', 'polyethylene', 5),
  ('pvc', '聚氯乙烯', 'PVC', 6),
  ('copper_cable', '铜缆', 'copper cable', 7),
  ('fiber', '光缆', 'optical fibre', 8),
  ('other', '其他', 'other', 9);
INSERT INTO pipe_condition_labels VALUES
  ('good', '良好', 'good', 1), ('fair', '一般', 'fair', 2),
  ('poor', '较差', 'poor', 3), ('critical', '危险', 'critical', 4);
INSERT INTO facility_status_labels VALUES
  ('existing', '现状', 'existing', 1), ('planned', '规划', 'planned', 2);
INSERT INTO parking_kind_labels VALUES
  ('car_space', '车位', 'car space', 1),
  ('car_lot', '停车场', 'car park', 2),
  ('ev_charger', '充电桩', 'EV charger', 3),
  ('bike_shed', '自行车棚', 'bicycle shed', 4),
  ('e_bike_charging', '电动自行车充电', 'e-bike charging', 5);
INSERT INTO site_origin_labels VALUES
  ('demolished_illegal', '违建拆除腾空地', 'land freed by demolishing illegal structures', 1),
  ('vacant', '空地', 'vacant land', 2),
  ('reusable_building', '可再利用旧建筑', 'reusable old building', 3);
INSERT INTO plan_stage_labels VALUES
  ('survey', '调查摸底', 'survey', 1),
  ('reserve', '储备', 'reserve', 2),
  ('planning', '制定方案', 'planning', 3),
  ('review', '方案审核', 'review', 4),
  ('approved', '公示确认', 'approved and publicised', 5),
  ('construction', '组织实施', 'construction', 6),
  ('accepted', '竣工验收', 'accepted', 7),
  ('handed_over', '移交管理', 'handed over', 8);
INSERT INTO batch_labels VALUES
  ('implement', '实施一批', 'implement', 1),
  ('prepare', '谋划一批', 'prepare', 2),
  ('reserve', '储备一批', 'reserve', 3);
INSERT INTO item_status_labels VALUES
  ('planned', '计划', 'planned', 1),
  ('in_progress', '实施中', 'in progress', 2),
  ('done', '完成', 'done', 3);
INSERT INTO funding_source_labels VALUES
  ('central', '中央补助', 'central subsidy', 1),
  ('provincial', '省级', 'provincial', 2),
  ('district', '区级财政', 'district budget', 3),
  ('residents', '居民出资', 'residents', 4),
  ('property_units', '原产权单位', 'original property units', 5),
  ('utilities', '管线单位', 'utility operators', 6),
  ('social_capital', '社会资本', 'social capital', 7);
INSERT INTO menu_part_labels VALUES
  ('housing', '房屋功能', 'building functions', 1),
  ('infrastructure', '基础设施', 'infrastructure', 2),
  ('services', '公共服务', 'public services', 3),
  ('environment', '居住环境', 'living environment', 4),
  ('management', '管理', 'management', 5);
INSERT INTO menu_class_labels VALUES
  ('basic', '基础类', 'basic', 1),
  ('improve', '完善类', 'improvement', 2),
  ('upgrade', '提升类', 'upgrade', 3);
INSERT INTO goal_labels VALUES
  ('drain', '排水通', 'drainage flows', 1),
  ('road', '路面平', 'roads even', 2),
  ('light', '路灯亮', 'lights on', 3),
  ('function', '功能全', 'functions complete', 4),
  ('environment', '环境美', 'environment pleasant', 5),
  ('management', '管理优', 'management good', 6);
INSERT INTO facility_level_labels VALUES
  ('15min', '15分钟生活圈', '15-minute living circle', 1),
  ('10min', '10分钟生活圈', '10-minute living circle', 2),
  ('5min', '5分钟生活圈', '5-minute living circle', 3),
  ('block', '居住街坊', 'residential block', 4);
INSERT INTO area_origin_labels VALUES
  ('suggested', '系统建议', 'suggested', 1),
  ('saved', '已保存', 'saved', 2),
  ('drawn', '手绘', 'drawn', 3);

INSERT INTO role_labels VALUES
  ('viewer', '查看者', 'viewer', 1),
  ('planner', '规划人员', 'planner', 2),
  ('designer', '设计人员', 'designer', 3),
  ('leader', '领导', 'leader', 4),
  ('admin', '管理员', 'administrator', 5);

-- enum_labels: every label in one view, for the UI (built from the label tables above).
DO $$
BEGIN
  EXECUTE 'CREATE VIEW enum_labels AS ' || (
    SELECT string_agg(format('SELECT %L AS enum, code, label_zh, label_en, sort FROM %I',
                             replace(tablename, '_labels', ''), tablename), ' UNION ALL '
                      ORDER BY tablename)
    FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '%\_labels');
END $$;
