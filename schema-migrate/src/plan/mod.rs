//! Plan: typed changes in, ordered steps out, each with its up SQL, its down SQL, which statements
//! must run outside a transaction, the lock it takes, and its hazards as data.
//!
//! Up steps run in dependency order (renames; drops of dependent objects, tables and columns;
//! enum types and functions; new tables and columns; column changes; constraints and indexes;
//! foreign keys; security and triggers; comments). A step's down SQL is the SQL of its change's
//! reverse, and the down migration runs the steps' downs in the opposite order, so every state
//! the up passes through is restored in turn.
//!
//! By default plans are online-safe for tables that already exist: indexes are built and dropped
//! concurrently, constraints are added `NOT VALID` and validated separately, `SET NOT NULL` goes
//! through a validated CHECK, and every statement carries a lock and a statement timeout.
//! [`PlanOptions::fast`] gives the plain plan, for empty databases and tests.

mod hazards;
mod referenced_keys;
mod sql;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use serde::Serialize;

use schema_core::Renames;
use schema_core::model::{Column, ColumnType, Deferrable, Domain, Function, Schema};

use crate::diff::{Change, diff};

pub use hazards::{Blocks, Held, Lock, LockMode};

/// Options for planning.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Permit steps that delete data (dropping tables or columns, narrowing types, removing enum
    /// values). Without it, planning such a change fails and lists what would be lost.
    pub allow_destructive: bool,
    /// The plain plan: no concurrent index builds, no NOT VALID, no timeouts. For empty databases
    /// and tests (`--unsafe-fast`).
    pub fast: bool,
    /// Timeouts per kind of statement (online plans only).
    pub timeouts: TimeoutPolicy,
    /// Names taken in the database planned against by objects the model does not hold (see
    /// [`crate::inspect::Inspection::unmodelled_names`]), each with what it is. A plan that would
    /// create or rename anything to one of them is refused ([`PlanError::Collides`]): it would
    /// fail, or, for an object it could replace, destroy what it never compared.
    pub unmodelled: BTreeMap<String, String>,
    /// Partitioned tables (filled by [`plan`] from the two schemas): Postgres builds no index
    /// `CONCURRENTLY`, attaches none `USING INDEX` and adds no foreign key `NOT VALID` on them, so
    /// their changes take the plain form.
    pub partitioned: BTreeSet<String>,
    /// The partitions of each partitioned table, before and after the plan (filled by [`plan`]
    /// from the two schemas): an index of a partitioned table is built online partition by
    /// partition, and attached.
    pub partitions: BTreeMap<String, PartitionsOf>,
    /// The types the extensions of the database planned against made, each with its extension
    /// (see [`crate::inspect::Inspection::extension_types`]): a plan that drops an extension
    /// whose types a column keeps is refused, and one that drops the columns with it is
    /// destructive.
    pub extension_types: BTreeMap<String, String>,
    /// Filled by [`plan`] from the two schemas and [`PlanOptions::extension_types`].
    pub extension_users: BTreeMap<String, ExtensionUsers>,
    /// The domains of the two schemas (filled by [`plan`]): a column converted to a domain over
    /// its type is not narrowed, only checked against the domain's constraints.
    pub domains: BTreeMap<String, Domain>,
}

/// What uses the types of an extension, by extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionUsers {
    /// Columns and domains of the schema planned from that the plan drops.
    pub before: Vec<String>,
    /// Columns and domains of the schema planned to.
    pub kept: Vec<String>,
}

/// The columns and domains of `schema` whose type (or array element type) an extension made.
fn extension_users(schema: &Schema, types: &BTreeMap<String, String>) -> BTreeMap<String, Vec<String>> {
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut note = |ty: &ColumnType, what: String| {
        if let ColumnType::Other(name) = ty.element()
            && let Some(extension) = types.get(name)
        {
            users.entry(extension.clone()).or_default().push(what);
        }
    };
    for table in &schema.tables {
        for column in &table.columns {
            note(&column.ty, format!("column {}.{}", table.name, column.name));
        }
    }
    for domain in &schema.domains {
        note(&domain.data_type, format!("domain {}", domain.name));
    }
    users
}

/// `lock_timeout` and `statement_timeout` for one statement. Zero means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timeouts {
    #[serde(with = "millis")]
    pub lock: Duration,
    #[serde(with = "millis")]
    pub statement: Duration,
}

mod millis {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_millis() as u64)
    }
}

/// Timeouts chosen per kind of statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutPolicy {
    /// Catalog changes that take a strong lock briefly: waiting long for the lock would queue every
    /// later query of the table behind it, so give up quickly (and retry).
    pub ddl: Timeouts,
    /// Statements that rewrite or scan a table under a strong lock (only in plans that accept
    /// that hazard).
    pub rewrite: Timeouts,
    /// Concurrent index builds: they block no reads or writes, so they may wait and run long.
    pub index_build: Timeouts,
    /// `VALIDATE CONSTRAINT`: scans without blocking reads or writes.
    pub validate: Timeouts,
}

impl Default for TimeoutPolicy {
    fn default() -> Self {
        let seconds = Duration::from_secs;
        TimeoutPolicy {
            ddl: Timeouts {
                lock: seconds(2),
                statement: seconds(30),
            },
            rewrite: Timeouts {
                lock: seconds(2),
                statement: seconds(0),
            },
            index_build: Timeouts {
                lock: seconds(600),
                statement: seconds(0),
            },
            validate: Timeouts {
                lock: seconds(10),
                statement: seconds(0),
            },
        }
    }
}

/// An ordered, reversible migration plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
}

/// One change, planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What the step does, in words: "add column invoices.due_on".
    pub summary: String,
    pub up: Vec<Statement>,
    pub down: Vec<Statement>,
    /// Hazards of running `up`.
    pub hazards: Vec<Hazard>,
    /// Hazards of running `down`.
    pub down_hazards: Vec<Hazard>,
    /// The table locks `up` takes on tables that already exist.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<Lock>,
}

/// One SQL statement of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub sql: String,
    /// False for statements that run on their own, outside the migration's transaction: those
    /// Postgres refuses in a transaction block (`CREATE INDEX CONCURRENTLY`), those that must not
    /// hold the transaction's locks while they run (`VALIDATE CONSTRAINT`), and those whose effect
    /// must be committed before it is used (`ALTER TYPE ... ADD VALUE`).
    pub transactional: bool,
    /// `lock_timeout` and `statement_timeout` to run with; none in the plain plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<Timeouts>,
    /// Printed as an SQL comment above the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The index a `CREATE INDEX CONCURRENTLY` builds: an invalid index of that name, left by a
    /// failed earlier attempt, is dropped before the build is retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builds_index: Option<String>,
}

/// Something a step does that an operator must know before running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}

/// The kinds of hazard, as data (CI can deny chosen kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Rows or values are lost: dropped tables and columns, narrowed types, removed enum values.
    DeletesData,
    /// The whole table is rewritten while an ACCESS EXCLUSIVE lock blocks reads and writes.
    RewritesTable,
    /// Takes an ACCESS EXCLUSIVE lock on a table that already exists.
    AccessExclusiveLock,
    /// Builds an index on a table that already exists.
    BuildsIndex,
    /// Scans a table that already exists to check existing rows against a constraint.
    ValidatesConstraint,
    /// Fails if existing rows do not fit (NULLs, duplicates, values out of range).
    MayFail,
    /// The reverse step cannot bring back what this step removes.
    Irreversible,
}

