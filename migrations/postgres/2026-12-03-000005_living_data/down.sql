DROP TABLE rubric_versions;
ALTER TABLE rounds DROP COLUMN calendar_revision;
DROP TABLE calendar_changes;
