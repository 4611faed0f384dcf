use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub number: i64,
    #[column(default = Money::ZERO)]
    pub total_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    // `number` has no default: leaving it out does not compile.
    let new = NewInvoice {
        organization_id: OrganizationId::new(),
        defaults: Default::default(),
    };
    let _ = Invoice::insert(&new);
}
