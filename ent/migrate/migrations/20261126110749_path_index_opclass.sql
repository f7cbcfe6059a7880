-- Drop index "bulletinpost_grid_path_published_at" from table: "bulletin_posts"
DROP INDEX "bulletinpost_grid_path_published_at";
-- Create index "bulletinpost_grid_path_published_at" to table: "bulletin_posts"
CREATE INDEX "bulletinpost_grid_path_published_at" ON "bulletin_posts" ("grid_path" varchar_pattern_ops, "published_at");
-- Drop index "dailyreport_grid_path_day" from table: "daily_reports"
DROP INDEX "dailyreport_grid_path_day";
-- Create index "dailyreport_grid_path_day" to table: "daily_reports"
CREATE INDEX "dailyreport_grid_path_day" ON "daily_reports" ("grid_path" varchar_pattern_ops, "day");
-- Drop index "event_grid_path_reported" from table: "events"
DROP INDEX "event_grid_path_reported";
-- Create index "event_grid_path_reported" to table: "events"
CREATE INDEX "event_grid_path_reported" ON "events" ("grid_path" varchar_pattern_ops, "reported_at");
-- Drop index "inspection_grid_path_inspected_at" from table: "inspections"
DROP INDEX "inspection_grid_path_inspected_at";
-- Create index "inspection_grid_path_inspected_at" to table: "inspections"
CREATE INDEX "inspection_grid_path_inspected_at" ON "inspections" ("grid_path" varchar_pattern_ops, "inspected_at");
-- Drop index "ledgerentry_grid_path_item_type_id_period" from table: "ledger_entries"
DROP INDEX "ledgerentry_grid_path_item_type_id_period";
-- Create index "ledgerentry_grid_path_item_type_id_period" to table: "ledger_entries"
CREATE INDEX "ledgerentry_grid_path_item_type_id_period" ON "ledger_entries" ("grid_path" varchar_pattern_ops, "item_type_id", "period");
-- Drop index "patrol_grid_path_started_at" from table: "patrols"
DROP INDEX "patrol_grid_path_started_at";
-- Create index "patrol_grid_path_started_at" to table: "patrols"
CREATE INDEX "patrol_grid_path_started_at" ON "patrols" ("grid_path" varchar_pattern_ops, "started_at");
-- Drop index "visit_grid_path_visited_at" from table: "visits"
DROP INDEX "visit_grid_path_visited_at";
-- Create index "visit_grid_path_visited_at" to table: "visits"
CREATE INDEX "visit_grid_path_visited_at" ON "visits" ("grid_path" varchar_pattern_ops, "visited_at");
