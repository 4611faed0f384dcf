//! `Json<T>`: a typed `jsonb` document.

use std::error::Error;
use std::fmt::Debug;
use std::ops::{Deref, DerefMut};

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind};

/// A `jsonb` column holding a `T`, (de)serialized with serde_json.
///
/// Serde-transparent: a `Json<T>` serializes exactly as its `T`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Json<T>(pub T);

/// The only `jsonb` binary format version PostgreSQL has.
const JSONB_VERSION: u8 = 1;

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

fn is_json(ty: &Type) -> bool {
    *ty == Type::JSONB || *ty == Type::JSON
}

impl<T: Serialize + Debug> ToSql for Json<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        if *ty == Type::JSONB {
            out.put_u8(JSONB_VERSION);
        }
        serde_json::to_writer(out.writer(), &self.0)?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        is_json(ty)
    }

    to_sql_checked!();
}

impl<'a, T: DeserializeOwned> FromSql<'a> for Json<T> {
    fn from_sql(ty: &Type, mut raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        if *ty == Type::JSONB {
            match raw.split_first() {
                Some((&JSONB_VERSION, rest)) => raw = rest,
                Some((version, _)) => return Err(format!("unsupported jsonb version {version}").into()),
                None => return Err("empty jsonb value".into()),
            }
        }
        Ok(Json(serde_json::from_slice(raw)?))
    }

    fn accepts(ty: &Type) -> bool {
        is_json(ty)
    }
}

#[diagnostic::do_not_recommend]
impl<T> SqlType for Json<T> {
    type Kind = kind::Json;
    fn column_type() -> ColumnType {
        ColumnType::Jsonb
    }
}
