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
///
/// A type of your own implements it by naming its column type and its [`kind`]: `Integer`,
/// `Float`, `Decimal`, `Json`, `Text`, `Bytes` or `Plain`. The rules are judged on the kind, so
/// a newtype over `f64` states `kind::Float` and its fields need `float = "..."` like an `f64`.
/// The kinds that satisfy a rule by themselves (`Money`, `PasswordHash`, `TokenHash`) belong to
/// schema-core's types: `Kind<Self>` is implemented for them only, so another type cannot claim
/// them. A kind that does not match `column_type()` (a `Plain` kind for a `double precision`
/// column) is reported by `SchemaBuilder::build`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "no column type for this field",
    note = "use a standard type (`Money`, `OrganizationId`, `Timestamp`, `PasswordHash`, `TokenHash`, `Json<T>`, `Uuid`, `String`, integers, `bool`, `Date`), a `#[derive(PgEnum)]` enum, or implement `schema_core::SqlType`"
)]
pub trait SqlType {
    /// What kind of value this is; the money, float, JSON and secret rules are checked on it.
    type Kind: kind::Kind<Self>;

    /// Whether the column accepts NULL. Only `Option<T>` does.
    const NULLABLE: bool = false;

    /// The column's type.
    fn column_type() -> ColumnType;

    /// The enum type this column needs created first, if any.
    fn enum_type() -> Option<EnumType> {
        None
    }

    /// The previous name of that enum type, if it was renamed or moved.
    fn enum_renamed_from() -> Option<&'static str> {
        None
    }
}

/// Value kinds, as seen by the standards.
pub mod kind {
    /// Answers of [`Kind`].
    pub struct Yes;
    pub struct No;

    /// A kind of value `T` may declare. Sealed, and implemented for the privileged kinds
    /// (`Money`, `PasswordHash`, `TokenHash`) only with schema-core's own types as `T`.
    #[diagnostic::on_unimplemented(
        message = "`{T}` cannot declare the kind `{Self}`: it belongs to schema-core's own type",
        label = "a kind of schema-core's own types",
        note = "a type of your own declares `kind::Integer`, `Float`, `Decimal`, `Json`, `Text`, `Bytes` or `Plain`, the kind of the value it holds; only `Money`, `PasswordHash` and `TokenHash` satisfy the money and secrets rules"
    )]
    pub trait Kind<T: ?Sized>: Facts + sealed::Sealed + sealed::KindOf<T> {}

    /// What the standards need to know about a kind of value, each answer `Yes` or `No`.
    pub trait Facts {
        /// May a column whose name denotes money hold it (`Money`, or a value that is no number)?
        type MoneyOk;
        /// Is it a float (approximate)?
        type Float;
        /// Is it a JSON document?
        type Json;
        /// Is it text or bytes that could be a plaintext secret?
        type Revealing;
        /// Is it a `PasswordHash`?
        type Password;
        /// Is it a `TokenHash`?
        type Token;
        /// Its name, as `TableDef::column_kinds` records it.
        const NAME: &'static str;
    }

    /// `Money`: integer cents.
    pub struct Money;
    /// `PasswordHash`: a PHC string.
    pub struct PasswordHash;
    /// `TokenHash`: a SHA-256 digest.
    pub struct TokenHash;
    /// `i16`/`i32`/`i64`.
    pub struct Integer;
    /// `f32`/`f64`: approximate values.
    pub struct Float;
    /// Arbitrary-precision decimals (`numeric`).
    pub struct Decimal;
    /// `Json<T>`: a `jsonb` document.
    pub struct Json;
    /// `String`: text.
    pub struct Text;
    /// `Vec<u8>`: bytes.
    pub struct Bytes;
    /// Everything else: `bool`, `Uuid`, dates and times, enums, `OrganizationId`.
    pub struct Plain;

    macro_rules! facts {
        ($($kind:ident $name:literal: $money:ident, $float:ident, $json:ident, $revealing:ident, $password:ident, $token:ident;)*) => {$(
            impl Facts for $kind {
                const NAME: &'static str = $name;
                type MoneyOk = $money;
                type Float = $float;
                type Json = $json;
                type Revealing = $revealing;
                type Password = $password;
                type Token = $token;
            }
            impl sealed::Sealed for $kind {}
        )*};
    }

    facts! {
        Integer "integer": No, No, No, No, No, No;
        Float "float": No, Yes, No, No, No, No;
        Decimal "decimal": No, No, No, No, No, No;
        Json "json": Yes, No, Yes, Yes, No, No;
        Text "text": Yes, No, No, Yes, No, No;
        Bytes "bytes": Yes, No, No, Yes, No, No;
        Plain "plain": Yes, No, No, No, No, No;
        Money "money": Yes, No, No, No, No, No;
        PasswordHash "password hash": Yes, No, No, No, Yes, No;
        TokenHash "token hash": Yes, No, No, No, No, Yes;
    }

    // Each impl twice: the sealed `KindOf<T>` makes an impl of `Kind<T>` elsewhere impossible
    // (`impl Kind<MyType> for kind::Money` would otherwise pass the orphan rule).
    macro_rules! kind_for {
        ($(impl$(<$t:ident>)? for $kind:ident: $ty:ty;)*) => {$(
            #[diagnostic::do_not_recommend]
            impl$(<$t: ?Sized>)? Kind<$ty> for $kind {}
            #[diagnostic::do_not_recommend]
            impl$(<$t: ?Sized>)? sealed::KindOf<$ty> for $kind {}
        )*};
    }

    kind_for! {
        impl<T> for Integer: T;
        impl<T> for Float: T;
        impl<T> for Decimal: T;
        impl<T> for Json: T;
        impl<T> for Text: T;
        impl<T> for Bytes: T;
        impl<T> for Plain: T;
        impl for Money: crate::Money;
        impl for Money: Option<crate::Money>;
        impl for PasswordHash: crate::PasswordHash;
        impl for PasswordHash: Option<crate::PasswordHash>;
        impl for TokenHash: crate::TokenHash;
        impl for TokenHash: Option<crate::TokenHash>;
    }

    mod sealed {
        pub trait Sealed {}
        pub trait KindOf<T: ?Sized> {}
    }
}

