use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(float = "sensor noise", sql_type = "numeric")]
    pub reading: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