impl HazardKind {
    pub const ALL: [HazardKind; 7] = [
        HazardKind::DeletesData,
        HazardKind::RewritesTable,
        HazardKind::AccessExclusiveLock,
        HazardKind::BuildsIndex,
        HazardKind::ValidatesConstraint,
        HazardKind::MayFail,
        HazardKind::Irreversible,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HazardKind::DeletesData => "deletes_data",
            HazardKind::RewritesTable => "rewrites_table",
            HazardKind::AccessExclusiveLock => "access_exclusive_lock",
            HazardKind::BuildsIndex => "builds_index",
            HazardKind::ValidatesConstraint => "validates_constraint",
            HazardKind::MayFail => "may_fail",
            HazardKind::Irreversible => "irreversible",
        }
    }

    pub fn parse(name: &str) -> Option<HazardKind> {
        let name = name.trim().replace('-', "_");
        HazardKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The partitions of a partitioned table, by model name, before and after a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionsOf {
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// Planning refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The plan deletes data and `allow_destructive` was not given.
    #[error("{}", destructive_message(.steps))]
    Destructive { steps: Vec<(String, Hazard)> },
    /// A step Postgres cannot take in place, with the migration to write instead.
    #[error("{}", refusal_message(.steps))]
    Refused {
        /// Each step, and what to do instead.
        steps: Vec<(String, String)>,
    },
    /// A step would create an object under a name an object the model does not hold takes.
    #[error("{}", collision_message(.steps))]
    Collides {
        /// Each step, the name, and what holds it.
        steps: Vec<(String, String, String)>,
    },
}

fn refusal_message(steps: &[(String, String)]) -> String {
    let mut message = format!(
        "refusing a plan with {} step(s) Postgres cannot take in place:",
        steps.len()
    );
    for (summary, instead) in steps {
        message.push_str(&format!("\n  - {summary}: {instead}"));
    }
    message
}

/// What to do instead of making `table` partitioned (or plain, or partitioned by another key),
/// which `ALTER TABLE` cannot do: expand, migrate, contract.
fn repartition_steps(table: &str, to: Option<&str>) -> String {
    let new = format!("{table}_new");
    let shape = match to {
        Some(by) => format!("PARTITION BY {by}, with its partitions"),
        None => "not partitioned".to_owned(),
    };
    format!(
        "a table cannot change its partitioning in place (and dropping it would lose its rows). Expand and \
         contract, in separate migrations: (1) create {new} as declared ({shape}; a primary or unique key must \
         include the partition key); (2) write to both (a trigger on {table}, or the application) and copy the \
         rows in batches; (3) in one transaction, rename {table} to {table}_old and {new} to {table}, and move \
         the foreign keys that reference it; (4) once nothing reads it, drop {table}_old. Declare {new} \
         beside {table} to generate step 1"
    )
}

fn collision_message(steps: &[(String, String, String)]) -> String {
    let mut message = format!(
        "refusing a plan that collides with objects not compared: {} step(s) would take a name the database \
         already gives to an object the model does not hold:",
        steps.len()
    );
    for (summary, name, what) in steps {
        message.push_str(&format!("\n  - {summary}: {name} is {what} in the database"));
    }
    message.push_str(
        "\nrename or remove that object by hand (the plan never touches what it does not compare), or give the declared \
         object another name",
    );
    message
}

/// The name a change gives to a relation or a type (tables, views, sequences, indexes and their
/// row and enum types share the schema's names).
/// Names are the model's: an index's is qualified as its table's.
fn created_name(change: &Change) -> Option<String> {
    let of_table = |table: &str, name: &str| Some(schema_core::ident::sibling(table, name));
    match change {
        Change::CreateTable(table) => Some(table.name.clone()),
        Change::CreateView(view) => Some(view.name.clone()),
        Change::CreateSequence(sequence) => Some(sequence.name.clone()),
        Change::CreateEnum(enum_type) => Some(enum_type.name.clone()),
        Change::CreateDomain(domain) => Some(domain.name.clone()),
        Change::RenameTable { to, .. } => Some(to.clone()),
        Change::MoveObject { to, .. } => Some(to.clone()),
        Change::RenameIndex { table, to, .. } => of_table(table, to),
        Change::CreateIndex { table, index } => of_table(table, &index.name),
        Change::AddPrimaryKey { table, primary_key } => of_table(table, &primary_key.name),
        Change::AddUnique { table, unique } => of_table(table, &unique.name),
        Change::CreatePartition { partition, .. } => Some(partition.name.clone()),
        _ => None,
    }
}

/// The steps whose down would create an object under a name an object not compared takes in
/// `unmodelled`: `(step, name, what holds it)`. The objects not compared stay through the up (a
/// plan never touches them), and one may take a name the up freed before the down runs: check
/// the names of the database the down runs against, read then.
pub fn down_collisions(
    changes: &[Change],
    unmodelled: &BTreeMap<String, String>,
) -> Vec<(String, String, String)> {
    changes
        .iter()
        .filter_map(|change| {
            let name = created_name(&change.reverse())?;
            let what = unmodelled.get(&name)?;
            Some((format!("the down of {}", summary(change)), name, what.clone()))
        })
        .collect()
}

/// The names `schema`'s relations and types take (as [`down_collisions`] names them), each with
/// what it is: what a down run against a database may not take when its objects are not the
/// migrations'.
pub fn taken_names(schema: &Schema) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut take = |name: String, what: &str| {
        names.entry(name).or_insert_with(|| what.to_owned());
    };
    for table in &schema.tables {
        let sibling = |name: &str| schema_core::ident::sibling(&table.name, name);
        take(table.name.clone(), "a table");
        if let Some(primary_key) = &table.primary_key {
            take(sibling(&primary_key.name), "the index of a primary key");
        }
        for unique in &table.uniques {
            take(sibling(&unique.name), "the index of a unique constraint");
        }
        for index in &table.indexes {
            take(sibling(&index.name), "an index");
        }
        for partition in &table.partitions {
            take(partition.name.clone(), "a partition");
        }
    }
    for view in &schema.views {
        let what = if view.materialized {
            "a materialized view"
        } else {
            "a view"
        };
        take(view.name.clone(), what);
        for index in &view.indexes {
            take(schema_core::ident::sibling(&view.name, &index.name), "an index");
        }
    }
    for sequence in &schema.sequences {
        take(sequence.name.clone(), "a sequence");
    }
    for enum_type in &schema.enums {
        take(enum_type.name.clone(), "an enum type");
    }
    for domain in &schema.domains {
        take(domain.name.clone(), "a domain");
    }
    names
}

/// Whether a down of `changes` creates anything under a name (so [`down_collisions`] can find
/// something only then).
pub fn down_creates_names(changes: &[Change]) -> bool {
    changes
        .iter()
        .any(|change| created_name(&change.reverse()).is_some())
}

fn destructive_message(steps: &[(String, Hazard)]) -> String {
    let mut message = format!(
        "refusing a destructive plan: {} step(s) would delete data (pass --allow-destructive to permit):",
        steps.len()
    );
    for (summary, hazard) in steps {
        message.push_str(&format!("\n  - {summary}: {}", hazard.message));
    }
    message
}

/// Diff `from` against `to` and plan the changes.
pub fn plan(from: &Schema, to: &Schema, renames: &Renames, options: &PlanOptions) -> Result<Plan, PlanError> {
    // A state Postgres cannot hold is refused before the steps towards it are planned.
    let refused = referenced_keys::deferrable_referenced(to);
    if !refused.is_empty() {
        return Err(PlanError::Refused { steps: refused });
    }
    let mut options = options.clone();
    options.partitioned.extend(
        from.tables
            .iter()
            .chain(&to.tables)
            .filter(|t| t.partition_by.is_some())
            .map(|t| t.name.clone()),
    );
    for (schema, after) in [(from, false), (to, true)] {
        for table in schema.tables.iter().filter(|t| t.partition_by.is_some()) {
            let of = options.partitions.entry(table.name.clone()).or_default();
            let names = table.partitions.iter().map(|p| p.name.clone()).collect();
            if after {
                of.after = names;
            } else {
                of.before = names;
            }
        }
    }
    for domain in to.domains.iter().chain(&from.domains) {
        options
            .domains
            .entry(domain.name.clone())
            .or_insert_with(|| domain.clone());
    }
    if !options.extension_types.is_empty() {
        let before = extension_users(from, &options.extension_types);
        let kept = extension_users(to, &options.extension_types);
        // What goes with the extension: its users that `to` no longer has at all (a column
        // converted to another type keeps its values).
        let mut all_to: BTreeSet<String> = to
            .tables
            .iter()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .map(move |c| format!("column {}.{}", t.name, c.name))
            })
            .collect();
        all_to.extend(to.domains.iter().map(|d| format!("domain {}", d.name)));
        for (extension, users) in before {
            options.extension_users.entry(extension).or_default().before =
                users.into_iter().filter(|u| !all_to.contains(u)).collect();
        }
        for (extension, users) in kept {
            options.extension_users.entry(extension).or_default().kept = users;
        }
    }
    let changes = diff(from, to, renames);
    let refused: Vec<(String, String)> = crate::diff::columns_calling_rebuilt(from, to, &changes)
        .into_iter()
        .map(|(function, user)| {
            (
                format!("drop and create function {function}"),
                format!(
                    "{user} calls it, and Postgres refuses to drop a function a column uses (CREATE OR REPLACE \
                     cannot change its result, OUT arguments or argument names, nor remove a default, in the \
                     plan or its down): drop that default in one migration, change the function in the next, \
                     and set the default again"
                ),
            )
        })
        .collect();
    if !refused.is_empty() {
        return Err(PlanError::Refused { steps: refused });
    }
    plan_changes(changes, &options)
}

