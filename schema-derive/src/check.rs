//! The standards that can be checked from the names and attributes of one struct. The rules that
//! depend on a field's type are emitted by `expand` as trait-bound assertions instead, so that
//! aliases and qualified paths cannot slip past them.

use quote::ToTokens;
use syn::{Ident, LitStr};

use crate::ast::{Field, Input};
use crate::attr::KeyTarget;
use crate::ctxt::Ctxt;
use crate::{names, rules};

/// Postgres keeps the first 63 bytes of an identifier and silently drops the rest.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

pub const TENANT_COLUMN: &str = "organization_id";
pub const TIMESTAMP_COLUMNS: [&str; 2] = ["created_at", "updated_at"];

pub fn check(cx: &Ctxt, input: &Input) {
    check_generics(cx, input);
    check_names(cx, input);
    check_tenancy(cx, input);
    check_timestamps(cx, input);
    check_primary_key(cx, input);
    check_columns(cx, input);
    check_table_objects(cx, input);
    check_partitions(cx, input);
}

fn check_generics(cx: &Ctxt, input: &Input) {
    let generics = &input.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "a table struct cannot be generic: one struct declares one table",
        );
    }
}

fn too_long(name: &str) -> bool {
    name.len() > MAX_IDENTIFIER_BYTES
}

fn long_name_message(kind: &str, name: &str) -> String {
    format!(
        "{kind} name `{name}` is {} bytes; Postgres keeps only {MAX_IDENTIFIER_BYTES} and would silently truncate it: choose a shorter name",
        name.len()
    )
}

fn check_lit_length(cx: &Ctxt, kind: &str, lit: &Option<LitStr>) {
    if let Some(lit) = lit
        && too_long(&lit.value())
    {
        cx.error_spanned_by(lit, long_name_message(kind, &lit.value()));
    }
}

/// The schema a table is in: a name Postgres keeps as written and lets an application create.
pub fn check_schema_name(cx: &Ctxt, schema: &LitStr) {
    let name = schema.value();
    let problem = if name.trim().is_empty() {
        Some("must not be empty: name the schema, or leave `schema` out for `public`".to_owned())
    } else if too_long(&name) {
        Some(format!(
            "is {} bytes; Postgres keeps only {MAX_IDENTIFIER_BYTES} and would silently truncate it: choose a shorter name",
            name.len()
        ))
    } else if name.contains('.') {
        Some(
            "holds a `.`, which the model reads as the end of the schema's name: choose a name without one"
                .to_owned(),
        )
    } else if name.starts_with("pg_") {
        Some("starts with `pg_`, which Postgres reserves for its own schemas: choose another name".to_owned())
    } else if name == "schema_migrate" {
        Some(
            "is the migration runner's own schema, which holds no application table: choose another name"
                .to_owned(),
        )
    } else {
        None
    };
    if let Some(problem) = problem {
        cx.error_spanned_by(schema, format!("schema name `{name}` {problem}"));
    }
}

fn check_names(cx: &Ctxt, input: &Input) {
    if too_long(&input.table) {
        match &input.attrs.name {
            Some(lit) => cx.error_spanned_by(lit, long_name_message("table", &input.table)),
            None => cx.error_spanned_by(
                input.ident,
                format!(
                    "{}; set one with `#[table(name = \"...\")]`",
                    long_name_message("table", &input.table)
                ),
            ),
        }
    }
    check_lit_length(cx, "previous table", &input.attrs.renamed_from);
    if let Some(from) = &input.attrs.renamed_from {
        // As the rename reads it: a name without a schema is in the table's schema.
        let value = from.value();
        let from_name = match value.strip_prefix("public.") {
            Some(bare) => bare.to_owned(),
            None if value.contains('.') => value,
            None => crate::ast::qualify(input.schema().as_deref(), &value),
        };
        let table = input.qualified_table();
        if from_name == table {
            cx.error_spanned_by(
                from,
                format!("`renamed_from` names the table itself (`{table}`): give its previous name or schema, or remove it"),
            );
        }
    }
    if let Some(schema) = &input.attrs.schema {
        check_schema_name(cx, schema);
    }
    let mut seen = std::collections::HashMap::new();
    for field in &input.fields {
        if too_long(&field.column) {
            match &field.attrs.name {
                Some(lit) => cx.error_spanned_by(lit, long_name_message("column", &field.column)),
                None => cx.error_spanned_by(
                    field.ident,
                    format!(
                        "{}; set one with `#[column(name = \"...\")]`",
                        long_name_message("column", &field.column)
                    ),
                ),
            }
        }
        check_lit_length(cx, "previous column", &field.attrs.renamed_from);
        if let Some(from) = &field.attrs.renamed_from
            && from.value() == field.column
        {
            cx.error_spanned_by(
                from,
                format!(
                    "`renamed_from` names the column itself (`{}`): give its previous name, or remove it",
                    field.column
                ),
            );
        }
        if let Some(first) = seen.insert(field.column.clone(), field.ident) {
            cx.error_spanned_by(
                field.ident,
                format!(
                    "column `{}` is declared twice (also by field `{first}`): rename one",
                    field.column
                ),
            );
        }
    }
    for check in &input.attrs.checks {
        check_lit_length(cx, "check constraint", &check.name);
    }
    for unique in &input.attrs.uniques {
        check_lit_length(cx, "unique constraint", &unique.name);
    }
    for index in &input.attrs.indexes {
        check_lit_length(cx, "index", &index.name);
    }
    for foreign_key in &input.attrs.foreign_keys {
        check_lit_length(cx, "foreign key", &foreign_key.name);
    }
}

