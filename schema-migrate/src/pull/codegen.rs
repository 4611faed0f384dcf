//! The pulled declarations as Rust source: one `#[derive(PgEnum)]` per enum, one
//! `#[derive(Table)]` per table (referenced tables first), and `pub fn schema()` with the
//! builder calls for what no struct declares (the app role, lookups, sequences, views and their
//! indexes, extensions, collations, domains, and the functions, triggers, policies and grants
//! written by hand, see [`super::hand_written`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schema_core::Tenancy;
use schema_core::ident;
use schema_core::model::{
    CollationProvider, ColumnType, Deferrable, EnumType, ForeignKey, IndexTarget, NullsOrder,
    ReferentialAction, Schema, SortOrder,
};

use super::assembly::{Declarations, Pulled};
use super::hand_written;
use super::infer::{self, FieldDecl};
use super::names::{self, string_literal as lit};
use super::report::Finding;

/// What codegen needs besides the declarations.
pub struct Input<'a> {
    pub schema: &'a Schema,
    pub declarations: &'a Declarations,
    /// Columns (`table.column`) whose sampled rows are all PHC password hashes.
    pub hash_confirmed: &'a [String],
    /// The header's description of where the code came from.
    pub source: &'a str,
}

/// The generated source, and the findings and notes the fields raised.
pub struct Output {
    pub code: String,
    pub findings: Vec<Finding>,
    pub not_reproduced: Vec<String>,
}

fn action(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::NoAction => "no action",
        ReferentialAction::Restrict => "restrict",
        ReferentialAction::Cascade => "cascade",
        ReferentialAction::SetNull => "set null",
        ReferentialAction::SetDefault => "set default",
    }
}

