use schema_core::prelude::*;

pub struct Address;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub total: Address,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
