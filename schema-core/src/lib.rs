//! Schema-as-code for multi-tenant PostgreSQL: declare tables as Rust structs, have the compiler
//! enforce the team's database standards, and render the schema to DDL.
//!
//! ```ignore
//! use schema_core::prelude::*;
//!
//! #[derive(Table)]
//! pub struct Invoice {
//!     #[column(primary_key)] pub id: Uuid,
//!     pub organization_id: OrganizationId,
//!     #[column(references = Customer, on_delete = "restrict")] pub customer_id: Uuid,
//!     pub total_cents: Money,
//!     pub status: InvoiceStatus,
//!     pub created_at: Timestamp,
//!     pub updated_at: Timestamp,
//! }
//! ```
//!
//! The data path: declare ([`declare`], the derives) → assemble and validate ([`assemble`]) →
//! model ([`model`]) → render ([`render`]). Introspection, diffing and migrations live in
//! `schema-migrate`. At run time, [`tenant`] runs work as one tenant.

pub mod assemble;
pub mod declare;
pub mod distributed;
pub mod ident;
pub mod model;
pub mod render;
pub mod rows;
pub mod sql_type;
pub mod tenant;
pub mod triggers;
pub mod types;

pub use assemble::{
    DeclaredSchema, ObjectKind, ObjectRename, Renames, SchemaBuilder, SchemaErrors, TableRename, Violation,
};
pub use declare::{PgEnum, Table, TableDef, Tenancy};
pub use model::Schema;
pub use rows::{Column, Record, RowError};
pub use sql_type::{SqlLiteral, SqlType};
pub use tenant::TenantScope;
#[cfg(feature = "tokio-postgres")]
pub use tenant::with_tenant;
pub use types::{Json, Money, OrganizationId, PasswordHash, Timestamp, TokenHash};

#[cfg(feature = "derive")]
pub use schema_derive::{PgEnum, Table};

pub use postgres_types;
#[cfg(feature = "decimal")]
pub use rust_decimal::{self, Decimal};
pub use sea_query;
pub use time::{self, Date};
pub use uuid::{self, Uuid};

/// Everything a schema module needs: `use schema_core::prelude::*;`
pub mod prelude {
    #[cfg(feature = "decimal")]
    pub use crate::Decimal;
    pub use crate::declare::{PgEnum as _, Table as _};
    pub use crate::rows::Record as _;
    pub use crate::{Date, Json, Money, OrganizationId, PasswordHash, Timestamp, TokenHash, Uuid};
    pub use crate::{DeclaredSchema, SchemaBuilder};
    #[cfg(feature = "derive")]
    pub use crate::{PgEnum, Table};
}

/// Not public API: what the derives' generated code refers to.
#[doc(hidden)]
pub mod __private {
    pub use crate::declare::pg_enum_sql::{enum_accepts, enum_from_sql, enum_to_sql};
    pub use crate::declare::{ColumnKind, ColumnRename, Justification, JustifiedRule, TableDef, Tenancy};
    pub use crate::rows::{Column, ColumnValue, Record, RowError};
    pub use crate::sql_type::{SqlLiteral, SqlType, kind, kind::Facts, rules};
    pub use crate::types::values::pg_enum as sea_query_enum;
    pub use crate::{ident, model};
    pub use bytes::BytesMut;
    pub use postgres_types;
    pub use sea_query;
    pub use std::{boxed::Box, option::Option, string::String, vec::Vec};

    #[cfg(feature = "sqlx")]
    pub use crate::rows::sqlx::Decodes as SqlxDecodes;
    #[cfg(feature = "sqlx")]
    pub use crate::types::sqlx::pg_enum as sqlx_enum;
    #[cfg(feature = "sqlx")]
    pub use sqlx;

    #[cfg(feature = "tokio-postgres")]
    pub use crate::rows::postgres::get as pg_get;
    #[cfg(feature = "tokio-postgres")]
    pub use tokio_postgres;

    // The derives cannot see which features of this crate the user enabled: they wrap the code
    // for an optional integration in these macros, which keep it or drop it by this crate's
    // features.
    pub use crate::{__schema_if_sqlx as if_sqlx, __schema_if_tokio_postgres as if_tokio_postgres};
}

#[doc(hidden)]
#[macro_export]
#[cfg(feature = "sqlx")]
macro_rules! __schema_if_sqlx {
    ($($code:tt)*) => { $($code)* };
}

#[doc(hidden)]
#[macro_export]
#[cfg(not(feature = "sqlx"))]
macro_rules! __schema_if_sqlx {
    ($($code:tt)*) => {};
}

#[doc(hidden)]
#[macro_export]
#[cfg(feature = "tokio-postgres")]
macro_rules! __schema_if_tokio_postgres {
    ($($code:tt)*) => { $($code)* };
}

#[doc(hidden)]
#[macro_export]
#[cfg(not(feature = "tokio-postgres"))]
macro_rules! __schema_if_tokio_postgres {
    ($($code:tt)*) => {};
}
