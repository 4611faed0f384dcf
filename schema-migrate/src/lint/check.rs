//! The rules, applied to a script's statements in order, with what the earlier ones did.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::assemble::TENANT_COLUMN;
use schema_core::ident::MAX_IDENTIFIER_BYTES;
use sqlparser::ast::{AlterTypeOperation, ContextModifier, LockTableMode, ObjectName, Reset, Set, Statement};
use sqlparser::tokenizer::Span;

use super::ddl::proven_not_null;
use super::facts::{duration_enabled, object_name, timeout_enabled};
use super::parse::{Known, ParseFailure, parse};
use super::rules::Rule;
use super::source::{Piece, Script, is_transaction_control};
use super::{Created, Finding, LintOptions};
use crate::plan::LockMode;
use crate::sql_split::TokenKind;

/// Where a finding points: a line and a column.
pub(super) type At = Option<(usize, usize)>;

/// The root table the tenant column references, when a script does not say.
const TENANT_ROOT: &str = "organizations";

/// A constraint added `NOT VALID` to an existing table.
pub(super) struct NotValid {
    pub(super) transaction: Option<u64>,
    /// The column of a `CHECK (col IS NOT NULL)`.
    pub(super) not_null_column: Option<String>,
}

/// An enum value added inside a transaction, which that transaction cannot use.
struct EnumValue {
    statement: usize,
    literal: String,
    type_name: String,
    transaction: u64,
    reported: bool,
}

/// The lock timeout in force.
#[derive(Default)]
struct LockTimeout {
    session: bool,
    /// `SET LOCAL` in the current transaction.
    local: Option<bool>,
    /// A missing timeout was reported since the setting last changed.
    reported: bool,
    /// The line of a `SET LOCAL lock_timeout` outside any transaction (which does nothing).
    ignored_local: Option<usize>,
}

impl LockTimeout {
    fn on(&self) -> bool {
        self.local.unwrap_or(self.session)
    }
}

/// A script being checked: what the statements so far did, and the findings.
pub(super) struct Checker<'s> {
    file: &'s str,
    pub(super) script: &'s Script<'s>,
    pub(super) options: &'s LintOptions,
    findings: Vec<Finding>,
    everywhere: BTreeSet<Rule>,
    allowed: Vec<BTreeSet<Rule>>,
    pub(super) current: usize,
    /// The runner wraps the script in one transaction: it has no no-transaction marker and
    /// controls no transactions itself.
    wrapped: bool,
    /// The `BEGIN` of the open block of a no-transaction script: its line and statement.
    block: Option<(usize, usize)>,
    transaction: u64,
    timeout: LockTimeout,
    pub(super) new_tables: BTreeSet<String>,
    pub(super) new_columns: BTreeSet<(String, String)>,
    pub(super) column_types: BTreeMap<(String, String), String>,
    /// Indexes created by the script, and their tables.
    pub(super) index_tables: BTreeMap<String, String>,
    pub(super) not_valid: BTreeMap<(String, String), NotValid>,
    pub(super) validated_not_null: BTreeSet<(String, String)>,
    enum_values: Vec<EnumValue>,
    /// Tables the tenant column references: tenant roots, which have no tenant column.
    pub(super) tenant_roots: BTreeSet<String>,
    /// Tables created without the tenant column: statement, table, where.
    pub(super) without_tenant: Vec<(usize, String, At)>,
}

/// Lint `sql`; also return what it creates.
pub(super) fn check(file: &str, sql: &str, options: &LintOptions) -> (Vec<Finding>, Created) {
    let script = Script::new(sql);
    let mut checker = Checker {
        file,
        script: &script,
        options,
        findings: Vec::new(),
        everywhere: script.allowed_everywhere(),
        allowed: (0..script.statements.len())
            .map(|i| script.allowed_for(i))
            .collect(),
        current: 0,
        wrapped: true,
        block: None,
        transaction: 0,
        timeout: LockTimeout::default(),
        new_tables: BTreeSet::new(),
        new_columns: BTreeSet::new(),
        column_types: BTreeMap::new(),
        index_tables: BTreeMap::new(),
        not_valid: BTreeMap::new(),
        validated_not_null: options.before.as_ref().map(proven_not_null).unwrap_or_default(),
        enum_values: Vec::new(),
        tenant_roots: BTreeSet::new(),
        without_tenant: Vec::new(),
    };
    checker.invalid_allows();
    checker.transaction_mode();
    for (index, piece) in script.statements.iter().enumerate() {
        checker.current = index;
        checker.statement(piece);
    }
    checker.finish();
    let mut findings = checker.findings;
    findings.sort_by_key(|f| (f.line, f.column));
    let created = Created {
        tables: checker.new_tables,
        columns: checker.new_columns,
    };
    (findings, created)
}

