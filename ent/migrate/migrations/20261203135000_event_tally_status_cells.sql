-- Status cells of the rollup summary (grain S): for the root of each case's origin path and
-- for the root's child on it, how many cases under each child and category are in each
-- status now (internal/rollup, CountCases). The hooks keep them from here on.
INSERT INTO "event_tallies" ("scope_id", "child_id", "category_id", "grain", "bucket", "found")
SELECT "scope", "child", "category_id", 'S', "status", count(*)
FROM (
  SELECT split_part("origin_path", '/', 2)::bigint AS "scope",
         COALESCE(NULLIF(split_part("origin_path", '/', 3), ''), '0')::bigint AS "child",
         "category_id", "status"
  FROM "events"
  UNION ALL
  SELECT split_part("origin_path", '/', 3)::bigint,
         COALESCE(NULLIF(split_part("origin_path", '/', 4), ''), '0')::bigint,
         "category_id", "status"
  FROM "events" WHERE split_part("origin_path", '/', 3) <> ''
) AS "cases"
GROUP BY "scope", "child", "category_id", "status";
