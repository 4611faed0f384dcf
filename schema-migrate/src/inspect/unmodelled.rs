//! What the model has no place for, read by one catalog query (`unmodelled.sql`) so that it is
//! reported as `not compared` instead of passing unseen: table storage attributes (a column's
//! come with the column query, which scans the attributes anyway), replica identity, comments on
//! constraints, on the indexes behind them and on types other than enums, rules, statistics objects,
//! other schemas, operators, text search objects, casts, languages,
//! access methods, event triggers, publications, foreign-data wrappers and servers, default
//! privileges.

use tokio_postgres::Row;

use super::InspectError;

pub(super) const SQL: &str = include_str!("unmodelled.sql");

/// One note per row, skipping the rows of tables left out of the inspection.
pub(super) fn notes(rows: &[Row], excluded: impl Fn(&str) -> bool) -> Result<Vec<String>, InspectError> {
    let mut notes = Vec::with_capacity(rows.len());
    for row in rows {
        let table: Option<String> = row.try_get("table_name")?;
        if table.as_deref().is_some_and(&excluded) {
            continue;
        }
        let what: String = row.try_get("what")?;
        let name: String = row.try_get("name")?;
        let detail: String = row.try_get("detail")?;
        notes.push(format!("{what} {name} {detail}"));
    }
    Ok(notes)
}
