//! The SQL of each change, one generator per object kind. Online techniques apply to tables that
//! exist before the plan runs; tables the plan creates are empty and get the plain statements.

use schema_core::ident::{self, quote};
use schema_core::model::{
    CheckConstraint, Column, ColumnType, EnumType, ForeignKey, Identity, Index, PrimaryKey, UniqueConstraint,
};
use schema_core::render::{self, EnumPosition};

use super::hazards::{converts_implicitly, is_binary_compatible, is_volatile_default};
use super::{Context, Statement, Timeouts};
use crate::diff::{Change, EnumColumn, PolicySwap};

/// How a statement behaves, which decides its timeouts and whether it runs in the transaction.
#[derive(Clone, Copy)]
enum Kind {
    /// A catalog change that holds its lock briefly.
    Ddl,
    /// Rewrites or scans a table under its lock.
    Rewrite,
    /// Runs on its own, outside the transaction.
    Alone(Alone),
}

#[derive(Clone, Copy)]
enum Alone {
    /// `CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY`.
    IndexBuild,
    /// `VALIDATE CONSTRAINT`.
    Validate,
    /// `ALTER TYPE ... ADD VALUE`.
    Commit,
}

impl Context {
    fn statement(&self, kind: Kind, sql: String) -> Statement {
        let policy = &self.timeouts;
        let (transactional, timeouts): (bool, Timeouts) = match kind {
            Kind::Ddl => (true, policy.ddl),
            Kind::Rewrite => (true, policy.rewrite),
            Kind::Alone(Alone::IndexBuild) => (false, policy.index_build),
            Kind::Alone(Alone::Validate) => (false, policy.validate),
            Kind::Alone(Alone::Commit) => (false, policy.ddl),
        };
        Statement {
            sql,
            transactional,
            timeouts: self.online.then_some(timeouts),
            comment: None,
            builds_index: None,
        }
    }

    fn ddl(&self, sql: String) -> Statement {
        self.statement(Kind::Ddl, sql)
    }

    fn rewrite(&self, sql: String) -> Statement {
        self.statement(Kind::Rewrite, sql)
    }

    fn alone(&self, alone: Alone, sql: String) -> Statement {
        self.statement(Kind::Alone(alone), sql)
    }

    pub(super) fn build_index(&self, table: &str, index: &Index) -> Statement {
        let mut statement = self.alone(Alone::IndexBuild, render::create_index(table, index, true));
        statement.builds_index = Some(index.name.clone());
        statement
    }
}

fn with_comment(mut statement: Statement, comment: impl Into<String>) -> Statement {
    statement.comment = Some(comment.into());
    statement
}

mod collations;
mod domains;
mod extensions;
mod partitions;
mod schemas;
mod sequences;
mod views;

pub(super) use extensions::is_upgrade;

