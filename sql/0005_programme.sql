-- The programme: the renovation menu, departments, one plan per community with its items and
-- funding, renovation areas (片区), living circles, targets and the audit log.

CREATE TABLE renovation_menu (
  code text PRIMARY KEY,
  part text NOT NULL REFERENCES menu_part_labels,
  name text NOT NULL,
  class text NOT NULL REFERENCES menu_class_labels,
  unit text NOT NULL,
  unit_cost numeric(12, 2) NOT NULL CHECK (unit_cost >= 0),
  goal text NOT NULL REFERENCES goal_labels,
  sort int NOT NULL
);

CREATE TABLE departments (
  code text PRIMARY KEY,
  name text NOT NULL,
  duties text NOT NULL,
  sort int NOT NULL
);

CREATE TABLE plans (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  community_id int NOT NULL UNIQUE REFERENCES communities ON DELETE CASCADE,
  stage text NOT NULL REFERENCES plan_stage_labels,
  batch text NOT NULL REFERENCES batch_labels,
  batch_year int CHECK (batch_year BETWEEN 2000 AND 2100),
  planned_start date,
  planned_end date,
  actual_start date,
  actual_end date,
  consent_rate numeric(4, 3) CHECK (consent_rate BETWEEN 0 AND 1),
  management_after text REFERENCES management_labels,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (planned_end >= planned_start),
  CHECK (actual_end >= actual_start)
);
CREATE INDEX ON plans (stage);

CREATE TABLE plan_items (
  id serial PRIMARY KEY,
  plan_id int NOT NULL REFERENCES plans ON DELETE CASCADE,
  menu_code text NOT NULL REFERENCES renovation_menu ON UPDATE CASCADE,
  quantity numeric(12, 2) NOT NULL CHECK (quantity > 0),
  unit_cost numeric(12, 2) NOT NULL CHECK (unit_cost >= 0),
  cost numeric(14, 2) GENERATED ALWAYS AS (round(quantity * unit_cost, 2)) STORED,
  department_code text NOT NULL REFERENCES departments ON UPDATE CASCADE,
  status text NOT NULL DEFAULT 'planned' REFERENCES item_status_labels,
  geom geometry(Geometry, 4326) CHECK (geom IS NULL OR ST_IsValid(geom)),
  UNIQUE (plan_id, menu_code)
);

CREATE TABLE plan_funding (
  plan_id int NOT NULL REFERENCES plans ON DELETE CASCADE,
  source text NOT NULL REFERENCES funding_source_labels,
  amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (plan_id, source)
);

