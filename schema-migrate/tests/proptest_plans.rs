//! Property tests: random pairs of schemas, and the plan between them proven on real Postgres.
//!
//! A base schema is generated from a small grammar (enum types; tables with columns of the common
//! types, defaults, primary keys, uniques, checks, indexes, foreign keys, row-level security,
//! policies and comments), with views over its tables (a materialized one, a view over a view)
//! and sequences, free or owned by a column. A target is derived from it by one to four random
//! mutations (and up to two of views and sequences: added, dropped, an owner moved), and a
//! repair pass keeps the pair consistent (no key on a dropped column, no foreign key between
//! columns of different types). A schema Postgres refuses to build is a bug of this generator.
//!
//! Properties, each checked with `proof::prove` on throwaway databases:
//! 1. the online plan (the default) from base to target is proven;
//! 2. the plain (`fast`) plan is proven, planned from the models as declared (the path of
//!    `migrate generate`) rather than from their normalized form;
//! 3. a schema survives Postgres: normalizing it keeps every object, normalizing again changes
//!    nothing, and planning it against itself is empty;
//! 4. the plan from target back to base is proven too.
//!
//! `PROPTEST_CASES` sets the number of cases per property (default 24: every case builds several
//! throwaway databases); `PROPTEST_MAX_SHRINK_ITERS` bounds the shrinking of a failure (default
//! 256). A failure prints both schemas as DDL, ready for an acceptance case.

use std::fmt;
use std::future::Future;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index as Pick;
use proptest::test_runner::{TestCaseError, TestRunner};

use schema_core::Renames;
use schema_core::model::{
    CheckConstraint, Column, ColumnRef, ColumnType, Deferrable, EnumType, ForeignKey, Index, IndexKey,
    IndexTarget, NullsOrder, Policy, PolicyCommand, PrimaryKey, ReferentialAction, RowLevelSecurity, Schema,
    Sequence, SequenceOptions, SortOrder, Table, UniqueConstraint, View,
};
use schema_core::{ident, render};
use schema_migrate::diff::diff;
use schema_migrate::normalize::normalize;
use schema_migrate::plan::{Plan, PlanOptions, describe_change, plan};
use schema_migrate::proof::prove;

// ---- the properties ----

#[test]
fn online_plans_are_proven() {
    check(|pair| async move {
        let (from, to) = normalized(&pair).await?;
        let plan = planned(&from, &to, false)?;
        proven(&from, &to, &plan, "online").await
    });
}

#[test]
fn fast_plans_of_declared_models_are_proven() {
    check(|pair| async move {
        let plan = planned(&pair.from, &pair.to, true)?;
        proven(&pair.from, &pair.to, &plan, "fast").await
    });
}

#[test]
fn normalized_schemas_plan_nothing_against_themselves() {
    check(|pair| async move {
        let server = testkit::server_url();
        for (which, declared) in [("base", &pair.from), ("target", &pair.to)] {
            let once = normalize(&server, declared)
                .await
                .map_err(|e| generator_bug(which, e))?;
            let lost = diff(&shape(declared), &shape(&once), &Renames::default());
            prop_assert!(
                lost.is_empty(),
                "the {which} schema does not survive Postgres:\n{}",
                describe(&lost)
            );
            let twice = normalize(&server, &once).await.map_err(|e| {
                TestCaseError::fail(format!("the normalized {which} schema does not build: {e}"))
            })?;
            let plan = planned(&once, &twice, false)?;
            prop_assert!(
                plan.is_empty(),
                "normalizing the {which} schema again plans:\n{}",
                plan.up_script()
            );
        }
        Ok(())
    });
}

#[test]
fn plans_back_to_the_base_are_proven() {
    check(|pair| async move {
        let (from, to) = normalized(&pair).await?;
        let plan = planned(&to, &from, false)?;
        proven(&to, &from, &plan, "reverse").await
    });
}

// ---- running a property ----

/// Cases per property: `PROPTEST_CASES`, else 24.
fn config() -> ProptestConfig {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
    };
    ProptestConfig {
        cases: env("PROPTEST_CASES").unwrap_or(24),
        max_shrink_iters: env("PROPTEST_MAX_SHRINK_ITERS").unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Run `property` on generated pairs, each case on one runtime shared by the test.
fn check<F, Fut>(property: F)
where
    F: Fn(Pair) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut runner = TestRunner::new(config());
    if let Err(error) = runner.run(&pair(), |pair| runtime.block_on(property(pair))) {
        panic!("{error}");
    }
}

async fn normalized(pair: &Pair) -> Result<(Schema, Schema), TestCaseError> {
    let server = testkit::server_url();
    let from = normalize(&server, &pair.from)
        .await
        .map_err(|e| generator_bug("base", e))?;
    let to = normalize(&server, &pair.to)
        .await
        .map_err(|e| generator_bug("target", e))?;
    Ok((from, to))
}

fn generator_bug(which: &str, error: impl fmt::Display) -> TestCaseError {
    TestCaseError::fail(format!(
        "Postgres refuses the generated {which} schema (a bug of the generator): {error}"
    ))
}

/// The plan, destructive steps allowed. A refusal (`PlanError`) is documented behaviour, not a
/// failure: the case is skipped.
fn planned(from: &Schema, to: &Schema, fast: bool) -> Result<Plan, TestCaseError> {
    let options = PlanOptions {
        allow_destructive: true,
        fast,
        ..PlanOptions::default()
    };
    plan(from, to, &Renames::default(), &options)
        .map_err(|refusal| TestCaseError::reject(format!("the planner refuses: {refusal}")))
}

async fn proven(from: &Schema, to: &Schema, plan: &Plan, which: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !plan.is_empty(),
        "the schemas differ but the {which} plan is empty"
    );
    let proof = prove(&testkit::server_url(), from, to, plan)
        .await
        .map_err(|e| TestCaseError::fail(format!("the proof could not run: {e}")))?;
    prop_assert!(
        proof.is_proven(),
        "the {which} plan is not proven: {proof}\n-- up\n{}\n-- down\n{}",
        plan.up_script(),
        plan.down_script()
    );
    // No commit of either script leaves a policy missing, or row-level security off, on a
    // table that keeps it.
    for (script, after) in [(plan.up_script(), to), (plan.down_script(), from)] {
        let gaps = schema_migrate::isolation::gaps(&script, false, after);
        prop_assert!(
            gaps.is_empty(),
            "the {which} plan leaves isolation open: {gaps:?}\n{script}"
        );
    }
    Ok(())
}