pub(super) fn statements(change: &Change, cx: &Context) -> Vec<Statement> {
    use Change::*;
    match change {
        CreateSchema(name) => schemas::create(name, cx),
        DropSchema(name) => schemas::drop(name, cx),
        GrantSchemaUsage { schema, role } => schemas::grant_usage(schema, role, cx),
        MoveObject {
            object,
            materialized,
            from,
            to,
            arguments,
        } => {
            let keyword = match object {
                schema_core::ObjectKind::Enum => "TYPE",
                schema_core::ObjectKind::Sequence => "SEQUENCE",
                schema_core::ObjectKind::View if *materialized => "MATERIALIZED VIEW",
                schema_core::ObjectKind::View => "VIEW",
                schema_core::ObjectKind::Function => "FUNCTION",
            };
            render::move_object(keyword, from, arguments.as_deref(), to)
                .into_iter()
                .map(|s| cx.ddl(s))
                .collect()
        }
        RevokeSchemaUsage { schema, role } => schemas::revoke_usage(schema, role, cx),
        CreateExtension(e) => extensions::create(e, cx),
        DropExtension(e) => extensions::drop(e, cx),
        AlterExtension { from, to } => extensions::alter(from, to, cx),
        CreateCollation(c) => collations::create(c, cx),
        DropCollation(c) => collations::drop(c, cx),
        ReplaceCollation { to, .. } => collations::replace(to, cx),
        CreateDomain(d) => domains::create(d, cx),
        DropDomain(d) => domains::drop(d, cx),
        AlterDomain { from, to } => domains::alter(from, to, cx),
        ReplaceDomain { to, .. } => domains::replace(to, cx),
        CreateView(v) => views::create(v, cx),
        DropView(v) => views::drop(v, cx),
        CreateSequence(s) => sequences::create(s, cx),
        DropSequence(s) => sequences::drop(s, cx),
        AlterSequence { from, to } => sequences::alter(from, to, cx),
        SetSequenceOwner { sequence, to, .. } => sequences::set_owner(sequence, to.as_ref(), cx),
        CreateEnum(e) => std::iter::once(render::create_enum(e))
            .chain(
                e.comment
                    .as_deref()
                    .map(|c| render::comment_on_type(&e.name, Some(c))),
            )
            .map(|sql| cx.ddl(sql))
            .collect(),
        DropEnum(e) => vec![cx.ddl(render::drop_enum(&e.name))],
        AddEnumValues {
            from,
            to,
            columns,
            policies,
            ..
        } => add_enum_values(from, to, columns, policies, cx),
        RecreateEnum {
            from,
            to,
            columns,
            dependents,
            policies,
        } => recreate_enum(from, to, columns, dependents, policies, cx),
        CreateFunction(f) => std::iter::once(render::create_function(f))
            .chain(
                f.execute
                    .is_some()
                    .then(|| render::function_execute(f, None))
                    .into_iter()
                    .flatten(),
            )
            .map(|sql| cx.ddl(sql))
            .collect(),
        // Postgres cannot remove a default (the reverse of adding one): the old function is
        // dropped and the new one created, with its privileges.
        ReplaceFunction { from, to } if !from.replaceable_by(to) => {
            std::iter::once(render::drop_function(from))
                .chain(std::iter::once(render::create_function(to)))
                .chain(
                    to.execute
                        .is_some()
                        .then(|| render::function_execute(to, None))
                        .into_iter()
                        .flatten(),
                )
                .map(|sql| cx.ddl(sql))
                .collect()
        }
        ReplaceFunction { from, to } => {
            let mut statements = vec![cx.ddl(render::create_function(to))];
            if from.execute != to.execute {
                let had = from.execute.as_deref();
                statements.extend(
                    render::function_execute(to, had)
                        .into_iter()
                        .map(|sql| cx.ddl(sql)),
                );
            }
            statements
        }
        DropFunction(f) => vec![cx.ddl(render::drop_function(f))],
        CreateTable(table) => {
            let mut statements = vec![cx.ddl(render::create_table(table))];
            statements.extend(render::add_not_valid_checks(table).into_iter().map(|s| cx.ddl(s)));
            for index in &table.indexes {
                statements.push(cx.ddl(render::create_index(&table.name, index, false)));
            }
            statements.extend(render::table_comments(table).into_iter().map(|s| cx.ddl(s)));
            for index in &table.indexes {
                statements.extend(render::index_comment(&table.name, index).map(|s| cx.ddl(s)));
            }
            statements.extend(
                render::set_row_level_security(&table.name, Default::default(), table.row_level_security)
                    .into_iter()
                    .map(|s| cx.ddl(s)),
            );
            statements
        }
        DropTable(table) => vec![cx.ddl(render::drop_table(&table.name))],
        CreatePartition { table, partition } => partitions::create(table, partition, cx),
        DropPartition { partition, .. } => partitions::drop(partition, cx),
        ChangePartitionBound { table, from, to } => partitions::change_bound(table, from, to, cx),
        // Refused before anything is rendered (see `plan_changes`).
        Repartition { .. } => Vec::new(),
        RenameTable { from, to } => render::rename_table(from, to)
            .into_iter()
            .map(|sql| cx.ddl(sql))
            .collect(),
        AddColumn { table, column } => add_column(table, column, cx),
        DropColumn { table, column } => vec![cx.ddl(render::drop_column(table, &column.name))],
        RenameColumn { table, from, to } => vec![cx.ddl(render::rename_column(table, from, to))],
        AlterColumn { table, from, to } => alter_column(table, from, to, cx),
        AddPrimaryKey { table, primary_key } => add_primary_key(table, primary_key, cx),
        DropPrimaryKey { table, primary_key } => {
            vec![cx.ddl(render::drop_constraint(table, &primary_key.name))]
        }
        AddUnique { table, unique } => add_unique(table, unique, cx),
        DropUnique { table, unique } => vec![cx.ddl(render::drop_constraint(table, &unique.name))],
        ReplaceUnique { table, from, to } => replace_unique(table, from, to, cx),
        ReplacePrimaryKey { table, from, to } => replace_primary_key(table, from, to, cx),
        AddCheck { table, check } => add_check(table, check, cx),
        DropCheck { table, check } => vec![cx.ddl(render::drop_constraint(table, &check.name))],
        IndexToUnique { table, index, unique } => {
            let mut statements = vec![cx.ddl(render::add_unique(table, unique, Some(&index.name)))];
            // The constraint's index (renamed to the constraint's name) keeps no comment: the
            // model holds none for it.
            if index.comment.is_some() {
                statements.push(cx.ddl(render::comment_on_index(table, &unique.name, None)));
            }
            statements
        }
        UniqueToIndex { table, unique, index } => unique_to_index(table, unique, index, cx),
        ValidateCheck { table, check } => {
            vec![cx.alone(Alone::Validate, render::validate_constraint(table, &check.name))]
        }
        InvalidateCheck { table, check } => vec![
            cx.ddl(render::drop_constraint(table, &check.name)),
            cx.ddl(render::add_check(table, check, true)),
        ],
        AddForeignKey { table, foreign_key } => {
            if foreign_key.not_valid {
                vec![cx.ddl(render::add_foreign_key(table, foreign_key, true))]
            } else if cx.online(table) {
                vec![
                    cx.ddl(render::add_foreign_key(table, foreign_key, true)),
                    cx.alone(
                        Alone::Validate,
                        render::validate_constraint(table, &foreign_key.name),
                    ),
                ]
            } else {
                vec![cx.ddl(render::add_foreign_key(table, foreign_key, false))]
            }
        }
        DropForeignKey { table, foreign_key } => {
            vec![cx.ddl(render::drop_constraint(table, &foreign_key.name))]
        }
        AlterForeignKey { table, from, to } => alter_foreign_key(table, from, to, cx),
        RenameConstraint { table, from, to } => vec![cx.ddl(render::rename_constraint(table, from, to))],
        CreateIndex { table, index } => {
            let mut statements = if cx.builds_by_partition(table) {
                partitions::create_index(table, index, cx)
            } else if cx.online(table) {
                vec![cx.build_index(table, index)]
            } else {
                vec![cx.ddl(render::create_index(table, index, false))]
            };
            statements.extend(render::index_comment(table, index).map(|s| cx.ddl(s)));
            statements
        }
        DropIndex { table, index } => {
            if cx.online(table) {
                vec![cx.alone(
                    Alone::IndexBuild,
                    render::drop_index(&ident::sibling(table, &index.name), true),
                )]
            } else {
                vec![cx.ddl(render::drop_index(&ident::sibling(table, &index.name), false))]
            }
        }
        ReplaceIndex { table, from, to } => replace_index(table, from, to, cx),
        RenameIndex { table, from, to } => {
            vec![cx.ddl(render::rename_index(&ident::sibling(table, from), to))]
        }
        SetRowLevelSecurity { table, from, to } => render::set_row_level_security(table, *from, *to)
            .into_iter()
            .map(|s| cx.ddl(s))
            .collect(),
        CreatePolicy { table, policy } => vec![cx.ddl(render::create_policy(table, policy))],
        Grant { table, grant } => {
            let mut statements = Vec::new();
            if cx.creates_role.contains(&(table.clone(), grant.role.clone())) {
                statements.push(cx.ddl(render::ensure_role(&grant.role)));
            }
            statements.extend(
                render::grant_statements(table, grant)
                    .into_iter()
                    .map(|s| cx.ddl(s)),
            );
            statements
        }
        Revoke { table, grant } => render::revoke_statements(table, grant)
            .into_iter()
            .map(|s| cx.ddl(s))
            .collect(),
        DropPolicy { table, policy } => vec![cx.ddl(render::drop_policy(table, &policy.name))],
        CreateTrigger { table, trigger } => vec![cx.ddl(render::create_trigger(table, trigger))],
        DropTrigger { table, trigger } => vec![cx.ddl(render::drop_trigger(table, &trigger.name))],
        SetTableComment { table, to, .. } => vec![cx.ddl(render::comment_on_table(table, to.as_deref()))],
        SetColumnComment {
            table, column, to, ..
        } => {
            vec![cx.ddl(render::comment_on_column(table, column, to.as_deref()))]
        }
        SetIndexComment { table, index, to, .. } => {
            vec![cx.ddl(render::comment_on_index(table, index, to.as_deref()))]
        }
        SetEnumComment { name, to, .. } => vec![cx.ddl(render::comment_on_type(name, to.as_deref()))],
        SetViewComment {
            view,
            materialized,
            to,
            ..
        } => vec![cx.ddl(render::comment_on_view(view, *materialized, to.as_deref()))],
    }
}

