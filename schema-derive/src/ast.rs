//! The derive input as a small IR that keeps the syntax nodes, for spans.

use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::attr::{self, ColumnAttrs, TableAttrs};
use crate::ctxt::Ctxt;
use crate::names;
use crate::{sql, symbol};

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub ident: &'a Ident,
    pub attrs: TableAttrs,
    pub fields: Vec<Field<'a>>,
    /// The table's name in Postgres, without its schema.
    pub table: String,
    /// The struct's `///` doc comment, joined ([`crate::doc`]): the table's comment unless
    /// `comment = "..."` says otherwise.
    pub doc: Option<String>,
}

impl Input<'_> {
    /// The Postgres schema of the table when it is not `public` (`#[table(schema = "...")]`).
    pub fn schema(&self) -> Option<String> {
        self.attrs
            .schema
            .as_ref()
            .map(LitStr::value)
            .filter(|schema| schema != "public")
    }

    /// The model's name of the table: `billing.invoices` outside `public`.
    pub fn qualified_table(&self) -> String {
        qualify(self.schema().as_deref(), &self.table)
    }
}

/// `name` in `schema` as the model names it.
pub fn qualify(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}.{name}"),
        None => name.to_owned(),
    }
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: ColumnAttrs,
    /// The column's name in Postgres.
    pub column: String,
    /// The field's name without `r#`.
    pub name: String,
    /// `sql_type = "..."`, parsed (`None` without one, or when it could not be parsed: that error
    /// is in the context).
    pub rendered: Option<sql::SqlType>,
    /// The field's `///` doc comment, joined: the column's comment unless `comment = "..."`
    /// says otherwise.
    pub doc: Option<String>,
    /// Whether its `#[column(...)]` attributes had an error: its type rules are then not
    /// generated, so one mistake gives one error.
    pub attr_error: bool,
}

impl Field<'_> {
    /// The field's type inside the invisible groups of a `macro_rules!` expansion.
    pub fn ty(&self) -> &Type {
        ungroup_type(self.ty)
    }

    /// Whether the field or its column is named like money (and `not_money` does not say no).
    pub fn is_money(&self) -> bool {
        self.attrs.not_money.is_none()
            && (names::denotes_money(&self.name) || names::denotes_money(&self.column))
    }

    /// Whether the field or its column is named like a secret (and `not_secret` does not say no).
    pub fn is_secret(&self) -> bool {
        self.attrs.not_secret.is_none()
            && (names::denotes_secret(&self.name) || names::denotes_secret(&self.column))
    }

    /// Whether the field or its column is named like a password.
    pub fn is_password(&self) -> bool {
        self.is_secret() && (names::denotes_password(&self.name) || names::denotes_password(&self.column))
    }
}

pub fn ungroup_type(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

impl<'a> Input<'a> {
    /// `None` when the input is not a struct with named fields (the error is in `cx`).
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::table_attrs(cx, &input.attrs);
        for misplaced in input.attrs.iter().filter(|a| a.path().is_ident(symbol::COLUMN)) {
            cx.error_spanned_by(
                misplaced,
                "`#[column(...)]` belongs on a field; on the struct, use `#[table(...)]`",
            );
        }
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => &named.named,
                Fields::Unnamed(_) | Fields::Unit => {
                    cx.error_spanned_by(
                        input,
                        "`#[derive(Table)]` needs a struct with named fields, one per column",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "`#[derive(Table)]` is for structs; for a Postgres enum type use `#[derive(PgEnum)]`",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(data.union_token, "`#[derive(Table)]` is for structs, not unions");
                return None;
            }
        };
        let fields = fields
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let before = cx.error_count();
                for misplaced in field.attrs.iter().filter(|a| a.path().is_ident(symbol::TABLE)) {
                    cx.error_spanned_by(
                        misplaced,
                        "`#[table(...)]` belongs on the struct; on a field, use `#[column(...)]`",
                    );
                }
                let attrs = attr::column_attrs(cx, &field.attrs);
                let rendered = attrs.sql_type.as_ref().filter(|lit| !lit.value().trim().is_empty()).and_then(|lit| {
                    sql::parse(&lit.value())
                        .map_err(|problem| {
                            cx.error_spanned_by(
                                lit,
                                format!(
                                    "`sql_type = {:?}` {problem}: write a Postgres type such as `\"character varying(64)\"`, `\"numeric(12, 2)\"` or `\"text[]\"`",
                                    lit.value()
                                ),
                            )
                        })
                        .ok()
                });
                let attr_error = cx.error_count() > before;
                let name = unraw(ident);
                let column = attrs
                    .name
                    .as_ref()
                    .map(LitStr::value)
                    .unwrap_or_else(|| name.clone());
                Some(Field {
                    ident,
                    ty: &field.ty,
                    attrs,
                    column,
                    name,
                    rendered,
                    doc: crate::doc::doc_comment(&field.attrs),
                    attr_error,
                })
            })
            .collect();
        let table = attrs
            .name
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| names::table_name(&unraw(&input.ident)));
        Some(Input {
            original: input,
            ident: &input.ident,
            attrs,
            fields,
            table,
            doc: crate::doc::doc_comment(&input.attrs),
        })
    }

    pub fn field(&self, ident: &Ident) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.ident == ident)
    }

    pub fn field_by_column(&self, column: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.column == column)
    }

    pub fn primary_key(&self) -> Vec<&Field<'a>> {
        self.fields
            .iter()
            .filter(|f| f.attrs.primary_key.is_some())
            .collect()
    }

    pub fn is_root(&self) -> bool {
        self.attrs.tenant_root.is_some()
    }

    pub fn is_global(&self) -> bool {
        self.attrs.global.is_some()
    }

    pub fn is_tenant(&self) -> bool {
        !self.is_root() && !self.is_global()
    }
}

pub fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}
