//! Rows for `verify`: a few generated rows in every table, so that a migration whose success
//! depends on data (a NOT NULL column added without a default, an enum value removed while rows
//! use it, a unique key over repeated values, `SET NOT NULL` over NULLs) fails on the throwaway
//! database as it would on a real one, not only on empty tables.
//!
//! The rows fit the schema they are inserted into: typed values, enum labels (every label used),
//! foreign keys pointing at existing rows (composite keys consistent with columns shared with
//! other keys, such as `organization_id`), distinct values in primary keys and unique columns.
//! Columns under no unique key repeat one value, and one row leaves its nullable columns NULL,
//! which is what finds the failures above. A row a check constraint (or anything else) refuses
//! is skipped; a table that takes no row is reported, never a failure of the run.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::ident::{quote, quote_literal};
use schema_core::model::{Column, ColumnType, IndexTarget, Schema, Table};
use tokio_postgres::Client;

use crate::error::Error;

/// The column that names a row's tenant.
const TENANT_COLUMN: &str = "organization_id";

/// What seeding did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub rows: usize,
    /// Tables that took none of the rows offered, with the first reason.
    pub refused: Vec<(String, String)>,
}

/// Insert rows into every table of `schema` (as the database has it) that holds fewer than
/// `rows`; `round` keeps the values of later calls distinct from earlier ones.
pub async fn seed(client: &Client, schema: &Schema, rows: usize, round: usize) -> Result<Seeded, Error> {
    let mut seeded = Seeded::default();
    if rows == 0 {
        return Ok(seeded);
    }
    let tables = in_dependency_order(schema);
    if tables.is_empty() {
        return Ok(seeded);
    }
    // The rows every table has, in one query (inserting into one table changes no other's).
    let counts: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "(SELECT count(*) FROM (SELECT FROM {} LIMIT {rows}) AS t)",
                quote(&t.name)
            )
        })
        .collect();
    let have: Vec<i64> = client
        .query_one(&format!("SELECT ARRAY[{}]::bigint[]", counts.join(", ")), &[])
        .await
        .map_err(|e| statement_error("count rows", e))?
        .get(0);
    for (table, have) in tables.into_iter().zip(have) {
        let wanted = rows.saturating_sub(usize::try_from(have).unwrap_or(rows));
        let mut first_error = None;
        let mut inserted = 0;
        for i in 0..wanted {
            let k = round * 1_000 + i;
            // The first row leaves its nullable columns NULL, the others fill them; a check
            // that ties them to other columns (`(status = 'paid') = (paid_at IS NOT NULL)`) gets
            // the other choice too before the row is given up.
            for nulls in [i == 0, i != 0] {
                match row(client, schema, table, i, k, nulls).await? {
                    Err(reason) => {
                        first_error.get_or_insert(reason);
                    }
                    Ok(sql) => {
                        // A transaction of its own: a refused row leaves nothing behind.
                        match client.batch_execute(&format!("BEGIN; {sql}; COMMIT")).await {
                            Ok(()) => {
                                inserted += 1;
                                break;
                            }
                            Err(error) => {
                                let _ = client.batch_execute("ROLLBACK").await;
                                first_error.get_or_insert(crate::db::describe(&error));
                            }
                        }
                    }
                }
            }
        }
        seeded.rows += inserted;
        if inserted == 0
            && wanted > 0
            && let Some(reason) = first_error
        {
            seeded.refused.push((table.name.clone(), reason));
        }
    }
    Ok(seeded)
}

fn statement_error(what: &str, source: tokio_postgres::Error) -> Error {
    Error::Statement {
        sql: what.to_owned(),
        source,
    }
}

/// Tables ordered so that a table comes after those its foreign keys reference (cycles and
/// self-references are broken where they close).
pub(crate) fn in_dependency_order(schema: &Schema) -> Vec<&Table> {
    let by_name: BTreeMap<&str, &Table> = schema.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    fn visit<'a>(
        table: &'a Table,
        by_name: &BTreeMap<&str, &'a Table>,
        done: &mut BTreeSet<&'a str>,
        visiting: &mut BTreeSet<&'a str>,
        order: &mut Vec<&'a Table>,
    ) {
        if done.contains(table.name.as_str()) || !visiting.insert(table.name.as_str()) {
            return;
        }
        for fk in &table.foreign_keys {
            if let Some(target) = by_name.get(fk.referenced_table.as_str())
                && target.name != table.name
            {
                visit(target, by_name, done, visiting, order);
            }
        }
        visiting.remove(table.name.as_str());
        done.insert(table.name.as_str());
        order.push(table);
    }
    for table in &schema.tables {
        visit(table, &by_name, &mut done, &mut BTreeSet::new(), &mut order);
    }
    order
}

