//! Renaming the column does not hide the field name.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(name = "label")]
    pub api_key: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
