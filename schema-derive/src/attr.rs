//! `#[table(...)]` and `#[column(...)]` parsed into typed values. Each value keeps its syntax
//! node, so a later error points at it. An unknown or duplicated key is an error at the key that
//! lists the valid keys; parsing goes on after it, so every bad key of a struct is reported.

use std::collections::HashSet;

use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// `ON DELETE` / `ON UPDATE` action, as written.
#[derive(Clone)]
pub struct Action {
    pub variant: &'static str,
    pub lit: LitStr,
}

impl Action {
    pub fn is_set_null(&self) -> bool {
        self.variant == "SetNull"
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Always,
    ByDefault,
    /// `serial`: a sequence owned by the column and a `nextval` default.
    Serial,
}

/// `identity(start = 1000, increment = 1, min_value = .., max_value = .., cache = .., cycle)`:
/// the identity sequence's options, as written (`None` is Postgres' default).
#[derive(Default)]
pub struct IdentityOptions {
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

/// `deferrable = "initially immediate"` or `deferrable = "initially deferred"`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DeferrableKind {
    InitiallyImmediate,
    InitiallyDeferred,
}

/// `#[table(primary_key(name = "...", deferrable = "..."))]`.
#[derive(Default)]
pub struct PrimaryKeyAttr {
    pub name: Option<LitStr>,
    pub deferrable: Option<(Ident, DeferrableKind)>,
}

#[derive(Default)]
pub struct TableAttrs {
    pub name: Option<LitStr>,
    pub schema: Option<LitStr>,
    pub tenant_root: Option<Ident>,
    pub global: Option<Ident>,
    pub audited: Option<Ident>,
    pub rls_exempt: Option<LitStr>,
    pub renamed_from: Option<LitStr>,
    pub comment: Option<LitStr>,
    pub checks: Vec<CheckAttr>,
    pub uniques: Vec<UniqueAttr>,
    pub indexes: Vec<IndexAttr>,
    pub foreign_keys: Vec<ForeignKeyAttr>,
    pub partition_by: Option<PartitionByAttr>,
    pub partitions: Vec<PartitionAttr>,
    pub primary_key: Option<PrimaryKeyAttr>,
}

/// `partition_by(range(created_at))`: the strategy and the key's columns.
pub struct PartitionByAttr {
    /// `range`, `list` or `hash`, as written.
    pub strategy: Ident,
    pub columns: Vec<Ident>,
}

/// `partition(name = "...", from = "...", to = "...")`, `partition(name = "...", values("a"))`,
/// `partition(name = "...", modulus = 4, remainder = 0)` or `partition(name = "...", default)`.
pub struct PartitionAttr {
    pub key: Ident,
    pub name: Option<LitStr>,
    /// Each given bound key, as written (for the checks against the strategy).
    pub given: Vec<Ident>,
    pub from: Vec<LitStr>,
    pub to: Vec<LitStr>,
    pub values: Vec<LitStr>,
    pub modulus: Option<syn::LitInt>,
    pub remainder: Option<syn::LitInt>,
    pub default: bool,
}

pub struct CheckAttr {
    pub key: Ident,
    pub name: Option<LitStr>,
    pub expr: Option<LitStr>,
}

pub struct UniqueAttr {
    pub key: Ident,
    pub columns: Vec<Ident>,
    pub name: Option<LitStr>,
    pub nulls_not_distinct: bool,
    pub deferrable: Option<(Ident, DeferrableKind)>,
}

pub struct IndexAttr {
    pub key: Ident,
    pub keys: Vec<KeyAttr>,
    pub name: Option<LitStr>,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    pub method: Option<LitStr>,
    pub include: Vec<Ident>,
    pub predicate: Option<LitStr>,
    /// `comment = "..."`: the index's purpose, its `COMMENT ON INDEX`.
    pub comment: Option<LitStr>,
}

pub enum KeyTarget {
    Column(Ident),
    Expression(LitStr),
}

pub struct KeyAttr {
    pub target: KeyTarget,
    /// `collate "C"` after the key.
    pub collation: Option<LitStr>,
    /// `opclass "text_pattern_ops"` after the key.
    pub opclass: Option<LitStr>,
    pub desc: bool,
    /// `Some(true)` for NULLS FIRST, `Some(false)` for NULLS LAST.
    pub nulls_first: Option<bool>,
}

pub struct ForeignKeyAttr {
    pub key: Ident,
    pub columns: Vec<Ident>,
    pub references: Option<syn::Path>,
    pub on_delete: Option<Action>,
    pub on_update: Option<Action>,
    /// `MATCH FULL`: the key's columns are all NULL or all set.
    pub match_full: bool,
    pub name: Option<LitStr>,
    pub deferrable: Option<(Ident, DeferrableKind)>,
}

#[derive(Default)]
pub struct ColumnAttrs {
    pub primary_key: Option<Ident>,
    pub name: Option<LitStr>,
    pub renamed_from: Option<LitStr>,
    pub unique: Option<Ident>,
    pub index: Option<Ident>,
    /// `index(comment = "...")`: the one-column index's `COMMENT ON INDEX`.
    pub index_comment: Option<LitStr>,
    pub references: Option<syn::Path>,
    pub on_delete: Option<Action>,
    pub on_update: Option<Action>,
    pub default: Option<syn::Expr>,
    pub default_sql: Option<LitStr>,
    pub sql_type: Option<LitStr>,
    pub collate: Option<LitStr>,
    pub identity: Option<(Ident, IdentityKind)>,
    pub identity_options: IdentityOptions,
    pub generated: Option<LitStr>,
    pub check: Option<LitStr>,
    pub json: Option<LitStr>,
    pub float: Option<LitStr>,
    pub not_money: Option<LitStr>,
    pub not_secret: Option<LitStr>,
    pub comment: Option<LitStr>,
    /// `deferrable = "..."`: of the column's foreign key (`references`).
    pub deferrable: Option<(Ident, DeferrableKind)>,
}

#[derive(Default)]
pub struct PgEnumAttrs {
    pub name: Option<LitStr>,
    pub schema: Option<LitStr>,
    pub renamed_from: Option<LitStr>,
    pub comment: Option<LitStr>,
}

#[derive(Default)]
pub struct VariantAttrs {
    pub rename: Option<LitStr>,
}

/// Tracks the keys seen in one attribute list, for duplicate detection.
struct Seen<'a> {
    cx: &'a Ctxt,
    attribute: &'static str,
    keys: HashSet<String>,
}

