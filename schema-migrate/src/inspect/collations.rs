//! Collations of the schema, read into [`Schema::collations`](schema_core::model::Schema::collations).

use schema_core::model::Collation;
use tokio_postgres::Row;

use super::InspectError;

pub(super) const SQL: &str = include_str!("collations.sql");

pub(super) struct Read {
    pub collations: Vec<Collation>,
    pub notes: Vec<String>,
}

pub(super) fn read(rows: &[Row]) -> Result<Read, InspectError> {
    let mut read = Read {
        collations: Vec::with_capacity(rows.len()),
        notes: Vec::new(),
    };
    for row in rows {
        let name: String = row.try_get("name")?;
        let provider: String = row.try_get("provider")?;
        let deterministic: bool = row.try_get("deterministic")?;
        let collation = match provider.as_str() {
            "i" => Collation {
                deterministic,
                ..Collation::icu(
                    name,
                    row.try_get::<_, Option<String>>("icu_locale")?
                        .unwrap_or_default(),
                )
            },
            "c" => {
                let collate: Option<String> = row.try_get("lc_collate")?;
                let ctype: Option<String> = row.try_get("lc_ctype")?;
                let collate = collate.unwrap_or_default();
                Collation {
                    ctype: ctype.filter(|c| *c != collate),
                    deterministic,
                    ..Collation::libc(name, collate)
                }
            }
            other => {
                read.notes.push(format!(
                    "collation {name} has provider {other:?}, which the model cannot represent"
                ));
                continue;
            }
        };
        read.collations.push(collation);
    }
    Ok(read)
}
