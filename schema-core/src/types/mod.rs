//! The standard column types. Each has serde support, postgres-types `ToSql`/`FromSql`,
//! sea-query values (`From<T> for sea_query::Value`, `Nullable`, `ValueType`), sqlx `Type`/
//! `Encode`/`Decode`/`PgHasArrayType` (feature `sqlx`), and a [`SqlType`](crate::SqlType) impl
//! that tells the derive its column type and kind.

mod json;
mod money;
mod organization_id;
mod secret;
#[cfg(feature = "sqlx")]
pub(crate) mod sqlx;
mod timestamp;
pub(crate) mod values;

pub use json::Json;
pub use money::{Money, MoneyError};
pub use organization_id::OrganizationId;
pub use secret::{PasswordHash, PasswordHashError, TokenHash, TokenHashError};
pub use timestamp::Timestamp;
