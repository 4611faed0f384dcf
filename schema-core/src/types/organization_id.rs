//! `OrganizationId`: the tenant identifier.

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind, rules};

/// The identifier of an organization (the tenant), a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrganizationId(uuid::Uuid);

impl OrganizationId {
    pub const fn from_uuid(uuid: uuid::Uuid) -> Self {
        OrganizationId(uuid)
    }

    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl SqlType for OrganizationId {
    type Kind = kind::Plain;
    fn column_type() -> ColumnType {
        ColumnType::Uuid
    }
}

impl rules::OrganizationIdColumn for OrganizationId {}
impl rules::TenantRootKey for OrganizationId {}
