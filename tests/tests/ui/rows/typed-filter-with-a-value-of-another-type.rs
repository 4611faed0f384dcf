use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub total_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let mut select = Invoice::select();
    // Cents are `Money`, not a bare integer.
    select.and_where(Invoice::COLUMNS.total_cents.gt(10_000_i64));
}
