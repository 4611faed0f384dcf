-- initial_schema: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

CREATE TYPE "invoice_status" AS ENUM ('draft', 'open', 'paid', 'void', 'uncollectible');

CREATE TYPE "payment_method_kind" AS ENUM ('card', 'sepa_debit', 'bank_transfer');

CREATE TYPE "plan" AS ENUM ('free', 'team', 'enterprise');

CREATE TYPE "subscription_status" AS ENUM ('trialing', 'active', 'past_due', 'canceled');

CREATE TYPE "user_role" AS ENUM ('owner', 'admin', 'member', 'viewer');

CREATE TABLE "api_keys" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "created_by" uuid NOT NULL,
    "label" text NOT NULL,
    "token_hash" bytea NOT NULL,
    "expires_at" timestamp with time zone,
    "revoked_at" timestamp with time zone,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_keys_token_hash_key" UNIQUE ("token_hash")
);

CREATE INDEX "api_keys_created_by_idx" ON "api_keys" USING btree ("created_by");

CREATE INDEX "api_keys_organization_id_idx" ON "api_keys" USING btree ("organization_id");

ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;

CREATE TABLE "currencies" (
    "code" character(3) NOT NULL,
    "name" text NOT NULL,
    "minor_units" smallint NOT NULL,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "currencies_pkey" PRIMARY KEY ("code"),
    CONSTRAINT "currencies_minor_units_check" CHECK (minor_units BETWEEN 0 AND 4)
);

CREATE TABLE "customers" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "email" text NOT NULL,
    "display_name" text NOT NULL,
    "country_code" character(2) NOT NULL,
    "metadata" jsonb NOT NULL,
    "deleted_at" timestamp with time zone,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "customers_display_name_idx" ON "customers" USING btree ("organization_id", (lower(display_name)));

CREATE UNIQUE INDEX "customers_live_email_key" ON "customers" USING btree ("organization_id", "email") WHERE deleted_at IS NULL;

COMMENT ON COLUMN "customers"."country_code" IS 'ISO 3166-1 alpha-2';

ALTER TABLE "customers" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "customers" FORCE ROW LEVEL SECURITY;

CREATE TABLE "exchange_rates" (
    "id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    "base_code" character(3) NOT NULL,
    "quote_code" character(3) NOT NULL,
    "rate" double precision NOT NULL,
    "observed_on" date NOT NULL,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "exchange_rates_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "exchange_rates_base_code_quote_code_observed_on_key" UNIQUE ("base_code", "quote_code", "observed_on")
);

CREATE INDEX "exchange_rates_quote_code_idx" ON "exchange_rates" USING btree ("quote_code");

CREATE TABLE "invoice_line_items" (
    "id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    "organization_id" uuid NOT NULL,
    "invoice_id" uuid NOT NULL,
    "product_id" uuid,
    "description" text NOT NULL,
    "quantity" integer NOT NULL DEFAULT (1),
    "unit_price_cents" bigint NOT NULL,
    "amount_cents" bigint NOT NULL GENERATED ALWAYS AS (quantity * unit_price_cents) STORED,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "invoice_line_items_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "invoice_line_items_quantity_positive" CHECK (quantity > 0)
);

CREATE INDEX "invoice_line_items_invoice_id_idx" ON "invoice_line_items" USING btree ("invoice_id");

CREATE INDEX "invoice_line_items_organization_id_idx" ON "invoice_line_items" USING btree ("organization_id");

CREATE INDEX "invoice_line_items_product_id_idx" ON "invoice_line_items" USING btree ("product_id");

ALTER TABLE "invoice_line_items" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "invoice_line_items" FORCE ROW LEVEL SECURITY;

CREATE TABLE "invoices" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "customer_id" uuid NOT NULL,
    "number" bigint NOT NULL,
    "status" "invoice_status" NOT NULL DEFAULT ('draft'),
    "currency_code" character(3) NOT NULL,
    "subtotal_cents" bigint NOT NULL DEFAULT (0),
    "tax_cents" bigint NOT NULL DEFAULT (0),
    "total_cents" bigint NOT NULL DEFAULT (0),
    "due_on" date NOT NULL,
    "paid_at" timestamp with time zone,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "invoices_organization_id_number_key" UNIQUE ("organization_id", "number"),
    CONSTRAINT "invoices_paid_has_paid_at" CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    CONSTRAINT "invoices_total_is_subtotal_plus_tax" CHECK (total_cents = subtotal_cents + tax_cents)
);

CREATE INDEX "invoices_currency_code_idx" ON "invoices" USING btree ("currency_code");

CREATE INDEX "invoices_customer_id_idx" ON "invoices" USING btree ("customer_id");

CREATE INDEX "invoices_status_due_idx" ON "invoices" USING btree ("organization_id", "status", "due_on" DESC) INCLUDE ("total_cents");

ALTER TABLE "invoices" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "invoices" FORCE ROW LEVEL SECURITY;