/// The rules checked through trait bounds on field types, spanned at the field by the derive.
///
/// The rules on a field's kind (money, floats, JSON, secrets) are not here: the derive declares
/// each as a trait local to the field's checks, judged on [`kind::Facts`], so its message can name
/// the column and the type as written and no code elsewhere can implement it. The rules here have
/// a private supertrait: no impl outside schema-core is possible.
pub mod rules {
    use super::SqlType;

    mod sealed {
        pub trait OrganizationId {}
        pub trait Timestamp {}
        pub trait TenantRootKey {}
        pub trait ForeignKey<Pk> {}
        pub trait ForeignKeyColumns<Pk> {}
        pub trait Nullable {}

        impl OrganizationId for crate::OrganizationId {}
        impl TenantRootKey for crate::OrganizationId {}
        #[diagnostic::do_not_recommend]
        impl Timestamp for crate::Timestamp {}
        impl<T> ForeignKey<T> for T {}
        impl<T> ForeignKey<T> for Option<T> {}
        impl<T> Nullable for Option<T> {}
    }

    /// Tenancy: `organization_id` is an `OrganizationId`.
    #[diagnostic::on_unimplemented(
        message = "tenancy rule: `organization_id` must have type `OrganizationId`, not `{Self}`",
        label = "tenant key with the wrong type",
        note = "declare `pub organization_id: schema_core::OrganizationId` (NOT NULL: every tenant row belongs to an organization)"
    )]
    pub trait OrganizationIdColumn: sealed::OrganizationId {}
    #[diagnostic::do_not_recommend]
    impl<T: sealed::OrganizationId + ?Sized> OrganizationIdColumn for T {}

    /// Timestamps: `created_at` and `updated_at` are `Timestamp`.
    #[diagnostic::on_unimplemented(
        message = "timestamps rule: `created_at`/`updated_at` must have type `Timestamp`, not `{Self}`",
        label = "audit timestamp with the wrong type",
        note = "declare it as `schema_core::Timestamp` (timestamptz NOT NULL DEFAULT now())"
    )]
    pub trait TimestampColumn: sealed::Timestamp {}
    #[diagnostic::do_not_recommend]
    impl<T: sealed::Timestamp + ?Sized> TimestampColumn for T {}

    /// Foreign keys: the column's type equals the referenced primary key's type.
    #[diagnostic::on_unimplemented(
        message = "foreign key column type `{Self}` does not match the referenced primary key type `{Pk}`",
        label = "must be `{Pk}` (or `Option<{Pk}>` for an optional reference)",
        note = "a foreign key column has exactly the type of the primary key it references"
    )]
    pub trait ForeignKeyColumn<Pk>: sealed::ForeignKey<Pk> {}

    #[diagnostic::do_not_recommend]
    impl<T: sealed::ForeignKey<Pk> + ?Sized, Pk> ForeignKeyColumn<Pk> for T {}

    /// Composite foreign keys: each column's type equals the referenced key column's type (or is
    /// its `Option`, for `SET NULL` and optional references).
    #[diagnostic::on_unimplemented(
        message = "foreign key columns `{Self}` do not match the referenced primary key `{Pk}`",
        label = "the referenced table's primary key is `{Pk}`",
        note = "list one column per primary key column, in key order, each of the key column's type (or its `Option`)"
    )]
    pub trait ForeignKeyColumns<Pk>: sealed::ForeignKeyColumns<Pk> {}

    macro_rules! foreign_key_columns {
        ($(($($column:ident: $key:ident),+))*) => {$(
            impl<$($column: ForeignKeyColumn<$key>,)+ $($key,)+> sealed::ForeignKeyColumns<($($key,)+)> for ($($column,)+) {}
            impl<$($column: ForeignKeyColumn<$key>,)+ $($key,)+> ForeignKeyColumns<($($key,)+)> for ($($column,)+) {}
        )*};
    }

    foreign_key_columns! {
        (A: PA, B: PB)
        (A: PA, B: PB, C: PC)
        (A: PA, B: PB, C: PC, D: PD)
        (A: PA, B: PB, C: PC, D: PD, E: PE)
        (A: PA, B: PB, C: PC, D: PD, E: PE, F: PF)
    }

    // A one-column key is not a tuple: `foreign_key(columns(a), ...)` references a plain key.
    impl<A: ForeignKeyColumn<P>, P> sealed::ForeignKeyColumns<P> for (A,) {}
    impl<A: ForeignKeyColumn<P>, P> ForeignKeyColumns<P> for (A,) {}

    /// `SET NULL` needs a column that can be NULL.
    #[diagnostic::on_unimplemented(
        message = "nullability rule: `set null` needs a nullable column, but the field has type `{Self}`",
        label = "not an `Option<_>`",
        note = "make the field `Option<_>`, or choose another action: `cascade`, `restrict`, `no action`"
    )]
    pub trait NullableColumn: sealed::Nullable {}

    #[diagnostic::do_not_recommend]
    impl<T: sealed::Nullable + ?Sized> NullableColumn for T {}

    /// The tenant root's primary key is the tenant identifier.
    #[diagnostic::on_unimplemented(
        message = "tenancy rule: the tenant root's primary key must be `id: OrganizationId`, not `{Self}`",
        label = "tenant root key with the wrong type",
        note = "declare `#[column(primary_key)] pub id: schema_core::OrganizationId`"
    )]
    pub trait TenantRootKey: sealed::TenantRootKey {}
    #[diagnostic::do_not_recommend]
    impl<T: sealed::TenantRootKey + ?Sized> TenantRootKey for T {}

    /// Defaults: a string literal is the default of a text column.
    #[diagnostic::on_unimplemented(
        message = "defaults rule: a string default is for a text column, and this column is `{Self}`",
        label = "a string, for a `{Self}` column",
        note = "write the value in the column's type (`default = Money::ZERO`, `default = Status::Draft`), or write the default as SQL: `default_sql = \"...\"`"
    )]
    pub trait TextDefault: Sized {
        fn from_text(text: &'static str) -> Self;
    }

    #[diagnostic::do_not_recommend]
    impl TextDefault for String {
        fn from_text(text: &'static str) -> Self {
            text.to_owned()
        }
    }

    pub fn text_default<T: TextDefault>(text: &'static str) -> T {
        T::from_text(text)
    }

    /// Defaults: an integer literal is the default of an integer column. The literal keeps the
    /// column's own Rust type, so an out-of-range value is still the compiler's error.
    #[diagnostic::on_unimplemented(
        message = "defaults rule: an integer default is for an integer column, and this column is `{Self}`",
        label = "an integer, for a `{Self}` column",
        note = "write the value in the column's type (`default = Money::from_cents(1500)`, `default = Status::Draft`), or write the default as SQL: `default_sql = \"...\"`"
    )]
    pub trait IntegerDefault: Sized {
        type Literal;
        fn from_literal(literal: Self::Literal) -> Self;
    }

    /// Defaults: a decimal literal is the default of a float column (money is never a float).
    #[diagnostic::on_unimplemented(
        message = "defaults rule: a decimal default is for a float column, and this column is `{Self}`",
        label = "a decimal number, for a `{Self}` column",
        note = "money is integer cents: `default = Money::from_cents(150)` for 1.50; another type takes a value of its own, or write the default as SQL: `default_sql = \"...\"`"
    )]
    pub trait FloatDefault: Sized {
        type Literal;
        fn from_literal(literal: Self::Literal) -> Self;
    }

    macro_rules! literal_defaults {
        ($trait:ident: $($ty:ty),*) => {$(
            #[diagnostic::do_not_recommend]
            impl $trait for $ty {
                type Literal = $ty;
                fn from_literal(literal: $ty) -> Self {
                    literal
                }
            }
        )*};
    }
    literal_defaults!(IntegerDefault: i16, i32, i64);
    literal_defaults!(FloatDefault: f32, f64);

    pub fn integer_default<T: IntegerDefault>(literal: T::Literal) -> T {
        T::from_literal(literal)
    }

    pub fn float_default<T: FloatDefault>(literal: T::Literal) -> T {
        T::from_literal(literal)
    }

    pub fn assert_sql_type<T: SqlType + ?Sized>() {}
    pub fn assert_organization_id<T: OrganizationIdColumn + ?Sized>() {}
    pub fn assert_timestamp<T: TimestampColumn + ?Sized>() {}
    pub fn assert_foreign_key<T: ForeignKeyColumn<Pk> + ?Sized, Pk>() {}
    pub fn assert_foreign_key_columns<T: ForeignKeyColumns<Pk> + ?Sized, Pk>() {}
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
    ($($ty:ty => $kind:ident $column:expr),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl SqlType for $ty {
            type Kind = kind::$kind;
            fn column_type() -> ColumnType {
                $column
            }
        }
    )*};
}

