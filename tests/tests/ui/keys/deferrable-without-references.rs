use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(unique, deferrable = "initially deferred")]
    pub number: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
