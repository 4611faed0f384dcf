use schema_core::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[pg_enum(name = "invoice_status", schema = "billing", renamed_from = "invoice_status")]
pub enum InvoiceStatus {
    Open,
    Paid,
}

fn main() {}