// ---- enum types ----

/// `ALTER TYPE ... ADD VALUE` for each new value, placed next to a neighbour that already
/// exists. Each runs on its own: a value added inside a transaction cannot be used before commit.
fn add_enum_values(
    from: &EnumType,
    to: &EnumType,
    columns: &[EnumColumn],
    policies: &[PolicySwap],
    cx: &Context,
) -> Vec<Statement> {
    let mut present: Vec<&String> = from.values.iter().collect();
    let mut statements = Vec::new();
    for (i, value) in to.values.iter().enumerate() {
        if present.contains(&value) {
            continue;
        }
        let position = match i.checked_sub(1).map(|p| &to.values[p]) {
            Some(previous) => EnumPosition::After(previous),
            None => match to.values.iter().skip(1).find(|v| present.contains(v)) {
                Some(next) => EnumPosition::Before(next),
                None => EnumPosition::Last,
            },
        };
        statements.push(cx.alone(Alone::Commit, render::add_enum_value(&to.name, value, position)));
        present.push(value);
    }
    for column in columns.iter().filter(|c| c.from_default != c.to_default) {
        statements.push(cx.ddl(render::set_default(
            &column.table,
            &column.column,
            column.to_default.as_deref(),
        )));
    }
    // Once the values have committed, each replaced policy is dropped and created in its new
    // form in one transaction.
    for swap in policies {
        statements.push(cx.ddl(render::drop_policy(&swap.table, &swap.from.name)));
        statements.push(cx.ddl(render::create_policy(&swap.table, &swap.to)));
    }
    statements
}

