//! Running sea-query statements on sqlx with bound values, and reading rows into
//! `#[derive(Table)]` structs (their generated `sqlx::FromRow`).
//!
//! Inside [`TenantScope::run_sqlx`](crate::TenantScope::run_sqlx), these take the scope's
//! connection:
//!
//! ```ignore
//! let open = scope.run_sqlx(&pool, async |conn| {
//!     rows::sqlx::fetch_all::<Invoice>(conn, &Invoice::select()).await
//! }).await?;
//! ```

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, FromRow, PgConnection};

/// `statement` built for Postgres: its SQL and its bound values as sqlx arguments.
pub fn build(statement: &impl QueryStatementWriter) -> Result<(String, PgArguments), sqlx::Error> {
    let (sql, values) = statement.build(PostgresQueryBuilder);
    let mut arguments = PgArguments::default();
    for value in values {
        bind(&mut arguments, value).map_err(sqlx::Error::Encode)?;
    }
    Ok((sql, arguments))
}

/// Every row `statement` returns, each read into an `R`.
pub async fn fetch_all<R>(
    conn: &mut PgConnection,
    statement: &impl QueryStatementWriter,
) -> Result<Vec<R>, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let (sql, arguments) = build(statement)?;
    sqlx::query_as_with::<_, R, _>(&sql, arguments)
        .fetch_all(conn)
        .await
}

/// The one row `statement` returns (an error when it returns none).
pub async fn fetch_one<R>(
    conn: &mut PgConnection,
    statement: &impl QueryStatementWriter,
) -> Result<R, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let (sql, arguments) = build(statement)?;
    sqlx::query_as_with::<_, R, _>(&sql, arguments)
        .fetch_one(conn)
        .await
}

/// The first row `statement` returns, if any.
pub async fn fetch_optional<R>(
    conn: &mut PgConnection,
    statement: &impl QueryStatementWriter,
) -> Result<Option<R>, sqlx::Error>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let (sql, arguments) = build(statement)?;
    sqlx::query_as_with::<_, R, _>(&sql, arguments)
        .fetch_optional(conn)
        .await
}

/// Runs `statement`; the number of rows it inserted, updated or deleted.
pub async fn execute(
    conn: &mut PgConnection,
    statement: &impl QueryStatementWriter,
) -> Result<u64, sqlx::Error> {
    let (sql, arguments) = build(statement)?;
    Ok(sqlx::query_with(&sql, arguments)
        .execute(conn)
        .await?
        .rows_affected())
}

type BoxError = sqlx::error::BoxDynError;

/// A column type sqlx decodes: what the generated `sqlx::FromRow` requires of each field type.
/// A bound on this trait names the row's lifetime and the trait has no supertrait (whose bounds
/// would be checked as written), so a struct with a column type sqlx cannot decode still compiles,
/// without `FromRow`.
#[doc(hidden)]
pub trait Decodes<'r>: Sized {
    /// The column `name` of `row`.
    fn decode_column(row: &'r PgRow, name: &str) -> Result<Self, sqlx::Error>;
}

impl<'r, T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>> Decodes<'r> for T {
    fn decode_column(row: &'r PgRow, name: &str) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get(row, name)
    }
}

fn bind(arguments: &mut PgArguments, value: Value) -> Result<(), BoxError> {
    match value {
        Value::Bool(v) => arguments.add(v),
        Value::TinyInt(v) => arguments.add(v.map(i16::from)),
        Value::SmallInt(v) => arguments.add(v),
        Value::Int(v) => arguments.add(v),
        Value::BigInt(v) => arguments.add(v),
        Value::TinyUnsigned(v) => arguments.add(v.map(i16::from)),
        Value::SmallUnsigned(v) => arguments.add(v.map(i32::from)),
        Value::Unsigned(v) => arguments.add(v.map(i64::from)),
        Value::BigUnsigned(v) => arguments.add(v.map(i64::try_from).transpose()?),
        Value::Float(v) => arguments.add(v),
        Value::Double(v) => arguments.add(v),
        Value::String(v) => arguments.add(v),
        Value::Char(v) => arguments.add(v.map(String::from)),
        Value::Enum(sea_query::OptionEnum::Some(v)) => arguments.add(v.value.into_owned()),
        Value::Enum(sea_query::OptionEnum::None(_)) => arguments.add(None::<String>),
        Value::Bytes(v) => arguments.add(v),
        Value::Json(v) => arguments.add(v.map(|v| *v)),
        Value::TimeDate(v) => arguments.add(v),
        Value::TimeTime(v) => arguments.add(v),
        Value::TimeDateTime(v) => arguments.add(v),
        Value::TimeDateTimeWithTimeZone(v) => arguments.add(v),
        Value::Uuid(v) => arguments.add(v),
        #[cfg(feature = "decimal")]
        Value::Decimal(v) => arguments.add(v),
        Value::Array(ty, values) => bind_array(arguments, ty, values.map(|v| *v)),
        // Variants of features other crates enable on sea-query (chrono, jiff, ...).
        #[allow(unreachable_patterns)]
        other => Err(format!("cannot bind the sea-query value {other:?} on sqlx").into()),
    }
}

/// An array, as a `Vec` of the element type (elements may be NULL).
fn bind_array(
    arguments: &mut PgArguments,
    ty: sea_query::ArrayType,
    values: Option<Vec<Value>>,
) -> Result<(), BoxError> {
    use sea_query::ArrayType as A;

    /// The elements as `Option<T>`, each taken out of its `Value` variant.
    macro_rules! elements {
        ($variant:ident) => {{
            let elements = values
                .map(|values| {
                    values
                        .into_iter()
                        .map(|value| match value {
                            Value::$variant(v) => Ok(v),
                            other => Err(format!("array element {other:?} is not of the array's type")),
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            arguments.add(elements)
        }};
    }
    match ty {
        A::Bool => elements!(Bool),
        A::SmallInt => elements!(SmallInt),
        A::Int => elements!(Int),
        A::BigInt => elements!(BigInt),
        A::Float => elements!(Float),
        A::Double => elements!(Double),
        A::String => elements!(String),
        A::Bytes => elements!(Bytes),
        A::TimeDate => elements!(TimeDate),
        A::TimeDateTimeWithTimeZone => elements!(TimeDateTimeWithTimeZone),
        A::Uuid => elements!(Uuid),
        #[cfg(feature = "decimal")]
        A::Decimal => elements!(Decimal),
        A::Json => {
            let elements: Option<Vec<Option<serde_json::Value>>> = values
                .map(|values| {
                    values
                        .into_iter()
                        .map(|value| match value {
                            Value::Json(v) => Ok(v.map(|v| *v)),
                            other => Err(format!("array element {other:?} is not JSON")),
                        })
                        .collect::<Result<_, _>>()
                })
                .transpose()?;
            arguments.add(elements)
        }
        other => Err(format!("cannot bind an array of {other:?} on sqlx").into()),
    }
}
