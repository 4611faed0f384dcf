//! `Timestamp`: an instant, stored as `timestamptz`.

use std::error::Error;
use std::fmt;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind};

/// An instant in UTC (`timestamp with time zone`).
///
/// Displayed and serialized (serde) as an RFC 3339 string, e.g. `2024-05-01T12:30:00.123456Z`.
/// PostgreSQL stores microseconds; finer precision is truncated when written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);

impl Timestamp {
    /// The current instant in UTC, truncated to microseconds (PostgreSQL's precision), so a value
    /// read back from the database equals the one written.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        let micros = now.microsecond();
        Timestamp(now.replace_microsecond(micros).unwrap_or(now))
    }

    /// The instant `datetime` denotes, converted to UTC.
    pub fn from_offset_datetime(datetime: OffsetDateTime) -> Self {
        Timestamp(datetime.to_offset(UtcOffset::UTC))
    }

    pub const fn as_offset_datetime(&self) -> &OffsetDateTime {
        &self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(datetime: OffsetDateTime) -> Self {
        Timestamp::from_offset_datetime(datetime)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.0
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339. Years outside 0000–9999, which RFC 3339 cannot express, fall back to `time`'s
    /// own format rather than failing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(text) => f.pad(&text),
            Err(_) => fmt::Display::fmt(&self.0, f),
        }
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Timestamp {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        OffsetDateTime::from_sql(ty, raw).map(Timestamp::from_offset_datetime)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

#[diagnostic::do_not_recommend]
impl SqlType for Timestamp {
    type Kind = kind::Plain;
    fn column_type() -> ColumnType {
        ColumnType::Timestamptz
    }
}