impl<'a> Seen<'a> {
    fn new(cx: &'a Ctxt, attribute: &'static str) -> Self {
        Seen {
            cx,
            attribute,
            keys: HashSet::new(),
        }
    }

    /// Record `key`; `false` (and an error at it) when it was already given.
    fn first(&mut self, key: &Ident) -> bool {
        if self.keys.insert(key.to_string()) {
            true
        } else {
            self.cx.error_spanned_by(
                key,
                format!(
                    "duplicate `{}` attribute key `{key}`: give it once",
                    self.attribute
                ),
            );
            false
        }
    }
}

fn key_ident(meta: &ParseNestedMeta) -> syn::Result<Ident> {
    meta.path
        .get_ident()
        .cloned()
        .ok_or_else(|| meta.error("expected an attribute key such as `name = \"...\"`"))
}

/// An error for an unknown key, listing the valid ones; the key's value is skipped so parsing
/// can go on.
fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &Ident,
    attribute: &str,
    valid: &[&str],
) -> syn::Result<()> {
    let hint = match symbol::suggest(&key.to_string(), valid) {
        Some(close) => format!(" (did you mean `{close}`?)"),
        None => String::new(),
    };
    cx.error_spanned_by(
        key,
        format!(
            "unknown `{attribute}` attribute key `{key}`{hint}; valid keys are {}",
            symbol::list(valid)
        ),
    );
    skip_value(meta)
}

fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

fn lit_str(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<LitStr> {
    let value = meta.value()?;
    let expr: syn::Expr = value.parse()?;
    match ungroup_expr(&expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(lit.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` takes a string: `{key} = \"...\"`"),
        )),
    }
}

/// The expression inside the invisible groups `macro_rules!` wraps around an `$x:expr`.
pub fn ungroup_expr(mut expr: &syn::Expr) -> &syn::Expr {
    while let syn::Expr::Group(group) = expr {
        expr = &group.expr;
    }
    expr
}

/// A non-empty string: reasons and SQL must say something.
fn non_empty(cx: &Ctxt, key: &Ident, lit: LitStr) -> LitStr {
    if lit.value().trim().is_empty() {
        cx.error_spanned_by(&lit, format!("`{key}` must not be empty"));
    }
    lit
}

/// A required reason: `key = "why"`. A bare `key` says what it needs.
fn reason(cx: &Ctxt, meta: &ParseNestedMeta, key: &Ident) -> syn::Result<LitStr> {
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!(
            "`{key}` needs its reason: write `{key} = \"why this column is an exception\"`"
        )));
    }
    Ok(non_empty(cx, key, lit_str(meta, key)?))
}

fn flag(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!(
            "`{key}` is a flag and takes no value: write `{key}` alone"
        )));
    }
    Ok(())
}

fn action(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<Action> {
    let lit = lit_str(meta, key)?;
    let normalized = lit.value().trim().to_ascii_lowercase().replace(['_', '-'], " ");
    let normalized = normalized.split_whitespace().collect::<Vec<_>>().join(" ");
    let variant = match normalized.as_str() {
        "cascade" => "Cascade",
        "restrict" => "Restrict",
        "set null" => "SetNull",
        "set default" => "SetDefault",
        "no action" => "NoAction",
        _ => {
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "unknown `{key}` action `{}`; expected one of \"cascade\", \"restrict\", \"set null\", \"set default\", \"no action\"",
                    lit.value()
                ),
            ));
        }
    };
    Ok(Action { variant, lit })
}