/// Columns covered by a primary key, a unique constraint or a unique index.
fn unique_columns(table: &Table) -> BTreeSet<&str> {
    let mut columns: BTreeSet<&str> = BTreeSet::new();
    if let Some(pk) = &table.primary_key {
        columns.extend(pk.columns.iter().map(String::as_str));
    }
    for unique in &table.uniques {
        columns.extend(unique.columns.iter().map(String::as_str));
    }
    for index in table.indexes.iter().filter(|i| i.unique) {
        for key in &index.keys {
            if let IndexTarget::Column(column) = &key.target {
                columns.insert(column.as_str());
            }
        }
    }
    columns
}

/// The INSERT for row `i` (value number `k`) of `table`, or why there is none.
async fn row(
    client: &Client,
    schema: &Schema,
    table: &Table,
    i: usize,
    k: usize,
    nulls: bool,
) -> Result<Result<String, String>, Error> {
    let unique = unique_columns(table);
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    // Foreign keys first: each points at an existing row that agrees with the columns already
    // chosen (a tenant key shares organization_id with the key to the organization).
    // The key to the tenant root goes first, and a tenant row references rows of its own
    // tenant even through a single-column key: generated data is consistent, as an app's is.
    let mut keys: Vec<_> = table.foreign_keys.iter().collect();
    keys.sort_by_key(|fk| (fk.columns != [TENANT_COLUMN], fk.columns.len()));
    for fk in keys {
        let target = quote(&fk.referenced_table);
        let wanted: Vec<String> = fk
            .referenced_columns
            .iter()
            .map(|c| format!("{}::text", quote(c)))
            .collect();
        let mut filters = Vec::new();
        for (column, referenced) in fk.columns.iter().zip(&fk.referenced_columns) {
            if let Some(value) = values.get(column.as_str()) {
                filters.push(format!("{} = {value}", quote(referenced)));
            }
        }
        let target_is_tenant = schema
            .tables
            .iter()
            .find(|t| t.name == fk.referenced_table)
            .is_some_and(|t| t.columns.iter().any(|c| c.name == TENANT_COLUMN));
        if target_is_tenant
            && !fk.referenced_columns.iter().any(|c| c == TENANT_COLUMN)
            && let Some(tenant) = values.get(TENANT_COLUMN)
            && tenant != "NULL"
        {
            filters.push(format!("{} = {tenant}", quote(TENANT_COLUMN)));
        }
        let mut sql = format!("SELECT {} FROM {target}", wanted.join(", "));
        if !filters.is_empty() {
            sql.push_str(&format!(" WHERE {}", filters.join(" AND ")));
        }
        // The `i`-th referenced row (wrapping around), found with the count in one query.
        let pick = format!(
            "{sql} ORDER BY 1 OFFSET ({i} % greatest(1, (SELECT count(*) FROM ({sql}) AS t))) LIMIT 1"
        );
        let found = client
            .query_opt(&pick, &[])
            .await
            .map_err(|e| statement_error("read a referenced row", e))?;
        let Some(found) = found else {
            let nullable = fk.columns.iter().all(|c| {
                table.columns.iter().any(|col| &col.name == c && col.nullable)
                    || values.contains_key(c.as_str())
            });
            if nullable {
                for column in &fk.columns {
                    values.entry(column.as_str()).or_insert_with(|| "NULL".to_owned());
                }
                continue;
            }
            return Ok(Err(format!("no row in {} to reference", fk.referenced_table)));
        };
        for (n, column) in fk.columns.iter().enumerate() {
            let ty = table
                .columns
                .iter()
                .find(|c| &c.name == column)
                .map(|c| c.ty.sql());
            let text: Option<String> = found.get(n);
            let value = match (text, ty) {
                (Some(text), Some(ty)) => format!("{}::{ty}", quote_literal(&text)),
                _ => "NULL".to_owned(),
            };
            values.entry(column.as_str()).or_insert(value);
        }
    }
    let mut columns = Vec::new();
    let mut exprs = Vec::new();
    for column in &table.columns {
        if column.generated.is_some() || column.identity.is_some() {
            continue;
        }
        let value = if let Some(value) = values.get(column.name.as_str()) {
            value.clone()
        } else if column.default.is_some()
            && !unique.contains(column.name.as_str())
            && !matches!(column.ty, ColumnType::Enum(_))
        {
            // The default, except for enums: every label is used, so that a change that drops
            // or forbids one meets a row that has it.
            continue;
        } else if column.nullable && nulls && !unique.contains(column.name.as_str()) {
            "NULL".to_owned()
        } else if column.name.contains("email")
            && matches!(column.ty, ColumnType::Text | ColumnType::Varchar(_))
        {
            format!(
                "{}::{}",
                quote_literal(&format!("user{}@example.com", k + 1)),
                column.ty.sql()
            )
        } else if let Some(allowed) = checked_literals(table, column) {
            // A check that lists the values the column may take (`operation IN ('INSERT', ...)`).
            format!(
                "{}::{}",
                quote_literal(&allowed[i % allowed.len()]),
                column.ty.sql()
            )
        } else {
            let distinct = unique.contains(column.name.as_str());
            match value_of(schema, &column.ty, distinct.then_some(k), i) {
                Some(value) => value,
                None if column.nullable => "NULL".to_owned(),
                None => {
                    return Ok(Err(format!(
                        "no value of type {} for {}",
                        column.ty.sql(),
                        column.name
                    )));
                }
            }
        };
        columns.push(quote(&column.name));
        exprs.push(value);
    }
    if columns.is_empty() {
        return Ok(Ok(format!("INSERT INTO {} DEFAULT VALUES", quote(&table.name))));
    }
    Ok(Ok(format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(&table.name),
        columns.join(", "),
        exprs.join(", ")
    )))
}

