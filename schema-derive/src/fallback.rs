//! Stub impls emitted next to the errors of an invalid input, so that code using the type (foreign
//! keys pointing at it, sea-query identifiers) does not add a cascade of unrelated errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use crate::ast::Input;

pub fn table(input: &Input, iden: &Ident) -> TokenStream {
    if !input.original.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = input.ident;
    let table = &input.table;
    let pk_type = crate::expand::primary_key_type(input);
    let pk_columns = input.primary_key().into_iter().map(|f| &f.column);
    quote! {
        impl ::schema_core::Table for #ident {
            const NAME: &'static str = #table;
            const PRIMARY_KEY_COLUMNS: &'static [&'static str] = &[#(#pk_columns),*];
            type PrimaryKey = #pk_type;
            type Iden = #iden;

            fn definition() -> ::schema_core::__private::TableDef {
                ::core::unreachable!("the table declaration did not compile")
            }
        }
    }
}

pub fn pg_enum(ident: &Ident, name: &str) -> TokenStream {
    quote! {
        impl ::schema_core::PgEnum for #ident {
            const NAME: &'static str = #name;
            const VALUES: &'static [&'static str] = &[];
            fn as_label(&self) -> &'static str {
                ::core::unreachable!("the enum declaration did not compile")
            }
            fn from_label(_: &str) -> ::core::option::Option<Self> {
                ::core::option::Option::None
            }
        }

        impl ::schema_core::SqlType for #ident {
            type Kind = ::schema_core::__private::kind::Plain;
            fn column_type() -> ::schema_core::__private::model::ColumnType {
                ::schema_core::__private::model::ColumnType::Enum(::std::string::String::from(#name))
            }
        }
    }
}
