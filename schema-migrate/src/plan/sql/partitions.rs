//! The SQL of partition changes. A partition is created `PARTITION OF` its table; a bound change
//! detaches it and attaches it again, in one transaction, so its rows never leave the table for
//! another session. An index of a partitioned table that has rows is built online partition by
//! partition, since Postgres builds no partitioned index `CONCURRENTLY`: the partitioned index
//! `ON ONLY` the table (invalid, nothing built), each partition's index `CONCURRENTLY`, then each
//! attached (the partitioned index is valid once all are). Its drop (and the down) is one `DROP
//! INDEX`, which takes the partitions' indexes with it.

use schema_core::ident;
use schema_core::model::{Index, Partition};
use schema_core::render;

use super::super::{Context, Statement};
use super::Alone;

pub(in crate::plan) fn create(table: &str, partition: &Partition, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::create_partition(table, partition))]
}

pub(in crate::plan) fn drop(partition: &Partition, cx: &Context) -> Vec<Statement> {
    vec![cx.ddl(render::drop_table(&partition.name))]
}

pub(in crate::plan) fn change_bound(
    table: &str,
    from: &Partition,
    to: &Partition,
    cx: &Context,
) -> Vec<Statement> {
    vec![
        cx.ddl(render::detach_partition(table, &from.name)),
        cx.ddl(render::attach_partition(table, to)),
    ]
}

/// The index `index` of the partitioned `table`, built partition by partition.
pub(in crate::plan) fn create_index(table: &str, index: &Index, cx: &Context) -> Vec<Statement> {
    let partitions = cx.partitions_of(table);
    let mut statements = vec![cx.ddl(render::create_index_on_only(table, index))];
    let children: Vec<(String, String)> = partitions
        .iter()
        .map(|partition| {
            let child = ident::make_object_name(ident::unqualified(partition), Some(&index.name), None);
            (partition.clone(), child)
        })
        .collect();
    for (partition, child) in &children {
        let mut build = cx.alone(
            Alone::IndexBuild,
            render::create_partition_index(partition, child, index),
        );
        build.builds_index = Some(child.clone());
        statements.push(build);
    }
    for (partition, child) in &children {
        statements.push(cx.ddl(render::attach_index(
            &ident::sibling(table, &index.name),
            &ident::sibling(partition, child),
        )));
    }
    statements
}
