//! Code generation for the row side of `#[derive(Table)]`: `New<Struct>` (the row to insert),
//! `<Struct>Columns` (typed columns), `impl Record` (column lists and sea-query statements), and
//! reading a row by column name on tokio-postgres and sqlx.
//!
//! The code for an optional integration is wrapped in `schema_core::__private::if_*!`: the derive
//! cannot see the user's features, schema-core's macros keep or drop it by schema-core's own.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::ast::{Field, Input};
use crate::check::TIMESTAMP_COLUMNS;
use crate::expand::{iden_ident, variant_idents};

/// What an INSERT does with a column.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// Always written: `New<Struct>` has the field.
    Required,
    /// Written when set: `New<Struct>Defaults` has it as an `Option`.
    Defaulted,
    /// Never written: identity and generated columns, which the database computes.
    Never,
}

fn write_of(field: &Field) -> Write {
    let attrs = &field.attrs;
    if attrs.identity.is_some() || attrs.generated.is_some() {
        Write::Never
    } else if attrs.default.is_some()
        || attrs.default_sql.is_some()
        || TIMESTAMP_COLUMNS.contains(&field.column.as_str())
    {
        Write::Defaulted
    } else {
        Write::Required
    }
}

/// The sea-query value of `expr`, a `&` of the field's type.
fn value(field: &Field, expr: TokenStream) -> TokenStream {
    let ty = field.ty();
    quote!(<#ty as ::schema_core::__private::ColumnValue<'__schema>>::to_value(#expr))
}

pub fn rows(input: &Input) -> TokenStream {
    let ident = input.ident;
    let vis = &input.original.vis;
    let table = &input.table;
    let iden = iden_ident(input);
    let variants = variant_idents(input);
    let new_ident = format_ident!("New{}", ident);
    let defaults_ident = format_ident!("New{}Defaults", ident);
    let columns_ident = format_ident!("{}Columns", ident);
    let value_ty = quote!(::schema_core::__private::sea_query::Value);

    let writes: Vec<Write> = input.fields.iter().map(write_of).collect();
    let taken = |name: &str| input.fields.iter().any(|f| f.name == name);
    let defaults_field = if taken("defaults") {
        format_ident!("defaults_")
    } else {
        format_ident!("defaults")
    };
    let has_defaults = writes.contains(&Write::Defaulted);

    let mut new_fields = Vec::new();
    let mut default_fields = Vec::new();
    let mut insert_values = Vec::new();
    let mut update_values = Vec::new();
    let mut column_fields = Vec::new();
    let mut column_inits = Vec::new();
    for ((field, variant), write) in input.fields.iter().zip(&variants).zip(&writes) {
        let name = field.ident;
        let ty = field.ty();
        let column = &field.column;
        let doc = format!("Column `{column}`.");
        match write {
            Write::Required => {
                new_fields.push(quote!(#[doc = #doc] pub #name: #ty,));
                let value = value(field, quote!(&new.#name));
                insert_values.push(quote!(values.push((#iden::#variant, #value));));
            }
            Write::Defaulted => {
                let doc = format!("Column `{column}`; `None` leaves it to its default.");
                default_fields.push(quote!(#[doc = #doc] pub #name: ::core::option::Option<#ty>,));
                let value = value(field, quote!(value));
                insert_values.push(quote! {
                    if let ::core::option::Option::Some(value) = &new.#defaults_field.#name {
                        values.push((#iden::#variant, #value));
                    }
                });
            }
            Write::Never => {}
        }
        if *write != Write::Never && field.attrs.primary_key.is_none() {
            let value = value(field, quote!(&self.#name));
            update_values.push(quote!((#iden::#variant, #value)));
        }
        column_fields.push(quote!(#[doc = #doc] pub #name: ::schema_core::__private::Column<#ident, #ty>,));
        column_inits.push(quote!(#name: ::schema_core::__private::Column::new(#iden::#variant),));
    }

    let key: Vec<(&Field, &Ident)> = input
        .fields
        .iter()
        .zip(&variants)
        .filter(|(f, _)| f.attrs.primary_key.is_some())
        .collect();
    let (key_values, key_of) = match key.as_slice() {
        [(field, variant)] => {
            let name = field.ident;
            let value = value(field, quote!(key));
            (
                quote!(::std::vec![(#iden::#variant, #value)]),
                quote!(::core::clone::Clone::clone(&self.#name)),
            )
        }
        several => {
            let parts: Vec<Ident> = (0..several.len()).map(|i| format_ident!("key_{}", i)).collect();
            let values = several.iter().zip(&parts).map(|((field, variant), part)| {
                let value = value(field, quote!(#part));
                quote!((#iden::#variant, #value))
            });
            let names = several.iter().map(|(f, _)| f.ident);
            (
                quote! {{
                    let (#(#parts,)*) = key;
                    ::std::vec![#(#values),*]
                }},
                quote!((#(::core::clone::Clone::clone(&self.#names),)*)),
            )
        }
    };

    let defaults_struct = if has_defaults {
        let doc = format!(
            "The columns of `{table}` with a default, for [`{new_ident}`]: `None` (the `Default`) leaves a column out of the INSERT, so the database's default applies."
        );
        quote! {
            #[doc = #doc]
            #[derive(Default)]
            #vis struct #defaults_ident {
                #(#default_fields)*
            }
        }
    } else {
        TokenStream::new()
    };
    let defaults_member = if has_defaults {
        quote! {
            /// The columns with a default; `Default::default()` leaves them all to the database.
            pub #defaults_field: #defaults_ident,
        }
    } else {
        TokenStream::new()
    };
    let new_doc = format!(
        "A row to insert into `{table}` with `{ident}::insert`: every column the application writes; identity and generated columns are computed by the database."
    );
    let columns_doc = format!("The typed columns of `{table}`: `{ident}::COLUMNS.<field>`.");
    let n = insert_values.len();
    let fields: Vec<&Ident> = input.fields.iter().map(|f| f.ident).collect();
    // Every impl below is bounded on what it needs of the field types, through a bound that names
    // a lifetime so it is not "trivial": a struct with a column type that lacks it still
    // compiles, and only a use of the impl is an error. One mistake in a column type is then
    // reported once, by the column rules.
    let field_types: Vec<&syn::Type> = input.fields.iter().map(|f| f.ty()).collect();
    let mut types: Vec<&syn::Type> = Vec::new();
    for field in &input.fields {
        if !types.contains(&field.ty()) {
            types.push(field.ty());
        }
    }
    let columns: Vec<&String> = input.fields.iter().map(|f| &f.column).collect();

    quote! {
        #[doc = #new_doc]
        #vis struct #new_ident {
            #(#new_fields)*
            #defaults_member
        }

        #defaults_struct

        #[doc = #columns_doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #columns_ident {
            #(#column_fields)*
        }

        impl<'__schema> ::schema_core::__private::Record for #ident
        where
            #(#types: ::schema_core::__private::ColumnValue<'__schema>,)*
        {
            type New = #new_ident;
            type Columns = #columns_ident;
            const COLUMNS: #columns_ident = #columns_ident { #(#column_inits)* };
            const COLUMN_NAMES: &'static [&'static str] = &[#(#columns),*];
            const COLUMN_IDENS: &'static [#iden] = &[#(#iden::#variants),*];
            const TABLE_IDEN: #iden = #iden::Table;

            fn insert_values(new: &#new_ident) -> ::std::vec::Vec<(#iden, #value_ty)> {
                let mut values = ::std::vec::Vec::with_capacity(#n);
                #(#insert_values)*
                values
            }

            fn update_values(&self) -> ::std::vec::Vec<(#iden, #value_ty)> {
                ::std::vec![#(#update_values),*]
            }

            fn key_values(key: &<Self as ::schema_core::Table>::PrimaryKey) -> ::std::vec::Vec<(#iden, #value_ty)> {
                #key_values
            }

            fn key(&self) -> <Self as ::schema_core::Table>::PrimaryKey {
                #key_of
            }
        }

        ::schema_core::__private::if_tokio_postgres! {
            impl<'row> ::core::convert::TryFrom<&'row ::schema_core::__private::tokio_postgres::Row> for #ident
            where
                #(#types: ::schema_core::__private::postgres_types::FromSql<'row>,)*
            {
                type Error = ::schema_core::__private::RowError;

                fn try_from(
                    row: &'row ::schema_core::__private::tokio_postgres::Row,
                ) -> ::core::result::Result<Self, ::schema_core::__private::RowError> {
                    ::core::result::Result::Ok(Self {
                        #(#fields: ::schema_core::__private::pg_get(row, #table, #columns)?,)*
                    })
                }
            }
        }

        ::schema_core::__private::if_sqlx! {
            impl<'row> ::schema_core::__private::sqlx::FromRow<'row, ::schema_core::__private::sqlx::postgres::PgRow> for #ident
            where
                #(#types: ::schema_core::__private::SqlxDecodes<'row>,)*
            {
                fn from_row(
                    row: &'row ::schema_core::__private::sqlx::postgres::PgRow,
                ) -> ::core::result::Result<Self, ::schema_core::__private::sqlx::Error> {
                    ::core::result::Result::Ok(Self {
                        #(#fields: <#field_types as ::schema_core::__private::SqlxDecodes<'row>>::decode_column(row, #columns)?,)*
                    })
                }
            }
        }
    }
}

/// The sea-query and sqlx side of `#[derive(PgEnum)]`: a value is its label, typed as the enum.
pub fn pg_enum(ident: &Ident) -> TokenStream {
    let sea = quote!(::schema_core::__private::sea_query);
    let helpers = quote!(::schema_core::__private::sea_query_enum);
    let sqlx = quote!(::schema_core::__private::sqlx);
    let sqlx_helpers = quote!(::schema_core::__private::sqlx_enum);
    quote! {
        impl ::core::convert::From<#ident> for #sea::Value {
            fn from(value: #ident) -> #sea::Value {
                #helpers::value(&value)
            }
        }

        impl #sea::Nullable for #ident {
            fn null() -> #sea::Value {
                #helpers::null::<#ident>()
            }
        }

        impl #sea::ValueType for #ident {
            fn try_from(value: #sea::Value) -> ::core::result::Result<Self, #sea::ValueTypeErr> {
                #helpers::try_from(value)
            }
            fn type_name() -> ::std::string::String {
                ::std::string::String::from(<Self as ::schema_core::PgEnum>::NAME)
            }
            fn array_type() -> #sea::ArrayType {
                #helpers::array_type::<Self>()
            }
            fn column_type() -> #sea::ColumnType {
                #helpers::column_type::<Self>()
            }
            fn enum_type_name() -> ::core::option::Option<&'static str> {
                ::core::option::Option::Some(<Self as ::schema_core::PgEnum>::NAME)
            }
        }

        impl #sea::value::postgres_array::NotU8 for #ident {}

        ::schema_core::__private::if_sqlx! {
            impl #sqlx::Type<#sqlx::Postgres> for #ident {
                fn type_info() -> #sqlx::postgres::PgTypeInfo {
                    #sqlx_helpers::type_info::<Self>()
                }
            }

            impl #sqlx::postgres::PgHasArrayType for #ident {
                fn array_type_info() -> #sqlx::postgres::PgTypeInfo {
                    #sqlx_helpers::array_type_info::<Self>()
                }
            }

            impl<'q> #sqlx::Encode<'q, #sqlx::Postgres> for #ident {
                fn encode_by_ref(
                    &self,
                    buf: &mut #sqlx::postgres::PgArgumentBuffer,
                ) -> ::core::result::Result<#sqlx::encode::IsNull, #sqlx::error::BoxDynError> {
                    #sqlx_helpers::encode(self, buf)
                }
            }

            impl<'r> #sqlx::Decode<'r, #sqlx::Postgres> for #ident {
                fn decode(
                    value: #sqlx::postgres::PgValueRef<'r>,
                ) -> ::core::result::Result<Self, #sqlx::error::BoxDynError> {
                    #sqlx_helpers::decode(value)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ast::Input;
    use crate::ctxt::Ctxt;

    /// The tokens one statement or item per line, indented by braces: readable in a snapshot
    /// without a formatter dependency.
    fn lines(tokens: &proc_macro2::TokenStream) -> String {
        let text = tokens
            .to_string()
            .replace(":: ", "::")
            .replace(" ::", "::")
            .replace(" :", ":")
            .replace(" ,", ",")
            .replace(" ;", ";")
            .replace("< ", "<")
            .replace(" >", ">")
            .replace(" (", "(")
            .replace("( ", "(")
            .replace(" )", ")")
            .replace("& ", "&")
            .replace("# [", "#[")
            .replace("' ", "'")
            .replace(":::", ": ::")
            .replace(" . ", ".")
            .replace(" ?", "?")
            .replace(" !", "!");
        let mut out = String::new();
        let mut depth = 0usize;
        let mut line = String::new();
        let flush = |line: &mut String, out: &mut String, depth: usize| {
            let trimmed = line.trim();
            if !trimmed.is_empty() {
                out.push_str(&"    ".repeat(depth));
                out.push_str(trimmed);
                out.push('\n');
            }
            line.clear();
        };
        let mut in_string = false;
        for c in text.chars() {
            if c == '"' {
                in_string = !in_string;
            }
            if in_string {
                line.push(c);
                continue;
            }
            match c {
                '{' => {
                    line.push('{');
                    flush(&mut line, &mut out, depth);
                    depth += 1;
                }
                '}' => {
                    flush(&mut line, &mut out, depth);
                    depth = depth.saturating_sub(1);
                    line.push('}');
                }
                ';' => {
                    line.push(';');
                    flush(&mut line, &mut out, depth);
                }
                _ => line.push(c),
            }
        }
        flush(&mut line, &mut out, depth);
        out
    }

    fn expand(input: proc_macro2::TokenStream) -> String {
        let input: syn::DeriveInput = syn::parse2(input).unwrap();
        let cx = Ctxt::new();
        let parsed = Input::from_syn(&cx, &input).unwrap();
        cx.check().unwrap();
        lines(&super::rows(&parsed))
    }

    /// Required, defaulted (`default`, `default_sql`, timestamps), identity and generated columns.
    #[test]
    fn rows_of_a_table_with_every_kind_of_column() {
        insta::assert_snapshot!(expand(quote! {
            pub struct InvoiceLine {
                #[column(primary_key, identity)]
                pub id: i64,
                pub organization_id: OrganizationId,
                #[column(default_sql = "gen_random_uuid()")]
                pub reference: Uuid,
                #[column(default = 1)]
                pub quantity: i32,
                pub unit_price_cents: Money,
                #[column(generated = "quantity * unit_price_cents")]
                pub amount_cents: Money,
                pub note: Option<String>,
                pub created_at: Timestamp,
                pub updated_at: Timestamp,
            }
        }));
    }

    /// A composite key: `key_values` destructures the tuple, `update` writes neither key column.
    #[test]
    fn rows_of_a_table_with_a_composite_key() {
        insta::assert_snapshot!(expand(quote! {
            pub struct Membership {
                #[column(primary_key)]
                pub organization_id: OrganizationId,
                #[column(primary_key)]
                pub user_id: Uuid,
                pub role: Role,
            }
        }));
    }

    #[test]
    fn pg_enum_values() {
        insta::assert_snapshot!(lines(&super::pg_enum(&syn::parse_quote!(Plan))));
    }
}
