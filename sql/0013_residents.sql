-- Residents' voice (决策共谋、效果共评; docs/residents.md, internal/residents): surveys of a plan's
-- households by one-time codes, their ballots, and the failed code entries that rate-limit guessing.
-- No personal data: a ballot is tied to a code's hash only, never to a name, a phone, an address
-- or a time of day.

-- surveys: kind 'menu' (群众自选改造"菜单", opened in 制定方案) or 'satisfaction' (效果共评, opened
-- after 竣工验收). households is the community's household count when the survey opened (the
-- denominator of consent). A plan has at most one open survey of each kind.
CREATE TABLE surveys (
  id serial PRIMARY KEY,
  plan_id int NOT NULL REFERENCES plans ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('menu', 'satisfaction')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  households int NOT NULL CHECK (households >= 0),
  max_priorities int NOT NULL DEFAULT 5 CHECK (max_priorities BETWEEN 1 AND 10),
  opened_at timestamptz NOT NULL DEFAULT now(),
  opened_by text,
  closes_at timestamptz,
  closed_at timestamptz,
  closed_by text,
  consent numeric(4, 3) CHECK (consent BETWEEN 0 AND 1),
  CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
  CHECK (closes_at IS NULL OR closes_at > opened_at)
);
CREATE INDEX ON surveys (plan_id);
CREATE UNIQUE INDEX surveys_one_open ON surveys (plan_id, kind) WHERE status = 'open';

-- survey_codes: one row per household slip; only the SHA-256 of the normalised code is kept.
CREATE TABLE survey_codes (
  id bigserial PRIMARY KEY,
  survey_id int NOT NULL REFERENCES surveys ON DELETE CASCADE,
  code_hash bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32)
);
CREATE INDEX ON survey_codes (survey_id);

-- ballots: at most one per code, replaced while the survey is open. choices and priorities are
-- menu codes (priorities ranked, a subset of choices); ratings maps a goal to 1–5. Only the day of
-- the last change is kept, so a ballot cannot be matched with a request log by its time.
CREATE TABLE ballots (
  code_id bigint PRIMARY KEY REFERENCES survey_codes ON DELETE CASCADE,
  survey_id int NOT NULL REFERENCES surveys ON DELETE CASCADE,
  choices text[] NOT NULL DEFAULT '{}',
  priorities text[] NOT NULL DEFAULT '{}',
  consent boolean,
  ratings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(ratings) = 'object'),
  comment text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 500),
  changed_on date NOT NULL DEFAULT current_date
);
CREATE INDEX ON ballots (survey_id);

-- code_attempts: wrong codes, per address and per community, for rate limiting (like
-- login_attempts). Rows older than the longest window are purged as new ones arrive.
CREATE TABLE code_attempts (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  address text NOT NULL,
  community_id int NOT NULL REFERENCES communities ON DELETE CASCADE
);
CREATE INDEX ON code_attempts (address, at);
CREATE INDEX ON code_attempts (community_id, at);
CREATE INDEX ON code_attempts (at);
