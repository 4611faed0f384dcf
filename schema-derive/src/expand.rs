//! Code generation for `#[derive(Table)]`.

use heck::ToUpperCamelCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, LitStr};

use crate::ast::{Field, Input};
use crate::attr::{Action, DeferrableKind, IdentityKind, KeyTarget};
use crate::check::{self, TENANT_COLUMN, TIMESTAMP_COLUMNS};
use crate::ctxt::Ctxt;
use crate::{fallback, rules};

/// `#[derive(Table)]` on tokens (diesel's `*_inner`), so an expansion can be snapshot-tested.
pub fn derive_inner(input: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(input) {
        Ok(input) => derive(&input),
        Err(error) => error.to_compile_error(),
    }
}

pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let Some(parsed) = Input::from_syn(&cx, input) else {
        let errors = cx.check().expect_err("from_syn failed with an error");
        return errors.to_compile_error();
    };
    check::check(&cx, &parsed);
    let iden = iden_enum(&parsed);
    let one_root = one_root_per_module(&parsed);
    // The type rules are checked even when an attribute is wrong, so every error of the struct is
    // reported at once; a generic struct has no rules (its one error says why).
    let assertions = if parsed.original.generics.params.is_empty() {
        assertions(&parsed)
    } else {
        TokenStream::new()
    };
    match cx.check() {
        Ok(()) => {
            let table_impl = table_impl(&parsed);
            let rows = crate::rows::rows(&parsed);
            quote! {
                #iden
                #one_root
                #assertions
                #table_impl
                #rows
            }
        }
        Err(errors) => {
            let errors = errors.to_compile_error();
            let stub = fallback::table(&parsed, &iden_ident(&parsed));
            quote! {
                #errors
                #iden
                #one_root
                #assertions
                #stub
            }
        }
    }
}

/// Two tenant roots in one module are a compile error: each declares this constant, spanned at
/// its `tenant_root`, and Rust refuses a name defined twice. A derive sees no other module or
/// crate, so roots declared apart are reported by `SchemaBuilder::build`.
fn one_root_per_module(input: &Input) -> TokenStream {
    let Some(key) = &input.attrs.tenant_root else {
        return TokenStream::new();
    };
    let name = Ident::new("ONE_TENANT_ROOT_PER_MODULE", key.span());
    quote! {
        #[doc(hidden)]
        #[allow(dead_code)]
        const #name: () = ();
    }
}

pub fn iden_ident(input: &Input) -> Ident {
    format_ident!("{}Iden", input.ident)
}

/// The sea-query identifier variants, one per field: the field's name in UpperCamelCase, or
/// `Column<n>` when that is no identifier (`_0`, `__`) or is taken (`a_b` and `aB`, `Table`).
pub fn variant_idents(input: &Input) -> Vec<Ident> {
    let mut taken = vec!["Table".to_owned()];
    input
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let camel = match field.name.to_upper_camel_case() {
                table if table == "Table" => "TableColumn".to_owned(),
                camel => camel,
            };
            let usable = syn::parse_str::<Ident>(&camel).is_ok() && !taken.contains(&camel);
            let mut name = if usable { camel } else { format!("Column{i}") };
            while taken.contains(&name) {
                name.push('_');
            }
            taken.push(name.clone());
            Ident::new(&name, field.ident.span())
        })
        .collect()
}

