-- Personal access tokens for desktop clients (QGIS, GDAL): read-only, one owner each. Only the
-- SHA-256 of a token is stored (tokens are 256 random bits, so a fast hash is enough; a bcrypt
-- per tile would cost tens of milliseconds).

CREATE TABLE access_tokens (
  id serial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  token_hash bytea NOT NULL UNIQUE,
  -- hint: the token's first characters, so its owner can tell tokens apart.
  hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX ON access_tokens (user_id);

-- token_uses audits the requests made with a token, aggregated: one row per token, hour and
-- client address with the number of requests.
CREATE TABLE token_uses (
  token_id int NOT NULL REFERENCES access_tokens ON DELETE CASCADE,
  hour timestamptz NOT NULL,
  address text NOT NULL,
  requests bigint NOT NULL,
  PRIMARY KEY (token_id, hour, address)
);

-- 3D pipelines: the elevation (1985 国家高程基准, metres) at every vertex, as a pipeline survey
-- (物探, CJJ 61) records it — of the pipe top for pressure pipes, of the invert for gravity
-- drains (drainage_*). geom stays the 2D line every map, tile and analysis uses; geom_z, when
-- known, is the same line with Z, which the downloads and the OGC API give out.
ALTER TABLE pipelines ADD COLUMN geom_z geometry(LineStringZ, 4326)
  CHECK (geom_z IS NULL OR ST_NPoints(geom_z) = ST_NPoints(geom));
COMMENT ON COLUMN pipelines.geom_z IS
  '各顶点高程（1985国家高程基准，米）：压力管为管顶高程，重力流排水管为管内底高程（CJJ 61）';
