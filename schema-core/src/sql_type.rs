//! How a Rust field type maps to a column, and the marker traits through which the compiler
//! enforces the standards.
//!
//! `#[derive(Table)]` asks every field type for its column through [`SqlType`]. The standards that
//! depend on a field's type are trait bounds the derive emits at the field: because they are
//! checked by the type system, a type alias or a path-qualified name cannot slip past them, and
//! `#[diagnostic::on_unimplemented]` turns a failed bound into a message that names the rule and
//! the fix.

use crate::model::{ColumnType, EnumType};

/// A Rust type that can be stored in a column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "no column type for this field",
    note = "use a standard type (`Money`, `OrganizationId`, `Timestamp`, `PasswordHash`, `Json<T>`, `Uuid`, `String`, integers, `bool`, `Date`), a `#[derive(PgEnum)]` enum, or implement `schema_core::SqlType`"
)]
pub trait SqlType {
    /// What kind of value this is; the float and JSON rules are checked on it.
    type Kind: kind::Kind;

    /// Whether the column accepts NULL. Only `Option<T>` does.
    const NULLABLE: bool = false;

    /// The column's type.
    fn column_type() -> ColumnType;

    /// The enum type this column needs created first, if any.
    fn enum_type() -> Option<EnumType> {
        None
    }
}

/// Value kinds, as seen by the standards.
pub mod kind {
    /// Sealed marker for the kinds below.
    pub trait Kind: sealed::Sealed {}

    /// Integer cents in `Money`.
    pub struct Money;
    /// `f32`/`f64`: approximate values.
    pub struct Float;
    /// Arbitrary-precision decimals (`numeric`).
    pub struct Decimal;
    /// `Json<T>`: a `jsonb` document.
    pub struct Json;
    /// A one-way hash of a secret (`PasswordHash`, `TokenHash`).
    pub struct SecretHash;
    /// Everything else.
    pub struct Plain;

    impl Kind for Money {}
    impl Kind for Float {}
    impl Kind for Decimal {}
    impl Kind for Json {}
    impl Kind for SecretHash {}
    impl Kind for Plain {}

    mod sealed {
        pub trait Sealed {}
        impl Sealed for super::Money {}
        impl Sealed for super::Float {}
        impl Sealed for super::Decimal {}
        impl Sealed for super::Json {}
        impl Sealed for super::SecretHash {}
        impl Sealed for super::Plain {}
    }
}

/// The rules checked through trait bounds. The derive emits calls to the `assert_*` functions,
/// spanned at the offending field, so a broken rule is reported there.
pub mod rules {
    use super::{SqlType, kind};

