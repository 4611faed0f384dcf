//! Which rows a sample copies, so that the copied rows keep their foreign keys.
//!
//! Tables are taken in dependency order. A row that references no other table through a foreign
//! key that applies to it (all its columns set: MATCH SIMPLE skips a key with a NULL column) is
//! a *root row*, sampled: `TABLESAMPLE BERNOULLI (p) REPEATABLE (seed)`, or the first rows by
//! `ctid` for `--rows`. A row that does reference other tables is copied when every row it
//! references is copied (so the children of 1% of the parents are copied: ~1% of the children,
//! not 1% of 1%). Each table's rows are read by one `COPY (query) TO STDOUT` on the source whose
//! query chooses them: one CTE per table the table depends on, in dependency order, each the
//! rows chosen in that table (their `ctid` and the columns others reference), and a child's
//! choice is a semi-join against its parents' CTEs. So the choice is made by the source's
//! server, in the source's one `REPEATABLE READ` snapshot, with no key set held in the client:
//! the same query gives the same rows again (seeded sampling, `ctid` order), which is what lets
//! a child's query recompute its parents' choice.
//!
//! A foreign key of a table to itself (a tree) adds to the chosen rows the rows they reference,
//! up to the roots (a recursive CTE over `UNION`, which stops on cycles). A foreign key that
//! closes a cycle between tables is not followed here; the rows it leaves dangling (and a
//! referenced row of a tree that itself references a row not copied) are deleted on the copy
//! after, and counted as left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use schema_core::ident::quote;
use schema_core::model::{ForeignKey, Table};

use super::Sample;

/// The rows-choosing queries of a sample over `order` (tables in dependency order).
pub(super) struct Chooser<'a> {
    order: &'a [&'a Table],
    position: BTreeMap<&'a str, usize>,
    sample: Sample,
    seed: u32,
}

impl<'a> Chooser<'a> {
    pub(super) fn new(order: &'a [&'a Table], sample: Sample, seed: u32) -> Chooser<'a> {
        let position = order
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        Chooser {
            order,
            position,
            sample,
            seed,
        }
    }

    /// The foreign keys of `table` the choice follows: to another copied table before it.
    fn parents(&self, i: usize) -> impl Iterator<Item = (&'a ForeignKey, usize)> + '_ {
        self.order[i].foreign_keys.iter().filter_map(move |fk| {
            let j = *self.position.get(fk.referenced_table.as_str())?;
            (j < i).then_some((fk, j))
        })
    }

    /// Its foreign keys to itself.
    fn self_references(&self, i: usize) -> impl Iterator<Item = &'a ForeignKey> + '_ {
        let table = self.order[i];
        table
            .foreign_keys
            .iter()
            .filter(move |fk| fk.referenced_table == table.name)
    }

    /// The columns of table `i` its CTE carries: those a foreign key references, and its own
    /// self-referencing columns.
    fn carried(&self, i: usize) -> Vec<&'a str> {
        let name = self.order[i].name.as_str();
        let mut columns: BTreeSet<&str> = BTreeSet::new();
        for table in self.order {
            for fk in &table.foreign_keys {
                if fk.referenced_table == name {
                    columns.extend(fk.referenced_columns.iter().map(String::as_str));
                }
            }
        }
        for fk in self.self_references(i) {
            columns.extend(fk.columns.iter().map(String::as_str));
        }
        columns.into_iter().collect()
    }

    /// `COPY ... TO STDOUT` of the chosen rows of table `i`, `columns` in that order.
    pub(super) fn copy_out(&self, i: usize, columns: &str) -> String {
        // The tables whose choice table `i`'s depends on, itself included.
        let mut needed = BTreeSet::from([i]);
        let mut stack = vec![i];
        while let Some(k) = stack.pop() {
            for (_, j) in self.parents(k) {
                if needed.insert(j) {
                    stack.push(j);
                }
            }
        }
        let ctes: Vec<String> = needed.iter().map(|&k| self.cte(k)).collect();
        format!(
            "COPY (WITH RECURSIVE {} SELECT {columns} FROM {} WHERE ctid IN (SELECT tid FROM s{i})) TO STDOUT",
            ctes.join(", "),
            quote(&self.order[i].name)
        )
    }

    /// `s<i>(tid, carried columns)`: the rows chosen in table `i`.
    fn cte(&self, i: usize) -> String {
        let table = quote(&self.order[i].name);
        let carried = self.carried(i);
        let projection = |alias: &str| {
            let mut out = format!("{alias}.ctid AS tid");
            for column in &carried {
                let _ = write!(out, ", {alias}.{}", quote(column));
            }
            out
        };
        let sampled = match self.sample {
            Sample::Percent(p) if p < 100.0 => format!(
                " TABLESAMPLE BERNOULLI ({p}) REPEATABLE ({})",
                u64::from(self.seed) + i as u64
            ),
            _ => String::new(),
        };
        let parents: Vec<(&ForeignKey, usize)> = self.parents(i).collect();
        let mut base = if parents.is_empty() {
            format!("SELECT {} FROM {table} x{sampled}", projection("x"))
        } else {
            let any: Vec<String> = parents.iter().map(|(fk, _)| applies(fk, "x")).collect();
            let kept: Vec<String> = parents
                .iter()
                .map(|(fk, j)| {
                    let matches: Vec<String> = fk
                        .columns
                        .iter()
                        .zip(&fk.referenced_columns)
                        .map(|(c, r)| format!("p.{} = x.{}", quote(r), quote(c)))
                        .collect();
                    format!(
                        "(NOT ({}) OR EXISTS (SELECT FROM s{j} p WHERE {}))",
                        applies(fk, "x"),
                        matches.join(" AND ")
                    )
                })
                .collect();
            let any = any.join(" OR ");
            format!(
                "SELECT {} FROM {table} x{sampled} WHERE NOT ({any}) \
                 UNION ALL SELECT {} FROM {table} x WHERE ({any}) AND {}",
                projection("x"),
                projection("x"),
                kept.join(" AND ")
            )
        };
        if let Sample::Rows(n) = self.sample {
            base = format!("SELECT * FROM ({base}) AS b ORDER BY tid LIMIT {n}");
        }
        let references: Vec<String> = self
            .self_references(i)
            .map(|fk| {
                let matches: Vec<String> = fk
                    .columns
                    .iter()
                    .zip(&fk.referenced_columns)
                    .map(|(c, r)| format!("x.{} = c.{}", quote(r), quote(c)))
                    .collect();
                format!("({})", matches.join(" AND "))
            })
            .collect();
        // MATERIALIZED: each choice is computed once. Inlined, a chain of single-use CTEs
        // nests its semi-joins, and the planner plans each `OR EXISTS` twice (hashed or not),
        // so planning doubled with every level: seconds at 10 tables deep, the server's memory
        // at 20 and more.
        if references.is_empty() {
            format!("s{i} AS MATERIALIZED ({base})")
        } else {
            // The rows the chosen ones reference in the table, up to its roots.
            format!(
                "s{i} AS MATERIALIZED (SELECT * FROM ({base}) AS b UNION SELECT {} FROM {table} x JOIN s{i} c ON {})",
                projection("x"),
                references.join(" OR ")
            )
        }
    }
}

/// The foreign key applies to the row `alias`: all its columns are set.
fn applies(fk: &ForeignKey, alias: &str) -> String {
    let set: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("{alias}.{} IS NOT NULL", quote(c)))
        .collect();
    set.join(" AND ")
}