fn describe(changes: &[schema_migrate::diff::Change]) -> String {
    changes
        .iter()
        .map(|c| format!("  - {}", describe_change(c)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The schema with its SQL expressions blanked out, which Postgres spells its own way, and the
/// collations of expression keys, which Postgres derives from the expression (`lower(c)` over a
/// `COLLATE "C"` column is read back with that collation); every other part must come back from
/// the catalog as declared.
fn shape(schema: &Schema) -> Schema {
    let blank = |e: &mut Option<String>| {
        if e.is_some() {
            *e = Some(String::new());
        }
    };
    let mut shape = schema.clone().canonical();
    for table in &mut shape.tables {
        table.columns.iter_mut().for_each(|c| blank(&mut c.default));
        table.checks.iter_mut().for_each(|c| c.expression.clear());
        for index in &mut table.indexes {
            blank(&mut index.predicate);
            for key in &mut index.keys {
                if let IndexTarget::Expression(e) = &mut key.target {
                    e.clear();
                    key.collation = None;
                }
            }
        }
        for policy in &mut table.policies {
            blank(&mut policy.using);
            blank(&mut policy.with_check);
        }
    }
    shape.views.iter_mut().for_each(|v| v.query.clear());
    shape
}

// ---- the pair ----

/// A base schema and a target derived from it, both in canonical form.
#[derive(Clone)]
struct Pair {
    from: Schema,
    to: Schema,
    mutations: Vec<String>,
}

impl fmt::Debug for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n-- base\n{}\n-- target ({})\n{}\n",
            render::schema_sql(&self.from),
            self.mutations.join("; "),
            render::schema_sql(&self.to)
        )
    }
}

fn pair() -> impl Strategy<Value = Pair> {
    (
        schema_spec(),
        vec(mutation(), 1..=4),
        relation_extras_spec(),
        vec(relation_extras_mutation(), 0..=2),
    )
        .prop_map(|(spec, mutations, extras, extra_mutations)| {
            let mut from = build_schema(&spec);
            add_relation_extras(&mut from, &extras);
            repair_relation_extras(&mut from);
            let mut to = from.clone();
            let mut applied = Vec::new();
            for mutation in &mutations {
                if let Some(done) = mutate(&mut to, mutation) {
                    applied.push(done);
                }
                repair(&mut to);
                repair_relation_extras(&mut to);
            }
            for mutation in &extra_mutations {
                if let Some(done) = mutate_relation_extras(&mut to, mutation) {
                    applied.push(done);
                }
                repair_relation_extras(&mut to);
            }
            Pair {
                from: from.canonical(),
                to: to.canonical(),
                mutations: applied,
            }
        })
        // A column dropped and added again under its name and type differs only in its position,
        // which no plan changes (Postgres cannot reorder columns): that cancels out too.
        .prop_filter("the mutations cancel out", |pair| {
            without_column_order(&pair.from) != without_column_order(&pair.to)
        })
}

fn without_column_order(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    for table in &mut schema.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema
}

// ---- the grammar ----

const ENUM_VALUES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
const COMMENTS: [&str; 3] = ["a table", "it's quoted", "ünïcode — fine"];

/// A column type; enum types are picked among those of the schema (text when there are none).
#[derive(Debug, Clone, Copy)]
enum TypeSpec {
    Integer,
    BigInt,
    Text,
    Varchar(u32),
    Boolean,
    Uuid,
    Timestamptz,
    Date,
    Numeric(u32, u32),
    Jsonb,
    IntegerArray,
    BigIntArray,
    TextArray,
    Enum(Pick),
    EnumArray(Pick),
}

#[derive(Debug, Clone)]
struct ColumnSpec {
    ty: TypeSpec,
    nullable: bool,
    default: Option<u8>,
    comment: Option<u8>,
    /// A collation, for string types.
    collation: Option<u8>,
}

#[derive(Debug, Clone)]
struct IndexSpec {
    first: Pick,
    second: Option<Pick>,
    desc: bool,
    /// A non-default NULLS order for the first key.
    nulls: bool,
    unique: bool,
    partial: bool,
    /// `lower(column)` instead of the column, on a string column.
    expression: bool,
}

#[derive(Debug, Clone)]
struct UniqueSpec {
    first: Pick,
    second: Option<Pick>,
    nulls_not_distinct: bool,
}

/// A foreign key to some table's single-column primary key, from a column of the same type
/// (an existing one when `existing` finds one, else a new column).
#[derive(Debug, Clone)]
struct FkSpec {
    target: Pick,
    existing: Option<Pick>,
    nullable: bool,
    on_delete: ReferentialAction,
    on_update: ReferentialAction,
    deferrable: Deferrable,
    match_full: bool,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    command: PolicyCommand,
    permissive: bool,
    /// `column IS NOT NULL` on this column, else `true`.
    column: Option<Pick>,
    with_check: bool,
}

#[derive(Debug, Clone)]
struct TableSpec {
    columns: Vec<ColumnSpec>,
    primary_key: Option<(Pick, Option<Pick>)>,
    uniques: Vec<UniqueSpec>,
    checks: Vec<Pick>,
    indexes: Vec<IndexSpec>,
    foreign_keys: Vec<FkSpec>,
    row_level_security: RowLevelSecurity,
    policies: Vec<PolicySpec>,
    comment: Option<u8>,
}

#[derive(Debug, Clone)]
struct SchemaSpec {
    /// The number of values of each enum type.
    enums: Vec<usize>,
    tables: Vec<TableSpec>,
}

fn type_spec() -> impl Strategy<Value = TypeSpec> {
    use TypeSpec::*;
    prop_oneof![
        3 => Just(Integer),
        3 => Just(BigInt),
        3 => Just(Text),
        2 => prop_oneof![Just(Varchar(10)), Just(Varchar(20))],
        1 => Just(Boolean),
        2 => Just(Uuid),
        1 => Just(Timestamptz),
        1 => Just(Date),
        2 => prop_oneof![Just(Numeric(10, 2)), Just(Numeric(12, 2)), Just(Numeric(10, 4))],
        1 => Just(Jsonb),
        1 => prop_oneof![Just(IntegerArray), Just(BigIntArray), Just(TextArray)],
        2 => any::<Pick>().prop_map(Enum),
        1 => any::<Pick>().prop_map(EnumArray),
    ]
}

fn column_spec() -> impl Strategy<Value = ColumnSpec> {
    (
        type_spec(),
        any::<bool>(),
        prop::option::weighted(0.3, 0u8..4),
        prop::option::weighted(0.15, 0u8..3),
        prop::option::weighted(0.15, 0u8..3),
    )
        .prop_map(|(ty, nullable, default, comment, collation)| ColumnSpec {
            ty,
            nullable,
            default,
            comment,
            collation,
        })
}

fn index_spec() -> impl Strategy<Value = IndexSpec> {
    (
        any::<Pick>(),
        prop::option::weighted(0.3, any::<Pick>()),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(first, second, desc, nulls, unique, partial, expression)| IndexSpec {
                first,
                second,
                desc,
                nulls,
                unique,
                partial,
                expression,
            },
        )
}

fn unique_spec() -> impl Strategy<Value = UniqueSpec> {
    (
        any::<Pick>(),
        prop::option::weighted(0.4, any::<Pick>()),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(first, second, nulls_not_distinct)| UniqueSpec {
            first,
            second,
            nulls_not_distinct,
        })
}

fn action() -> impl Strategy<Value = ReferentialAction> {
    use ReferentialAction::*;
    prop_oneof![
        3 => Just(NoAction),
        1 => Just(Restrict),
        2 => Just(Cascade),
        1 => Just(SetNull),
        1 => Just(SetDefault),
    ]
}

