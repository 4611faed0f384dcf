//! The Mermaid `erDiagram` of a schema: tables with their key columns, and one relationship per
//! foreign key with its cardinality.
//!
//! Mermaid's grammar is narrow: an entity name is `[A-Za-z_][A-Za-z0-9_-]*`, an attribute's type
//! and name `[A-Za-z_*][A-Za-z0-9_()\[\]-]*`, and a quoted label or comment cannot hold `"`. A
//! table or column whose name does not fit is written under a safe name with the real name in
//! an alias (`t_1["odd name"]`) or the attribute's comment; quotes in text become `#quot;`.
//!
//! Cardinality, read from the referencing side: the parent side is `||` (exactly one) when every
//! key column is NOT NULL and `|o` (zero or one) otherwise; the child side is `o|` (zero or one)
//! when the key columns are unique in the child (primary key, unique constraint or unique index
//! on exactly those columns, or on a subset of them) and `o{` (zero or more) otherwise.

use std::collections::BTreeMap;

use schema_core::model::{IndexTarget, Schema, Table};

/// The diagram's source, without the fences.
pub fn er_diagram(schema: &Schema) -> String {
    let names = entity_names(schema);
    let mut out = String::from("erDiagram\n");
    let mut tables: Vec<&Table> = schema.tables.iter().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &tables {
        let entity = &names[table.name.as_str()];
        let alias = if *entity == table.name {
            String::new()
        } else {
            format!("[\"{}\"]", text(&table.name))
        };
        out.push_str(&format!("    {entity}{alias} {{\n"));
        for column in &table.columns {
            let mut keys = Vec::new();
            if table
                .primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.contains(&column.name))
            {
                keys.push("PK");
            }
            if table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&column.name))
            {
                keys.push("FK");
            }
            if table
                .uniques
                .iter()
                .any(|u| u.columns.len() == 1 && u.columns[0] == column.name)
            {
                keys.push("UK");
            }
            let ty = word(&column.ty.sql());
            let name = word(&column.name);
            let mut line = format!("        {ty} {name}");
            if !keys.is_empty() {
                line.push(' ');
                line.push_str(&keys.join(","));
            }
            if name != column.name {
                line.push_str(&format!(" \"{}\"", text(&column.name)));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for table in &tables {
        let mut keys: Vec<_> = table.foreign_keys.iter().collect();
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        for fk in keys {
            let Some(parent) = names.get(fk.referenced_table.as_str()) else {
                continue;
            };
            let required = fk.columns.iter().all(|c| {
                table
                    .columns
                    .iter()
                    .find(|col| &col.name == c)
                    .is_some_and(|col| !col.nullable)
            });
            let parent_side = if required { "||" } else { "|o" };
            let child_side = if unique_in(table, &fk.columns) { "o|" } else { "o{" };
            out.push_str(&format!(
                "    {parent} {parent_side}--{child_side} {} : \"{}\"\n",
                names[table.name.as_str()],
                text(&fk.columns.join(", "))
            ));
        }
    }
    out
}

/// Whether rows of `table` are unique on `columns` (a key on a subset of them makes them so).
pub fn unique_in(table: &Table, columns: &[String]) -> bool {
    let covers = |key: &[String]| !key.is_empty() && key.iter().all(|k| columns.contains(k));
    table.primary_key.as_ref().is_some_and(|pk| covers(&pk.columns))
        || table.uniques.iter().any(|u| covers(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && covers(
                    &i.keys
                        .iter()
                        .map(|k| match &k.target {
                            IndexTarget::Column(c) => Some(c.clone()),
                            IndexTarget::Expression(_) => None,
                        })
                        .collect::<Option<Vec<_>>>()
                        .unwrap_or_default(),
                )
        })
}

/// Each table's entity name: its own when Mermaid accepts it, `t_N` (N by name order) otherwise.
fn entity_names(schema: &Schema) -> BTreeMap<&str, String> {
    let mut names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    let mut out = BTreeMap::new();
    for (n, name) in names.into_iter().enumerate() {
        let safe = is_entity(name) && !name.starts_with("t_");
        out.insert(name, if safe { name.to_owned() } else { format!("t_{n}") });
    }
    out
}