/// The `(table, role)` pairs whose privileges are revoked and granted in one plan, on a table that
/// keeps its columns (a column that goes takes its privileges along, so what names it is revoked
/// before it goes).
fn regranted(changes: &[Change]) -> BTreeSet<(String, String)> {
    let losing_columns: BTreeSet<&str> = changes
        .iter()
        .filter_map(|change| match change {
            Change::DropColumn { table, .. } | Change::RenameColumn { table, .. } => Some(table.as_str()),
            Change::DropTable(table) => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    let granted: BTreeSet<(&str, &str)> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Grant { table, grant } => Some((table.as_str(), grant.role.as_str())),
            _ => None,
        })
        .collect();
    changes
        .iter()
        .filter_map(|change| match change {
            // A serial's sequence may go with the column's change: revoked before.
            Change::Revoke { table, grant }
                if granted.contains(&(table.as_str(), grant.role.as_str()))
                    && !losing_columns.contains(table.as_str())
                    && grant.serial_usage.is_empty() =>
            {
                Some((table.clone(), grant.role.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Plan already-diffed changes.
pub fn plan_changes(changes: Vec<Change>, options: &PlanOptions) -> Result<Plan, PlanError> {
    let mut collisions: Vec<(String, String, String)> = changes
        .iter()
        .filter_map(|change| {
            let name = created_name(change)?;
            let what = options.unmodelled.get(&name)?;
            Some((summary(change), name, what.clone()))
        })
        .collect();
    collisions.extend(down_collisions(&changes, &options.unmodelled));
    if !collisions.is_empty() {
        return Err(PlanError::Collides { steps: collisions });
    }
    let refused: Vec<(String, String)> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Repartition { table, to, .. } => {
                Some((summary(change), repartition_steps(table, to.as_deref())))
            }
            Change::ReplaceCollation { from, used_by, .. } if !used_by.is_empty() => Some((
                summary(change),
                format!(
                    "Postgres cannot change a collation's definition, nor drop one in use ({}). Create the new \
                     definition under another name, move those to it, then drop {}",
                    used_by.join(", "),
                    from.name
                ),
            )),
            Change::ReplaceDomain { from, used_by, .. } if !used_by.is_empty() => Some((
                summary(change),
                format!(
                    "Postgres cannot change a domain's type or collation, nor drop one in use ({}). Create the new \
                     domain under another name, convert those to it, then drop {}",
                    used_by.join(", "),
                    from.name
                ),
            )),
            Change::DropExtension(extension) => options
                .extension_users
                .get(&extension.name)
                .filter(|users| !users.kept.is_empty())
                .map(|users| {
                    (
                        summary(change),
                        format!(
                            "{} still use(s) its types: drop or convert them first (or keep the extension)",
                            users.kept.join(", ")
                        ),
                    )
                }),
            // A schema is dropped only when nothing the model does not compare is left in it.
            Change::DropSchema(name) => {
                let prefix = format!("{name}.");
                let left: Vec<String> = options
                    .unmodelled
                    .iter()
                    .filter(|(object, _)| object.starts_with(&prefix))
                    .map(|(object, what)| format!("{object} ({what})"))
                    .collect();
                (!left.is_empty()).then(|| {
                    (
                        summary(change),
                        format!(
                            "it still holds what the model does not compare: {}; move or drop that by hand first, \
                             or keep the schema declared (`SchemaBuilder::namespace`)",
                            left.join(", ")
                        ),
                    )
                })
            }
            _ => None,
        })
        .collect();
    if !refused.is_empty() {
        return Err(PlanError::Refused { steps: refused });
    }
    let mut changes = enum_changes_replace_their_policies(through_text_around_enum_changes(changes));
    let superseded = superseded(&changes);
    let replaced_policies = replaced_policies(&changes);
    let regranted = regranted(&changes);
    let recreated = recreated_functions(&changes);
    let rebuilt_functions = rebuilt_function_phases(&changes);
    changes.sort_by_key(|change| {
        if superseded.contains(change) {
            return (LATE_DROP, 1);
        }
        match change {
            // Right before it is created again (the diff lists the drop first).
            Change::DropFunction(f) if recreated.contains_key(&identity(f)) => (recreated[&identity(f)], 0),
            // A check or an index expression that calls a rebuilt function goes first and comes
            // back last, once the function exists again: its validation (or concurrent build)
            // commits, and then everything else is in place already, in either direction.
            Change::DropCheck { .. } | Change::DropIndex { .. }
                if calls_rebuilt(&change.reverse(), &rebuilt_functions).is_some() =>
            {
                (0, 0)
            }
            Change::AddCheck { .. } | Change::CreateIndex { .. }
                if calls_rebuilt(change, &rebuilt_functions).is_some_and(|at| at <= LAST_CREATE) =>
            {
                (LAST_CREATE, 2)
            }
            // Right before the grant that replaces it (the diff lists it first), in the same
            // transaction, so the role never lacks a privilege it keeps in another form.
            Change::Revoke { table, grant } if regranted.contains(&(table.clone(), grant.role.clone())) => (
                phase(&Change::Grant {
                    table: table.clone(),
                    grant: grant.clone(),
                }),
                0,
            ),
            Change::DropPolicy { table, policy } | Change::CreatePolicy { table, policy } => {
                match replaced_policies.get(&(table.clone(), policy.name.clone())) {
                    Some(PolicyReplacement::Together) => (
                        phase(&Change::CreatePolicy {
                            table: table.clone(),
                            policy: policy.clone(),
                        }),
                        0,
                    ),
                    Some(PolicyReplacement::AroundColumnChanges { first, last }) => match change {
                        Change::DropPolicy { .. } => (first - 1, 1),
                        _ => (*last, 1),
                    },
                    None => (phase(change), 0),
                }
            }
            _ => (phase(change), 0),
        }
    });
    let changes = close_policy_windows(changes, &replaced_policies);
    let context = Context::new(&changes, options);
    let steps: Vec<Step> = changes.iter().map(|change| plan_step(change, &context)).collect();
    if !options.allow_destructive {
        let destructive: Vec<(String, Hazard)> = steps
            .iter()
            .flat_map(|step| {
                step.hazards
                    .iter()
                    .filter(|h| h.kind == HazardKind::DeletesData)
                    .map(|h| (step.summary.clone(), h.clone()))
            })
            .collect();
        if !destructive.is_empty() {
            return Err(PlanError::Destructive { steps: destructive });
        }
    }
    Ok(Plan { steps })
}

/// A column converted from one enum-based type to another while the values of either type
/// change goes through `text` in two changes: it leaves its old type before the enum changes and
/// takes its new one after them. Converted directly it would either still use a type that a
/// recreation drops (the up of removed values, the down of added ones) or need a type not yet
/// recreated, whichever side it ran on.
fn through_text_around_enum_changes(changes: Vec<Change>) -> Vec<Change> {
    let changing: BTreeSet<String> = changes
        .iter()
        .filter_map(|change| match change {
            Change::AddEnumValues { from, .. } | Change::RecreateEnum { from, .. } => Some(from.name.clone()),
            _ => None,
        })
        .collect();
    if changing.is_empty() {
        return changes;
    }
    let entangled = |ty: &ColumnType| ty.enum_name().is_some_and(|name| changing.contains(name));
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            Change::AlterColumn { table, from, to }
                if from.ty != to.ty
                    && from.ty.enum_name().is_some()
                    && to.ty.enum_name().is_some()
                    && (entangled(&from.ty) || entangled(&to.ty)) =>
            {
                let text = Column {
                    ty: ColumnType::Text,
                    default: None,
                    ..from.clone()
                };
                out.push(Change::AlterColumn {
                    table: table.clone(),
                    from,
                    to: text.clone(),
                });
                out.push(Change::AlterColumn {
                    table,
                    from: text,
                    to,
                });
            }
            change => out.push(change),
        }
    }
    out
}

/// A policy that changes in a plan that changes an enum type it names (the type, or a column of
/// it) is replaced by that enum change ([`crate::diff::PolicySwap`]): with `ADD VALUE`, after the
/// values commit; in a recreation, around the conversion, in its transaction. Its drop and its
/// creation then commit together in the plan and in its reverse, which runs the steps backwards
/// (as two steps around the enum change, the reverse would either convert a column under the
/// policy or commit `ADD VALUE` between them). A policy that also needs a column's own type
/// change or drop keeps its steps (see [`replaced_policies`]).
fn enum_changes_replace_their_policies(mut changes: Vec<Change>) -> Vec<Change> {
    let names = |policy: &schema_core::model::Policy, name: &str| {
        [&policy.using, &policy.with_check]
            .into_iter()
            .flatten()
            .any(|sql| crate::diff::names_identifier(sql, name))
    };
    let mut swaps: Vec<(usize, usize, usize)> = Vec::new();
    for (drop_at, change) in changes.iter().enumerate() {
        let Change::DropPolicy { table, policy: old } = change else {
            continue;
        };
        let Some((create_at, new)) = changes.iter().enumerate().find_map(|(i, c)| match c {
            Change::CreatePolicy { table: t, policy } if t == table && policy.name == old.name => {
                Some((i, policy))
            }
            _ => None,
        }) else {
            continue;
        };
        let uses = |name: &str| names(old, name) || names(new, name);
        let own_column_change = changes.iter().any(|c| match c {
            Change::AlterColumn { table: t, from, to } => {
                t == table && (from.ty != to.ty || from.collation != to.collation) && names(old, &from.name)
            }
            Change::DropColumn { table: t, column } => t == table && names(old, &column.name),
            _ => false,
        });
        if own_column_change {
            continue;
        }
        let enum_at = changes.iter().position(|c| match c {
            Change::AddEnumValues { from, columns, .. } | Change::RecreateEnum { from, columns, .. } => {
                uses(&from.name) || columns.iter().any(|c| &c.table == table && uses(&c.column))
            }
            _ => false,
        });
        if let Some(enum_at) = enum_at {
            swaps.push((drop_at, create_at, enum_at));
        }
    }
    let mut folded = BTreeSet::new();
    for &(drop_at, create_at, enum_at) in &swaps {
        let (Change::DropPolicy { table, policy: from }, Change::CreatePolicy { policy: to, .. }) =
            (&changes[drop_at], &changes[create_at])
        else {
            unreachable!("found as a policy drop and creation above")
        };
        let swap = crate::diff::PolicySwap {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        };
        if let Change::AddEnumValues { policies, .. } | Change::RecreateEnum { policies, .. } =
            &mut changes[enum_at]
        {
            policies.push(swap);
        }
        folded.insert(drop_at);
        folded.insert(create_at);
    }
    changes
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !folded.contains(i))
        .map(|(_, c)| c)
        .collect()
}

fn plan_step(change: &Change, context: &Context) -> Step {
    let reverse = change.reverse();
    let hazards = hazards::hazards(change, context);
    // A dropped NOT NULL column without a default cannot come back as it was on a table with
    // rows: it is added with a placeholder default (the rows get it), which is then dropped.
    let placeholder = match change {
        Change::DropColumn { table, column } if context.exists(table) => {
            sql::readd_not_null_column(table, column, context)
        }
        _ => None,
    };
    let down_hazards = match placeholder {
        Some(_) => Vec::new(),
        None => hazards::hazards(&reverse, context),
    };
    let mut down = placeholder.unwrap_or_else(|| sql::statements(&reverse, &context.reversed()));
    if hazards.iter().any(|h| h.kind == HazardKind::Irreversible)
        && let Some(first) = down.first_mut()
    {
        let note = format!(
            "The data is not restored: this recreates the structure removed by \"{}\".",
            describe_change(change)
        );
        first.comment = Some(match first.comment.take() {
            Some(own) => format!("{note}\n{own}"),
            None => note,
        });
    }
    Step {
        summary: describe_change(change),
        up: sql::statements(change, context),
        down,
        down_hazards,
        hazards,
        locks: hazards::locks(change, context),
    }
}

/// What the statements of a change need to know about the rest of the plan.
pub(crate) struct Context {
    /// Tables created (or, for reverse changes, re-created) by this plan: online techniques and
    /// lock hazards do not apply to them.
    new_tables: BTreeSet<String>,
    /// The first grant of the plan to each role, `(table, role)`: it makes sure the role exists.
    creates_role: BTreeSet<(String, String)>,
    /// As `creates_role`, for a first grant that is USAGE on a namespace, `(namespace, role)`.
    creates_role_on_schema: BTreeSet<(String, String)>,
    online: bool,
    timeouts: TimeoutPolicy,
    partitioned: BTreeSet<String>,
    partitions: BTreeMap<String, PartitionsOf>,
    /// The statements are a step's down: the partitions that exist when they run are those
    /// before the plan.
    reversed: bool,
    extension_users: BTreeMap<String, ExtensionUsers>,
    domains: BTreeMap<String, Domain>,
}

impl Context {
    fn new(changes: &[Change], options: &PlanOptions) -> Self {
        let new_tables = changes
            .iter()
            .filter_map(|change| match change {
                Change::CreateTable(t) | Change::DropTable(t) => Some(t.name.clone()),
                _ => None,
            })
            .collect();
        let mut creates_role = BTreeSet::new();
        let mut creates_role_on_schema = BTreeSet::new();
        let mut roles = BTreeSet::new();
        for change in changes {
            match change {
                Change::Grant { table, grant } if roles.insert(grant.role.clone()) => {
                    creates_role.insert((table.clone(), grant.role.clone()));
                }
                Change::GrantSchemaUsage { schema, role } if roles.insert(role.clone()) => {
                    creates_role_on_schema.insert((schema.clone(), role.clone()));
                }
                _ => {}
            }
        }
        Context {
            new_tables,
            creates_role,
            creates_role_on_schema,
            online: !options.fast,
            timeouts: options.timeouts,
            partitioned: options.partitioned.clone(),
            partitions: options.partitions.clone(),
            reversed: false,
            extension_users: options.extension_users.clone(),
            domains: options.domains.clone(),
        }
    }

    /// This context for statements that run in the plain form (no online techniques).
    pub(crate) fn plain(&self) -> Context {
        Context {
            new_tables: self.new_tables.clone(),
            creates_role: self.creates_role.clone(),
            creates_role_on_schema: self.creates_role_on_schema.clone(),
            online: false,
            timeouts: self.timeouts,
            partitioned: self.partitioned.clone(),
            partitions: self.partitions.clone(),
            reversed: self.reversed,
            extension_users: self.extension_users.clone(),
            domains: self.domains.clone(),
        }
    }

    /// This context for a step's down.
    fn reversed(&self) -> Context {
        Context {
            online: self.online,
            reversed: true,
            ..self.plain()
        }
    }

    /// The partitions of `table` when the statements run.
    pub(crate) fn partitions_of(&self, table: &str) -> &[String] {
        self.partitions
            .get(table)
            .map_or(&[], |of| if self.reversed { &of.before } else { &of.after })
    }

    /// Whether an index of `table` is built partition by partition: the table is partitioned,
    /// exists before the plan, and has partitions (`CREATE INDEX CONCURRENTLY` cannot build a
    /// partitioned index).
    pub(crate) fn builds_by_partition(&self, table: &str) -> bool {
        self.online
            && self.exists(table)
            && self.partitioned.contains(table)
            && !self.partitions_of(table).is_empty()
    }

    /// The type under domains: a domain's base type (through domains over domains), or `ty`.
    pub(crate) fn base_type<'t>(&'t self, ty: &'t ColumnType) -> &'t ColumnType {
        let mut ty = ty;
        for _ in 0..8 {
            match ty {
                ColumnType::Other(name) => match self.domains.get(name) {
                    Some(domain) => ty = &domain.data_type,
                    None => break,
                },
                _ => break,
            }
        }
        ty
    }

    /// The domain `ty` is, if it is one of the plan's.
    pub(crate) fn domain(&self, ty: &ColumnType) -> Option<&Domain> {
        match ty {
            ColumnType::Other(name) => self.domains.get(name),
            _ => None,
        }
    }

    /// Whether `table` exists, with rows, before the plan runs.
    fn exists(&self, table: &str) -> bool {
        !self.new_tables.contains(table)
    }

    /// Whether to use the online technique for a change on `table`.
    fn online(&self, table: &str) -> bool {
        self.online && self.exists(table) && !self.partitioned.contains(table)
    }
}

/// Drops of a foreign key or an index that a new one of the same table replaces (the new key or
/// index covers the old one's columns, as when a key becomes tenant-scoped). They run after the
/// replacement is built, so the table is never without its check or its index; and the down
/// brings the old ones back before it removes the new ones. A drop that something else of the
/// plan needs first (its column or its referenced key goes, or changes) keeps its place.
fn superseded(changes: &[Change]) -> Vec<Change> {
    let touched_column = |table: &str, columns: &[String]| {
        changes.iter().any(|change| match change {
            Change::DropColumn { table: t, column } => t == table && columns.contains(&column.name),
            Change::AlterColumn { table: t, from, to } => {
                t == table && columns.contains(&from.name) && from != to
            }
            Change::RenameColumn { table: t, from, .. } => t == table && columns.contains(from),
            Change::DropTable(t) => t.name == table,
            Change::RenameTable { from, .. } => from == table,
            _ => false,
        })
    };
    let key_dropped = |table: &str| {
        changes.iter().any(|change| match change {
            Change::DropPrimaryKey { table: t, .. }
            | Change::DropUnique { table: t, .. }
            | Change::ReplaceUnique { table: t, .. }
            | Change::ReplacePrimaryKey { table: t, .. } => t == table,
            Change::DropIndex { table: t, index } => t == table && index.unique,
            _ => false,
        })
    };
    let covers =
        |new: &[String], old: &[String]| old.iter().all(|c| new.contains(c)) && new.len() > old.len();
    let mut out = Vec::new();
    for change in changes {
        let replaced = match change {
            Change::DropForeignKey { table, foreign_key } => {
                !touched_column(table, &foreign_key.columns)
                    && !touched_column(&foreign_key.referenced_table, &foreign_key.referenced_columns)
                    && !key_dropped(&foreign_key.referenced_table)
                    && changes.iter().any(|other| match other {
                        Change::AddForeignKey {
                            table: t,
                            foreign_key: new,
                        } => {
                            t == table
                                && new.referenced_table == foreign_key.referenced_table
                                && covers(&new.columns, &foreign_key.columns)
                        }
                        _ => false,
                    })
            }
            Change::DropIndex { table, index } => {
                let columns: Vec<String> = index.key_columns().map(str::to_owned).collect();
                !index.unique
                    && index.predicate.is_none()
                    && columns.len() == index.keys.len()
                    && !touched_column(table, &columns)
                    && changes.iter().any(|other| match other {
                        Change::CreateIndex { table: t, index: new } => {
                            t == table
                                && new.predicate.is_none()
                                && new.method == index.method
                                && covers(
                                    &new.key_columns().map(str::to_owned).collect::<Vec<_>>(),
                                    &columns,
                                )
                        }
                        _ => false,
                    })
            }
            _ => false,
        };
        if replaced {
            out.push(change.clone());
        }
    }
    out
}

/// A function's identity to Postgres: its name and input types.
fn identity(function: &Function) -> (String, Vec<String>) {
    let types = function.input_types().into_iter().map(str::to_owned).collect();
    (function.name.clone(), types)
}

/// The functions dropped and created again under the same identity (a new result, argument
/// names or OUT arguments), with the phase of their creation: `CREATE OR REPLACE` cannot make
/// the new one out of the old, and the old one's `DROP FUNCTION` would take the new one, so the
/// drop comes right before the creation, once what calls it is gone.
fn recreated_functions(changes: &[Change]) -> BTreeMap<(String, Vec<String>), u8> {
    let mut out = BTreeMap::new();
    for change in changes {
        let Change::DropFunction(old) = change else {
            continue;
        };
        let create = changes.iter().find(|other| {
            matches!(other, Change::CreateFunction(new) if new != old && crate::diff::same_identity(old, new))
        });
        if let Some(create) = create {
            out.insert(identity(old), phase(create));
        }
    }
    out
}

/// The phase at which each function dropped while declared (see
/// [`crate::diff::rebuilt_functions`]) exists again, by name.
fn rebuilt_function_phases(changes: &[Change]) -> BTreeMap<String, u8> {
    let rebuilt = crate::diff::rebuilt_functions(changes);
    let mut out = BTreeMap::new();
    for change in changes {
        if let Change::CreateFunction(f) | Change::ReplaceFunction { to: f, .. } = change
            && rebuilt.contains(&f.name)
        {
            let at = out.entry(f.name.clone()).or_insert(0);
            *at = (*at).max(phase(change));
        }
    }
    out
}

/// The latest phase at which a rebuilt function a definition calls exists again.
fn calls_rebuilt(change: &Change, rebuilt: &BTreeMap<String, u8>) -> Option<u8> {
    let definitions = crate::diff::definitions(change);
    rebuilt
        .iter()
        .filter(|(name, _)| {
            definitions
                .iter()
                .any(|sql| crate::diff::names_identifier(sql, name))
        })
        .map(|(_, at)| *at)
        .max()
}

/// How a policy dropped and created again by one plan (changed, or rebuilt around a column
/// change) is ordered. A dropped policy under FORCE ROW LEVEL SECURITY hides every row of the
/// table, so the drop and the create must commit together, never with a concurrent index build,
/// a validation or an `ADD VALUE` (each of which commits) in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyReplacement {
    /// Dropped right before it is created, with the other policies.
    Together,
    /// The old policy uses a column whose type changes (or calls a function dropped and created
    /// again), which Postgres refuses while the policy exists: dropped right before the first of
    /// those changes (by phase) and created right after the last.
    AroundColumnChanges { first: u8, last: u8 },
}

