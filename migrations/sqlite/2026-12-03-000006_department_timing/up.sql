-- 报送时间与延期: what the bureau records of one department in a round — an extended deadline
-- it granted, and the receipt time (and how: paper, e-mail, in person) of one submission, given
-- by its seq. The reason and the actor of each change are in the audit log.
ALTER TABLE round_departments ADD COLUMN extended_deadline TEXT;
ALTER TABLE round_departments ADD COLUMN receipt_seq INTEGER;
ALTER TABLE round_departments ADD COLUMN received_at BIGINT;
ALTER TABLE round_departments ADD COLUMN received_via TEXT;
