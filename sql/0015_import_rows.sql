-- import_rows: what `renewmap import` last wrote, per source (a mapping's name), layer and code, as
-- a hash of the row's imported columns. A re-import compares it with the row as it is now, to
-- report rows changed in renewmap since (kept unless --replace) and rows the source no longer has
-- (deleted only with --replace).

CREATE TABLE import_rows (
  source text NOT NULL,
  layer text NOT NULL,
  code text NOT NULL,
  row_hash text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, layer, code)
);

-- import_jobs: imports started from the browser (the import page), held here so any instance can
-- report their progress. The upload itself (at most 8 MB) is kept only until the import ends or
-- the job expires (an hour after upload).
CREATE TABLE import_jobs (
  id bigserial PRIMARY KEY,
  actor text NOT NULL,
  file_name text NOT NULL,
  data bytea CHECK (octet_length(data) <= 8388608),
  state text NOT NULL DEFAULT 'uploaded' CHECK (state IN ('uploaded', 'running', 'done', 'failed')),
  done int NOT NULL DEFAULT 0,
  total int NOT NULL DEFAULT 0,
  message text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(), -- a running job not updated for 10 minutes died with its instance
  expires_at timestamptz NOT NULL DEFAULT now() + interval '1 hour'
);
