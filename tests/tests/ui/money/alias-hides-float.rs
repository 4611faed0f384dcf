use schema_core::prelude::*;

type Dollars = f64;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub balance: Dollars,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
