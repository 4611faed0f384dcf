//! Identifiers Rust accepts, however odd: raw identifiers, leading underscores and digits,
//! non-ASCII, names that collide in UpperCamelCase, a field called `table`.
#![allow(non_snake_case, non_camel_case_types)]
use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum r#Kind {
    r#Type,
    r#Match,
}

#[derive(Table)]
#[table(global)]
pub struct r#Match {
    #[column(primary_key)]
    pub r#type: Uuid,
    pub _0: i32,
    pub __: i32,
    pub _1_: bool,
    pub a_b: i32,
    pub aB: i32,
    pub table: String,
    pub größe: i64,
    pub r#kind: r#Kind,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(global)]
pub struct Été {
    #[column(primary_key)]
    pub id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let table = <r#Match as schema_core::Table>::definition().table;
    assert_eq!(table.name, "matches");
    assert!(table.column("type").is_some());
    assert!(table.column("größe").is_some());
    let _ = r#MatchIden::TableColumn;
    let _ = <Été as schema_core::Table>::definition();
}
