use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[pg_enum(comment = "where it stands", comment = "again")]
pub enum State {
    Open,
    Paid,
}

fn main() {}
