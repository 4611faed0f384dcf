//! The derive input as a small IR that keeps the syntax nodes, for spans.

use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::attr::{self, ColumnAttrs, TableAttrs};
use crate::ctxt::Ctxt;
use crate::names;

pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub ident: &'a Ident,
    pub attrs: TableAttrs,
    pub fields: Vec<Field<'a>>,
    /// The table's name in Postgres.
    pub table: String,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: ColumnAttrs,
    /// The column's name in Postgres.
    pub column: String,
}

impl<'a> Input<'a> {
    /// `None` when the input is not a struct with named fields (the error is in `cx`).
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::table_attrs(cx, &input.attrs);
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
            .map(|field| {
                let ident = field.ident.as_ref().expect("named field");
                let attrs = attr::column_attrs(cx, &field.attrs);
                let column = attrs
                    .name
                    .as_ref()
                    .map(LitStr::value)
                    .unwrap_or_else(|| unraw(ident));
                Field {
                    ident,
                    ty: &field.ty,
                    attrs,
                    column,
                }
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
