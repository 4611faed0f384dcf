//! Standard types: the Rust type of each pulled column, and the escape hatches its type needs.
//!
//! A column gets the team's standard type where the data allows it (`organization_id uuid` →
//! `OrganizationId`, `*_cents bigint` → `Money`, `created_at timestamptz` → `Timestamp`, a
//! password column whose sampled rows are PHC strings → `PasswordHash`); where the existing
//! column breaks a standard, it keeps its type and gets the derive's escape hatch with the reason
//! `"existing column: <finding>"`, and the finding goes into the report with its fix.

use schema_core::ident;
use schema_core::model::{Column, ColumnType, Identity, Table};

use super::names;
use super::report::Finding;

/// What the field of one column is, in the generated struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDecl {
    pub column: String,
    pub ident: String,
    pub needs_name: bool,
    pub rust_type: String,
    /// The `#[column(...)]` entries, rendered (`primary_key`, `sql_type = "..."`).
    pub attrs: Vec<String>,
    pub comment: Option<String>,
}

/// What the inference knows about the column's table.
pub struct Context<'a> {
    pub table: &'a Table,
    /// A tenant table (`organization_id` is its tenant column).
    pub tenant: bool,
    /// The tenant root (its `id` is the `OrganizationId`).
    pub root: bool,
    /// The Rust type of each enum, by SQL name.
    pub enum_type: &'a dyn Fn(&str) -> Option<String>,
    /// Columns that reference the tenant root's key (they hold an `OrganizationId`).
    pub references_root: &'a [String],
    /// Whether sampled rows confirm the column holds hashes: PHC strings in a password column,
    /// 32-byte digests in a bytea secret column.
    pub hash_confirmed: &'a dyn Fn(&str) -> bool,
}

fn quoted(text: &str) -> String {
    names::string_literal(text)
}

fn hatch(finding: &str) -> String {
    quoted(&format!("existing column: {finding}"))
}

/// The Rust type for `ty` when the column is not special, with the `sql_type` it needs (when the
/// Rust type alone renders another type) and the rule classes it falls in.
struct Base {
    rust: String,
    sql_type: Option<String>,
    float: bool,
    json: bool,
}

fn base(ty: &ColumnType, enum_type: &dyn Fn(&str) -> Option<String>) -> Base {
    let plain = |rust: &str| Base {
        rust: rust.to_owned(),
        sql_type: None,
        float: false,
        json: false,
    };
    let spelled = |rust: &str| Base {
        rust: rust.to_owned(),
        sql_type: Some(ty.sql()),
        float: false,
        json: false,
    };
    match ty {
        ColumnType::SmallInt => plain("i16"),
        ColumnType::Integer => plain("i32"),
        ColumnType::BigInt => plain("i64"),
        ColumnType::Real => Base {
            float: true,
            ..plain("f32")
        },
        ColumnType::DoublePrecision => Base {
            float: true,
            ..plain("f64")
        },
        ColumnType::Numeric(None) => plain("Decimal"),
        ColumnType::Numeric(Some(_)) => spelled("Decimal"),
        ColumnType::Text => plain("String"),
        ColumnType::Varchar(_) | ColumnType::Char(_) => spelled("String"),
        ColumnType::Boolean => plain("bool"),
        ColumnType::Uuid => plain("Uuid"),
        ColumnType::Timestamptz => plain("Timestamp"),
        ColumnType::Timestamp => plain("schema_core::time::PrimitiveDateTime"),
        ColumnType::Date => plain("Date"),
        ColumnType::Time => plain("schema_core::time::Time"),
        ColumnType::Bytea => plain("Vec<u8>"),
        ColumnType::Jsonb => Base {
            json: true,
            ..plain("Json<serde_json::Value>")
        },
        ColumnType::Json => Base {
            json: true,
            ..spelled("Json<serde_json::Value>")
        },
        ColumnType::Enum(name) => match enum_type(name) {
            Some(rust) => plain(&rust),
            None => spelled("String"),
        },
        ColumnType::Array(inner) => {
            let element = match inner.as_ref() {
                ColumnType::SmallInt => Some(("i16", false)),
                ColumnType::Integer => Some(("i32", false)),
                ColumnType::BigInt => Some(("i64", false)),
                ColumnType::Real => Some(("f32", true)),
                ColumnType::DoublePrecision => Some(("f64", true)),
                ColumnType::Boolean => Some(("bool", false)),
                ColumnType::Text => Some(("String", false)),
                ColumnType::Uuid => Some(("Uuid", false)),
                ColumnType::Date => Some(("Date", false)),
                _ => None,
            };
            match element {
                Some((rust, float)) => Base {
                    float,
                    ..plain(&format!("Vec<{rust}>"))
                },
                None => spelled("String"),
            }
        }
        // interval, inet, cidr, extension types, domains: spelled out, read as text.
        ColumnType::Interval | ColumnType::Inet | ColumnType::Cidr | ColumnType::Other(_) => {
            let parsed = match ty {
                ColumnType::Other(sql) => ColumnType::parse(sql),
                other => other.clone(),
            };
            let float = matches!(parsed, ColumnType::Real | ColumnType::DoublePrecision);
            let json = matches!(parsed, ColumnType::Json | ColumnType::Jsonb);
            Base {
                float,
                json,
                ..spelled("String")
            }
        }
    }
}

