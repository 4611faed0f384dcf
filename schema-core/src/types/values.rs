//! The standard types as sea-query values: `From<T> for sea_query::Value`, `Nullable` (so an
//! `Option<T>` converts too) and `ValueType` (so a `Vec<T>` converts to a Postgres array).
//!
//! `Money` is a `BigInt` of cents on this path as on every other: no float is involved.

use sea_query::{ArrayType, ColumnType, Nullable, Value, ValueType, ValueTypeErr};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Json, Money, OrganizationId, PasswordHash, Timestamp, TokenHash};

/// `From`, `Nullable`, `ValueType` and `NotU8` for a type carried as one variant of `Value`.
macro_rules! standard_value {
    ($ty:ty, $variant:ident, $array:ident, $column:expr,
     into: |$v:ident| $into:expr, from: |$x:ident| $from:expr) => {
        impl From<$ty> for Value {
            fn from($v: $ty) -> Value {
                Value::$variant(Some($into))
            }
        }

        impl From<&$ty> for Value {
            fn from(value: &$ty) -> Value {
                Value::from(value.clone())
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::$variant(None)
            }
        }

        impl ValueType for $ty {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                match value {
                    Value::$variant(Some($x)) => $from,
                    _ => Err(ValueTypeErr),
                }
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::$array
            }

            fn column_type() -> ColumnType {
                $column
            }
        }

        impl sea_query::value::postgres_array::NotU8 for $ty {}
    };
}

standard_value!(Money, BigInt, BigInt, ColumnType::BigInteger,
    into: |money| money.cents(), from: |cents| Ok(Money::from_cents(cents)));
standard_value!(OrganizationId, Uuid, Uuid, ColumnType::Uuid,
    into: |id| *id.as_uuid(), from: |uuid| Ok(OrganizationId::from_uuid(uuid)));
standard_value!(Timestamp, TimeDateTimeWithTimeZone, TimeDateTimeWithTimeZone, ColumnType::TimestampWithTimeZone,
    into: |timestamp| *timestamp.as_offset_datetime(),
    from: |datetime| Ok(Timestamp::from_offset_datetime(datetime)));
standard_value!(PasswordHash, String, String, ColumnType::Text,
    into: |hash| hash.into_string(), from: |text| PasswordHash::from_phc(text).map_err(|_| ValueTypeErr));
standard_value!(TokenHash, Bytes, Bytes, ColumnType::Blob,
    into: |hash| hash.as_bytes().to_vec(),
    from: |bytes| <TokenHash as TryFrom<&[u8]>>::try_from(bytes.as_slice()).map_err(|_| ValueTypeErr));

impl<T: Serialize> From<Json<T>> for Value {
    /// # Panics
    ///
    /// When `T`'s `Serialize` fails (a map with non-string keys, a custom impl that errors): such
    /// a value has no JSON form, and serde_json's `json!` panics on it likewise.
    fn from(json: Json<T>) -> Value {
        Value::from(&json)
    }
}

impl<T: Serialize> From<&Json<T>> for Value {
    /// # Panics
    ///
    /// As `From<Json<T>>`.
    fn from(json: &Json<T>) -> Value {
        let document = serde_json::to_value(&json.0).unwrap_or_else(|e| {
            panic!(
                "a Json<{}> column value has no JSON form: {e}",
                std::any::type_name::<T>()
            )
        });
        Value::Json(Some(Box::new(document)))
    }
}

impl<T> Nullable for Json<T> {
    fn null() -> Value {
        Value::Json(None)
    }
}

impl<T: Serialize + DeserializeOwned> ValueType for Json<T> {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        match value {
            Value::Json(Some(document)) => serde_json::from_value(*document)
                .map(Json)
                .map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        format!("Json<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> ArrayType {
        ArrayType::Json
    }

    fn column_type() -> ColumnType {
        ColumnType::JsonBinary
    }
}

impl<T> sea_query::value::postgres_array::NotU8 for Json<T> {}

/// What `#[derive(PgEnum)]` generates refers to these, so the generated code stays small.
pub mod pg_enum {
    use std::borrow::Cow;

    use sea_query::{ArrayType, ColumnType, Value, ValueTypeErr};

    use crate::PgEnum;

    /// The value of `value`: its label with its type's name, which the Postgres query builder
    /// writes as a cast (`$1::"invoice_status"`, `$1::"billing"."status"`) so a bound text
    /// parameter becomes the enum.
    pub fn value<E: PgEnum>(value: &E) -> Value {
        Value::from(sea_query::Enum {
            type_name: type_hint::<E>().into(),
            value: Cow::Borrowed(value.as_label()),
        })
    }

    pub fn null<E: PgEnum>() -> Value {
        Value::Enum(sea_query::OptionEnum::None(type_hint::<E>().into()))
    }

    /// The type's name as the Postgres query builder writes it between one pair of quotes:
    /// `billing"."status` for a type outside `public`, so the cast reads `::"billing"."status"`
    /// (a bare `billing.status` would be one quoted identifier, a type that does not exist).
    fn type_hint<E: PgEnum>() -> String {
        match crate::ident::split_qualified(E::NAME) {
            (Some(namespace), name) => format!("{namespace}\".\"{name}"),
            (None, name) => name.to_owned(),
        }
    }

    pub fn try_from<E: PgEnum>(value: Value) -> Result<E, ValueTypeErr> {
        match value {
            Value::Enum(sea_query::OptionEnum::Some(value)) => {
                E::from_label(&value.value).ok_or(ValueTypeErr)
            }
            Value::String(Some(label)) => E::from_label(&label).ok_or(ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    pub fn array_type<E: PgEnum>() -> ArrayType {
        ArrayType::Enum(Box::new(type_hint::<E>().into()))
    }

    pub fn column_type<E: PgEnum>() -> ColumnType {
        ColumnType::Enum {
            name: sea_query::Alias::new(E::NAME).into_iden(),
            variants: E::VALUES
                .iter()
                .map(|v| sea_query::Alias::new(*v).into_iden())
                .collect(),
        }
    }

    use sea_query::IntoIden;
}
