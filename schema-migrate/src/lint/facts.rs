//! What the rules need to know about names, types and functions, independent of the parser.

use std::ops::ControlFlow;

use sqlparser::ast::{
    ColumnDef, ColumnOption, Expr, GeneratedAs, Ident, ObjectName, Value, visit_expressions,
};

/// A name as Postgres resolves it: unquoted identifiers fold to lower case.
pub(super) fn ident(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// A table's name as the rules compare it: `public.` is dropped, other schemas stay.
pub(super) fn object_name(name: &ObjectName) -> String {
    let parts: Vec<String> = name.0.iter().filter_map(|p| p.as_ident()).map(ident).collect();
    match parts.as_slice() {
        [schema, table] if schema == "public" => table.clone(),
        _ => parts.join("."),
    }
}

/// Words that make a column an amount of money. A copy of `MONEY_WORDS` in
/// schema-derive/src/names.rs (a proc-macro crate cannot be a library dependency): keep the two
/// in step, so the lint flags what the derive refuses.
const MONEY_WORDS: &[&str] = &[
    "amount", "price", "cost", "total", "subtotal", "tax", "fee", "balance", "discount", "salary", "revenue",
];

fn is_word_or_plural(word: &str, stems: &[&str]) -> bool {
    stems.iter().any(|stem| {
        word == *stem || word.strip_suffix('s') == Some(stem) || word.strip_suffix("es") == Some(stem)
    })
}

/// Whether a column name denotes an amount of money (as `denotes_money` in schema-derive).
pub(super) fn denotes_money(column: &str) -> bool {
    let lower = column.to_ascii_lowercase();
    lower.ends_with("_cents")
        || lower == "cents"
        || lower
            .split('_')
            .filter(|w| !w.is_empty())
            .any(|w| is_word_or_plural(w, MONEY_WORDS))
}

/// What kind of type a column has, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TypeKind {
    /// real, double precision, float(n).
    Float,
    /// numeric/decimal, with (precision, scale) when given.
    Numeric(Option<(u32, u32)>),
    Money,
    Text,
    /// varchar / character varying, with its length limit.
    Varchar(Option<u32>),
    /// serial, bigserial, smallserial: an integer with a `nextval` default.
    Serial,
    /// Anything else, spelled as written (lower case).
    Other(String),
}

impl TypeKind {
    /// Classify a type as written (`character varying(20)`, `FLOAT8`, `pg_catalog.numeric(10,2)`).
    pub fn of(sql: &str) -> TypeKind {
        let lower = sql.trim().to_ascii_lowercase().replace('"', "");
        let lower = lower.strip_prefix("pg_catalog.").unwrap_or(&lower).to_owned();
        let (base, args) = match lower.split_once('(') {
            Some((base, rest)) => (base.trim(), rest.split(')').next().unwrap_or("")),
            None => (lower.as_str(), ""),
        };
        let numbers: Vec<u32> = args.split(',').filter_map(|n| n.trim().parse().ok()).collect();
        let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
        match base.as_str() {
            "real" | "float4" | "float8" | "float" | "double" | "double precision" => TypeKind::Float,
            "numeric" | "decimal" | "dec" => TypeKind::Numeric(match numbers.as_slice() {
                [precision] => Some((*precision, 0)),
                [precision, scale] => Some((*precision, *scale)),
                _ => None,
            }),
            "money" => TypeKind::Money,
            "text" => TypeKind::Text,
            "varchar" | "character varying" => TypeKind::Varchar(numbers.first().copied()),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2" => TypeKind::Serial,
            _ => TypeKind::Other(lower),
        }
    }

    /// A type that cannot hold cents exactly, or that the project keeps out of money columns.
    pub fn is_inexact_money(&self) -> bool {
        matches!(self, TypeKind::Float | TypeKind::Numeric(_) | TypeKind::Money)
    }

    /// Whether changing a column from `from` to `self` needs neither a table rewrite nor a scan.
    /// With `from` unknown, a change to text or varchar is taken to widen a string column.
    pub fn converts_in_place_from(&self, from: Option<&TypeKind>) -> bool {
        use TypeKind::*;
        let Some(from) = from else {
            return matches!(self, Text | Varchar(_));
        };
        match (from, self) {
            (a, b) if a == b => true,
            (Varchar(Some(a)), Varchar(Some(b))) => a <= b,
            (Varchar(_), Varchar(None) | Text) | (Text, Varchar(None)) => true,
            (Numeric(Some(_)), Numeric(None)) => true,
            (Numeric(Some((p1, s1))), Numeric(Some((p2, s2)))) => s1 == s2 && p2 >= p1,
            _ => false,
        }
    }
}

/// What a column definition (`CREATE TABLE` or `ADD COLUMN`) says, as far as the rules care.
#[derive(Debug, Clone)]
pub(super) struct ColumnFacts {
    pub name: String,
    /// The type as written.
    pub ty: String,
    /// NOT NULL, or PRIMARY KEY (which implies it).
    pub not_null: bool,
    pub has_default: bool,
    /// Why every row gets a value of its own, if it does: a volatile default, an identity, a
    /// serial type, a stored generated expression.
    pub per_row: Option<String>,
    /// The table an inline `REFERENCES` points at.
    pub references: Option<ObjectName>,
    /// An inline constraint that checks or indexes the existing rows.
    pub inline_constraint: Option<&'static str>,
}

