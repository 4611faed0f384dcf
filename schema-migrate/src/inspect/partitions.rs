//! Partitioned tables and their partitions. A partitioned table is a table of the model with its
//! `PARTITION BY`; a partition is a name and a bound on it, since it takes its columns, keys,
//! checks, foreign keys, indexes and triggers from the table. What a partition has of its own (an
//! index, a constraint, a trigger or a policy not taken from its table, a partitioning of its
//! own) is reported, as is a partition of a table the model does not hold.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::model::{Partition, Table};

/// Partitions met while reading the relations, attached to their tables once all are read.
#[derive(Default)]
pub(super) struct Partitions {
    /// `(table, partition)`, in the order read.
    found: Vec<(String, Partition)>,
    /// Every partition attached to a table of the model, by name.
    pub(super) names: BTreeSet<String>,
}

impl Partitions {
    pub(super) fn found(&mut self, table: String, partition: Partition) {
        self.found.push((table, partition));
    }

    /// Give each table its partitions; returns the partitions whose table the model does not hold
    /// (a partition of a partition, of an excluded table), as `(partition, table)`.
    pub(super) fn attach(&mut self, tables: &mut BTreeMap<String, Table>) -> Vec<(String, String)> {
        let mut orphans = Vec::new();
        for (table, partition) in std::mem::take(&mut self.found) {
            match tables.get_mut(&table) {
                Some(parent) if parent.partition_by.is_some() => {
                    self.names.insert(partition.name.clone());
                    parent.partitions.push(partition);
                }
                _ => orphans.push((partition.name, table)),
            }
        }
        orphans
    }

    /// Whether `table` is a partition of a table of the model.
    pub(super) fn contains(&self, table: &str) -> bool {
        self.names.contains(table)
    }
}