/// A comment as `///` lines when the derive's joining gives it back exactly, else `None` (then
/// it is written as `comment = "..."`).
fn doc_lines(comment: &str) -> Option<Vec<String>> {
    let paragraphs: Vec<&str> = comment.split("\n\n").collect();
    let plain = paragraphs.iter().all(|p| {
        !p.is_empty() && !p.contains('\n') && p.trim() == *p && !p.starts_with('*') && !p.contains('\r')
    });
    if !plain {
        return None;
    }
    let mut lines = Vec::new();
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        // The derive joins a paragraph's lines with one space: a paragraph without double
        // spaces can be wrapped at its spaces and reads back the same.
        if paragraph.contains("  ") || paragraph.contains('\t') {
            lines.push((*paragraph).to_owned());
            continue;
        }
        let mut line = String::new();
        for word in paragraph.split(' ') {
            if !line.is_empty() && line.len() + word.len() + 1 > DOC_WIDTH {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        // A wrapped line that starts with `*` would lose it (the block-comment gutter).
        if line.starts_with('*') && !lines.is_empty() {
            return None;
        }
        lines.push(line);
    }
    if lines.iter().any(|l| l.starts_with('*')) {
        return None;
    }
    Some(lines)
}

/// The width doc comments are wrapped at.
const DOC_WIDTH: usize = 92;

fn write_doc(out: &mut String, indent: &str, lines: &[String]) {
    for line in lines {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

/// Rust names of every table and enum.
struct Names {
    tables: BTreeMap<String, String>,
    enums: BTreeMap<String, String>,
}

fn names(schema: &Schema, declarations: &Declarations) -> Names {
    let mut taken = Vec::new();
    let mut tables = BTreeMap::new();
    for pulled in &declarations.tables {
        tables.insert(
            pulled.table.name.clone(),
            names::type_name(&pulled.table.name, true, &mut taken),
        );
    }
    let mut enums = BTreeMap::new();
    for enum_type in &schema.enums {
        enums.insert(
            enum_type.name.clone(),
            names::type_name(&enum_type.name, false, &mut taken),
        );
    }
    Names { tables, enums }
}

fn enum_decl(out: &mut String, enum_type: &EnumType, rust: &str) {
    let (namespace, name) = ident::split_qualified(&enum_type.name);
    let mut attrs = Vec::new();
    if heck::ToSnakeCase::to_snake_case(rust) != name {
        attrs.push(format!("name = {}", lit(name)));
    }
    if let Some(namespace) = namespace {
        attrs.push(format!("schema = {}", lit(namespace)));
    }
    // The type's comment: a doc comment when it reads back exactly, else `comment = "..."`.
    let doc = enum_type.comment.as_deref().map(|c| (c, doc_lines(c)));
    match &doc {
        Some((_, Some(lines))) => write_doc(out, "", lines),
        Some((comment, None)) => attrs.push(format!("comment = {}", lit(comment))),
        None => {}
    }
    let _ = writeln!(out, "#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]");
    if !attrs.is_empty() {
        let _ = writeln!(out, "#[pg_enum({})]", attrs.join(", "));
    }
    let _ = writeln!(out, "pub enum {rust} {{");
    let mut taken = Vec::new();
    for label in &enum_type.values {
        let (variant, rename) = names::variant_name(label, &mut taken);
        if rename {
            let _ = writeln!(out, "    #[pg_enum(rename = {})]", lit(label));
        }
        let _ = writeln!(out, "    {variant},");
    }
    let _ = writeln!(out, "}}\n");
}

/// Whether a foreign key is declared on its field: one declared column, the builder's name.
fn on_field(fk: &ForeignKey, pulled: &Pulled) -> Option<String> {
    let scoped = pulled.tenancy == Tenancy::Tenant
        && fk.columns.len() == 2
        && fk.columns[0] == "organization_id"
        && fk.referenced_columns.first().map(String::as_str) == Some("organization_id");
    let column = match fk.columns.as_slice() {
        [single] if !scoped => single.clone(),
        [_, second] if scoped => second.clone(),
        _ => return None,
    };
    let expected_set: Vec<String> = if scoped
        && matches!(
            fk.on_delete,
            ReferentialAction::SetNull | ReferentialAction::SetDefault
        ) {
        vec![column.clone()]
    } else {
        Vec::new()
    };
    (fk.name == ident::foreign_key_name(&pulled.table.name, &fk.columns)
        && !fk.match_full
        && fk.on_delete_set_columns == expected_set
        && !(column == "organization_id" && pulled.tenancy == Tenancy::Tenant))
        .then_some(column)
}

fn deferrable(deferrable: Deferrable) -> Option<String> {
    match deferrable {
        Deferrable::NotDeferrable => None,
        Deferrable::InitiallyImmediate => Some("deferrable = \"initially immediate\"".to_owned()),
        Deferrable::InitiallyDeferred => Some("deferrable = \"initially deferred\"".to_owned()),
    }
}

/// `partition_by(range(a, b))` from `RANGE (a, b)`, when every key is a plain column.
fn partition_by(by: &str, field_of: &dyn Fn(&str) -> String) -> Option<String> {
    let (strategy, rest) = by.split_once(' ')?;
    let strategy = strategy.to_ascii_lowercase();
    if !["range", "list", "hash"].contains(&strategy.as_str()) {
        return None;
    }
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let mut columns = Vec::new();
    for part in inner.split(',') {
        let part = part.trim();
        let column = if let Some(quoted) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            quoted.replace("\"\"", "\"")
        } else if !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            part.to_owned()
        } else {
            // An expression or an operator class: the derive declares plain columns only.
            return None;
        };
        columns.push(field_of(&column));
    }
    Some(format!("partition_by({strategy}({}))", columns.join(", ")))
}

/// The values of a bound list as Postgres prints them (`'a', 10, MINVALUE`), as strings for the
/// derive: `None` when one is not a plain literal.
fn bound_values(list: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut chars = list.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.peek() {
            None => break,
            Some('\'') => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        '\'' => break,
                        c => value.push(c),
                    }
                }
                values.push(value);
            }
            Some(_) => {
                let mut value = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                let value = value.trim().to_owned();
                let plain = value.eq_ignore_ascii_case("minvalue")
                    || value.eq_ignore_ascii_case("maxvalue")
                    || value.parse::<f64>().is_ok()
                    || value.eq_ignore_ascii_case("true")
                    || value.eq_ignore_ascii_case("false");
                if !plain {
                    return None;
                }
                values.push(value);
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return None,
        }
    }
    Some(values)
}

