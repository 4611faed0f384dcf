//! A misspelled `references` gives one error, not also "on_delete without references".
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(refrences = Customer, on_delete = "cascade")]
    pub customer_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
