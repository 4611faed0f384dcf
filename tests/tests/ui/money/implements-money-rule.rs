//! The rule traits are sealed: an impl outside schema-core is refused.
use schema_core::prelude::*;

impl schema_core::sql_type::rules::MoneyRule<schema_core::sql_type::rules::Check>
    for schema_core::sql_type::kind::Float
{
}

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub total: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
