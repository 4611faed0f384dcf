//! Rendering the model to Postgres DDL.
//!
//! One function per statement, each returning the statement without its terminating semicolon.
//! Statements sea-query can express are built with it (tables, columns, enum types, plain foreign
//! keys, drops and renames). The rest is written by hand in [`raw`], the one place for SQL text:
//! sea-query has no comments, row-level security, policies, triggers, functions, identity changes,
//! `NOT VALID`/`VALIDATE`, deferrable constraints or `USING INDEX`, and its index statement puts an
//! operator class after `ASC/DESC` and cannot say `NULLS FIRST/LAST`.
//!
//! Every identifier is quoted.

use sea_query::extension::postgres::Type;
use sea_query::{
    Alias, ColumnDef, Expr, ForeignKey as SeaForeignKey, ForeignKeyAction, Index as SeaIndex, IntoIden,
    PostgresQueryBuilder, SchemaName, Table as SeaTable, TableName, TypeRef,
};

use crate::model::{
    Column, ColumnType, EnumType, ForeignKey, Function, Identity, ReferentialAction, Schema, Table,
};

pub use kinds::*;
pub use raw::*;

mod kinds;

/// The whole schema as DDL, in dependency order: extensions, collations, enum types, domains, functions, tables, foreign keys,
/// indexes, comments, row-level security and policies, triggers, views, functions with a
/// SQL-standard body (which Postgres parses against the tables and views), grants. Run it with
/// `check_function_bodies` off ([`schema_sql`] starts with that setting): a function body
/// written as a string may read tables created after it.
pub fn schema(schema: &Schema) -> Vec<String> {
    let mut statements = Vec::new();
    for namespace in schema.namespaces() {
        statements.push(create_schema(&namespace));
    }
    for extension in &schema.extensions {
        statements.push(create_extension(extension));
    }
    for collation in &schema.collations {
        statements.push(create_collation(collation));
    }
    for enum_type in &schema.enums {
        statements.push(create_enum(enum_type));
        if let Some(comment) = &enum_type.comment {
            statements.push(comment_on_type(&enum_type.name, Some(comment)));
        }
    }
    for domain in &schema.domains {
        statements.push(create_domain(domain));
        statements.extend(add_not_valid_domain_checks(domain));
    }
    for sequence in &schema.sequences {
        statements.push(create_sequence(sequence));
    }
    // Functions come before what calls them (a policy, a trigger, a check, a view names its
    // functions when it is created); a body written as a string is not checked against the
    // tables it reads, which come later, with `check_function_bodies` off (as the script
    // [`schema_sql`] and `apply_schema` set it, and pg_dump does). A SQL-standard body
    // (`RETURN ...`, `BEGIN ATOMIC ... END`) is parsed when the function is created, so those
    // come after the tables and views they read.
    // A function whose arguments or result name a table's row type comes after the tables,
    // one that names a view's after the views.
    let table_types: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    let view_types: Vec<&str> = schema.views.iter().map(|v| v.name.as_str()).collect();
    let names_type = |function: &Function, types: &[&str]| {
        signature_type_names(function).any(|name| types.contains(&name.as_str()))
    };
    let mut functions = Vec::new();
    let mut after_tables = Vec::new();
    let mut sql_functions = Vec::new();
    for function in &schema.functions {
        if function.sql_body || names_type(function, &view_types) {
            sql_functions.push(function);
        } else if names_type(function, &table_types) {
            after_tables.push(function);
        } else {
            functions.push(function);
        }
    }
    for function in functions {
        statements.push(create_function(function));
        if function.execute.is_some() {
            statements.extend(function_execute(function, None));
        }
    }
    for table in &schema.tables {
        statements.push(create_table(table));
    }
    for table in &schema.tables {
        for partition in &table.partitions {
            statements.push(create_partition(&table.name, partition));
        }
    }
    for function in after_tables {
        statements.push(create_function(function));
        if function.execute.is_some() {
            statements.extend(function_execute(function, None));
        }
    }
    for sequence in &schema.sequences {
        if let Some(owner) = &sequence.owned_by {
            statements.push(set_sequence_owner(&sequence.name, Some(owner)));
        }
    }
    for table in &schema.tables {
        statements.extend(add_not_valid_checks(table));
    }
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            statements.push(add_foreign_key(&table.name, fk, fk.not_valid));
        }
    }
    for table in &schema.tables {
        for index in &table.indexes {
            statements.push(create_index(&table.name, index, false));
        }
    }
    for table in &schema.tables {
        statements.extend(table_comments(table));
        for index in &table.indexes {
            statements.extend(index_comment(&table.name, index));
        }
    }
    for table in &schema.tables {
        statements.extend(set_row_level_security(
            &table.name,
            Default::default(),
            table.row_level_security,
        ));
        for policy in &table.policies {
            statements.push(create_policy(&table.name, policy));
        }
    }
    for table in &schema.tables {
        for trigger in &table.triggers {
            statements.push(create_trigger(&table.name, trigger));
        }
    }
    for view in schema.views_in_dependency_order() {
        statements.extend(create_view(view));
    }
    for function in sql_functions {
        statements.push(create_function(function));
        if function.execute.is_some() {
            statements.extend(function_execute(function, None));
        }
    }
    let mut roles: Vec<&str> = schema
        .tables
        .iter()
        .flat_map(|t| t.grants.iter().map(|g| g.role.as_str()))
        .chain(
            schema
                .sequences
                .iter()
                .flat_map(|s| s.usage.iter().map(String::as_str)),
        )
        .chain(schema.schema_usage.values().flatten().map(String::as_str))
        .collect();
    roles.sort();
    roles.dedup();
    statements.extend(roles.into_iter().map(ensure_role));
    for (namespace, roles) in &schema.schema_usage {
        for role in roles {
            statements.push(grant_schema_usage(namespace, role));
        }
    }
    for table in &schema.tables {
        for grant in &table.grants {
            statements.extend(grant_statements(&table.name, grant));
        }
    }
    for sequence in &schema.sequences {
        for role in &sequence.usage {
            statements.push(grant_sequence_usage(&sequence.name, role));
        }
    }
    statements
}

/// The type names a function's arguments and result are written with (`SETOF documents`,
/// `TABLE(id uuid)`, `billing."Invoice"[]`): each word, unquoted, that could name a type.
fn signature_type_names(function: &Function) -> impl Iterator<Item = String> + '_ {
    [function.arguments.as_str(), function.returns.as_str()]
        .into_iter()
        .flat_map(|text| text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '"'))))
        .map(|word| word.replace('"', ""))
        .filter(|word| !word.is_empty())
}

/// The whole schema as one SQL script.
pub fn schema_sql(model: &Schema) -> String {
    let statements = schema(model);
    if statements.is_empty() {
        return String::new();
    }
    // As pg_dump: function bodies may read tables created after them.
    let mut all = Vec::with_capacity(statements.len() + 1);
    all.push("SET check_function_bodies = false".to_owned());
    all.extend(statements);
    script(&all)
}

