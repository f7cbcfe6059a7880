-- Shrink the rollup summary to its new shape (internal/rollup): day cells for the roots only,
-- month cells for the roots and their children, no cells deeper. The cells kept are exactly
-- the ones the new shape has, so no recomputation is needed; `gridgov rollup verify` checks it.
-- The disk space of the deleted rows returns with VACUUM FULL event_tallies (outside a migration).
DELETE FROM "event_tallies" WHERE "scope_id" IN (SELECT "id" FROM "grids" WHERE LENGTH("path") - LENGTH(REPLACE("path", '/', '')) - 1 > 2) OR ("grain" = 'D' AND "scope_id" IN (SELECT "id" FROM "grids" WHERE LENGTH("path") - LENGTH(REPLACE("path", '/', '')) - 1 > 1));
