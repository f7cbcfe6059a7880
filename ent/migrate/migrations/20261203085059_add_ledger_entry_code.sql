-- Modify "ledger_entries" table
ALTER TABLE "ledger_entries" ADD COLUMN "entry_code" character varying NULL;
-- Every entry already there gets a code (new ones get a random one from the server).
UPDATE "ledger_entries" SET "entry_code" = 'L' || "id"::text WHERE "entry_code" IS NULL;
-- Create index "ledger_entries_entry_code_key" to table: "ledger_entries"
CREATE UNIQUE INDEX "ledger_entries_entry_code_key" ON "ledger_entries" ("entry_code");
