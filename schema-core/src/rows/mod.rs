//! The declared struct is the row: typed columns and sea-query statements for every
//! `#[derive(Table)]` struct, and running them on tokio-postgres ([`postgres`]) and sqlx
//! ([`sqlx`](mod@self::sqlx)).
//!
//! For a table `Invoice` the derive generates:
//! - `NewInvoice`, the row to insert: one field per column the application writes. Identity and
//!   generated columns are not in it (the database computes them); the columns with a default
//!   (`default`, `default_sql`, `created_at`/`updated_at`) are grouped in its `defaults:
//!   NewInvoiceDefaults` field, whose fields are `Option`s (`None`: the database default) and
//!   which is `Default`, so `defaults: Default::default()` leaves them all out. A missing required
//!   column is then a compile error (E0063), not a NULL at run time.
//! - `InvoiceColumns`, the typed columns, as `Invoice::COLUMNS.total_cents`: a filter on a column
//!   takes a value of the column's type, so `Invoice::COLUMNS.total_cents.gt(5)` does not compile
//!   (`Money::from_cents(5)` does).
//! - `impl Record for Invoice`: the column names in declaration order, and `select`, `find`,
//!   `insert`, `update` and `delete` returning sea-query statements to extend and build.
//! - `TryFrom<&tokio_postgres::Row>` (feature `tokio-postgres`) and `sqlx::FromRow` (feature
//!   `sqlx`), by column name.

use std::marker::PhantomData;

use sea_query::{
    ColumnName, Cond, DeleteStatement, Expr, ExprTrait, InsertStatement, Query, SelectStatement, TableRef,
    UpdateStatement, Value,
};

use crate::declare::Table;

#[cfg(feature = "tokio-postgres")]
pub mod postgres;
#[cfg(feature = "sqlx")]
pub mod sqlx;

/// A `#[derive(Table)]` struct as a row: its columns, and statements on its table.
///
/// Every statement refers to the table by its typed identifiers and binds every value; build it
/// with `sea_query::PostgresQueryBuilder` or run it with [`postgres`] / [`sqlx`](mod@self::sqlx)
/// (or [`TenantScope`](crate::TenantScope)'s `fetch_*`/`execute` helpers).
pub trait Record: Table + Sized {
    /// The row to insert, `New<Struct>`.
    type New;
    /// The typed columns, `<Struct>Columns`.
    type Columns: 'static;

    /// The typed columns: `Invoice::COLUMNS.total_cents`.
    const COLUMNS: Self::Columns;
    /// The column names, in declaration order.
    const COLUMN_NAMES: &'static [&'static str];
    /// The column identifiers, in declaration order.
    const COLUMN_IDENS: &'static [Self::Iden];
    /// The table's identifier.
    const TABLE_IDEN: Self::Iden;

    /// The columns `new` writes, with their values: the required ones, and those of the
    /// defaulted ones that are set.
    fn insert_values(new: &Self::New) -> Vec<(Self::Iden, Value)>;
    /// Every column an update writes (all but the key, identity and generated columns), with
    /// this row's values.
    fn update_values(&self) -> Vec<(Self::Iden, Value)>;
    /// The key columns with `key`'s values, in key order.
    fn key_values(key: &Self::PrimaryKey) -> Vec<(Self::Iden, Value)>;
    /// This row's primary key.
    fn key(&self) -> Self::PrimaryKey;

    /// The table, schema-qualified outside `public` (`"billing"."invoices"`): every statement
    /// names it so, whatever the session's `search_path`. Columns are qualified by the bare
    /// table name, which is how Postgres names a table of the FROM list.
    fn table_ref() -> TableRef {
        match crate::ident::split_qualified(<Self as Table>::NAME) {
            (Some(namespace), _) => (namespace, Self::TABLE_IDEN).into(),
            (None, _) => Self::TABLE_IDEN.into(),
        }
    }

    /// `SELECT <every column, qualified> FROM <table>`.
    fn select() -> SelectStatement {
        let mut select = Query::select();
        select
            .columns(Self::COLUMN_IDENS.iter().map(|c| (Self::TABLE_IDEN, *c)))
            .from(Self::table_ref());
        select
    }

    /// [`Record::select`] of the row with primary key `key`.
    fn find(key: &Self::PrimaryKey) -> SelectStatement {
        let mut select = Self::select();
        select.cond_where(key_condition::<Self>(key));
        select
    }

    /// `INSERT INTO <table> (<what new sets>) VALUES (...) RETURNING <every column>`: the row as
    /// stored, with its defaults, identity and generated values.
    fn insert(new: &Self::New) -> InsertStatement {
        let (columns, values): (Vec<_>, Vec<_>) = Self::insert_values(new)
            .into_iter()
            .map(|(column, value)| (column, Expr::val(value)))
            .unzip();
        let mut insert = Query::insert();
        insert.into_table(Self::table_ref());
        if columns.is_empty() {
            insert.or_default_values();
        } else {
            // As many values as columns, by construction: `values_panic` cannot panic here.
            insert.columns(columns).values_panic(values);
        }
        insert.returning(Query::returning().columns(Self::COLUMN_IDENS.iter().copied()));
        insert
    }

    /// `UPDATE <table> SET <every written column> = <this row's value> WHERE <key> = <this row's
    /// key> RETURNING <every column>`.
    fn update(&self) -> UpdateStatement {
        let mut update = Query::update();
        update
            .table(Self::table_ref())
            .values(
                self.update_values()
                    .into_iter()
                    .map(|(column, value)| (column, Expr::val(value))),
            )
            .cond_where(key_condition::<Self>(&self.key()))
            .returning(Query::returning().columns(Self::COLUMN_IDENS.iter().copied()));
        update
    }

    /// `DELETE FROM <table> WHERE <key> = key`.
    fn delete(key: &Self::PrimaryKey) -> DeleteStatement {
        let mut delete = Query::delete();
        delete
            .from_table(Self::table_ref())
            .cond_where(key_condition::<Self>(key));
        delete
    }
}

