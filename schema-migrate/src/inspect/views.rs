//! Views and materialized views, read into [`Schema::views`]; a materialized view's indexes come
//! from the index query, shared with tables.

use std::collections::BTreeMap;

use schema_core::model::{Index, View};
use tokio_postgres::Row;

use super::InspectError;

pub(super) const SQL: &str = include_str!("views.sql");

pub(super) struct Read {
    pub views: Vec<View>,
    pub notes: Vec<String>,
}

pub(super) fn read(rows: &[Row], mut indexes: BTreeMap<String, Vec<Index>>) -> Result<Read, InspectError> {
    let mut read = Read {
        views: Vec::new(),
        notes: Vec::new(),
    };
    for row in rows {
        let name: String = row.try_get("name")?;
        let query: String = row.try_get("query")?;
        let mut view = View::new(name.clone(), query);
        view.materialized = row.try_get("materialized")?;
        view.indexes = indexes.remove(&name).unwrap_or_default();
        view.comment = row.try_get("comment")?;
        if let Some(options) = row.try_get::<_, Option<String>>("options")? {
            read.notes.push(format!(
                "view {name} has options ({options}), which the model does not keep"
            ));
        }
        read.views.push(view);
    }
    Ok(read)
}
