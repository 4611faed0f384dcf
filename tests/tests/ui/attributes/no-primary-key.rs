use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
