use schema_core::prelude::*;

#[derive(Table)]
#[table(index(number, name = "invoices_number_index_for_looking_up_invoices_by_their_printed_number"))]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub number: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
