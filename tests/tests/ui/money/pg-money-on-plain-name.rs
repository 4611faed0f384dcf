//! The `money` type is money whatever the column is called.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(sql_type = "MONEY")]
    pub settled: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