/// Removing or reordering enum values, the way it is done by hand: rename the old type aside,
/// create the new one, convert every column through text, drop the old type. The dependents the
/// conversion cannot carry are dropped first and created again last, all in this one
/// transaction (the conversion holds the tables' ACCESS EXCLUSIVE lock anyway, so their plain,
/// non-concurrent forms cost nothing more): a policy is never missing at a commit.
fn recreate_enum(
    from: &EnumType,
    to: &EnumType,
    columns: &[EnumColumn],
    dependents: &[Change],
    policies: &[PolicySwap],
    cx: &Context,
) -> Vec<Statement> {
    let old_name = ident::make_object_name(&to.name, None, Some("old"));
    let new_type = ident::quote_qualified(&to.name);
    let mut statements = vec![
        cx.ddl(render::rename_enum(&from.name, &old_name)),
        cx.ddl(render::create_enum(to)),
    ];
    // The new type takes the comment (the old one's goes with it).
    if let Some(comment) = &to.comment {
        statements.push(cx.ddl(render::comment_on_type(&to.name, Some(comment))));
    }
    for dependent in dependents {
        statements.extend(in_transaction(&dependent.reverse(), cx));
    }
    for swap in policies {
        statements.extend(in_transaction(
            &Change::DropPolicy {
                table: swap.table.clone(),
                policy: swap.from.clone(),
            },
            cx,
        ));
    }
    for column in columns {
        if column.from_default.is_some() {
            statements.push(cx.ddl(render::set_default(&column.table, &column.column, None)));
        }
        let (ty, using) = if column.array {
            (
                ColumnType::Array(Box::new(ColumnType::Enum(to.name.clone()))),
                format!("{}::text[]::{new_type}[]", quote(&column.column)),
            )
        } else {
            (
                ColumnType::Enum(to.name.clone()),
                format!("{}::text::{new_type}", quote(&column.column)),
            )
        };
        statements.push(cx.rewrite(render::alter_column_type(
            &column.table,
            &column.column,
            &ty,
            None,
            Some(&using),
        )));
        if let Some(default) = &column.to_default {
            statements.push(cx.ddl(render::set_default(&column.table, &column.column, Some(default))));
        }
    }
    statements.push(cx.ddl(render::drop_enum(&old_name)));
    for dependent in dependents {
        statements.extend(in_transaction(dependent, cx));
    }
    for swap in policies {
        statements.extend(in_transaction(
            &Change::CreatePolicy {
                table: swap.table.clone(),
                policy: swap.to.clone(),
            },
            cx,
        ));
    }
    statements
}

/// A change's plain statements (no concurrent builds, no NOT VALID), in the transaction, with the
/// timeouts of a rewrite.
fn in_transaction(change: &Change, cx: &Context) -> Vec<Statement> {
    statements(change, &cx.plain())
        .into_iter()
        .map(|mut statement| {
            statement.timeouts = cx.online.then_some(cx.timeouts.rewrite);
            statement
        })
        .collect()
}

// ---- columns ----

