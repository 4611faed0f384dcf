use schema_core::prelude::*;

#[derive(Table)]
#[table(schema = "billing", renamed_from = "billing.invoices")]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