fn fk_spec() -> impl Strategy<Value = FkSpec> {
    (
        any::<Pick>(),
        prop::option::weighted(0.4, any::<Pick>()),
        any::<bool>(),
        action(),
        prop_oneof![4 => Just(ReferentialAction::NoAction), 1 => Just(ReferentialAction::Cascade)],
        prop_oneof![
            6 => Just(Deferrable::NotDeferrable),
            1 => Just(Deferrable::InitiallyImmediate),
            1 => Just(Deferrable::InitiallyDeferred),
        ],
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(target, existing, nullable, on_delete, on_update, deferrable, match_full)| FkSpec {
                target,
                existing,
                nullable,
                on_delete,
                on_update,
                deferrable,
                match_full,
            },
        )
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    use PolicyCommand::*;
    (
        prop_oneof![Just(All), Just(Select), Just(Insert), Just(Update), Just(Delete)],
        prop::bool::weighted(0.8),
        prop::option::of(any::<Pick>()),
        any::<bool>(),
    )
        .prop_map(|(command, permissive, column, with_check)| PolicySpec {
            command,
            permissive,
            column,
            with_check,
        })
}

fn row_level_security() -> impl Strategy<Value = RowLevelSecurity> {
    prop_oneof![
        3 => Just(RowLevelSecurity::default()),
        1 => Just(RowLevelSecurity { enabled: true, forced: false }),
        1 => Just(RowLevelSecurity { enabled: true, forced: true }),
        1 => Just(RowLevelSecurity { enabled: false, forced: true }),
    ]
}

fn table_spec() -> impl Strategy<Value = TableSpec> {
    (
        vec(column_spec(), 1..=6),
        prop::option::weighted(0.75, (any::<Pick>(), prop::option::weighted(0.25, any::<Pick>()))),
        vec(unique_spec(), 0..=2),
        vec(any::<Pick>(), 0..=2),
        vec(index_spec(), 0..=3),
        vec(fk_spec(), 0..=2),
        row_level_security(),
        vec(policy_spec(), 0..=2),
        prop::option::weighted(0.3, 0u8..3),
    )
        .prop_map(
            |(
                columns,
                primary_key,
                uniques,
                checks,
                indexes,
                foreign_keys,
                row_level_security,
                policies,
                comment,
            )| {
                TableSpec {
                    columns,
                    primary_key,
                    uniques,
                    checks,
                    indexes,
                    foreign_keys,
                    row_level_security,
                    policies,
                    comment,
                }
            },
        )
}

fn schema_spec() -> impl Strategy<Value = SchemaSpec> {
    (vec(2usize..=4, 0..=2), vec(table_spec(), 1..=5))
        .prop_map(|(enums, tables)| SchemaSpec { enums, tables })
}

// ---- building a schema from its spec ----

fn picked<T>(items: &[T], pick: Pick) -> Option<&T> {
    (!items.is_empty()).then(|| &items[pick.index(items.len())])
}

/// Remove the picked item, if there is any.
fn remove_picked<T>(items: &mut Vec<T>, pick: Pick) -> Option<T> {
    (!items.is_empty()).then(|| items.remove(pick.index(items.len())))
}

impl TypeSpec {
    fn resolve(self, enums: &[EnumType]) -> ColumnType {
        use ColumnType as C;
        let enum_type = |pick: Pick| picked(enums, pick).map_or(C::Text, |e| C::Enum(e.name.clone()));
        match self {
            TypeSpec::Integer => C::Integer,
            TypeSpec::BigInt => C::BigInt,
            TypeSpec::Text => C::Text,
            TypeSpec::Varchar(n) => C::Varchar(Some(n)),
            TypeSpec::Boolean => C::Boolean,
            TypeSpec::Uuid => C::Uuid,
            TypeSpec::Timestamptz => C::Timestamptz,
            TypeSpec::Date => C::Date,
            TypeSpec::Numeric(p, s) => C::Numeric(Some((p, s))),
            TypeSpec::Jsonb => C::Jsonb,
            TypeSpec::IntegerArray => C::Array(Box::new(C::Integer)),
            TypeSpec::BigIntArray => C::Array(Box::new(C::BigInt)),
            TypeSpec::TextArray => C::Array(Box::new(C::Text)),
            TypeSpec::Enum(pick) => enum_type(pick),
            TypeSpec::EnumArray(pick) => C::Array(Box::new(enum_type(pick))),
        }
    }
}

/// A constant (or stable) default of type `ty`, the `choice`-th of a few.
fn default_for(ty: &ColumnType, choice: u8, enums: &[EnumType]) -> Option<String> {
    use ColumnType as C;
    let options: Vec<String> = match ty {
        C::Integer | C::BigInt => vec!["0".into(), "42".into(), "-1".into()],
        C::Numeric(_) => vec!["0".into(), "1.5".into()],
        C::Text => vec!["''".into(), "'x'".into(), "'it''s'".into()],
        C::Varchar(_) => vec!["'ab'".into(), "''".into()],
        C::Boolean => vec!["true".into(), "false".into()],
        C::Uuid => vec!["'00000000-0000-0000-0000-000000000000'".into()],
        C::Timestamptz => vec!["now()".into(), "'2020-01-01 00:00:00+00'".into()],
        C::Date => vec!["'2020-01-01'".into(), "CURRENT_DATE".into()],
        C::Jsonb => vec!["'{}'".into(), "'[]'".into(), "'{\"k\": 1}'".into()],
        C::Array(inner) if **inner == C::Integer => vec!["'{}'".into(), "'{1,2}'".into()],
        C::Array(_) => vec!["'{}'".into()],
        C::Enum(name) => enums
            .iter()
            .find(|e| &e.name == name)?
            .values
            .iter()
            .map(|v| format!("'{v}'"))
            .collect(),
        _ => return None,
    };
    Some(options[choice as usize % options.len()].clone())
}

/// A condition on the column that fits its type, for checks and policies.
fn condition(column: &Column, enums: &[EnumType]) -> String {
    let name = &column.name;
    match &column.ty {
        ColumnType::Integer | ColumnType::BigInt | ColumnType::Numeric(_) => format!("{name} > 0"),
        ColumnType::Text | ColumnType::Varchar(_) => format!("char_length({name}) > 0"),
        ColumnType::Enum(e) => match enums.iter().find(|x| x.name == *e) {
            Some(e) => format!("{name} <> '{}'", e.values[0]),
            None => format!("{name} IS NOT NULL"),
        },
        _ => format!("{name} IS NOT NULL"),
    }
}

fn is_string(ty: &ColumnType) -> bool {
    matches!(ty, ColumnType::Text | ColumnType::Varchar(_))
}

/// Collations every Postgres has.
const COLLATIONS: [&str; 3] = ["C", "POSIX", "ucs_basic"];

/// Whether a column of type `ty` takes a collation.
fn collatable(ty: &ColumnType) -> bool {
    matches!(
        ty.element(),
        ColumnType::Text | ColumnType::Varchar(_) | ColumnType::Char(_)
    )
}

