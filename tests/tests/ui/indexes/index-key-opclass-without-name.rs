use schema_core::prelude::*;

#[derive(Table)]
#[table(index(email opclass, name = "a"))]
#[table(index(email collate "", name = "b"))]
#[table(index(email desc collate "C", name = "c"))]
pub struct User {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub email: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