CREATE TABLE areas (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  origin text NOT NULL REFERENCES area_origin_labels,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX ON areas USING gist (geom);
CREATE INDEX ON areas USING gist (geom_3857);

CREATE TABLE area_members (
  area_id int NOT NULL REFERENCES areas ON DELETE CASCADE,
  community_id int NOT NULL REFERENCES communities ON DELETE CASCADE,
  PRIMARY KEY (area_id, community_id)
);

CREATE TABLE living_circles (
  id serial PRIMARY KEY,
  community_id int NOT NULL REFERENCES communities ON DELETE CASCADE,
  minutes int NOT NULL CHECK (minutes > 0),
  distance_m int NOT NULL CHECK (distance_m > 0),
  profile text NOT NULL DEFAULT 'standard',
  computed_at timestamptz NOT NULL DEFAULT now(),
  inputs_version bigint NOT NULL,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  UNIQUE (community_id, minutes, profile)
);
CREATE INDEX ON living_circles USING gist (geom_3857);

CREATE TABLE targets (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  batch_year int NOT NULL,
  communities int NOT NULL CHECK (communities >= 0),
  buildings int NOT NULL CHECK (buildings >= 0),
  households int NOT NULL CHECK (households >= 0),
  floor_area numeric(12, 1) NOT NULL CHECK (floor_area >= 0),
  due date NOT NULL
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text,
  address text,
  action text NOT NULL,
  table_name text,
  row_id text,
  before jsonb,
  after jsonb
);
CREATE INDEX ON audit_log (at);

INSERT INTO renovation_menu (code, part, name, class, unit, unit_cost, goal, sort) VALUES
  ('H01', 'housing', '屋面防水维修', 'basic', 'm²', 120, 'function', 1),
  ('H02', 'housing', '楼梯扶手维修、更换', 'basic', 'm', 150, 'function', 2),
  ('H03', 'housing', '楼梯踏步维修', 'basic', '处', 300, 'function', 3),
  ('H04', 'housing', '楼道内墙体修复和公共楼道墙面粉刷', 'basic', 'm²', 35, 'environment', 4),
  ('H05', 'housing', '修复楼道照明灯', 'basic', '盏', 180, 'light', 5),
  ('H06', 'housing', '清理楼道各类管线', 'basic', '栋', 3000, 'environment', 6),
  ('H07', 'housing', '更换白钢楼宇门（带语音对讲）', 'improve', '樘', 6500, 'function', 7),
  ('H08', 'housing', '设置楼牌号及宣传栏', 'improve', '个', 800, 'management', 8),
  ('H09', 'housing', '加装电梯（试点）', 'improve', '部', 600000, 'function', 9),
  ('I01', 'infrastructure', '小区道路修缮（透水彩色方砖）', 'basic', 'm²', 180, 'road', 10),
  ('I02', 'infrastructure', '优化对外交通通道', 'improve', '处', 50000, 'road', 11),
  ('I03', 'infrastructure', '供水管线及计量设施改造', 'basic', 'm', 400, 'function', 12),
  ('I04', 'infrastructure', '供电管线及计量设施改造', 'basic', 'm', 350, 'function', 13),
  ('I05', 'infrastructure', '供气管线改造', 'basic', 'm', 380, 'function', 14),
  ('I06', 'infrastructure', '供暖管线改造', 'basic', 'm', 900, 'function', 15),
  ('I07', 'infrastructure', '排水管线改造', 'basic', 'm', 650, 'drain', 16),
  ('I08', 'infrastructure', '雨污分流改造', 'basic', 'm', 800, 'drain', 17),
  ('I09', 'infrastructure', '通信管线改造', 'basic', 'm', 120, 'function', 18),
  ('I10', 'infrastructure', '有线电视管线改造', 'basic', 'm', 100, 'function', 19),
  ('I11', 'infrastructure', '综合管沟、线槽', 'upgrade', 'm', 3500, 'function', 20),
  ('I12', 'infrastructure', '完善消防管道、消防栓、消防通道', 'basic', '处', 8000, 'function', 21),
  ('I13', 'infrastructure', '配置充电桩', 'improve', '个', 6000, 'function', 22),
  ('I14', 'infrastructure', '配建化粪池', 'basic', '座', 40000, 'drain', 23),
  ('I15', 'infrastructure', '设置自行车车棚', 'improve', 'm²', 400, 'function', 24),
  ('I16', 'infrastructure', '划置停车泊位', 'improve', '个', 1500, 'function', 25),
  ('I17', 'infrastructure', '修复小区路灯', 'improve', '盏', 3500, 'light', 26),
  ('I18', 'infrastructure', '设置生活垃圾投放点、推进垃圾分类', 'basic', '处', 5000, 'environment', 27),
  ('P01', 'services', '完善社区服务中心功能', 'upgrade', 'm²', 1500, 'function', 28),
  ('P02', 'services', '老旧建筑改造再利用（活动中心、幼儿园、托老所、卫生站、物业用房）', 'upgrade', 'm²', 1800, 'function', 29),
  ('P03', 'services', '违建拆除腾空土地改造停车场', 'improve', 'm²', 250, 'function', 30),
  ('P04', 'services', '休闲、健身广场及健身器材', 'improve', 'm²', 300, 'function', 31),
  ('P05', 'services', '修建文化长廊', 'improve', 'm', 1200, 'environment', 32),
  ('P06', 'services', '非机动车停车栏', 'improve', '处', 2000, 'function', 33),
  ('P07', 'services', '人行出入口门禁', 'improve', '处', 15000, 'management', 34),
  ('P08', 'services', '增设治安监控摄像头', 'basic', '个', 2500, 'management', 35),
  ('E01', 'environment', '拆除违章建筑物和违章设施', 'improve', 'm²', 80, 'environment', 36),
  ('E02', 'environment', '整治餐饮油烟污染', 'improve', '户', 3000, 'environment', 37),
  ('E03', 'environment', '清理店面招牌、广告牌', 'improve', '处', 1500, 'environment', 38),
  ('E04', 'environment', '清理楼道杂物及小广告', 'basic', '栋', 1500, 'environment', 39),
  ('E05', 'environment', '整治公共绿地、补栽花草树木', 'improve', 'm²', 80, 'environment', 40),
  ('E06', 'environment', '增设凉亭及休闲座椅', 'improve', '个', 8000, 'environment', 41),
  ('M01', 'management', '成立业委会或居民自治小组、引入物业（红色物业）', 'improve', '项', 20000, 'management', 42);

INSERT INTO departments (code, name, duties, sort) VALUES
  ('housing', '区住建局', '牵头组织改造工作，制定方案，组织实施与验收', 1),
  ('subdistrict', '街道（社区）', '调查摸底、宣传发动、征求居民意见、后续管理', 2),
  ('development', '区发改局', '项目立项与中央预算内投资申报', 3),
  ('finance', '区财政局', '资金筹集、拨付与监管', 4),
  ('enforcement', '区执法局', '拆除违章建筑物和违章设施', 5),
  ('petitions', '区信访局', '处理改造中的信访事项', 6),
  ('justice', '区司法局', '方案与合同的合法性审查', 7),
  ('social', '区教育/民政/卫健', '托育、养老、卫生等公共服务设施', 8),
  ('audit', '区审计局', '改造资金审计', 9);

INSERT INTO targets (code, name, batch_year, communities, buildings, households, floor_area, due) VALUES
  ('2021', '2021年计划改造小区', 2021, 24, 146, 9120, 721000, '2022-07-31');
