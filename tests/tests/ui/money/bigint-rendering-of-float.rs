//! The rendered type is integer, but the Rust value is still a float.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(sql_type = "bigint")]
    pub amount: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
