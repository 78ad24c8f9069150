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
