//! Fields whose names hold a money or secret word but are no amount and no secret: they compile
//! without an escape hatch. The money rule judges numbers only, the secret rule text and bytes
//! only, and both judge a name by its head word (`price_changes` counts changes).
use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceTier {
    Low,
    High,
}

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
pub struct Account {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub cost_center_id: Uuid,
    pub fee_waived_at: Option<Timestamp>,
    pub secret_rotated_at: Timestamp,
    pub token_kind: TokenKind,
    pub price_tier: PriceTier,
    pub tax_number: String,
    pub price_changes: i32,
    pub total_seats: i32,
    pub tax_rate_basis_points: i32,
    pub discount_code: String,
    pub tax_exempt: bool,
    pub balance_checked_on: Option<Date>,
    pub token_count: i64,
    pub password_changed_at: Option<Timestamp>,
    pub password_attempts: i16,
    pub secret_question: String,
    pub token_type: String,
    pub access_key_id: String,
    pub refund_id: Option<Uuid>,
    pub amount_currency: String,
    pub total_cents: Money,
    pub unit_price: Option<Money>,
    pub password_hash: PasswordHash,
    pub session_token_hash: TokenHash,
    pub api_key_hash: Option<TokenHash>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let _ = <Account as schema_core::Table>::definition();
}
