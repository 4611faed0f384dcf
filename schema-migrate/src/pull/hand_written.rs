//! Hand-written objects of the pulled database as builder calls: `.function(..)`,
//! `.trigger(..)`, `.policy(..)`, `.grant(..)` with model struct literals, and the indexes of a
//! materialized view as `View::index(..)`.
//!
//! Each call is written to start at the builder chain's indentation (8 spaces), its continuation
//! lines indented already; a function body is a raw string literal, whose lines are the body's
//! exactly.

use schema_core::model::{Function, Grant, Index, IndexKey, IndexTarget, Policy, SortOrder, Trigger};

use super::names::string_literal as lit;

/// The indentation of the builder chain in `schema()`.
const CHAIN: &str = "        ";

/// A raw string literal holding `text` exactly, with one `#` more than the longest run of `#`
/// after a `"` in it; a text with a carriage return (which a raw string cannot hold) as an
/// escaped literal.
pub fn raw_string(text: &str) -> String {
    if text.contains('\r') {
        return lit(text);
    }
    let mut longest = 0;
    for (i, _) in text.match_indices('"') {
        let run = text[i + 1..].chars().take_while(|c| *c == '#').count();
        longest = longest.max(run);
    }
    let hashes = "#".repeat(longest + 1);
    format!("r{hashes}\"{text}\"{hashes}")
}

fn string(text: &str) -> String {
    format!("{}.into()", lit(text))
}

fn option(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("Some({})", string(text)),
        None => "None".to_owned(),
    }
}

fn strings(items: &[String]) -> String {
    if items.is_empty() {
        return "Vec::new()".to_owned();
    }
    let items: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("vec![{}]", items.join(", "))
}

/// `field: value,` lines at `indent`.
fn fields(indent: &str, fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{indent}{name}: {value},\n"))
        .collect()
}

/// `.function(model::Function { .. })`.
pub fn function(function: &Function) -> String {
    let inner = format!("{CHAIN}    ");
    let settings = if function.settings.is_empty() {
        "Default::default()".to_owned()
    } else {
        let pairs: Vec<String> = function
            .settings
            .iter()
            .map(|(k, v)| format!("({}.to_owned(), {}.to_owned())", lit(k), lit(v)))
            .collect();
        format!("[{}].into()", pairs.join(", "))
    };
    let execute = match &function.execute {
        Some(roles) => format!("Some({})", strings(roles)),
        None => "None".to_owned(),
    };
    let mut out = String::from(".function(model::Function {\n");
    out.push_str(&fields(
        &inner,
        &[
            ("name", string(&function.name)),
            (
                "arguments",
                if function.arguments.is_empty() {
                    "String::new()".to_owned()
                } else {
                    string(&function.arguments)
                },
            ),
            ("argument_defaults", strings(&function.argument_defaults)),
            ("returns", string(&function.returns)),
            ("language", string(&function.language)),
            (
                "volatility",
                format!("model::Volatility::{:?}", function.volatility),
            ),
            ("strict", function.strict.to_string()),
            ("parallel", format!("model::Parallel::{:?}", function.parallel)),
            ("cost", option(function.cost.as_deref())),
            ("rows", option(function.rows.as_deref())),
            ("security_definer", function.security_definer.to_string()),
            ("search_path", option(function.search_path.as_deref())),
            ("execute", execute),
            ("settings", settings),
            ("sql_body", function.sql_body.to_string()),
        ],
    ));
    // The body last: it is the longest, and its lines start at column 0.
    let body = raw_string(&function.body);
    if body.contains('\n') {
        out.push_str(&format!("{inner}body: {body}\n{inner}.into(),\n"));
    } else {
        out.push_str(&format!("{inner}body: {body}.into(),\n"));
    }
    out.push_str(&format!("{CHAIN}}})"));
    out
}

/// `.trigger("table", model::Trigger { .. })`.
pub fn trigger(table: &str, trigger: &Trigger) -> String {
    let inner = format!("{CHAIN}        ");
    let events: Vec<String> = trigger
        .events
        .iter()
        .map(|e| format!("model::TriggerEvent::{e:?}"))
        .collect();
    let body = fields(
        &inner,
        &[
            ("name", string(&trigger.name)),
            ("timing", format!("model::TriggerTiming::{:?}", trigger.timing)),
            ("events", format!("vec![{}]", events.join(", "))),
            ("update_columns", strings(&trigger.update_columns)),
            ("old_table", option(trigger.old_table.as_deref())),
            ("new_table", option(trigger.new_table.as_deref())),
            ("for_each_row", trigger.for_each_row.to_string()),
            ("function", string(&trigger.function)),
            ("arguments", strings(&trigger.arguments)),
            ("when", option(trigger.when.as_deref())),
        ],
    );
    on_table("trigger", table, "model::Trigger", &body)
}

/// `.policy("table", model::Policy { .. })`.
pub fn policy(table: &str, policy: &Policy) -> String {
    let inner = format!("{CHAIN}        ");
    let body = fields(
        &inner,
        &[
            ("name", string(&policy.name)),
            ("command", format!("model::PolicyCommand::{:?}", policy.command)),
            ("permissive", policy.permissive.to_string()),
            ("roles", strings(&policy.roles)),
            ("using", option(policy.using.as_deref())),
            ("with_check", option(policy.with_check.as_deref())),
        ],
    );
    on_table("policy", table, "model::Policy", &body)
}

