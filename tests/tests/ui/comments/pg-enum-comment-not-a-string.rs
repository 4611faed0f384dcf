use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[pg_enum(comment = 7)]
pub enum State {
    Open,
    Paid,
}

fn main() {}
