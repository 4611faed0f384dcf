//! The app's data access, written only with what `#[derive(Table)]` generates: no SQL and no
//! column name by hand. Every function takes the transaction of a tenant scope
//! ([`TenantScope::run`](schema_core::TenantScope::run) or
//! [`run_sqlx`](schema_core::TenantScope::run_sqlx)), so row-level security confines it to one
//! tenant: another tenant's row is not found, not updated and not deleted.

use schema_core::Record;
use schema_core::rows::{self, RowError};
use schema_core::sea_query::Order;
use schema_core::tenant::Error;
use schema_core::{Money, Uuid};
use tokio_postgres::{Row, Transaction};

use crate::schema::{Invoice, InvoiceStatus};

/// Inserts `new`; the row as stored (with its defaults, identity and generated values).
pub async fn insert<R>(tx: &Transaction<'_>, new: &R::New) -> Result<R, Error>
where
    R: Record + for<'a> TryFrom<&'a Row, Error = RowError>,
{
    rows::postgres::fetch_one(tx, &R::insert(new)).await
}

/// The row with primary key `key`, if the tenant has one.
pub async fn find<R>(tx: &Transaction<'_>, key: &R::PrimaryKey) -> Result<Option<R>, Error>
where
    R: Record + for<'a> TryFrom<&'a Row, Error = RowError>,
{
    rows::postgres::fetch_optional(tx, &R::find(key)).await
}

/// Writes `row` back by its primary key; the row as stored, or `None` when the tenant has no row
/// with that key.
pub async fn update<R>(tx: &Transaction<'_>, row: &R) -> Result<Option<R>, Error>
where
    R: Record + for<'a> TryFrom<&'a Row, Error = RowError>,
{
    rows::postgres::fetch_optional(tx, &row.update()).await
}

/// Deletes the row with primary key `key`; whether the tenant had one.
pub async fn delete<R: Record>(tx: &Transaction<'_>, key: &R::PrimaryKey) -> Result<bool, Error> {
    Ok(rows::postgres::execute(tx, &R::delete(key)).await? == 1)
}

/// Every row of the table the tenant sees.
pub async fn all<R>(tx: &Transaction<'_>) -> Result<Vec<R>, Error>
where
    R: Record + for<'a> TryFrom<&'a Row, Error = RowError>,
{
    rows::postgres::fetch_all(tx, &R::select()).await
}

/// A customer's open invoices of at least `minimum`, soonest due first: a typed filter.
pub async fn open_invoices(
    tx: &Transaction<'_>,
    customer: Uuid,
    minimum: Money,
) -> Result<Vec<Invoice>, Error> {
    let c = Invoice::COLUMNS;
    let mut select = Invoice::select();
    select
        .and_where(c.customer_id.eq(customer))
        .and_where(c.status.eq(InvoiceStatus::Open))
        .and_where(c.total_cents.gte(minimum))
        .order_by(c.due_on, Order::Asc);
    rows::postgres::fetch_all(tx, &select).await
}

/// The same repository on sqlx: each function takes the connection of
/// [`TenantScope::run_sqlx`](schema_core::TenantScope::run_sqlx).
pub mod sqlx {
    use ::sqlx::PgConnection;
    use ::sqlx::postgres::PgRow;
    use schema_core::rows;
    use schema_core::sea_query::Order;
    use schema_core::{Money, Record, Uuid};

    use crate::schema::{Invoice, InvoiceStatus};

    /// Inserts `new`; the row as stored.
    pub async fn insert<R>(conn: &mut PgConnection, new: &R::New) -> Result<R, ::sqlx::Error>
    where
        R: Record + for<'r> ::sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        rows::sqlx::fetch_one(conn, &R::insert(new)).await
    }

    /// The row with primary key `key`, if the tenant has one.
    pub async fn find<R>(conn: &mut PgConnection, key: &R::PrimaryKey) -> Result<Option<R>, ::sqlx::Error>
    where
        R: Record + for<'r> ::sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        rows::sqlx::fetch_optional(conn, &R::find(key)).await
    }

    /// Writes `row` back by its primary key; `None` when the tenant has no row with that key.
    pub async fn update<R>(conn: &mut PgConnection, row: &R) -> Result<Option<R>, ::sqlx::Error>
    where
        R: Record + for<'r> ::sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        rows::sqlx::fetch_optional(conn, &row.update()).await
    }

    /// Deletes the row with primary key `key`; whether the tenant had one.
    pub async fn delete<R: Record>(
        conn: &mut PgConnection,
        key: &R::PrimaryKey,
    ) -> Result<bool, ::sqlx::Error> {
        Ok(rows::sqlx::execute(conn, &R::delete(key)).await? == 1)
    }

    /// Every row of the table the tenant sees.
    pub async fn all<R>(conn: &mut PgConnection) -> Result<Vec<R>, ::sqlx::Error>
    where
        R: Record + for<'r> ::sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        rows::sqlx::fetch_all(conn, &R::select()).await
    }

    /// A customer's open invoices of at least `minimum`, soonest due first.
    pub async fn open_invoices(
        conn: &mut PgConnection,
        customer: Uuid,
        minimum: Money,
    ) -> Result<Vec<Invoice>, ::sqlx::Error> {
        let c = Invoice::COLUMNS;
        let mut select = Invoice::select();
        select
            .and_where(c.customer_id.eq(customer))
            .and_where(c.status.eq(InvoiceStatus::Open))
            .and_where(c.total_cents.gte(minimum))
            .order_by(c.due_on, Order::Asc);
        rows::sqlx::fetch_all(conn, &select).await
    }
}
