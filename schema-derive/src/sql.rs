//! `sql_type = "..."` parsed at compile time into the model's `ColumnType`, so that the rules judge
//! the column as it is rendered, and a type that cannot be read is an error at the attribute.
//!
//! The spellings are those of `ColumnType::parse` (what `format_type` prints, and the common DDL
//! aliases); whitespace inside a name is normalized. Any other well-formed name (`citext`,
//! `tsvector`, `geometry(Point, 4326)`, `timestamp(3) with time zone`) is kept as written, as
//! `ColumnType::Other`.

use proc_macro2::TokenStream;
use quote::quote;

/// A parsed column type: the model's `ColumnType`, variant for variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    SmallInt,
    Integer,
    BigInt,
    Real,
    DoublePrecision,
    Numeric(Option<(u32, u32)>),
    Text,
    Varchar(Option<u32>),
    Char(u32),
    Boolean,
    Uuid,
    Timestamptz,
    Timestamp,
    Date,
    Time,
    Interval,
    Json,
    Jsonb,
    Bytea,
    Inet,
    Cidr,
    Array(Box<SqlType>),
    Other(String),
}

/// What the standards see in a rendered type (of an array: of its element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `bigint`: what `Money` renders.
    BigInt,
    /// `smallint`, `integer`, `serial`...
    Integer,
    Float,
    Decimal,
    /// Postgres' `money` type.
    PgMoney,
    Text,
    Bytes,
    Json,
    Other,
}

impl Class {
    /// A number: the money rule applies.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            Class::BigInt | Class::Integer | Class::Float | Class::Decimal | Class::PgMoney
        )
    }
}

/// Words that end a type: a constraint or default in `sql_type` is a mistake.
const NOT_TYPE_WORDS: &[&str] = &[
    "not",
    "null",
    "default",
    "primary",
    "key",
    "references",
    "check",
    "constraint",
    "unique",
    "collate",
    "generated",
];

