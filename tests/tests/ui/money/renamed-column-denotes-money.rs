//! The column name is judged as well as the field name.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(name = "amount")]
    pub sum: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
