use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[allow(non_snake_case)]
    pub grossAmountCents: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
