DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE published_sheets;
DROP TABLE publications;
DROP FUNCTION publications_immutable();
ALTER TABLE rounds DROP COLUMN public_results;
ALTER TABLE submissions DROP COLUMN scored_with;