/// Statements joined into a script: each ends with `;` and a blank line separates them.
pub fn script(statements: &[String]) -> String {
    let mut sql = String::new();
    for statement in statements {
        sql.push_str(statement);
        sql.push_str(";\n\n");
    }
    if sql.ends_with("\n\n") {
        sql.pop();
    }
    sql
}

fn iden(name: &str) -> Alias {
    Alias::new(name)
}

/// A table (or other relation) of the model by its model name: `"t"` in `public`,
/// `"billing"."t"` elsewhere.
fn table_ref(name: &str) -> TableName {
    match crate::ident::split_qualified(name) {
        (Some(namespace), name) => TableName(
            Some(SchemaName(None, iden(namespace).into_iden())),
            iden(name).into_iden(),
        ),
        (None, name) => TableName(None, iden(name).into_iden()),
    }
}

/// A type of the model by its model name, as [`table_ref`].
fn type_ref(name: &str) -> TypeRef {
    match crate::ident::split_qualified(name) {
        (Some(namespace), name) => TypeRef(
            Some(SchemaName(None, iden(namespace).into_iden())),
            iden(name).into_iden(),
        ),
        (None, name) => TypeRef(None, iden(name).into_iden()),
    }
}

/// `CREATE TYPE "name" AS ENUM (...)`
pub fn create_enum(enum_type: &EnumType) -> String {
    Type::create()
        .as_enum(type_ref(&enum_type.name))
        .values(enum_type.values.iter().map(|v| iden(v)))
        .to_string(PostgresQueryBuilder)
}

/// `DROP TYPE "name"`
pub fn drop_enum(name: &str) -> String {
    Type::drop().name(type_ref(name)).to_string(PostgresQueryBuilder)
}

/// `ALTER TYPE "name" RENAME TO "new"`
pub fn rename_enum(from: &str, to: &str) -> String {
    Type::alter()
        .name(type_ref(from))
        .rename_to(iden(crate::ident::unqualified(to)))
        .to_string(PostgresQueryBuilder)
}

