//! Sequences: free ones and ones owned by a column, read into [`Schema::sequences`]. The
//! sequences behind identity and serial columns are their columns' (`Identity`), not listed.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::model::{ColumnRef, ColumnType, ResolvedSequenceOptions, Sequence, SequenceOptions};
use tokio_postgres::Row;

use super::InspectError;

pub(super) const SQL: &str = include_str!("sequences.sql");

/// What the rows hold: the sequences, and notes on what the model cannot keep of the others.
pub(super) struct Read {
    pub sequences: Vec<Sequence>,
    /// Serial columns and the roles that may use their sequence.
    pub serial_usage: Vec<(ColumnRef, Vec<String>)>,
    /// The serial columns: integer columns whose default takes values from a sequence they own.
    pub serials: BTreeSet<ColumnRef>,
    /// The options of identity columns' sequences, by column.
    pub identities: BTreeMap<ColumnRef, ResolvedSequenceOptions>,
    pub notes: Vec<String>,
}

pub(super) fn read(
    rows: &[Row],
    schemas: &[String],
    excluded: impl Fn(&str) -> bool,
) -> Result<Read, InspectError> {
    let mut read = Read {
        sequences: Vec::new(),
        serial_usage: Vec::new(),
        serials: BTreeSet::new(),
        identities: BTreeMap::new(),
        notes: Vec::new(),
    };
    for row in rows {
        let name: String = row.try_get("name")?;
        let data_type = ColumnType::parse(&row.try_get::<_, String>("data_type")?);
        let resolved = ResolvedSequenceOptions {
            start: row.try_get("seq_start")?,
            increment: row.try_get("seq_increment")?,
            min_value: row.try_get("seq_min")?,
            max_value: row.try_get("seq_max")?,
            cache: row.try_get("seq_cache")?,
            cycle: row.try_get("seq_cycle")?,
        };
        let owner_column: Option<String> = row.try_get("owner_column")?;
        let owner_schema: Option<String> = row.try_get("owner_schema")?;
        let owner_table: Option<String> =
            row.try_get::<_, Option<String>>("owner_table")?
                .map(|table| match &owner_schema {
                    Some(owner_schema) if schemas.contains(owner_schema) => {
                        super::qualify(&schemas[0], owner_schema, &table)
                    }
                    _ => table,
                });
        if owner_table.as_deref().is_some_and(&excluded) {
            continue;
        }
        if row.try_get::<_, bool>("is_identity")? {
            // An identity column's sequence is the column's (its options are read with it).
            if let (Some(table), Some(column)) = (owner_table, owner_column) {
                read.identities.insert(ColumnRef { table, column }, resolved);
            }
            continue;
        }
        let options = SequenceOptions::from_resolved(resolved, &data_type);
        let usage: Vec<String> = row.try_get("usage")?;
        if row.try_get::<_, bool>("other_grants")? {
            read.notes.push(format!(
                "sequence {name} grants privileges other than USAGE, to PUBLIC or WITH GRANT OPTION, which the model does not keep"
            ));
        }
        let owned_by = match (owner_table, owner_column) {
            (Some(table), Some(column)) => Some(ColumnRef { table, column }),
            _ => None,
        };
        if let (Some(owner), true) = (
            &owned_by,
            row.try_get::<_, Option<bool>>("serves_owner")?.unwrap_or(false),
        ) {
            // A serial: the column stands for it. What a serial cannot say is reported.
            read.serials.insert(owner.clone());
            let owner_type = ColumnType::parse(&row.try_get::<_, String>("owner_type")?);
            if data_type != owner_type || !options.is_default() {
                read.notes.push(format!(
                    "sequence {name} of serial column {}.{} has a data type or options of its own, \
                     which the model does not keep for serials",
                    owner.table, owner.column
                ));
            }
            if !usage.is_empty() {
                read.serial_usage.push((owner.clone(), usage));
            }
            continue;
        }
        if let (Some(owner), Some(owner_schema)) = (&owned_by, &owner_schema)
            && !schemas.contains(owner_schema)
        {
            read.notes.push(format!(
                "sequence {name} is owned by {owner_schema}.{}.{}, outside the schemas read; the model names it {}.{}",
                owner.table, owner.column, owner.table, owner.column
            ));
        }
        if !matches!(
            data_type,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
        ) {
            return Err(InspectError::Catalog(format!(
                "sequence {name} has data type {data_type}"
            )));
        }
        read.sequences.push(Sequence {
            name,
            data_type,
            options,
            owned_by,
            usage,
        });
    }
    Ok(read)
}