/// `InvoiceIden::{Table, Id, TotalCents, ...}`: typed identifiers for sea-query.
fn iden_enum(input: &Input) -> TokenStream {
    let vis = &input.original.vis;
    let ident = iden_ident(input);
    let table = &input.table;
    let variants = variant_idents(input);
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
    for field in input.fields.iter().filter(|f| !f.attr_error) {
        let ty = field.ty();
        let span = ty.span();
        let attrs = &field.attrs;
        let fixed = |name: &str| {
            let name = Ident::new(name, span);
            quote_spanned!(span=> ::schema_core::__private::rules::#name::<#ty>();)
        };
        // A field whose type is fixed by a rule gets that rule alone: its type is then a standard
        // type, and a wrong one gives one error, not one per rule.
        let mut fixed_rule = None;
        if field.column == TENANT_COLUMN && input.is_tenant() {
            fixed_rule = Some(fixed("assert_organization_id"));
        } else if field.column == "id" && input.is_root() {
            fixed_rule = Some(fixed("assert_tenant_root_key"));
        } else if TIMESTAMP_COLUMNS.contains(&field.column.as_str()) {
            fixed_rule = Some(fixed("assert_timestamp"));
        }
        let has_exceptions = attrs.float.is_some() || attrs.json.is_some() || attrs.sql_type.is_some();
        match fixed_rule {
            Some(rule) if !has_exceptions => out.push(rule),
            Some(rule) => {
                out.push(rule);
                out.push(column_rules(field));
            }
            None => out.push(column_rules(field)),
        }
        // `references` on the tenant key is an error of its own (the key is added for it).
        let tenant_key = field.column == TENANT_COLUMN && input.is_tenant();
        if let Some(target) = attrs.references.as_ref().filter(|_| !tenant_key) {
            let target = self_to(input, target);
            let target_span = target.span();
            out.push(quote_spanned! {target_span=>
                ::schema_core::__private::rules::assert_foreign_key::<#ty, <#target as ::schema_core::Table>::PrimaryKey>();
            });
            let set_null = [&attrs.on_delete, &attrs.on_update]
                .into_iter()
                .flatten()
                .any(Action::is_set_null);
            if set_null {
                out.push(fixed("assert_nullable"));
            }
        }
    }
    for foreign_key in &input.attrs.foreign_keys {
        let Some(target) = &foreign_key.references else {
            continue;
        };
        // `organization_id` among several columns scopes the key to the tenant: it references the
        // target's `organization_id`, the other columns its primary key.
        let scoped = foreign_key.columns.len() > 1 && foreign_key.columns.iter().any(|c| c == TENANT_COLUMN);
        let fields: Vec<&Field> = foreign_key
            .columns
            .iter()
            .filter(|c| !scoped || *c != TENANT_COLUMN)
            .filter_map(|c| input.field(c))
            .collect();
        // A foreign key whose attribute has an error is not type-checked: one mistake, one error.
        let expected = foreign_key.columns.len() - usize::from(scoped);
        if fields.len() != expected || fields.is_empty() || foreign_key.on_delete.is_none() {
            continue;
        }
        let types = fields.iter().map(|f| f.ty());
        let target = self_to(input, target);
        let span = target.span();
        out.push(quote_spanned! {span=>
            ::schema_core::__private::rules::assert_foreign_key_columns::<(#(#types,)*), <#target as ::schema_core::Table>::PrimaryKey>();
        });
        let set_null = [&foreign_key.on_delete, &foreign_key.on_update]
            .into_iter()
            .flatten()
            .any(Action::is_set_null);
        if set_null {
            for field in fields {
                let ty = field.ty();
                let span = field.ident.span();
                out.push(quote_spanned!(span=> ::schema_core::__private::rules::assert_nullable::<#ty>();));
            }
        }
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

/// One field's kind rules, each a trait local to this block (so no code elsewhere can implement
/// it) whose message names the column and the type as written; one call, spanned at the field's
/// type, checks them all and that the type is a column type at all: a type that is none gives one
/// error, not one per rule.
fn column_rules(field: &Field) -> TokenStream {
    let ty = field.ty();
    let span = ty.span();
    let written = type_text(ty);
    let column = if field.name == field.column {
        format!("`{}`", field.column)
    } else {
        format!("`{}` (field `{}`)", field.column, field.name)
    };
    let column = column.replace('{', "{{").replace('}', "}}");
    let written = written.replace('{', "{{").replace('}', "}}");
    let mut traits = Vec::new();
    let mut bounds = Vec::new();
    for (check, rule) in rules::plan(field).flags().into_iter().zip(&rules::KIND_RULES) {
        if !check {
            continue;
        }
        let name = Ident::new(rule.name, Span::call_site());
        let message = rule.message(&column, &written);
        let (label, note) = (rule.label, rule.note);
        let facts = rule.facts.iter().map(|(assoc, answer)| {
            let assoc = Ident::new(assoc, Span::call_site());
            let answer = Ident::new(answer, Span::call_site());
            quote!(#assoc = ::schema_core::__private::kind::#answer)
        });
        traits.push(quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait #name {}
            #[diagnostic::do_not_recommend]
            impl<K: ::schema_core::__private::Facts<#(#facts),*>> #name for K {}
        });
        bounds.push(quote!(<T as ::schema_core::SqlType>::Kind: #name));
    }
    let call = quote_spanned!(span=> check::<#ty>(););
    quote! {
        {
            #(#traits)*
            fn check<T: ::schema_core::SqlType + ?::core::marker::Sized>() where #(#bounds,)* {}
            #call
        }
    }
}

/// A type as written, for messages: `::core::primitive::f64`, `Option<Decimal>`.
fn type_text(ty: &syn::Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

/// `references = Self` names the struct itself (a self-reference); elsewhere `Self` would be the
/// constant block the checks live in.
pub fn self_to(input: &Input, target: &syn::Path) -> syn::Path {
    if target.is_ident("Self") {
        let ident = input.ident;
        let span = target.span();
        syn::parse_quote_spanned!(span=> #ident)
    } else {
        target.clone()
    }
}

/// The `Table::PrimaryKey` type: the key field's type, or a tuple for a composite key.
pub fn primary_key_type(input: &Input) -> TokenStream {
    let key = input.primary_key();
    match key.as_slice() {
        [] => quote!(()),
        [single] => {
            let ty = single.ty();
            quote!(#ty)
        }
        several => {
            let types = several.iter().map(|f| f.ty());
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

/// The comment of a table or column: `comment = "..."` when given (it says what the database
/// should say, where the doc comment may speak to Rust readers), else the `///` doc comment.
fn comment_value(explicit: &Option<LitStr>, doc: &Option<String>) -> TokenStream {
    match (explicit, doc) {
        (Some(_), _) => lit_value(explicit),
        (None, Some(doc)) => quote!(::core::option::Option::Some(::std::string::String::from(#doc))),
        (None, None) => quote!(::core::option::Option::None),
    }
}

fn action(action: &Option<Action>) -> TokenStream {
    let variant = Ident::new(
        action.as_ref().map_or("NoAction", |a| a.variant),
        Span::call_site(),
    );
    quote!(model::ReferentialAction::#variant)
}

fn deferrable(deferrable: &Option<(Ident, DeferrableKind)>) -> TokenStream {
    match deferrable {
        None => quote!(model::Deferrable::NotDeferrable),
        Some((_, DeferrableKind::InitiallyImmediate)) => quote!(model::Deferrable::InitiallyImmediate),
        Some((_, DeferrableKind::InitiallyDeferred)) => quote!(model::Deferrable::InitiallyDeferred),
    }
}

fn optional_i64(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn column_name(input: &Input, ident: &Ident) -> String {
    input
        .field(ident)
        .map_or_else(|| ident.to_string(), |f| f.column.clone())
}

/// The literal forms of `default = ...` that the defaults rule judges by the column's type.
enum LiteralKind {
    Text,
    Integer,
    Decimal,
}

fn literal_kind(expr: &syn::Expr) -> Option<LiteralKind> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            // A suffixed literal (`5i64`, `1.5f32`) states its own type: the compiler judges it.
            syn::Lit::Str(_) => Some(LiteralKind::Text),
            syn::Lit::Int(int) if int.suffix().is_empty() => Some(LiteralKind::Integer),
            syn::Lit::Float(float) if float.suffix().is_empty() => Some(LiteralKind::Decimal),
            _ => None,
        },
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match literal_kind(crate::attr::ungroup_expr(expr)) {
            Some(LiteralKind::Text) | None => None,
            numeric => numeric,
        },
        _ => None,
    }
}

fn column(field: &Field) -> TokenStream {
    let ty = field.ty();
    let name = &field.column;
    let attrs = &field.attrs;
    let column_type = match &attrs.sql_type {
        // Parsed at expansion time; a type that cannot be parsed is an error, and then this code
        // is not generated.
        Some(_) => match &field.rendered {
            Some(rendered) => rendered.to_tokens(),
            None => quote!(<#ty as SqlType>::column_type()),
        },
        None => quote!(<#ty as SqlType>::column_type()),
    };
    let default = if let Some(expr) = &attrs.default {
        // The value has the column's type (without `Option`); a string literal is the default of
        // a text column, and of another column an error of the defaults rule.
        let span = expr.span();
        let inner = option_inner(ty).unwrap_or(ty);
        let value = match literal_kind(crate::attr::ungroup_expr(expr)) {
            Some(LiteralKind::Text) => {
                quote_spanned!(span=> ::schema_core::__private::rules::text_default(#expr))
            }
            Some(LiteralKind::Integer) => {
                quote_spanned!(span=> ::schema_core::__private::rules::integer_default(#expr))
            }
            Some(LiteralKind::Decimal) => {
                quote_spanned!(span=> ::schema_core::__private::rules::float_default(#expr))
            }
            None => quote!(#expr),
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
        Some((_, IdentityKind::Serial)) => quote!(::core::option::Option::Some(model::Identity::Serial)),
        None => quote!(::core::option::Option::None),
    };
    let options = &attrs.identity_options;
    let identity_options = {
        let start = optional_i64(options.start);
        let increment = optional_i64(options.increment);
        let min_value = optional_i64(options.min_value);
        let max_value = optional_i64(options.max_value);
        let cache = optional_i64(options.cache);
        let cycle = options.cycle;
        quote! {
            model::SequenceOptions {
                start: #start,
                increment: #increment,
                min_value: #min_value,
                max_value: #max_value,
                cache: #cache,
                cycle: #cycle,
            }
        }
    };
    let generated = lit_value(&attrs.generated);
    let collation = lit_value(&attrs.collate);
    let comment = comment_value(&attrs.comment, &field.doc);
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
            identity_options: #identity_options,
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
    let qualified = input.qualified_table();
    let rust_name = ident.to_string();
    let iden = iden_ident(input);
    let pk_type = primary_key_type(input);
    let pk_columns: Vec<&String> = input.primary_key().iter().map(|f| &f.column).collect();
    let columns = input.fields.iter().map(column);
    let column_types = input.fields.iter().map(|f| f.ty());

    let mut uniques = Vec::new();
    let mut checks = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut indexes = Vec::new();
    let mut column_renames = Vec::new();
    let mut justifications = Vec::new();
    let mut column_kinds = Vec::new();
    for field in &input.fields {
        if field.attrs.sql_type.is_none() {
            let column = &field.column;
            let ty = field.ty();
            column_kinds.push(quote! {
                ColumnKind {
                    column: ::std::string::String::from(#column),
                    kind: ::std::string::String::from(<<#ty as SqlType>::Kind as Facts>::NAME),
                }
            });
        }
        let column = &field.column;
        let attrs = &field.attrs;
        if attrs.unique.is_some() {
            uniques.push(quote! {
                model::UniqueConstraint {
                    name: ident::unique_name(TABLE, &[#column]),
                    columns: ::std::vec![::std::string::String::from(#column)],
                    nulls_not_distinct: false,
                    deferrable: ::core::default::Default::default(),
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
            let deferrable = deferrable(&attrs.deferrable);
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
                    deferrable: #deferrable,
                    match_full: false,
                    on_delete_set_columns: ::std::vec::Vec::new(),
                    not_valid: false,
                }
            });
        }
        if attrs.index.is_some() {
            let comment = lit_value(&attrs.index_comment);
            indexes.push(quote! {
                model::Index {
                    comment: #comment,
                    ..model::Index::on_columns(ident::index_name(TABLE, &[#column]), &[#column])
                }
            });
        }
        if let Some(from) = &attrs.renamed_from {
            column_renames.push(quote! {
                ColumnRename {
                    table: ::std::string::String::from(QUALIFIED),
                    from: ::std::string::String::from(#from),
                    to: ::std::string::String::from(#column),
                }
            });
        }
        for (reason, rule) in [
            (&attrs.json, "Json"),
            (&attrs.float, "Float"),
            (&attrs.not_money, "NotMoney"),
            (&attrs.not_secret, "NotSecret"),
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
        let deferrable = deferrable(&unique.deferrable);
        uniques.push(quote! {
            model::UniqueConstraint {
                name: #name,
                columns: #columns,
                nulls_not_distinct: #nulls_not_distinct,
                deferrable: #deferrable,
            }
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
        let scoped = columns.len() > 1 && columns.iter().any(|c| c == TENANT_COLUMN);
        let columns = strings(&columns);
        let on_delete = action(&foreign_key.on_delete);
        let on_update = action(&foreign_key.on_update);
        let match_full = foreign_key.match_full;
        let deferrable = deferrable(&foreign_key.deferrable);
        let referenced_columns = if scoped {
            quote! {{
                let mut key = <#target as ::schema_core::Table>::PRIMARY_KEY_COLUMNS.iter();
                let columns: ::std::vec::Vec<::std::string::String> = #columns;
                columns
                    .iter()
                    .map(|c| match c.as_str() {
                        #TENANT_COLUMN => ::std::string::String::from(#TENANT_COLUMN),
                        _ => key.next().map_or_else(::std::string::String::new, |k| ::std::string::String::from(*k)),
                    })
                    .collect()
            }}
        } else {
            quote! {
                <#target as ::schema_core::Table>::PRIMARY_KEY_COLUMNS
                    .iter()
                    .map(|c| ::std::string::String::from(*c))
                    .collect()
            }
        };
        foreign_keys.push(quote! {
            model::ForeignKey {
                name: #name,
                columns: #columns,
                referenced_table: ::std::string::String::from(<#target as ::schema_core::Table>::NAME),
                referenced_columns: #referenced_columns,
                on_delete: #on_delete,
                on_update: #on_update,
                deferrable: #deferrable,
                match_full: #match_full,
                on_delete_set_columns: ::std::vec::Vec::new(),
                not_valid: false,
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
            let collation = lit_value(&key.collation);
            let opclass = lit_value(&key.opclass);
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
                model::IndexKey { target: #target, collation: #collation, opclass: #opclass, order: #order, nulls: #nulls }
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
        let comment = lit_value(&index.comment);
        indexes.push(quote! {
            model::Index {
                name: #name,
                unique: #unique,
                nulls_not_distinct: #nulls_not_distinct,
                method: ::std::string::String::from(#method),
                keys: ::std::vec![#(#keys),*],
                include: #include,
                predicate: #predicate,
                comment: #comment,
            }
        });
    }

    let (partition_by, partitions) = partitioning(input);

    let tenancy = if input.is_root() {
        quote!(Tenancy::Root)
    } else if input.is_global() {
        quote!(Tenancy::Global)
    } else {
        quote!(Tenancy::Tenant)
    };
    // A previous name without a schema is in the table's schema; one with a schema moves it.
    let renamed_from = match &input.attrs.renamed_from {
        Some(from) if !from.value().contains('.') => {
            let from = crate::ast::qualify(input.schema().as_deref(), &from.value());
            quote!(::core::option::Option::Some(::std::string::String::from(#from)))
        }
        _ => lit_value(&input.attrs.renamed_from),
    };
    let rls_exempt = lit_value(&input.attrs.rls_exempt);
    let comment = comment_value(&input.attrs.comment, &input.doc);
    let audited = input.attrs.audited.is_some();
    let pk_columns_model = strings(pk_columns.iter().copied());
    let primary_key = input.attrs.primary_key.as_ref();
    let pk_name = match primary_key.and_then(|pk| pk.name.as_ref()) {
        Some(name) => quote!(::std::string::String::from(#name)),
        None => quote!(ident::primary_key_name(TABLE)),
    };
    let pk_deferrable = deferrable(&primary_key.and_then(|pk| pk.deferrable.clone()));

    quote! {
        #[diagnostic::do_not_recommend]
        impl ::schema_core::Table for #ident {
            const NAME: &'static str = #qualified;
            const PRIMARY_KEY_COLUMNS: &'static [&'static str] = &[#(#pk_columns),*];
            type PrimaryKey = #pk_type;
            type Iden = #iden;

            fn definition() -> ::schema_core::__private::TableDef {
                #[allow(unused_imports)]
                use ::schema_core::__private::{
                    model, ident, ColumnKind, ColumnRename, Facts, Justification, JustifiedRule,
                    SqlLiteral, SqlType, TableDef, Tenancy,
                };
                // Generated constraint and index names are made from the name without its schema
                // (they live in the table's schema), as Postgres makes them.
                const TABLE: &str = #table;
                const QUALIFIED: &str = #qualified;
                let mut table = model::Table::new(QUALIFIED, ::std::vec![#(#columns),*]);
                table.primary_key = ::core::option::Option::Some(model::PrimaryKey {
                    name: #pk_name,
                    columns: #pk_columns_model,
                    deferrable: #pk_deferrable,
                });
                table.uniques = ::std::vec![#(#uniques),*];
                table.checks = ::std::vec![#(#checks),*];
                table.foreign_keys = ::std::vec![#(#foreign_keys),*];
                table.indexes = ::std::vec![#(#indexes),*];
                table.comment = #comment;
                table.partition_by = #partition_by;
                table.partitions = ::std::vec![#(#partitions),*];
                let mut enums: ::std::vec::Vec<model::EnumType> = ::std::vec::Vec::new();
                let mut enum_renames: ::std::vec::Vec<::schema_core::ObjectRename> = ::std::vec::Vec::new();
                #(
                    if let ::core::option::Option::Some(e) = <#column_types as SqlType>::enum_type() {
                        if let ::core::option::Option::Some(from) = <#column_types as SqlType>::enum_renamed_from() {
                            let rename = ::schema_core::ObjectRename::enum_type(from, e.name.clone());
                            if !enum_renames.contains(&rename) {
                                enum_renames.push(rename);
                            }
                        }
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
                    enum_renames,
                    justifications: ::std::vec![#(#justifications),*],
                    column_kinds: ::std::vec![#(#column_kinds),*],
                    audited: #audited,
                    rls_exempt: #rls_exempt,
                }
            }
        }
    }
}

/// `PARTITION BY ...` and the partitions, spelled as Postgres prints them (`RANGE (created_at)`,
/// `FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`). A partition lives in its table's schema.
fn partitioning(input: &Input) -> (TokenStream, Vec<TokenStream>) {
    let Some(by) = &input.attrs.partition_by else {
        return (quote!(::core::option::Option::None), Vec::new());
    };
    let columns: Vec<String> = by
        .columns
        .iter()
        .map(|c| partition_column(&column_name(input, c)))
        .collect();
    let key = format!(
        "{} ({})",
        by.strategy.to_string().to_ascii_uppercase(),
        columns.join(", ")
    );
    let partitions = input
        .attrs
        .partitions
        .iter()
        .filter_map(|p| {
            let name = crate::ast::qualify(input.schema().as_deref(), &p.name.as_ref()?.value());
            let bound = partition_bound(p);
            Some(quote!(model::Partition::new(#name, #bound)))
        })
        .collect();
    (
        quote!(::core::option::Option::Some(::std::string::String::from(#key))),
        partitions,
    )
}

/// A column of the partition key as `pg_get_partkeydef` prints it: quoted only when it must be.
fn partition_column(column: &str) -> String {
    let plain = column
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && column
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        column.to_owned()
    } else {
        format!("\"{}\"", column.replace('"', "\"\""))
    }
}

fn partition_bound(partition: &crate::attr::PartitionAttr) -> String {
    let literal = |lit: &LitStr| {
        let value = lit.value();
        match value.to_ascii_uppercase().as_str() {
            "MINVALUE" | "MAXVALUE" => value.to_ascii_uppercase(),
            _ => format!("'{}'", value.replace('\'', "''")),
        }
    };
    let list = |values: &[LitStr]| values.iter().map(literal).collect::<Vec<_>>().join(", ");
    if partition.default {
        "DEFAULT".to_owned()
    } else if let (Some(modulus), Some(remainder)) = (&partition.modulus, &partition.remainder) {
        format!(
            "FOR VALUES WITH (modulus {}, remainder {})",
            modulus.base10_digits(),
            remainder.base10_digits()
        )
    } else if !partition.values.is_empty() {
        format!("FOR VALUES IN ({})", list(&partition.values))
    } else {
        format!(
            "FOR VALUES FROM ({}) TO ({})",
            list(&partition.from),
            list(&partition.to)
        )
    }
}

/// `T` of a field written `Option<T>`.
pub fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = crate::ast::ungroup_type(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(crate::ast::ungroup_type(inner)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The statements of the generated `__schema_rules` (the type checks), one per line, with
    /// the `::schema_core::__private::rules::` prefix shortened to `rules::`.
    fn rules_of(expansion: &proc_macro2::TokenStream) -> String {
        // String literals (the messages) are dropped: the snapshot is of the checks.
        let mut text = String::new();
        let mut in_string = false;
        let mut escaped = false;
        for c in expansion.to_string().chars() {
            match (in_string, escaped, c) {
                (true, false, '\\') => escaped = true,
                (true, false, '"') => in_string = false,
                (true, _, _) => escaped = false,
                (false, _, '"') => in_string = true,
                (false, _, c) => text.push(c),
            }
        }
        let start = text
            .find("fn __schema_rules")
            .map_or(0, |i| i + "fn __schema_rules () {".len());
        let body = &text[start..];
        let end = body.find("} } ;").unwrap_or(body.len());
        body[..end]
            .split(';')
            .map(|statement| {
                statement
                    .replace(" :: ", "::")
                    .replace(":: ", "::")
                    .replace(" < ", "<")
                    .replace("< ", "<")
                    .replace(" > ", ">")
                    .replace(" >", ">")
                    .replace(" ,", ",")
                    .replace(" ()", "()")
                    .replace("::schema_core::__private::rules::", "rules::")
                    .trim_start_matches(['}', ' '])
                    .trim()
                    .to_owned()
            })
            .map(|statement| name_the_modes(&statement))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(";\n")
    }

    /// A field's block of local rule traits and its `check::<T>()` call as `check::<T>: MoneyRule,
    /// JsonRule`: the rules checked, by name.
    fn name_the_modes(statement: &str) -> String {
        let Some(call) = statement.rfind("check::<") else {
            return statement.to_owned();
        };
        let rest = &statement[call + "check::<".len()..];
        let ty = rest.strip_suffix(">()").unwrap_or(rest);
        let rules: Vec<&str> = statement
            .match_indices("trait ")
            .filter_map(|(i, _)| statement[i + "trait ".len()..].split_whitespace().next())
            .collect();
        format!("check::<{ty}>: {}", rules.join(", "))
    }

    #[test]
    fn generated_checks_of_one_struct() {
        let expansion = super::derive_inner(quote! {
            #[table(foreign_key(columns(customer_id, line), references = Line, on_delete = "set null"))]
            pub struct Invoice {
                #[column(primary_key)]
                pub id: Uuid,
                pub organization_id: OrganizationId,
                #[column(references = Self, on_delete = "set null")]
                pub parent_id: Option<Uuid>,
                pub customer_id: Option<Uuid>,
                pub line: Option<i32>,
                pub total_cents: Money,
                #[column(sql_type = "double precision", float = "an estimate")]
                pub estimate: i64,
                #[column(not_money = "a count of changes")]
                pub price_changes: i32,
                pub tax_number: String,
                pub api_key_hash: TokenHash,
                #[column(sql_type = "character varying(255)")]
                pub password_hash: PasswordHash,
                #[column(json = "shape owned by the partner")]
                pub payload: Json<String>,
                pub created_at: Timestamp,
                pub updated_at: Timestamp,
            }
        });
        insta::assert_snapshot!(rules_of(&expansion));
    }

    #[test]
    fn an_attribute_error_keeps_the_other_fields_checks() {
        let expansion = super::derive_inner(quote! {
            pub struct Invoice {
                #[column(primary_key)]
                pub id: Uuid,
                pub organization_id: OrganizationId,
                #[column(unqiue)]
                pub number: i64,
                #[column(sql_type = "money")]
                pub balance: Money,
                pub total: f64,
                pub created_at: Timestamp,
                pub updated_at: Timestamp,
            }
        });
        let text = expansion.to_string();
        assert_eq!(text.matches("compile_error").count(), 2, "{text}");
        insta::assert_snapshot!(rules_of(&expansion));
    }

    /// The comments a derive gives its table and columns, one `what: comment` per line.
    fn comments_of(expansion: &proc_macro2::TokenStream) -> String {
        let text = expansion.to_string();
        let mut out = Vec::new();
        for (at, _) in text.match_indices("comment :") {
            let rest = &text[at + "comment :".len()..];
            let end = rest.find(['}', ';']).unwrap_or(rest.len());
            let value = rest[..end].trim().trim_end_matches(',').trim();
            let name = text[..at]
                .rfind("name : :: std :: string :: String :: from (")
                .map(|n| {
                    let rest = &text[n + "name : :: std :: string :: String :: from (".len()..];
                    rest[..rest.find(')').unwrap_or(0)].trim().to_owned()
                })
                .unwrap_or_default();
            out.push(format!("column {name}: {value}"));
        }
        for (at, _) in text.match_indices("table . comment =") {
            let rest = &text[at + "table . comment =".len()..];
            out.push(format!("table: {}", rest[..rest.find(';').unwrap_or(0)].trim()));
        }
        out.join("\n")
    }

    #[test]
    fn doc_comments_become_comments_unless_comment_is_given() {
        let expansion = super::derive_inner(quote! {
            /// Who an organization bills.
            ///
            /// Soft-deleted with `deleted_at`.
            pub struct Customer {
                /// Its key.
                #[column(primary_key)]
                pub id: Uuid,
                pub organization_id: OrganizationId,
                /// The Rust reader's note.
                #[column(comment = "ISO 3166-1 alpha-2")]
                pub country_code: String,
                /// It's "quoted"
                ///   and wrapped.
                pub display_name: String,
                pub created_at: Timestamp,
                pub updated_at: Timestamp,
            }
        });
        insta::assert_snapshot!(comments_of(&expansion));
    }

    proptest::proptest! {
        /// No identifier Rust accepts, and no `sql_type` or name string, panics the derive.
        #[test]
        fn no_input_panics_the_derive(
            table in "(r#)?[_a-zA-Zéß][_a-zA-Z0-9éß]{0,10}",
            field in "(r#)?[_a-zA-Zéß][_a-zA-Z0-9éß]{0,10}",
            sql in "\\PC{0,24}",
            name in "\\PC{0,24}",
        ) {
            let source = format!(
                "pub struct {table} {{ #[column(primary_key)] pub {field}: Uuid, \
                 #[column(sql_type = {sql:?}, name = {name:?})] pub other: f64, \
                 pub created_at: Timestamp, pub updated_at: Timestamp }}"
            );
            // Keywords and the like are no identifiers: Rust rejects them before any derive.
            if let Ok(tokens) = source.parse::<proc_macro2::TokenStream>()
                && syn::parse2::<syn::DeriveInput>(tokens.clone()).is_ok()
            {
                let _ = super::derive_inner(tokens);
            }
            let _ = crate::sql::parse(&sql);
            let _ = crate::names::words(&name);
            let _ = crate::names::denotes_money(&name) || crate::names::denotes_secret(&name);
        }
    }
}
