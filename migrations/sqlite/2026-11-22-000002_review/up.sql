-- Reviewer workflow: reviewers and their conflicts of interest, assignments, judgments, the final
-- word on an item (override, lead reviewer's reconciliation, upheld appeal), per-item versions for
-- If-Match, appeals (复核) and the append-only audit log. Scores are exact decimal strings.

CREATE TABLE reviewers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  -- the department the reviewer belongs to: never assigned to it
  department_code TEXT REFERENCES departments (code),
  lead BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE reviewer_conflicts (
  reviewer_id BIGINT NOT NULL REFERENCES reviewers (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  reason TEXT NOT NULL,
  declared_at BIGINT NOT NULL,
  PRIMARY KEY (reviewer_id, department_code)
);

-- no REFERENCES: SQLite cannot drop a column that has one (down.sql)
ALTER TABLE tokens ADD COLUMN reviewer_id BIGINT;
ALTER TABLE rounds ADD COLUMN reviewers_per_submission INTEGER NOT NULL DEFAULT 2;
ALTER TABLE rounds ADD COLUMN appeal_days INTEGER NOT NULL DEFAULT 5;
ALTER TABLE rounds ADD COLUMN released_at BIGINT;
ALTER TABLE rounds ADD COLUMN appeal_deadline TEXT;

CREATE TABLE assignments (
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  reviewer_id BIGINT NOT NULL REFERENCES reviewers (id),
  assigned_at BIGINT NOT NULL,
  PRIMARY KEY (round_id, department_code, reviewer_id)
);
CREATE INDEX assignments_reviewer ON assignments (reviewer_id);

-- one row per item ever written: its version, bumped by every write (the ETag)
CREATE TABLE review_items (
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  item TEXT NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (round_id, department_code, item)
);

CREATE TABLE judgments (
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  item TEXT NOT NULL,
  reviewer_id BIGINT NOT NULL REFERENCES reviewers (id),
  score TEXT NOT NULL,
  sub_scores TEXT,
  reason TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (round_id, department_code, item, reviewer_id)
);

-- override (automatic items), reconciliation or appeal: the last word on an item
CREATE TABLE resolutions (
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  item TEXT NOT NULL,
  kind TEXT NOT NULL,
  score TEXT NOT NULL,
  sub_scores TEXT,
  reason TEXT NOT NULL,
  by_name TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (round_id, department_code, item)
);

CREATE TABLE appeals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  item TEXT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  filed_at BIGINT NOT NULL,
  filed_by BIGINT NOT NULL REFERENCES tokens (id),
  score_before TEXT,
  score_after TEXT,
  decision_reason TEXT,
  decided_by TEXT,
  decided_at BIGINT
);
CREATE INDEX appeals_round ON appeals (round_id, department_code);

CREATE TABLE appeal_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id BIGINT NOT NULL REFERENCES appeals (id),
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  content BLOB NOT NULL
);
CREATE INDEX appeal_files_appeal ON appeal_files (appeal_id);

-- who, when, what, before, after, why; no API edits or deletes it, and triggers refuse it too
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT,
  item TEXT,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_token BIGINT,
  at BIGINT NOT NULL,
  before TEXT,
  after TEXT,
  reason TEXT
);
CREATE INDEX audit_log_round ON audit_log (round_id, department_code, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
