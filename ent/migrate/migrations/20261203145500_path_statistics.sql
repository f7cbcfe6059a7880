-- Finer statistics on the path columns that scope the large tables. With the default 100
-- histogram buckets over a city's ~30,000 grid paths, a village's prefix falls between two
-- bounds and PostgreSQL expects 1 case where there are 7,000: it then reads the village's
-- every case through the path indexes (21 ms) instead of its open ones through
-- (status, grid_path) and (status, origin_path) (0.3 ms), measured on the 10 M-case city.
-- 1000 buckets are enough for the right plan; planning a scoped query costs 1.3 ms with them,
-- 2.6 ms with 3000 and 5.6 ms with 10000 (each LIKE is estimated against every bucket).
-- ent's schema has no term for a column's statistics target, hence this hand-written file.
ALTER TABLE "events" ALTER COLUMN "grid_path" SET STATISTICS 1000, ALTER COLUMN "origin_path" SET STATISTICS 1000;
ALTER TABLE "households" ALTER COLUMN "grid_path" SET STATISTICS 1000;
ALTER TABLE "daily_reports" ALTER COLUMN "grid_path" SET STATISTICS 1000;
ALTER TABLE "patrols" ALTER COLUMN "grid_path" SET STATISTICS 1000;
ANALYZE "events" ("grid_path", "origin_path");
ANALYZE "households" ("grid_path");
ANALYZE "daily_reports" ("grid_path");
ANALYZE "patrols" ("grid_path");