    /// Rule 1, money: a field whose name denotes money has type `Money`.
    #[diagnostic::on_unimplemented(
        message = "monetary field must use `Money` (integer cents), not `{Self}`",
        label = "this field's name denotes money",
        note = "money is stored as integer cents: change the type to `schema_core::Money` (or `Option<Money>`); floats and decimals round",
        note = "if this field is not an amount of money, say so: `#[column(not_money = \"why\")]`"
    )]
    pub trait MoneyColumn {}

    /// Rule 1, floats: a float column anywhere states why an approximate value is acceptable.
    #[diagnostic::on_unimplemented(
        message = "float column needs a stated reason: floating-point values are approximate",
        label = "this field is stored as a float",
        note = "use an integer, `Money` or a decimal type, or justify the float: `#[column(float = \"why approximate values are fine here\")]`"
    )]
    pub trait NotFloat {}

    /// Rule 5, JSON: a `Json<T>` column states why its shape cannot be columns.
    #[diagnostic::on_unimplemented(
        message = "JSON column needs a stated reason: prefer typed columns",
        label = "this field is stored as jsonb",
        note = "state why the data cannot be columns: `#[column(json = \"gateway payload shape varies by provider\")]`"
    )]
    pub trait NotJson {}

    /// `json = "..."` is only for JSON columns.
    #[diagnostic::on_unimplemented(
        message = "`json` reason given on a column that is not JSON",
        label = "this field is not `Json<T>`",
        note = "remove `json = \"...\"`, or change the type to `schema_core::Json<T>`"
    )]
    pub trait IsJson {}

    /// `float = "..."` is only for float columns.
    #[diagnostic::on_unimplemented(
        message = "`float` reason given on a column that is not a float",
        label = "this field is not `f32`/`f64`",
        note = "remove `float = \"...\"`"
    )]
    pub trait IsFloat {}

    /// Rule 12, secrets: a field named like a secret stores only a one-way hash.
    #[diagnostic::on_unimplemented(
        message = "secret field must store a hash (`PasswordHash` or `TokenHash`), not `{Self}`",
        label = "this field's name denotes a secret",
        note = "store only a one-way hash: use `schema_core::PasswordHash` for passwords (argon2/bcrypt PHC string) or `schema_core::TokenHash` for API keys and tokens"
    )]
    pub trait SecretColumn {}

    /// Rule 2, tenancy: `organization_id` is an `OrganizationId`.
    #[diagnostic::on_unimplemented(
        message = "`organization_id` must have type `OrganizationId`, not `{Self}`",
        label = "tenant key with the wrong type",
        note = "declare `pub organization_id: schema_core::OrganizationId` (NOT NULL: every tenant row belongs to an organization)"
    )]
    pub trait OrganizationIdColumn {}

    /// Rule 3, timestamps: `created_at` and `updated_at` are `Timestamp`.
    #[diagnostic::on_unimplemented(
        message = "`created_at`/`updated_at` must have type `Timestamp`, not `{Self}`",
        label = "audit timestamp with the wrong type",
        note = "declare it as `schema_core::Timestamp` (timestamptz NOT NULL DEFAULT now())"
    )]
    pub trait TimestampColumn {}

    /// Rule 9, foreign keys: the column's type equals the referenced primary key's type.
    #[diagnostic::on_unimplemented(
        message = "foreign key column type `{Self}` does not match the referenced primary key type `{Pk}`",
        label = "must be `{Pk}` (or `Option<{Pk}>` for an optional reference)",
        note = "a foreign key column has exactly the type of the primary key it references"
    )]
    pub trait ForeignKeyColumn<Pk> {}

    impl<T> ForeignKeyColumn<T> for T {}
    impl<T> ForeignKeyColumn<T> for Option<T> {}

    /// `ON DELETE SET NULL` needs a column that can be NULL.
    #[diagnostic::on_unimplemented(
        message = "`on_delete = \"set null\"` needs a nullable column, but the field has type `{Self}`",
        label = "not an `Option<_>`",
        note = "make the field `Option<_>`, or choose another action: `cascade`, `restrict`, `no action`"
    )]
    pub trait NullableColumn {}

    impl<T> NullableColumn for Option<T> {}

    /// The tenant root's primary key is the tenant identifier.
    #[diagnostic::on_unimplemented(
        message = "the tenant root's primary key must be `id: OrganizationId`, not `{Self}`",
        label = "tenant root key with the wrong type",
        note = "declare `#[column(primary_key)] pub id: schema_core::OrganizationId`"
    )]
    pub trait TenantRootKey {}

    impl<K> NotFloat for K where K: NotFloatKind {}
    impl<K> NotJson for K where K: NotJsonKind {}

    /// Kinds that are not floats.
    pub trait NotFloatKind {}
    impl NotFloatKind for kind::Money {}
    impl NotFloatKind for kind::Decimal {}
    impl NotFloatKind for kind::Json {}
    impl NotFloatKind for kind::SecretHash {}
    impl NotFloatKind for kind::Plain {}

    /// Kinds that are not JSON.
    pub trait NotJsonKind {}
    impl NotJsonKind for kind::Money {}
    impl NotJsonKind for kind::Decimal {}
    impl NotJsonKind for kind::Float {}
    impl NotJsonKind for kind::SecretHash {}
    impl NotJsonKind for kind::Plain {}

    impl IsJson for kind::Json {}
    impl IsFloat for kind::Float {}

    pub fn assert_sql_type<T: SqlType + ?Sized>() {}
    pub fn assert_money<T: MoneyColumn + ?Sized>() {}
    pub fn assert_not_float<T: SqlType + ?Sized>()
    where
        T::Kind: NotFloat,
    {
    }
    pub fn assert_float<T: SqlType + ?Sized>()
    where
        T::Kind: IsFloat,
    {
    }
    pub fn assert_not_json<T: SqlType + ?Sized>()
    where
        T::Kind: NotJson,
    {
    }
    pub fn assert_json<T: SqlType + ?Sized>()
    where
        T::Kind: IsJson,
    {
    }
    pub fn assert_secret<T: SecretColumn + ?Sized>() {}
    pub fn assert_organization_id<T: OrganizationIdColumn + ?Sized>() {}
    pub fn assert_timestamp<T: TimestampColumn + ?Sized>() {}
    pub fn assert_foreign_key<T: ForeignKeyColumn<Pk> + ?Sized, Pk>() {}
    pub fn assert_nullable<T: NullableColumn + ?Sized>() {}
    pub fn assert_tenant_root_key<T: TenantRootKey + ?Sized>() {}
}

