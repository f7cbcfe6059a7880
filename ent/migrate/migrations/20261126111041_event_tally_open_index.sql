-- Create index "event_tally_open" to table: "event_tallies"
CREATE INDEX "event_tally_open" ON "event_tallies" ("scope_id", "grain", "bucket") WHERE (due_open > 0);