fn check_tenancy(cx: &Ctxt, input: &Input) {
    let attrs = &input.attrs;
    if let (Some(root), Some(_)) = (&attrs.tenant_root, &attrs.global) {
        cx.error_spanned_by(
            root,
            "a table is either the tenant root or global, not both: remove `tenant_root` or `global`",
        );
    }
    if let Some(reason) = &attrs.rls_exempt
        && !input.is_tenant()
    {
        cx.error_spanned_by(
            reason,
            "`rls_exempt` is for tenant tables; global tables and the tenant root have no tenant policy to opt out of",
        );
    }
    if input.is_tenant() && input.fields.iter().all(|f| f.column != TENANT_COLUMN) {
        cx.error_spanned_by(
            input.ident,
            format!(
                "tenancy rule: tenant table `{}` has no `organization_id` column: add `pub organization_id: OrganizationId`, or mark the table `#[table(global)]` if its rows are shared by every organization",
                input.table
            ),
        );
    }
    if input.is_root() {
        let id = input.field_by_column("id");
        if id.is_none_or(|f| f.attrs.primary_key.is_none()) || input.primary_key().len() != 1 {
            cx.error_spanned_by(
                attrs.tenant_root.as_ref().expect("root"),
                "tenancy rule: the tenant root's primary key must be `#[column(primary_key)] pub id: OrganizationId`",
            );
        }
    }
}

fn check_timestamps(cx: &Ctxt, input: &Input) {
    for column in TIMESTAMP_COLUMNS {
        if input.field_by_column(column).is_none() {
            cx.error_spanned_by(
                input.ident,
                format!(
                    "timestamps rule: table `{}` has no `{column}` column: add `pub {column}: Timestamp` (timestamptz NOT NULL DEFAULT now())",
                    input.table
                ),
            );
        }
    }
}

fn check_primary_key(cx: &Ctxt, input: &Input) {
    if input.primary_key().is_empty() {
        cx.error_spanned_by(
            input.ident,
            format!(
                "table `{}` has no primary key: mark its key field(s) `#[column(primary_key)]`",
                input.table
            ),
        );
    }
}

fn check_columns(cx: &Ctxt, input: &Input) {
    for field in &input.fields {
        check_column(cx, input, field);
    }
}

