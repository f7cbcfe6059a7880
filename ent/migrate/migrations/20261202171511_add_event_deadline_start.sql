-- Modify "events" table
ALTER TABLE "events" ADD COLUMN "time_limit" bigint NULL, ADD COLUMN "deadline_from" timestamptz NULL;
-- Backfill the open cases: the limit started at registration or at the last reopening, and
-- ran the category's time limit, unless an extension was approved since (an agreed date).
-- A deadline this does not reproduce is left alone by the recomputation, which checks first.
WITH "s" AS (
  SELECT e."id", c."time_limit",
    GREATEST(e."registered_at", (SELECT max(a."created_at") FROM "event_actions" AS a WHERE a."event_id" = e."id" AND a."action" = 'REOPEN')) AS "started"
  FROM "events" AS e JOIN "event_categories" AS c ON c."id" = e."category_id"
  WHERE e."deadline" IS NOT NULL AND e."closed_at" IS NULL AND e."registered_at" IS NOT NULL
)
UPDATE "events" SET "time_limit" = "s"."time_limit", "deadline_from" = "s"."started"
FROM "s"
WHERE "events"."id" = "s"."id"
  AND NOT EXISTS (SELECT 1 FROM "event_actions" AS a WHERE a."event_id" = "s"."id" AND a."action" = 'APPROVE_EXTENSION' AND a."created_at" >= "s"."started");
