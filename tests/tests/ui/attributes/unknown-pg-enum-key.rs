use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy)]
#[pg_enum(nmae = "invoice_status")]
pub enum InvoiceStatus {
    Draft,
}

fn main() {}