fn add_column(table: &str, column: &Column, cx: &Context) -> Vec<Statement> {
    let mut add = cx.ddl(render::add_column(table, column));
    if cx.exists(table) {
        let no_default = !column.nullable
            && column.default.is_none()
            && column.identity.is_none()
            && column.generated.is_none();
        let per_row = column.default.as_deref().is_some_and(is_volatile_default)
            || column.identity.is_some()
            || column.generated.is_some();
        if no_default {
            add = with_comment(
                add,
                format!(
                    "NOT NULL without a default fails if {table} has rows. On a table with rows: add the column\n\
                     nullable, backfill it in batches, then set NOT NULL (through a validated CHECK)."
                ),
            );
        } else if per_row {
            add = cx.rewrite(add.sql);
            add = with_comment(
                add,
                format!(
                    "A per-row value rewrites {table} under an ACCESS EXCLUSIVE lock. On a large, busy table:\n\
                     add the column without it, backfill in batches, then set the default (expand, backfill, contract)."
                ),
            );
        }
    }
    let mut statements = vec![add];
    if let Some(comment) = &column.comment {
        statements.push(cx.ddl(render::comment_on_column(table, &column.name, Some(comment))));
    }
    statements
}

/// The down of dropping a NOT NULL column without a default from a table with rows: `ADD COLUMN`
/// as declared would fail on the first row, so the column is added with a placeholder default
/// of its type (constant: no rewrite), which is dropped at once. The values are not restored
/// either way; the rows hold the placeholder. `None` when the column needs no placeholder, or
/// its type has none (enum and other types: the plain down, which fails on a table with rows).
pub(super) fn readd_not_null_column(table: &str, column: &Column, cx: &Context) -> Option<Vec<Statement>> {
    if column.nullable || column.default.is_some() || column.identity.is_some() || column.generated.is_some()
    {
        return None;
    }
    let placeholder = placeholder(&column.ty)?;
    let with_default = Column {
        default: Some(placeholder.to_owned()),
        comment: None,
        ..column.clone()
    };
    let mut statements = vec![
        with_comment(
            cx.ddl(render::add_column(table, &with_default)),
            format!(
                "The rows of {table} get the placeholder {placeholder} in {}: the dropped values are not restored.",
                column.name
            ),
        ),
        cx.ddl(render::set_default(table, &column.name, None)),
    ];
    if let Some(comment) = &column.comment {
        statements.push(cx.ddl(render::comment_on_column(table, &column.name, Some(comment))));
    }
    Some(statements)
}

/// A constant every column of the type accepts (checks aside).
fn placeholder(ty: &ColumnType) -> Option<&'static str> {
    use ColumnType::*;
    Some(match ty {
        SmallInt | Integer | BigInt | Real | DoublePrecision | Numeric(_) => "0",
        Text | Varchar(_) | Char(_) | Bytea => "''",
        Boolean => "false",
        Uuid => "'00000000-0000-0000-0000-000000000000'",
        Timestamptz | Timestamp | Date => "'epoch'",
        Time => "'00:00'",
        Interval => "'0'",
        Json | Jsonb => "'null'",
        Inet => "'0.0.0.0'",
        Cidr => "'0.0.0.0/0'",
        Array(_) => "'{}'",
        Enum(_) | Other(_) => return None,
    })
}