/// Where a new enum value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumPosition<'a> {
    Last,
    Before(&'a str),
    After(&'a str),
}

/// `ALTER TYPE "name" ADD VALUE 'v' [BEFORE|AFTER 'w']`
pub fn add_enum_value(name: &str, value: &str, position: EnumPosition<'_>) -> String {
    let statement = Type::alter().name(type_ref(name)).add_value(iden(value));
    match position {
        EnumPosition::Last => statement,
        EnumPosition::Before(other) => statement.before(iden(other)),
        EnumPosition::After(other) => statement.after(iden(other)),
    }
    .to_string(PostgresQueryBuilder)
}

/// `ALTER TYPE "name" RENAME VALUE 'a' TO 'b'`
pub fn rename_enum_value(name: &str, from: &str, to: &str) -> String {
    Type::alter()
        .name(type_ref(name))
        .rename_value(iden(from), iden(to))
        .to_string(PostgresQueryBuilder)
}

fn column_def(column: &Column) -> ColumnDef {
    let mut def = ColumnDef::new(iden(&column.name));
    let type_sql = match (column.identity, &column.ty) {
        (Some(Identity::Serial), ColumnType::SmallInt) => "smallserial".to_owned(),
        (Some(Identity::Serial), ColumnType::Integer) => "serial".to_owned(),
        (Some(Identity::Serial), ColumnType::BigInt) => "bigserial".to_owned(),
        (_, ty) => ty.sql(),
    };
    let type_sql = match &column.collation {
        Some(collation) => format!("{type_sql} COLLATE {}", crate::ident::quote(collation)),
        None => type_sql,
    };
    def.custom(iden(&type_sql));
    if !column.nullable {
        def.not_null();
    }
    if let Some(default) = &column.default
        && column.identity != Some(Identity::Serial)
    {
        def.default(Expr::cust(default.clone()));
    }
    let generated = match column.identity {
        Some(Identity::Always) => Some("GENERATED ALWAYS AS IDENTITY"),
        Some(Identity::ByDefault) => Some("GENERATED BY DEFAULT AS IDENTITY"),
        Some(Identity::Serial) | None => None,
    };
    if let Some(generated) = generated {
        let options = raw::sequence_options(&column.identity_options, &column.ty);
        if options.is_empty() {
            def.extra(generated);
        } else {
            def.extra(format!("{generated} ({options})"));
        }
    }
    if let Some(generated) = &column.generated {
        def.generated(Expr::cust(generated.clone()), true);
    }
    def
}

/// `CREATE TABLE` with columns, primary key, unique and check constraints. Foreign keys, indexes,
/// comments, security and triggers are separate statements, so tables can be created in any order.
pub fn create_table(table: &Table) -> String {
    let mut statement = SeaTable::create();
    statement.table(table_ref(&table.name));
    for column in &table.columns {
        statement.col(column_def(column));
    }
    // A deferrable primary key is written by hand, with the deferrable uniques.
    if let Some(pk) = table
        .primary_key
        .as_ref()
        .filter(|pk| pk.deferrable.is_not_deferrable())
    {
        let mut index = SeaIndex::create();
        index.name(&pk.name);
        for column in &pk.columns {
            index.col(iden(column));
        }
        statement.primary_key(&mut index);
    }
    // sea-query has no DEFERRABLE: deferrable uniques are written by hand, after the others.
    for unique in table.uniques.iter().filter(|u| u.deferrable.is_not_deferrable()) {
        let mut index = SeaIndex::create();
        index.unique().name(&unique.name);
        if unique.nulls_not_distinct {
            index.nulls_not_distinct();
        }
        for column in &unique.columns {
            index.col(iden(column));
        }
        statement.index(&mut index);
    }
    // Checks are written by hand (sea-query has no NO INHERIT); NOT VALID ones are added after
    // the table (see [`add_not_valid_checks`]): in CREATE TABLE, Postgres validates them anyway.
    let extra: Vec<String> = table
        .primary_key
        .iter()
        .filter(|pk| !pk.deferrable.is_not_deferrable())
        .map(raw::primary_key_clause)
        .chain(
            table
                .uniques
                .iter()
                .filter(|u| !u.deferrable.is_not_deferrable())
                .map(raw::unique_clause),
        )
        .chain(
            table
                .checks
                .iter()
                .filter(|check| !check.not_valid)
                .map(raw::check_clause),
        )
        .collect();
    let mut sql = pretty_create_table(&statement.to_string(PostgresQueryBuilder), &extra);
    if let Some(by) = &table.partition_by {
        sql.push_str(" PARTITION BY ");
        sql.push_str(by);
    }
    sql
}

/// `ALTER TABLE ... ADD CONSTRAINT ... NOT VALID` for the table's checks that are not validated.
pub fn add_not_valid_checks(table: &Table) -> Vec<String> {
    table
        .checks
        .iter()
        .filter(|check| check.not_valid)
        .map(|check| add_check(&table.name, check, true))
        .collect()
}

/// `DROP TABLE "name"`
pub fn drop_table(name: &str) -> String {
    SeaTable::drop()
        .table(table_ref(name))
        .to_string(PostgresQueryBuilder)
}

/// `ALTER <kind> "a" SET SCHEMA "billing"` when `to` is in another namespace than `from`, then
/// `ALTER <kind> "billing"."a" RENAME TO "b"` when the name changes too. `kind` is `TYPE`,
/// `SEQUENCE`, `VIEW`, `MATERIALIZED VIEW` or `FUNCTION` (whose `arguments` tell it from its
/// overloads). What uses the object keeps using it: Postgres refers to it by oid.
pub fn move_object(kind: &str, from: &str, arguments: Option<&str>, to: &str) -> Vec<String> {
    let object = |name: &str| match arguments {
        Some(arguments) => format!("{}({arguments})", crate::ident::quote_qualified(name)),
        None => crate::ident::quote_qualified(name),
    };
    let mut statements = Vec::new();
    let mut current = from.to_owned();
    let to_namespace = crate::ident::namespace_of(to);
    if crate::ident::namespace_of(from) != to_namespace {
        statements.push(format!(
            "ALTER {kind} {} SET SCHEMA {}",
            object(from),
            crate::ident::quote(to_namespace)
        ));
        current = crate::ident::qualified_name(to_namespace, crate::ident::unqualified(from));
    }
    if current != to {
        statements.push(format!(
            "ALTER {kind} {} RENAME TO {}",
            object(&current),
            crate::ident::quote(crate::ident::unqualified(to))
        ));
    }
    statements
}

/// `ALTER TABLE "a" RENAME TO "b"`, and `ALTER TABLE "a" SET SCHEMA "billing"` first when `to`
/// is in another namespace than `from` (a table moved keeps its rows, indexes, constraints and
/// owned sequences).
pub fn rename_table(from: &str, to: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = from.to_owned();
    let to_namespace = crate::ident::namespace_of(to);
    if crate::ident::namespace_of(from) != to_namespace {
        statements.push(raw::set_schema("TABLE", from, to_namespace));
        current = crate::ident::qualified_name(to_namespace, crate::ident::unqualified(from));
    }
    if current != to {
        statements.push(format!(
            "ALTER TABLE {} RENAME TO {}",
            crate::ident::quote_qualified(&current),
            crate::ident::quote(crate::ident::unqualified(to))
        ));
    }
    statements
}

/// `ALTER TABLE "t" ADD COLUMN ...`
pub fn add_column(table: &str, column: &Column) -> String {
    SeaTable::alter()
        .table(table_ref(table))
        .add_column(column_def(column))
        .to_string(PostgresQueryBuilder)
}

/// `ALTER TABLE "t" DROP COLUMN "c"`
pub fn drop_column(table: &str, column: &str) -> String {
    SeaTable::alter()
        .table(table_ref(table))
        .drop_column(iden(column))
        .to_string(PostgresQueryBuilder)
}

/// `ALTER TABLE "t" RENAME COLUMN "a" TO "b"`
pub fn rename_column(table: &str, from: &str, to: &str) -> String {
    SeaTable::alter()
        .table(table_ref(table))
        .rename_column(iden(from), iden(to))
        .to_string(PostgresQueryBuilder)
}

/// `ALTER TABLE "t" DROP CONSTRAINT "c"`
pub fn drop_constraint(table: &str, name: &str) -> String {
    SeaTable::alter()
        .table(table_ref(table))
        .drop_constraint(iden(name))
        .to_string(PostgresQueryBuilder)
}

fn sea_action(action: ReferentialAction) -> ForeignKeyAction {
    match action {
        ReferentialAction::NoAction => ForeignKeyAction::NoAction,
        ReferentialAction::Restrict => ForeignKeyAction::Restrict,
        ReferentialAction::Cascade => ForeignKeyAction::Cascade,
        ReferentialAction::SetNull => ForeignKeyAction::SetNull,
        ReferentialAction::SetDefault => ForeignKeyAction::SetDefault,
    }
}

/// `ALTER TABLE "t" ADD CONSTRAINT "fk" FOREIGN KEY (...) REFERENCES "r" (...) ON DELETE ...`,
/// with `NOT VALID` when `not_valid` (the existing rows are checked later by
/// [`validate_constraint`], without blocking writes).
pub fn add_foreign_key(table: &str, fk: &ForeignKey, not_valid: bool) -> String {
    let mut statement = SeaForeignKey::create();
    statement
        .name(&fk.name)
        .from_tbl(table_ref(table))
        .to_tbl(table_ref(&fk.referenced_table));
    for column in &fk.columns {
        statement.from_col(iden(column));
    }
    for column in &fk.referenced_columns {
        statement.to_col(iden(column));
    }
    // sea-query omits the actions it considers defaults; state both so the SQL says what it does.
    statement
        .on_delete(sea_action(fk.on_delete))
        .on_update(sea_action(fk.on_update));
    let mut sql = statement.to_string(PostgresQueryBuilder);
    if !fk.on_delete_set_columns.is_empty() {
        // `ON DELETE SET NULL (a)` (Postgres 15+), which sea-query cannot spell: the action is
        // always written, once.
        let action = format!(" ON DELETE {}", fk.on_delete);
        if let Some(at) = sql.find(&action) {
            let columns = crate::ident::quote_list(&fk.on_delete_set_columns);
            sql.insert_str(at + action.len(), &format!(" ({columns})"));
        }
    }
    if fk.match_full {
        // sea-query has no MATCH clause; it goes between the referenced columns and the actions
        // (always written, and after every identifier).
        if let Some(at) = sql.rfind(" ON DELETE ") {
            sql.insert_str(at, " MATCH FULL");
        }
    }
    sql.push_str(raw::deferrable_clause(fk.deferrable));
    if not_valid {
        sql.push_str(" NOT VALID");
    }
    sql
}

/// Reformat sea-query's one-line `CREATE TABLE "t" ( a, b )` with one column or constraint per
/// line, followed by `extra` items. A table with nothing in it is `CREATE TABLE "t" ()`.
fn pretty_create_table(sql: &str, extra: &[String]) -> String {
    let (head, body) = match (find_top_level(sql, b'('), sql.rfind(')')) {
        (Some(open), Some(close)) => (sql[..open].trim_end(), &sql[open + 1..close]),
        _ => (sql.trim_end(), ""),
    };
    let mut items: Vec<&str> = split_top_level(body, b',')
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .collect();
    items.extend(extra.iter().map(String::as_str));
    if items.is_empty() {
        return format!("{head} ()");
    }
    let mut pretty = format!("{head} (\n");
    for (i, item) in items.iter().enumerate() {
        pretty.push_str("    ");
        pretty.push_str(item.trim());
        if i + 1 < items.len() {
            pretty.push(',');
        }
        pretty.push('\n');
    }
    pretty.push(')');
    pretty
}

/// The byte offset of the first `needle` outside quotes and parentheses.
fn find_top_level(sql: &str, needle: u8) -> Option<usize> {
    let mut scanner = Scanner::default();
    sql.bytes().enumerate().find_map(|(i, b)| {
        let top = scanner.depth == 0 && !scanner.in_quotes();
        scanner.step(b);
        (top && b == needle).then_some(i)
    })
}

/// Split at every top-level `separator` (outside quotes and parentheses).
pub(crate) fn split_top_level(sql: &str, separator: u8) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut scanner = Scanner::default();
    for (i, b) in sql.bytes().enumerate() {
        if b == separator && scanner.depth == 0 && !scanner.in_quotes() {
            parts.push(&sql[start..i]);
            start = i + 1;
        } else {
            scanner.step(b);
        }
    }
    parts.push(&sql[start..]);
    parts
}

