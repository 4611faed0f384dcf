//! `Json<T>`: a typed `jsonb` document.

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind};

/// A `jsonb` column holding a `T`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Json<T>(pub T);

impl<T> SqlType for Json<T> {
    type Kind = kind::Json;
    fn column_type() -> ColumnType {
        ColumnType::Jsonb
    }
}
