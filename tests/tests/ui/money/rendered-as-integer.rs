//! `Money` is `bigint` cents; an `integer` rendering overflows at 21 million.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(sql_type = "integer")]
    pub amount: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
