//! Candidate indexes from what the workload asks of each table, tenant-aware: on a tenant table
//! `organization_id` leads (row-level security adds it to every query), equality columns come
//! before the one range or sort, the sort's directions are kept, and a constant predicate that an
//! existing partial index of the table uses makes the candidate partial too. A candidate that an
//! existing index already serves is not proposed.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::ident::{index_name, quote, quote_list};
use schema_core::model::{IndexTarget, SortOrder, Table};

use super::usage::TableUse;

/// A proposed btree index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Candidate {
    pub table: String,
    /// Key columns with their direction (true: descending).
    pub keys: Vec<(String, bool)>,
    /// Columns carried in the leaf pages (`INCLUDE`), so the statement is answered from the
    /// index alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// The WHERE of a partial index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

impl Candidate {
    pub fn name(&self) -> String {
        let columns: Vec<&str> = self.keys.iter().map(|(c, _)| c.as_str()).collect();
        index_name(&self.table, &columns)
    }

    fn key_list(&self) -> String {
        self.keys
            .iter()
            .map(|(c, desc)| {
                if *desc {
                    format!("{} DESC", quote(c))
                } else {
                    quote(c)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `CREATE INDEX` for this candidate under `name` (`concurrently` for a live database).
    pub fn create_sql(&self, name: &str, concurrently: bool) -> String {
        format!(
            "CREATE INDEX {}{} ON {} ({}){}{}",
            if concurrently { "CONCURRENTLY " } else { "" },
            quote(name),
            quote(&self.table),
            self.key_list(),
            if self.include.is_empty() {
                String::new()
            } else {
                format!(" INCLUDE ({})", quote_list(&self.include))
            },
            self.predicate
                .as_ref()
                .map(|p| format!(" WHERE {p}"))
                .unwrap_or_default()
        )
    }

    /// The model index the attribute declares, with `comment`.
    pub fn to_index(&self, comment: &str) -> schema_core::model::Index {
        let columns: Vec<&str> = self.keys.iter().map(|(c, _)| c.as_str()).collect();
        let mut index = schema_core::model::Index::on_columns(self.name(), &columns);
        for (key, (_, desc)) in index.keys.iter_mut().zip(&self.keys) {
            if *desc {
                key.order = SortOrder::Desc;
            }
        }
        index.predicate = self.predicate.clone();
        index.include = self.include.clone();
        index.comment = Some(comment.to_owned());
        index
    }

    /// The attribute to add to the table's struct, as the derive reads it, with `comment`
    /// (what the index serves) as its `COMMENT ON INDEX`.
    pub fn attribute(&self, comment: &str) -> String {
        let mut parts: Vec<String> = self
            .keys
            .iter()
            .map(|(c, desc)| if *desc { format!("{c} desc") } else { c.clone() })
            .collect();
        if !self.include.is_empty() {
            parts.push(format!("include({})", self.include.join(", ")));
        }
        if let Some(predicate) = &self.predicate {
            parts.push(format!("where = {predicate:?}"));
        }
        parts.push(format!("name = {:?}", self.name()));
        parts.push(format!("comment = {comment:?}"));
        format!("#[table(index({}))]", parts.join(", "))
    }
}

/// An existing index's (or key's) leading columns, for telling what it serves.
#[derive(Debug, Clone)]
pub struct Existing {
    pub name: String,
    pub keys: Vec<(String, bool)>,
    /// Every column it holds, keys and INCLUDE.
    pub holds: Vec<String>,
    pub predicate: Option<String>,
}

/// The btree indexes, primary key and unique constraints of `table`, as key lists. Expression
/// keys end the list (nothing after one can serve a column lookup).
pub fn existing(table: &Table) -> Vec<Existing> {
    let mut out = Vec::new();
    if let Some(pk) = &table.primary_key {
        out.push(Existing {
            name: pk.name.clone(),
            keys: pk.columns.iter().map(|c| (c.clone(), false)).collect(),
            holds: pk.columns.clone(),
            predicate: None,
        });
    }
    for unique in &table.uniques {
        out.push(Existing {
            name: unique.name.clone(),
            keys: unique.columns.iter().map(|c| (c.clone(), false)).collect(),
            holds: unique.columns.clone(),
            predicate: None,
        });
    }
    for index in table.indexes.iter().filter(|i| i.method == "btree") {
        let keys = index
            .keys
            .iter()
            .map_while(|k| match &k.target {
                IndexTarget::Column(c) => Some((c.clone(), k.order == SortOrder::Desc)),
                IndexTarget::Expression(_) => None,
            })
            .collect();
        out.push(Existing {
            name: index.name.clone(),
            keys,
            holds: index
                .key_columns()
                .map(str::to_owned)
                .chain(index.include.iter().cloned())
                .collect(),
            predicate: index.predicate.clone(),
        });
    }
    out
}

/// Whether `existing` serves `candidate`: same predicate (or none), the candidate's equality
/// columns as its leading columns in any order, then the candidate's last keys in order with the
/// same directions (or all reversed: a backward scan).
pub fn serves(existing: &Existing, candidate: &Candidate, equal_count: usize) -> bool {
    if existing.predicate.is_some()
        && !same_predicate(existing.predicate.as_deref(), candidate.predicate.as_deref())
    {
        return false;
    }
    if existing.keys.len() < candidate.keys.len() {
        return false;
    }
    let lead: BTreeSet<&str> = candidate.keys[..equal_count]
        .iter()
        .map(|(c, _)| c.as_str())
        .collect();
    let existing_lead: BTreeSet<&str> = existing.keys[..equal_count]
        .iter()
        .map(|(c, _)| c.as_str())
        .collect();
    if lead != existing_lead {
        return false;
    }
    let rest = &candidate.keys[equal_count..];
    let theirs = &existing.keys[equal_count..equal_count + rest.len()];
    let same = rest.iter().zip(theirs).all(|(a, b)| a == b);
    let reversed = rest.iter().zip(theirs).all(|(a, b)| a.0 == b.0 && a.1 != b.1);
    let covers = candidate.include.iter().all(|c| existing.holds.contains(c));
    (same || reversed) && covers
}

/// Two predicates as SQL, compared without case, spaces and outer parentheses.
pub fn same_predicate(a: Option<&str>, b: Option<&str>) -> bool {
    fn canon(p: &str) -> String {
        let mut s: String = p
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        while s.starts_with('(') && s.ends_with(')') {
            s = s[1..s.len() - 1].to_owned();
        }
        s
    }
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => canon(a) == canon(b),
        _ => false,
    }
}

/// At most this many INCLUDE columns in a covering candidate: wider ones cost writes more than
/// an index-only scan saves.
const MAX_INCLUDE: usize = 3;

/// Candidates for one statement's use of one table, with the number of leading equality keys of
/// each; those an existing index serves are left out, and returned with that index's name.
pub fn for_use(table: &Table, tenant: bool, usage: &TableUse) -> (Vec<(Candidate, usize)>, Vec<String>) {
    let mut lead: Vec<String> = Vec::new();
    if tenant && table.columns.iter().any(|c| c.name == "organization_id") {
        lead.push("organization_id".to_owned());
    }
    let mut constant_equal = lead.clone();
    for column in &usage.equal {
        if !constant_equal.contains(column) {
            constant_equal.push(column.clone());
        }
    }
    // The join's columns lead too when the table is the inner side of a nested loop; without
    // them when it is scanned once for a hash or merge join.
    let mut with_joins = constant_equal.clone();
    for column in &usage.joined {
        if !with_joins.contains(column) {
            with_joins.push(column.clone());
        }
    }
    let mut equal_sets = vec![constant_equal];
    if with_joins.len() > equal_sets[0].len() {
        equal_sets.push(with_joins);
    }
    let as_keys =
        |cols: &[String]| -> Vec<(String, bool)> { cols.iter().map(|c| (c.clone(), false)).collect() };
    let mut shapes: Vec<(Vec<(String, bool)>, usize)> = Vec::new();
    for equal in &equal_sets {
        let order: Vec<(String, bool)> = usage
            .order
            .iter()
            .filter(|(c, _)| !equal.contains(c))
            .cloned()
            .collect();
        if !order.is_empty() {
            let mut keys = as_keys(equal);
            keys.extend(order.iter().cloned());
            shapes.push((keys, equal.len()));
        }
        if let Some(range) = usage.range.iter().find(|c| !equal.contains(c)) {
            let mut keys = as_keys(equal);
            keys.push((range.clone(), false));
            shapes.push((keys, equal.len()));
        }
        if equal.len() > lead.len() {
            shapes.push((as_keys(equal), equal.len()));
        }
    }
    // A constant predicate that an existing partial index uses: the candidate keeps it.
    let partial = usage.constant.iter().find_map(|p| {
        table
            .indexes
            .iter()
            .filter_map(|i| i.predicate.as_deref())
            .find(|existing| same_predicate(Some(existing), Some(p)))
            .map(str::to_owned)
    });
    let existing = existing(table);
    let mut out = Vec::new();
    let mut served = Vec::new();
    for (keys, equal_count) in shapes {
        if keys.is_empty() {
            continue;
        }
        let mut predicates = vec![None];
        if partial.is_some() {
            predicates.push(partial.clone());
        }
        // A covering variant when the statement reads a few more columns than the keys: the
        // planner may answer it from the index alone.
        let extra: Vec<String> = usage
            .reads
            .iter()
            .filter(|c| !keys.iter().any(|(k, _)| k == *c))
            .cloned()
            .collect();
        // Not when an existing index serves the keys already: a second index on the same keys is
        // over-indexing (widening the existing one is a change a person decides).
        let plain = Candidate {
            table: table.name.clone(),
            keys: keys.clone(),
            include: Vec::new(),
            predicate: None,
        };
        let keys_served = existing.iter().any(|e| serves(e, &plain, equal_count));
        let mut includes = vec![Vec::new()];
        if !usage.reads_all && !keys_served && !extra.is_empty() && extra.len() <= MAX_INCLUDE {
            includes.push(extra);
        }
        let variants = predicates
            .iter()
            .flat_map(|p| includes.iter().map(move |i| (p.clone(), i.clone())));
        for (predicate, include) in variants {
            let candidate = Candidate {
                table: table.name.clone(),
                keys: keys.clone(),
                include,
                predicate,
            };
            match existing.iter().find(|e| serves(e, &candidate, equal_count)) {
                Some(e) => {
                    if !served.contains(&e.name) {
                        served.push(e.name.clone());
                    }
                }
                None => {
                    if !out.iter().any(|(c, _)| *c == candidate) {
                        out.push((candidate, equal_count));
                    }
                }
            }
        }
    }
    (out, served)
}

/// Candidates of a whole workload: each with the statements (by index) it may serve.
pub fn for_workload(
    tables: &BTreeMap<String, (&Table, bool)>,
    uses: &[Vec<TableUse>],
) -> (BTreeMap<Candidate, BTreeSet<usize>>, BTreeMap<usize, Vec<String>>) {
    let mut candidates: BTreeMap<Candidate, BTreeSet<usize>> = BTreeMap::new();
    let mut served: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (q, statement) in uses.iter().enumerate() {
        for usage in statement {
            let Some((table, tenant)) = tables.get(&usage.table) else {
                continue;
            };
            let (found, already) = for_use(table, *tenant, usage);
            for (candidate, _) in found {
                candidates.entry(candidate).or_default().insert(q);
            }
            served.entry(q).or_default().extend(already);
        }
    }
    (candidates, served)
}

/// `CREATE INDEX ... ON t (a, b)` of the columns only, for messages.
pub fn describe(candidate: &Candidate) -> String {
    let columns: Vec<&str> = candidate.keys.iter().map(|(c, _)| c.as_str()).collect();
    format!("{} ({})", candidate.table, quote_list(&columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_core::model::{Column, ColumnType, Index, IndexKey};

    fn invoices() -> Table {
        let mut t = Table::new(
            "invoices",
            [
                "id",
                "organization_id",
                "customer_id",
                "status",
                "due_on",
                "paid_at",
            ]
            .iter()
            .map(|c| Column::new(*c, ColumnType::Text))
            .collect(),
        );
        let mut index = Index::on_columns("invoices_status_due_idx", &["organization_id", "status"]);
        index.keys.push(IndexKey::column("due_on").desc());
        t.indexes.push(index);
        t
    }

    fn usage(equal: &[&str], range: &[&str], order: &[(&str, bool)]) -> TableUse {
        TableUse {
            table: "invoices".into(),
            equal: equal.iter().map(|s| s.to_string()).collect(),
            joined: Vec::new(),
            range: range.iter().map(|s| s.to_string()).collect(),
            order: order.iter().map(|(c, d)| (c.to_string(), *d)).collect(),
            constant: Vec::new(),
            reads: Vec::new(),
            reads_all: true,
        }
    }

    #[test]
    fn tenant_first_equality_then_sort() {
        let (found, served) = for_use(
            &invoices(),
            true,
            &usage(&["customer_id"], &[], &[("due_on", true)]),
        );
        assert!(served.is_empty());
        let keys: Vec<Vec<(String, bool)>> = found.iter().map(|(c, _)| c.keys.clone()).collect();
        assert_eq!(
            keys[0],
            [
                ("organization_id".into(), false),
                ("customer_id".into(), false),
                ("due_on".into(), true)
            ]
        );
        assert_eq!(
            found[0].0.attribute("serves the \"overdue\" list"),
            "#[table(index(organization_id, customer_id, due_on desc, name = \"invoices_organization_id_customer_id_due_on_idx\", comment = \"serves the \\\"overdue\\\" list\"))]"
        );
    }

    #[test]
    fn an_existing_index_serves_its_prefix_in_any_equality_order() {
        let (found, served) = for_use(&invoices(), true, &usage(&["status"], &[], &[("due_on", true)]));
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(served, ["invoices_status_due_idx"]);
        // A backward scan serves the reversed order too.
        let (found, _) = for_use(&invoices(), true, &usage(&["status"], &[], &[("due_on", false)]));
        assert!(found.is_empty(), "{found:?}");
    }
}