/// `references = Table`: a path to a table type (`Self` for a self-reference), also when it
/// arrives from `macro_rules!` as an invisible group.
fn table_path(meta: &ParseNestedMeta) -> syn::Result<syn::Path> {
    let message = "`references` takes the referenced table's type: `references = Customer` (or `Self`)";
    let ty: syn::Type = meta
        .value()?
        .parse()
        .map_err(|e| syn::Error::new(e.span(), message))?;
    match crate::ast::ungroup_type(&ty) {
        syn::Type::Path(syn::TypePath { qself: None, path }) => Ok(path.clone()),
        other => Err(syn::Error::new_spanned(other, message)),
    }
}

fn ident_list(meta: &ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

fn parse_attrs(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    name: &'static str,
    mut each: impl FnMut(&ParseNestedMeta, Ident) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        let empty = match &attr.meta {
            syn::Meta::Path(_) => true,
            syn::Meta::List(list) => list.tokens.is_empty(),
            syn::Meta::NameValue(_) => false,
        };
        if empty {
            cx.error_spanned_by(attr, format!("expected `#[{name}(...)]` with at least one key"));
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let key = key_ident(&meta)?;
            each(&meta, key)
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
}

pub fn table_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> TableAttrs {
    let mut out = TableAttrs::default();
    let mut seen = Seen::new(cx, TABLE);
    parse_attrs(cx, attrs, TABLE, |meta, key| {
        let k = key.to_string();
        let repeatable = [CHECK, UNIQUE, INDEX, FOREIGN_KEY, PARTITION].contains(&k.as_str());
        if !TABLE_KEYS.contains(&k.as_str()) {
            return unknown_key(cx, meta, &key, TABLE, TABLE_KEYS);
        }
        if !repeatable && !seen.first(&key) {
            return skip_value(meta);
        }
        match k.as_str() {
            NAME => out.name = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            SCHEMA => out.schema = Some(lit_str(meta, &key)?),
            TENANT_ROOT => {
                flag(meta, &key)?;
                out.tenant_root = Some(key);
            }
            GLOBAL => {
                flag(meta, &key)?;
                out.global = Some(key);
            }
            AUDITED => {
                flag(meta, &key)?;
                out.audited = Some(key);
            }
            RLS_EXEMPT => out.rls_exempt = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            RENAMED_FROM => out.renamed_from = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            COMMENT => out.comment = Some(lit_str(meta, &key)?),
            CHECK => out.checks.push(check_attr(cx, meta, key)?),
            UNIQUE => out.uniques.push(unique_attr(cx, meta, key)?),
            INDEX => out.indexes.push(index_attr(cx, meta, key)?),
            FOREIGN_KEY => out.foreign_keys.push(foreign_key_attr(cx, meta, key)?),
            PARTITION_BY => out.partition_by = Some(partition_by_attr(meta)?),
            PARTITION => out.partitions.push(partition_attr(cx, meta, key)?),
            PRIMARY_KEY => out.primary_key = Some(primary_key_attr(cx, meta)?),
            _ => return unknown_key(cx, meta, &key, TABLE, TABLE_KEYS),
        }
        Ok(())
    });
    out
}

const DEFERRABLE_FORM: &str =
    "expected `deferrable = \"initially immediate\"` or `deferrable = \"initially deferred\"`";

fn deferrable_kind(lit: &LitStr) -> syn::Result<DeferrableKind> {
    match lit
        .value()
        .trim()
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()[..]
    {
        ["initially", "immediate"] => Ok(DeferrableKind::InitiallyImmediate),
        ["initially", "deferred"] => Ok(DeferrableKind::InitiallyDeferred),
        _ => Err(syn::Error::new_spanned(lit, DEFERRABLE_FORM)),
    }
}

/// `primary_key(name = "...", deferrable = "...")` on the table: the key's constraint.
fn primary_key_attr(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<PrimaryKeyAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(
            "expected `primary_key(name = \"...\")` or `primary_key(deferrable = \"initially deferred\")`; the key's columns are marked `#[column(primary_key)]`",
        ));
    }
    let mut out = PrimaryKeyAttr::default();
    let mut seen = Seen::new(cx, PRIMARY_KEY);
    meta.parse_nested_meta(|inner| {
        let k = key_ident(&inner)?;
        if !PRIMARY_KEY_KEYS.contains(&k.to_string().as_str()) {
            return unknown_key(cx, &inner, &k, PRIMARY_KEY, PRIMARY_KEY_KEYS);
        }
        if !seen.first(&k) {
            return skip_value(&inner);
        }
        let value = lit_str(&inner, &k)?;
        if k == NAME {
            out.name = Some(non_empty(cx, &k, value));
        } else {
            out.deferrable = Some((k, deferrable_kind(&value)?));
        }
        Ok(())
    })?;
    Ok(out)
}

