use schema_core::prelude::*;

pub struct PlainKey(pub String);

impl schema_core::SqlType for PlainKey {
    type Kind = schema_core::sql_type::kind::TokenHash;
    fn column_type() -> schema_core::model::ColumnType {
        schema_core::model::ColumnType::Text
    }
}

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub api_key: PlainKey,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
