use schema_core::prelude::*;

type Amount = Option<Decimal>;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub balance: Amount,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