fn collation(ty: &ColumnType, choice: Option<u8>) -> Option<String> {
    choice
        .filter(|_| collatable(ty))
        .map(|c| COLLATIONS[c as usize % COLLATIONS.len()].to_owned())
}

fn build_column(name: String, spec: &ColumnSpec, enums: &[EnumType]) -> Column {
    let ty = spec.ty.resolve(enums);
    Column {
        name,
        default: spec.default.and_then(|d| default_for(&ty, d, enums)),
        collation: collation(&ty, spec.collation),
        ty,
        nullable: spec.nullable,
        identity: None,
        identity_options: Default::default(),
        generated: None,
        comment: spec
            .comment
            .map(|c| COMMENTS[c as usize % COMMENTS.len()].to_owned()),
    }
}

/// `prefix` + the smallest number not taken.
fn fresh(prefix: &str, taken: impl Fn(&str) -> bool) -> String {
    (0..)
        .map(|n| format!("{prefix}{n}"))
        .find(|name| !taken(name))
        .expect("a free name")
}

/// A new constraint, index or policy name of `table`: `<table>_<kind><n>`. Prefixed by the table
/// name, it is unique in the schema too (index names are).
fn fresh_object(table: &Table, kind: &str) -> String {
    fresh(&format!("{}_{kind}", ident::unqualified(&table.name)), |name| {
        table.constraint_names().any(|n| n == name)
            || table.indexes.iter().any(|i| i.name == name)
            || table.policies.iter().any(|p| p.name == name)
    })
}

fn fresh_column(table: &Table, prefix: &str) -> String {
    fresh(prefix, |name| table.column(name).is_some())
}

fn build_index(table: &Table, spec: &IndexSpec) -> Option<Index> {
    let column = picked(&table.columns, spec.first)?;
    let first = column.name.clone();
    let mut key = if spec.expression && is_string(&column.ty) {
        IndexKey::expression(format!("lower({first})"))
    } else {
        IndexKey::column(&first)
    };
    if spec.desc {
        key = key.desc();
    }
    if spec.nulls {
        // Only the non-default order, which the catalog keeps.
        key.nulls = Some(if spec.desc {
            NullsOrder::Last
        } else {
            NullsOrder::First
        });
    }
    let mut keys = vec![key];
    if let Some(second) = spec.second.and_then(|p| picked(&table.columns, p))
        && second.name != first
    {
        keys.push(IndexKey::column(&second.name));
    }
    Some(Index {
        name: fresh_object(table, "i"),
        unique: spec.unique,
        keys,
        predicate: spec.partial.then(|| format!("{first} IS NOT NULL")),
        ..Index::on_columns("", &[])
    })
}

fn build_unique(table: &Table, spec: &UniqueSpec) -> Option<UniqueConstraint> {
    let mut columns = vec![picked(&table.columns, spec.first)?.name.clone()];
    if let Some(second) = spec.second.and_then(|p| picked(&table.columns, p))
        && !columns.contains(&second.name)
    {
        columns.push(second.name.clone());
    }
    Some(UniqueConstraint {
        name: fresh_object(table, "u"),
        columns,
        nulls_not_distinct: spec.nulls_not_distinct,
        deferrable: Default::default(),
    })
}

fn build_check(table: &Table, column: Pick, enums: &[EnumType]) -> Option<CheckConstraint> {
    Some(CheckConstraint {
        name: fresh_object(table, "ck"),
        expression: condition(picked(&table.columns, column)?, enums),
        not_valid: false,
        no_inherit: false,
    })
}

fn build_policy(table: &Table, spec: &PolicySpec, enums: &[EnumType]) -> Policy {
    let condition = spec
        .column
        .and_then(|p| picked(&table.columns, p))
        .map_or("true".to_owned(), |c| condition(c, enums));
    let (using, with_check) = match spec.command {
        PolicyCommand::Insert => (None, Some(condition)),
        PolicyCommand::Select | PolicyCommand::Delete => (Some(condition), None),
        PolicyCommand::All | PolicyCommand::Update => {
            (Some(condition.clone()), spec.with_check.then_some(condition))
        }
    };
    Policy {
        name: fresh_object(table, "p"),
        command: spec.command,
        permissive: spec.permissive,
        roles: Vec::new(),
        using,
        with_check,
    }
}

fn set_primary_key(table: &mut Table, first: Pick, second: Option<Pick>) {
    let mut columns = vec![table.columns[first.index(table.columns.len())].name.clone()];
    if let Some(second) = second.and_then(|p| picked(&table.columns, p))
        && !columns.contains(&second.name)
    {
        columns.push(second.name.clone());
    }
    table.primary_key = Some(PrimaryKey {
        name: format!("{}_pk", ident::unqualified(&table.name)),
        columns,
        deferrable: Default::default(),
    });
}

/// A table without its foreign keys (they need every table), which `add_foreign_key` adds.
fn build_table(name: String, spec: &TableSpec, enums: &[EnumType]) -> Table {
    let columns = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| build_column(format!("c{i}"), c, enums))
        .collect();
    let mut table = Table::new(name, columns);
    if let Some((first, second)) = spec.primary_key {
        set_primary_key(&mut table, first, second);
    }
    for unique in &spec.uniques {
        let unique = build_unique(&table, unique).expect("a table has columns");
        table.uniques.push(unique);
    }
    for &check in &spec.checks {
        let check = build_check(&table, check, enums).expect("a table has columns");
        table.checks.push(check);
    }
    for index in &spec.indexes {
        let index = build_index(&table, index).expect("a table has columns");
        table.indexes.push(index);
    }
    table.row_level_security = spec.row_level_security;
    for policy in &spec.policies {
        let policy = build_policy(&table, policy, enums);
        table.policies.push(policy);
    }
    table.comment = spec
        .comment
        .map(|c| COMMENTS[c as usize % COMMENTS.len()].to_owned());
    table
}

/// Add the foreign key `spec` to `table`, if some table has a single-column primary key.
fn add_foreign_key(schema: &mut Schema, table: &str, spec: &FkSpec) -> Option<String> {
    let targets: Vec<(String, String, ColumnType)> = schema
        .tables
        .iter()
        .filter_map(|t| {
            let pk = t.primary_key.as_ref()?;
            let [column] = pk.columns.as_slice() else {
                return None;
            };
            Some((t.name.clone(), column.clone(), t.column(column)?.ty.clone()))
        })
        .collect();
    let (target, target_column, ty) = picked(&targets, spec.target)?.clone();
    let table = schema.table_mut(table)?;
    let same_type: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.ty == ty)
        .map(|c| c.name.clone())
        .collect();
    let column = match spec.existing.and_then(|p| picked(&same_type, p)) {
        Some(existing) => existing.clone(),
        None => {
            let name = fresh_column(table, "f");
            table.columns.push(Column {
                nullable: spec.nullable,
                ..Column::new(&name, ty)
            });
            name
        }
    };
    let name = fresh_object(table, "fk");
    table.foreign_keys.push(ForeignKey {
        name: name.clone(),
        columns: vec![column],
        referenced_table: target,
        referenced_columns: vec![target_column],
        on_delete: spec.on_delete,
        on_update: spec.on_update,
        deferrable: spec.deferrable,
        match_full: spec.match_full,
        on_delete_set_columns: Vec::new(),
        not_valid: false,
    });
    Some(format!("add foreign key {}.{name}", table.name))
}