CREATE TABLE "organizations" (
    "id" uuid NOT NULL,
    "slug" text NOT NULL,
    "display_name" text NOT NULL,
    "plan" "plan" NOT NULL,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "organizations_slug_key" UNIQUE ("slug")
);

COMMENT ON TABLE "organizations" IS 'A customer of ours; every tenant row belongs to one';

ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "organizations" FORCE ROW LEVEL SECURITY;

CREATE TABLE "payment_methods" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "customer_id" uuid NOT NULL,
    "kind" "payment_method_kind" NOT NULL,
    "gateway_reference" text NOT NULL,
    "gateway_payload" jsonb NOT NULL,
    "is_default" boolean NOT NULL DEFAULT (false),
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "payment_methods_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "payment_methods_customer_id_idx" ON "payment_methods" USING btree ("customer_id");

CREATE UNIQUE INDEX "payment_methods_one_default_key" ON "payment_methods" USING btree ("customer_id") WHERE is_default;

CREATE INDEX "payment_methods_organization_id_idx" ON "payment_methods" USING btree ("organization_id");

ALTER TABLE "payment_methods" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "payment_methods" FORCE ROW LEVEL SECURITY;

CREATE TABLE "products" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "sku" character varying(64) NOT NULL,
    "name" text NOT NULL,
    "unit_price_cents" bigint NOT NULL,
    "tax_rate_basis_points" integer NOT NULL DEFAULT (0),
    "active" boolean NOT NULL DEFAULT (true),
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "products_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "products_organization_id_sku_key" UNIQUE ("organization_id", "sku"),
    CONSTRAINT "products_tax_rate_basis_points_check" CHECK (tax_rate_basis_points BETWEEN 0 AND 10000),
    CONSTRAINT "products_unit_price_cents_check" CHECK (unit_price_cents >= 0)
);

CREATE INDEX "products_organization_id_active_idx" ON "products" USING btree ("organization_id", "active");

ALTER TABLE "products" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "products" FORCE ROW LEVEL SECURITY;

CREATE TABLE "subscriptions" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "customer_id" uuid NOT NULL,
    "product_id" uuid NOT NULL,
    "payment_method_id" uuid,
    "status" "subscription_status" NOT NULL,
    "current_period_end" timestamp with time zone NOT NULL,
    "canceled_at" timestamp with time zone,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "subscriptions_customer_id_idx" ON "subscriptions" USING btree ("customer_id");

CREATE INDEX "subscriptions_organization_id_status_current_period_end_idx" ON "subscriptions" USING btree ("organization_id", "status", "current_period_end");

CREATE INDEX "subscriptions_payment_method_id_idx" ON "subscriptions" USING btree ("payment_method_id");

CREATE INDEX "subscriptions_product_id_idx" ON "subscriptions" USING btree ("product_id");

ALTER TABLE "subscriptions" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "subscriptions" FORCE ROW LEVEL SECURITY;

CREATE TABLE "users" (
    "id" uuid NOT NULL,
    "organization_id" uuid NOT NULL,
    "email" text NOT NULL,
    "full_name" text NOT NULL,
    "password_hash" text NOT NULL,
    "role" "user_role" NOT NULL DEFAULT ('member'),
    "last_signed_in_at" timestamp with time zone,
    "created_at" timestamp with time zone NOT NULL DEFAULT (now()),
    "updated_at" timestamp with time zone NOT NULL DEFAULT (now()),
    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "users_organization_id_email_key" UNIQUE ("organization_id", "email"),
    CONSTRAINT "users_email_check" CHECK (email = lower(email) AND position('@' in email) > 1)
);

ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;

ALTER TABLE "users" FORCE ROW LEVEL SECURITY;

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "customers" ADD CONSTRAINT "customers_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "exchange_rates" ADD CONSTRAINT "exchange_rates_base_code_fkey" FOREIGN KEY ("base_code") REFERENCES "currencies" ("code") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "exchange_rates" ADD CONSTRAINT "exchange_rates_quote_code_fkey" FOREIGN KEY ("quote_code") REFERENCES "currencies" ("code") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoices" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "invoice_line_items" ADD CONSTRAINT "invoice_line_items_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE SET NULL ON UPDATE NO ACTION;

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_currency_code_fkey" FOREIGN KEY ("currency_code") REFERENCES "currencies" ("code") ON DELETE RESTRICT ON UPDATE NO ACTION;

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION;

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "products" ADD CONSTRAINT "products_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_payment_method_id_fkey" FOREIGN KEY ("payment_method_id") REFERENCES "payment_methods" ("id") ON DELETE SET NULL ON UPDATE NO ACTION;

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION;

ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION;

CREATE POLICY "tenant_isolation" ON "api_keys" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "customers" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "invoice_line_items" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "invoices" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "organizations" AS PERMISSIVE FOR ALL USING (("id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "payment_methods" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "products" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "subscriptions" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));

CREATE POLICY "tenant_isolation" ON "users" AS PERMISSIVE FOR ALL USING (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)) WITH CHECK (("organization_id" = NULLIF(current_setting('app.current_organization_id', true), '')::uuid));