/// `.grant("table", model::Grant::table(..))`, or a struct literal when the grant has column
/// privileges or serial USAGE.
pub fn grant(table: &str, grant: &Grant) -> String {
    let privileges: Vec<String> = grant
        .privileges
        .iter()
        .map(|p| format!("model::Privilege::{p:?}"))
        .collect();
    let privileges = if privileges.is_empty() {
        "Vec::new()".to_owned()
    } else {
        format!("vec![{}]", privileges.join(", "))
    };
    if grant.columns.is_empty() && grant.serial_usage.is_empty() {
        return format!(
            ".grant({}, model::Grant::table({}, {privileges}))",
            lit(table),
            lit(&grant.role)
        );
    }
    let inner = format!("{CHAIN}        ");
    let columns: String = grant
        .columns
        .iter()
        .map(|c| {
            format!(
                "{inner}    model::ColumnGrant {{ privilege: model::Privilege::{:?}, columns: {} }},\n",
                c.privilege,
                strings(&c.columns)
            )
        })
        .collect();
    let columns = if columns.is_empty() {
        "Vec::new()".to_owned()
    } else {
        format!("vec![\n{columns}{inner}]")
    };
    let body = fields(
        &inner,
        &[
            ("role", string(&grant.role)),
            ("privileges", privileges),
            ("columns", columns),
            ("serial_usage", strings(&grant.serial_usage)),
        ],
    );
    on_table("grant", table, "model::Grant", &body)
}

/// `.method(\n "table",\n Type {\n body }, \n)`.
fn on_table(method: &str, table: &str, ty: &str, body: &str) -> String {
    format!(
        ".{method}(\n{CHAIN}    {},\n{CHAIN}    {ty} {{\n{body}{CHAIN}    }},\n{CHAIN})",
        lit(table)
    )
}

fn index_key(key: &IndexKey) -> String {
    let mut base = match &key.target {
        IndexTarget::Column(c) => format!("model::IndexKey::column({})", lit(c)),
        IndexTarget::Expression(sql) => format!("model::IndexKey::expression({})", lit(sql)),
    };
    if key.order == SortOrder::Desc {
        base.push_str(".desc()");
    }
    let mut set = Vec::new();
    if let Some(collation) = &key.collation {
        set.push(format!("collation: Some({})", string(collation)));
    }
    if let Some(opclass) = &key.opclass {
        set.push(format!("opclass: Some({})", string(opclass)));
    }
    if let Some(nulls) = key.nulls {
        set.push(format!("nulls: Some(model::NullsOrder::{nulls:?})"));
    }
    if set.is_empty() {
        base
    } else {
        format!("model::IndexKey {{ {}, ..{base} }}", set.join(", "))
    }
}

/// `.index(..)` of a materialized view, on a line of its own: `Index::on_columns` where it says
/// all, else with the fields that differ from it.
pub fn view_index(index: &Index) -> String {
    let plain_columns: Option<Vec<String>> = index
        .keys
        .iter()
        .map(|k| match &k.target {
            IndexTarget::Column(c)
                if k.order == SortOrder::Asc
                    && k.collation.is_none()
                    && k.opclass.is_none()
                    && k.nulls.is_none() =>
            {
                Some(lit(c))
            }
            _ => None,
        })
        .collect();
    let base = match &plain_columns {
        Some(columns) => format!(
            "model::Index::on_columns({}, &[{}])",
            lit(&index.name),
            columns.join(", ")
        ),
        None => format!("model::Index::on_columns({}, &[])", lit(&index.name)),
    };
    let mut set = Vec::new();
    if index.unique {
        set.push("unique: true".to_owned());
    }
    if index.nulls_not_distinct {
        set.push("nulls_not_distinct: true".to_owned());
    }
    if index.method != "btree" {
        set.push(format!("method: {}", string(&index.method)));
    }
    if plain_columns.is_none() {
        let keys: Vec<String> = index.keys.iter().map(index_key).collect();
        set.push(format!("keys: vec![{}]", keys.join(", ")));
    }
    if !index.include.is_empty() {
        set.push(format!("include: {}", strings(&index.include)));
    }
    if let Some(predicate) = &index.predicate {
        set.push(format!("predicate: Some({})", string(predicate)));
    }
    let one_line = format!("model::Index {{ {}, ..{base} }}", set.join(", "));
    let mut out = if set.is_empty() {
        base
    } else if one_line.len() <= 100 {
        one_line
    } else {
        // A field a line, under the `.index(` of its view.
        let inner = format!("{CHAIN}            ");
        let fields: String = set.iter().map(|f| format!("{inner}{f},\n")).collect();
        format!("model::Index {{\n{fields}{inner}..{base}\n{CHAIN}        }}")
    };
    if let Some(comment) = &index.comment {
        out.push_str(&format!(".comment({})", lit(comment)));
    }
    format!("\n{CHAIN}        .index({out})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_strings_take_one_hash_more_than_the_body_needs() {
        assert_eq!(raw_string("BEGIN END"), "r#\"BEGIN END\"#");
        assert_eq!(raw_string("x := '\"#';"), "r##\"x := '\"#';\"##");
        assert_eq!(raw_string("a \"### b"), "r####\"a \"### b\"####");
        assert_eq!(raw_string("a\r\nb"), "\"a\\r\\nb\"");
    }
}