fn build_enum(name: String, values: usize) -> EnumType {
    EnumType {
        name,
        values: ENUM_VALUES[..values].iter().map(|v| (*v).to_owned()).collect(),
        comment: None,
    }
}

/// The second schema: every other table and enum type lives there, so foreign keys, enum
/// columns and same-named tables cross schemas.
const SECOND: &str = "s2";

/// `prefix<i>`, in [`SECOND`] for odd `i`.
fn nth_name(prefix: &str, i: usize) -> String {
    if i % 2 == 1 {
        format!("{SECOND}.{prefix}{i}")
    } else {
        format!("{prefix}{i}")
    }
}

/// A fresh name for the `count + 1`-th object: in [`SECOND`] every other time.
fn fresh_in_either(prefix: &str, count: usize, taken: impl Fn(&str) -> bool) -> String {
    if count % 2 == 1 {
        fresh(&format!("{SECOND}.{prefix}"), taken)
    } else {
        fresh(prefix, taken)
    }
}

fn build_schema(spec: &SchemaSpec) -> Schema {
    let mut schema = Schema::default();
    for (i, &values) in spec.enums.iter().enumerate() {
        schema.enums.push(build_enum(nth_name("e", i), values));
    }
    for (i, table) in spec.tables.iter().enumerate() {
        let table = build_table(nth_name("t", i), table, &schema.enums);
        schema.tables.push(table);
    }
    for (i, table) in spec.tables.iter().enumerate() {
        for fk in &table.foreign_keys {
            add_foreign_key(&mut schema, &nth_name("t", i), fk);
        }
    }
    repair(&mut schema);
    schema
}

// ---- keeping a schema consistent ----

/// The column names an expression of this generator mentions (`c<n>` and `f<n>`).
fn mentioned_columns(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| {
            word.len() >= 2
                && (word.starts_with('c') || word.starts_with('f'))
                && word[1..].bytes().all(|b| b.is_ascii_digit())
        })
}

/// Whether the default still fits the column's type (an enum value may have been removed).
fn default_fits(column: &Column, enums: &[EnumType]) -> bool {
    match (&column.ty, &column.default) {
        (ColumnType::Enum(name), Some(default)) => enums
            .iter()
            .find(|e| &e.name == name)
            .is_some_and(|e| e.values.iter().any(|v| *default == format!("'{v}'"))),
        _ => true,
    }
}

/// Make the schema one Postgres accepts after a mutation, the way Postgres itself (or the
/// author of the change) would: columns of dropped enum types go, objects on dropped columns go,
/// key columns are NOT NULL, checks fit their column's type, foreign keys reference a primary key
/// of the same type.
fn repair(schema: &mut Schema) {
    let enums = schema.enums.clone();
    let enum_exists = |c: &Column| {
        c.ty.enum_name()
            .is_none_or(|name| enums.iter().any(|e| e.name == name))
    };
    schema.tables.retain(|t| t.columns.iter().any(enum_exists));
    for table in &mut schema.tables {
        table.columns.retain(enum_exists);
        for column in &mut table.columns {
            if !default_fits(column, &enums) {
                column.default = None;
            }
            if !collatable(&column.ty) {
                column.collation = None;
            }
        }
        let columns: Vec<Column> = table.columns.clone();
        let exists = |name: &str| columns.iter().any(|c| c.name == name);
        if let Some(pk) = &table.primary_key
            && !pk.columns.iter().all(|c| exists(c))
        {
            table.primary_key = None;
        }
        if let Some(pk) = &table.primary_key {
            for column in &mut table.columns {
                if pk.columns.contains(&column.name) {
                    column.nullable = false;
                }
            }
        }
        table.uniques.retain(|u| u.columns.iter().all(|c| exists(c)));
        // Limitation: CREATE TABLE silently merges a UNIQUE constraint into an earlier key on the
        // same columns (Postgres' transformIndexConstraints), so such a declared constraint never
        // exists; the renderer puts uniques in CREATE TABLE. Declare none.
        let mut keys: Vec<(Vec<String>, bool)> = table
            .primary_key
            .iter()
            .map(|pk| (pk.columns.clone(), false))
            .collect();
        table.uniques.retain(|u| {
            let key = (u.columns.clone(), u.nulls_not_distinct);
            let redundant = keys.contains(&key);
            keys.push(key);
            !redundant
        });
        // The column a condition of this generator is about, if it still exists.
        let subject = |sql: &str| {
            let name = mentioned_columns(sql).next()?;
            columns.iter().find(|c| c.name == name)
        };
        table.indexes.retain(|i| {
            i.key_columns().all(exists)
                && i.predicate
                    .as_deref()
                    .is_none_or(|p| mentioned_columns(p).all(exists))
                && i.keys.iter().all(|k| match &k.target {
                    IndexTarget::Expression(e) => subject(e).is_some_and(|c| is_string(&c.ty)),
                    IndexTarget::Column(_) => true,
                })
        });
        table
            .checks
            .retain(|c| mentioned_columns(&c.expression).all(exists));
        for check in &mut table.checks {
            if let Some(column) = subject(&check.expression) {
                check.expression = condition(column, &enums);
            }
        }
        table.policies.retain(|p| {
            [&p.using, &p.with_check]
                .into_iter()
                .flatten()
                .all(|e| mentioned_columns(e).all(exists))
        });
        for policy in &mut table.policies {
            for sql in [&mut policy.using, &mut policy.with_check].into_iter().flatten() {
                if let Some(column) = subject(sql) {
                    *sql = condition(column, &enums);
                }
            }
        }
        table.foreign_keys.retain(|f| f.columns.iter().all(|c| exists(c)));
    }
    let keys: Vec<(String, Vec<String>, Vec<ColumnType>)> = schema
        .tables
        .iter()
        .filter_map(|t| {
            let pk = t.primary_key.as_ref()?;
            let types = pk.columns.iter().map(|c| t.column(c).map(|c| c.ty.clone()));
            Some((
                t.name.clone(),
                pk.columns.clone(),
                types.collect::<Option<Vec<_>>>()?,
            ))
        })
        .collect();
    for table in &mut schema.tables {
        let columns = table.columns.clone();
        table.foreign_keys.retain(|fk| {
            let types: Vec<ColumnType> = fk
                .columns
                .iter()
                .filter_map(|c| columns.iter().find(|x| &x.name == c).map(|x| x.ty.clone()))
                .collect();
            keys.iter().any(|(name, key, key_types)| {
                *name == fk.referenced_table && *key == fk.referenced_columns && *key_types == types
            })
        });
    }
}

// ---- mutations ----

