ALTER TABLE round_departments DROP COLUMN received_via;
ALTER TABLE round_departments DROP COLUMN received_at;
ALTER TABLE round_departments DROP COLUMN receipt_seq;
ALTER TABLE round_departments DROP COLUMN extended_deadline;
