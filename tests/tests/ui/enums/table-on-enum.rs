use schema_core::prelude::*;

#[derive(Table)]
pub enum Invoice {
    Draft,
}

fn main() {}
