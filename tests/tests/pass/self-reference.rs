//! `references = Self`: a table that references itself.
use schema_core::prelude::*;

#[derive(Table)]
#[table(global)]
pub struct Category {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(references = Self, on_delete = "set null", on_update = "set null")]
    pub parent_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let table = <Category as schema_core::Table>::definition().table;
    assert_eq!(table.foreign_keys[0].referenced_table, "categories");
}
