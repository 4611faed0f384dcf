use schema_core::prelude::*;

#[derive(Table)]
#[table(name = "invoices_for_customers_of_organizations_in_the_european_economic_area")]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub number: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