pub fn parse(sql: &str) -> Result<SqlType, String> {
    let trimmed = sql.trim();
    if trimmed.is_empty() {
        return Err("is empty".to_owned());
    }
    if let Some(inner) = trimmed.strip_suffix("[]") {
        return Ok(SqlType::Array(Box::new(parse(inner)?)));
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '\t' | '(' | ')' | ',' | '.' | '"')))
    {
        return Err(format!("has `{bad}`, which no type name has"));
    }
    if !trimmed.matches('"').count().is_multiple_of(2) {
        return Err("has an unclosed `\"`".to_owned());
    }
    let opens = trimmed.matches('(').count();
    let closes = trimmed.matches(')').count();
    if opens != closes || opens > 1 {
        return Err("has unbalanced or nested parentheses".to_owned());
    }
    let lower = trimmed.to_ascii_lowercase();
    let (name, args, after) = match (lower.find('('), lower.find(')')) {
        (Some(open), Some(close)) if open < close => (
            &lower[..open],
            Some(&lower[open + 1..close]),
            lower[close + 1..].trim(),
        ),
        (None, None) => (lower.as_str(), None, ""),
        _ => return Err("has unbalanced parentheses".to_owned()),
    };
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("has no type name".to_owned());
    }
    if let Some(word) = name
        .split(' ')
        .chain(after.split_whitespace())
        .find(|w| NOT_TYPE_WORDS.contains(w))
    {
        return Err(format!(
            "has `{word}`: `sql_type` is only the type; constraints and defaults have their own keys"
        ));
    }
    let numbers: Option<Result<Vec<u32>, String>> = args.map(|args| {
        args.split(',')
            .map(|a| {
                a.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("has `{}` where a number is expected", a.trim()))
            })
            .collect()
    });
    if !after.is_empty() {
        // `timestamp(3) with time zone`, `time(0) without time zone`: kept as written.
        if let Some(Err(message)) = numbers {
            return Err(message);
        }
        return Ok(SqlType::Other(trimmed.to_owned()));
    }
    let known = |takes: usize| -> Result<Option<Vec<u32>>, String> {
        match &numbers {
            None => Ok(None),
            Some(Err(message)) => Err(message.clone()),
            Some(Ok(values)) if (1..=takes).contains(&values.len()) => Ok(Some(values.clone())),
            Some(Ok(_)) if takes == 0 => Err(format!("`{name}` takes no arguments")),
            Some(Ok(_)) => Err(format!("`{name}` takes at most {takes} argument(s)")),
        }
    };
    let ty = match name.as_str() {
        "smallint" | "int2" => known(0).map(|_| SqlType::SmallInt)?,
        "integer" | "int" | "int4" => known(0).map(|_| SqlType::Integer)?,
        "bigint" | "int8" => known(0).map(|_| SqlType::BigInt)?,
        "real" | "float4" => known(0).map(|_| SqlType::Real)?,
        "double precision" | "float8" => known(0).map(|_| SqlType::DoublePrecision)?,
        "numeric" | "decimal" => match known(2)?.as_deref() {
            None => SqlType::Numeric(None),
            Some([p]) => SqlType::Numeric(Some((*p, 0))),
            Some([p, s]) => SqlType::Numeric(Some((*p, *s))),
            Some(other) => return Err(format!("`{name}` takes at most 2 arguments, not {}", other.len())),
        },
        "text" => known(0).map(|_| SqlType::Text)?,
        "character varying" | "varchar" => match known(1)?.as_deref() {
            None => SqlType::Varchar(None),
            Some([n]) => SqlType::Varchar(Some(*n)),
            Some(other) => return Err(format!("`{name}` takes at most 1 argument, not {}", other.len())),
        },
        "character" | "char" | "bpchar" => match known(1)?.as_deref() {
            None => SqlType::Char(1),
            Some([n]) => SqlType::Char(*n),
            Some(other) => return Err(format!("`{name}` takes at most 1 argument, not {}", other.len())),
        },
        "boolean" | "bool" => known(0).map(|_| SqlType::Boolean)?,
        "uuid" => known(0).map(|_| SqlType::Uuid)?,
        "timestamp with time zone" | "timestamptz" if args.is_none() => SqlType::Timestamptz,
        "timestamp without time zone" | "timestamp" if args.is_none() => SqlType::Timestamp,
        "date" => known(0).map(|_| SqlType::Date)?,
        "time without time zone" | "time" if args.is_none() => SqlType::Time,
        "interval" if args.is_none() => SqlType::Interval,
        "json" => known(0).map(|_| SqlType::Json)?,
        "jsonb" => known(0).map(|_| SqlType::Jsonb)?,
        "bytea" => known(0).map(|_| SqlType::Bytea)?,
        "inet" => known(0).map(|_| SqlType::Inet)?,
        "cidr" => known(0).map(|_| SqlType::Cidr)?,
        _ => {
            let identifier = |word: &str| {
                let word = word.trim_matches('"');
                !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit())
            };
            if !name.split([' ', '.']).all(identifier) {
                return Err(format!("`{name}` is not a type name"));
            }
            if let Some(Err(message)) = &numbers
                && matches!(
                    name.as_str(),
                    "float" | "money" | "serial" | "bigserial" | "smallserial"
                )
            {
                return Err(message.clone());
            }
            SqlType::Other(trimmed.to_owned())
        }
    };
    Ok(ty)
}

impl SqlType {
    pub fn element(&self) -> &SqlType {
        match self {
            SqlType::Array(inner) => inner.element(),
            other => other,
        }
    }

