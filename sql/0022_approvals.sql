-- Approval of imports and outline confirmations (issue 18): an admin may require that a
-- planner's import from the import page, and a planner's confirmation of a 待核实 outline, wait
-- for an admin's approval. Admins' own imports and confirmations never wait.

-- approval_settings: per kind, whether a planner's request waits for an admin.
CREATE TABLE approval_settings (
  kind text PRIMARY KEY CHECK (kind IN ('import', 'outline')),
  required boolean NOT NULL DEFAULT false
);
INSERT INTO approval_settings (kind) VALUES ('import'), ('outline');

-- approval_requests: the queue. An import keeps its upload in import_jobs (state 'pending') and
-- its mapping here; an outline names its community. Decided requests stay as the record.
CREATE TABLE approval_requests (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('import', 'outline')),
  job_id bigint REFERENCES import_jobs ON DELETE CASCADE,
  community_id int REFERENCES communities ON DELETE CASCADE,
  mapping text,
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by text,
  decided_at timestamptz,
  reason text,
  CHECK ((kind = 'import') = (job_id IS NOT NULL AND mapping IS NOT NULL)),
  CHECK ((kind = 'outline') = (community_id IS NOT NULL))
);
CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (community_id) WHERE state = 'pending';
CREATE INDEX approval_requests_pending ON approval_requests (id) WHERE state = 'pending';

-- An import waiting for approval.
ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_state_check;
ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_state_check CHECK (state IN ('uploaded', 'pending', 'running', 'done', 'failed'));