fn check_column(cx: &Ctxt, input: &Input, field: &Field) {
    let attrs = &field.attrs;
    // A misspelled key is one error: the keys it leaves "missing" are not reported as well.
    if !field.attr_error {
        match (&attrs.references, &attrs.on_delete) {
            (Some(path), None) => cx.error_spanned_by(
                path,
                format!(
                    "foreign key rule: `{}` references `{}` but does not state ON DELETE: add `on_delete = \"cascade\"`, `\"restrict\"`, `\"set null\"` or `\"no action\"`",
                    field.column,
                    path.to_token_stream()
                ),
            ),
            (None, Some(action)) => cx.error_spanned_by(
                &action.lit,
                "`on_delete` is only meaningful on a foreign key: add `references = Table`",
            ),
            _ => {}
        }
        if let (None, Some(action)) = (&attrs.references, &attrs.on_update) {
            cx.error_spanned_by(
                &action.lit,
                "`on_update` is only meaningful on a foreign key: add `references = Table`",
            );
        }
        if let (None, Some((key, _))) = (&attrs.references, &attrs.deferrable) {
            cx.error_spanned_by(
                key,
                "`deferrable` on a column is its foreign key's: add `references = Table`; for a deferrable unique key write `#[table(unique(column, deferrable = \"initially deferred\"))]`",
            );
        }
    }
    if let Some(key) = &attrs.primary_key
        && crate::expand::option_inner(field.ty()).is_some()
    {
        cx.error_spanned_by(
            key,
            format!(
                "primary key column `{}` cannot be NULL, but its type is an `Option`: remove the `Option`",
                field.column
            ),
        );
    }
    if let (Some(_), Some(sql)) = (&attrs.default, &attrs.default_sql) {
        cx.error_spanned_by(
            sql,
            "give either `default = <value>` or `default_sql = \"...\"`, not both",
        );
    }
    let has_default = attrs.default.is_some() || attrs.default_sql.is_some();
    if let Some((key, _)) = &attrs.identity
        && (has_default || attrs.generated.is_some())
    {
        cx.error_spanned_by(
            key,
            "an identity column has no default or generation expression: remove one",
        );
    }
    if let Some(generated) = &attrs.generated {
        if has_default {
            cx.error_spanned_by(generated, "a generated column has no default: remove `default`");
        }
        if attrs.primary_key.is_some() {
            cx.error_spanned_by(generated, "a generated column cannot be part of the primary key");
        }
    }
    if let Some(reason) = &attrs.not_money
        && !names::mentions_money(&field.name)
        && !names::mentions_money(&field.column)
    {
        cx.error_spanned_by(
            reason,
            format!(
                "`not_money` is only needed on a column whose name holds a money word; `{}` holds none: remove it",
                field.column
            ),
        );
    }
    if let Some(reason) = &attrs.not_secret
        && !names::mentions_secret(&field.name)
        && !names::mentions_secret(&field.column)
    {
        cx.error_spanned_by(
            reason,
            format!(
                "`not_secret` is only needed on a column whose name holds a secret word; `{}` holds none: remove it",
                field.column
            ),
        );
    }
    if let Some(lit) = &attrs.sql_type {
        for broken in rules::rendered(field) {
            cx.error_spanned_by(lit, broken.message);
        }
    }
    if let (Some(_), Some(float)) = (&attrs.json, &attrs.float) {
        cx.error_spanned_by(
            float,
            "a column is either JSON or a float: remove `json` or `float`",
        );
    }
    if let Some(references) = &attrs.references
        && field.column == TENANT_COLUMN
        && input.is_tenant()
    {
        cx.error_spanned_by(
            references,
            "`organization_id` gets its foreign key to the tenant root automatically (ON DELETE CASCADE): remove `references`",
        );
    }
}

fn field_exists(cx: &Ctxt, input: &Input, ident: &Ident, object: &str) -> bool {
    if input.field(ident).is_some() {
        return true;
    }
    let fields: Vec<String> = input.fields.iter().map(|f| format!("`{}`", f.ident)).collect();
    cx.error_spanned_by(
        ident,
        format!(
            "{object} names `{ident}`, which is not a field of `{}`; fields are {}",
            input.ident,
            fields.join(", ")
        ),
    );
    false
}

/// Index methods Postgres has.
const INDEX_METHODS: &[&str] = &["btree", "hash", "gist", "spgist", "gin", "brin"];

/// A column listed twice in one constraint or index is an error at the second.
fn no_repeats<'a>(cx: &Ctxt, columns: impl Iterator<Item = &'a Ident>, object: &str) {
    let mut seen: Vec<&Ident> = Vec::new();
    for column in columns {
        if seen.contains(&column) {
            cx.error_spanned_by(
                column,
                format!("{object} lists `{column}` twice: list each column once"),
            );
        } else {
            seen.push(column);
        }
    }
}

