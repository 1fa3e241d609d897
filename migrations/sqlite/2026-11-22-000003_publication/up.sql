-- 结果公布: immutable, versioned snapshots of a round's results
-- what the stored automatic sheet was scored with (kaoping version, deadline): when it still
-- holds, publishing reuses the sheet instead of checking the package again
ALTER TABLE submissions ADD COLUMN scored_with TEXT NOT NULL DEFAULT '';
ALTER TABLE rounds ADD COLUMN public_results BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE publications (
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  version INTEGER NOT NULL,
  published_at BIGINT NOT NULL,
  published_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- the whole snapshot as JSON, and its SHA-256
  snapshot TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  departments INTEGER NOT NULL,
  ranked INTEGER NOT NULL,
  -- what changed from the previous version (JSON), none for version 1
  diff TEXT,
  PRIMARY KEY (round_id, version)
);

-- each department's final sheet of a version, every deduction and reason (reviewers unnamed)
CREATE TABLE published_sheets (
  round_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  department_code TEXT NOT NULL,
  sheet TEXT NOT NULL,
  PRIMARY KEY (round_id, version, department_code),
  FOREIGN KEY (round_id, version) REFERENCES publications (round_id, version)
);

CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
BEGIN SELECT RAISE(ABORT, 'a published version is immutable'); END;
CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'a published version is immutable'); END;
CREATE TRIGGER published_sheets_no_update BEFORE UPDATE ON published_sheets
BEGIN SELECT RAISE(ABORT, 'a published version is immutable'); END;
CREATE TRIGGER published_sheets_no_delete BEFORE DELETE ON published_sheets
BEGIN SELECT RAISE(ABORT, 'a published version is immutable'); END;

-- dashboards told of every publication
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  description TEXT,
  active BOOLEAN NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);

-- one event to one webhook; written in the transaction that publishes, so it survives restarts
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
  round_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  locked_until BIGINT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
  attempt INTEGER NOT NULL,
  at BIGINT NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