fn check_attr(cx: &Ctxt, meta: &ParseNestedMeta, key: Ident) -> syn::Result<CheckAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error("expected `check(name = \"...\", expr = \"...\")`"));
    }
    let mut out = CheckAttr {
        key,
        name: None,
        expr: None,
    };
    let mut seen = Seen::new(cx, CHECK);
    meta.parse_nested_meta(|inner| {
        let k = key_ident(&inner)?;
        if !CHECK_KEYS.contains(&k.to_string().as_str()) {
            return unknown_key(cx, &inner, &k, CHECK, CHECK_KEYS);
        }
        if !seen.first(&k) {
            return skip_value(&inner);
        }
        let value = non_empty(cx, &k, lit_str(&inner, &k)?);
        if k == NAME {
            out.name = Some(value);
        } else {
            out.expr = Some(value);
        }
        Ok(())
    })?;
    Ok(out)
}

const PARTITION_BY_FORM: &str = "expected `partition_by(range(created_at))`, `partition_by(list(region))` or `partition_by(hash(organization_id))`";

fn partition_by_attr(meta: &ParseNestedMeta) -> syn::Result<PartitionByAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(PARTITION_BY_FORM));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let strategy: Ident = content
        .parse()
        .map_err(|e| syn::Error::new(e.span(), PARTITION_BY_FORM))?;
    if !PARTITION_STRATEGIES.contains(&strategy.to_string().as_str()) {
        return Err(syn::Error::new_spanned(
            &strategy,
            format!(
                "unknown partitioning `{strategy}`; Postgres partitions by {}: {PARTITION_BY_FORM}",
                symbol::list(PARTITION_STRATEGIES)
            ),
        ));
    }
    if !content.peek(syn::token::Paren) {
        return Err(syn::Error::new_spanned(
            &strategy,
            format!("`{strategy}` needs the key's columns: `partition_by({strategy}(column))`"),
        ));
    }
    let columns;
    syn::parenthesized!(columns in content);
    let list = Punctuated::<Ident, Token![,]>::parse_terminated(&columns)?;
    if !content.is_empty() {
        return Err(content.error(PARTITION_BY_FORM));
    }
    let columns: Vec<Ident> = list.into_iter().collect();
    if columns.is_empty() {
        return Err(syn::Error::new_spanned(
            &strategy,
            format!("`{strategy}(...)` needs at least one column: `partition_by({strategy}(created_at))`"),
        ));
    }
    Ok(PartitionByAttr { strategy, columns })
}

/// `= "x"` or `("x", "y")`: one string per column of the partition key.
fn lit_str_list(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<Vec<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(vec![lit_str(meta, key)?]);
    }
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!(
            "`{key}` takes a value or one per key column: `{key} = \"...\"` or `{key}(\"...\", \"...\")`"
        )));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

fn lit_int(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<syn::LitInt> {
    let message = format!("`{key}` takes a whole number: `{key} = 4`");
    let expr: syn::Expr = meta
        .value()
        .map_err(|e| syn::Error::new(e.span(), &message))?
        .parse()?;
    match ungroup_expr(&expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) => Ok(lit.clone()),
        other => Err(syn::Error::new_spanned(other, message)),
    }
}

fn partition_attr(cx: &Ctxt, meta: &ParseNestedMeta, key: Ident) -> syn::Result<PartitionAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(
            "expected `partition(name = \"events_2026\", from = \"2026-01-01\", to = \"2027-01-01\")`, \
             `partition(name = \"...\", values(\"eu\"))`, `partition(name = \"...\", modulus = 4, remainder = 0)` \
             or `partition(name = \"...\", default)`",
        ));
    }
    let mut out = PartitionAttr {
        key,
        name: None,
        given: Vec::new(),
        from: Vec::new(),
        to: Vec::new(),
        values: Vec::new(),
        modulus: None,
        remainder: None,
        default: false,
    };
    let mut seen = Seen::new(cx, PARTITION);
    meta.parse_nested_meta(|inner| {
        let k = key_ident(&inner)?;
        if !PARTITION_KEYS.contains(&k.to_string().as_str()) {
            return unknown_key(cx, &inner, &k, PARTITION, PARTITION_KEYS);
        }
        if !seen.first(&k) {
            return skip_value(&inner);
        }
        match k.to_string().as_str() {
            NAME => out.name = Some(non_empty(cx, &k, lit_str(&inner, &k)?)),
            FROM => out.from = lit_str_list(&inner, &k)?,
            TO => out.to = lit_str_list(&inner, &k)?,
            VALUES => out.values = lit_str_list(&inner, &k)?,
            MODULUS => out.modulus = Some(lit_int(&inner, &k)?),
            REMAINDER => out.remainder = Some(lit_int(&inner, &k)?),
            _ => {
                flag(&inner, &k)?;
                out.default = true;
            }
        }
        if k != NAME {
            out.given.push(k);
        }
        Ok(())
    })?;
    Ok(out)
}

