use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(renamed_from = "total")]
    pub total: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
