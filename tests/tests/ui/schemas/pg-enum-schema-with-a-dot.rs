use schema_core::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[pg_enum(schema = "billing.v2")]
pub enum InvoiceStatus {
    Open,
    Paid,
}

fn main() {}
