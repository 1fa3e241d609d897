DROP TABLE idempotency_keys;
DROP TABLE evidence;
DROP TABLE submissions;
DROP TABLE tokens;
DROP TABLE round_departments;
DROP TABLE rounds;
DROP TABLE departments;
