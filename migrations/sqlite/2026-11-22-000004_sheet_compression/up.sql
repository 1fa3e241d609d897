-- Nothing to do on SQLite, which does not compress: the PostgreSQL migration of this version
-- makes published sheets cheaper to write there (lz4 instead of pglz).
SELECT 1;