fn foreign_key_attr(cx: &Ctxt, meta: &ParseNestedMeta, key: Ident) -> syn::Result<ForeignKeyAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(
            meta.error("expected `foreign_key(columns(a, b), references = Table, on_delete = \"cascade\")`")
        );
    }
    let mut out = ForeignKeyAttr {
        key,
        columns: Vec::new(),
        references: None,
        on_delete: None,
        on_update: None,
        match_full: false,
        name: None,
        deferrable: None,
    };
    let mut seen = Seen::new(cx, FOREIGN_KEY);
    meta.parse_nested_meta(|inner| {
        let k = key_ident(&inner)?;
        if !FOREIGN_KEY_KEYS.contains(&k.to_string().as_str()) {
            return unknown_key(cx, &inner, &k, FOREIGN_KEY, FOREIGN_KEY_KEYS);
        }
        if !seen.first(&k) {
            return skip_value(&inner);
        }
        match k.to_string().as_str() {
            COLUMNS => out.columns = ident_list(&inner)?,
            REFERENCES => out.references = Some(table_path(&inner)?),
            ON_DELETE => out.on_delete = Some(action(&inner, &k)?),
            ON_UPDATE => out.on_update = Some(action(&inner, &k)?),
            MATCH_FULL => out.match_full = true,
            DEFERRABLE => out.deferrable = Some((k.clone(), deferrable_kind(&lit_str(&inner, &k)?)?)),
            _ => out.name = Some(non_empty(cx, &k, lit_str(&inner, &k)?)),
        }
        Ok(())
    })?;
    Ok(out)
}

fn unique_attr(cx: &Ctxt, meta: &ParseNestedMeta, key: Ident) -> syn::Result<UniqueAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error("expected `unique(column_a, column_b)`"));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let items = Punctuated::<IndexItem, Token![,]>::parse_terminated(&content)?;
    let mut out = UniqueAttr {
        key,
        columns: Vec::new(),
        name: None,
        nulls_not_distinct: false,
        deferrable: None,
    };
    let mut seen = HashSet::new();
    for item in items {
        match item {
            IndexItem::Key(KeyAttr {
                target: KeyTarget::Column(column),
                collation: None,
                opclass: None,
                desc: false,
                nulls_first: None,
            }) => out.columns.push(column),
            IndexItem::Key(key) => {
                let message = "a unique constraint lists plain columns; for expressions or ordering use `index(..., unique)`";
                match &key.target {
                    KeyTarget::Column(column) => cx.error_spanned_by(column, message),
                    KeyTarget::Expression(sql) => cx.error_spanned_by(sql, message),
                }
            }
            IndexItem::Setting(k, value) => {
                let name = k.to_string();
                if !UNIQUE_KEYS.contains(&name.as_str()) {
                    cx.error_spanned_by(
                        &k,
                        format!(
                            "unknown `unique` attribute key `{k}`; valid keys are {}",
                            symbol::list(UNIQUE_KEYS)
                        ),
                    );
                } else if !seen.insert(name.clone()) {
                    cx.error_spanned_by(
                        &k,
                        format!("duplicate `unique` attribute key `{k}`: give it once"),
                    );
                } else if name == NAME {
                    out.name = setting_str(cx, &k, value);
                } else if name == DEFERRABLE {
                    if let Some(lit) = setting_str(cx, &k, value) {
                        match deferrable_kind(&lit) {
                            Ok(kind) => out.deferrable = Some((k, kind)),
                            Err(error) => cx.syn_error(error),
                        }
                    }
                } else {
                    setting_flag(cx, &k, value);
                    out.nulls_not_distinct = true;
                }
            }
        }
    }
    if out.columns.is_empty() {
        cx.error_spanned_by(
            &out.key,
            "`unique(...)` needs at least one column: `unique(organization_id, email)`",
        );
    }
    Ok(out)
}