    /// The class of the type, or of its element for an array.
    pub fn class(&self) -> Class {
        match self.element() {
            SqlType::BigInt => Class::BigInt,
            SqlType::SmallInt | SqlType::Integer => Class::Integer,
            SqlType::Real | SqlType::DoublePrecision => Class::Float,
            SqlType::Numeric(_) => Class::Decimal,
            SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) => Class::Text,
            SqlType::Bytea => Class::Bytes,
            SqlType::Json | SqlType::Jsonb => Class::Json,
            SqlType::Other(sql) => {
                let lower = sql.to_ascii_lowercase();
                let name = lower.split('(').next().unwrap_or_default().trim();
                match name {
                    "money" => Class::PgMoney,
                    "float" => Class::Float,
                    "bigserial" | "serial8" => Class::BigInt,
                    "serial" | "serial4" | "smallserial" | "serial2" => Class::Integer,
                    "citext" | "name" | "xml" => Class::Text,
                    _ => Class::Other,
                }
            }
            _ => Class::Other,
        }
    }

    /// The type as the model's `ColumnType`.
    pub fn to_tokens(&self) -> TokenStream {
        let some_u32 = |n: &Option<u32>| match n {
            Some(n) => quote!(::core::option::Option::Some(#n)),
            None => quote!(::core::option::Option::None),
        };
        match self {
            SqlType::SmallInt => quote!(model::ColumnType::SmallInt),
            SqlType::Integer => quote!(model::ColumnType::Integer),
            SqlType::BigInt => quote!(model::ColumnType::BigInt),
            SqlType::Real => quote!(model::ColumnType::Real),
            SqlType::DoublePrecision => quote!(model::ColumnType::DoublePrecision),
            SqlType::Numeric(None) => quote!(model::ColumnType::Numeric(::core::option::Option::None)),
            SqlType::Numeric(Some((p, s))) => {
                quote!(model::ColumnType::Numeric(::core::option::Option::Some((#p, #s))))
            }
            SqlType::Text => quote!(model::ColumnType::Text),
            SqlType::Varchar(n) => {
                let n = some_u32(n);
                quote!(model::ColumnType::Varchar(#n))
            }
            SqlType::Char(n) => quote!(model::ColumnType::Char(#n)),
            SqlType::Boolean => quote!(model::ColumnType::Boolean),
            SqlType::Uuid => quote!(model::ColumnType::Uuid),
            SqlType::Timestamptz => quote!(model::ColumnType::Timestamptz),
            SqlType::Timestamp => quote!(model::ColumnType::Timestamp),
            SqlType::Date => quote!(model::ColumnType::Date),
            SqlType::Time => quote!(model::ColumnType::Time),
            SqlType::Interval => quote!(model::ColumnType::Interval),
            SqlType::Json => quote!(model::ColumnType::Json),
            SqlType::Jsonb => quote!(model::ColumnType::Jsonb),
            SqlType::Bytea => quote!(model::ColumnType::Bytea),
            SqlType::Inet => quote!(model::ColumnType::Inet),
            SqlType::Cidr => quote!(model::ColumnType::Cidr),
            SqlType::Array(inner) => {
                let inner = inner.to_tokens();
                quote!(model::ColumnType::Array(::std::boxed::Box::new(#inner)))
            }
            SqlType::Other(sql) => quote!(model::ColumnType::Other(::std::string::String::from(#sql))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_types() {
        assert_eq!(parse("character varying(64)"), Ok(SqlType::Varchar(Some(64))));
        assert_eq!(parse("  numeric(12, 2) "), Ok(SqlType::Numeric(Some((12, 2)))));
        assert_eq!(parse("numeric(12)"), Ok(SqlType::Numeric(Some((12, 0)))));
        assert_eq!(parse("DOUBLE   PRECISION"), Ok(SqlType::DoublePrecision));
        assert_eq!(parse("int[]"), Ok(SqlType::Array(Box::new(SqlType::Integer))));
        assert_eq!(parse("char"), Ok(SqlType::Char(1)));
        assert_eq!(
            parse("timestamp(3) with time zone"),
            Ok(SqlType::Other("timestamp(3) with time zone".to_owned()))
        );
        assert_eq!(parse("citext"), Ok(SqlType::Other("citext".to_owned())));
        assert_eq!(
            parse("geometry(Point, 4326)"),
            Ok(SqlType::Other("geometry(Point, 4326)".to_owned()))
        );
    }

    #[test]
    fn rejects_what_is_no_type() {
        for bad in [
            "",
            "   ",
            "[]",
            "numeric(a)",
            "numeric(1,2,3)",
            "text(5)",
            "varchar(10",
            "bigint not null",
            "text default ''",
            "int; drop table x",
            "numeric((1))",
            "\"unclosed",
            "9lives",
            "integer(4)",
            "money(x)",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn classifies() {
        let class = |s: &str| parse(s).map(|t| t.class());
        assert_eq!(class("bigint"), Ok(Class::BigInt));
        assert_eq!(class("int4"), Ok(Class::Integer));
        assert_eq!(class("real[]"), Ok(Class::Float));
        assert_eq!(class("float(53)"), Ok(Class::Float));
        assert_eq!(class("decimal(10,2)"), Ok(Class::Decimal));
        assert_eq!(class("MONEY"), Ok(Class::PgMoney));
        assert_eq!(class("citext"), Ok(Class::Text));
        assert_eq!(class("jsonb"), Ok(Class::Json));
        assert_eq!(class("bytea"), Ok(Class::Bytes));
        assert_eq!(class("uuid"), Ok(Class::Other));
    }
}