fn replaced_policies(changes: &[Change]) -> BTreeMap<(String, String), PolicyReplacement> {
    let created: BTreeSet<(&str, &str)> = changes
        .iter()
        .filter_map(|change| match change {
            Change::CreatePolicy { table, policy } => Some((table.as_str(), policy.name.as_str())),
            _ => None,
        })
        .collect();
    let rebuilt_functions = crate::diff::rebuilt_functions(changes);
    let mut out = BTreeMap::new();
    for change in changes {
        let Change::DropPolicy { table, policy } = change else {
            continue;
        };
        if !created.contains(&(table.as_str(), policy.name.as_str())) {
            continue;
        }
        let uses = |column: &str| policy_uses(policy, table, column);
        let new_policy = changes.iter().find_map(|c| match c {
            Change::CreatePolicy { table: t, policy: p } if t == table && p.name == policy.name => Some(p),
            _ => None,
        });
        let new_uses = |name: &str| {
            new_policy.is_some_and(|p| {
                [&p.using, &p.with_check]
                    .into_iter()
                    .flatten()
                    .any(|sql| crate::diff::names_identifier(sql, name))
            })
        };
        let uses_either = |name: &str| uses(name) || new_uses(name);
        let mut replacement = Some(PolicyReplacement::Together);
        for other in changes {
            match other {
                // Adding values removes none and converts no column: only a new definition that
                // may use an added value (usable once committed) waits for it. The old one, even
                // naming the type, goes whenever its own column changes need it.
                Change::AddEnumValues { from, columns, .. }
                    if new_uses(&from.name)
                        || columns.iter().any(|c| &c.table == table && new_uses(&c.column)) =>
                {
                    replacement = None
                }
                // An enum change of a column the policy names: the old definition may need a value
                // the change removes, the new one a value it adds (usable only once committed),
                // and the recreation (in either direction) converts the column, which Postgres
                // refuses under a policy. The drop keeps its early place and the create its late
                // one, around the enum change.
                Change::RecreateEnum { from, columns, .. }
                    if uses_either(&from.name)
                        || columns
                            .iter()
                            .any(|c| &c.table == table && uses_either(&c.column)) =>
                {
                    replacement = None
                }
                // Postgres refuses to drop a column a policy names, or to change its type: the
                // policy goes right before and comes back right after, in their transaction.
                Change::DropColumn { table: t, column } if t == table && uses(&column.name) => {
                    let at = phase(other);
                    replacement = around(replacement, at);
                }
                // Postgres refuses to drop a function a policy calls: the policy goes right
                // before the function is dropped and comes back right after it is created.
                Change::CreateFunction(f) | Change::ReplaceFunction { to: f, .. }
                    if rebuilt_functions.contains(&f.name) && policy_calls(policy, &f.name) =>
                {
                    let at = phase(other);
                    replacement = around(replacement, at);
                }
                Change::AlterColumn { table: t, from, to }
                    if t == table
                        && (from.ty != to.ty || from.collation != to.collation)
                        && uses(&from.name) =>
                {
                    let at = phase(other);
                    replacement = around(replacement, at);
                }
                _ => {}
            }
        }
        if let Some(replacement) = replacement {
            out.insert((table.clone(), policy.name.clone()), replacement);
        }
    }
    out
}

