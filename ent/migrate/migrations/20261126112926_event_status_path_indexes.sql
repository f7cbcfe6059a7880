-- Create index "event_status_grid_path" to table: "events"
CREATE INDEX "event_status_grid_path" ON "events" ("status", "grid_path" varchar_pattern_ops);
-- Create index "event_status_origin_path" to table: "events"
CREATE INDEX "event_status_origin_path" ON "events" ("status", "origin_path" varchar_pattern_ops);
