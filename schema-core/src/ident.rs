//! Identifiers: quoting, Postgres' 63-byte limit, and the names Postgres itself would choose.
//!
//! Generated names follow Postgres' own rules (`makeObjectName` in `indexcmds.c`), so a
//! constraint declared without a name in hand-written DDL and the same constraint declared in Rust
//! get the same name, and comparing the two finds nothing to change.

/// The longest identifier Postgres keeps: `NAMEDATALEN - 1` bytes. Longer names are silently
/// truncated by the server, which is why the tool rejects them instead.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Quote an identifier for SQL: `"name"`, doubling embedded quotes.
pub fn quote(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for c in name.chars() {
        if c == '"' {
            quoted.push('"');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The namespace whose objects the model names without a qualifier.
pub const DEFAULT_SCHEMA: &str = "public";

/// A model name split into its namespace and its name: `billing.invoices` is `(Some("billing"),
/// "invoices")`, `invoices` is `(None, "invoices")` (in `public`). The namespace ends at the first
/// dot: namespace names hold no dot (the derive refuses one), object names may.
pub fn split_qualified(name: &str) -> (Option<&str>, &str) {
    match name.split_once('.') {
        Some((namespace, rest)) if !namespace.is_empty() && !rest.is_empty() => (Some(namespace), rest),
        _ => (None, name),
    }
}

/// The name without its namespace.
/// A model name as Postgres prints it in an expression (a default's `::billing.status`, a
/// `nextval('billing.s'::regclass)`): each part quoted only when it must be (reserved words
/// aside).
pub fn as_printed(name: &str) -> String {
    let spell = |name: &str| {
        let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if plain { name.to_owned() } else { quote(name) }
    };
    match split_qualified(name) {
        (Some(namespace), name) => format!("{}.{}", spell(namespace), spell(name)),
        (None, name) => spell(name),
    }
}

pub fn unqualified(name: &str) -> &str {
    split_qualified(name).1
}

/// The namespace of a model name (`public` when it carries none).
pub fn namespace_of(name: &str) -> &str {
    split_qualified(name).0.unwrap_or(DEFAULT_SCHEMA)
}

/// The model name of `name` in `namespace`: unqualified in `public`, unless the name holds a dot
/// (`public.a.b`, which must not read as `b` in a namespace `a`).
pub fn qualified_name(namespace: &str, name: &str) -> String {
    if namespace == DEFAULT_SCHEMA && !name.contains('.') {
        name.to_owned()
    } else {
        format!("{namespace}.{name}")
    }
}

/// `other`, a name of the namespace of `sibling` (an index's name is in its table's namespace).
pub fn sibling(sibling: &str, other: &str) -> String {
    match split_qualified(sibling).0 {
        Some(namespace) => format!("{namespace}.{other}"),
        None => other.to_owned(),
    }
}

/// Quote a model name for SQL: `"invoices"`, or `"billing"."invoices"` outside `public`.
pub fn quote_qualified(name: &str) -> String {
    match split_qualified(name) {
        (Some(namespace), name) => format!("{}.{}", quote(namespace), quote(name)),
        (None, name) => quote(name),
    }
}

/// Quote a string literal for SQL: `'text'`, doubling embedded quotes.
pub fn quote_literal(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        if c == '\'' {
            quoted.push('\'');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// A comma-separated list of quoted identifiers.
pub fn quote_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| quote(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether Postgres would keep this name as written.
pub fn fits(name: &str) -> bool {
    name.len() <= MAX_IDENTIFIER_BYTES
}

/// Postgres' `makeObjectName`: `name1[_name2][_label]`, shortening the longer of `name1` and
/// `name2` one character at a time until the whole fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: Option<&str>) -> String {
    let mut overhead = 0;
    if name2.is_some() {
        overhead += 1;
    }
    if let Some(label) = label {
        overhead += label.len() + 1;
    }
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let mut len1 = name1.len();
    let mut len2 = name2.map_or(0, str::len);
    while len1 + len2 > available {
        if len1 > len2 {
            len1 -= 1;
        } else {
            len2 -= 1;
        }
    }
    let mut name = clip(name1, len1).to_owned();
    if let Some(name2) = name2 {
        name.push('_');
        name.push_str(clip(name2, len2));
    }
    if let Some(label) = label {
        name.push('_');
        name.push_str(label);
    }
    name
}

/// Postgres' `ChooseIndexNameAddition`/`ChooseForeignKeyConstraintNameAddition`: column names
/// joined by `_`, stopping once the text is already too long to matter.
fn columns_addition<S: AsRef<str>>(columns: &[S]) -> String {
    let mut addition = String::new();
    for column in columns {
        if !addition.is_empty() {
            addition.push('_');
        }
        addition.push_str(column.as_ref());
        if addition.len() >= MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    clip(&addition, MAX_IDENTIFIER_BYTES).to_owned()
}

// The names below are made from the table's name without its schema (`billing.invoices` makes
// `invoices_pkey`): the objects live in the table's schema, and Postgres names them so.

/// `{table}_pkey`
pub fn primary_key_name(table: &str) -> String {
    make_object_name(unqualified(table), None, Some("pkey"))
}

/// `{table}_{columns}_key`
pub fn unique_name<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    make_object_name(unqualified(table), Some(&columns_addition(columns)), Some("key"))
}

/// `{table}_{columns}_fkey`
pub fn foreign_key_name<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    make_object_name(unqualified(table), Some(&columns_addition(columns)), Some("fkey"))
}

/// `{table}_{columns}_idx`; expression keys count as `expr`, as in Postgres.
pub fn index_name<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    make_object_name(unqualified(table), Some(&columns_addition(columns)), Some("idx"))
}

/// `{table}_{column}_check`: the name Postgres gives a column's unnamed CHECK.
pub fn check_name(table: &str, column: &str) -> String {
    make_object_name(unqualified(table), Some(column), Some("check"))
}

/// Cut at a character boundary at or below `len` bytes (`pg_mbcliplen`).
fn clip(text: &str, len: usize) -> &str {
    let mut end = len.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers_and_literals() {
        assert_eq!(quote("order"), "\"order\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn generated_names_match_postgres() {
        assert_eq!(primary_key_name("invoices"), "invoices_pkey");
        assert_eq!(
            unique_name("users", &["organization_id", "email"]),
            "users_organization_id_email_key"
        );
        assert_eq!(
            foreign_key_name("invoices", &["customer_id"]),
            "invoices_customer_id_fkey"
        );
        assert_eq!(
            index_name("invoices", &["organization_id"]),
            "invoices_organization_id_idx"
        );
    }

    #[test]
    fn long_names_are_truncated_like_postgres() {
        // Checked against Postgres 15: CREATE TABLE with this name and an unnamed UNIQUE.
        let table = "a_very_long_table_name_that_goes_on_and_on_for_quite_a_while_x";
        let name = unique_name(table, &["another_long_column_name_here"]);
        assert!(name.len() <= MAX_IDENTIFIER_BYTES);
        assert_eq!(
            name,
            "a_very_long_table_name_that_g_another_long_column_name_here_key"
        );
    }

    #[test]
    fn qualified_names_split_at_the_first_dot() {
        assert_eq!(split_qualified("invoices"), (None, "invoices"));
        assert_eq!(split_qualified("billing.invoices"), (Some("billing"), "invoices"));
        assert_eq!(split_qualified("public.a.b"), (Some("public"), "a.b"));
        assert_eq!(split_qualified(".x"), (None, ".x"));
        assert_eq!(quote_qualified("billing.in\"v"), "\"billing\".\"in\"\"v\"");
        assert_eq!(quote_qualified("invoices"), "\"invoices\"");
        assert_eq!(qualified_name("public", "invoices"), "invoices");
        assert_eq!(qualified_name("public", "a.b"), "public.a.b");
        assert_eq!(qualified_name("billing", "invoices"), "billing.invoices");
        assert_eq!(
            sibling("billing.invoices", "invoices_pkey"),
            "billing.invoices_pkey"
        );
        assert_eq!(sibling("invoices", "invoices_pkey"), "invoices_pkey");
        assert_eq!(primary_key_name("billing.invoices"), "invoices_pkey");
        assert_eq!(namespace_of("invoices"), "public");
    }
}
