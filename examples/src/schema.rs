//! The tables.

// Clippy's `duplicated_attributes` reads two `index(organization_id, ...)` entries as a repeated
// attribute; for derive helper attributes they are distinct declarations.
#![allow(clippy::duplicated_attributes)]

use schema_core::prelude::*;
use schema_core::{DeclaredSchema, SchemaErrors};

/// Our tenants. (The `comment = "..."` below wins over this doc comment in the database.)
#[derive(Table)]
#[table(tenant_root, comment = "A customer of ours; every tenant row belongs to one")]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    /// The subdomain the organization signs in at.
    #[column(unique)]
    pub slug: String,
    pub display_name: String,
    pub plan: Plan,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The price plan an organization is on; it decides its limits.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Free,
    Team,
    Enterprise,
}

/// What a user may do in their organization, from most to least.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserRole {
    Owner,
    Admin,
    Member,
    Viewer,
}

/// People who sign in to an organization.
#[derive(Table)]
#[table(unique(organization_id, email))]
pub struct User {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(check = "email = lower(email) AND position('@' in email) > 1")]
    pub email: String,
    pub full_name: String,
    pub password_hash: PasswordHash,
    #[column(default = UserRole::Member)]
    pub role: UserRole,
    /// NULL until the first sign-in.
    pub last_signed_in_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Machine credentials; only a SHA-256 of the key is stored.
#[derive(Table)]
pub struct ApiKey {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = User, on_delete = "cascade")]
    pub created_by: Uuid,
    /// What the key is for, as its creator named it.
    pub label: String,
    #[column(unique)]
    pub token_hash: TokenHash,
    /// NULL: the key does not expire.
    pub expires_at: Option<Timestamp>,
    /// Set when the key is revoked; a revoked key is kept for the audit trail.
    pub revoked_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An invitation to join an organization, accepted by following a link that carries a random
/// token; only a SHA-256 of the token is stored.
#[derive(Table)]
pub struct Invitation {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = User, on_delete = "cascade")]
    pub invited_by: Uuid,
    pub email: String,
    #[column(default = UserRole::Member)]
    pub role: UserRole,
    #[column(unique)]
    pub token_hash: TokenHash,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Who an organization bills.
#[derive(Table)]
#[table(
    audited,
    index(
        organization_id,
        email,
        unique,
        where = "deleted_at IS NULL",
        name = "customers_live_email_key",
        comment = "one live customer per email address; serves the sign-up and import lookups"
    ),
    index(
        organization_id,
        "lower(display_name)",
        name = "customers_display_name_idx",
        comment = "serves the customer search by name, case-insensitive"
    )
)]
pub struct Customer {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub email: String,
    pub display_name: String,
    #[column(sql_type = "character(2)", comment = "ISO 3166-1 alpha-2")]
    pub country_code: String,
    #[column(json = "free-form key/value pairs our users attach through the API; never queried by the app")]
    pub metadata: Json<serde_json::Value>,
    /// Soft delete: set when the customer is removed (invoices keep referencing it); live rows
    /// have NULL, and the live email must be unique.
    pub deleted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How a payment method moves money.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentMethodKind {
    Card,
    SepaDebit,
    BankTransfer,
}

/// How a customer pays: a token at the payment gateway, never card data.
#[derive(Table)]
#[table(index(
    customer_id,
    unique,
    where = "is_default",
    name = "payment_methods_one_default_key",
    comment = "at most one default payment method per customer"
))]
pub struct PaymentMethod {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Customer, on_delete = "cascade")]
    pub customer_id: Uuid,
    pub kind: PaymentMethodKind,
    /// The gateway's token for the payment method.
    pub gateway_reference: String,
    #[column(json = "the gateway's own response; its shape differs per provider and API version")]
    pub gateway_payload: Json<serde_json::Value>,
    /// At most one default payment method per customer.
    #[column(default = false)]
    pub is_default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What an organization sells.
#[derive(Table)]
#[table(
    unique(organization_id, sku),
    index(
        organization_id,
        active,
        comment = "serves the catalogue's list of products on sale"
    )
)]
pub struct Product {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    /// Byte order, so SKUs sort and compare the same on every server whatever its locale.
    #[column(sql_type = "character varying(64)", collate = "C")]
    pub sku: String,
    pub name: String,
    #[column(check = "unit_price_cents >= 0")]
    pub unit_price_cents: Money,
    #[column(
        not_money = "a rate in basis points (1/100 of a percent), not an amount",
        default = 0,
        check = "tax_rate_basis_points BETWEEN 0 AND 10000"
    )]
    pub tax_rate_basis_points: i32,
    #[column(default = true)]
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Where an invoice stands. Paid, void and uncollectible are final.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    Uncollectible,
}

