//! The derives behind `schema_core`: `#[derive(Table)]` and `#[derive(PgEnum)]`.

use proc_macro::TokenStream;

#[proc_macro_derive(Table, attributes(table, column))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}

#[proc_macro_derive(PgEnum, attributes(pg_enum))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
