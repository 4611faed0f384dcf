//! The derives behind `schema_core`: `#[derive(Table)]` and `#[derive(PgEnum)]`.
//!
//! Each derive parses its input into a small IR that keeps the syntax nodes for spans (`ast`,
//! `attr`), checks the standards that can be seen from one item (`check`), and generates code
//! (`expand`, `pg_enum`, and `rows` for the typed data access). Rules that depend on a field's type are emitted as trait-bound
//! assertions spanned at the field, so the compiler checks them through aliases and paths.
//! Every error of an item is collected (`ctxt`) and reported together; on error, `fallback` still
//! emits stub impls so that one mistake gives one error.

mod ast;
mod attr;
mod check;
mod ctxt;
mod doc;
mod expand;
mod fallback;
mod names;
mod pg_enum;
mod rows;
mod rules;
mod sql;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    expand::derive_inner(input.into()).into()
}

#[proc_macro_derive(PgEnum, attributes(pg_enum))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    pg_enum::derive(&input).into()
}
