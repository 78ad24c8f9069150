-- Accounts: users with one role each, sessions (in the database, so several instances share
-- them), and login attempts for rate limiting.

CREATE TABLE users (
  id serial PRIMARY KEY,
  username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@-]{1,64}$'),
  display_name text NOT NULL DEFAULT '',
  role text NOT NULL REFERENCES role_labels,
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- sessions: the cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  token_hash bytea PRIMARY KEY,
  user_id int NOT NULL REFERENCES users ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  address text
);
CREATE INDEX ON sessions (user_id);
CREATE INDEX ON sessions (expires_at);

CREATE TABLE login_attempts (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  username text NOT NULL,
  address text NOT NULL,
  ok boolean NOT NULL
);
CREATE INDEX ON login_attempts (lower(username), at);
CREATE INDEX ON login_attempts (address, at);
