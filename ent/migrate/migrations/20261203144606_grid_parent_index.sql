-- Create index "grid_parent" to table: "grids"
CREATE INDEX "grid_parent" ON "grids" ("parent_id");
