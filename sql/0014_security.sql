-- Login throttling without account lockout, and an audit log that is kept.
--
-- login_throttle counts failed password checks per (account, address) pair, per account ('' as
-- address: failures from addresses that never logged in to it) and per address ('' as account).
-- A check is counted before it runs, under the row's lock, so concurrent attempts cannot overtake
-- the limits. audit_id is the aggregated audit row of the pair's current window: refused logins
-- update it (counts, first and last time) instead of adding a row each.
CREATE TABLE login_throttle (
  account text NOT NULL,
  address text NOT NULL,
  failures int NOT NULL DEFAULT 0,
  first_at timestamptz NOT NULL DEFAULT now(),
  last_at timestamptz NOT NULL DEFAULT now(),
  audit_id bigint,
  PRIMARY KEY (account, address)
);
CREATE INDEX ON login_throttle (last_at);

-- login_known: the addresses each account has logged in from ("familiar" addresses).
CREATE TABLE login_known (
  account text NOT NULL,
  address text NOT NULL,
  last_ok timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, address)
);

DROP TABLE login_attempts;

-- The audit log is kept at least 180 days (网络安全法 第二十一条: 留存相关的网络日志不少于六个月):
-- no row younger than that can be deleted, the table cannot be truncated, and a row's time, actor,
-- address and action never change (an aggregated login row only updates its counts in after).
CREATE FUNCTION audit_log_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF (NEW.at, NEW.actor, NEW.address, NEW.action) IS DISTINCT FROM (OLD.at, OLD.actor, OLD.address, OLD.action) THEN
      RAISE EXCEPTION 'audit_log rows keep their time, actor, address and action' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'TRUNCATE' OR OLD.at > now() - interval '180 days' THEN
    RAISE EXCEPTION 'audit_log rows are kept for 180 days' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER audit_log_keep BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_keep();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_keep();
