use schema_core::prelude::*;

#[derive(Table)]
#[table(unique(organization_id, number, deferrable = "later"))]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub number: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
