//! `Timestamp`: an instant, stored as `timestamptz`.

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind, rules};

/// An instant in UTC (`timestamp with time zone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(time::OffsetDateTime);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(time::OffsetDateTime::now_utc())
    }
}

impl SqlType for Timestamp {
    type Kind = kind::Plain;
    fn column_type() -> ColumnType {
        ColumnType::Timestamptz
    }
}

impl rules::TimestampColumn for Timestamp {}
