//! A newtype over `f64` cannot claim the kind of `Money`.
use schema_core::prelude::*;

pub struct Dollars(pub f64);

impl schema_core::SqlType for Dollars {
    type Kind = <Money as schema_core::SqlType>::Kind;
    fn column_type() -> schema_core::model::ColumnType {
        schema_core::model::ColumnType::DoublePrecision
    }
}

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub total: Dollars,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
