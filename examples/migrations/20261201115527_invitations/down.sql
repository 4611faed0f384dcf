-- invitations: down
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

DROP TRIGGER "set_updated_at" ON "invitations";

REVOKE SELECT, DELETE, INSERT ("accepted_at", "created_at", "email", "expires_at", "invited_by", "organization_id", "role", "token_hash", "updated_at"), UPDATE ("accepted_at", "created_at", "email", "expires_at", "invited_by", "role", "token_hash", "updated_at") ON "invitations" FROM "billing_app";

DROP POLICY "tenant_isolation" ON "invitations";

ALTER TABLE "invitations" DROP CONSTRAINT "invitations_organization_id_invited_by_fkey";

ALTER TABLE "invitations" DROP CONSTRAINT "invitations_organization_id_fkey";

DROP FUNCTION "invitation_by_token_hash"(value bytea);

DROP TABLE "invitations";
