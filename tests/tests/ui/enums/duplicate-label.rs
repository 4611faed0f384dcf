use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy)]
pub enum InvoiceStatus {
    Draft,
    #[pg_enum(rename = "draft")]
    Preview,
}

fn main() {}
