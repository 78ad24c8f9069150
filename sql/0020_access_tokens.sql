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