fn check_table_objects(cx: &Ctxt, input: &Input) {
    for check in &input.attrs.checks {
        if check.name.is_none() {
            cx.error_spanned_by(
                &check.key,
                "checks rule: a table CHECK needs a name: `check(name = \"invoices_total_matches\", expr = \"...\")`",
            );
        }
        if check.expr.is_none() {
            cx.error_spanned_by(
                &check.key,
                "a table CHECK needs its SQL condition: `check(name = \"...\", expr = \"total_cents >= 0\")`",
            );
        }
    }
    for unique in &input.attrs.uniques {
        for column in &unique.columns {
            field_exists(cx, input, column, "`unique(...)`");
        }
        no_repeats(cx, unique.columns.iter(), "`unique(...)`");
    }
    for index in &input.attrs.indexes {
        for key in &index.keys {
            if let KeyTarget::Column(column) = &key.target {
                field_exists(cx, input, column, "`index(...)`");
            }
        }
        for column in &index.include {
            field_exists(cx, input, column, "`include(...)`");
        }
        no_repeats(
            cx,
            index.keys.iter().filter_map(|key| match &key.target {
                KeyTarget::Column(column) => Some(column),
                KeyTarget::Expression(_) => None,
            }),
            "`index(...)`",
        );
        if let Some(method) = &index.method {
            let name = method.value().trim().to_ascii_lowercase();
            if !INDEX_METHODS.contains(&name.as_str()) {
                cx.error_spanned_by(
                    method,
                    format!(
                        "unknown index method `{}`; Postgres has {}",
                        method.value(),
                        crate::symbol::list(INDEX_METHODS)
                    ),
                );
            }
        }
        if index.nulls_not_distinct && !index.unique {
            cx.error_spanned_by(
                &index.key,
                "`nulls_not_distinct` applies to unique indexes: add `unique`",
            );
        }
    }
    for foreign_key in &input.attrs.foreign_keys {
        if foreign_key.columns.is_empty() {
            cx.error_spanned_by(&foreign_key.key, "`foreign_key(...)` needs `columns(a, b)`");
        }
        for column in &foreign_key.columns {
            field_exists(cx, input, column, "`foreign_key(...)`");
        }
        no_repeats(cx, foreign_key.columns.iter(), "`foreign_key(...)`");
        if foreign_key.references.is_none() {
            cx.error_spanned_by(&foreign_key.key, "`foreign_key(...)` needs `references = Table`");
        }
        if foreign_key.on_delete.is_none() {
            cx.error_spanned_by(
                &foreign_key.key,
                "foreign key rule: a foreign key must state ON DELETE: add `on_delete = \"cascade\"`, `\"restrict\"`, `\"set null\"` or `\"no action\"`",
            );
        }
    }
}

/// The partition key's columns, in key order (empty when the table is not partitioned or a
/// column of the key is not a field: that error is reported on its own).
fn partition_key<'a>(input: &'a Input) -> Vec<&'a Ident> {
    let Some(by) = &input.attrs.partition_by else {
        return Vec::new();
    };
    if by.columns.iter().any(|c| input.field(c).is_none()) {
        return Vec::new();
    }
    by.columns.iter().collect()
}