fn is_entity(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A type or attribute name as one Mermaid word: `character varying(64)` is
/// `character_varying(64)`, `numeric(12, 2)` is `numeric(12-2)`; other characters become `_`.
fn word(sql: &str) -> String {
    let mut out: String = sql
        .chars()
        .filter(|c| *c != '"')
        .map(|c| match c {
            ',' => '-',
            c if c.is_ascii_alphanumeric() || "_()[]-".contains(c) => c,
            _ => '_',
        })
        .collect();
    out = out.replace("-_", "-");
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Text inside a Mermaid quoted string: no `"`, no line break.
fn text(s: &str) -> String {
    s.replace('"', "#quot;").replace(['\n', '\r'], " ")
}

/// A check of the subset of Mermaid's `erDiagram` grammar this module emits, written from the
/// grammar (not from the emitter): `erDiagram`, entity blocks `name["alias"] {` with attribute
/// lines `type name [PK|FK|UK[,...]] ["comment"]` and `}`, and relationship lines
/// `a <card>--<card> b : "label"`. Every relationship names a declared entity. `Err` names the
/// first bad line.
pub fn validate(source: &str) -> Result<(), String> {
    let mut lines = source.lines().enumerate();
    match lines.next() {
        Some((_, "erDiagram")) => {}
        other => return Err(format!("line 1: expected `erDiagram`, found {other:?}")),
    }
    let mut entities = std::collections::BTreeSet::new();
    let mut relationships = Vec::new();
    let mut in_entity = false;
    for (n, raw) in lines {
        let at = |what: &str| format!("line {}: {what}: `{raw}`", n + 1);
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if in_entity {
            if line == "}" {
                in_entity = false;
                continue;
            }
            let (head, comment) = match line.split_once(" \"") {
                Some((head, rest)) => (head, Some(rest)),
                None => (line, None),
            };
            if let Some(comment) = comment
                && (!comment.ends_with('"') || comment[..comment.len() - 1].contains('"'))
            {
                return Err(at("bad attribute comment"));
            }
            let words: Vec<&str> = head.split(' ').collect();
            let ok = match words.as_slice() {
                [ty, name] | [ty, name, _] => is_attribute_word(ty) && is_attribute_word(name),
                _ => false,
            };
            if !ok {
                return Err(at("bad attribute (type name [keys] [\"comment\"])"));
            }
            if let [_, _, keys] = words.as_slice()
                && !keys.split(',').all(|k| matches!(k, "PK" | "FK" | "UK"))
            {
                return Err(at("bad attribute keys"));
            }
            continue;
        }
        if let Some(head) = line.strip_suffix(" {") {
            let (name, alias) = match head.split_once('[') {
                Some((name, alias)) => (name, Some(alias)),
                None => (head, None),
            };
            if !is_entity(name) {
                return Err(at("bad entity name"));
            }
            if let Some(alias) = alias {
                let quoted = alias
                    .strip_prefix('"')
                    .and_then(|a| a.strip_suffix("\"]"))
                    .filter(|inner| !inner.contains('"'));
                if quoted.is_none() {
                    return Err(at("bad entity alias"));
                }
            }
            if !entities.insert(name.to_owned()) {
                return Err(at("entity declared twice"));
            }
            in_entity = true;
            continue;
        }
        // a <card>--<card> b : "label"
        let Some((relation, label)) = line.split_once(" : ") else {
            return Err(at("neither an entity nor a relationship"));
        };
        let quoted = label.len() >= 2
            && label.starts_with('"')
            && label.ends_with('"')
            && !label[1..label.len() - 1].contains('"');
        if !quoted {
            return Err(at("bad relationship label"));
        }
        let parts: Vec<&str> = relation.split(' ').collect();
        let [left, card, right] = parts.as_slice() else {
            return Err(at("bad relationship"));
        };
        let cardinality = card.len() == 6
            && ["|o", "||", "}o", "}|"].contains(&&card[..2])
            && ["--", ".."].contains(&&card[2..4])
            && ["o|", "||", "o{", "|{"].contains(&&card[4..]);
        if !cardinality || !is_entity(left) || !is_entity(right) {
            return Err(at("bad relationship"));
        }
        relationships.push((n + 1, left.to_string(), right.to_string()));
    }
    if in_entity {
        return Err("an entity block is not closed".to_owned());
    }
    for (n, left, right) in relationships {
        for name in [left, right] {
            if !entities.contains(&name) {
                return Err(format!("line {n}: relationship names undeclared entity `{name}`"));
            }
        }
    }
    Ok(())
}

fn is_attribute_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '*')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_()[]-".contains(c))
}

#[cfg(test)]
mod tests {
    use schema_core::model::{Column, ColumnType, ForeignKey, PrimaryKey, ReferentialAction, Schema, Table};

    use super::{er_diagram, validate};

    #[test]
    fn odd_names_are_written_safely() {
        let mut parent = Table::new(
            "odd \"name\"; DROP",
            vec![Column::new("weird col\"", ColumnType::Numeric(Some((12, 2))))],
        );
        parent.primary_key = Some(PrimaryKey {
            name: "p".into(),
            columns: vec!["weird col\"".into()],
            deferrable: Default::default(),
        });
        let mut child = Table::new("t_1", vec![Column::new("9lives", ColumnType::BigInt)]);
        child.foreign_keys.push(ForeignKey {
            name: "f".into(),
            columns: vec!["9lives".into()],
            referenced_table: parent.name.clone(),
            referenced_columns: vec!["weird col\"".into()],
            on_delete: ReferentialAction::Cascade,
            on_delete_set_columns: Vec::new(),
            on_update: ReferentialAction::NoAction,
            deferrable: Default::default(),
            match_full: false,
            not_valid: false,
        });
        let schema = Schema {
            tables: vec![parent, child],
            ..Schema::default()
        };
        let source = er_diagram(&schema);
        validate(&source).unwrap_or_else(|e| panic!("{e}\n{source}"));
        assert!(
            source.contains("t_0[\"odd #quot;name#quot;; DROP\"] {"),
            "{source}"
        );
        assert!(source.contains("t_0 ||--o{ t_1 : \"9lives\""), "{source}");
    }

    #[test]
    fn the_grammar_check_rejects_what_mermaid_rejects() {
        for bad in [
            "graph TD\n",
            "erDiagram\n    a b {\n    }\n",
            "erDiagram\n    a {\n        text my name\n    }\n",
            "erDiagram\n    a {\n        text x \"a \"quote\"\"\n    }\n",
            "erDiagram\n    a {\n        text x PK,XX\n    }\n",
            "erDiagram\n    a {\n        text x\n",
            "erDiagram\n    a {\n    }\n    a ||--o{ b : \"x\"\n",
            "erDiagram\n    a {\n    }\n    a ||-o{ a : \"x\"\n",
            "erDiagram\n    a {\n    }\n    a ||--o{ a : x\n",
            "erDiagram\n    a[\"x\"y\"] {\n    }\n",
        ] {
            assert!(validate(bad).is_err(), "accepted: {bad}");
        }
        validate("erDiagram\n    a {\n        text x PK,FK \"c\"\n    }\n    a |o--o| a : \"x\"\n").unwrap();
    }
}
