-- Modify "persons" table
ALTER TABLE "persons" ADD COLUMN "person_code" character varying NULL;
-- Every person already there gets a code (new ones get a random one from the server).
UPDATE "persons" SET "person_code" = 'P' || "id"::text WHERE "person_code" IS NULL;
-- Create index "persons_person_code_key" to table: "persons"
CREATE UNIQUE INDEX "persons_person_code_key" ON "persons" ("person_code");
