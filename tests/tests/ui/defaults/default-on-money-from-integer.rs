use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    // Money is a type of its own: `0` is not cents until it says so.
    #[column(default = 0)]
    pub total_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