fn index_attr(cx: &Ctxt, meta: &ParseNestedMeta, key: Ident) -> syn::Result<IndexAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(
            "expected `index(column_a, column_b desc, \"lower(email)\", unique, method = \"gin\", include(c), where = \"...\")`",
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let items = Punctuated::<IndexItem, Token![,]>::parse_terminated(&content)?;
    let mut out = IndexAttr {
        key,
        keys: Vec::new(),
        name: None,
        unique: false,
        nulls_not_distinct: false,
        method: None,
        include: Vec::new(),
        predicate: None,
        comment: None,
    };
    let mut seen = HashSet::new();
    for item in items {
        match item {
            IndexItem::Key(key) => out.keys.push(key),
            IndexItem::Setting(k, value) => {
                let name = k.to_string();
                if !INDEX_KEYS.contains(&name.as_str()) {
                    let hint = match symbol::suggest(&name, INDEX_KEYS) {
                        Some(close) => format!(" (did you mean `{close}`?)"),
                        None => String::new(),
                    };
                    cx.error_spanned_by(
                        &k,
                        format!(
                            "unknown `index` attribute key `{k}`{hint}; valid keys are {} (a bare name is a column)",
                            symbol::list(INDEX_KEYS)
                        ),
                    );
                    continue;
                }
                if !seen.insert(name.clone()) {
                    cx.error_spanned_by(&k, format!("duplicate `index` attribute key `{k}`: give it once"));
                    continue;
                }
                match name.as_str() {
                    NAME => out.name = setting_str(cx, &k, value),
                    METHOD => out.method = setting_str(cx, &k, value),
                    WHERE => out.predicate = setting_str(cx, &k, value),
                    COMMENT => out.comment = setting_str(cx, &k, value),
                    UNIQUE => out.unique = setting_flag(cx, &k, value),
                    NULLS_NOT_DISTINCT => out.nulls_not_distinct = setting_flag(cx, &k, value),
                    _ => match value {
                        SettingValue::List(columns) => out.include = columns,
                        _ => cx.error_spanned_by(&k, "expected `include(column_a, column_b)`"),
                    },
                }
            }
        }
    }
    if out.keys.is_empty() {
        cx.error_spanned_by(&out.key, "`index(...)` needs at least one column or expression");
    }
    Ok(out)
}

fn setting_str(cx: &Ctxt, key: &Ident, value: SettingValue) -> Option<LitStr> {
    match value {
        SettingValue::Str(lit) => Some(non_empty(cx, key, lit)),
        _ => {
            cx.error_spanned_by(key, format!("`{key}` takes a string: `{key} = \"...\"`"));
            None
        }
    }
}

fn setting_flag(cx: &Ctxt, key: &Ident, value: SettingValue) -> bool {
    match value {
        SettingValue::Flag => true,
        _ => {
            cx.error_spanned_by(
                key,
                format!("`{key}` is a flag and takes no value: write `{key}` alone"),
            );
            false
        }
    }
}

/// One item of `index(...)` or `unique(...)`.
enum IndexItem {
    Key(KeyAttr),
    Setting(Ident, SettingValue),
}

enum SettingValue {
    Flag,
    Str(LitStr),
    List(Vec<Ident>),
}

const FLAGS: &[&str] = &[UNIQUE, NULLS_NOT_DISTINCT];

impl Parse for IndexItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Ok(IndexItem::Key(key_after(KeyTarget::Expression(lit), input)?));
        }
        if input.peek(Token![where]) {
            let token: Token![where] = input.parse()?;
            input.parse::<Token![=]>()?;
            let lit: LitStr = input.parse()?;
            return Ok(IndexItem::Setting(
                Ident::new("where", token.span),
                SettingValue::Str(lit),
            ));
        }
        let ident: Ident = input.parse()?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let lit: LitStr = input.parse().map_err(|e| {
                syn::Error::new(e.span(), format!("`{ident}` takes a string: `{ident} = \"...\"`"))
            })?;
            return Ok(IndexItem::Setting(ident, SettingValue::Str(lit)));
        }
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let list = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
            return Ok(IndexItem::Setting(
                ident,
                SettingValue::List(list.into_iter().collect()),
            ));
        }
        if FLAGS.contains(&ident.to_string().as_str()) {
            return Ok(IndexItem::Setting(ident, SettingValue::Flag));
        }
        Ok(IndexItem::Key(key_after(KeyTarget::Column(ident), input)?))
    }
}

/// What follows a key, in SQL's order: `[collate "C"] [opclass "name"] [asc | desc] [nulls first | last]`.
fn key_after(target: KeyTarget, input: ParseStream) -> syn::Result<KeyAttr> {
    let mut collation = None;
    let mut opclass = None;
    for (word, slot) in [(COLLATE, &mut collation), (OPCLASS, &mut opclass)] {
        let fork = input.fork();
        if fork.parse::<Ident>().is_ok_and(|w| w == word) {
            let ident: Ident = input.parse()?;
            let lit: LitStr = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("`{ident}` after an index key takes a string: `email {ident} \"...\"`"),
                )
            })?;
            if lit.value().trim().is_empty() {
                return Err(syn::Error::new_spanned(&lit, format!("`{ident}` needs a name")));
            }
            *slot = Some(lit);
        }
    }
    let (desc, nulls_first) = parse_ordering(input)?;
    Ok(KeyAttr {
        target,
        collation,
        opclass,
        desc,
        nulls_first,
    })
}

