-- doc_comments_as_comments: up
-- Runs in one transaction (the runner opens it; with psql use --single-transaction).

SET LOCAL lock_timeout = '2000ms';
SET LOCAL statement_timeout = '30000ms';

COMMENT ON COLUMN "api_keys"."label" IS 'What the key is for, as its creator named it.';

COMMENT ON COLUMN "api_keys"."expires_at" IS 'NULL: the key does not expire.';

COMMENT ON COLUMN "api_keys"."revoked_at" IS 'Set when the key is revoked; a revoked key is kept for the audit trail.';

COMMENT ON TABLE "api_keys" IS 'Machine credentials; only a SHA-256 of the key is stored.';

COMMENT ON COLUMN "currencies"."code" IS 'The ISO 4217 code, e.g. `EUR`.';

COMMENT ON COLUMN "currencies"."minor_units" IS 'Digits after the decimal point: 2 for EUR, 0 for JPY.';

COMMENT ON TABLE "currencies" IS 'ISO 4217 currencies: reference data shared by every organization.';

COMMENT ON COLUMN "customers"."deleted_at" IS 'Soft delete: set when the customer is removed (invoices keep referencing it); live rows have NULL, and the live email must be unique.';

COMMENT ON TABLE "customers" IS 'Who an organization bills.';

COMMENT ON TABLE "exchange_rates" IS 'Daily reference exchange rates, for reporting only (never for charging).';

COMMENT ON TABLE "invitations" IS 'An invitation to join an organization, accepted by following a link that carries a random token; only a SHA-256 of the token is stored.';

COMMENT ON COLUMN "invoice_line_items"."product_id" IS 'The product sold, when the line is for one; NULL once the product is deleted (the line keeps its description and price).';

COMMENT ON TABLE "invoice_line_items" IS 'One line of an invoice.';

COMMENT ON COLUMN "invoices"."number" IS 'The invoice number printed on the bill, unique within the organization.';

COMMENT ON COLUMN "invoices"."paid_at" IS 'Set exactly when the status is `paid`.';

COMMENT ON TABLE "invoices" IS 'A bill sent to a customer.';

COMMENT ON COLUMN "organizations"."slug" IS 'The subdomain the organization signs in at.';

COMMENT ON COLUMN "payment_methods"."gateway_reference" IS 'The gateway''s token for the payment method.';

COMMENT ON COLUMN "payment_methods"."is_default" IS 'At most one default payment method per customer.';

COMMENT ON TABLE "payment_methods" IS 'How a customer pays: a token at the payment gateway, never card data.';

COMMENT ON COLUMN "products"."sku" IS 'Byte order, so SKUs sort and compare the same on every server whatever its locale.';

COMMENT ON TABLE "products" IS 'What an organization sells.';

COMMENT ON TABLE "subscriptions" IS 'A customer''s recurring plan for a product.';

COMMENT ON COLUMN "usage_events"."quantity" IS 'Units consumed, in the unit of the subscription''s product.';

COMMENT ON TABLE "usage_events" IS 'Metered usage behind usage-based prices, written by the metering pipeline in batches that mix every tenant.';

COMMENT ON COLUMN "users"."last_signed_in_at" IS 'NULL until the first sign-in.';

COMMENT ON TABLE "users" IS 'People who sign in to an organization.';
