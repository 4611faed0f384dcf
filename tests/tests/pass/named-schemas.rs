//! Tables and enum types in schemas other than `public`, and foreign keys across them.
use schema_core::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[pg_enum(schema = "billing")]
pub enum InvoiceStatus {
    Open,
    Paid,
}

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(schema = "billing", renamed_from = "bills")]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub status: InvoiceStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(schema = "public")]
pub struct Payment {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Invoice, on_delete = "cascade", index)]
    pub invoice_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    assert_eq!(<Invoice as schema_core::Table>::NAME, "billing.invoices");
    assert_eq!(<Payment as schema_core::Table>::NAME, "payments");
}
