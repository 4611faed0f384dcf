//! Rust identifiers for SQL names, and the derive's own reading of names.
//!
//! Any table, column, type or label Postgres accepts gets a valid Rust identifier: a keyword
//! becomes a raw identifier (`r#type`), anything that is not a snake_case identifier (mixed case,
//! spaces, punctuation, a leading digit) gets a sanitized one and keeps its SQL name through
//! `name = "..."`. The derive's rules for what a name denotes (money, a secret, a password) and
//! for the default table name are the derive's own code, included below, so that the escape
//! hatches `pull` writes are exactly the ones the derive asks for.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The derive's `names.rs`, compiled here as well: a proc-macro crate cannot be a library
/// dependency, and a copy would drift from the rules the generated code is checked against.
#[allow(dead_code)]
#[path = "../../../schema-derive/src/names.rs"]
mod derive_names;

pub use derive_names::{denotes_money, denotes_password, denotes_secret, mentions_money, mentions_secret};

/// The default table name the derive gives a struct (`InvoiceLineItem` → `invoice_line_items`).
pub fn default_table_name(struct_name: &str) -> String {
    derive_names::table_name(struct_name)
}

/// Rust's keywords (strict and reserved, 2024 edition), which need `r#`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait",
    "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while",
    "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Whether `name` is already a plain snake_case identifier (what a field name is by default).
fn is_snake_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name != "_"
}

/// A field for a column: its identifier as written (`r#type` for a keyword) and whether the
/// column's name must be given with `name = "..."`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName {
    pub ident: String,
    pub needs_name: bool,
}

/// The field identifier for a column named `column`, unique among `taken` (which it joins).
pub fn field_name(column: &str, taken: &mut Vec<String>) -> FieldName {
    let (base, needs_name) = if is_snake_ident(column) && !NOT_RAW.contains(&column) {
        (column.to_owned(), false)
    } else {
        (sanitize_snake(column), true)
    };
    let mut ident = base.clone();
    let mut n = 2;
    let mut needs_name = needs_name;
    while taken.contains(&ident) {
        ident = format!("{base}_{n}");
        n += 1;
        needs_name = true;
    }
    taken.push(ident.clone());
    let written = if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    };
    FieldName {
        ident: written,
        needs_name,
    }
}

/// A snake_case identifier made of the name's letters and digits.
fn sanitize_snake(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let snake: String = cleaned
        .to_snake_case()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let snake = if snake.is_empty() {
        "column".to_owned()
    } else {
        snake
    };
    let snake = if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("c_{snake}")
    } else {
        snake
    };
    if NOT_RAW.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// An UpperCamelCase type name for a table or enum, unique among `taken` (which it joins).
/// Tables are named in the singular (`invoice_line_items` → `InvoiceLineItem`).
pub fn type_name(sql_name: &str, singular: bool, taken: &mut Vec<String>) -> String {
    let unqualified = schema_core::ident::unqualified(sql_name);
    let word = if singular {
        singularize(unqualified)
    } else {
        unqualified.to_owned()
    };
    let cleaned: String = word
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let camel: String = cleaned
        .to_upper_camel_case()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let camel = if camel.is_empty() {
        "Table".to_owned()
    } else {
        camel
    };
    let camel = if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{camel}")
    } else {
        camel
    };
    // Names the generated module imports or the derive generates.
    let reserved = [
        "Self",
        "Schema",
        "Table",
        "Json",
        "Money",
        "Timestamp",
        "Date",
        "Uuid",
        "Decimal",
    ];
    let base = if reserved.contains(&camel.as_str()) {
        format!("{camel}Row")
    } else {
        camel
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) || taken.contains(&name.trim_end_matches("Iden").to_owned()) {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn singularize(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = ["sses", "xes", "ches", "shes", "zes"].iter().find_map(|s| {
        word.strip_suffix(s)
            .map(|stem| format!("{stem}{}", &s[..s.len() - 2]))
    }) {
        stem
    } else if let Some(stem) = word.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// An enum variant for a label, and whether the label must be given with `rename`.
pub fn variant_name(label: &str, taken: &mut Vec<String>) -> (String, bool) {
    let cleaned: String = label
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut camel: String = cleaned
        .to_upper_camel_case()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        camel = format!("V{camel}");
    }
    if camel == "Self" {
        camel = "SelfValue".to_owned();
    }
    let base = camel.clone();
    let mut n = 2;
    while taken.contains(&camel) {
        camel = format!("{base}{n}");
        n += 1;
    }
    taken.push(camel.clone());
    // The derive's label for a variant is its snake_case name.
    let rename = camel.to_snake_case() != label;
    (camel, rename)
}

/// A Rust string literal holding `text` exactly.
pub fn string_literal(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers() {
        let mut taken = Vec::new();
        assert_eq!(
            field_name("type", &mut taken),
            FieldName {
                ident: "r#type".into(),
                needs_name: false
            }
        );
        assert_eq!(field_name("self", &mut taken).ident, "self_");
    }

    #[test]
    fn awkward_names_keep_their_sql_name() {
        let mut taken = Vec::new();
        let mixed = field_name("CreatedBy", &mut taken);
        assert_eq!(mixed.ident, "created_by");
        assert!(mixed.needs_name);
        let spaced = field_name("unit price", &mut taken);
        assert_eq!(spaced.ident, "unit_price");
        assert!(spaced.needs_name);
        let clash = field_name("unit_price", &mut taken);
        assert_eq!(clash.ident, "unit_price_2");
        assert!(clash.needs_name);
        assert_eq!(field_name("2fa", &mut taken).ident, "c_2fa");
    }

    #[test]
    fn tables_are_named_in_the_singular() {
        let mut taken = Vec::new();
        assert_eq!(
            type_name("invoice_line_items", true, &mut taken),
            "InvoiceLineItem"
        );
        assert_eq!(type_name("currencies", true, &mut taken), "Currency");
        assert_eq!(type_name("addresses", true, &mut taken), "Address");
        assert_eq!(type_name("billing.invoices", true, &mut taken), "Invoice");
        assert_eq!(type_name("invoices", true, &mut taken), "Invoice2");
        assert_eq!(default_table_name("InvoiceLineItem"), "invoice_line_items");
    }

    #[test]
    fn variants_rename_labels_that_are_not_snake_case() {
        let mut taken = Vec::new();
        assert_eq!(
            variant_name("sepa_debit", &mut taken),
            ("SepaDebit".into(), false)
        );
        assert_eq!(variant_name("Past Due", &mut taken), ("PastDue".into(), true));
    }
}
