use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key, identity(always, by_default))]
    pub id: i64,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