/// Tracks parentheses and quotes while scanning SQL byte by byte.
#[derive(Default)]
struct Scanner {
    depth: usize,
    single: bool,
    double: bool,
}

impl Scanner {
    fn in_quotes(&self) -> bool {
        self.single || self.double
    }

    fn step(&mut self, b: u8) {
        match b {
            b'\'' if !self.double => self.single = !self.single,
            b'"' if !self.single => self.double = !self.double,
            b'(' if !self.in_quotes() => self.depth += 1,
            b')' if !self.in_quotes() => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// Hand-written SQL for what sea-query cannot express.
pub mod raw {
    use crate::ident::{quote, quote_list, quote_literal, quote_qualified as qname, unqualified};
    use crate::model::{
        CheckConstraint, Column, ColumnRef, ColumnType, Deferrable, Function, Grant, Identity, Index,
        IndexTarget, NullsOrder, Partition, Policy, PrimaryKey, RowLevelSecurity, Sequence, SequenceOptions,
        SortOrder, Table, Trigger, TriggerEvent, UniqueConstraint, View,
    };

    pub(crate) fn deferrable_clause(deferrable: Deferrable) -> &'static str {
        match deferrable {
            Deferrable::NotDeferrable => "",
            Deferrable::InitiallyImmediate => " DEFERRABLE INITIALLY IMMEDIATE",
            Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
        }
    }

    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] "name" ON "t" USING method (keys) [INCLUDE (...)]
    /// [NULLS NOT DISTINCT] [WHERE ...]`
    pub fn create_index(table: &str, index: &Index, concurrently: bool) -> String {
        let build = if concurrently { "CONCURRENTLY " } else { "" };
        index_sql(&quote(&index.name), build, &qname(table), index)
    }

    /// `CREATE INDEX IF NOT EXISTS "i" ON ONLY "t" ...`: the partitioned index of a partitioned
    /// table, without its partitions' indexes (it stays invalid until each is attached).
    pub fn create_index_on_only(table: &str, index: &Index) -> String {
        index_sql(
            &format!("IF NOT EXISTS {}", quote(&index.name)),
            "",
            &format!("ONLY {}", qname(table)),
            index,
        )
    }

    /// `CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON "partition" ...`: a partition's index,
    /// built online, for its partitioned index (`index`) to attach.
    pub fn create_partition_index(partition: &str, name: &str, index: &Index) -> String {
        index_sql(
            &format!("IF NOT EXISTS {}", quote(name)),
            "CONCURRENTLY ",
            &qname(partition),
            index,
        )
    }

    /// `ALTER INDEX "parent" ATTACH PARTITION "child"` (both model names).
    pub fn attach_index(parent: &str, child: &str) -> String {
        format!("ALTER INDEX {} ATTACH PARTITION {}", qname(parent), qname(child))
    }

    fn index_sql(name: &str, build: &str, on: &str, index: &Index) -> String {
        let keys: Vec<String> = index
            .keys
            .iter()
            .map(|key| {
                let mut sql = match &key.target {
                    IndexTarget::Column(column) => quote(column),
                    IndexTarget::Expression(expression) => format!("({expression})"),
                };
                if let Some(collation) = &key.collation {
                    sql.push_str(" COLLATE ");
                    sql.push_str(&quote(collation));
                }
                if let Some(opclass) = &key.opclass {
                    sql.push(' ');
                    sql.push_str(opclass);
                }
                if key.order == SortOrder::Desc {
                    sql.push_str(" DESC");
                }
                match key.nulls {
                    Some(NullsOrder::First) => sql.push_str(" NULLS FIRST"),
                    Some(NullsOrder::Last) => sql.push_str(" NULLS LAST"),
                    None => {}
                }
                sql
            })
            .collect();
        let mut sql = format!(
            "CREATE {}INDEX {build}{name} ON {on} USING {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            index.method,
            keys.join(", ")
        );
        if !index.include.is_empty() {
            sql.push_str(&format!(" INCLUDE ({})", quote_list(&index.include)));
        }
        if index.nulls_not_distinct {
            sql.push_str(" NULLS NOT DISTINCT");
        }
        if let Some(predicate) = &index.predicate {
            sql.push_str(&format!(" WHERE {predicate}"));
        }
        sql
    }

    /// `DROP INDEX [CONCURRENTLY] "name"`
    pub fn drop_index(name: &str, concurrently: bool) -> String {
        format!(
            "DROP INDEX {}{}",
            if concurrently { "CONCURRENTLY " } else { "" },
            qname(name)
        )
    }

    /// `ALTER INDEX "a" RENAME TO "b"`
    pub fn rename_index(from: &str, to: &str) -> String {
        format!("ALTER INDEX {} RENAME TO {}", qname(from), quote(unqualified(to)))
    }

    /// `ALTER <kind> "name" SET SCHEMA "namespace"`: the object moves with its rows (a table's
    /// indexes, constraints and owned sequences move with it).
    pub fn set_schema(kind: &str, name: &str, namespace: &str) -> String {
        format!("ALTER {kind} {} SET SCHEMA {}", qname(name), quote(namespace))
    }

    /// `CREATE SCHEMA IF NOT EXISTS "name"`
    pub fn create_schema(name: &str) -> String {
        format!("CREATE SCHEMA IF NOT EXISTS {}", quote(name))
    }

    /// `GRANT USAGE ON SCHEMA "name" TO "role"`
    pub fn grant_schema_usage(name: &str, role: &str) -> String {
        format!("GRANT USAGE ON SCHEMA {} TO {}", quote(name), quote(role))
    }

    /// `REVOKE USAGE ON SCHEMA "name" FROM "role"`
    pub fn revoke_schema_usage(name: &str, role: &str) -> String {
        format!("REVOKE USAGE ON SCHEMA {} FROM {}", quote(name), quote(role))
    }

    /// `DROP SCHEMA "name"` (RESTRICT: it fails rather than drop what is left in it).
    pub fn drop_schema(name: &str) -> String {
        format!("DROP SCHEMA {}", quote(name))
    }

    /// `ALTER TABLE "t" RENAME CONSTRAINT "a" TO "b"`
    pub fn rename_constraint(table: &str, from: &str, to: &str) -> String {
        format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            qname(table),
            quote(from),
            quote(to)
        )
    }