/// Partitioning: the key names fields, a list key has one column, every primary or unique key
/// includes the key's columns (Postgres enforces uniqueness partition by partition), and each
/// partition gives the bound its strategy takes.
fn check_partitions(cx: &Ctxt, input: &Input) {
    let Some(by) = &input.attrs.partition_by else {
        for partition in &input.attrs.partitions {
            cx.error_spanned_by(
                &partition.key,
                "a partition needs a partitioned table: add `partition_by(range(column))` (or `list`, `hash`)",
            );
        }
        return;
    };
    for column in &by.columns {
        field_exists(cx, input, column, "`partition_by(...)`");
    }
    no_repeats(cx, by.columns.iter(), "`partition_by(...)`");
    let strategy = by.strategy.to_string();
    if strategy == crate::symbol::LIST && by.columns.len() > 1 {
        cx.error_spanned_by(
            &by.columns[1],
            "list partitioning takes one column: `partition_by(list(region))` (use `range` or `hash` for several)",
        );
    }
    let key = partition_key(input);
    let names = |columns: &[&Ident]| -> Vec<String> {
        columns
            .iter()
            .map(|c| input.field(c).map_or_else(|| c.to_string(), |f| f.column.clone()))
            .collect()
    };
    let key_columns = names(&key);
    let table = &input.table;
    let primary: Vec<&Ident> = input.primary_key().iter().map(|f| f.ident).collect();
    let primary_columns = names(&primary);
    for (column, ident) in key_columns.iter().zip(&key) {
        if !primary.is_empty() && !primary_columns.contains(column) {
            cx.error_spanned_by(
                ident,
                format!(
                    "partitioned table `{table}`: its primary key must include the partition key column `{column}` \
                     (Postgres enforces a key partition by partition): mark `{ident}` `#[column(primary_key)]` too"
                ),
            );
        }
    }
    let check_unique = |spanned: &dyn quote::ToTokens, columns: Vec<String>, what: &str, fix: &str| {
        for column in &key_columns {
            if !columns.contains(column) {
                cx.error_spanned_by(
                    spanned,
                    format!(
                        "partitioned table `{table}`: {what} must include the partition key column `{column}` \
                         (Postgres enforces uniqueness partition by partition): {fix}"
                    ),
                );
            }
        }
    };
    for field in &input.fields {
        if let Some(unique) = &field.attrs.unique {
            check_unique(
                unique,
                vec![field.column.clone()],
                &format!("the unique column `{}`", field.column),
                &format!(
                    "declare `#[table(unique({}, {}))]` instead",
                    field.ident,
                    key.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
    for unique in &input.attrs.uniques {
        let columns: Vec<&Ident> = unique.columns.iter().collect();
        check_unique(
            &unique.key,
            names(&columns),
            "a unique constraint",
            "add it to `unique(...)`",
        );
    }
    for index in input.attrs.indexes.iter().filter(|i| i.unique) {
        let columns: Vec<&Ident> = index
            .keys
            .iter()
            .filter_map(|k| match &k.target {
                KeyTarget::Column(c) => Some(c),
                KeyTarget::Expression(_) => None,
            })
            .collect();
        check_unique(
            &index.key,
            names(&columns),
            "a unique index",
            "add it to `index(...)`",
        );
    }
    check_partition_bounds(cx, input, &strategy, by.columns.len());
}

fn check_partition_bounds(cx: &Ctxt, input: &Input, strategy: &str, key_len: usize) {
    use crate::symbol::{DEFAULT, FROM, HASH, LIST, MODULUS, RANGE, REMAINDER, TO, VALUES};
    let mut names: Vec<String> = Vec::new();
    let allowed: &[&str] = match strategy {
        RANGE => &[FROM, TO, DEFAULT],
        LIST => &[VALUES, DEFAULT],
        _ => &[MODULUS, REMAINDER],
    };
    let form = match strategy {
        RANGE => "`from = \"...\", to = \"...\"` or `default`",
        LIST => "`values(\"...\", ...)` or `default`",
        _ => "`modulus = 4, remainder = 0`",
    };
    for partition in &input.attrs.partitions {
        match &partition.name {
            None => cx.error_spanned_by(
                &partition.key,
                "a partition needs its name: `partition(name = \"events_2026\", ...)`",
            ),
            Some(name) => {
                check_lit_length(cx, "partition", &partition.name);
                if names.contains(&name.value()) {
                    cx.error_spanned_by(name, format!("partition `{}` is declared twice", name.value()));
                }
                names.push(name.value());
            }
        }
        for given in &partition.given {
            if !allowed.contains(&given.to_string().as_str()) {
                cx.error_spanned_by(
                    given,
                    format!("`{given}` is not a bound of {strategy} partitioning; a {strategy} partition takes {form}"),
                );
            }
        }
        let has = |key: &str| partition.given.iter().any(|g| g == key);
        if !partition
            .given
            .iter()
            .all(|g| allowed.contains(&g.to_string().as_str()))
        {
            continue;
        }
        if partition.default && partition.given.len() > 1 {
            cx.error_spanned_by(
                &partition.key,
                "a `default` partition takes no other bound: give `default` alone",
            );
            continue;
        }
        let complete = match strategy {
            _ if partition.default => true,
            RANGE => has(FROM) && has(TO),
            LIST => has(VALUES),
            _ => has(MODULUS) && has(REMAINDER),
        };
        if !complete {
            cx.error_spanned_by(
                &partition.key,
                format!("a {strategy} partition needs its bound: {form}"),
            );
            continue;
        }
        if strategy == RANGE && !partition.default {
            for (values, key) in [(&partition.from, FROM), (&partition.to, TO)] {
                if values.len() != key_len {
                    let spanned = partition.given.iter().find(|g| *g == key).expect("given");
                    cx.error_spanned_by(
                        spanned,
                        format!("`{key}` gives {} value(s) for a partition key of {key_len} column(s): give one per column", values.len()),
                    );
                }
            }
        }
        if strategy == LIST && partition.values.is_empty() {
            cx.error_spanned_by(&partition.key, "`values(...)` needs at least one value");
        }
        if strategy == HASH
            && let (Some(modulus), Some(remainder)) = (&partition.modulus, &partition.remainder)
        {
            match (modulus.base10_parse::<u32>(), remainder.base10_parse::<u32>()) {
                (Ok(m), Ok(r)) if m > 0 && r < m => {}
                (Ok(m), Ok(_)) if m > 0 => cx.error_spanned_by(
                    remainder,
                    format!("`remainder` must be less than `modulus` ({m})"),
                ),
                _ => cx.error_spanned_by(modulus, "`modulus` must be a positive whole number"),
            }
        }
    }
}