fn alter_column(table: &str, from: &Column, to: &Column, cx: &Context) -> Vec<Statement> {
    let mut statements = Vec::new();
    let name = &to.name;
    if from.generated != to.generated {
        match (&from.generated, &to.generated) {
            (Some(_), None) => statements.push(cx.ddl(render::drop_generated(table, name))),
            // Postgres 15 cannot add or change a generation expression in place: the column is
            // re-added; its values are computed again, so nothing is lost.
            _ => {
                statements.push(cx.ddl(render::drop_column(table, name)));
                statements.push(cx.rewrite(render::add_column(table, to)));
                return statements;
            }
        }
    }
    let identity_changes = from.identity != to.identity;
    // Leave the old way of generating values first: identity, or a serial's nextval default.
    match from.identity {
        Some(Identity::Always | Identity::ByDefault) if identity_changes => {
            let keeps_identity = matches!(to.identity, Some(Identity::Always | Identity::ByDefault));
            if !keeps_identity {
                statements.push(cx.ddl(render::set_identity(table, name, from.identity, None)));
            }
        }
        Some(Identity::Serial) if identity_changes => {
            statements.push(cx.ddl(render::set_default(table, name, None)));
            // The serial's sequence goes with it (it would be left behind, owned by the column).
            statements.push(cx.ddl(format!(
                "DO $$BEGIN EXECUTE 'DROP SEQUENCE ' || pg_get_serial_sequence({}, {}); END$$",
                ident::quote_literal(&ident::quote_qualified(table)),
                ident::quote_literal(name),
            )));
        }
        _ => {}
    }
    // A new collation is set by the same statement as a new type (and rebuilds the indexes on
    // the column, but rewrites nothing when the type stays).
    let type_changes = from.ty != to.ty || from.collation != to.collation;
    // A default of the old type may not convert: drop it around the type change.
    let mut current_default = from.default.clone();
    if type_changes && current_default.is_some() {
        statements.push(cx.ddl(render::set_default(table, name, None)));
        current_default = None;
    }
    if type_changes && converts_wall_clock(&from.ty, &to.ty) {
        statements.push(with_comment(
            cx.rewrite("SET LOCAL timezone = 'UTC'".to_owned()),
            "timestamp <-> timestamptz converts by the session's time zone: pinned, so the result does not\n\
             depend on who runs the migration. The values without a zone are taken as UTC; if they were\n\
             written in another zone, name it here.",
        ));
    }
    // Whether this change rewrites the table under ACCESS EXCLUSIVE anyway.
    let mut rewrites = false;
    if type_changes {
        let using = using_expression(name, &from.ty, &to.ty, cx);
        let sql = render::alter_column_type(table, name, &to.ty, to.collation.as_deref(), using.as_deref());
        if cx.exists(table) && from.ty != to.ty && !is_binary_compatible(&from.ty, &to.ty) {
            rewrites = true;
            statements.push(with_comment(
                cx.rewrite(sql),
                format!(
                    "This rewrites {table} under an ACCESS EXCLUSIVE lock. On a large, busy table prefer expand,\n\
                     backfill, contract: add a column of the new type, keep both written, backfill in batches,\n\
                     switch readers, then drop the old column."
                ),
            ));
        } else if cx.exists(table) && from.collation != to.collation {
            // Rebuilds the column's indexes: as long as they take, not a catalog update.
            statements.push(cx.rewrite(sql));
        } else {
            statements.push(cx.ddl(sql));
        }
    }
    if to.default != current_default {
        statements.push(cx.ddl(render::set_default(table, name, to.default.as_deref())));
    }
    if from.nullable != to.nullable {
        // Under the rewrite's lock the scan of a plain SET NOT NULL costs nothing more, and it
        // commits with the rewrite instead of on its own (the validation of the online way would
        // commit the type change early, between a policy's drop and its re-creation).
        if !to.nullable && cx.online(table) && !rewrites {
            statements.extend(set_not_null_online(table, name, cx));
        } else if !to.nullable && rewrites {
            // The scan runs as long as the rewrite may.
            statements.push(cx.rewrite(render::set_nullable(table, name, false)));
        } else {
            statements.push(cx.ddl(render::set_nullable(table, name, to.nullable)));
        }
    }
    let keeps_identity = matches!(from.identity, Some(Identity::Always | Identity::ByDefault))
        && matches!(to.identity, Some(Identity::Always | Identity::ByDefault));
    if keeps_identity
        && let Some(sql) =
            render::alter_identity_options(table, name, &from.identity_options, &to.identity_options, &to.ty)
    {
        statements.push(cx.ddl(sql));
    }
    if identity_changes {
        let restart = || {
            // New values must not collide with the rows already there.
            cx.ddl(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(max({}), 0) + 1, false) FROM {}",
                ident::quote_literal(&ident::quote_qualified(table)),
                ident::quote_literal(name),
                quote(name),
                ident::quote_qualified(table)
            ))
        };
        match to.identity {
            Some(Identity::Always | Identity::ByDefault) => {
                statements.push(cx.ddl(render::set_identity(table, name, from.identity, to.identity)));
                if !matches!(from.identity, Some(Identity::Always | Identity::ByDefault)) {
                    statements.extend(
                        render::alter_identity_options(
                            table,
                            name,
                            &Default::default(),
                            &to.identity_options,
                            &to.ty,
                        )
                        .map(|sql| cx.ddl(sql)),
                    );
                    statements.push(restart());
                }
            }
            Some(Identity::Serial) => {
                let sequence = ident::make_object_name(table, Some(name), Some("seq"));
                // As the column's type: a bigint sequence would hand out values the column
                // cannot hold, and would not read back as a serial.
                statements.push(cx.ddl(format!(
                    "CREATE SEQUENCE {} AS {} OWNED BY {}.{}",
                    ident::quote_qualified(&sequence),
                    to.ty.sql(),
                    ident::quote_qualified(table),
                    quote(name)
                )));
                statements.push(cx.ddl(render::set_default(
                    table,
                    name,
                    Some(&format!(
                        "nextval({}::regclass)",
                        ident::quote_literal(&ident::quote_qualified(&sequence))
                    )),
                )));
                statements.push(restart());
            }
            None => {}
        }
    }
    statements
}