#[derive(Debug, Clone)]
enum Mutation {
    AddTable(TableSpec),
    DropTable(Pick),
    AddColumn(Pick, ColumnSpec),
    DropColumn(Pick, Pick),
    ToggleNullable(Pick, Pick),
    ChangeCollation(Pick, Pick, Option<u8>),
    ChangeDefault(Pick, Pick, Option<u8>),
    /// `follow`: foreign key columns referencing the column change type with it (else their
    /// foreign keys go).
    ChangeType {
        table: Pick,
        column: Pick,
        ty: TypeSpec,
        default: Option<u8>,
        follow: bool,
    },
    AddIndex(Pick, IndexSpec),
    DropIndex(Pick, Pick),
    AddUnique(Pick, UniqueSpec),
    DropUnique(Pick, Pick),
    AddCheck(Pick, Pick),
    DropCheck(Pick, Pick),
    AddForeignKey(Pick, FkSpec),
    DropForeignKey(Pick, Pick),
    AddPrimaryKey(Pick, Pick, Option<Pick>),
    DropPrimaryKey(Pick),
    AddEnumValue(Pick, Pick),
    RemoveEnumValue(Pick, Pick),
    AddEnum(usize),
    /// Its columns go with it.
    DropEnum(Pick),
    SetRowLevelSecurity(Pick, RowLevelSecurity),
    AddPolicy(Pick, PolicySpec),
    DropPolicy(Pick, Pick),
    SetTableComment(Pick, Option<u8>),
    SetColumnComment(Pick, Pick, Option<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use Mutation::*;
    let p = || any::<Pick>();
    prop_oneof![
        1 => table_spec().prop_map(AddTable),
        1 => p().prop_map(DropTable),
        3 => (p(), column_spec()).prop_map(|(t, c)| AddColumn(t, c)),
        3 => (p(), p()).prop_map(|(t, c)| DropColumn(t, c)),
        2 => (p(), p()).prop_map(|(t, c)| ToggleNullable(t, c)),
        1 => (p(), p(), prop::option::of(0u8..3)).prop_map(|(t, c, n)| ChangeCollation(t, c, n)),
        2 => (p(), p(), prop::option::of(0u8..4)).prop_map(|(t, c, d)| ChangeDefault(t, c, d)),
        5 => (p(), p(), type_spec(), prop::option::weighted(0.3, 0u8..4), any::<bool>()).prop_map(
            |(table, column, ty, default, follow)| ChangeType { table, column, ty, default, follow }
        ),
        2 => (p(), index_spec()).prop_map(|(t, i)| AddIndex(t, i)),
        2 => (p(), p()).prop_map(|(t, i)| DropIndex(t, i)),
        1 => (p(), unique_spec()).prop_map(|(t, u)| AddUnique(t, u)),
        1 => (p(), p()).prop_map(|(t, u)| DropUnique(t, u)),
        1 => (p(), p()).prop_map(|(t, c)| AddCheck(t, c)),
        1 => (p(), p()).prop_map(|(t, c)| DropCheck(t, c)),
        2 => (p(), fk_spec()).prop_map(|(t, f)| AddForeignKey(t, f)),
        1 => (p(), p()).prop_map(|(t, f)| DropForeignKey(t, f)),
        1 => (p(), p(), prop::option::weighted(0.3, p())).prop_map(|(t, a, b)| AddPrimaryKey(t, a, b)),
        1 => p().prop_map(DropPrimaryKey),
        2 => (p(), p()).prop_map(|(e, at)| AddEnumValue(e, at)),
        2 => (p(), p()).prop_map(|(e, v)| RemoveEnumValue(e, v)),
        1 => (2usize..=4).prop_map(AddEnum),
        1 => p().prop_map(DropEnum),
        1 => (p(), row_level_security()).prop_map(|(t, r)| SetRowLevelSecurity(t, r)),
        1 => (p(), policy_spec()).prop_map(|(t, s)| AddPolicy(t, s)),
        1 => (p(), p()).prop_map(|(t, s)| DropPolicy(t, s)),
        1 => (p(), prop::option::of(0u8..3)).prop_map(|(t, c)| SetTableComment(t, c)),
        1 => (p(), p(), prop::option::of(0u8..3)).prop_map(|(t, c, n)| SetColumnComment(t, c, n)),
    ]
}

/// Apply one mutation to `schema`; what was done, or nothing when it does not apply.
fn mutate(schema: &mut Schema, mutation: &Mutation) -> Option<String> {
    use Mutation::*;
    let enums = schema.enums.clone();
    let table_name = |pick: Pick| picked(&schema.tables, pick).map(|t| t.name.clone());
    match mutation {
        AddTable(spec) => {
            let name = fresh_in_either("t", schema.tables.len(), |n| schema.table(n).is_some());
            let table = build_table(name.clone(), spec, &enums);
            schema.tables.push(table);
            for fk in &spec.foreign_keys {
                add_foreign_key(schema, &name, fk);
            }
            Some(format!("add table {name}"))
        }
        DropTable(t) => {
            let name = table_name(*t)?;
            schema.tables.retain(|x| x.name != name);
            Some(format!("drop table {name}"))
        }
        AddColumn(t, spec) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let column = build_column(fresh_column(table, "c"), spec, &enums);
            let done = format!("add column {}.{} {}", table.name, column.name, column.ty);
            table.columns.push(column);
            Some(done)
        }
        DropColumn(t, c) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            if table.columns.len() < 2 {
                return None;
            }
            let column = table.columns.remove(c.index(table.columns.len()));
            Some(format!("drop column {}.{}", table.name, column.name))
        }
        ToggleNullable(t, c) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let in_key = |name: &str| {
                table
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk.columns.iter().any(|k| k == name))
            };
            let candidates: Vec<String> = table
                .columns
                .iter()
                .filter(|col| !in_key(&col.name))
                .map(|col| col.name.clone())
                .collect();
            let name = picked(&candidates, *c)?.clone();
            let done = format!("{}.{name} nullable", table.name);
            let column = table.column_mut(&name)?;
            column.nullable = !column.nullable;
            Some(format!("{done}: {}", column.nullable))
        }
        ChangeCollation(t, c, n) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let strings: Vec<String> = table
                .columns
                .iter()
                .filter(|col| collatable(&col.ty))
                .map(|col| col.name.clone())
                .collect();
            let name = picked(&strings, *c)?.clone();
            let done = format!("{}.{name} collation", table.name);
            let column = table.column_mut(&name)?;
            column.collation = collation(&column.ty, *n);
            Some(format!("{done}: {:?}", column.collation))
        }
        ChangeDefault(t, c, d) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let index = c.index(table.columns.len());
            let column = &mut table.columns[index];
            column.default = d.and_then(|d| default_for(&column.ty, d, &enums));
            Some(format!(
                "{}.{} default {:?}",
                table.name, column.name, column.default
            ))
        }
        ChangeType {
            table,
            column,
            ty,
            default,
            follow,
        } => {
            let table = table_name(*table)?;
            let t = schema.table_mut(&table)?;
            let index = column.index(t.columns.len());
            let new_type = ty.resolve(&enums);
            let column = &mut t.columns[index];
            if column.ty == new_type {
                return None;
            }
            let done = format!("{table}.{} type {} → {new_type}", column.name, column.ty);
            column.ty = new_type.clone();
            column.default = default.and_then(|d| default_for(&new_type, d, &enums));
            let name = column.name.clone();
            if *follow {
                for other in &mut schema.tables {
                    let referencing: Vec<String> = other
                        .foreign_keys
                        .iter()
                        .filter(|fk| fk.referenced_table == table && fk.referenced_columns == [name.clone()])
                        .flat_map(|fk| fk.columns.clone())
                        .collect();
                    for column in &mut other.columns {
                        if referencing.contains(&column.name) {
                            column.ty = new_type.clone();
                            column.default = None;
                        }
                    }
                }
            }
            Some(done)
        }
        AddIndex(t, spec) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let index = build_index(table, spec)?;
            let done = format!("add index {}", index.name);
            table.indexes.push(index);
            Some(done)
        }
        DropIndex(t, i) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            remove_picked(&mut table.indexes, *i).map(|gone| format!("drop index {}", gone.name))
        }
        AddUnique(t, spec) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let unique = build_unique(table, spec)?;
            let done = format!("add unique {}", unique.name);
            table.uniques.push(unique);
            Some(done)
        }
        DropUnique(t, u) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            remove_picked(&mut table.uniques, *u).map(|gone| format!("drop unique {}", gone.name))
        }
        AddCheck(t, c) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let check = build_check(table, *c, &enums)?;
            let done = format!("add check {}: {}", check.name, check.expression);
            table.checks.push(check);
            Some(done)
        }
        DropCheck(t, c) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            remove_picked(&mut table.checks, *c).map(|gone| format!("drop check {}", gone.name))
        }
        AddForeignKey(t, spec) => add_foreign_key(schema, &table_name(*t)?, spec),
        DropForeignKey(t, f) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            remove_picked(&mut table.foreign_keys, *f).map(|gone| format!("drop foreign key {}", gone.name))
        }
        AddPrimaryKey(t, first, second) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            if table.primary_key.is_some() {
                return None;
            }
            set_primary_key(table, *first, *second);
            Some(format!("add primary key on {}", table.name))
        }
        DropPrimaryKey(t) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            table
                .primary_key
                .take()
                .map(|pk| format!("drop primary key {}", pk.name))
        }
        AddEnumValue(e, at) => {
            let enum_type = schema.enums.get_mut(e.index(enums.len().max(1)))?;
            let value = ENUM_VALUES
                .iter()
                .find(|v| !enum_type.values.iter().any(|x| x == *v))?;
            let position = at.index(enum_type.values.len() + 1);
            enum_type.values.insert(position, (*value).to_owned());
            Some(format!("add value {value} to {} at {position}", enum_type.name))
        }
        RemoveEnumValue(e, v) => {
            let enum_type = schema.enums.get_mut(e.index(enums.len().max(1)))?;
            if enum_type.values.len() < 2 {
                return None;
            }
            let value = enum_type.values.remove(v.index(enum_type.values.len()));
            Some(format!("remove value {value} from {}", enum_type.name))
        }
        AddEnum(values) => {
            let name = fresh_in_either("e", schema.enums.len(), |n| schema.enum_type(n).is_some());
            schema.enums.push(build_enum(name.clone(), *values));
            Some(format!("add enum {name}"))
        }
        DropEnum(e) => {
            let name = picked(&enums, *e)?.name.clone();
            schema.enums.retain(|x| x.name != name);
            Some(format!("drop enum {name}"))
        }
        SetRowLevelSecurity(t, rls) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            (table.row_level_security != *rls).then(|| {
                table.row_level_security = *rls;
                format!("{} row-level security {rls:?}", table.name)
            })
        }
        AddPolicy(t, spec) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let policy = build_policy(table, spec, &enums);
            let done = format!("add policy {}", policy.name);
            table.policies.push(policy);
            Some(done)
        }
        DropPolicy(t, p) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            remove_picked(&mut table.policies, *p).map(|gone| format!("drop policy {}", gone.name))
        }
        SetTableComment(t, c) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            table.comment = c.map(|c| COMMENTS[c as usize % COMMENTS.len()].to_owned());
            Some(format!("comment on {}", table.name))
        }
        SetColumnComment(t, c, n) => {
            let table = schema.table_mut(&table_name(*t)?)?;
            let index = c.index(table.columns.len());
            let column = &mut table.columns[index];
            column.comment = n.map(|n| COMMENTS[n as usize % COMMENTS.len()].to_owned());
            Some(format!("comment on {}.{}", table.name, column.name))
        }
    }
}