/// A replacement widened to a change at phase `at` it must be dropped before and created after.
fn around(replacement: Option<PolicyReplacement>, at: u8) -> Option<PolicyReplacement> {
    match replacement {
        None => None,
        Some(PolicyReplacement::Together) => {
            Some(PolicyReplacement::AroundColumnChanges { first: at, last: at })
        }
        Some(PolicyReplacement::AroundColumnChanges { first, last }) => {
            Some(PolicyReplacement::AroundColumnChanges {
                first: first.min(at),
                last: last.max(at),
            })
        }
    }
}

/// Keep nothing but the column changes that need it between a policy's drop and its creation
/// around column changes: the sort puts the drop before the first of them and the creation after
/// the last, so other changes of the same phases fall in between, and one that commits (a
/// `SET NOT NULL` through a validated check, a concurrent index build) would leave the table
/// without its policy at that commit. They move before the drop: none of them needs the policy
/// gone, and everything they need already ran before them.
fn close_policy_windows(
    mut changes: Vec<Change>,
    replaced: &BTreeMap<(String, String), PolicyReplacement>,
) -> Vec<Change> {
    for ((table, name), replacement) in replaced {
        if !matches!(replacement, PolicyReplacement::AroundColumnChanges { .. }) {
            continue;
        }
        let drop = changes.iter().position(
            |c| matches!(c, Change::DropPolicy { table: t, policy } if t == table && &policy.name == name),
        );
        let create = changes.iter().position(
            |c| matches!(c, Change::CreatePolicy { table: t, policy } if t == table && &policy.name == name),
        );
        let (Some(drop), Some(create)) = (drop, create) else {
            continue;
        };
        if create <= drop {
            continue;
        }
        let Change::DropPolicy { policy, .. } = &changes[drop] else {
            unreachable!("found as a policy drop above")
        };
        let policy = policy.clone();
        // The column changes this policy is dropped for, and the drops and creations of the
        // other policies around column changes (another policy over the same column has its
        // window over the same change: the windows nest, none is moved out of another).
        let needs_it = |change: &Change| match change {
            Change::AlterColumn { table: t, from, to } => {
                t == table
                    && (from.ty != to.ty || from.collation != to.collation)
                    && policy_uses(&policy, table, &from.name)
            }
            Change::DropColumn { table: t, column } => {
                t == table && policy_uses(&policy, table, &column.name)
            }
            // A function it calls, dropped and created again, and the functions that call
            // that one (created after it): none commits.
            Change::DropFunction(_) | Change::CreateFunction(_) | Change::ReplaceFunction { .. } => true,
            // Another policy replaced around the same changes stays inside with them: moved
            // before this drop, its creation would come before the column change it waits for.
            Change::DropPolicy {
                table: t,
                policy: other,
            }
            | Change::CreatePolicy {
                table: t,
                policy: other,
            } => {
                matches!(
                    replaced.get(&(t.clone(), other.name.clone())),
                    Some(PolicyReplacement::AroundColumnChanges { .. })
                )
            }
            _ => false,
        };
        let window: Vec<Change> = changes.drain(drop..=create).collect();
        let (inside, outside): (Vec<Change>, Vec<Change>) = window[1..window.len() - 1]
            .iter()
            .cloned()
            .partition(|c| needs_it(c));
        let mut reordered = outside;
        reordered.push(window[0].clone());
        reordered.extend(inside);
        reordered.push(window[window.len() - 1].clone());
        changes.splice(drop..drop, reordered);
    }
    changes
}