/// `[asc | desc] [nulls first | nulls last]` after a key.
fn parse_ordering(input: ParseStream) -> syn::Result<(bool, Option<bool>)> {
    let mut desc = false;
    let mut nulls_first = None;
    if input.peek(Ident) {
        let fork = input.fork();
        let word: Ident = fork.parse()?;
        if word == "asc" || word == "desc" {
            input.parse::<Ident>()?;
            desc = word == "desc";
        }
    }
    if input.peek(Ident) {
        let word: Ident = input.parse()?;
        if word != "nulls" {
            return Err(syn::Error::new_spanned(
                &word,
                format!(
                    "unexpected `{word}` after an index key; expected, in this order, `collate \"C\"`, `opclass \"...\"`, `asc` or `desc`, `nulls first` or `nulls last`, or `,`"
                ),
            ));
        }
        let which: Ident = input.parse()?;
        nulls_first = Some(match which.to_string().as_str() {
            "first" => true,
            "last" => false,
            _ => {
                return Err(syn::Error::new_spanned(
                    &which,
                    "expected `nulls first` or `nulls last`",
                ));
            }
        });
    }
    Ok((desc, nulls_first))
}

pub fn column_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ColumnAttrs {
    let mut out = ColumnAttrs::default();
    let mut seen = Seen::new(cx, COLUMN);
    parse_attrs(cx, attrs, COLUMN, |meta, key| {
        let k = key.to_string();
        if !COLUMN_KEYS.contains(&k.as_str()) {
            return unknown_key(cx, meta, &key, COLUMN, COLUMN_KEYS);
        }
        if !seen.first(&key) {
            return skip_value(meta);
        }
        match k.as_str() {
            PRIMARY_KEY => {
                flag(meta, &key)?;
                out.primary_key = Some(key);
            }
            UNIQUE => {
                flag(meta, &key)?;
                out.unique = Some(key);
            }
            INDEX => {
                if meta.input.peek(syn::token::Paren) {
                    out.index_comment = column_index_attr(cx, meta)?;
                } else {
                    flag(meta, &key).map_err(|_| {
                        meta.error("`index` takes no value: write `index`, or `index(comment = \"...\")`")
                    })?;
                }
                out.index = Some(key);
            }
            NAME => out.name = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            RENAMED_FROM => out.renamed_from = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            REFERENCES => out.references = Some(table_path(meta)?),
            ON_DELETE => out.on_delete = Some(action(meta, &key)?),
            ON_UPDATE => out.on_update = Some(action(meta, &key)?),
            DEFAULT => out.default = Some(meta.value()?.parse()?),
            DEFAULT_SQL => out.default_sql = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            SQL_TYPE => out.sql_type = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            COLLATE => out.collate = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            IDENTITY => {
                let kind = if meta.input.peek(Token![=]) {
                    let lit = lit_str(meta, &key)?;
                    match lit.value().trim().to_ascii_lowercase().replace(' ', "_").as_str() {
                        "always" => IdentityKind::Always,
                        "by_default" => IdentityKind::ByDefault,
                        "serial" => IdentityKind::Serial,
                        _ => {
                            return Err(syn::Error::new_spanned(
                                &lit,
                                "expected `identity`, `identity = \"always\"`, `identity = \"by default\"`, `identity = \"serial\"` or `identity(by_default, start = 1000)`",
                            ));
                        }
                    }
                } else if meta.input.peek(syn::token::Paren) {
                    let (kind, options) = identity_attr(cx, meta)?;
                    out.identity_options = options;
                    kind
                } else {
                    flag(meta, &key)?;
                    IdentityKind::Always
                };
                out.identity = Some((key, kind));
            }
            GENERATED => out.generated = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            CHECK => out.check = Some(non_empty(cx, &key, lit_str(meta, &key)?)),
            JSON => out.json = Some(reason(cx, meta, &key)?),
            FLOAT => out.float = Some(reason(cx, meta, &key)?),
            NOT_MONEY => out.not_money = Some(reason(cx, meta, &key)?),
            NOT_SECRET => out.not_secret = Some(reason(cx, meta, &key)?),
            COMMENT => out.comment = Some(lit_str(meta, &key)?),
            DEFERRABLE => {
                let kind = deferrable_kind(&lit_str(meta, &key)?)?;
                out.deferrable = Some((key, kind));
            }
            _ => return unknown_key(cx, meta, &key, COLUMN, COLUMN_KEYS),
        }
        Ok(())
    });
    out
}

