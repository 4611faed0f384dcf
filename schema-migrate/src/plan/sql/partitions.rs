//! The SQL of partition changes. A partition is created `PARTITION OF` its table; a bound change
//! detaches it and attaches it again, in one transaction, so its rows never leave the table for
//! another session.

use schema_core::model::Partition;
use schema_core::render;

use super::super::{Context, Statement};

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