/// Whether the old definition of a policy names `column` (or its own table, in a subquery).
fn policy_uses(policy: &schema_core::model::Policy, table: &str, column: &str) -> bool {
    [&policy.using, &policy.with_check]
        .into_iter()
        .flatten()
        .any(|sql| crate::diff::names_identifier(sql, column) || crate::diff::names_identifier(sql, table))
}

/// Whether the old definition of a policy calls (names) the function `name`.
fn policy_calls(policy: &schema_core::model::Policy, name: &str) -> bool {
    [&policy.using, &policy.with_check]
        .into_iter()
        .flatten()
        .any(|sql| crate::diff::names_identifier(sql, name))
}

/// Where the last objects are created (triggers and views): what may commit in its statements
/// and waits for a rebuilt function comes after them.
const LAST_CREATE: u8 = 18;

/// Where superseded drops run: after the foreign keys are added (16), before row-level security.
const LATE_DROP: u8 = 16;

/// The up order of a change.
fn phase(change: &Change) -> u8 {
    use Change::*;
    match change {
        // Before anything goes into it (a table moved into it by a rename too).
        CreateSchema(_) => 0,
        // Before everything that may use what they make (extension types, collations); the
        // down drops them after everything that used them.
        CreateExtension(_) | AlterExtension { .. } | CreateCollation(_) | ReplaceCollation { .. } => 6,
        // After the enum types and sequences they may be over or take defaults from, before the
        // functions, tables and columns of their type.
        CreateDomain(_) | ReplaceDomain { .. } => 10,
        // After the columns of its type changed, before the checks that may rely on it.
        AlterDomain { .. } => 15,
        // After the columns of their type (a domain is listed before the enum it may be over).
        DropDomain(_) => 14,
        // After everything that used them: columns, indexes, domains, functions.
        DropExtension(_) | DropCollation(_) => 20,
        // Before renames too: the down creates them again after the renames are undone.
        DropView(_) => 0,
        // A SQL-standard body depends on the tables and columns it reads, as a view does.
        DropFunction(f) if f.sql_body => 0,
        // Table renames come first among the renames: `diff` lists them first.
        RenameTable { .. } | RenameColumn { .. } => 1,
        // With the table renames: after the namespace it goes to is created, before anything
        // created or changed under its new name.
        MoveObject { .. } => 1,
        RenameIndex { .. } | RenameConstraint { .. } => 2,
        DropTrigger { .. } | DropPolicy { .. } | Revoke { .. } | RevokeSchemaUsage { .. } => 3,
        // Released before tables and columns go, so the sequence does not go with them.
        SetSequenceOwner { to: None, .. } => 3,
        DropForeignKey { .. } => 4,
        DropIndex { .. } | DropCheck { .. } | DropUnique { .. } | DropPrimaryKey { .. } => 5,
        // What uses an enum type leaves it before its values change and comes after: a
        // recreation (the up of removed values, the down of added ones) drops the old type.
        DropTable(_) | DropPartition { .. } => 7,
        Repartition { .. } => 7,
        DropColumn { .. } => 8,
        AlterColumn { from, to, .. }
            if from.ty != to.ty && from.ty.enum_name().is_some() && to.ty.enum_name().is_none() =>
        {
            8
        }
        CreateEnum(_) | AddEnumValues { .. } | RecreateEnum { .. } => 9,
        // Postgres checks a SQL function's body against the tables it reads (a lookup's), so
        // those come after the tables and columns; other bodies are checked when they run.
        CreateFunction(f) | ReplaceFunction { to: f, .. } if f.language == "sql" => 16,
        // Before the columns whose defaults take values from them.
        CreateSequence(_) | AlterSequence { .. } => 9,
        CreateFunction(_) | ReplaceFunction { .. } => 10,
        CreateTable(_) => 11,
        CreatePartition { .. } => 12,
        ChangePartitionBound { .. } => 15,
        AddColumn { .. } => 12,
        AlterColumn { .. } => 13,
        // After the columns whose defaults took values from them.
        DropEnum(_) | DropSequence(_) => 14,
        AddPrimaryKey { .. }
        | AddUnique { .. }
        | ReplaceUnique { .. }
        | ReplacePrimaryKey { .. }
        | AddCheck { .. }
        | ValidateCheck { .. }
        | InvalidateCheck { .. }
        | IndexToUnique { .. }
        | UniqueToIndex { .. }
        | CreateIndex { .. }
        | ReplaceIndex { .. } => 15,
        AddForeignKey { .. } | AlterForeignKey { .. } => 16,
        // Once the owning column exists.
        SetSequenceOwner { .. } => 16,
        SetRowLevelSecurity { .. } | CreatePolicy { .. } | Grant { .. } | GrantSchemaUsage { .. } => 17,
        CreateTrigger { .. } => 18,
        // Once what they read exists as it will be.
        CreateView(_) => 18,
        DropFunction(_) => 19,
        SetTableComment { .. }
        | SetColumnComment { .. }
        | SetIndexComment { .. }
        | SetEnumComment { .. }
        | SetViewComment { .. } => 20,
        // Once everything declared has left it.
        DropSchema(_) => 21,
    }
}