/// A column type that typed statements can bind: it converts into a `sea_query::Value`.
///
/// The lifetime only keeps the generated `impl Record` bounds on the field types from being
/// "trivial" (so a struct with a column type that has no sea-query value still compiles, without
/// typed statements, and the error shows where they are used). Implement `From<T> for
/// sea_query::Value` and `Clone` for a type of your own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no sea-query value, so typed statements cannot bind it",
    label = "used in a typed statement",
    note = "implement `Clone` and `From<{Self}> for sea_query::Value` (and `sea_query::Nullable` for `Option<{Self}>`)"
)]
pub trait ColumnValue<'a> {
    fn to_value(&self) -> Value;
}

impl<T: Into<Value> + Clone> ColumnValue<'_> for T {
    fn to_value(&self) -> Value {
        self.clone().into()
    }
}

/// `<key column> = <value> AND ...` for every key column, qualified by the table. A table always
/// has a primary key (the derive requires one), so this never matches every row.
fn key_condition<R: Record>(key: &R::PrimaryKey) -> Cond {
    R::key_values(key)
        .into_iter()
        .fold(Cond::all(), |cond, (column, value)| {
            cond.add(Expr::col((R::TABLE_IDEN, column)).eq(value))
        })
}

/// A column of table `R` holding a `T`: comparisons take a `T`, so a filter with a value of
/// another type does not compile. It converts into a sea-query column (qualified by its table)
/// for `order_by`, `group_by`, joins and `Expr::col`.
pub struct Column<R: Table, T> {
    iden: R::Iden,
    ty: PhantomData<fn() -> T>,
}

impl<R: Table, T> Clone for Column<R, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: Table, T> Copy for Column<R, T> {}

impl<R: Table, T> std::fmt::Debug for Column<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({}.{})", R::NAME, sea_query::Iden::unquoted(&self.iden))
    }
}

impl<R: Table, T> Column<R, T> {
    #[doc(hidden)]
    pub const fn new(iden: R::Iden) -> Self {
        Column {
            iden,
            ty: PhantomData,
        }
    }
}

impl<R: Record, T: Into<Value>> Column<R, T> {
    /// The column's identifier.
    pub fn iden(self) -> R::Iden {
        self.iden
    }

    /// The column's name in Postgres.
    pub fn name(&self) -> &str {
        sea_query::Iden::unquoted(&self.iden)
    }

    /// The column as an expression, `"table"."column"`.
    pub fn expr(self) -> Expr {
        Expr::col(self)
    }

    /// `column = value`.
    pub fn eq(self, value: T) -> Expr {
        self.expr().eq(value.into())
    }

    /// `column <> value`.
    pub fn ne(self, value: T) -> Expr {
        self.expr().ne(value.into())
    }

    /// `column < value`.
    pub fn lt(self, value: T) -> Expr {
        self.expr().lt(value.into())
    }

    /// `column <= value`.
    pub fn lte(self, value: T) -> Expr {
        self.expr().lte(value.into())
    }

    /// `column > value`.
    pub fn gt(self, value: T) -> Expr {
        self.expr().gt(value.into())
    }

    /// `column >= value`.
    pub fn gte(self, value: T) -> Expr {
        self.expr().gte(value.into())
    }

    /// `column IN (values...)`.
    pub fn is_in(self, values: impl IntoIterator<Item = T>) -> Expr {
        self.expr().is_in(values.into_iter().map(Into::into))
    }

    /// `column IS NULL`.
    pub fn is_null(self) -> Expr {
        self.expr().is_null()
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        self.expr().is_not_null()
    }

    /// `(column, value)`, for `UpdateStatement::values` and `OnConflict` updates.
    pub fn set(self, value: T) -> (R::Iden, Expr) {
        (self.iden, Expr::val(value))
    }
}

impl<R: Record, T> From<Column<R, T>> for ColumnName {
    fn from(column: Column<R, T>) -> ColumnName {
        (R::TABLE_IDEN, column.iden).into()
    }
}

/// A row that could not be read into its struct: the table, the column, and what went wrong.
#[derive(Debug)]
pub struct RowError {
    pub table: &'static str,
    pub column: &'static str,
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for RowError {
    /// One line: the column, then every cause (a driver's error often says only "error
    /// deserializing column 3" and keeps the reason in its source).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reading column `{}` of table `{}`: {}",
            self.column, self.table, self.source
        )?;
        let mut cause = self.source.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl std::error::Error for RowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}
