//! Code generation for `#[derive(Table)]`.

use heck::ToUpperCamelCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, LitStr};

use crate::ast::{Field, Input};
use crate::attr::{Action, IdentityKind, KeyTarget};
use crate::check::{self, TENANT_COLUMN, TIMESTAMP_COLUMNS};
use crate::ctxt::Ctxt;
use crate::{fallback, names};

pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let Some(parsed) = Input::from_syn(&cx, input) else {
        let errors = cx.check().expect_err("from_syn failed with an error");
        return errors.to_compile_error();
    };
    check::check(&cx, &parsed);
    let iden = iden_enum(&parsed);
    match cx.check() {
        Ok(()) => {
            let assertions = assertions(&parsed);
            let table_impl = table_impl(&parsed);
            quote! {
                #iden
                #assertions
                #table_impl
            }
        }
        Err(errors) => {
            let errors = errors.to_compile_error();
            let stub = fallback::table(&parsed, &iden_ident(&parsed));
            quote! {
                #errors
                #iden
                #stub
            }
        }
    }
}

pub fn iden_ident(input: &Input) -> Ident {
    format_ident!("{}Iden", input.ident)
}

fn variant_ident(field: &Field) -> Ident {
    let name = crate::ast::unraw(field.ident).to_upper_camel_case();
    let name = if name == "Table" {
        "TableColumn".to_owned()
    } else {
        name
    };
    Ident::new(&name, field.ident.span())
}

/// `InvoiceIden::{Table, Id, TotalCents, ...}`: typed identifiers for sea-query.
fn iden_enum(input: &Input) -> TokenStream {
    let vis = &input.original.vis;
    let ident = iden_ident(input);
    let table = &input.table;
    let variants: Vec<Ident> = input.fields.iter().map(variant_ident).collect();
    let columns = input.fields.iter().map(|f| &f.column);
    let doc = format!("Identifiers of table `{table}` and its columns, for sea-query.");
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #vis enum #ident {
            Table,
            #(#variants,)*
        }

        impl ::schema_core::__private::sea_query::Iden for #ident {
            fn unquoted(&self) -> &str {
                match self {
                    Self::Table => #table,
                    #(Self::#variants => #columns,)*
                }
            }
        }
    }
}