/// A value that can be written as an SQL literal, for typed `#[column(default = ...)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no SQL literal form for `#[column(default = ...)]`",
    label = "typed default of a type without `SqlLiteral`",
    note = "write the default as SQL instead: `#[column(default_sql = \"...\")]`"
)]
pub trait SqlLiteral {
    /// The value as an SQL expression, e.g. `0`, `'draft'`, `true`.
    fn sql_literal(&self) -> String;
}

macro_rules! plain_sql_type {
    ($($ty:ty => $column:expr),* $(,)?) => {$(
        impl SqlType for $ty {
            type Kind = kind::Plain;
            fn column_type() -> ColumnType {
                $column
            }
        }
    )*};
}

plain_sql_type! {
    i16 => ColumnType::SmallInt,
    i32 => ColumnType::Integer,
    i64 => ColumnType::BigInt,
    bool => ColumnType::Boolean,
    String => ColumnType::Text,
    uuid::Uuid => ColumnType::Uuid,
    Vec<u8> => ColumnType::Bytea,
    time::Date => ColumnType::Date,
    time::Time => ColumnType::Time,
    time::PrimitiveDateTime => ColumnType::Timestamp,
    time::OffsetDateTime => ColumnType::Timestamptz,
}

impl SqlType for f32 {
    type Kind = kind::Float;
    fn column_type() -> ColumnType {
        ColumnType::Real
    }
}

impl SqlType for f64 {
    type Kind = kind::Float;
    fn column_type() -> ColumnType {
        ColumnType::DoublePrecision
    }
}

#[cfg(feature = "decimal")]
impl SqlType for rust_decimal::Decimal {
    type Kind = kind::Decimal;
    fn column_type() -> ColumnType {
        ColumnType::Numeric(None)
    }
}

impl<T: SqlType> SqlType for Option<T> {
    type Kind = T::Kind;
    const NULLABLE: bool = true;
    fn column_type() -> ColumnType {
        T::column_type()
    }
    fn enum_type() -> Option<EnumType> {
        T::enum_type()
    }
}

/// Arrays: `Vec<T>` is `T[]` for every element type but `u8` (which is `bytea`).
macro_rules! array_sql_type {
    ($($ty:ty),* $(,)?) => {$(
        impl SqlType for Vec<$ty> {
            type Kind = <$ty as SqlType>::Kind;
            fn column_type() -> ColumnType {
                ColumnType::Array(Box::new(<$ty as SqlType>::column_type()))
            }
        }
    )*};
}

array_sql_type!(i16, i32, i64, f32, f64, bool, String, uuid::Uuid, time::Date);

macro_rules! literal_via_display {
    ($($ty:ty),*) => {$(
        impl SqlLiteral for $ty {
            fn sql_literal(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

literal_via_display!(i16, i32, i64, f32, f64);

impl SqlLiteral for bool {
    fn sql_literal(&self) -> String {
        if *self { "true" } else { "false" }.to_owned()
    }
}

impl SqlLiteral for String {
    fn sql_literal(&self) -> String {
        crate::ident::quote_literal(self)
    }
}

impl SqlLiteral for &str {
    fn sql_literal(&self) -> String {
        crate::ident::quote_literal(self)
    }
}

impl<T: SqlLiteral> SqlLiteral for Option<T> {
    fn sql_literal(&self) -> String {
        match self {
            Some(value) => value.sql_literal(),
            None => "NULL".to_owned(),
        }
    }
}
