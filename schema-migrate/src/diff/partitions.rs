//! Partitions, matched by name within their table. A new partition is created `PARTITION OF` its
//! table, a removed one is dropped (its rows with it), and one whose bound changes is detached and
//! attached again with the new bound (its rows stay; attaching checks they fit). A table that
//! becomes partitioned, stops being so, or changes its partition key cannot be changed in place:
//! that is a [`Change::Repartition`], which the planner refuses with the steps to take instead.

use schema_core::model::Table;

use super::Change;

pub(crate) fn diff_partitions(old: &Table, new: &Table, changes: &mut Vec<Change>) {
    if old.partition_by != new.partition_by {
        changes.push(Change::Repartition {
            table: new.name.clone(),
            from: old.partition_by.clone(),
            to: new.partition_by.clone(),
        });
        return;
    }
    for partition in &old.partitions {
        if !new.partitions.iter().any(|p| p.name == partition.name) {
            changes.push(Change::DropPartition {
                table: new.name.clone(),
                partition: partition.clone(),
            });
        }
    }
    for partition in &new.partitions {
        match old.partitions.iter().find(|p| p.name == partition.name) {
            None => changes.push(Change::CreatePartition {
                table: new.name.clone(),
                partition: partition.clone(),
            }),
            Some(was) if was.bound != partition.bound => changes.push(Change::ChangePartitionBound {
                table: new.name.clone(),
                from: was.clone(),
                to: partition.clone(),
            }),
            Some(_) => {}
        }
    }
}

/// The partitions of a table created by the plan, created after it.
pub(crate) fn create_partitions(table: &Table, changes: &mut Vec<Change>) {
    for partition in &table.partitions {
        changes.push(Change::CreatePartition {
            table: table.name.clone(),
            partition: partition.clone(),
        });
    }
}

/// The partitions of a table dropped by the plan, dropped before it (so that the reverse creates
/// them after it).
pub(crate) fn drop_partitions(table: &Table, changes: &mut Vec<Change>) {
    for partition in &table.partitions {
        changes.push(Change::DropPartition {
            table: table.name.clone(),
            partition: partition.clone(),
        });
    }
}
