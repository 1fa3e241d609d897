-- kaoping schema, SQLite. Times are microseconds since 1970-01-01 UTC; dates are 'YYYY-MM-DD'
-- (Asia/Shanghai civil dates); scores and money are exact decimal strings inside the JSON columns,
-- and totals for ordering are scaled integers (× 10000).

CREATE TABLE departments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  parent_code TEXT REFERENCES departments (code),
  created_at BIGINT NOT NULL
);

CREATE TABLE rounds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  year INTEGER NOT NULL,
  title TEXT NOT NULL,
  deadline TEXT NOT NULL,
  rubric_id TEXT NOT NULL,
  rubric_source TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE round_departments (
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  PRIMARY KEY (round_id, department_code)
);

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  department_code TEXT REFERENCES departments (code),
  label TEXT,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);

CREATE TABLE submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  round_id BIGINT NOT NULL REFERENCES rounds (id),
  department_code TEXT NOT NULL REFERENCES departments (code),
  seq INTEGER NOT NULL,
  is_current BOOLEAN NOT NULL,
  submitted_at BIGINT NOT NULL,
  late BOOLEAN NOT NULL,
  package TEXT NOT NULL,
  score_sheet TEXT NOT NULL,
  total_scaled BIGINT NOT NULL,
  complete BOOLEAN NOT NULL,
  submitted_by BIGINT NOT NULL REFERENCES tokens (id),
  source_name TEXT,
  UNIQUE (round_id, department_code, seq)
);
CREATE INDEX submissions_current ON submissions (round_id, department_code, is_current);

CREATE TABLE evidence (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id BIGINT NOT NULL REFERENCES submissions (id),
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  content BLOB NOT NULL
);
CREATE INDEX evidence_submission ON evidence (submission_id);

CREATE TABLE idempotency_keys (
  token_id BIGINT NOT NULL REFERENCES tokens (id),
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (token_id, idem_key)
);
