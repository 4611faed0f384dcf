use schema_core::prelude::*;

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