impl ColumnFacts {
    pub fn of(def: &ColumnDef) -> Self {
        let ty = def.data_type.to_string();
        let kind = TypeKind::of(&ty);
        let mut facts = ColumnFacts {
            name: ident(&def.name),
            per_row: (kind == TypeKind::Serial)
                .then(|| format!("the {} type (a nextval default)", ty.to_lowercase())),
            ty,
            not_null: false,
            has_default: false,
            references: None,
            inline_constraint: None,
        };
        for option in &def.options {
            match &option.option {
                ColumnOption::NotNull => facts.not_null = true,
                ColumnOption::Default(expr) => {
                    facts.has_default = true;
                    if let Some(function) = volatile_call(expr) {
                        facts.per_row = Some(format!("the volatile default {function}()"));
                    }
                }
                ColumnOption::Generated {
                    generated_as,
                    generation_expr,
                    ..
                } => {
                    facts.has_default = true;
                    facts.per_row = Some(match (generation_expr, generated_as) {
                        (Some(_), _) | (None, GeneratedAs::ExpStored) => {
                            "a stored generated expression".to_owned()
                        }
                        _ => "an identity (GENERATED ... AS IDENTITY)".to_owned(),
                    });
                }
                ColumnOption::Identity(_) => {
                    facts.has_default = true;
                    facts.per_row = Some("an identity".to_owned());
                }
                ColumnOption::PrimaryKey(_) => {
                    facts.not_null = true;
                    facts.inline_constraint = Some("PRIMARY KEY");
                }
                ColumnOption::Unique(_) => facts.inline_constraint = Some("UNIQUE constraint"),
                ColumnOption::Check(_) => facts.inline_constraint = Some("CHECK constraint"),
                ColumnOption::ForeignKey(fk) => {
                    facts.references = Some(fk.foreign_table.clone());
                    facts.inline_constraint = Some("foreign key");
                }
                _ => {}
            }
        }
        if kind == TypeKind::Serial {
            facts.has_default = true;
        }
        facts
    }
}

/// Functions whose value differs per call: a column added with one as its default gets a value
/// per row, which rewrites the table. (`now()`, `current_timestamp` and `statement_timestamp()`
/// are stable: evaluated once, no rewrite.)
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "gen_random_bytes",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "currval",
    "lastval",
    "setseed",
];

/// The first volatile function `expr` calls, if any.
pub(super) fn volatile_call(expr: &Expr) -> Option<String> {
    let mut found = None;
    let _ = visit_expressions(expr, |e| {
        if let Expr::Function(function) = e
            && let Some(name) = function.name.0.last().and_then(|p| p.as_ident())
        {
            let name = ident(name);
            if VOLATILE_FUNCTIONS.contains(&name.as_str()) {
                found = Some(name);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    found
}

/// Whether `SET lock_timeout` to these values turns the timeout on: anything but zero and
/// `DEFAULT` (the server's default is no timeout).
pub(super) fn timeout_enabled(values: &[Expr]) -> bool {
    let text = match values {
        [Expr::Value(v)] => match &v.value {
            Value::Number(n, _) => n.clone(),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
            _ => return true,
        },
        [Expr::Identifier(id)] => id.value.clone(),
        _ => return true,
    };
    duration_enabled(&text)
}

/// `'2s'`, `'1500'`, `'0ms'`, `DEFAULT`: whether the duration is a limit (non-zero).
pub(super) fn duration_enabled(text: &str) -> bool {
    let text = text.trim();
    if text.eq_ignore_ascii_case("default") {
        return false;
    }
    let number: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse::<f64>().map_or(true, |n| n > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_names() {
        for name in [
            "amount",
            "total_cents",
            "unit_price",
            "TAX",
            "fees",
            "balance",
            "cents",
            "salary",
        ] {
            assert!(denotes_money(name), "{name}");
        }
        for name in ["taxonomy", "status", "quantity", "feedback", "rate", "centsible"] {
            assert!(!denotes_money(name), "{name}");
        }
    }

    #[test]
    fn type_kinds() {
        assert_eq!(TypeKind::of("DOUBLE PRECISION"), TypeKind::Float);
        assert_eq!(TypeKind::of("float(24)"), TypeKind::Float);
        assert_eq!(TypeKind::of("NUMERIC(12,2)"), TypeKind::Numeric(Some((12, 2))));
        assert_eq!(TypeKind::of("pg_catalog.numeric"), TypeKind::Numeric(None));
        assert_eq!(TypeKind::of("CHARACTER VARYING(10)"), TypeKind::Varchar(Some(10)));
        assert_eq!(TypeKind::of("\"varchar\""), TypeKind::Varchar(None));
        assert_eq!(TypeKind::of("bigserial"), TypeKind::Serial);
        assert_eq!(TypeKind::of("bigint"), TypeKind::Other("bigint".into()));
        assert!(TypeKind::of("money").is_inexact_money());
        assert!(!TypeKind::of("bigint").is_inexact_money());
    }

    #[test]
    fn in_place_conversions() {
        let of = TypeKind::of;
        assert!(of("varchar(20)").converts_in_place_from(Some(&of("varchar(10)"))));
        assert!(!of("varchar(10)").converts_in_place_from(Some(&of("varchar(20)"))));
        assert!(of("text").converts_in_place_from(Some(&of("character varying(5)"))));
        assert!(!of("varchar(5)").converts_in_place_from(Some(&of("text"))));
        assert!(of("numeric(12,2)").converts_in_place_from(Some(&of("numeric(10,2)"))));
        assert!(!of("bigint").converts_in_place_from(Some(&of("integer"))));
        assert!(of("text").converts_in_place_from(None));
        assert!(!of("bigint").converts_in_place_from(None));
    }

    #[test]
    fn durations() {
        for on in ["2s", "2000ms", "1500", "0.5s", "1min"] {
            assert!(duration_enabled(on), "{on}");
        }
        for off in ["0", "0ms", " 0s", "DEFAULT"] {
            assert!(!duration_enabled(off), "{off}");
        }
    }
}