    /// `ALTER TABLE "t" ADD CONSTRAINT "pk" PRIMARY KEY (...)`, or `... PRIMARY KEY USING INDEX "i"`
    /// to attach an index built beforehand.
    pub fn add_primary_key(table: &str, pk: &PrimaryKey, using_index: Option<&str>) -> String {
        match using_index {
            Some(index) => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}{}",
                qname(table),
                quote(&pk.name),
                quote(index),
                deferrable_clause(pk.deferrable)
            ),
            None => format!("ALTER TABLE {} ADD {}", qname(table), primary_key_clause(pk)),
        }
    }

    /// `CONSTRAINT "pk" PRIMARY KEY (...) [DEFERRABLE ...]`
    pub fn primary_key_clause(pk: &PrimaryKey) -> String {
        format!(
            "CONSTRAINT {} PRIMARY KEY ({}){}",
            quote(&pk.name),
            quote_list(&pk.columns),
            deferrable_clause(pk.deferrable)
        )
    }

    /// `ALTER TABLE "t" ADD CONSTRAINT "u" UNIQUE (...) [DEFERRABLE ...]`, or `... UNIQUE USING
    /// INDEX "i" [DEFERRABLE ...]`.
    pub fn add_unique(table: &str, unique: &UniqueConstraint, using_index: Option<&str>) -> String {
        match using_index {
            Some(index) => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}{}",
                qname(table),
                quote(&unique.name),
                quote(index),
                deferrable_clause(unique.deferrable)
            ),
            None => format!("ALTER TABLE {} ADD {}", qname(table), unique_clause(unique)),
        }
    }

    /// `CONSTRAINT "u" UNIQUE [NULLS NOT DISTINCT] (...) [DEFERRABLE ...]`
    pub fn unique_clause(unique: &UniqueConstraint) -> String {
        format!(
            "CONSTRAINT {} UNIQUE {}({}){}",
            quote(&unique.name),
            if unique.nulls_not_distinct {
                "NULLS NOT DISTINCT "
            } else {
                ""
            },
            quote_list(&unique.columns),
            deferrable_clause(unique.deferrable)
        )
    }

    /// `ALTER TABLE "t" ALTER CONSTRAINT "fk" [NOT] DEFERRABLE [INITIALLY ...]` (foreign keys only).
    pub fn alter_constraint_deferrable(table: &str, name: &str, deferrable: Deferrable) -> String {
        format!(
            "ALTER TABLE {} ALTER CONSTRAINT {}{}",
            qname(table),
            quote(name),
            match deferrable {
                Deferrable::NotDeferrable => " NOT DEFERRABLE",
                other => deferrable_clause(other),
            }
        )
    }

    /// `ALTER TABLE "t" ADD CONSTRAINT "c" CHECK (...) [NOT VALID]`
    pub fn add_check(table: &str, check: &CheckConstraint, not_valid: bool) -> String {
        format!(
            "ALTER TABLE {} ADD {}{}",
            qname(table),
            check_clause(check),
            if not_valid { " NOT VALID" } else { "" }
        )
    }

    /// `CONSTRAINT "c" CHECK (...) [NO INHERIT]`
    pub fn check_clause(check: &CheckConstraint) -> String {
        format!(
            "CONSTRAINT {} CHECK ({}){}",
            quote(&check.name),
            check.expression,
            if check.no_inherit { " NO INHERIT" } else { "" }
        )
    }

    /// `ALTER TABLE "t" VALIDATE CONSTRAINT "c"`
    pub fn validate_constraint(table: &str, name: &str) -> String {
        format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", qname(table), quote(name))
    }

    /// `ALTER TABLE "t" ALTER COLUMN "c" TYPE ty [COLLATE "coll"] [USING expr]`
    pub fn alter_column_type(
        table: &str,
        column: &str,
        ty: &ColumnType,
        collation: Option<&str>,
        using: Option<&str>,
    ) -> String {
        let mut sql = format!(
            "ALTER TABLE {} ALTER COLUMN {} TYPE {}",
            qname(table),
            quote(column),
            ty.sql()
        );
        if let Some(collation) = collation {
            sql.push_str(" COLLATE ");
            sql.push_str(&quote(collation));
        }
        if let Some(using) = using {
            sql.push_str(" USING ");
            sql.push_str(using);
        }
        sql
    }

    /// `ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL` / `DROP NOT NULL`
    pub fn set_nullable(table: &str, column: &str, nullable: bool) -> String {
        format!(
            "ALTER TABLE {} ALTER COLUMN {} {} NOT NULL",
            qname(table),
            quote(column),
            if nullable { "DROP" } else { "SET" }
        )
    }

    /// `ALTER TABLE "t" ALTER COLUMN "c" SET DEFAULT expr` / `DROP DEFAULT`
    pub fn set_default(table: &str, column: &str, default: Option<&str>) -> String {
        match default {
            Some(expression) => format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}",
                qname(table),
                quote(column),
                expression
            ),
            None => format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                qname(table),
                quote(column)
            ),
        }
    }

    /// Identity changes: `ADD GENERATED ... AS IDENTITY`, `SET GENERATED ...`, `DROP IDENTITY`.
    pub fn set_identity(table: &str, column: &str, from: Option<Identity>, to: Option<Identity>) -> String {
        let target = format!("ALTER TABLE {} ALTER COLUMN {}", qname(table), quote(column));
        let generated = |identity: Identity| match identity {
            Identity::Always => "ALWAYS",
            _ => "BY DEFAULT",
        };
        match (from, to) {
            (None | Some(Identity::Serial), Some(to @ (Identity::Always | Identity::ByDefault))) => {
                format!("{target} ADD GENERATED {} AS IDENTITY", generated(to))
            }
            (
                Some(Identity::Always | Identity::ByDefault),
                Some(to @ (Identity::Always | Identity::ByDefault)),
            ) => {
                format!("{target} SET GENERATED {}", generated(to))
            }
            _ => format!("{target} DROP IDENTITY IF EXISTS"),
        }
    }

    /// The options that differ from the defaults, as `CREATE SEQUENCE` and `AS IDENTITY (...)`
    /// write them: `START WITH 10 INCREMENT BY 2 ...`. Empty for the defaults.
    pub fn sequence_options(options: &SequenceOptions, data_type: &ColumnType) -> String {
        let options = options.canonical(data_type);
        let mut parts = Vec::new();
        if let Some(increment) = options.increment {
            parts.push(format!("INCREMENT BY {increment}"));
        }
        if let Some(min) = options.min_value {
            parts.push(format!("MINVALUE {min}"));
        }
        if let Some(max) = options.max_value {
            parts.push(format!("MAXVALUE {max}"));
        }
        if let Some(start) = options.start {
            parts.push(format!("START WITH {start}"));
        }
        if let Some(cache) = options.cache {
            parts.push(format!("CACHE {cache}"));
        }
        if options.cycle {
            parts.push("CYCLE".to_owned());
        }
        parts.join(" ")
    }

    /// The `ALTER SEQUENCE` (or `ALTER COLUMN ... SET ...`) clauses that take a sequence of
    /// `data_type` from `from` to `to`: each changed option, with its value spelled out.
    pub fn sequence_option_changes(
        from: &SequenceOptions,
        to: &SequenceOptions,
        data_type: &ColumnType,
    ) -> Vec<String> {
        let (from, to) = (from.resolved(data_type), to.resolved(data_type));
        let mut clauses = Vec::new();
        if from.increment != to.increment {
            clauses.push(format!("INCREMENT BY {}", to.increment));
        }
        if from.min_value != to.min_value {
            clauses.push(format!("MINVALUE {}", to.min_value));
        }
        if from.max_value != to.max_value {
            clauses.push(format!("MAXVALUE {}", to.max_value));
        }
        if from.start != to.start {
            clauses.push(format!("START WITH {}", to.start));
        }
        if from.cache != to.cache {
            clauses.push(format!("CACHE {}", to.cache));
        }
        if from.cycle != to.cycle {
            clauses.push(if to.cycle { "CYCLE" } else { "NO CYCLE" }.to_owned());
        }
        // A sequence that turns around starts again at its new start: its current value lies on
        // the old side, and Postgres refuses bounds that exclude it ("RESTART value (-1) cannot
        // be less than MINVALUE (1)").
        if from.increment.signum() != to.increment.signum() {
            clauses.push(RESTART.to_owned());
        }
        clauses
    }

    /// The clause [`sequence_option_changes`] adds when the direction changes.
    const RESTART: &str = "RESTART";

    /// `ALTER TABLE "t" ALTER COLUMN "c" SET INCREMENT BY 2 SET ...`: new options for an identity
    /// column's sequence. `None` when nothing changes.
    pub fn alter_identity_options(
        table: &str,
        column: &str,
        from: &SequenceOptions,
        to: &SequenceOptions,
        data_type: &ColumnType,
    ) -> Option<String> {
        let clauses = sequence_option_changes(from, to, data_type);
        (!clauses.is_empty()).then(|| {
            let sets: Vec<String> = clauses
                .iter()
                .map(|c| {
                    if c == RESTART {
                        c.clone()
                    } else {
                        format!("SET {c}")
                    }
                })
                .collect();
            format!(
                "ALTER TABLE {} ALTER COLUMN {} {}",
                qname(table),
                quote(column),
                sets.join(" ")
            )
        })
    }

    /// `CREATE SEQUENCE "s" [AS type] [options]`, without its owner (see [`set_sequence_owner`]).
    pub fn create_sequence(sequence: &Sequence) -> String {
        let mut sql = format!("CREATE SEQUENCE {}", qname(&sequence.name));
        if sequence.data_type != ColumnType::BigInt {
            sql.push_str(&format!(" AS {}", sequence.data_type.sql()));
        }
        let options = sequence_options(&sequence.options, &sequence.data_type);
        if !options.is_empty() {
            sql.push(' ');
            sql.push_str(&options);
        }
        sql
    }

    /// `CREATE [MATERIALIZED] VIEW "v" AS ...`, and the indexes of a materialized view.
    pub fn create_view(view: &View) -> Vec<String> {
        let mut statements = vec![format!(
            "CREATE {}VIEW {} AS\n{}",
            if view.materialized { "MATERIALIZED " } else { "" },
            qname(&view.name),
            view.query
        )];
        if let Some(comment) = &view.comment {
            statements.push(comment_on_view(&view.name, view.materialized, Some(comment)));
        }
        for index in &view.indexes {
            statements.push(create_index(&view.name, index, false));
            statements.extend(index_comment(&view.name, index));
        }
        statements
    }

    /// `DROP [MATERIALIZED] VIEW "v"`
    pub fn drop_view(view: &View) -> String {
        format!(
            "DROP {}VIEW {}",
            if view.materialized { "MATERIALIZED " } else { "" },
            qname(&view.name)
        )
    }

    /// `DROP SEQUENCE "s"`
    pub fn drop_sequence(name: &str) -> String {
        format!("DROP SEQUENCE {}", qname(name))
    }

    /// `ALTER SEQUENCE "s" [AS type] ...`: the changed data type and options. `None` when nothing
    /// changes.
    pub fn alter_sequence(from: &Sequence, to: &Sequence) -> Option<String> {
        let mut clauses = Vec::new();
        if from.data_type != to.data_type {
            clauses.push(format!("AS {}", to.data_type.sql()));
        }
        // Compared as resolved for the new type: `AS` already moved the bounds that were the old
        // type's defaults.
        let from_options =
            SequenceOptions::from_resolved(from.options.resolved(&from.data_type), &to.data_type);
        clauses.extend(sequence_option_changes(&from_options, &to.options, &to.data_type));
        (!clauses.is_empty()).then(|| format!("ALTER SEQUENCE {} {}", qname(&to.name), clauses.join(" ")))
    }

    /// `ALTER SEQUENCE "s" OWNED BY "t"."c"` (or `OWNED BY NONE`).
    pub fn set_sequence_owner(name: &str, owner: Option<&ColumnRef>) -> String {
        match owner {
            Some(owner) => format!(
                "ALTER SEQUENCE {} OWNED BY {}.{}",
                qname(name),
                qname(&owner.table),
                quote(&owner.column)
            ),
            None => format!("ALTER SEQUENCE {} OWNED BY NONE", qname(name)),
        }
    }

    /// `ALTER TABLE "t" ALTER COLUMN "c" DROP EXPRESSION`: a generated column becomes a plain one.
    pub fn drop_generated(table: &str, column: &str) -> String {
        format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP EXPRESSION",
            qname(table),
            quote(column)
        )
    }

    /// `COMMENT ON TABLE "t" IS '...'` (or `IS NULL` to remove it).
    pub fn comment_on_table(table: &str, comment: Option<&str>) -> String {
        format!(
            "COMMENT ON TABLE {} IS {}",
            qname(table),
            comment.map_or("NULL".to_owned(), quote_literal)
        )
    }

    /// `COMMENT ON COLUMN "t"."c" IS '...'` (or `IS NULL`).
    pub fn comment_on_column(table: &str, column: &str, comment: Option<&str>) -> String {
        format!(
            "COMMENT ON COLUMN {}.{} IS {}",
            qname(table),
            quote(column),
            comment.map_or("NULL".to_owned(), quote_literal)
        )
    }

    /// `COMMENT ON TYPE "e" IS '...'` (or `IS NULL`).
    pub fn comment_on_type(name: &str, comment: Option<&str>) -> String {
        format!(
            "COMMENT ON TYPE {} IS {}",
            qname(name),
            comment.map_or("NULL".to_owned(), quote_literal)
        )
    }

    /// `COMMENT ON [MATERIALIZED] VIEW "v" IS '...'` (or `IS NULL`).
    pub fn comment_on_view(view: &str, materialized: bool, comment: Option<&str>) -> String {
        format!(
            "COMMENT ON {}VIEW {} IS {}",
            if materialized { "MATERIALIZED " } else { "" },
            qname(view),
            comment.map_or("NULL".to_owned(), quote_literal)
        )
    }

    /// `COMMENT ON INDEX "i" IS '...'` (or `IS NULL`) for index `index` of `table` (it lives in
    /// the table's schema).
    pub fn comment_on_index(table: &str, index: &str, comment: Option<&str>) -> String {
        format!(
            "COMMENT ON INDEX {} IS {}",
            qname(&crate::ident::sibling(table, index)),
            comment.map_or("NULL".to_owned(), quote_literal)
        )
    }

    /// The comment of an index, once it is created (none when it has none).
    pub fn index_comment(table: &str, index: &Index) -> Option<String> {
        index
            .comment
            .as_deref()
            .map(|comment| comment_on_index(table, &index.name, Some(comment)))
    }

    /// The comments of a table and its columns.
    pub fn table_comments(table: &Table) -> Vec<String> {
        let mut statements = Vec::new();
        if let Some(comment) = &table.comment {
            statements.push(comment_on_table(&table.name, Some(comment)));
        }
        for Column { name, comment, .. } in &table.columns {
            if let Some(comment) = comment {
                statements.push(comment_on_column(&table.name, name, Some(comment)));
            }
        }
        statements
    }

    /// The statements that take row-level security from `from` to `to`.
    pub fn set_row_level_security(table: &str, from: RowLevelSecurity, to: RowLevelSecurity) -> Vec<String> {
        let mut statements = Vec::new();
        if from.enabled != to.enabled {
            statements.push(format!(
                "ALTER TABLE {} {} ROW LEVEL SECURITY",
                qname(table),
                if to.enabled { "ENABLE" } else { "DISABLE" }
            ));
        }
        if from.forced != to.forced {
            statements.push(format!(
                "ALTER TABLE {} {} ROW LEVEL SECURITY",
                qname(table),
                if to.forced { "FORCE" } else { "NO FORCE" }
            ));
        }
        statements
    }

    /// `CREATE POLICY "p" ON "t" AS PERMISSIVE FOR ALL TO ... USING (...) WITH CHECK (...)`
    pub fn create_policy(table: &str, policy: &Policy) -> String {
        let mut sql = format!(
            "CREATE POLICY {} ON {} AS {} FOR {}",
            quote(&policy.name),
            qname(table),
            if policy.permissive {
                "PERMISSIVE"
            } else {
                "RESTRICTIVE"
            },
            policy.command
        );
        if !policy.roles.is_empty() {
            let roles: Vec<String> = policy
                .roles
                .iter()
                .map(|r| {
                    if r == "public" || r == "PUBLIC" {
                        "PUBLIC".to_owned()
                    } else {
                        quote(r)
                    }
                })
                .collect();
            sql.push_str(&format!(" TO {}", roles.join(", ")));
        }
        if let Some(using) = &policy.using {
            sql.push_str(&format!(" USING ({using})"));
        }
        if let Some(check) = &policy.with_check {
            sql.push_str(&format!(" WITH CHECK ({check})"));
        }
        sql
    }

    /// Create `role` (NOLOGIN, no attributes) unless it exists. Roles belong to the whole server,
    /// so a migration that grants to the application role makes sure it is there; the operator
    /// gives it LOGIN and a password (or grants it to the login role) outside migrations. Two
    /// sessions creating it at once are both fine.
    pub fn ensure_role(role: &str) -> String {
        format!(
            "DO $role$ BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $role$",
            quote(role)
        )
    }

    /// `GRANT SELECT, INSERT ("a", "b") ON "t" TO "role"`
    pub fn grant_privileges(table: &str, grant: &Grant) -> String {
        format!(
            "GRANT {} ON {} TO {}",
            privilege_list(grant),
            qname(table),
            quote(&grant.role)
        )
    }

    /// The statements of a grant: on the table and its columns, and USAGE on the sequences of
    /// its serial columns.
    pub fn grant_statements(table: &str, grant: &Grant) -> Vec<String> {
        let mut out = Vec::new();
        if !grant.privileges.is_empty() || !grant.columns.is_empty() {
            out.push(grant_privileges(table, grant));
        }
        out.extend(
            grant
                .serial_usage
                .iter()
                .map(|column| serial_usage(table, column, &grant.role, true)),
        );
        out
    }

    /// The statements that revoke a grant (see [`grant_statements`]).
    pub fn revoke_statements(table: &str, grant: &Grant) -> Vec<String> {
        let mut out = Vec::new();
        if !grant.privileges.is_empty() || !grant.columns.is_empty() {
            out.push(revoke_privileges(table, grant));
        }
        out.extend(
            grant
                .serial_usage
                .iter()
                .map(|column| serial_usage(table, column, &grant.role, false)),
        );
        out
    }

    /// GRANT (or REVOKE) USAGE on a serial column's sequence, whose name Postgres chose when it
    /// made the serial.
    fn serial_usage(table: &str, column: &str, role: &str, grant: bool) -> String {
        let (verb, to) = if grant {
            ("GRANT", "TO")
        } else {
            ("REVOKE", "FROM")
        };
        format!(
            "DO $$BEGIN EXECUTE '{verb} USAGE ON SEQUENCE ' || pg_get_serial_sequence({}, {}) || ' {to} ' || {}; END$$",
            quote_literal(&qname(table)),
            quote_literal(column),
            quote_literal(&quote(role))
        )
    }

    /// `GRANT USAGE ON SEQUENCE "s" TO "role"`
    pub fn grant_sequence_usage(sequence: &str, role: &str) -> String {
        format!("GRANT USAGE ON SEQUENCE {} TO {}", qname(sequence), quote(role))
    }

    /// `REVOKE USAGE ON SEQUENCE "s" FROM "role"`
    pub fn revoke_sequence_usage(sequence: &str, role: &str) -> String {
        format!(
            "REVOKE USAGE ON SEQUENCE {} FROM {}",
            qname(sequence),
            quote(role)
        )
    }

    /// `REVOKE SELECT, INSERT ("a", "b") ON "t" FROM "role"`. Revoking a privilege on the whole
    /// table revokes it on every column too.
    pub fn revoke_privileges(table: &str, grant: &Grant) -> String {
        format!(
            "REVOKE {} ON {} FROM {}",
            privilege_list(grant),
            qname(table),
            quote(&grant.role)
        )
    }

    fn privilege_list(grant: &Grant) -> String {
        let table_wide = grant.privileges.iter().map(|p| p.sql().to_owned());
        let columns = grant.columns.iter().map(|c| {
            let names: Vec<String> = c.columns.iter().map(|n| quote(n)).collect();
            format!("{} ({})", c.privilege.sql(), names.join(", "))
        });
        table_wide.chain(columns).collect::<Vec<_>>().join(", ")
    }

    /// `DROP POLICY "p" ON "t"`
    pub fn drop_policy(table: &str, name: &str) -> String {
        format!("DROP POLICY {} ON {}", quote(name), qname(table))
    }

    /// `CREATE OR REPLACE FUNCTION "f"(args) RETURNS ty LANGUAGE l VOLATILITY AS $fn$ body $fn$`
    pub fn create_function(function: &Function) -> String {
        let mut attributes = format!("LANGUAGE {} {}", function.language, function.volatility);
        if function.strict {
            attributes.push_str(" STRICT");
        }
        if !function.parallel.is_unsafe() {
            attributes.push_str(&format!(" PARALLEL {}", function.parallel));
        }
        if let Some(cost) = &function.cost {
            attributes.push_str(&format!(" COST {cost}"));
        }
        if let Some(rows) = &function.rows {
            attributes.push_str(&format!(" ROWS {rows}"));
        }
        if function.security_definer {
            attributes.push_str(" SECURITY DEFINER");
        }
        if let Some(path) = &function.search_path {
            attributes.push_str(&format!(" SET search_path = {path}"));
        }
        for (name, value) in &function.settings {
            attributes.push_str(&format!(" SET {} = {}", quote(name), setting_value(name, value)));
        }
        let body = if function.sql_body {
            format!("\n{}", function.body)
        } else {
            let tag = dollar_tag(&function.body);
            format!(" AS {tag}{}{tag}", function.body)
        };
        format!(
            "CREATE OR REPLACE FUNCTION {}({}) RETURNS {} {attributes}{body}",
            qname(&function.name),
            function.arguments_with_defaults(),
            function.returns,
        )
    }

    /// A `SET` option's value as Postgres keeps it in `proconfig`, as SQL: a list setting's value
    /// is its items, already quoted where they need it; any other is one literal.
    fn setting_value(name: &str, value: &str) -> String {
        const LISTS: [&str; 5] = [
            "search_path",
            "temp_tablespaces",
            "session_preload_libraries",
            "shared_preload_libraries",
            "local_preload_libraries",
        ];
        if LISTS.contains(&name) {
            value.to_owned()
        } else {
            quote_literal(value)
        }
    }

    /// The statements that give a function's EXECUTE privilege to exactly `execute` (see
    /// [`Function::execute`]), from `had` (what it was before; `None` for a new function, which
    /// Postgres lets PUBLIC call).
    pub fn function_execute(function: &Function, had: Option<&[String]>) -> Vec<String> {
        let signature = format!("{}({})", qname(&function.name), function.arguments);
        let mut out = Vec::new();
        match &function.execute {
            None => {
                if had.is_some() {
                    out.push(format!("GRANT EXECUTE ON FUNCTION {signature} TO PUBLIC"));
                }
                for role in had.unwrap_or_default() {
                    out.push(format!(
                        "REVOKE EXECUTE ON FUNCTION {signature} FROM {}",
                        quote(role)
                    ));
                }
            }
            Some(roles) => {
                out.push(format!("REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC"));
                for role in had.unwrap_or_default().iter().filter(|r| !roles.contains(r)) {
                    out.push(format!(
                        "REVOKE EXECUTE ON FUNCTION {signature} FROM {}",
                        quote(role)
                    ));
                }
                for role in roles {
                    out.push(ensure_role(role));
                    out.push(format!(
                        "GRANT EXECUTE ON FUNCTION {signature} TO {}",
                        quote(role)
                    ));
                }
            }
        }
        out
    }

    /// `DROP FUNCTION "f"(args)`
    pub fn drop_function(function: &Function) -> String {
        format!("DROP FUNCTION {}({})", qname(&function.name), function.arguments)
    }

    /// A dollar-quote tag that does not occur in `body`.
    fn dollar_tag(body: &str) -> String {
        let mut tag = "$body$".to_owned();
        let mut n = 0;
        while body.contains(&tag) {
            n += 1;
            tag = format!("$body{n}$");
        }
        tag
    }

    /// `CREATE TRIGGER "t" BEFORE UPDATE ON "table" FOR EACH ROW [WHEN (...)] EXECUTE FUNCTION "f"(args)`
    pub fn create_trigger(table: &str, trigger: &Trigger) -> String {
        let events: Vec<String> = trigger
            .events
            .iter()
            .map(|e| match e {
                TriggerEvent::Update if !trigger.update_columns.is_empty() => {
                    format!("UPDATE OF {}", quote_list(&trigger.update_columns))
                }
                e => e.to_string(),
            })
            .collect();
        let mut sql = format!(
            "CREATE TRIGGER {} {} {} ON {}",
            quote(&trigger.name),
            trigger.timing,
            events.join(" OR "),
            qname(table),
        );
        if trigger.old_table.is_some() || trigger.new_table.is_some() {
            sql.push_str(" REFERENCING");
            if let Some(old) = &trigger.old_table {
                sql.push_str(&format!(" OLD TABLE AS {}", quote(old)));
            }
            if let Some(new) = &trigger.new_table {
                sql.push_str(&format!(" NEW TABLE AS {}", quote(new)));
            }
        }
        sql.push_str(if trigger.for_each_row {
            " FOR EACH ROW"
        } else {
            " FOR EACH STATEMENT"
        });
        if let Some(when) = &trigger.when {
            sql.push_str(&format!(" WHEN ({when})"));
        }
        let arguments: Vec<String> = trigger.arguments.iter().map(|a| quote_literal(a)).collect();
        sql.push_str(&format!(
            " EXECUTE FUNCTION {}({})",
            qname(&trigger.function),
            arguments.join(", ")
        ));
        sql
    }

    /// `CREATE TABLE "p" PARTITION OF "t" FOR VALUES ...`
    pub fn create_partition(table: &str, partition: &Partition) -> String {
        format!(
            "CREATE TABLE {} PARTITION OF {} {}",
            qname(&partition.name),
            qname(table),
            partition.bound
        )
    }

    /// `ALTER TABLE "t" DETACH PARTITION "p"`
    pub fn detach_partition(table: &str, partition: &str) -> String {
        format!(
            "ALTER TABLE {} DETACH PARTITION {}",
            qname(table),
            qname(partition)
        )
    }

    /// `ALTER TABLE "t" ATTACH PARTITION "p" FOR VALUES ...`
    pub fn attach_partition(table: &str, partition: &Partition) -> String {
        format!(
            "ALTER TABLE {} ATTACH PARTITION {} {}",
            qname(table),
            qname(&partition.name),
            partition.bound
        )
    }

    /// `DROP TRIGGER "t" ON "table"`
    pub fn drop_trigger(table: &str, name: &str) -> String {
        format!("DROP TRIGGER {} ON {}", quote(name), qname(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_only_at_top_level() {
        assert_eq!(
            split_top_level("a, f(b, c), 'x,y', \"q,r\"", b','),
            vec!["a", " f(b, c)", " 'x,y'", " \"q,r\""]
        );
    }

    #[test]
    fn identifiers_with_quotes_are_escaped() {
        let table = Table::new("we\"ird", vec![Column::new("co\"l", ColumnType::Text)]);
        assert_eq!(
            create_table(&table),
            "CREATE TABLE \"we\"\"ird\" (\n    \"co\"\"l\" text NOT NULL\n)"
        );
    }
}