/// The type rules, as trait-bound assertions spanned at each field's type.
fn assertions(input: &Input) -> TokenStream {
    let mut out = Vec::new();
    for field in &input.fields {
        let ty = field.ty;
        let span = ty.span();
        let attrs = &field.attrs;
        let rule = |name: &str| {
            let name = Ident::new(name, span);
            quote_spanned!(span=> ::schema_core::__private::rules::#name::<#ty>();)
        };
        out.push(quote_spanned!(span=> ::schema_core::__private::rules::assert_sql_type::<#ty>();));
        if field.column == TENANT_COLUMN && input.is_tenant() {
            out.push(rule("assert_organization_id"));
        }
        if field.column == "id" && input.is_root() {
            out.push(rule("assert_tenant_root_key"));
        }
        if TIMESTAMP_COLUMNS.contains(&field.column.as_str()) {
            out.push(rule("assert_timestamp"));
        }
        let money = names::denotes_money(&field.column) && attrs.not_money.is_none();
        if money {
            out.push(rule("assert_money"));
        }
        // The money rule already rejects floats; one mistake gives one error.
        if attrs.float.is_some() {
            out.push(rule("assert_float"));
        } else if !money {
            out.push(rule("assert_not_float"));
        }
        out.push(rule(if attrs.json.is_some() {
            "assert_json"
        } else {
            "assert_not_json"
        }));
        if names::denotes_secret(&field.column) {
            out.push(rule("assert_secret"));
        }
        if let Some(target) = &attrs.references {
            let target_span = target.span();
            out.push(quote_spanned! {target_span=>
                ::schema_core::__private::rules::assert_foreign_key::<#ty, <#target as ::schema_core::Table>::PrimaryKey>();
            });
            if attrs.on_delete.as_ref().is_some_and(Action::is_set_null) {
                out.push(rule("assert_nullable"));
            }
        }
    }
    for foreign_key in &input.attrs.foreign_keys {
        let Some(target) = &foreign_key.references else {
            continue;
        };
        let types = foreign_key
            .columns
            .iter()
            .filter_map(|c| input.field(c))
            .map(|f| f.ty);
        let span = target.span();
        out.push(quote_spanned! {span=>
            ::schema_core::__private::rules::assert_foreign_key::<(#(#types,)*), <#target as ::schema_core::Table>::PrimaryKey>();
        });
    }
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn __schema_rules() {
                #(#out)*
            }
        };
    }
}

/// The `Table::PrimaryKey` type: the key field's type, or a tuple for a composite key.
pub fn primary_key_type(input: &Input) -> TokenStream {
    let key = input.primary_key();
    match key.as_slice() {
        [] => quote!(()),
        [single] => {
            let ty = single.ty;
            quote!(#ty)
        }
        several => {
            let types = several.iter().map(|f| f.ty);
            quote!((#(#types,)*))
        }
    }
}

fn lit_value(lit: &Option<LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(::std::string::String::from(#lit))),
        None => quote!(::core::option::Option::None),
    }
}

fn action(action: &Option<Action>) -> TokenStream {
    let variant = Ident::new(
        action.as_ref().map_or("NoAction", |a| a.variant),
        Span::call_site(),
    );
    quote!(model::ReferentialAction::#variant)
}

fn column_name(input: &Input, ident: &Ident) -> String {
    input
        .field(ident)
        .map_or_else(|| ident.to_string(), |f| f.column.clone())
}

fn column(field: &Field) -> TokenStream {
    let ty = field.ty;
    let name = &field.column;
    let attrs = &field.attrs;
    let column_type = match &attrs.sql_type {
        Some(sql) => quote!(model::ColumnType::parse(#sql)),
        None => quote!(<#ty as SqlType>::column_type()),
    };
    let default = if let Some(expr) = &attrs.default {
        // The value has the column's type (without `Option`); a string literal becomes a String.
        let span = expr.span();
        let inner = option_inner(ty).unwrap_or(ty);
        let value = match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(_),
                ..
            }) => quote_spanned!(span=> ::core::convert::From::from(#expr)),
            _ => quote!(#expr),
        };
        quote_spanned! {span=>
            ::core::option::Option::Some({
                let value: #inner = #value;
                SqlLiteral::sql_literal(&value)
            })
        }
    } else if let Some(sql) = &attrs.default_sql {
        quote!(::core::option::Option::Some(::std::string::String::from(#sql)))
    } else if TIMESTAMP_COLUMNS.contains(&name.as_str()) {
        quote!(::core::option::Option::Some(::std::string::String::from("now()")))
    } else {
        quote!(::core::option::Option::None)
    };
    let identity = match &attrs.identity {
        Some((_, IdentityKind::Always)) => quote!(::core::option::Option::Some(model::Identity::Always)),
        Some((_, IdentityKind::ByDefault)) => {
            quote!(::core::option::Option::Some(model::Identity::ByDefault))
        }
        None => quote!(::core::option::Option::None),
    };
    let generated = lit_value(&attrs.generated);
    let collation = lit_value(&attrs.collate);
    let comment = lit_value(&attrs.comment);
    // A primary key column is NOT NULL whatever its type says.
    let nullable = if attrs.primary_key.is_some() {
        quote!(false)
    } else {
        quote!(<#ty as SqlType>::NULLABLE)
    };
    quote! {
        model::Column {
            name: ::std::string::String::from(#name),
            ty: #column_type,
            collation: #collation,
            nullable: #nullable,
            default: #default,
            identity: #identity,
            identity_options: ::core::default::Default::default(),
            generated: #generated,
            comment: #comment,
        }
    }
}

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let items = items.into_iter();
    quote!(::std::vec![#(::std::string::String::from(#items)),*])
}

fn table_impl(input: &Input) -> TokenStream {
    let ident = input.ident;
    let table = &input.table;
    let rust_name = ident.to_string();
    let iden = iden_ident(input);
    let pk_type = primary_key_type(input);
    let pk_columns: Vec<&String> = input.primary_key().iter().map(|f| &f.column).collect();
    let columns = input.fields.iter().map(column);
    let column_types = input.fields.iter().map(|f| f.ty);

    let mut uniques = Vec::new();
    let mut checks = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut indexes = Vec::new();
    let mut column_renames = Vec::new();
    let mut justifications = Vec::new();
    for field in &input.fields {
        let column = &field.column;
        let attrs = &field.attrs;
        if attrs.unique.is_some() {
            uniques.push(quote! {
                model::UniqueConstraint {
                    name: ident::unique_name(TABLE, &[#column]),
                    columns: ::std::vec![::std::string::String::from(#column)],
                    nulls_not_distinct: false,
                }
            });
        }
        if let Some(expression) = &attrs.check {
            checks.push(quote! {
                model::CheckConstraint {
                    name: ident::check_name(TABLE, #column),
                    expression: ::std::string::String::from(#expression),
                    not_valid: false,
                    no_inherit: false,
                }
            });
        }
        if let Some(target) = &attrs.references {
            let on_delete = action(&attrs.on_delete);
            let on_update = action(&attrs.on_update);
            foreign_keys.push(quote! {
                model::ForeignKey {
                    name: ident::foreign_key_name(TABLE, &[#column]),
                    columns: ::std::vec![::std::string::String::from(#column)],
                    referenced_table: ::std::string::String::from(<#target as ::schema_core::Table>::NAME),
                    referenced_columns: <#target as ::schema_core::Table>::PRIMARY_KEY_COLUMNS
                        .iter()
                        .map(|c| ::std::string::String::from(*c))
                        .collect(),
                    on_delete: #on_delete,
                    on_update: #on_update,
                    deferrable: ::core::default::Default::default(),
                    match_full: false,
                }
            });
        }
        if attrs.index.is_some() {
            indexes.push(quote! {
                model::Index::on_columns(ident::index_name(TABLE, &[#column]), &[#column])
            });
        }
        if let Some(from) = &attrs.renamed_from {
            column_renames.push(quote! {
                ColumnRename {
                    table: ::std::string::String::from(TABLE),
                    from: ::std::string::String::from(#from),
                    to: ::std::string::String::from(#column),
                }
            });
        }
        for (reason, rule) in [
            (&attrs.json, "Json"),
            (&attrs.float, "Float"),
            (&attrs.not_money, "NotMoney"),
        ] {
            if let Some(reason) = reason {
                let rule = Ident::new(rule, Span::call_site());
                justifications.push(quote! {
                    Justification {
                        column: ::std::string::String::from(#column),
                        rule: JustifiedRule::#rule,
                        reason: ::std::string::String::from(#reason),
                    }
                });
            }
        }
    }
    for unique in &input.attrs.uniques {
        let columns: Vec<String> = unique.columns.iter().map(|c| column_name(input, c)).collect();
        let name = match &unique.name {
            Some(name) => quote!(::std::string::String::from(#name)),
            None => quote!(ident::unique_name(TABLE, &[#(#columns),*])),
        };
        let nulls_not_distinct = unique.nulls_not_distinct;
        let columns = strings(&columns);
        uniques.push(quote! {
            model::UniqueConstraint { name: #name, columns: #columns, nulls_not_distinct: #nulls_not_distinct }
        });
    }
    for check in &input.attrs.checks {
        let (Some(name), Some(expr)) = (&check.name, &check.expr) else {
            continue;
        };
        checks.push(quote! {
            model::CheckConstraint {
                name: ::std::string::String::from(#name),
                expression: ::std::string::String::from(#expr),
                not_valid: false,
                no_inherit: false,
            }
        });
    }
    for foreign_key in &input.attrs.foreign_keys {
        let Some(target) = &foreign_key.references else {
            continue;
        };
        let columns: Vec<String> = foreign_key
            .columns
            .iter()
            .map(|c| column_name(input, c))
            .collect();
        let name = match &foreign_key.name {
            Some(name) => quote!(::std::string::String::from(#name)),
            None => quote!(ident::foreign_key_name(TABLE, &[#(#columns),*])),
        };
        let columns = strings(&columns);
        let on_delete = action(&foreign_key.on_delete);
        let on_update = action(&foreign_key.on_update);
        let match_full = foreign_key.match_full;
        foreign_keys.push(quote! {
            model::ForeignKey {
                name: #name,
                columns: #columns,
                referenced_table: ::std::string::String::from(<#target as ::schema_core::Table>::NAME),
                referenced_columns: <#target as ::schema_core::Table>::PRIMARY_KEY_COLUMNS
                    .iter()
                    .map(|c| ::std::string::String::from(*c))
                    .collect(),
                on_delete: #on_delete,
                on_update: #on_update,
                deferrable: ::core::default::Default::default(),
                match_full: #match_full,
            }
        });
    }
    for index in &input.attrs.indexes {
        let name_parts: Vec<String> = index
            .keys
            .iter()
            .map(|key| match &key.target {
                KeyTarget::Column(c) => column_name(input, c),
                KeyTarget::Expression(_) => "expr".to_owned(),
            })
            .collect();
        let name = match &index.name {
            Some(name) => quote!(::std::string::String::from(#name)),
            None => quote!(ident::index_name(TABLE, &[#(#name_parts),*])),
        };
        let keys = index.keys.iter().map(|key| {
            let target = match &key.target {
                KeyTarget::Column(c) => {
                    let c = column_name(input, c);
                    quote!(model::IndexTarget::Column(::std::string::String::from(#c)))
                }
                KeyTarget::Expression(sql) => {
                    quote!(model::IndexTarget::Expression(::std::string::String::from(#sql)))
                }
            };
            let order = if key.desc {
                quote!(model::SortOrder::Desc)
            } else {
                quote!(model::SortOrder::Asc)
            };
            // Only a non-default NULLS placement is kept (the default is LAST for ASC).
            let nulls = match (key.desc, key.nulls_first) {
                (false, Some(true)) => quote!(::core::option::Option::Some(model::NullsOrder::First)),
                (true, Some(false)) => quote!(::core::option::Option::Some(model::NullsOrder::Last)),
                _ => quote!(::core::option::Option::None),
            };
            quote! {
                model::IndexKey { target: #target, collation: ::core::option::Option::None, opclass: ::core::option::Option::None, order: #order, nulls: #nulls }
            }
        });
        let unique = index.unique;
        let nulls_not_distinct = index.nulls_not_distinct;
        let method = index
            .method
            .as_ref()
            .map_or_else(|| "btree".to_owned(), |m| m.value().trim().to_ascii_lowercase());
        let include: Vec<String> = index.include.iter().map(|c| column_name(input, c)).collect();
        let include = strings(&include);
        let predicate = lit_value(&index.predicate);
        indexes.push(quote! {
            model::Index {
                name: #name,
                unique: #unique,
                nulls_not_distinct: #nulls_not_distinct,
                method: ::std::string::String::from(#method),
                keys: ::std::vec![#(#keys),*],
                include: #include,
                predicate: #predicate,
            }
        });
    }

    let tenancy = if input.is_root() {
        quote!(Tenancy::Root)
    } else if input.is_global() {
        quote!(Tenancy::Global)
    } else {
        quote!(Tenancy::Tenant)
    };
    let renamed_from = lit_value(&input.attrs.renamed_from);
    let rls_exempt = lit_value(&input.attrs.rls_exempt);
    let comment = lit_value(&input.attrs.comment);
    let audited = input.attrs.audited.is_some();
    let pk_columns_model = strings(pk_columns.iter().copied());

    quote! {
        impl ::schema_core::Table for #ident {
            const NAME: &'static str = #table;
            const PRIMARY_KEY_COLUMNS: &'static [&'static str] = &[#(#pk_columns),*];
            type PrimaryKey = #pk_type;
            type Iden = #iden;

            fn definition() -> ::schema_core::__private::TableDef {
                #[allow(unused_imports)]
                use ::schema_core::__private::{
                    model, ident, ColumnRename, Justification, JustifiedRule, SqlLiteral, SqlType,
                    TableDef, Tenancy,
                };
                const TABLE: &str = #table;
                let mut table = model::Table::new(TABLE, ::std::vec![#(#columns),*]);
                table.primary_key = ::core::option::Option::Some(model::PrimaryKey {
                    name: ident::primary_key_name(TABLE),
                    columns: #pk_columns_model,
                });
                table.uniques = ::std::vec![#(#uniques),*];
                table.checks = ::std::vec![#(#checks),*];
                table.foreign_keys = ::std::vec![#(#foreign_keys),*];
                table.indexes = ::std::vec![#(#indexes),*];
                table.comment = #comment;
                let mut enums: ::std::vec::Vec<model::EnumType> = ::std::vec::Vec::new();
                #(
                    if let ::core::option::Option::Some(e) = <#column_types as SqlType>::enum_type() {
                        if !enums.contains(&e) {
                            enums.push(e);
                        }
                    }
                )*
                TableDef {
                    table,
                    rust_name: ::std::string::String::from(#rust_name),
                    tenancy: #tenancy,
                    renamed_from: #renamed_from,
                    column_renames: ::std::vec![#(#column_renames),*],
                    enums,
                    justifications: ::std::vec![#(#justifications),*],
                    audited: #audited,
                    rls_exempt: #rls_exempt,
                }
            }
        }
    }
}

/// `T` of a field written `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}