/// Whether converting `from` to `to` reads or writes wall-clock times in the session's time zone
/// (`timestamp` to `timestamptz` and back, also as array elements).
fn converts_wall_clock(from: &ColumnType, to: &ColumnType) -> bool {
    // With a precision, `timestamp(3) with time zone` is spelled out in `Other`.
    let zoned = |ty: &ColumnType| match ty {
        ColumnType::Timestamptz => Some(true),
        ColumnType::Timestamp => Some(false),
        ColumnType::Other(sql) if sql.starts_with("timestamp(") => Some(sql.ends_with(" with time zone")),
        _ => None,
    };
    matches!(
        (zoned(from.element()), zoned(to.element())),
        (Some(a), Some(b)) if a != b
    )
}

/// The `USING` expression of a type change, if Postgres needs one: a direct cast where one exists
/// (see [`has_cast`]), else a conversion through text (every type has text input and output).
fn using_expression(column: &str, from: &ColumnType, to: &ColumnType, cx: &Context) -> Option<String> {
    if converts_implicitly(from, to) {
        return None;
    }
    let column = quote(column);
    // A domain casts as its base type does (to and from it directly).
    let (from_base, to_base) = (cx.base_type(from), cx.base_type(to));
    let through_domain = (from_base != from || to_base != to)
        && (from_base == to_base || has_cast(from_base, to_base) || converts_implicitly(from_base, to_base));
    let through = if has_cast(from, to) || through_domain {
        ""
    } else {
        "::text"
    };
    Some(format!("{column}{through}::{}", to.sql()))
}

/// Whether Postgres casts `from` to `to` directly: between the two kinds of type, from or to a
/// string type, and between arrays whose elements cast. An array and a scalar never cast
/// directly, whatever their element (`text[]` to `integer` goes through text).
fn has_cast(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    let is_string = |t: &ColumnType| matches!(t, Text | Varchar(_) | Char(_));
    let is_number = |t: &ColumnType| {
        matches!(
            t,
            SmallInt | Integer | BigInt | Real | DoublePrecision | Numeric(_)
        )
    };
    match (from, to) {
        (Array(a), Array(b)) => has_cast(a, b),
        _ => {
            is_string(from)
                || is_string(to)
                || (is_number(from) && is_number(to))
                || matches!(
                    (from, to),
                    (Boolean, Integer) | (Integer, Boolean) | (Json | Jsonb, Json | Jsonb)
                )
        }
    }
}

/// `SET NOT NULL` without a long ACCESS EXCLUSIVE scan: a `CHECK (col IS NOT NULL)` added
/// NOT VALID and validated (which blocks no writes) lets Postgres skip the scan.
fn set_not_null_online(table: &str, column: &str, cx: &Context) -> Vec<Statement> {
    let check = CheckConstraint {
        name: ident::make_object_name(ident::unqualified(table), Some(column), Some("not_null")),
        expression: format!("{} IS NOT NULL", quote(column)),
        not_valid: false,
        no_inherit: false,
    };
    vec![
        cx.ddl(render::add_check(table, &check, true)),
        cx.alone(Alone::Validate, render::validate_constraint(table, &check.name)),
        cx.ddl(render::set_nullable(table, column, false)),
        cx.ddl(render::drop_constraint(table, &check.name)),
    ]
}

// ---- constraints and indexes ----

/// A unique index built concurrently, then attached as the constraint.
fn unique_index(name: &str, columns: &[String], nulls_not_distinct: bool) -> Index {
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut index = Index::on_columns(name, &columns);
    index.unique = true;
    index.nulls_not_distinct = nulls_not_distinct;
    index
}

fn add_primary_key(table: &str, primary_key: &PrimaryKey, cx: &Context) -> Vec<Statement> {
    if !cx.online(table) {
        return vec![cx.ddl(render::add_primary_key(table, primary_key, None))];
    }
    vec![
        cx.build_index(
            table,
            &unique_index(&primary_key.name, &primary_key.columns, false),
        ),
        cx.ddl(render::add_primary_key(
            table,
            primary_key,
            Some(&primary_key.name),
        )),
    ]
}

fn add_unique(table: &str, unique: &UniqueConstraint, cx: &Context) -> Vec<Statement> {
    if !cx.online(table) {
        return vec![cx.ddl(render::add_unique(table, unique, None))];
    }
    vec![
        cx.build_index(
            table,
            &unique_index(&unique.name, &unique.columns, unique.nulls_not_distinct),
        ),
        cx.ddl(render::add_unique(table, unique, Some(&unique.name))),
    ]
}

/// A unique constraint rebuilt over the same columns: online, its new index is built under a
/// temporary name and attached as the constraint (`USING INDEX` renames it) in the transaction
/// that drops the old one.
fn replace_unique(
    table: &str,
    from: &UniqueConstraint,
    to: &UniqueConstraint,
    cx: &Context,
) -> Vec<Statement> {
    if !cx.online(table) {
        return vec![
            cx.ddl(render::drop_constraint(table, &from.name)),
            cx.ddl(render::add_unique(table, to, None)),
        ];
    }
    let built = ident::make_object_name(&to.name, None, Some("new"));
    vec![
        cx.build_index(table, &unique_index(&built, &to.columns, to.nulls_not_distinct)),
        cx.ddl(render::drop_constraint(table, &from.name)),
        cx.ddl(render::add_unique(table, to, Some(&built))),
    ]
}