plain_sql_type! {
    i16 => Integer ColumnType::SmallInt,
    i32 => Integer ColumnType::Integer,
    i64 => Integer ColumnType::BigInt,
    bool => Plain ColumnType::Boolean,
    String => Text ColumnType::Text,
    uuid::Uuid => Plain ColumnType::Uuid,
    Vec<u8> => Bytes ColumnType::Bytea,
    time::Date => Plain ColumnType::Date,
    time::Time => Plain ColumnType::Time,
    time::PrimitiveDateTime => Plain ColumnType::Timestamp,
    time::OffsetDateTime => Plain ColumnType::Timestamptz,
}

#[diagnostic::do_not_recommend]
impl SqlType for f32 {
    type Kind = kind::Float;
    fn column_type() -> ColumnType {
        ColumnType::Real
    }
}

#[diagnostic::do_not_recommend]
impl SqlType for f64 {
    type Kind = kind::Float;
    fn column_type() -> ColumnType {
        ColumnType::DoublePrecision
    }
}

#[cfg(feature = "decimal")]
#[diagnostic::do_not_recommend]
impl SqlType for rust_decimal::Decimal {
    type Kind = kind::Decimal;
    fn column_type() -> ColumnType {
        ColumnType::Numeric(None)
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType> SqlType for Option<T>
where
    T::Kind: kind::Kind<Option<T>>,
{
    type Kind = T::Kind;
    const NULLABLE: bool = true;
    fn column_type() -> ColumnType {
        T::column_type()
    }
    fn enum_type() -> Option<EnumType> {
        T::enum_type()
    }
    fn enum_renamed_from() -> Option<&'static str> {
        T::enum_renamed_from()
    }
}

/// Arrays: `Vec<T>` is `T[]` for every element type but `u8` (which is `bytea`).
macro_rules! array_sql_type {
    ($($ty:ty),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
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
        #[diagnostic::do_not_recommend]
        impl SqlLiteral for $ty {
            fn sql_literal(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

literal_via_display!(i16, i32, i64, f32, f64);

#[diagnostic::do_not_recommend]
impl SqlLiteral for bool {
    fn sql_literal(&self) -> String {
        if *self { "true" } else { "false" }.to_owned()
    }
}

#[diagnostic::do_not_recommend]
impl SqlLiteral for String {
    fn sql_literal(&self) -> String {
        crate::ident::quote_literal(self)
    }
}

#[diagnostic::do_not_recommend]
impl SqlLiteral for &str {
    fn sql_literal(&self) -> String {
        crate::ident::quote_literal(self)
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlLiteral> SqlLiteral for Option<T> {
    fn sql_literal(&self) -> String {
        match self {
            Some(value) => value.sql_literal(),
            None => "NULL".to_owned(),
        }
    }
}
