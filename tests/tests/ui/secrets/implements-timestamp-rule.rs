use schema_core::prelude::*;

pub struct MyTime;

impl schema_core::sql_type::rules::TimestampColumn for MyTime {}

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