/// A change in words, e.g. "add column invoices.due_on".
pub fn describe_change(change: &Change) -> String {
    summary(change)
}

fn summary(change: &Change) -> String {
    use Change::*;
    match change {
        CreateExtension(e) => format!("create extension {}", e.name),
        DropExtension(e) => format!("drop extension {}", e.name),
        AlterExtension { from, to } if from.version != to.version => format!(
            "update extension {} to {}",
            to.name,
            to.version.as_deref().unwrap_or("its default version")
        ),
        AlterExtension { to, .. } => format!(
            "move extension {} to schema {}",
            to.name,
            to.schema.as_deref().unwrap_or("of the schema")
        ),
        CreateCollation(c) => format!("create collation {}", c.name),
        DropCollation(c) => format!("drop collation {}", c.name),
        ReplaceCollation { to, .. } => format!("replace collation {}", to.name),
        CreateDomain(d) => format!("create domain {}", d.name),
        DropDomain(d) => format!("drop domain {}", d.name),
        AlterDomain { to, .. } => format!("alter domain {}", to.name),
        ReplaceDomain { to, .. } => format!("replace domain {}", to.name),
        CreateEnum(e) => format!("create enum type {}", e.name),
        DropEnum(e) => format!("drop enum type {}", e.name),
        AddEnumValues {
            from, to, policies, ..
        } => {
            let added: Vec<&str> = to
                .values
                .iter()
                .filter(|v| !from.values.contains(v))
                .map(String::as_str)
                .collect();
            format!(
                "add value(s) {} to enum type {}{}",
                added.join(", "),
                to.name,
                replacing(policies)
            )
        }
        RecreateEnum {
            from, to, policies, ..
        } => {
            let removed: Vec<&str> = from
                .values
                .iter()
                .filter(|v| !to.values.contains(v))
                .map(String::as_str)
                .collect();
            (if removed.is_empty() {
                format!("reorder the values of enum type {}", to.name)
            } else {
                format!(
                    "remove value(s) {} from enum type {}",
                    removed.join(", "),
                    to.name
                )
            }) + &replacing(policies)
        }
        CreateSchema(name) => format!("create schema {name}"),
        DropSchema(name) => format!("drop schema {name}"),
        GrantSchemaUsage { schema, role } => format!("grant usage on schema {schema} to {role}"),
        MoveObject { object, from, to, .. } => {
            let what = match object {
                schema_core::ObjectKind::Enum => "enum type",
                schema_core::ObjectKind::Sequence => "sequence",
                schema_core::ObjectKind::View => "view",
                schema_core::ObjectKind::Function => "function",
            };
            if schema_core::ident::namespace_of(from) == schema_core::ident::namespace_of(to) {
                format!("rename {what} {from} to {to}")
            } else {
                format!("move {what} {from} to {to}")
            }
        }
        RevokeSchemaUsage { schema, role } => format!("revoke usage on schema {schema} from {role}"),
        CreateFunction(f) => format!("create function {}({})", f.name, f.arguments),
        DropFunction(f) => format!("drop function {}({})", f.name, f.arguments),
        ReplaceFunction { to, .. } => format!("replace function {}({})", to.name, to.arguments),
        CreateView(v) => format!(
            "create {}view {}",
            if v.materialized { "materialized " } else { "" },
            v.name
        ),
        DropView(v) => format!(
            "drop {}view {}",
            if v.materialized { "materialized " } else { "" },
            v.name
        ),
        CreateSequence(s) => format!("create sequence {}", s.name),
        DropSequence(s) => format!("drop sequence {}", s.name),
        AlterSequence { to, .. } => format!("alter sequence {}", to.name),
        SetSequenceOwner { sequence, to, .. } => match to {
            Some(owner) => format!("sequence {sequence} owned by {}.{}", owner.table, owner.column),
            None => format!("sequence {sequence} owned by no column"),
        },
        CreateTable(t) => format!("create table {}", t.name),
        DropTable(t) => format!("drop table {}", t.name),
        CreatePartition { table, partition } => {
            format!(
                "create partition {} of {table} {}",
                partition.name, partition.bound
            )
        }
        DropPartition { table, partition } => format!("drop partition {} of {table}", partition.name),
        ChangePartitionBound { table, to, .. } => {
            format!("move partition {} of {table} to {}", to.name, to.bound)
        }
        Repartition { table, from, to } => format!(
            "repartition table {table} ({} → {})",
            from.as_deref().unwrap_or("not partitioned"),
            to.as_deref().unwrap_or("not partitioned")
        ),
        RenameTable { from, to } => format!("rename table {from} to {to}"),
        AddColumn { table, column } => format!("add column {table}.{}", column.name),
        DropColumn { table, column } => format!("drop column {table}.{}", column.name),
        RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
        AlterColumn { table, from, to } => {
            let mut what = Vec::new();
            if from.ty != to.ty {
                what.push(format!("type {} → {}", from.ty, to.ty));
            }
            if from.collation != to.collation {
                let name =
                    |c: &Option<String>| c.as_deref().map_or("default".to_owned(), |c| format!("\"{c}\""));
                what.push(format!(
                    "collation {} → {}",
                    name(&from.collation),
                    name(&to.collation)
                ));
            }
            if from.nullable != to.nullable {
                what.push(if to.nullable {
                    "drop not null".to_owned()
                } else {
                    "set not null".to_owned()
                });
            }
            if from.default != to.default {
                what.push(match &to.default {
                    Some(d) => format!("default {d}"),
                    None => "drop default".to_owned(),
                });
            }
            if from.identity != to.identity {
                what.push("identity".to_owned());
            }
            if from.identity_options != to.identity_options {
                what.push("identity options".to_owned());
            }
            if from.generated != to.generated {
                what.push("generation expression".to_owned());
            }
            format!("alter column {table}.{}: {}", to.name, what.join(", "))
        }
        AddPrimaryKey { table, primary_key } => {
            format!(
                "add primary key {} on {table} ({})",
                primary_key.name,
                primary_key.columns.join(", ")
            )
        }
        DropPrimaryKey { table, primary_key } => format!("drop primary key {} on {table}", primary_key.name),
        AddUnique { table, unique } => {
            format!(
                "add unique constraint {} on {table} ({})",
                unique.name,
                unique.columns.join(", ")
            )
        }
        DropUnique { table, unique } => format!("drop unique constraint {} on {table}", unique.name),
        ReplaceUnique { table, to, .. } => format!("rebuild unique constraint {} on {table}", to.name),
        ReplacePrimaryKey { table, to, .. } => format!("rebuild primary key {} on {table}", to.name),
        AddCheck { table, check } => format!("add check constraint {} on {table}", check.name),
        DropCheck { table, check } => format!("drop check constraint {} on {table}", check.name),
        IndexToUnique { table, index, unique } => format!(
            "attach unique index {} on {table} as unique constraint {}",
            index.name, unique.name
        ),
        UniqueToIndex { table, unique, index } => format!(
            "replace unique constraint {} on {table} by unique index {}",
            unique.name, index.name
        ),
        ValidateCheck { table, check } => format!("validate check constraint {} on {table}", check.name),
        InvalidateCheck { table, check } => {
            format!("mark check constraint {} on {table} NOT VALID", check.name)
        }
        AddForeignKey { table, foreign_key } => format!(
            "add foreign key {} on {table} ({}) → {}",
            foreign_key.name,
            foreign_key.columns.join(", "),
            foreign_key.referenced_table
        ),
        DropForeignKey { table, foreign_key } => format!("drop foreign key {} on {table}", foreign_key.name),
        AlterForeignKey { table, from, to } => {
            let mut what = Vec::new();
            if from.deferrable != to.deferrable {
                what.push(match to.deferrable {
                    Deferrable::NotDeferrable => "NOT DEFERRABLE",
                    Deferrable::InitiallyImmediate => "DEFERRABLE INITIALLY IMMEDIATE",
                    Deferrable::InitiallyDeferred => "DEFERRABLE INITIALLY DEFERRED",
                });
            }
            match (from.not_valid, to.not_valid) {
                (true, false) => what.push("validated"),
                (false, true) => what.push("NOT VALID"),
                _ => {}
            }
            format!("make foreign key {} on {table} {}", to.name, what.join(", "))
        }
        RenameConstraint { table, from, to } => format!("rename constraint {from} on {table} to {to}"),
        CreateIndex { table, index } => format!("create index {} on {table}", index.name),
        DropIndex { table, index } => format!("drop index {} on {table}", index.name),
        RenameIndex { from, to, .. } => format!("rename index {from} to {to}"),
        ReplaceIndex { table, to, .. } => {
            format!("rebuild index {} on {table} with a new definition", to.name)
        }
        SetRowLevelSecurity { table, to, .. } => format!(
            "row-level security on {table}: {}, {}",
            if to.enabled { "enabled" } else { "disabled" },
            if to.forced { "forced" } else { "not forced" }
        ),
        CreatePolicy { table, policy } => format!("create policy {} on {table}", policy.name),
        Grant { table, grant } => format!("grant {} on {table} to {}", privilege_names(grant), grant.role),
        Revoke { table, grant } => {
            format!("revoke {} on {table} from {}", privilege_names(grant), grant.role)
        }
        DropPolicy { table, policy } => format!("drop policy {} on {table}", policy.name),
        CreateTrigger { table, trigger } => format!("create trigger {} on {table}", trigger.name),
        DropTrigger { table, trigger } => format!("drop trigger {} on {table}", trigger.name),
        SetTableComment { table, .. } => format!("comment on table {table}"),
        SetColumnComment { table, column, .. } => format!("comment on column {table}.{column}"),
        SetIndexComment { table, index, .. } => format!("comment on index {index} of {table}"),
        SetEnumComment { name, .. } => format!("comment on enum type {name}"),
        SetViewComment {
            view, materialized, ..
        } => format!(
            "comment on {}view {view}",
            if *materialized { "materialized " } else { "" }
        ),
    }
}

