use schema_core::prelude::*;

#[derive(Table)]
#[table(schema = "billing_and_invoicing_for_every_customer_of_every_organization_x")]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
