use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy)]
pub enum InvoiceStatus {
    Draft,
    Paid(u32),
}

fn main() {}