pub(super) fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn blocks(mode: LockMode) -> &'static str {
    match mode {
        LockMode::ShareUpdateExclusive => "other schema changes",
        LockMode::Share | LockMode::ShareRowExclusive => "writes",
        LockMode::AccessExclusive => "reads and writes",
    }
}

impl Checker<'_> {
    // ---- reporting ----

    fn emit_for(&mut self, statement: usize, rule: Rule, at: At, message: String, fix: String) -> bool {
        let allowed = self.options.allow.contains(&rule)
            || self.everywhere.contains(&rule)
            || self.allowed.get(statement).is_some_and(|a| a.contains(&rule));
        if allowed {
            return false;
        }
        let piece = &self.script.statements[statement];
        let (line, column) = at.unwrap_or((piece.line, piece.column));
        self.findings.push(Finding {
            rule,
            severity: rule.severity(),
            file: self.file.to_owned(),
            line,
            column: Some(column),
            statement: piece.excerpt(),
            message,
            fix,
        });
        true
    }

    pub(super) fn emit(&mut self, rule: Rule, at: At, message: String, fix: impl Into<String>) -> bool {
        self.emit_for(self.current, rule, at, message, fix.into())
    }

    fn piece(&self) -> &Piece<'_> {
        &self.script.statements[self.current]
    }

    /// Where a parser span of the current statement is in the script.
    pub(super) fn at(&self, span: Span) -> At {
        self.at_relative(span.start.line as usize, span.start.column as usize)
    }

    fn at_relative(&self, line: usize, column: usize) -> At {
        if line == 0 {
            return None;
        }
        let piece = self.piece();
        let column = column.max(1);
        let column = if line == 1 {
            piece.column + column - 1
        } else {
            column
        };
        Some((piece.line + line - 1, column))
    }

    fn invalid_allows(&mut self) {
        for allow in &self.script.allows {
            if allow.problems.is_empty() || self.options.allow.contains(&Rule::InvalidAllow) {
                continue;
            }
            self.findings.push(Finding {
                rule: Rule::InvalidAllow,
                severity: Rule::InvalidAllow.severity(),
                file: self.file.to_owned(),
                line: allow.line,
                column: Some(allow.column),
                statement: allow.text.clone(),
                message: allow.problems.join("; "),
                fix: "write `-- lint:allow <rule>[,<rule>] <why it is safe here>` (or `lint:allow-file`)"
                    .to_owned(),
            });
        }
    }

    // ---- state ----

    pub(super) fn is_new(&self, table: &str) -> bool {
        self.new_tables.contains(table)
    }

    /// Whether the current statement runs inside a transaction block.
    fn in_transaction(&self) -> bool {
        self.wrapped || self.block.is_some()
    }

    pub(super) fn transaction_id(&self) -> Option<u64> {
        self.in_transaction().then_some(self.transaction)
    }

    /// The type of a column, as written, when the script or the schema before it says.
    pub(super) fn column_type(&self, table: &str, column: &str) -> Option<String> {
        let key = (table.to_owned(), column.to_owned());
        if let Some(ty) = self.column_types.get(&key) {
            return Some(ty.clone());
        }
        let before = self.options.before.as_ref()?;
        let table = before.tables.iter().find(|t| t.name == table)?;
        let column = table.columns.iter().find(|c| c.name == column)?;
        Some(column.ty.sql())
    }

    // ---- statements ----

    fn statement(&mut self, piece: &Piece) {
        self.long_identifiers(piece);
        self.enum_value_uses(piece);
        self.set_config(piece);
        let parsed = parse(piece);
        for error in &parsed.errors {
            self.parse_error(error);
        }
        for known in &parsed.known {
            self.known(known);
        }
        for statement in &parsed.statements {
            match statement {
                Statement::CreateIndex(index) if parsed.on_only => self.create_index_on_only(index),
                _ => self.ast(statement),
            }
        }
    }

    fn parse_error(&mut self, error: &ParseFailure) {
        let at = error.at.and_then(|(line, column)| self.at_relative(line, column));
        self.emit(
            Rule::ParseError,
            at,
            format!(
                "cannot parse this statement, so no rule checked it: {}",
                error.message
            ),
            "fix the syntax; if Postgres accepts it (the lint's parser does not know every Postgres form), \
             add `-- lint:allow parse-error <reason>` above it",
        );
    }

    fn known(&mut self, known: &Known) {
        match known {
            Known::Harmless => {}
            Known::NonTransactional { what, locks } => {
                self.non_transactional(what);
                if *locks {
                    self.needs_lock(None, what, LockMode::AccessExclusive);
                }
            }
            Known::Locks { what, table, index } => {
                let table = table
                    .clone()
                    .or_else(|| index.as_ref().and_then(|i| self.index_tables.get(i).cloned()));
                self.needs_lock(table.as_deref(), what, LockMode::AccessExclusive);
            }
            Known::CreatesTable(table) => {
                self.new_tables.insert(table.clone());
            }
            Known::CreatesIndex { table, concurrently } => {
                self.create_index(table, *concurrently, None, false)
            }
        }
    }

    fn ast(&mut self, statement: &Statement) {
        match statement {
            Statement::CreateTable(create) => self.create_table(create),
            Statement::AlterTable(alter) => self.alter_table(alter),
            Statement::CreateIndex(index) => self.create_index_statement(index),
            Statement::Drop {
                object_type, names, ..
            } => self.drop(*object_type, names),
            Statement::Truncate(truncate) => {
                for target in &truncate.table_names {
                    self.needs_lock(
                        Some(&object_name(&target.name)),
                        "TRUNCATE",
                        LockMode::AccessExclusive,
                    );
                }
            }
            Statement::Lock(lock) => {
                // The weaker modes conflict with no reads or writes.
                let mode = match lock.lock_mode {
                    Some(LockTableMode::Share) => Some(LockMode::Share),
                    Some(LockTableMode::ShareRowExclusive | LockTableMode::Exclusive) => {
                        Some(LockMode::ShareRowExclusive)
                    }
                    Some(LockTableMode::AccessExclusive) | None => Some(LockMode::AccessExclusive),
                    Some(_) => None,
                };
                if let Some(mode) = mode {
                    for target in &lock.tables {
                        self.needs_lock(Some(&object_name(&target.name)), "LOCK TABLE", mode);
                    }
                }
            }
            Statement::CreateTrigger(trigger) => {
                let table = object_name(&trigger.table_name);
                self.needs_lock(Some(&table), "CREATE TRIGGER", LockMode::ShareRowExclusive);
            }
            Statement::DropTrigger(trigger) => {
                if let Some(table) = &trigger.table_name {
                    self.needs_lock(
                        Some(&object_name(table)),
                        "DROP TRIGGER",
                        LockMode::AccessExclusive,
                    );
                }
            }
            Statement::CreatePolicy(policy) => self.policy(&policy.table_name, "CREATE POLICY"),
            Statement::AlterPolicy(policy) => self.policy(&policy.table_name, "ALTER POLICY"),
            Statement::DropPolicy(policy) => self.policy(&policy.table_name, "DROP POLICY"),
            Statement::AlterType(alter) => {
                if let AlterTypeOperation::AddValue(add) = &alter.operation
                    && let Some(transaction) = self.transaction_id()
                {
                    self.enum_values.push(EnumValue {
                        statement: self.current,
                        literal: format!("'{}'", add.value.value.replace('\'', "''")),
                        type_name: object_name(&alter.name),
                        transaction,
                        reported: false,
                    });
                }
            }
            Statement::Set(set) => self.set(set),
            Statement::Reset(reset) => {
                let all = matches!(reset.reset, Reset::ALL);
                let ours = matches!(&reset.reset, Reset::ConfigurationParameter(name) if object_name(name) == "lock_timeout");
                if all || ours {
                    self.timeout.session = false;
                    self.timeout.local = None;
                    self.timeout.reported = false;
                }
            }
            Statement::StartTransaction { .. } => self.begin(),
            Statement::Commit { .. } => self.commit(),
            Statement::Rollback { savepoint: None, .. } => self.rollback(),
            Statement::Vacuum(vacuum) => {
                self.non_transactional(if vacuum.full { "VACUUM FULL" } else { "VACUUM" });
                if vacuum.full {
                    let table = vacuum.table_name.as_ref().map(object_name);
                    self.needs_lock(table.as_deref(), "VACUUM FULL", LockMode::AccessExclusive);
                }
            }
            Statement::CreateDatabase { .. } => self.non_transactional("CREATE DATABASE"),
            _ => {}
        }
    }

    fn policy(&mut self, table: &ObjectName, what: &str) {
        self.needs_lock(Some(&object_name(table)), what, LockMode::AccessExclusive);
    }

    // ---- transactions and timeouts ----

    fn set(&mut self, set: &Set) {
        let Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } = set
        else {
            return;
        };
        if object_name(variable) == "lock_timeout" {
            let local = matches!(scope, Some(ContextModifier::Local));
            self.set_lock_timeout(timeout_enabled(values), local);
        }
    }

    /// `SELECT set_config('lock_timeout', '2s', is_local)`: SET in function form.
    fn set_config(&mut self, piece: &Piece) {
        let tokens = &piece.tokens;
        for (i, located) in tokens.iter().enumerate() {
            let text = |j: usize| tokens.get(i + j).map_or("", |t| t.token.text);
            let names_timeout = located.token.is_word("set_config")
                && text(1) == "("
                && text(2).eq_ignore_ascii_case("'lock_timeout'")
                && text(3) == ",";
            if let Some(value) = tokens
                .get(i + 4)
                .filter(|t| names_timeout && t.token.kind == TokenKind::String)
            {
                let local = tokens.get(i + 6).is_some_and(|t| t.token.is_word("true"));
                self.set_lock_timeout(duration_enabled(value.token.text.trim_matches('\'')), local);
            }
        }
    }

    fn set_lock_timeout(&mut self, enabled: bool, local: bool) {
        if local {
            if self.in_transaction() {
                self.timeout.local = Some(enabled);
            } else {
                self.timeout.ignored_local = Some(self.piece().line);
            }
        } else {
            self.timeout.session = enabled;
            self.timeout.local = None;
        }
        self.timeout.reported = false;
    }

    fn transaction_control(&mut self, message: String, fix: &str) {
        self.emit(Rule::TransactionControl, None, message, fix);
    }

    /// A script without the no-transaction marker runs in one transaction, unless it controls
    /// transactions itself: then it was meant to run as its blocks, and lacks only the marker
    /// (the runner refuses it). It is reported once and read as its author meant it.
    fn transaction_mode(&mut self) {
        if self.script.no_transaction {
            self.wrapped = false;
            return;
        }
        let Some(first) = self
            .script
            .statements
            .iter()
            .position(|p| is_transaction_control(&p.tokens))
        else {
            return;
        };
        self.wrapped = false;
        let line = self.script.statements[first].line;
        self.emit_for(
            first,
            Rule::TransactionControl,
            None,
            format!(
                "this file controls its own transactions (line {line}) but has no `-- migrate:no-transaction` line: the \
                 runner runs the whole file in one transaction, and refuses it"
            ),
            "put `-- migrate:no-transaction` on the first line, so the runner runs its BEGIN ... COMMIT blocks and \
             single statements; or remove the BEGIN and COMMIT statements"
                .to_owned(),
        );
    }

    fn begin(&mut self) {
        if let Some((line, _)) = self.block {
            self.transaction_control(
                format!("BEGIN inside the block opened at line {line}: the runner refuses nested blocks"),
                "end the block with COMMIT before opening another",
            );
        } else {
            self.block = Some((self.piece().line, self.current));
            self.transaction += 1;
        }
    }

    fn commit(&mut self) {
        if self.block.is_none() {
            self.transaction_control(
                "COMMIT without BEGIN: the runner refuses it".to_owned(),
                "remove it, or open the block with BEGIN",
            );
        } else {
            self.end_transaction();
        }
    }

    fn rollback(&mut self) {
        self.transaction_control(
            "ROLLBACK in a migration: the runner refuses it (a failing statement rolls its transaction back by itself)"
                .to_owned(),
            "remove it",
        );
        if self.block.is_some() {
            self.end_transaction();
        }
    }

    fn end_transaction(&mut self) {
        self.block = None;
        if self.timeout.local.take().is_some() {
            self.timeout.reported = false;
        }
        let transaction = self.transaction;
        self.enum_values.retain(|v| v.transaction != transaction);
    }

    fn finish(&mut self) {
        if let Some((line, statement)) = self.block {
            self.emit_for(
                statement,
                Rule::TransactionControl,
                None,
                format!("the BEGIN at line {line} has no COMMIT: the runner refuses the file"),
                "end the block with COMMIT".to_owned(),
            );
        }
        let without_tenant = std::mem::take(&mut self.without_tenant);
        for (statement, table, at) in without_tenant {
            let declared = self
                .options
                .after
                .as_ref()
                .is_some_and(|schema| schema.tables.iter().any(|t| t.name == table));
            if declared || table == TENANT_ROOT || self.tenant_roots.contains(&table) {
                continue;
            }
            self.emit_for(
                statement,
                Rule::MissingOrganizationId,
                at,
                format!(
                    "table {} has no {TENANT_COLUMN} column: its rows belong to no tenant, and row-level security cannot confine them",
                    quoted(&table)
                ),
                format!(
                    "add `{TENANT_COLUMN} uuid NOT NULL REFERENCES {TENANT_ROOT} (id)`; if the table is global by design \
                     (shared reference data), add `-- lint:allow missing-organization-id <why>` above it"
                ),
            );
        }
    }

    /// A statement that cannot run inside a transaction block.
    pub(super) fn non_transactional(&mut self, what: &str) {
        if self.wrapped {
            self.emit(
                Rule::ConcurrentlyInTransaction,
                None,
                format!(
                    "{what} cannot run inside a transaction block, and this file runs in one (it has no `-- migrate:no-transaction` line)"
                ),
                "put the line `-- migrate:no-transaction` at the top of the file, so the runner runs each statement on its own \
                 (wrap the others in BEGIN; ... COMMIT;), or move it into a migration of its own marked that way",
            );
        } else if let Some((line, _)) = self.block {
            self.emit(
                Rule::ConcurrentlyInTransaction,
                None,
                format!("{what} cannot run inside a transaction block, and this one is in the block opened at line {line}"),
                "move it after the block's COMMIT",
            );
        }
    }

    /// A statement that locks `table` (None: a table the script does not name) in `mode`.
    pub(super) fn needs_lock(&mut self, table: Option<&str>, what: &str, mode: LockMode) {
        if table.is_some_and(|t| self.is_new(t)) || self.timeout.on() || self.timeout.reported {
            return;
        }
        let target = table.map_or_else(|| "its table".to_owned(), quoted);
        let mut message = format!(
            "{what} takes a {mode} lock on {target} (blocking {}) and no lock_timeout is set: while it waits behind a long \
             query, every later query on the table queues behind it",
            blocks(mode)
        );
        if let Some(line) = self.timeout.ignored_local {
            message.push_str(&format!(
                " (the SET LOCAL lock_timeout at line {line} ran outside a transaction block and did nothing)"
            ));
        }
        let fix = if !self.wrapped {
            "run `SET lock_timeout = '2s';` before it (SET LOCAL lasts only inside BEGIN ... COMMIT), and retry the migration if it times out"
        } else {
            "start the migration with `SET LOCAL lock_timeout = '2s';`, and retry it if it times out"
        };
        if self.emit(Rule::MissingLockTimeout, None, message, fix) {
            self.timeout.reported = true;
        }
    }

    // ---- tokens ----

    fn long_identifiers(&mut self, piece: &Piece) {
        let mut seen = BTreeSet::new();
        for located in &piece.tokens {
            let token = located.token;
            let Some(name) = token.identifier() else {
                continue;
            };
            if name.len() <= MAX_IDENTIFIER_BYTES || !seen.insert(name.clone()) {
                continue;
            }
            let mut cut = MAX_IDENTIFIER_BYTES;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            let at = self.script.position(piece.start + located.offset);
            self.emit(
                Rule::IdentifierTooLong,
                Some(at),
                format!(
                    "identifier \"{name}\" is {} bytes: Postgres silently truncates names to {MAX_IDENTIFIER_BYTES} bytes, so it becomes \"{}\"",
                    name.len(),
                    &name[..cut]
                ),
                format!("choose a name of at most {MAX_IDENTIFIER_BYTES} bytes"),
            );
        }
    }

    fn enum_value_uses(&mut self, piece: &Piece) {
        let Some(transaction) = self.transaction_id() else {
            return;
        };
        let strings: BTreeSet<&str> = piece
            .tokens
            .iter()
            .filter(|t| t.token.kind == TokenKind::String)
            .map(|t| t.token.text)
            .collect();
        let line = piece.line;
        let mut uses = Vec::new();
        for value in &mut self.enum_values {
            if value.transaction == transaction && !value.reported && strings.contains(value.literal.as_str())
            {
                value.reported = true;
                uses.push((value.statement, value.literal.clone(), value.type_name.clone()));
            }
        }
        for (statement, literal, type_name) in uses {
            self.emit_for(
                statement,
                Rule::ConcurrentlyInTransaction,
                None,
                format!(
                    "enum value {literal} added to type {} is used at line {line} in the same transaction: Postgres refuses \
                     a new enum value until the transaction that added it commits",
                    quoted(&type_name)
                ),
                "add the value in a migration of its own, or in a `-- migrate:no-transaction` file outside BEGIN ... COMMIT, \
                 before the statements that use it"
                    .to_owned(),
            );
        }
    }
}