/// `partition(name = "...", ...)` from a partition's bound as Postgres prints it.
fn partition(name: &str, bound: &str) -> Option<String> {
    let strs = |values: &[String]| -> String {
        match values {
            [one] => format!(" = {}", lit(one)),
            _ => format!(
                "({})",
                values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
            ),
        }
    };
    let bound = bound.trim();
    let spec = if bound.eq_ignore_ascii_case("DEFAULT") {
        "default".to_owned()
    } else if let Some(rest) = bound.strip_prefix("FOR VALUES FROM (") {
        let (from, rest) = rest.split_once(") TO (")?;
        let to = rest.strip_suffix(')')?;
        let (from, to) = (bound_values(from)?, bound_values(to)?);
        format!("from{}, to{}", strs(&from), strs(&to))
    } else if let Some(rest) = bound.strip_prefix("FOR VALUES IN (") {
        let values = bound_values(rest.strip_suffix(')')?)?;
        format!(
            "values({})",
            values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
        )
    } else if let Some(rest) = bound.strip_prefix("FOR VALUES WITH (modulus ") {
        let (modulus, rest) = rest.split_once(", remainder ")?;
        let remainder = rest.strip_suffix(')')?;
        let (modulus, remainder) = (
            modulus.trim().parse::<u32>().ok()?,
            remainder.trim().parse::<u32>().ok()?,
        );
        format!("modulus = {modulus}, remainder = {remainder}")
    } else {
        return None;
    };
    Some(format!(
        "partition(name = {}, {spec})",
        lit(ident::unqualified(name))
    ))
}

