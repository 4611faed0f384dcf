//! Extensions, read into [`Schema::extensions`](schema_core::model::Schema::extensions). What an
//! extension creates (types, functions, operators) is its own and left out of every other query;
//! the types it made are kept aside ([`Read::types`]) so a plan can tell which columns use it.

use std::collections::BTreeMap;

use schema_core::model::Extension;
use tokio_postgres::Row;

use super::InspectError;

pub(super) const SQL: &str = include_str!("extensions.sql");

pub(super) struct Read {
    pub extensions: Vec<Extension>,
    /// Each type an extension made (as `format_type` prints it), with the extension.
    pub types: BTreeMap<String, String>,
}

pub(super) fn read(rows: &[Row]) -> Result<Read, InspectError> {
    let mut read = Read {
        extensions: Vec::with_capacity(rows.len()),
        types: BTreeMap::new(),
    };
    for row in rows {
        let name: String = row.try_get("name")?;
        for ty in row.try_get::<_, Vec<String>>("types")? {
            read.types.insert(ty, name.clone());
        }
        read.extensions.push(Extension {
            name,
            schema: row.try_get("schema")?,
            version: row.try_get("version")?,
        });
    }
    Ok(read)
}
