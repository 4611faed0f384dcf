//! A `Money` field rendered as a float is judged as a float.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(sql_type = "double precision")]
    pub total_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