fn table_decl(
    out: &mut String,
    pulled: &Pulled,
    names: &Names,
    input: &Input<'_>,
    findings: &mut Vec<Finding>,
    notes: &mut Vec<String>,
) {
    let table = &pulled.table;
    let rust = &names.tables[&table.name];
    let (namespace, sql_name) = ident::split_qualified(&table.name);

    // Fields first: the table-level attributes name them.
    let references_root: Vec<String> = pulled
        .foreign_keys
        .iter()
        .filter(|fk| {
            input
                .declarations
                .tables
                .iter()
                .any(|t| t.table.name == fk.referenced_table && t.tenancy == Tenancy::Root)
                && fk.columns.len() == 1
        })
        .map(|fk| fk.columns[0].clone())
        .collect();
    let enum_type = |name: &str| names.enums.get(name).cloned();
    let phc = |column: &str| input.hash_confirmed.contains(&format!("{}.{column}", table.name));
    let cx = infer::Context {
        table,
        tenant: pulled.tenancy == Tenancy::Tenant,
        root: pulled.tenancy == Tenancy::Root,
        enum_type: &enum_type,
        references_root: &references_root,
        hash_confirmed: &phc,
    };
    let mut taken = Vec::new();
    let mut fields: Vec<FieldDecl> = table
        .columns
        .iter()
        .map(|c| {
            let name = names::field_name(&c.name, &mut taken);
            infer::field(&cx, c, name, findings)
        })
        .collect();
    // Declared as the standard wants where the table lacks a timestamp.
    for column in ["created_at", "updated_at"] {
        if table.column(column).is_none() {
            fields.push(FieldDecl {
                column: column.to_owned(),
                ident: column.to_owned(),
                needs_name: false,
                rust_type: "Timestamp".to_owned(),
                attrs: Vec::new(),
                comment: None,
            });
        }
    }
    let field_of = |column: &str| -> String {
        fields
            .iter()
            .find(|f| f.column == column)
            .map_or_else(|| column.to_owned(), |f| f.ident.clone())
    };

    let mut attrs: Vec<String> = Vec::new();
    if names::default_table_name(rust) != sql_name {
        attrs.push(format!("name = {}", lit(sql_name)));
    }
    if let Some(namespace) = namespace {
        attrs.push(format!("schema = {}", lit(namespace)));
    }
    match pulled.tenancy {
        Tenancy::Root => attrs.push("tenant_root".to_owned()),
        Tenancy::Global => attrs.push("global".to_owned()),
        Tenancy::Tenant => {}
    }
    if pulled.audited {
        attrs.push("audited".to_owned());
    }
    if let Some(reason) = &pulled.rls_exempt {
        attrs.push(format!("rls_exempt = {}", lit(reason)));
    }
    if let Some(pk) = &table.primary_key {
        let mut parts = Vec::new();
        if pk.name != ident::primary_key_name(&table.name) {
            parts.push(format!("name = {}", lit(&pk.name)));
        }
        parts.extend(deferrable(pk.deferrable));
        if !parts.is_empty() {
            attrs.push(format!("primary_key({})", parts.join(", ")));
        }
    }
    if let Some(by) = &table.partition_by {
        match partition_by(by, &|c: &str| field_of(c)) {
            Some(attr) => {
                attrs.push(attr);
                for p in &table.partitions {
                    match partition(&p.name, &p.bound) {
                        Some(attr) => attrs.push(attr),
                        None => notes.push(format!(
                            "table {}: partition {} ({}) is not a bound the derive declares",
                            table.name, p.name, p.bound
                        )),
                    }
                }
            }
            None => notes.push(format!(
                "table {}: partitioned by {by}, which is not plain columns (declared as a plain table)",
                table.name
            )),
        }
    }
    let table_doc = table.comment.as_deref().map(|c| (c, doc_lines(c)));
    if let Some((comment, None)) = &table_doc {
        attrs.push(format!("comment = {}", lit(comment)));
    }
    for check in &table.checks {
        attrs.push(format!(
            "check(name = {}, expr = {})",
            lit(&check.name),
            lit(&check.expression)
        ));
    }
    let mut unique_fields: Vec<String> = Vec::new();
    for unique in &table.uniques {
        if unique.columns.len() == 1
            && unique.name == ident::unique_name(&table.name, &unique.columns)
            && !unique.nulls_not_distinct
            && unique.deferrable == Deferrable::NotDeferrable
            && !unique_fields.contains(&unique.columns[0])
        {
            unique_fields.push(unique.columns[0].clone());
            continue;
        }
        let mut parts: Vec<String> = unique.columns.iter().map(|c| field_of(c)).collect();
        if unique.name != ident::unique_name(&table.name, &unique.columns) {
            parts.push(format!("name = {}", lit(&unique.name)));
        }
        if unique.nulls_not_distinct {
            parts.push("nulls_not_distinct".to_owned());
        }
        parts.extend(deferrable(unique.deferrable));
        attrs.push(format!("unique({})", parts.join(", ")));
    }
    for index in &table.indexes {
        let mut parts = Vec::new();
        let mut name_parts = Vec::new();
        for key in &index.keys {
            let mut part = match &key.target {
                IndexTarget::Column(c) => {
                    name_parts.push(c.clone());
                    field_of(c)
                }
                IndexTarget::Expression(sql) => {
                    name_parts.push("expr".to_owned());
                    lit(sql)
                }
            };
            if let Some(collation) = &key.collation {
                let _ = write!(part, " collate {}", lit(collation));
            }
            if let Some(opclass) = &key.opclass {
                let _ = write!(part, " opclass {}", lit(opclass));
            }
            if key.order == SortOrder::Desc {
                part.push_str(" desc");
            }
            match (key.order, key.nulls) {
                (SortOrder::Asc, Some(NullsOrder::First)) => part.push_str(" nulls first"),
                (SortOrder::Desc, Some(NullsOrder::Last)) => part.push_str(" nulls last"),
                _ => {}
            }
            parts.push(part);
        }
        if index.unique {
            parts.push("unique".to_owned());
        }
        if index.nulls_not_distinct {
            parts.push("nulls_not_distinct".to_owned());
        }
        if index.method != "btree" {
            parts.push(format!("method = {}", lit(&index.method)));
        }
        if !index.include.is_empty() {
            let include: Vec<String> = index.include.iter().map(|c| field_of(c)).collect();
            parts.push(format!("include({})", include.join(", ")));
        }
        if let Some(predicate) = &index.predicate {
            parts.push(format!("where = {}", lit(predicate)));
        }
        if index.name != ident::index_name(&table.name, &name_parts) {
            parts.push(format!("name = {}", lit(&index.name)));
        }
        if let Some(comment) = &index.comment {
            parts.push(format!("comment = {}", lit(comment)));
        }
        attrs.push(format!("index({})", parts.join(", ")));
    }
    let mut field_references: BTreeMap<String, &ForeignKey> = BTreeMap::new();
    for fk in &pulled.foreign_keys {
        let Some(target) = names.tables.get(&fk.referenced_table) else {
            notes.push(format!(
                "table {}: foreign key {} (its target is not pulled)",
                table.name, fk.name
            ));
            continue;
        };
        let target = if fk.referenced_table == table.name {
            "Self"
        } else {
            target
        };
        match on_field(fk, pulled) {
            Some(column) if !field_references.contains_key(&column) => {
                field_references.insert(column, fk);
            }
            _ => {
                let columns: Vec<String> = fk.columns.iter().map(|c| field_of(c)).collect();
                let mut parts = vec![
                    format!("columns({})", columns.join(", ")),
                    format!("references = {target}"),
                    format!("on_delete = {}", lit(action(fk.on_delete))),
                ];
                if fk.on_update != ReferentialAction::NoAction {
                    parts.push(format!("on_update = {}", lit(action(fk.on_update))));
                }
                if fk.match_full {
                    parts.push("match_full".to_owned());
                }
                if fk.name != ident::foreign_key_name(&table.name, &fk.columns) {
                    parts.push(format!("name = {}", lit(&fk.name)));
                }
                parts.extend(deferrable(fk.deferrable));
                let scoped_set = fk.columns.len() > 1 && fk.columns.contains(&"organization_id".to_owned());
                let expected_set: Vec<String> = if scoped_set
                    && matches!(
                        fk.on_delete,
                        ReferentialAction::SetNull | ReferentialAction::SetDefault
                    ) {
                    fk.columns
                        .iter()
                        .filter(|c| *c != "organization_id")
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                if fk.on_delete_set_columns != expected_set {
                    notes.push(format!(
                        "table {}: foreign key {} sets only ({}) on delete (declared setting every column)",
                        table.name,
                        fk.name,
                        fk.on_delete_set_columns.join(", ")
                    ));
                }
                attrs.push(format!("foreign_key({})", parts.join(", ")));
            }
        }
    }

    if let Some((_, Some(lines))) = &table_doc {
        write_doc(out, "", lines);
    }
    let _ = writeln!(out, "#[derive(Table)]");
    if !attrs.is_empty() {
        if attrs.len() <= 2 && attrs.iter().map(String::len).sum::<usize>() < 80 {
            let _ = writeln!(out, "#[table({})]", attrs.join(", "));
        } else {
            let _ = writeln!(out, "#[table(");
            for attr in &attrs {
                let _ = writeln!(out, "    {attr},");
            }
            let _ = writeln!(out, ")]");
        }
    }
    let _ = writeln!(out, "pub struct {rust} {{");
    for field in &mut fields {
        if unique_fields.contains(&field.column) {
            field.attrs.push("unique".to_owned());
        }
        if let Some(fk) = field_references.get(&field.column) {
            let target = if fk.referenced_table == table.name {
                "Self".to_owned()
            } else {
                names.tables[&fk.referenced_table].clone()
            };
            field.attrs.push(format!("references = {target}"));
            field
                .attrs
                .push(format!("on_delete = {}", lit(action(fk.on_delete))));
            if fk.on_update != ReferentialAction::NoAction {
                field
                    .attrs
                    .push(format!("on_update = {}", lit(action(fk.on_update))));
            }
            field.attrs.extend(deferrable(fk.deferrable));
        }
        let doc = field.comment.as_deref().map(|c| (c, doc_lines(c)));
        match &doc {
            Some((_, Some(lines))) => write_doc(out, "    ", lines),
            Some((comment, None)) => field.attrs.push(format!("comment = {}", lit(comment))),
            None => {}
        }
        if !field.attrs.is_empty() {
            let _ = writeln!(out, "    #[column({})]", field.attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {}: {},", field.ident, field.rust_type);
    }
    let _ = writeln!(out, "}}\n");
}

fn sequence_options(options: &schema_core::model::SequenceOptions) -> String {
    let mut parts = Vec::new();
    for (name, value) in [
        ("start", options.start),
        ("increment", options.increment),
        ("min_value", options.min_value),
        ("max_value", options.max_value),
        ("cache", options.cache),
    ] {
        if let Some(value) = value {
            parts.push(format!("{name}: Some({value})"));
        }
    }
    if options.cycle {
        parts.push("cycle: true".to_owned());
    }
    parts.push("..Default::default()".to_owned());
    format!("model::SequenceOptions {{ {} }}", parts.join(", "))
}

fn column_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Enum(name) => format!("model::ColumnType::Enum({}.into())", lit(name)),
        other => format!("model::ColumnType::parse({})", lit(&other.sql())),
    }
}

/// The builder calls of `schema()`.
fn builder(input: &Input<'_>, names: &Names, notes: &mut Vec<String>) -> Vec<String> {
    let schema = input.schema;
    let declarations = input.declarations;
    let mut calls = Vec::new();
    if let Some(role) = &declarations.app_role {
        calls.push(format!(".app_role({})", lit(role)));
    }
    if let Some(setting) = &declarations.tenant_setting
        && setting != schema_core::assemble::DEFAULT_TENANT_SETTING
    {
        calls.push(format!(".tenant_setting({})", lit(setting)));
    }
    if let Some(setting) = &declarations.actor_setting {
        calls.push(format!(".actor_setting({})", lit(setting)));
    }
    for namespace in &schema.schemas {
        let holds = declarations
            .tables
            .iter()
            .any(|t| ident::split_qualified(&t.table.name).0 == Some(namespace.as_str()));
        if !holds {
            calls.push(format!(".namespace({})", lit(namespace)));
        }
    }
    for extension in &schema.extensions {
        let mut call = format!("model::Extension::new({})", lit(&extension.name));
        if let Some(namespace) = &extension.schema {
            call.push_str(&format!(".schema({})", lit(namespace)));
        }
        if let Some(version) = &extension.version {
            call.push_str(&format!(".version({})", lit(version)));
        }
        calls.push(format!(".extension({call})"));
    }
    for collation in &schema.collations {
        let constructor = match collation.provider {
            CollationProvider::Icu => "icu",
            CollationProvider::Libc => "libc",
        };
        let mut call = format!(
            "model::Collation::{constructor}({}, {})",
            lit(&collation.name),
            lit(&collation.locale)
        );
        if !collation.deterministic {
            call.push_str(".nondeterministic()");
        }
        if collation.ctype.is_some() {
            notes.push(format!(
                "collation {}: LC_CTYPE differs from LC_COLLATE (declared equal)",
                collation.name
            ));
        }
        calls.push(format!(".collation({call})"));
    }
    for domain in &schema.domains {
        let mut call = format!(
            "model::Domain::new({}, {})",
            lit(&domain.name),
            column_type(&domain.data_type)
        );
        for check in &domain.checks {
            call.push_str(&format!(
                ".check({}, {})",
                lit(&check.name),
                lit(&check.expression)
            ));
        }
        if domain.not_null {
            call.push_str(".not_null()");
        }
        if let Some(default) = &domain.default {
            call.push_str(&format!(".default_sql({})", lit(default)));
        }
        if domain.collation.is_some() {
            notes.push(format!(
                "domain {}: its collation (declared without)",
                domain.name
            ));
        }
        calls.push(format!(".domain({call})"));
    }
    for sequence in &schema.sequences {
        let mut call = format!("model::Sequence::new({})", lit(&sequence.name));
        if sequence.data_type != ColumnType::BigInt {
            call.push_str(&format!(".data_type({})", column_type(&sequence.data_type)));
        }
        if sequence.options != Default::default() {
            call.push_str(&format!(".options({})", sequence_options(&sequence.options)));
        }
        if let Some(owner) = &sequence.owned_by {
            call.push_str(&format!(
                ".owned_by({}, {})",
                lit(&owner.table),
                lit(&owner.column)
            ));
        }
        let granted: Vec<&String> = sequence
            .usage
            .iter()
            .filter(|r| Some(*r) != declarations.app_role.as_ref())
            .collect();
        if !granted.is_empty() {
            notes.push(format!(
                "sequence {}: USAGE granted to other roles (not declared)",
                sequence.name
            ));
        }
        calls.push(format!(".sequence({call})"));
    }
    for view in &schema.views {
        let constructor = if view.materialized { "materialized" } else { "new" };
        let comment = view
            .comment
            .as_deref()
            .map(|c| format!(".comment({})", lit(c)))
            .unwrap_or_default();
        let view_call = format!(
            "model::View::{constructor}({}, {}){comment}",
            lit(&view.name),
            lit(&view.query)
        );
        if view.indexes.is_empty() {
            calls.push(format!(".view({view_call})"));
        } else {
            // One index a line under the view.
            let indexes: String = view.indexes.iter().map(hand_written::view_index).collect();
            calls.push(format!(".view(\n            {view_call}{indexes},\n        )"));
        }
    }
    for lookup in &declarations.lookups {
        let Some(rust) = names.tables.get(&lookup.table) else {
            continue;
        };
        let returns: Vec<String> = lookup.returns.iter().map(|c| lit(c)).collect();
        calls.push(format!(
            ".lookup::<{rust}>({}, {}, &[{}])",
            lit(&lookup.name),
            lit(&lookup.by),
            returns.join(", ")
        ));
    }
    for pulled in &declarations.tables {
        calls.push(format!(".table::<{}>()", names.tables[&pulled.table.name]));
    }
    for table in &declarations.writable {
        if let Some(rust) = names.tables.get(table) {
            calls.push(format!(".writable::<{rust}>()"));
        }
    }
    // Functions before the triggers that call them.
    let objects = &declarations.hand_written;
    calls.extend(objects.functions.iter().map(hand_written::function));
    calls.extend(objects.triggers.iter().map(|(t, o)| hand_written::trigger(t, o)));
    calls.extend(objects.policies.iter().map(|(t, o)| hand_written::policy(t, o)));
    calls.extend(objects.grants.iter().map(|(t, o)| hand_written::grant(t, o)));
    calls
}

/// The Rust source of the pulled schema.
pub fn generate(input: &Input<'_>) -> Output {
    let names = names(input.schema, input.declarations);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! The schema pulled from {} by `migrate pull`.",
        input.source
    );
    let _ = writeln!(out, "//!");
    let _ = writeln!(
        out,
        "//! Escape hatches whose reason starts with \"existing column:\" mark where the database breaks a"
    );
    let _ = writeln!(
        out,
        "//! standard; the pull report lists each with the migration that fixes it.\n"
    );
    let _ = writeln!(out, "#![allow(clippy::duplicated_attributes, unused_imports)]\n");
    let _ = writeln!(out, "use schema_core::model;");
    let _ = writeln!(out, "use schema_core::prelude::*;");
    let _ = writeln!(out, "use schema_core::{{DeclaredSchema, SchemaErrors}};\n");
    for enum_type in &input.schema.enums {
        enum_decl(&mut out, enum_type, &names.enums[&enum_type.name]);
    }
    for pulled in &input.declarations.tables {
        table_decl(&mut out, pulled, &names, input, &mut findings, &mut notes);
    }
    let calls = builder(input, &names, &mut notes);
    let _ = writeln!(out, "/// The declared schema, validated.");
    let _ = writeln!(out, "pub fn schema() -> Result<DeclaredSchema, SchemaErrors> {{");
    let _ = writeln!(out, "    SchemaBuilder::new()");
    for call in calls {
        let _ = writeln!(out, "        {call}");
    }
    let _ = writeln!(out, "        .build()");
    let _ = writeln!(out, "}}");
    Output {
        code: out,
        findings,
        not_reproduced: notes,
    }
}