/// ", replacing policy t.p" for the policies an enum change replaces.
fn replacing(policies: &[crate::diff::PolicySwap]) -> String {
    policies
        .iter()
        .map(|swap| format!(", replacing policy {} on {}", swap.to.name, swap.table))
        .collect()
}

fn privilege_names(grant: &schema_core::model::Grant) -> String {
    let table_wide = grant.privileges.iter().map(|p| p.sql().to_owned());
    let on_columns = grant
        .columns
        .iter()
        .map(|c| format!("{} ({})", c.privilege.sql(), c.columns.join(", ")));
    table_wide.chain(on_columns).collect::<Vec<_>>().join(", ")
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether any step deletes data.
    pub fn is_destructive(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.hazards.iter().any(|h| h.kind == HazardKind::DeletesData))
    }

    /// The up statements, in order.
    pub fn up(&self) -> Vec<&Statement> {
        self.steps.iter().flat_map(|s| &s.up).collect()
    }

    /// The down statements, in order: each step's down, last step first.
    pub fn down(&self) -> Vec<&Statement> {
        self.steps.iter().rev().flat_map(|s| &s.down).collect()
    }

    /// The up migration as a script for `psql -v ON_ERROR_STOP=1`.
    pub fn up_script(&self) -> String {
        script(&self.up())
    }

    /// The down migration as a script for `psql -v ON_ERROR_STOP=1`.
    pub fn down_script(&self) -> String {
        script(&self.down())
    }
}

/// `SET lock_timeout`/`statement_timeout` statements for `timeouts`.
pub fn timeout_settings(timeouts: &Timeouts) -> [String; 2] {
    [
        format!("SET lock_timeout = '{}ms'", timeouts.lock.as_millis()),
        format!("SET statement_timeout = '{}ms'", timeouts.statement.as_millis()),
    ]
}

/// Statements as a script: consecutive transactional statements inside `BEGIN; ... COMMIT;`,
/// the others on their own, each preceded by its timeouts when they change. No statements, no
/// text.
pub fn script(statements: &[&Statement]) -> String {
    render_script(statements, true)
}

/// The statements for a runner that wraps them in one transaction itself: no BEGIN/COMMIT, and
/// timeouts set with `SET LOCAL` so they end with the transaction. Only for statements that are
/// all transactional.
pub fn transaction_body(statements: &[&Statement]) -> String {
    debug_assert!(statements.iter().all(|s| s.transactional));
    render_script(statements, false)
}

fn render_script(statements: &[&Statement], transactions: bool) -> String {
    let mut sql = String::new();
    let mut in_transaction = false;
    let mut current: Option<Timeouts> = None;
    for statement in statements {
        if transactions && statement.transactional && !in_transaction {
            sql.push_str("BEGIN;\n\n");
            in_transaction = true;
        } else if transactions && !statement.transactional && in_transaction {
            sql.push_str("COMMIT;\n\n");
            in_transaction = false;
        }
        if let Some(timeouts) = statement.timeouts
            && current != Some(timeouts)
        {
            for setting in timeout_settings(&timeouts) {
                let setting = if transactions {
                    setting
                } else {
                    setting.replacen("SET ", "SET LOCAL ", 1)
                };
                sql.push_str(&setting);
                sql.push_str(";\n");
            }
            sql.push('\n');
            current = Some(timeouts);
        }
        if let Some(comment) = &statement.comment {
            for line in comment.lines() {
                sql.push_str("-- ");
                sql.push_str(line);
                sql.push('\n');
            }
        }
        sql.push_str(&statement.sql);
        sql.push_str(";\n\n");
    }
    if in_transaction {
        sql.push_str("COMMIT;\n\n");
    }
    if transactions && current.is_some() {
        sql.push_str("RESET lock_timeout;\nRESET statement_timeout;\n\n");
    }
    if sql.ends_with("\n\n") {
        sql.pop();
    }
    sql
}
