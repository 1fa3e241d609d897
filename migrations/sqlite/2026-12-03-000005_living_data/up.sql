-- 工作日历: years of the State Council's holiday arrangement (节假日安排) added at run time on top
-- of the calendar compiled into the binary. Every change is a new revision, never updated or
-- deleted: the calendar at revision R is the built-in one with the changes up to R applied.
CREATE TABLE calendar_changes (
  revision INTEGER PRIMARY KEY AUTOINCREMENT,
  -- the year of the notice (it fixes 21 December of the year before to 20 December)
  year INTEGER NOT NULL,
  -- 'set': the arrangement replaces what the calendar held for the year; 'remove': back to
  -- the built-in data (or to no coverage for a year beyond it)
  action TEXT NOT NULL,
  -- the arrangement in its normalised data-file form ('' for a removal) and its SHA-256
  arrangement TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  -- what was imported, as given: the notice's text or the data file
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_token BIGINT,
  at BIGINT NOT NULL
);

-- the calendar revision a round is scored with (0: the built-in calendar alone)
ALTER TABLE rounds ADD COLUMN calendar_revision BIGINT NOT NULL DEFAULT 0;

-- 考评细则: rubric files uploaded at run time, content-addressed; a round copies the source it
-- opens with into rounds.rubric_source, so nothing here is ever changed or deleted
CREATE TABLE rubric_versions (
  content_hash TEXT NOT NULL PRIMARY KEY,
  rubric_id TEXT NOT NULL,
  title TEXT NOT NULL,
  source TEXT NOT NULL,
  uploaded_at BIGINT NOT NULL,
  actor TEXT NOT NULL
);
