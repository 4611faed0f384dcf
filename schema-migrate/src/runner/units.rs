//! The units a non-transactional script runs as, and what kind of statement each single one is:
//! the kind decides how it is recorded so that it runs exactly once.

use crate::error::first_line;
use crate::sql_split::{Token, TokenKind, significant_tokens, split_statements};

/// A unit of a non-transactional script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// The statements between a `BEGIN` and its `COMMIT`, run in one transaction.
    Block(Vec<String>),
    /// One statement, run on its own.
    Single(String),
}

impl Unit {
    pub fn statements(&self) -> &[String] {
        match self {
            Unit::Block(statements) => statements,
            Unit::Single(statement) => std::slice::from_ref(statement),
        }
    }

    /// Only `SET`/`RESET` statements: cheap, and needed by the session for the units after it,
    /// so run again when a migration resumes.
    pub fn only_settings(&self) -> bool {
        let statements = self.statements();
        !statements.is_empty()
            && statements.iter().all(|s| {
                significant_tokens(s)
                    .first()
                    .is_some_and(|t| t.is_word("SET") || t.is_word("RESET"))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Control {
    Begin,
    Commit,
    Rollback,
    None,
}

pub(super) fn control(statement: &str) -> Control {
    let tokens = significant_tokens(statement);
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t: &Token<'_>| t.is_word(w));
    if word(0, "BEGIN") || (word(0, "START") && word(1, "TRANSACTION")) {
        Control::Begin
    } else if (word(0, "COMMIT") && !word(1, "PREPARED")) || word(0, "END") {
        Control::Commit
    } else if (word(0, "ROLLBACK") && !word(1, "TO") && !word(1, "PREPARED")) || word(0, "ABORT") {
        Control::Rollback
    } else {
        Control::None
    }
}

/// Split a non-transactional script into its units.
pub fn units(script: &str) -> Result<Vec<Unit>, String> {
    let mut units = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for statement in split_statements(script) {
        match (control(&statement), block.as_mut()) {
            (Control::Begin, None) => block = Some(Vec::new()),
            (Control::Begin, Some(_)) => {
                return Err(format!(
                    "BEGIN inside a BEGIN ... COMMIT block: {}",
                    first_line(&statement)
                ));
            }
            (Control::Commit, Some(_)) => units.push(Unit::Block(block.take().unwrap_or_default())),
            (Control::Commit, None) => {
                return Err(format!("COMMIT without BEGIN: {}", first_line(&statement)));
            }
            (Control::Rollback, _) => {
                return Err(format!(
                    "a migration script cannot ROLLBACK (a failing statement rolls its block back): {}",
                    first_line(&statement)
                ));
            }
            (Control::None, Some(statements)) => statements.push(statement),
            (Control::None, None) => units.push(Unit::Single(statement)),
        }
    }
    if block.is_some() {
        return Err("BEGIN without COMMIT: end the block with COMMIT".to_owned());
    }
    Ok(units)
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY name ON table ...` builds: its name, and the
/// table as written (for `to_regclass`).
pub fn concurrent_index(statement: &str) -> Option<(String, Option<String>)> {
    let tokens = significant_tokens(statement);
    let mut i = 0;
    let expect = |word: &str, i: &mut usize| {
        let found = tokens.get(*i).is_some_and(|t| t.is_word(word));
        if found {
            *i += 1;
        }
        found
    };
    if !expect("CREATE", &mut i) {
        return None;
    }
    expect("UNIQUE", &mut i);
    if !(expect("INDEX", &mut i) && expect("CONCURRENTLY", &mut i)) {
        return None;
    }
    if expect("IF", &mut i) && !(expect("NOT", &mut i) && expect("EXISTS", &mut i)) {
        return None;
    }
    let name = tokens.get(i)?;
    if name.is_word("ON") {
        // No name: Postgres chooses one, and nothing can be left under it to drop.
        return None;
    }
    let name = identifier(name)?;
    i += 1;
    if !expect("ON", &mut i) {
        return Some((name, None));
    }
    expect("ONLY", &mut i);
    let mut table = String::new();
    while let Some(token) = tokens.get(i) {
        if !matches!(token.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            break;
        }
        table.push_str(token.text);
        i += 1;
        if tokens.get(i).is_some_and(|t| t.text == ".") {
            table.push('.');
            i += 1;
        } else {
            break;
        }
    }
    Some((name, (!table.is_empty()).then_some(table)))
}

/// The name an identifier token stands for: unquoted ones fold to lower case.
fn identifier(token: &Token<'_>) -> Option<String> {
    match token.kind {
        TokenKind::Word => Some(token.text.to_lowercase()),
        TokenKind::QuotedIdent if token.text.len() >= 2 && token.text.ends_with('"') => {
            Some(token.text[1..token.text.len() - 1].replace("\"\"", "\""))
        }
        _ => None,
    }
}

/// What a single statement of a non-transactional script is: it decides how the statement is
/// recorded so that it takes effect exactly once, whatever dies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Can run in a transaction: sent with its bookkeeping in one simple-query message, which
    /// Postgres runs as one implicit transaction, so it is done and recorded, or neither.
    Transactional,
    /// `CREATE [UNIQUE] INDEX CONCURRENTLY name ON table`: done when the index exists and is
    /// valid; an invalid one is a build that did not finish.
    BuildIndex { name: String, table: Option<String> },
    /// `DROP INDEX CONCURRENTLY [IF EXISTS] a, b`: done when none of them exists (names as written).
    DropIndex { names: Vec<String> },
    /// `ALTER TABLE parent DETACH PARTITION part CONCURRENTLY`: done when `part` is no longer
    /// attached; a detach left pending is finished with `FINALIZE`.
    DetachPartition { parent: String, partition: String },
    /// Cannot run in a transaction and has no postcondition the runner reads (`VACUUM`,
    /// `REINDEX ... CONCURRENTLY`, `CREATE DATABASE`, ...): recorded right after it succeeds.
    Outside,
}

/// The kind of a single statement.
pub fn kind(statement: &str) -> Kind {
    let tokens = significant_tokens(statement);
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t: &Token<'_>| t.is_word(w));
    let has = |w: &str| tokens.iter().any(|t| t.is_word(w));
    if word(0, "CREATE")
        && (word(1, "INDEX") || (word(1, "UNIQUE") && word(2, "INDEX")))
        && has("CONCURRENTLY")
    {
        return match concurrent_index(statement) {
            Some((name, table)) => Kind::BuildIndex { name, table },
            None => Kind::Outside,
        };
    }
    if word(0, "DROP") && word(1, "INDEX") && word(2, "CONCURRENTLY") {
        let mut i = 3;
        if word(3, "IF") && word(4, "EXISTS") {
            i = 5;
        }
        let mut names = Vec::new();
        while let Some((name, next)) = qualified_name(&tokens, i) {
            names.push(name);
            if tokens.get(next).is_some_and(|t| t.text == ",") {
                i = next + 1;
            } else {
                break;
            }
        }
        return if names.is_empty() {
            Kind::Outside
        } else {
            Kind::DropIndex { names }
        };
    }
    if word(0, "ALTER") && word(1, "TABLE") && has("DETACH") && has("CONCURRENTLY") {
        let mut i = 2;
        if word(i, "IF") && word(i + 1, "EXISTS") {
            i += 2;
        }
        if word(i, "ONLY") {
            i += 1;
        }
        if let Some((parent, next)) = qualified_name(&tokens, i)
            && word(next, "DETACH")
            && word(next + 1, "PARTITION")
            && let Some((partition, _)) = qualified_name(&tokens, next + 2)
        {
            return Kind::DetachPartition { parent, partition };
        }
        return Kind::Outside;
    }
    let outside = word(0, "VACUUM")
        || (word(0, "REINDEX") && (has("CONCURRENTLY") || word(1, "DATABASE") || word(1, "SYSTEM")))
        || (word(0, "CLUSTER") && tokens.len() == 1)
        || ((word(0, "CREATE") || word(0, "DROP"))
            && (word(1, "DATABASE") || word(1, "TABLESPACE") || word(1, "SUBSCRIPTION")))
        || (word(0, "ALTER") && word(1, "SYSTEM"))
        || (word(0, "ALTER") && word(1, "SUBSCRIPTION"))
        || (word(0, "ALTER") && word(1, "TABLE") && has("DETACH") && has("FINALIZE"));
    if outside {
        Kind::Outside
    } else {
        Kind::Transactional
    }
}

/// A possibly qualified name starting at token `i`, as written (`s."T"`), and the index after it.
fn qualified_name(tokens: &[Token<'_>], mut i: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    while let Some(token) = tokens.get(i) {
        if !matches!(token.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            break;
        }
        name.push_str(token.text);
        i += 1;
        if tokens.get(i).is_some_and(|t| t.text == ".") {
            name.push('.');
            i += 1;
        } else {
            break;
        }
    }
    (!name.is_empty() && !name.ends_with('.')).then_some((name, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_units() {
        let script = "-- migrate:no-transaction\nSET lock_timeout = '1s';\nBEGIN;\nCREATE TABLE a ();\nCREATE TABLE b ();\nCOMMIT;\n\
                      CREATE INDEX CONCURRENTLY i ON a ((1));\nRESET lock_timeout;";
        let units = units(script).unwrap();
        assert_eq!(units.len(), 4);
        assert!(units[0].only_settings());
        assert_eq!(
            units[1],
            Unit::Block(vec![
                "CREATE TABLE a ()".to_owned(),
                "CREATE TABLE b ()".to_owned()
            ])
        );
        assert!(!units[1].only_settings());
        assert_eq!(
            units[2],
            Unit::Single("CREATE INDEX CONCURRENTLY i ON a ((1))".to_owned())
        );
        assert!(units[3].only_settings());
    }

    #[test]
    fn refuses_unbalanced_blocks() {
        assert!(units("BEGIN; SELECT 1;").unwrap_err().contains("without COMMIT"));
        assert!(units("SELECT 1; COMMIT;").unwrap_err().contains("without BEGIN"));
        assert!(units("BEGIN; BEGIN; COMMIT;").unwrap_err().contains("inside"));
        assert!(units("BEGIN; ROLLBACK;").unwrap_err().contains("ROLLBACK"));
        assert_eq!(
            units("start transaction; savepoint s; rollback to s; end;").unwrap(),
            [Unit::Block(vec![
                "savepoint s".to_owned(),
                "rollback to s".to_owned()
            ])]
        );
    }

    #[test]
    fn finds_concurrent_index_builds() {
        assert_eq!(
            concurrent_index("CREATE INDEX CONCURRENTLY Users_Email ON public.users (email)"),
            Some(("users_email".to_owned(), Some("public.users".to_owned())))
        );
        assert_eq!(
            concurrent_index(
                "-- c\ncreate unique index concurrently if not exists \"A b\" on only \"T\" using btree (x)"
            ),
            Some(("A b".to_owned(), Some("\"T\"".to_owned())))
        );
        assert_eq!(concurrent_index("CREATE INDEX CONCURRENTLY ON t (a)"), None);
        assert_eq!(concurrent_index("CREATE INDEX i ON t (a)"), None);
        assert_eq!(concurrent_index("DROP INDEX CONCURRENTLY i"), None);
    }

    #[test]
    fn classifies_transaction_control() {
        assert_eq!(control("BEGIN"), Control::Begin);
        assert_eq!(control("begin isolation level serializable"), Control::Begin);
        assert_eq!(control("START TRANSACTION"), Control::Begin);
        assert_eq!(control("COMMIT"), Control::Commit);
        assert_eq!(control("end"), Control::Commit);
        assert_eq!(control("ROLLBACK"), Control::Rollback);
        assert_eq!(control("ROLLBACK TO SAVEPOINT s"), Control::None);
        assert_eq!(
            control("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END"),
            Control::None
        );
        assert_eq!(control("COMMIT PREPARED 'x'"), Control::None);
    }

    #[test]
    fn tells_the_kind_of_a_statement() {
        assert_eq!(kind("UPDATE t SET n = n + 1"), Kind::Transactional);
        assert_eq!(kind("ALTER TYPE e ADD VALUE 'x'"), Kind::Transactional);
        assert_eq!(kind("CREATE INDEX i ON t (a)"), Kind::Transactional);
        assert_eq!(
            kind("create unique index concurrently i on s.t (a)"),
            Kind::BuildIndex {
                name: "i".to_owned(),
                table: Some("s.t".to_owned())
            }
        );
        assert_eq!(kind("CREATE INDEX CONCURRENTLY ON t (a)"), Kind::Outside);
        assert_eq!(
            kind("DROP INDEX CONCURRENTLY IF EXISTS public.\"A\", b"),
            Kind::DropIndex {
                names: vec!["public.\"A\"".to_owned(), "b".to_owned()]
            }
        );
        assert_eq!(
            kind("ALTER TABLE ONLY events DETACH PARTITION events_2020 CONCURRENTLY"),
            Kind::DetachPartition {
                parent: "events".to_owned(),
                partition: "events_2020".to_owned()
            }
        );
        assert_eq!(
            kind("ALTER TABLE events DETACH PARTITION events_2020 FINALIZE"),
            Kind::Outside
        );
        assert_eq!(kind("VACUUM ANALYZE t"), Kind::Outside);
        assert_eq!(kind("REINDEX INDEX CONCURRENTLY i"), Kind::Outside);
        assert_eq!(kind("REINDEX TABLE t"), Kind::Transactional);
        assert_eq!(kind("CREATE DATABASE x"), Kind::Outside);
    }
}
