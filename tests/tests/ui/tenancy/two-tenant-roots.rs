//! Two tenant roots in one crate: one is the tenant root.
use schema_core::prelude::*;

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(tenant_root)]
pub struct Workspace {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