/// A primary key rebuilt over the same columns, as [`replace_unique`]: online, its new index is
/// built under a temporary name, and the old key is dropped and the new one attached `USING
/// INDEX` (which renames the index to the key's name) in one transaction.
fn replace_primary_key(table: &str, from: &PrimaryKey, to: &PrimaryKey, cx: &Context) -> Vec<Statement> {
    if !cx.online(table) {
        return vec![
            cx.ddl(render::drop_constraint(table, &from.name)),
            cx.ddl(render::add_primary_key(table, to, None)),
        ];
    }
    let built = ident::make_object_name(&to.name, None, Some("new"));
    vec![
        cx.build_index(table, &unique_index(&built, &to.columns, false)),
        cx.ddl(render::drop_constraint(table, &from.name)),
        cx.ddl(render::add_primary_key(table, to, Some(&built))),
    ]
}

fn add_check(table: &str, check: &CheckConstraint, cx: &Context) -> Vec<Statement> {
    if check.not_valid {
        return vec![cx.ddl(render::add_check(table, check, true))];
    }
    if !cx.online(table) {
        return vec![cx.ddl(render::add_check(table, check, false))];
    }
    vec![
        cx.ddl(render::add_check(table, check, true)),
        cx.alone(Alone::Validate, render::validate_constraint(table, &check.name)),
    ]
}

/// A foreign key's state changes in place: its deferrability by `ALTER CONSTRAINT`, then its
/// validation. Un-validating cannot be done in place: the key is dropped and added again
/// `NOT VALID` with its new deferrability (no scan).
fn alter_foreign_key(table: &str, from: &ForeignKey, to: &ForeignKey, cx: &Context) -> Vec<Statement> {
    if to.not_valid && !from.not_valid {
        return vec![
            cx.ddl(render::drop_constraint(table, &from.name)),
            cx.ddl(render::add_foreign_key(table, to, true)),
        ];
    }
    let mut statements = Vec::new();
    if from.deferrable != to.deferrable {
        statements.push(cx.ddl(render::alter_constraint_deferrable(
            table,
            &to.name,
            to.deferrable,
        )));
    }
    if from.not_valid && !to.not_valid {
        statements.push(cx.alone(Alone::Validate, render::validate_constraint(table, &to.name)));
    }
    statements
}

/// A unique constraint becomes a unique index: the index is built first (under a temporary name
/// when it takes the constraint's), so the keys stay unique while the constraint goes.
fn unique_to_index(table: &str, unique: &UniqueConstraint, index: &Index, cx: &Context) -> Vec<Statement> {
    let clashes = index.name == unique.name;
    let built = if clashes {
        Index {
            name: ident::make_object_name(&index.name, None, Some("new")),
            ..index.clone()
        }
    } else {
        index.clone()
    };
    let mut statements = vec![if cx.online(table) {
        cx.build_index(table, &built)
    } else {
        cx.ddl(render::create_index(table, &built, false))
    }];
    statements.push(cx.ddl(render::drop_constraint(table, &unique.name)));
    if clashes {
        statements.push(cx.ddl(render::rename_index(
            &ident::sibling(table, &built.name),
            &index.name,
        )));
    }
    statements.extend(render::index_comment(table, index).map(|s| cx.ddl(s)));
    statements
}

/// A changed index: online, the new definition is built beside the old one under a temporary
/// name and swapped in, so the table is never without it.
fn replace_index(table: &str, from: &Index, to: &Index, cx: &Context) -> Vec<Statement> {
    let comment = render::index_comment(table, to).map(|s| cx.ddl(s));
    if !cx.online(table) {
        return [
            cx.ddl(render::drop_index(&ident::sibling(table, &from.name), false)),
            cx.ddl(render::create_index(table, to, false)),
        ]
        .into_iter()
        .chain(comment)
        .collect();
    }
    let temporary = Index {
        name: ident::make_object_name(&to.name, None, Some("new")),
        ..to.clone()
    };
    [
        cx.build_index(table, &temporary),
        cx.alone(
            Alone::IndexBuild,
            render::drop_index(&ident::sibling(table, &from.name), true),
        ),
        cx.ddl(render::rename_index(
            &ident::sibling(table, &temporary.name),
            &to.name,
        )),
    ]
    .into_iter()
    .chain(comment)
    .collect()
}
