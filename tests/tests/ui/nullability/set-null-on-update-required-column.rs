use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Customer, on_delete = "cascade", on_update = "set null")]
    pub customer_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
pub struct Customer {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
