-- Modify "sessions" table
ALTER TABLE "sessions" ADD COLUMN "user_agent" character varying NOT NULL DEFAULT '', ADD COLUMN "last_seen_at" timestamptz NULL;
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "activated" boolean NOT NULL DEFAULT true, ADD COLUMN "activation_code_hash" bytea NULL, ADD COLUMN "activation_expires_at" timestamptz NULL, ADD COLUMN "activation_used_at" timestamptz NULL;
