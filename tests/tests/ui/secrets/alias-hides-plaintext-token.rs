use schema_core::prelude::*;

type Token = String;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub refresh_token: Token,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