#[test]
fn generated_pairs_are_consistent() {
    // The generator alone, without a database: repair is a fixed point, names are unique.
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&pair(), |pair| {
        for schema in [&pair.from, &pair.to] {
            let mut repaired = schema.clone();
            repair(&mut repaired);
            repair_relation_extras(&mut repaired);
            prop_assert_eq!(&repaired.canonical(), schema);
            // Unique in their schema (the table's).
            let mut names: Vec<String> = Vec::new();
            for table in &schema.tables {
                names.extend(table.constraint_names().map(|n| ident::sibling(&table.name, n)));
                names.extend(table.indexes.iter().map(|i| ident::sibling(&table.name, &i.name)));
                let keys = table.indexes.iter().flat_map(|i| &i.keys);
                for key in keys {
                    prop_assert!(key.nulls.is_none() || key.nulls != Some(default_nulls(key.order)));
                }
            }
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            prop_assert_eq!(names.len(), count, "names are unique");
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    some_pairs_hold_views_and_sequences();
}

/// The generator reaches views (materialized and over a view), free and owned sequences, and
/// changes to them.
fn some_pairs_hold_views_and_sequences() {
    use std::cell::Cell;
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let seen = [(); 5].map(|_| Cell::new(0usize));
    runner
        .run(&pair(), |pair| {
            let s = &pair.to;
            let found = [
                s.views.iter().any(|v| v.materialized),
                s.views.iter().any(|v| v.name == "vv"),
                s.sequences.iter().any(|q| q.owned_by.is_some()),
                s.sequences.iter().any(|q| q.owned_by.is_none()),
                pair.from.views != pair.to.views || pair.from.sequences != pair.to.sequences,
            ];
            for (cell, found) in seen.iter().zip(found) {
                cell.set(cell.get() + usize::from(found));
            }
            Ok(())
        })
        .expect("generation");
    let counts: Vec<usize> = seen.iter().map(Cell::get).collect();
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
}

fn default_nulls(order: SortOrder) -> NullsOrder {
    match order {
        SortOrder::Asc => NullsOrder::Last,
        SortOrder::Desc => NullsOrder::First,
    }
}

// ---- views and sequences (kept apart from the table grammar) ----

/// A sequence: its owner (table, column), start and increment.
type SequenceSpec = (Option<(Pick, Pick)>, Option<i64>, Option<i64>);

/// Views over the generated tables (one reads a column of a table, a materialized one counts a
/// table's rows, a view over the first view), and sequences, free or owned by a column.
#[derive(Debug, Clone)]
struct RelationExtrasSpec {
    /// `(table, column, materialized)`.
    views: Vec<(Pick, Pick, bool)>,
    /// A view over the first view.
    view_over_view: bool,
    /// `(owner (table, column), start, increment)`.
    sequences: Vec<SequenceSpec>,
}

fn sequence_spec() -> impl Strategy<Value = SequenceSpec> {
    (
        prop::option::of((any::<Pick>(), any::<Pick>())),
        prop::option::weighted(0.3, 2i64..100),
        prop::option::weighted(0.3, prop_oneof![Just(-1i64), 2i64..5]),
    )
}

fn relation_extras_spec() -> impl Strategy<Value = RelationExtrasSpec> {
    (
        vec((any::<Pick>(), any::<Pick>(), any::<bool>()), 0..=2),
        any::<bool>(),
        vec(sequence_spec(), 0..=2),
    )
        .prop_map(|(views, view_over_view, sequences)| RelationExtrasSpec {
            views,
            view_over_view,
            sequences,
        })
}

/// A view of `table`: its column `column`, or its rows counted (materialized).
fn build_view(name: String, table: &Table, column: Pick, materialized: bool) -> Option<View> {
    if materialized {
        return Some(View::materialized(
            name,
            format!("SELECT count(*) AS n FROM {}", table.name),
        ));
    }
    let column = picked(&table.columns, column)?;
    Some(View::new(
        name,
        format!("SELECT {} AS v FROM {}", column.name, table.name),
    ))
}

fn build_sequence(schema: &Schema, name: String, (owner, start, increment): &SequenceSpec) -> Sequence {
    let mut sequence = Sequence::new(name).options(SequenceOptions {
        start: *start,
        increment: *increment,
        ..SequenceOptions::default()
    });
    if let Some((table, column)) = owner
        && let Some(table) = picked(&schema.tables, *table)
        && let Some(column) = picked(&table.columns, *column)
    {
        sequence.owned_by = Some(ColumnRef {
            table: table.name.clone(),
            column: column.name.clone(),
        });
    }
    // A negative increment starts at the top by default; keep the start inside the bounds.
    if sequence.options.increment.is_some_and(|i| i < 0) {
        sequence.options.start = None;
    }
    sequence
}

fn add_relation_extras(schema: &mut Schema, spec: &RelationExtrasSpec) {
    for (i, (table, column, materialized)) in spec.views.iter().enumerate() {
        let Some(table) = picked(&schema.tables, *table) else {
            continue;
        };
        if let Some(view) = build_view(format!("v{i}"), table, *column, *materialized) {
            schema.views.push(view);
        }
    }
    if spec.view_over_view
        && let Some(first) = schema.views.iter().find(|v| !v.materialized)
    {
        let over = View::new("vv", format!("SELECT count(*) AS n FROM {}", first.name));
        schema.views.push(over);
    }
    for (i, sequence) in spec.sequences.iter().enumerate() {
        let sequence = build_sequence(schema, format!("s{i}"), sequence);
        schema.sequences.push(sequence);
    }
}

/// The relations `sql` names among the schema's tables and views (`t<n>`, `v<n>`).
fn named_relations(sql: &str) -> impl Iterator<Item = &str> {
    // A relation of the second schema is written qualified (`s2.t1`): the dot is kept.
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|word| {
            let last = word.rsplit('.').next().unwrap_or(word);
            last.starts_with('t') || last.starts_with('v')
        })
}

/// Views whose table or column went go (with the views over them); a sequence whose owning
/// column went is free.
fn repair_relation_extras(schema: &mut Schema) {
    loop {
        let before = schema.views.len();
        let tables = schema.tables.clone();
        let views: Vec<String> = schema.views.iter().map(|v| v.name.clone()).collect();
        schema.views.retain(|view| {
            let relations_exist = named_relations(&view.query)
                .filter(|r| *r != "v" && *r != "n")
                .all(|r| tables.iter().any(|t| t.name == r) || views.iter().any(|v| v == r));
            let columns_exist = mentioned_columns(&view.query).all(|c| {
                named_relations(&view.query)
                    .filter_map(|r| tables.iter().find(|t| t.name == r))
                    .any(|t| t.column(c).is_some())
            });
            relations_exist && columns_exist
        });
        if schema.views.len() == before {
            break;
        }
    }
    let tables = schema.tables.clone();
    for sequence in &mut schema.sequences {
        // Postgres links a sequence only to a table of its own schema.
        if let Some(owner) = &sequence.owned_by
            && (!tables
                .iter()
                .any(|t| t.name == owner.table && t.column(&owner.column).is_some())
                || ident::split_qualified(&sequence.name).0 != ident::split_qualified(&owner.table).0)
        {
            sequence.owned_by = None;
        }
    }
}

#[derive(Debug, Clone)]
enum RelationExtrasMutation {
    AddView(Pick, Pick, bool),
    DropView(Pick),
    AddSequence(SequenceSpec),
    DropSequence(Pick),
    /// Owned by another column, or released.
    MoveSequence(Pick, Option<(Pick, Pick)>),
}

fn relation_extras_mutation() -> impl Strategy<Value = RelationExtrasMutation> {
    use RelationExtrasMutation::*;
    let p = || any::<Pick>();
    prop_oneof![
        (p(), p(), any::<bool>()).prop_map(|(t, c, m)| AddView(t, c, m)),
        p().prop_map(DropView),
        sequence_spec().prop_map(AddSequence),
        p().prop_map(DropSequence),
        (p(), prop::option::of((p(), p()))).prop_map(|(s, o)| MoveSequence(s, o)),
    ]
}

fn mutate_relation_extras(schema: &mut Schema, mutation: &RelationExtrasMutation) -> Option<String> {
    use RelationExtrasMutation::*;
    match mutation {
        AddView(table, column, materialized) => {
            let table = picked(&schema.tables, *table)?;
            let name = fresh("w", |n| schema.view(n).is_some());
            let view = build_view(name.clone(), table, *column, *materialized)?;
            schema.views.push(view);
            Some(format!("add view {name}"))
        }
        DropView(pick) => {
            let name = picked(&schema.views, *pick)?.name.clone();
            // With the views over it.
            schema
                .views
                .retain(|v| v.name != name && !named_relations(&v.query).any(|r| r == name));
            Some(format!("drop view {name}"))
        }
        AddSequence(spec) => {
            let name = fresh("s", |n| schema.sequence(n).is_some());
            let sequence = build_sequence(schema, name.clone(), spec);
            schema.sequences.push(sequence);
            Some(format!("add sequence {name}"))
        }
        DropSequence(pick) => {
            let name = picked(&schema.sequences, *pick)?.name.clone();
            schema.sequences.retain(|s| s.name != name);
            Some(format!("drop sequence {name}"))
        }
        MoveSequence(pick, owner) => {
            let index = pick.index(schema.sequences.len().max(1));
            let name = schema.sequences.get(index)?.name.clone();
            let moved = build_sequence(schema, name.clone(), &(*owner, None, None));
            let sequence = &mut schema.sequences[index];
            if sequence.owned_by == moved.owned_by {
                return None;
            }
            sequence.owned_by = moved.owned_by;
            Some(format!("move sequence {name}"))
        }
    }
}
