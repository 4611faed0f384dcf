//! A newtype of kind `Float` needs its reason like an `f64`.
use schema_core::prelude::*;

pub struct Ratio(pub f64);

impl schema_core::SqlType for Ratio {
    type Kind = schema_core::sql_type::kind::Float;
    fn column_type() -> schema_core::model::ColumnType {
        schema_core::model::ColumnType::DoublePrecision
    }
}

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub ratio: Ratio,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
