//! Domains of the schema, read into [`Schema::domains`](schema_core::model::Schema::domains), with
//! their CHECK constraints.

use schema_core::model::{CheckConstraint, ColumnType, Domain};
use tokio_postgres::Row;

use super::InspectError;

pub(super) const SQL: &str = include_str!("domains.sql");

pub(super) fn read(rows: &[Row]) -> Result<Vec<Domain>, InspectError> {
    let mut domains = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get("name")?;
        let data_type = match row.try_get::<_, Option<String>>("enum_name")? {
            Some(enum_name) => ColumnType::Enum(enum_name),
            None => ColumnType::parse(&row.try_get::<_, String>("data_type")?),
        };
        let names: Vec<String> = row.try_get("check_names")?;
        let definitions: Vec<String> = row.try_get("check_definitions")?;
        let mut checks = Vec::with_capacity(names.len());
        for (check, definition) in names.into_iter().zip(definitions) {
            let Some(expression) = super::check_expression(&definition) else {
                return Err(InspectError::Catalog(format!(
                    "cannot read the CHECK constraint {check} of domain {name}: {definition}"
                )));
            };
            checks.push(CheckConstraint {
                name: check,
                expression,
                not_valid: definition.ends_with(" NOT VALID"),
                no_inherit: false,
            });
        }
        domains.push(Domain {
            name,
            data_type,
            collation: row.try_get("collation")?,
            default: row.try_get("default_sql")?,
            not_null: row.try_get("not_null")?,
            checks,
        });
    }
    Ok(domains)
}
