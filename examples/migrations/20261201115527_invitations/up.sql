-- invitations: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

CREATE TABLE "invitations" (
    "id" uuid NOT NULL DEFAULT (gen_random_uuid()),
    "organization_id" uuid NOT NULL,
    "invited_by" uuid NOT NULL,
    "email" text NOT NULL,
    "role" "user_role" NOT NULL DEFAULT ('member'),
    "token_hash" bytea NOT NULL,
    "expires_at" timestamp with time zone NOT NULL,
    "accepted_at" timestamp with time zone,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "invitations_token_hash_key" UNIQUE ("token_hash")
);

CREATE INDEX "invitations_organization_id_invited_by_idx" ON "invitations" USING btree ("organization_id", "invited_by");

ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION "invitation_by_token_hash"(value bytea) RETURNS TABLE("id" uuid, "organization_id" uuid, "email" text, "role" "user_role", "expires_at" timestamp with time zone, "accepted_at" timestamp with time zone) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $body$SELECT "id", "organization_id", "email", "role", "expires_at", "accepted_at" FROM "invitations" WHERE "token_hash" = $1$body$;

REVOKE EXECUTE ON FUNCTION "invitation_by_token_hash"(value bytea) FROM PUBLIC;

DO $role$ BEGIN CREATE ROLE "billing_app" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$;

GRANT EXECUTE ON FUNCTION "invitation_by_token_hash"(value bytea) TO "billing_app";

ALTER TABLE "invitations" ADD CONSTRAINT "invitations_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "invitations" ADD CONSTRAINT "invitations_organization_id_invited_by_fkey" FOREIGN KEY ("organization_id", "invited_by") REFERENCES "users" ("organization_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION;

CREATE POLICY "tenant_isolation" ON "invitations" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

DO $role$ BEGIN CREATE ROLE "billing_app" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$;

GRANT SELECT, DELETE, INSERT ("accepted_at", "created_at", "email", "expires_at", "invited_by", "organization_id", "role", "token_hash", "updated_at"), UPDATE ("accepted_at", "created_at", "email", "expires_at", "invited_by", "role", "token_hash", "updated_at") ON "invitations" TO "billing_app";

CREATE TRIGGER "set_updated_at" BEFORE UPDATE ON "invitations" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