/// A bill sent to a customer.
#[derive(Table)]
#[table(
    audited,
    unique(organization_id, number),
    check(name = "invoices_total_is_subtotal_plus_tax", expr = "total_cents = subtotal_cents + tax_cents"),
    check(name = "invoices_paid_has_paid_at", expr = "(status = 'paid') = (paid_at IS NOT NULL)"),
    index(
        organization_id,
        status,
        due_on desc,
        include(total_cents),
        name = "invoices_status_due_idx",
        comment = "serves the dashboard's open-invoices list, by due date, with the totals from the index"
    ),
)]
pub struct Invoice {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Customer, on_delete = "restrict")]
    pub customer_id: Uuid,
    /// The invoice number printed on the bill, unique within the organization.
    pub number: i64,
    #[column(default = InvoiceStatus::Draft)]
    pub status: InvoiceStatus,
    #[column(references = Currency, on_delete = "restrict", sql_type = "character(3)")]
    pub currency_code: String,
    #[column(default = Money::ZERO)]
    pub subtotal_cents: Money,
    #[column(default = Money::ZERO)]
    pub tax_cents: Money,
    #[column(default = Money::ZERO)]
    pub total_cents: Money,
    pub due_on: Date,
    /// Set exactly when the status is `paid`.
    pub paid_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One line of an invoice.
#[derive(Table)]
#[table(check(name = "invoice_line_items_quantity_positive", expr = "quantity > 0"))]
pub struct InvoiceLineItem {
    #[column(primary_key, identity)]
    pub id: i64,
    pub organization_id: OrganizationId,
    #[column(references = Invoice, on_delete = "cascade")]
    pub invoice_id: Uuid,
    /// The product sold, when the line is for one; NULL once the product is deleted (the line
    /// keeps its description and price).
    #[column(references = Product, on_delete = "set null")]
    pub product_id: Option<Uuid>,
    pub description: String,
    #[column(default = 1)]
    pub quantity: i32,
    pub unit_price_cents: Money,
    #[column(generated = "quantity * unit_price_cents")]
    pub amount_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Where a subscription stands in its billing cycle.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Trialing,
    Active,
    PastDue,
    Canceled,
}

/// A customer's recurring plan for a product.
#[derive(Table)]
#[table(index(
    organization_id,
    status,
    current_period_end,
    comment = "serves the renewal run: active subscriptions whose period ends next"
))]
pub struct Subscription {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Customer, on_delete = "cascade")]
    pub customer_id: Uuid,
    #[column(references = Product, on_delete = "restrict")]
    pub product_id: Uuid,
    #[column(references = PaymentMethod, on_delete = "set null")]
    pub payment_method_id: Option<Uuid>,
    pub status: SubscriptionStatus,
    pub current_period_end: Timestamp,
    pub canceled_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Metered usage behind usage-based prices, written by the metering pipeline in batches that mix
/// every tenant.
// The pipeline's role serves every tenant at once, so the table opts out of row-level security
// and says why; `migrate check` and the schema docs list the opt-out.
#[derive(Table)]
#[table(
    rls_exempt = "written in batches by the metering pipeline, whose role serves every tenant at once",
    index(
        organization_id,
        recorded_at,
        comment = "serves the usage report of an organization over a time range"
    )
)]
pub struct UsageEvent {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Subscription, on_delete = "cascade")]
    pub subscription_id: Uuid,
    /// Units consumed, in the unit of the subscription's product.
    pub quantity: i64,
    pub recorded_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// ISO 4217 currencies: reference data shared by every organization.
#[derive(Table)]
#[table(global)]
pub struct Currency {
    /// The ISO 4217 code, e.g. `EUR`.
    #[column(primary_key, sql_type = "character(3)")]
    pub code: String,
    pub name: String,
    /// Digits after the decimal point: 2 for EUR, 0 for JPY.
    #[column(check = "minor_units BETWEEN 0 AND 4")]
    pub minor_units: i16,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Daily reference exchange rates, for reporting only (never for charging).
#[derive(Table)]
#[table(global, unique(base_code, quote_code, observed_on))]
pub struct ExchangeRate {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(references = Currency, on_delete = "cascade", sql_type = "character(3)")]
    pub base_code: String,
    #[column(references = Currency, on_delete = "cascade", sql_type = "character(3)")]
    pub quote_code: String,
    #[column(
        float = "a reporting estimate from the central bank feed; never used to compute an amount charged"
    )]
    pub rate: f64,
    pub observed_on: Date,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The role the app connects as (or that its login role is granted): the schema grants it what
/// the app needs and nothing else.
pub const APP_ROLE: &str = "billing_app";

/// The app's declared schema, validated.
pub fn schema() -> Result<DeclaredSchema, SchemaErrors> {
    SchemaBuilder::new()
        .app_role(APP_ROLE)
        // Before a tenant is known: sign-in by subdomain, and by API key (whose table is itself a
        // tenant table). Each returns only what the app needs to open the tenant's scope.
        .lookup::<Organization>("organization_by_slug", "slug", &["id", "display_name"])
        .lookup::<ApiKey>(
            "api_key_by_token_hash",
            "token_hash",
            &["id", "organization_id", "expires_at", "revoked_at"],
        )
        // Accepting an invitation: the invitee has no tenant yet, only the link's token.
        .lookup::<Invitation>(
            "invitation_by_token_hash",
            "token_hash",
            &[
                "id",
                "organization_id",
                "email",
                "role",
                "expires_at",
                "accepted_at",
            ],
        )
        .table::<Organization>()
        .table::<User>()
        .table::<ApiKey>()
        .table::<Invitation>()
        .table::<Customer>()
        .table::<PaymentMethod>()
        .table::<Product>()
        .table::<Invoice>()
        .table::<InvoiceLineItem>()
        .table::<Subscription>()
        .table::<UsageEvent>()
        .table::<Currency>()
        .table::<ExchangeRate>()
        .build()
}