/// `identity(by_default, start = 1000, increment = 1, min_value = 1, max_value = 9, cache = 20, cycle)`.
fn identity_attr(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<(IdentityKind, IdentityOptions)> {
    let mut kind = None::<(Ident, IdentityKind)>;
    let mut options = IdentityOptions::default();
    let mut seen = Seen::new(cx, IDENTITY);
    meta.parse_nested_meta(|inner| {
        let k = key_ident(&inner)?;
        let name = k.to_string();
        if !IDENTITY_KEYS.contains(&name.as_str()) {
            return unknown_key(cx, &inner, &k, IDENTITY, IDENTITY_KEYS);
        }
        if !seen.first(&k) {
            return skip_value(&inner);
        }
        match name.as_str() {
            ALWAYS | BY_DEFAULT => {
                flag(&inner, &k)?;
                let this = if name == ALWAYS {
                    IdentityKind::Always
                } else {
                    IdentityKind::ByDefault
                };
                if let Some((first, _)) = &kind {
                    cx.error_spanned_by(
                        &k,
                        format!("an identity is generated either `always` or `by_default`, not both (`{first}` is given)"),
                    );
                } else {
                    kind = Some((k, this));
                }
            }
            CYCLE => {
                flag(&inner, &k)?;
                options.cycle = true;
            }
            _ => {
                let value = Some(lit_i64(&inner, &k)?);
                match name.as_str() {
                    START => options.start = value,
                    INCREMENT => options.increment = value,
                    MIN_VALUE => options.min_value = value,
                    MAX_VALUE => options.max_value = value,
                    _ => options.cache = value,
                }
            }
        }
        Ok(())
    })?;
    if options.increment == Some(0) {
        return Err(meta.error("`increment` cannot be 0"));
    }
    if options.cache.is_some_and(|c| c < 1) {
        return Err(meta.error("`cache` is at least 1"));
    }
    if let (Some(min), Some(max)) = (options.min_value, options.max_value)
        && min >= max
    {
        return Err(meta.error(format!(
            "`min_value` ({min}) must be less than `max_value` ({max})"
        )));
    }
    Ok((kind.map_or(IdentityKind::Always, |(_, k)| k), options))
}

/// `key = 42` or `key = -42`, as an `i64`.
fn lit_i64(meta: &ParseNestedMeta, key: &Ident) -> syn::Result<i64> {
    let message = format!("`{key}` takes a whole number: `{key} = 1000`");
    let expr: syn::Expr = meta
        .value()
        .map_err(|e| syn::Error::new(e.span(), &message))?
        .parse()?;
    let (negative, lit) = match ungroup_expr(&expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) => (false, lit),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) => match ungroup_expr(inner) {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(lit),
                ..
            }) => (true, lit),
            other => return Err(syn::Error::new_spanned(other, message)),
        },
        other => return Err(syn::Error::new_spanned(other, message)),
    };
    if !lit.suffix().is_empty() {
        return Err(syn::Error::new_spanned(lit, message));
    }
    let digits = if negative {
        format!("-{}", lit.base10_digits())
    } else {
        lit.base10_digits().to_owned()
    };
    digits.parse::<i64>().map_err(|_| {
        syn::Error::new_spanned(
            lit,
            format!("`{key}` does not fit a bigint (a sequence's values are 64-bit)"),
        )
    })
}

/// `index(comment = "...")` on a column: the comment of its one-column index.
fn column_index_attr(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<LitStr>> {
    let mut comment = None;
    let mut seen = Seen::new(cx, INDEX);
    meta.parse_nested_meta(|inner| {
        let k = key_ident(&inner)?;
        if !COLUMN_INDEX_KEYS.contains(&k.to_string().as_str()) {
            return unknown_key(cx, &inner, &k, INDEX, COLUMN_INDEX_KEYS);
        }
        if !seen.first(&k) {
            return skip_value(&inner);
        }
        comment = Some(non_empty(cx, &k, lit_str(&inner, &k)?));
        Ok(())
    })?;
    Ok(comment)
}

pub fn pg_enum_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> PgEnumAttrs {
    let mut out = PgEnumAttrs::default();
    let mut seen = Seen::new(cx, PG_ENUM);
    parse_attrs(cx, attrs, PG_ENUM, |meta, key| {
        if !PG_ENUM_KEYS.contains(&key.to_string().as_str()) {
            return unknown_key(cx, meta, &key, PG_ENUM, PG_ENUM_KEYS);
        }
        if !seen.first(&key) {
            return skip_value(meta);
        }
        if key == SCHEMA {
            out.schema = Some(lit_str(meta, &key)?);
        } else if key == RENAMED_FROM {
            out.renamed_from = Some(non_empty(cx, &key, lit_str(meta, &key)?));
        } else if key == COMMENT {
            out.comment = Some(lit_str(meta, &key)?);
        } else {
            out.name = Some(non_empty(cx, &key, lit_str(meta, &key)?));
        }
        Ok(())
    });
    out
}

pub fn variant_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    let mut seen = Seen::new(cx, PG_ENUM);
    parse_attrs(cx, attrs, PG_ENUM, |meta, key| {
        if !PG_ENUM_VARIANT_KEYS.contains(&key.to_string().as_str()) {
            return unknown_key(cx, meta, &key, PG_ENUM, PG_ENUM_VARIANT_KEYS);
        }
        if !seen.first(&key) {
            return skip_value(meta);
        }
        out.rename = Some(non_empty(cx, &key, lit_str(meta, &key)?));
        Ok(())
    });
    out
}
