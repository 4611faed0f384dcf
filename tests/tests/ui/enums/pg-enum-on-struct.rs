use schema_core::prelude::*;

#[derive(PgEnum)]
pub struct InvoiceStatus {
    pub label: String,
}

fn main() {}
