//! `OrganizationId`: the tenant identifier.

use std::error::Error;
use std::fmt;
use std::str::FromStr;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind};

/// The identifier of an organization (the tenant), a UUID (`uuid`).
///
/// Serialized (serde) and displayed as the hyphenated UUID string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct OrganizationId(uuid::Uuid);

impl OrganizationId {
    /// A fresh identifier: a time-ordered UUIDv7, so new organizations sort (and index) by
    /// creation time.
    #[allow(clippy::new_without_default)] // a random `Default` would be surprising
    pub fn new() -> Self {
        OrganizationId(uuid::Uuid::now_v7())
    }

    pub const fn from_uuid(uuid: uuid::Uuid) -> Self {
        OrganizationId(uuid)
    }

    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl From<uuid::Uuid> for OrganizationId {
    fn from(uuid: uuid::Uuid) -> Self {
        OrganizationId(uuid)
    }
}

impl From<OrganizationId> for uuid::Uuid {
    fn from(id: OrganizationId) -> Self {
        id.0
    }
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for OrganizationId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(OrganizationId)
    }
}

impl ToSql for OrganizationId {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for OrganizationId {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        uuid::Uuid::from_sql(ty, raw).map(OrganizationId)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }
}

#[diagnostic::do_not_recommend]
impl SqlType for OrganizationId {
    type Kind = kind::Plain;
    fn column_type() -> ColumnType {
        ColumnType::Uuid
    }
}
