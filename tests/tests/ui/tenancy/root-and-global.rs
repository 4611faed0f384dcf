use schema_core::prelude::*;

#[derive(Table)]
#[table(tenant_root, global)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
