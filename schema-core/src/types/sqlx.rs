//! The standard types on sqlx (feature `sqlx`): `Type`, `Encode`, `Decode` and `PgHasArrayType`,
//! each delegating to the type it is stored as, with the same checks as the postgres-types path
//! (a `PasswordHash` must be a PHC string, a `TokenHash` 32 bytes). `Money` is an `int8` of cents.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};
use time::OffsetDateTime;

use super::{Json, Money, OrganizationId, PasswordHash, Timestamp, TokenHash};

/// `Type` and `PgHasArrayType` as those of the type it is stored as.
macro_rules! stored_as {
    ($ty:ty, $stored:ty) => {
        impl Type<Postgres> for $ty {
            fn type_info() -> PgTypeInfo {
                <$stored as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <$stored as Type<Postgres>>::compatible(ty)
            }
        }

        impl PgHasArrayType for $ty {
            fn array_type_info() -> PgTypeInfo {
                <$stored as PgHasArrayType>::array_type_info()
            }
        }
    };
}

stored_as!(Money, i64);
stored_as!(OrganizationId, uuid::Uuid);
stored_as!(Timestamp, OffsetDateTime);
stored_as!(PasswordHash, String);
stored_as!(TokenHash, Vec<u8>);

impl Encode<'_, Postgres> for Money {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Postgres>>::encode_by_ref(&self.cents(), buf)
    }
}

impl Decode<'_, Postgres> for Money {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <i64 as Decode<Postgres>>::decode(value).map(Money::from_cents)
    }
}

impl Encode<'_, Postgres> for OrganizationId {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <uuid::Uuid as Encode<Postgres>>::encode_by_ref(self.as_uuid(), buf)
    }
}

impl Decode<'_, Postgres> for OrganizationId {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <uuid::Uuid as Decode<Postgres>>::decode(value).map(OrganizationId::from_uuid)
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode_by_ref(self.as_offset_datetime(), buf)
    }
}

impl Decode<'_, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<Postgres>>::decode(value).map(Timestamp::from_offset_datetime)
    }
}

impl Encode<'_, Postgres> for PasswordHash {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Postgres>>::encode_by_ref(&self.as_str(), buf)
    }
}

impl Decode<'_, Postgres> for PasswordHash {
    /// Fails if the database holds something that is not a PHC hash string.
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Postgres>>::decode(value)?;
        Ok(PasswordHash::from_phc(text)?)
    }
}

impl Encode<'_, Postgres> for TokenHash {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&[u8] as Encode<Postgres>>::encode_by_ref(&self.as_bytes().as_slice(), buf)
    }
}

impl Decode<'_, Postgres> for TokenHash {
    /// Fails unless the value is exactly 32 bytes.
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        let bytes = <&[u8] as Decode<Postgres>>::decode(value)?;
        Ok(TokenHash::try_from(bytes)?)
    }
}

impl<T> Type<Postgres> for Json<T> {
    fn type_info() -> PgTypeInfo {
        <sqlx::types::Json<()> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <sqlx::types::Json<()> as Type<Postgres>>::compatible(ty)
    }
}

impl<T> PgHasArrayType for Json<T> {
    fn array_type_info() -> PgTypeInfo {
        <sqlx::types::Json<()> as PgHasArrayType>::array_type_info()
    }
}

impl<T: Serialize> Encode<'_, Postgres> for Json<T> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <sqlx::types::Json<&T> as Encode<Postgres>>::encode_by_ref(&sqlx::types::Json(&self.0), buf)
    }
}

impl<T: DeserializeOwned> Decode<'_, Postgres> for Json<T> {
    fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <sqlx::types::Json<T> as Decode<Postgres>>::decode(value).map(|json| Json(json.0))
    }
}

/// What `#[derive(PgEnum)]` generates refers to these: an enum is its label, typed as the enum.
pub mod pg_enum {
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
    use sqlx::{Decode, Encode, Postgres};

    use crate::PgEnum;

    pub fn type_info<E: PgEnum>() -> PgTypeInfo {
        PgTypeInfo::with_name(E::NAME)
    }

    pub fn array_type_info<E: PgEnum>() -> PgTypeInfo {
        PgTypeInfo::array_of(E::NAME)
    }

    pub fn encode<E: PgEnum>(value: &E, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Postgres>>::encode_by_ref(&value.as_label(), buf)
    }

    pub fn decode<E: PgEnum>(value: PgValueRef<'_>) -> Result<E, BoxDynError> {
        let label = <&str as Decode<Postgres>>::decode(value)?;
        E::from_label(label).ok_or_else(|| {
            format!(
                "`{label}` is not a label of enum type `{}` (expected one of {:?})",
                E::NAME,
                E::VALUES
            )
            .into()
        })
    }
}