/// The field of `column`, with the findings it raises. `field` is its identifier.
pub fn field(
    cx: &Context<'_>,
    column: &Column,
    field: names::FieldName,
    findings: &mut Vec<Finding>,
) -> FieldDecl {
    let table = &cx.table.name;
    let name = &column.name;
    let object = format!("{table}.{name}");
    let quoted_table = ident::quote_qualified(table);
    let quoted_column = ident::quote(name);
    let mut attrs: Vec<String> = Vec::new();
    let in_key = cx
        .table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.contains(name));
    if in_key {
        attrs.push("primary_key".to_owned());
    }
    if field.needs_name {
        attrs.push(format!("name = {}", quoted(name)));
    }
    let field_ident = field.ident.trim_start_matches("r#").to_owned();
    // The derive judges the field's name and the column's name.
    let either = |f: fn(&str) -> bool| f(name) || f(&field_ident);
    let base = base(&column.ty, cx.enum_type);
    let mut rust = base.rust.clone();
    let mut sql_type = base.sql_type.clone();
    let timestamp_column = name == "created_at" || name == "updated_at";

    let organization = (name == "organization_id" && cx.tenant)
        || (name == "id" && cx.root)
        || (cx.references_root.contains(name) && column.ty == ColumnType::Uuid);
    if organization {
        rust = "OrganizationId".to_owned();
    } else if timestamp_column {
        rust = "Timestamp".to_owned();
        if column.ty != ColumnType::Timestamptz {
            sql_type = Some(column.ty.sql());
            findings.push(Finding {
                rule: "timestamp-type",
                object: object.clone(),
                message: format!("is `{}`, not `timestamp with time zone`", column.ty.sql()),
                declared_fixed: false,
                fix: vec![format!(
                    "ALTER TABLE {quoted_table} ALTER COLUMN {quoted_column} TYPE timestamptz USING {quoted_column} AT TIME ZONE 'UTC' -- rewrites the table: on a large one, add a timestamptz column, backfill it in batches, switch, drop the old one"
                )],
            });
        }
    }

    // Money: a name that denotes an amount is integer cents (`Money`, bigint) or says why not.
    let money = either(names::denotes_money);
    let mut not_money = None;
    let numeric = matches!(
        column.ty.element(),
        ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Real
            | ColumnType::DoublePrecision
            | ColumnType::Numeric(_)
    ) || matches!(&column.ty, ColumnType::Other(t) if t == "money");
    if money && numeric && rust != "OrganizationId" && rust != "Timestamp" {
        if column.ty == ColumnType::BigInt {
            rust = "Money".to_owned();
        } else {
            let what = column.ty.sql();
            let finding = format!("money stored as {what}, not integer cents");
            not_money = Some(hatch(&finding));
            let cents = if name.ends_with("_cents") {
                format!("{name}_new")
            } else {
                format!("{name}_cents")
            };
            let scale = match &column.ty {
                ColumnType::SmallInt | ColumnType::Integer => "",
                _ => " * 100",
            };
            findings.push(Finding {
                rule: "money-not-cents",
                object: object.clone(),
                message: finding,
                declared_fixed: false,
                fix: vec![
                    format!("ALTER TABLE {quoted_table} ADD COLUMN {} bigint", ident::quote(&cents)),
                    format!(
                        "UPDATE {quoted_table} SET {} = round({quoted_column}{scale})::bigint -- in batches on a large table; declare `{cents}: Money` and have the app write both",
                        ident::quote(&cents)
                    ),
                    format!("ALTER TABLE {quoted_table} DROP COLUMN {quoted_column} -- once nothing reads it"),
                ],
            });
            if matches!(&column.ty, ColumnType::Other(t) if t == "money") {
                // Postgres' money type has no escape hatch: declared as it should be.
                rust = "Money".to_owned();
                not_money = None;
                if let Some(last) = findings.last_mut() {
                    last.declared_fixed = true;
                }
            }
        }
    }

    // Floats and JSON need a reason.
    let mut float = None;
    if base.float && rust != "Money" {
        let finding = "float without a stated reason";
        float = Some(hatch(if not_money.is_some() {
            "money stored as a float"
        } else {
            finding
        }));
        if not_money.is_none() {
            findings.push(Finding {
                rule: "float-without-reason",
                object: object.clone(),
                message: format!("{} holds approximate values and no reason is recorded", column.ty.sql()),
                declared_fixed: false,
                fix: vec![format!(
                    "state why approximate values are fine (replace the `float` reason), or ALTER TABLE {quoted_table} ALTER COLUMN {quoted_column} TYPE numeric USING {quoted_column}::numeric -- rewrites the table"
                )],
            });
        }
    }

    // Secrets: a secret-named column holds a hash.
    let mut not_secret = None;
    let secret = either(names::denotes_secret);
    let password = secret && either(names::denotes_password);
    let texty = matches!(
        column.ty,
        ColumnType::Text | ColumnType::Varchar(_) | ColumnType::Char(_)
    );
    if secret && (texty || base.json || column.ty == ColumnType::Bytea) {
        if password && column.ty == ColumnType::Text && (cx.hash_confirmed)(name) {
            rust = "PasswordHash".to_owned();
        } else if !password && column.ty == ColumnType::Bytea && (cx.hash_confirmed)(name) {
            rust = "TokenHash".to_owned();
        } else {
            let finding = if password && texty {
                "password column whose rows are not all PHC hashes"
            } else if column.ty == ColumnType::Bytea {
                "secret bytes whose rows are not all 32-byte hashes"
            } else {
                "plaintext-looking secret"
            };
            not_secret = Some(hatch(finding));
            let hash = format!("{}_hash", name.trim_end_matches("_hash"));
            let hash = if hash == *name {
                format!("{name}_new")
            } else {
                hash
            };
            let (kind, ty) = if password {
                ("PasswordHash", "text")
            } else {
                ("TokenHash", "bytea")
            };
            findings.push(Finding {
                rule: "plaintext-secret",
                object: object.clone(),
                message: format!("{finding}: store only a hash ({kind})"),
                declared_fixed: false,
                fix: vec![
                    format!("ALTER TABLE {quoted_table} ADD COLUMN {} {ty}", ident::quote(&hash)),
                    if password {
                        format!("backfill {} from the app (argon2id of each password on its next sign-in, or force a reset)", ident::quote(&hash))
                    } else {
                        format!(
                            "UPDATE {quoted_table} SET {} = sha256(convert_to({quoted_column}::text, 'UTF8')) -- in batches",
                            ident::quote(&hash)
                        )
                    },
                    format!("ALTER TABLE {quoted_table} DROP COLUMN {quoted_column} -- once the app reads only the hash"),
                ],
            });
        }
    }
    let mut json = None;
    if base.json {
        json = Some(hatch("JSON without a stated reason"));
        findings.push(Finding {
            rule: "json-without-reason",
            object: object.clone(),
            message: format!("{} with no reason recorded for not using columns", column.ty.sql()),
            declared_fixed: false,
            fix: vec![format!(
                "state why the data cannot be columns (replace the `json` reason), or move its fields into typed columns: ALTER TABLE {quoted_table} ADD COLUMN ...; UPDATE {quoted_table} SET ... = {quoted_column}->>'...'; then drop {quoted_column}"
            )],
        });
    }

    if let Some(sql) = &sql_type {
        attrs.push(format!("sql_type = {}", quoted(sql)));
    }
    if let Some(collation) = &column.collation {
        attrs.push(format!("collate = {}", quoted(collation)));
    }
    match column.identity {
        Some(kind @ (Identity::Always | Identity::ByDefault)) => {
            let options = &column.identity_options;
            let mut parts = Vec::new();
            if kind == Identity::ByDefault {
                parts.push("by_default".to_owned());
            }
            for (key, value) in [
                ("start", options.start),
                ("increment", options.increment),
                ("min_value", options.min_value),
                ("max_value", options.max_value),
                ("cache", options.cache),
            ] {
                if let Some(value) = value {
                    parts.push(format!("{key} = {value}"));
                }
            }
            if options.cycle {
                parts.push("cycle".to_owned());
            }
            attrs.push(match parts.as_slice() {
                [] => "identity".to_owned(),
                [only] if only == "by_default" => "identity = \"by_default\"".to_owned(),
                _ => format!("identity({})", parts.join(", ")),
            });
        }
        Some(Identity::Serial) => attrs.push("identity = \"serial\"".to_owned()),
        None => {}
    }
    if let Some(generated) = &column.generated {
        attrs.push(format!("generated = {}", quoted(generated)));
    }
    if let Some(default) = &column.default
        && column.identity.is_none()
        && !(timestamp_column && default == "now()")
    {
        attrs.push(format!("default_sql = {}", quoted(default)));
    }
    for (key, reason) in [
        ("not_money", not_money),
        ("float", float),
        ("json", json),
        ("not_secret", not_secret),
    ] {
        if let Some(reason) = reason {
            attrs.push(format!("{key} = {reason}"));
        }
    }
    if column.nullable && !in_key && !timestamp_column {
        rust = format!("Option<{rust}>");
    }
    FieldDecl {
        column: name.clone(),
        ident: field.ident,
        needs_name: field.needs_name,
        rust_type: rust,
        attrs,
        comment: column.comment.clone(),
    }
}
