use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub number_of_the_invoice_as_printed_on_the_document_sent_to_the_customer: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
