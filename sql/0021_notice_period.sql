-- 公示期 and feedback channel of a plan's public notice (docs/residents.md): the days the notice
-- is posted and where residents send their views. One row per plan; none until a planner sets it.
CREATE TABLE plan_notices (
  plan_id int PRIMARY KEY REFERENCES plans ON DELETE CASCADE,
  opens_on date NOT NULL,
  closes_on date NOT NULL,
  feedback text NOT NULL CHECK (length(feedback) BETWEEN 1 AND 200),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (closes_on >= opens_on)
);
