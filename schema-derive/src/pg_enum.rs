//! Code generation for `#[derive(PgEnum)]`: a fieldless Rust enum as a Postgres enum type.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attr;
use crate::check::MAX_IDENTIFIER_BYTES;
use crate::ctxt::Ctxt;
use crate::fallback;

pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::pg_enum_attrs(&cx, &input.attrs);
    let ident = &input.ident;
    let name = attrs
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| crate::ast::unraw(ident).to_snake_case());
    if name.len() > MAX_IDENTIFIER_BYTES {
        let message = format!(
            "enum type name `{name}` is {} bytes; Postgres keeps only {MAX_IDENTIFIER_BYTES} and would silently truncate it: set a shorter one with `#[pg_enum(name = \"...\")]`",
            name.len()
        );
        match &attrs.name {
            Some(lit) => cx.error_spanned_by(lit, message),
            None => cx.error_spanned_by(ident, message),
        }
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a Postgres enum cannot be generic");
    }
    if let Some(schema) = &attrs.schema {
        crate::check::check_schema_name(&cx, schema);
    }
    // The model's name: `billing.status` outside `public`.
    let schema = attrs.schema.as_ref().map(LitStr::value).filter(|s| s != "public");
    let name = crate::ast::qualify(schema.as_deref(), &name);
    // A previous name without a schema is in the type's schema; one with a schema moves it.
    let renamed_from = attrs.renamed_from.as_ref().map(|lit| {
        let from = lit.value();
        let from = if let Some(bare) = from.strip_prefix("public.") {
            bare.to_owned()
        } else if from.contains('.') {
            from
        } else {
            crate::ast::qualify(schema.as_deref(), &from)
        };
        if from == name {
            cx.error_spanned_by(
                lit,
                format!("`renamed_from` names the type itself (`{name}`): give its previous name or schema, or remove it"),
            );
        }
        from
    });
    let renamed_from = match renamed_from {
        Some(from) => quote!(::core::option::Option::Some(#from)),
        None => quote!(::core::option::Option::None),
    };

    let mut variants = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    match &input.data {
        Data::Enum(data) => {
            if data.variants.is_empty() {
                cx.error_spanned_by(ident, "a Postgres enum needs at least one variant");
            }
            for variant in &data.variants {
                let variant_attrs = attr::variant_attrs(&cx, &variant.attrs);
                if !matches!(variant.fields, Fields::Unit) {
                    cx.error_spanned_by(
                        &variant.fields,
                        "`#[derive(PgEnum)]` needs a fieldless enum: a Postgres enum value is a label, it carries no data",
                    );
                }
                let label = variant_attrs
                    .rename
                    .as_ref()
                    .map(LitStr::value)
                    .unwrap_or_else(|| crate::ast::unraw(&variant.ident).to_snake_case());
                if label.len() > MAX_IDENTIFIER_BYTES {
                    cx.error_spanned_by(
                        &variant.ident,
                        format!(
                            "enum label `{label}` is {} bytes; Postgres allows at most {MAX_IDENTIFIER_BYTES}: set a shorter one with `#[pg_enum(rename = \"...\")]`",
                            label.len()
                        ),
                    );
                }
                if labels.contains(&label) {
                    cx.error_spanned_by(
                        &variant.ident,
                        format!("enum label `{label}` is used twice: rename one with `#[pg_enum(rename = \"...\")]`"),
                    );
                }
                labels.push(label);
                variants.push(&variant.ident);
            }
        }
        Data::Struct(data) => {
            cx.error_spanned_by(
                data.struct_token,
                "`#[derive(PgEnum)]` is for fieldless enums; for a table use `#[derive(Table)]`",
            );
        }
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "`#[derive(PgEnum)]` is for fieldless enums, not unions",
            );
        }
    }
    if let Err(errors) = cx.check() {
        let errors = errors.to_compile_error();
        let stub = if input.generics.params.is_empty() {
            fallback::pg_enum(ident, &name)
        } else {
            TokenStream::new()
        };
        return quote!(#errors #stub);
    }

    // `comment = "..."` wins over the doc comment, as for tables and columns.
    let comment = match (&attrs.comment, crate::doc::doc_comment(&input.attrs)) {
        (Some(lit), _) => quote!(::core::option::Option::Some(#lit)),
        (None, Some(doc)) => quote!(::core::option::Option::Some(#doc)),
        (None, None) => quote!(::core::option::Option::None),
    };
    let values = crate::rows::pg_enum(ident);
    quote! {
        #values

        impl ::schema_core::PgEnum for #ident {
            const NAME: &'static str = #name;
            const VALUES: &'static [&'static str] = &[#(#labels),*];
            const RENAMED_FROM: ::core::option::Option<&'static str> = #renamed_from;
            const COMMENT: ::core::option::Option<&'static str> = #comment;

            fn as_label(&self) -> &'static str {
                match self {
                    #(Self::#variants => #labels,)*
                }
            }

            fn from_label(label: &str) -> ::core::option::Option<Self> {
                match label {
                    #(#labels => ::core::option::Option::Some(Self::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        #[diagnostic::do_not_recommend]
        impl ::schema_core::SqlType for #ident {
            type Kind = ::schema_core::__private::kind::Plain;
            fn column_type() -> ::schema_core::__private::model::ColumnType {
                ::schema_core::__private::model::ColumnType::Enum(::std::string::String::from(#name))
            }
            fn enum_type() -> ::core::option::Option<::schema_core::__private::model::EnumType> {
                ::core::option::Option::Some(<Self as ::schema_core::PgEnum>::enum_type())
            }
            fn enum_renamed_from() -> ::core::option::Option<&'static str> {
                <Self as ::schema_core::PgEnum>::RENAMED_FROM
            }
        }

        #[diagnostic::do_not_recommend]
        impl ::schema_core::SqlLiteral for #ident {
            fn sql_literal(&self) -> ::std::string::String {
                ::schema_core::__private::ident::quote_literal(::schema_core::PgEnum::as_label(self))
            }
        }

        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::schema_core::PgEnum::as_label(self))
            }
        }

        impl ::schema_core::__private::postgres_types::ToSql for #ident {
            fn to_sql(
                &self,
                ty: &::schema_core::__private::postgres_types::Type,
                out: &mut ::schema_core::__private::BytesMut,
            ) -> ::core::result::Result<
                ::schema_core::__private::postgres_types::IsNull,
                ::std::boxed::Box<dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send>,
            > {
                ::schema_core::__private::enum_to_sql(::schema_core::PgEnum::as_label(self), ty, out)
            }

            fn accepts(ty: &::schema_core::__private::postgres_types::Type) -> bool {
                ::schema_core::__private::enum_accepts::<Self>(ty)
            }

            ::schema_core::__private::postgres_types::to_sql_checked!();
        }

        impl<'a> ::schema_core::__private::postgres_types::FromSql<'a> for #ident {
            fn from_sql(
                ty: &::schema_core::__private::postgres_types::Type,
                raw: &'a [u8],
            ) -> ::core::result::Result<
                Self,
                ::std::boxed::Box<dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send>,
            > {
                ::schema_core::__private::enum_from_sql::<Self>(ty, raw)
            }

            fn accepts(ty: &::schema_core::__private::postgres_types::Type) -> bool {
                ::schema_core::__private::enum_accepts::<Self>(ty)
            }
        }
    }
}
