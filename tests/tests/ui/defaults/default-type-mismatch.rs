use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    // Money is integer cents: a decimal string is not a `Money`.
    #[column(default = "0.00")]
    pub total_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
