use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice<T> {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub value: T,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
