-- Published sheets are written ten thousand at a time (7 KB of JSON each for a province-sized
-- round). PostgreSQL's default pglz compression of them was 40 % of the server's work when a
-- round of 10,000 departments was published (BENCHMARKS.md); lz4 is several times faster at a
-- similar size. A server built without lz4 (or older than 14) keeps the sheets uncompressed
-- instead, which is as fast and only larger.
DO $$
BEGIN
  EXECUTE 'ALTER TABLE published_sheets ALTER COLUMN sheet SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN
  ALTER TABLE published_sheets ALTER COLUMN sheet SET STORAGE EXTERNAL;
END
$$;
