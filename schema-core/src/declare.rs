//! What the derives implement: the [`Table`] and [`PgEnum`] traits, and the declaration each
//! table hands to schema assembly ([`TableDef`]).

use serde::{Deserialize, Serialize};

use crate::model::{self, EnumType};

/// A table declared with `#[derive(Table)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table",
    label = "not a `#[derive(Table)]` struct",
    note = "`references = ...` names the Rust type of a struct that derives `Table`"
)]
pub trait Table: 'static {
    /// The table's name in Postgres.
    const NAME: &'static str;
    /// The primary key's column names, in key order.
    const PRIMARY_KEY_COLUMNS: &'static [&'static str];
    /// The primary key's Rust type (a tuple for composite keys); foreign keys referencing this
    /// table must have exactly this type.
    type PrimaryKey;
    /// Typed identifiers of the table and its columns, for sea-query: `InvoiceIden::Table`,
    /// `InvoiceIden::TotalCents`, ...
    type Iden: sea_query::Iden + Copy + 'static;

    /// The table as declared, with everything assembly needs to know about it.
    fn definition() -> TableDef;
}

/// An enum declared with `#[derive(PgEnum)]`: a Postgres enum type.
pub trait PgEnum: Sized + Copy + 'static {
    /// The type's name in Postgres.
    const NAME: &'static str;
    /// The labels, in declaration (and sort) order.
    const VALUES: &'static [&'static str];
    /// `#[pg_enum(renamed_from = "...")]`: the type's previous model name (`status`, or
    /// `billing.status` when it moves from another schema). A plan moves or renames it in place.
    const RENAMED_FROM: Option<&'static str> = None;
    /// The type's `COMMENT ON TYPE`: `comment = "..."` in `#[pg_enum(...)]`, else the enum's
    /// `///` doc comment.
    const COMMENT: Option<&'static str> = None;

    /// This value's label.
    fn as_label(&self) -> &'static str;

    /// The value with this label.
    fn from_label(label: &str) -> Option<Self>;

    /// The enum type in the schema model.
    fn enum_type() -> EnumType {
        EnumType {
            name: Self::NAME.to_owned(),
            values: Self::VALUES.iter().map(|v| (*v).to_owned()).collect(),
            comment: Self::COMMENT.map(str::to_owned),
        }
    }
}

/// Where a table stands in the multi-tenant layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tenancy {
    /// The tenant root (the organizations table). Exactly one per schema.
    Root,
    /// Rows belong to one organization (`organization_id`); the default.
    Tenant,
    /// Shared by every organization (`#[table(global)]`).
    Global,
}

/// A declared table: the model table plus what only the declaration knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDef {
    /// The table, as declared. Assembly adds the tenant foreign key, foreign-key indexes and
    /// row-level security.
    pub table: model::Table,
    /// The Rust type that declared it, for messages.
    pub rust_name: String,
    pub tenancy: Tenancy,
    /// `#[table(renamed_from = "...")]`: the table's previous name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// `#[column(renamed_from = "...")]` on its fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_renames: Vec<ColumnRename>,
    /// The enum types its columns use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<EnumType>,
    /// The previous names of those enum types (`#[pg_enum(renamed_from = "...")]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enum_renames: Vec<crate::ObjectRename>,
    /// Stated reasons for exceptions to the standards (JSON, float, not-money columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub justifications: Vec<Justification>,
    /// The kind each field's Rust type declares (`SqlType::Kind`), for the columns whose type comes
    /// from that Rust type (no `sql_type`): assembly checks that the kind matches the column type,
    /// so a type of one's own cannot pass a float, decimal or JSON payload off as plain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_kinds: Vec<ColumnKind>,
    /// `#[table(audited)]`: every write is recorded in the audit table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audited: bool,
    /// `#[table(rls_exempt = "...")]`: a tenant table without row-level security, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rls_exempt: Option<String>,
}

/// A column's previous name, from `#[column(renamed_from = "...")]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColumnRename {
    pub table: String,
    pub from: String,
    pub to: String,
}

/// The kind a column's Rust type declares: `integer`, `float`, `decimal`, `json`, `text`, `bytes`,
/// `plain`, `money`, `password hash` or `token hash`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColumnKind {
    pub column: String,
    pub kind: String,
}

/// A stated reason for an exception to a standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Justification {
    pub column: String,
    pub rule: JustifiedRule,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JustifiedRule {
    /// `#[column(json = "...")]`
    Json,
    /// `#[column(float = "...")]`
    Float,
    /// `#[column(not_money = "...")]`
    NotMoney,
    /// `#[column(not_secret = "...")]`
    NotSecret,
}

impl TableDef {
    /// A declaration of `table` with no metadata: a global table declared by hand.
    pub fn new(table: model::Table, tenancy: Tenancy) -> Self {
        TableDef {
            rust_name: table.name.clone(),
            table,
            tenancy,
            renamed_from: None,
            column_renames: Vec::new(),
            enums: Vec::new(),
            enum_renames: Vec::new(),
            justifications: Vec::new(),
            column_kinds: Vec::new(),
            audited: false,
            rls_exempt: None,
        }
    }
}

/// The `ToSql`/`FromSql` bodies `#[derive(PgEnum)]` generates: an enum value travels as its label.
#[doc(hidden)]
pub mod pg_enum_sql {
    use std::error::Error;

    use bytes::BytesMut;
    use postgres_types::{IsNull, Kind, Type};

    use super::PgEnum;

    type BoxError = Box<dyn Error + Sync + Send>;

    pub fn enum_to_sql(label: &str, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(label.as_bytes());
        Ok(IsNull::No)
    }

    /// The column's type is this enum type (by name), or text, which Postgres casts.
    pub fn enum_accepts<E: PgEnum>(ty: &Type) -> bool {
        match ty.kind() {
            // A type of another schema by its schema and name (`E::NAME` is `billing.status`).
            Kind::Enum(_) => match crate::ident::split_qualified(E::NAME) {
                (Some(namespace), name) => ty.schema() == namespace && ty.name() == name,
                (None, name) => ty.name() == name,
            },
            _ => matches!(*ty, Type::TEXT | Type::VARCHAR | Type::UNKNOWN),
        }
    }

    pub fn enum_from_sql<E: PgEnum>(_ty: &Type, raw: &[u8]) -> Result<E, BoxError> {
        let label = std::str::from_utf8(raw)?;
        E::from_label(label).ok_or_else(|| {
            format!(
                "`{label}` is not a value of enum type `{}` (known: {}): the database has a label this build does not know; migrate the code first",
                E::NAME,
                E::VALUES.join(", ")
            )
            .into()
        })
    }
}
