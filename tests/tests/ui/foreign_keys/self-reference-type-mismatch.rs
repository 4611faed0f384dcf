use schema_core::prelude::*;

#[derive(Table)]
pub struct Category {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Self, on_delete = "cascade")]
    pub parent_id: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
