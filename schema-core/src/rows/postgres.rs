//! Running sea-query statements on tokio-postgres with bound values, and reading rows into
//! `#[derive(Table)]` structs.
//!
//! Inside a tenant scope, these take the scope's transaction:
//!
//! ```ignore
//! let open = TenantScope::new(org).run(&mut client, async |tx| {
//!     let mut select = Invoice::select();
//!     select.and_where(Invoice::COLUMNS.status.eq(InvoiceStatus::Open));
//!     rows::postgres::fetch_all::<Invoice>(tx, &select).await
//! }).await?;
//! ```

use std::error::Error as StdError;

use bytes::{BufMut, BytesMut};
use postgres_types::{IsNull, Kind, ToSql, Type};
use sea_query::{PostgresQueryBuilder, QueryStatementWriter, Value};
use tokio_postgres::{GenericClient, Row};

use super::RowError;
use crate::tenant::Error;

type BoxError = Box<dyn StdError + Sync + Send>;

/// One bound value of a built statement, as tokio-postgres writes it.
#[derive(Debug)]
pub struct Param(Value);

/// `statement` built for Postgres: its SQL and its bound values.
pub fn build(statement: &impl QueryStatementWriter) -> (String, Vec<Param>) {
    let (sql, values) = statement.build(PostgresQueryBuilder);
    (sql, values.into_iter().map(Param).collect())
}

fn params(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// Every row `statement` returns, each read into an `R`.
pub async fn fetch_all<R>(
    client: &impl GenericClient,
    statement: &impl QueryStatementWriter,
) -> Result<Vec<R>, Error>
where
    R: for<'a> TryFrom<&'a Row, Error = RowError>,
{
    let (sql, bound) = build(statement);
    let rows = client.query(&sql, &params(&bound)).await?;
    Ok(rows.iter().map(R::try_from).collect::<Result<_, _>>()?)
}

/// The one row `statement` returns (an error when it returns none or several).
pub async fn fetch_one<R>(
    client: &impl GenericClient,
    statement: &impl QueryStatementWriter,
) -> Result<R, Error>
where
    R: for<'a> TryFrom<&'a Row, Error = RowError>,
{
    let (sql, bound) = build(statement);
    let row = client.query_one(&sql, &params(&bound)).await?;
    Ok(R::try_from(&row)?)
}

/// The row `statement` returns, if any (an error when it returns several).
pub async fn fetch_optional<R>(
    client: &impl GenericClient,
    statement: &impl QueryStatementWriter,
) -> Result<Option<R>, Error>
where
    R: for<'a> TryFrom<&'a Row, Error = RowError>,
{
    let (sql, bound) = build(statement);
    let row = client.query_opt(&sql, &params(&bound)).await?;
    Ok(row.as_ref().map(R::try_from).transpose()?)
}

/// Runs `statement`; the number of rows it inserted, updated or deleted.
pub async fn execute(
    client: &impl GenericClient,
    statement: &impl QueryStatementWriter,
) -> Result<u64, Error> {
    let (sql, bound) = build(statement);
    Ok(client.execute(&sql, &params(&bound)).await?)
}

/// A column of `row`, by name; the error names the table and the column.
#[doc(hidden)]
pub fn get<'a, T: postgres_types::FromSql<'a>>(
    row: &'a Row,
    table: &'static str,
    column: &'static str,
) -> Result<T, RowError> {
    row.try_get(column).map_err(|source| RowError {
        table,
        column,
        source: Box::new(source),
    })
}

/// Text-like types a string binds to: text, and every enum (whose binary form is its label).
fn takes_text(ty: &Type) -> bool {
    matches!(ty.kind(), Kind::Enum(_)) || <&str as ToSql>::accepts(ty)
}

impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        write(&self.0, ty, out)
    }

    /// Each value checks its own type when written (in [`ToSql::to_sql_checked`]).
    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        write(&self.0, ty, out)
    }
}

/// `value` as a parameter of type `ty`, checked like tokio-postgres checks its own types.
fn write(value: &Value, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    fn some<T: ToSql>(value: &Option<T>, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match value {
            Some(value) => value.to_sql_checked(ty, out),
            None => Ok(IsNull::Yes),
        }
    }
    match value {
        Value::Bool(v) => some(v, ty, out),
        Value::TinyInt(v) => some(&v.map(i16::from), ty, out),
        Value::SmallInt(v) => some(v, ty, out),
        Value::Int(v) => some(v, ty, out),
        Value::BigInt(v) => some(v, ty, out),
        Value::TinyUnsigned(v) => some(&v.map(i16::from), ty, out),
        Value::SmallUnsigned(v) => some(&v.map(i32::from), ty, out),
        Value::Unsigned(v) => some(v, ty, out),
        Value::BigUnsigned(v) => match v {
            Some(v) => i64::try_from(*v)?.to_sql_checked(ty, out),
            None => Ok(IsNull::Yes),
        },
        Value::Float(v) => some(v, ty, out),
        Value::Double(v) => some(v, ty, out),
        Value::String(v) => write_text(v.as_deref(), ty, out),
        Value::Char(v) => write_text(v.map(String::from).as_deref(), ty, out),
        Value::Enum(sea_query::OptionEnum::Some(v)) => write_text(Some(&v.value), ty, out),
        Value::Enum(sea_query::OptionEnum::None(_)) => Ok(IsNull::Yes),
        Value::Bytes(v) => some(v, ty, out),
        Value::Json(v) => some(&v.as_deref(), ty, out),
        Value::TimeDate(v) => some(v, ty, out),
        Value::TimeTime(v) => some(v, ty, out),
        Value::TimeDateTime(v) => some(v, ty, out),
        Value::TimeDateTimeWithTimeZone(v) => some(v, ty, out),
        Value::Uuid(v) => some(v, ty, out),
        #[cfg(feature = "decimal")]
        Value::Decimal(v) => some(v, ty, out),
        Value::Array(_, None) => Ok(IsNull::Yes),
        Value::Array(_, Some(values)) => {
            if !matches!(ty.kind(), Kind::Array(_)) {
                return Err(format!("cannot bind an array to a parameter of type `{ty}`").into());
            }
            let elements: Vec<Param> = values.iter().cloned().map(Param).collect();
            elements.to_sql(ty, out)
        }
        // Variants of features other crates enable on sea-query (chrono, jiff, ...).
        #[allow(unreachable_patterns)]
        other => Err(format!("cannot bind the sea-query value {other:?} on tokio-postgres").into()),
    }
}

fn write_text(value: Option<&str>, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    match value {
        None => Ok(IsNull::Yes),
        Some(_) if !takes_text(ty) => {
            Err(format!("cannot bind a string to a parameter of type `{ty}`").into())
        }
        Some(text) => {
            out.put_slice(text.as_bytes());
            Ok(IsNull::No)
        }
    }
}
