//! The kinds are sealed: a type of one's own cannot be given the kind of `Money`, even by an impl
//! of `Kind<Dollars>` for it.
use schema_core::prelude::*;

pub struct Dollars(pub f64);

impl schema_core::sql_type::kind::Kind<Dollars> for schema_core::sql_type::kind::Money {}

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