/// A value of `ty` for row `row`: the `k`-th of distinct ones, or (`None`) the one every row
/// repeats. Enum columns take every label in turn.
fn value_of(schema: &Schema, ty: &ColumnType, k: Option<usize>, row: usize) -> Option<String> {
    let number = k.map_or(1, |k| k + 1);
    let typed = |text: String| format!("{text}::{}", ty.sql());
    Some(match ty {
        ColumnType::SmallInt => typed(format!("{}", number % 32_000)),
        ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Numeric(_)
        | ColumnType::Real
        | ColumnType::DoublePrecision => typed(number.to_string()),
        ColumnType::Text => typed(quote_literal(&text_of(k, 64))),
        ColumnType::Varchar(limit) => typed(quote_literal(&text_of(k, limit.unwrap_or(64)))),
        ColumnType::Char(limit) => typed(quote_literal(&text_of(k, *limit))),
        ColumnType::Boolean => typed(if number.is_multiple_of(2) { "true" } else { "false" }.to_owned()),
        ColumnType::Uuid => typed(format!("md5({})", quote_literal(&format!("seed {number}")))),
        ColumnType::Timestamptz | ColumnType::Timestamp => {
            typed(format!("(timestamp '2020-01-01' + interval '1 hour' * {number})"))
        }
        ColumnType::Date => typed(format!("(date '2020-01-01' + {number})")),
        ColumnType::Time => typed(format!(
            "(time '00:00' + interval '1 second' * {})",
            number % 86_000
        )),
        ColumnType::Interval => typed(format!("(interval '1 second' * {number})")),
        ColumnType::Json | ColumnType::Jsonb => typed(format!("json_build_object('seed', {number})::text")),
        ColumnType::Bytea => typed(format!(
            "decode(md5({}), 'hex')",
            quote_literal(&number.to_string())
        )),
        ColumnType::Inet => typed(format!("(inet '10.0.0.0' + {number})")),
        ColumnType::Cidr => typed(format!("network(set_masklen(inet '10.0.0.0' + {number}, 32))")),
        ColumnType::Array(element) => typed(format!("ARRAY[{}]", value_of(schema, element, k, row)?)),
        ColumnType::Enum(name) => {
            let labels = &schema.enums.iter().find(|e| &e.name == name)?.values;
            if labels.is_empty() {
                return None;
            }
            typed(quote_literal(&labels[row % labels.len()]))
        }
        ColumnType::Other(_) => return None,
    })
}

/// The string constants of the checks of `table` that name `column`: the values such a check
/// usually lists.
fn checked_literals(table: &Table, column: &Column) -> Option<Vec<String>> {
    use crate::sql_split::{TokenKind, significant_tokens};
    if !matches!(
        column.ty,
        ColumnType::Text | ColumnType::Varchar(_) | ColumnType::Char(_)
    ) {
        return None;
    }
    let column = column.name.as_str();
    let mut found = Vec::new();
    for check in &table.checks {
        let tokens = significant_tokens(&check.expression);
        if !tokens.iter().any(|t| t.identifier().as_deref() == Some(column)) {
            continue;
        }
        for token in tokens.iter().filter(|t| t.kind == TokenKind::String) {
            if let Some(inner) = token.text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
                found.push(inner.replace("''", "'"));
            }
        }
    }
    (!found.is_empty()).then_some(found)
}

/// Text that fits `limit` characters: distinct digits for `k`, or one repeated value.
fn text_of(k: Option<usize>, limit: u32) -> String {
    let limit = limit.max(1) as usize;
    match k {
        None => "v".to_owned(),
        Some(k) => {
            let digits = (k + 1).to_string();
            if digits.len() > limit {
                digits[digits.len() - limit..].to_owned()
            } else {
                digits
            }
        }
    }
}
