//! Parsing a statement, and what to do when the parser cannot.
//!
//! `sqlparser` does not know every form of Postgres' grammar (`DROP INDEX CONCURRENTLY`,
//! `REINDEX`, `DO`, `ALTER COLUMN ... SET STATISTICS`, ...). So a statement it rejects is not
//! reported at once: clauses that no rule cares about are blanked out and it is parsed again; an
//! `ALTER TABLE` is parsed action by action; statements the rules need only their first words of
//! are read from their tokens. What remains is a parse error, with what the tokens still tell
//! (the table a `CREATE TABLE` creates), so one unreadable statement does not cause false
//! findings on the next ones.

use std::panic::{AssertUnwindSafe, catch_unwind};

use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};

use super::source::{Located, Piece};
use crate::sql_split::TokenKind;

/// A parse failure, positioned in the statement text (1-based line and column) when the parser
/// said where.
#[derive(Debug, Clone)]
pub(super) struct ParseFailure {
    pub message: String,
    pub at: Option<(usize, usize)>,
}

/// What the tokens of a statement the parser could not read (fully) tell the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Known {
    /// A statement no rule has anything to say about (`DO`, `COMMENT ON CONSTRAINT`, `GRANT`).
    Harmless,
    /// A statement that cannot run inside a transaction block; `locks` when it also takes a
    /// strong lock on the table (`VACUUM FULL`).
    NonTransactional { what: String, locks: bool },
    /// A statement that takes a strong lock: `REINDEX`, `CLUSTER`, `ALTER TABLE` actions read
    /// from tokens. `table` when known; `index` for `REINDEX INDEX`.
    Locks {
        what: String,
        table: Option<String>,
        index: Option<String>,
    },
    /// A `CREATE TABLE` the parser could not read: the table is new all the same.
    CreatesTable(String),
    /// A `CREATE INDEX` the parser could not read.
    CreatesIndex { table: String, concurrently: bool },
}

/// A statement as the rules receive it.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub statements: Vec<Statement>,
    pub known: Vec<Known>,
    pub errors: Vec<ParseFailure>,
    /// `CREATE INDEX ... ON ONLY t`: the partitioned index alone, which builds nothing (the
    /// partitions' indexes are built `CONCURRENTLY` and attached).
    pub on_only: bool,
}

fn parse_sql(sql: &str) -> Result<Vec<Statement>, ParseFailure> {
    guarded(|| Parser::parse_sql(&PostgreSqlDialect {}, sql))
}

/// One SQL expression (a check of a snapshot, say); `None` when it does not parse.
pub(super) fn parse_expression(sql: &str) -> Option<Expr> {
    guarded(|| Parser::new(&PostgreSqlDialect {}).try_with_sql(sql)?.parse_expr()).ok()
}

/// Run the parser. It is a dependency: a bug in it must not take the lint down.
fn guarded<T>(parse: impl FnOnce() -> Result<T, ParserError>) -> Result<T, ParseFailure> {
    match catch_unwind(AssertUnwindSafe(parse)) {
        Ok(Ok(parsed)) => Ok(parsed),
        Ok(Err(error)) => Err(failure(error)),
        Err(_) => Err(ParseFailure {
            message: "the SQL parser failed on this statement".to_owned(),
            at: None,
        }),
    }
}

/// The parser's message without its position, and the position.
fn failure(error: ParserError) -> ParseFailure {
    let message = match error {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m,
        ParserError::RecursionLimitExceeded => "the statement is nested too deeply".to_owned(),
    };
    let (message, at) = match message.rsplit_once(" at Line: ") {
        Some((text, position)) => {
            let mut numbers = position
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .filter_map(|n| n.parse::<usize>().ok());
            let at = numbers.next().zip(numbers.next());
            (text.to_owned(), at)
        }
        None => (message, None),
    };
    ParseFailure { message, at }
}

/// Parse a statement of a script.
pub(super) fn parse(piece: &Piece) -> Parsed {
    let words = Words::new(&piece.tokens);
    let is_index = words.at(0, "CREATE") && (words.at(1, "INDEX") || words.at(2, "INDEX"));
    let on_only = is_index && (1..words.len()).any(|i| words.at(i - 1, "ON") && words.at(i, "ONLY"));
    Parsed {
        on_only,
        ..parse_statement(piece)
    }
}

fn parse_statement(piece: &Piece) -> Parsed {
    let error = match parse_sql(piece.text) {
        Ok(statements) => {
            return Parsed {
                statements,
                ..Parsed::default()
            };
        }
        Err(error) => error,
    };
    let words = Words::new(&piece.tokens);
    if let Some(known) = known_statement(&words) {
        return Parsed {
            known: vec![known],
            ..Parsed::default()
        };
    }
    let repairs = repair_mask(&piece.tokens);
    if repairs.contains(&true)
        && let Ok(statements) = parse_sql(&blanked(piece.text, &piece.tokens, |i| repairs[i]))
    {
        return Parsed {
            statements,
            ..Parsed::default()
        };
    }
    if words.at(0, "ALTER") && words.at(1, "TABLE") {
        return alter_table_by_action(piece, error);
    }
    Parsed {
        known: created_object(&words).into_iter().collect(),
        errors: vec![error],
        ..Parsed::default()
    }
}

/// The statement's text with the tokens in `blank` replaced by spaces (newlines kept, so lines
/// and columns stay where they were).
fn blanked(text: &str, tokens: &[Located], blank: impl Fn(usize) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (i, located) in tokens.iter().enumerate() {
        if !blank(i) {
            continue;
        }
        let end = located.offset + located.token.text.len();
        out.push_str(&text[done..located.offset]);
        out.extend(
            located
                .token
                .text
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// The tokens to blank out because the parser does not know them and no rule needs them:
/// `COLLATE name`, the `ONLY` of `CREATE INDEX ... ON ONLY`, an index's `TABLESPACE name`, the
/// (string) arguments of a trigger's function, the column list of `ON DELETE SET NULL (a)`.
fn repair_mask(tokens: &[Located]) -> Vec<bool> {
    let words = Words::new(tokens);
    let is_index = words.at(0, "CREATE") && (words.at(1, "INDEX") || words.at(2, "INDEX"));
    let is_trigger = words.at(0, "CREATE") && (1..5).any(|i| words.at(i, "TRIGGER"));
    let mut blank = vec![false; tokens.len()];
    if is_trigger && let Some(execute) = (0..tokens.len()).find(|&i| words.at(i, "EXECUTE")) {
        let open = words.skip_name(execute + 2);
        if words.at(open, "(") {
            let close = words.after_parens(open) - 1;
            for flag in blank.iter_mut().take(close).skip(open + 1) {
                *flag = true;
            }
        }
    }
    for i in 0..tokens.len() {
        if words.at(i, "COLLATE") || (is_index && words.at(i, "TABLESPACE")) {
            blank[i] = true;
            if let Some(next) = blank.get_mut(i + 1) {
                *next = true;
            }
        } else if is_index && words.at(i, "ONLY") && i > 0 && words.at(i - 1, "ON") {
            blank[i] = true;
        } else if words.at(i, "(")
            && i >= 3
            && words.at(i - 3, "DELETE")
            && words.at(i - 2, "SET")
            && (words.at(i - 1, "NULL") || words.at(i - 1, "DEFAULT"))
        {
            let close = words.after_parens(i);
            for flag in blank.iter_mut().take(close).skip(i) {
                *flag = true;
            }
        }
    }
    blank
}

/// Statements recognised by their first words, which the parser does not know.
fn known_statement(words: &Words) -> Option<Known> {
    let first = |list: &[&str]| list.iter().enumerate().all(|(i, w)| words.at(i, w));
    let non_transactional = |what: &str| Known::NonTransactional {
        what: what.to_owned(),
        locks: false,
    };
    if first(&["VACUUM"]) {
        let full = words.contains("FULL");
        return Some(Known::NonTransactional {
            what: if full { "VACUUM FULL" } else { "VACUUM" }.to_owned(),
            locks: full,
        });
    }
    if first(&["REINDEX"]) {
        let mut i = 1;
        if words.at(i, "(") {
            i = words.after_parens(i);
        }
        let kind = words.word(i).unwrap_or_default();
        let concurrently = words.at(i + 1, "CONCURRENTLY");
        let name = words.name_at(i + 1 + usize::from(concurrently));
        if concurrently || matches!(kind.as_str(), "schema" | "database" | "system") {
            return Some(non_transactional(&format!(
                "REINDEX {}{}",
                kind.to_uppercase(),
                if concurrently { " CONCURRENTLY" } else { "" }
            )));
        }
        return Some(Known::Locks {
            what: format!("REINDEX {}", kind.to_uppercase()),
            table: (kind == "table").then(|| name.clone()).flatten(),
            index: (kind == "index").then_some(name).flatten(),
        });
    }
    if first(&["CLUSTER"]) {
        let mut i = 1;
        if words.at(i, "(") {
            i = words.after_parens(i);
        }
        if words.at(i, "VERBOSE") {
            i += 1;
        }
        return Some(match words.name_at(i) {
            Some(table) => Known::Locks {
                what: "CLUSTER".to_owned(),
                table: Some(table),
                index: None,
            },
            None => non_transactional("CLUSTER without a table"),
        });
    }
    // `ALTER INDEX parent ATTACH PARTITION child`: a catalog change, both indexes are built.
    if first(&["ALTER", "INDEX"])
        && (2..words.len()).any(|i| words.at(i - 1, "ATTACH") && words.at(i, "PARTITION"))
    {
        return Some(Known::Harmless);
    }
    if first(&["DROP", "INDEX", "CONCURRENTLY"]) {
        return Some(non_transactional("DROP INDEX CONCURRENTLY"));
    }
    for what in [
        ["CREATE", "DATABASE"],
        ["DROP", "DATABASE"],
        ["CREATE", "TABLESPACE"],
        ["DROP", "TABLESPACE"],
        ["ALTER", "SYSTEM"],
    ] {
        if first(&what) {
            return Some(non_transactional(&what.join(" ")));
        }
    }
    const HARMLESS: &[&[&str]] = &[
        &["DO"],
        &["COMMENT"],
        &["SECURITY", "LABEL"],
        &["GRANT"],
        &["REVOKE"],
        &["ANALYZE"],
        &["ANALYSE"],
        &["CHECKPOINT"],
        &["DISCARD"],
        &["LISTEN"],
        &["NOTIFY"],
        &["UNLISTEN"],
        &["SHOW"],
        &["SET"],
        &["RESET"],
        &["REFRESH", "MATERIALIZED"],
        &["ALTER", "SEQUENCE"],
        &["ALTER", "DOMAIN"],
        &["CREATE", "DOMAIN"],
        &["ALTER", "DATABASE"],
        &["ALTER", "ROLE"],
        &["ALTER", "USER"],
        &["ALTER", "GROUP"],
        &["ALTER", "DEFAULT", "PRIVILEGES"],
        &["ALTER", "EXTENSION"],
        &["ALTER", "FUNCTION"],
        &["ALTER", "PROCEDURE"],
        &["ALTER", "ROUTINE"],
        &["ALTER", "AGGREGATE"],
        &["ALTER", "SCHEMA"],
        &["ALTER", "VIEW"],
        &["ALTER", "MATERIALIZED", "VIEW"],
        &["ALTER", "TYPE"],
        &["ALTER", "STATISTICS"],
        &["ALTER", "PUBLICATION"],
        &["CREATE", "STATISTICS"],
        &["DROP", "STATISTICS"],
        &["CREATE", "CAST"],
        &["DROP", "CAST"],
        &["CREATE", "PUBLICATION"],
        &["DROP", "PUBLICATION"],
        &["CREATE", "EVENT", "TRIGGER"],
        &["CREATE", "TEXT", "SEARCH"],
        &["IMPORT", "FOREIGN", "SCHEMA"],
    ];
    // Objects no rule is about, which lock no table: `CREATE [OR REPLACE] FUNCTION ...`.
    const OBJECTS: &[&str] = &[
        "FUNCTION",
        "PROCEDURE",
        "TYPE",
        "VIEW",
        "MATERIALIZED",
        "SEQUENCE",
        "EXTENSION",
        "SCHEMA",
        "AGGREGATE",
        "OPERATOR",
        "COLLATION",
        "LANGUAGE",
    ];
    let object = if words.at(1, "OR") && words.at(2, "REPLACE") {
        3
    } else {
        1
    };
    let creates_object = words.at(0, "CREATE") && OBJECTS.iter().any(|w| words.at(object, w));
    (creates_object || HARMLESS.iter().any(|words| first(words))).then_some(Known::Harmless)
}

/// What a `CREATE TABLE` or `CREATE INDEX` the parser could not read creates.
fn created_object(words: &Words) -> Option<Known> {
    if !words.at(0, "CREATE") {
        return None;
    }
    let mut i = 1;
    while ["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED", "UNIQUE"]
        .iter()
        .any(|w| words.at(i, w))
    {
        i += 1;
    }
    if words.at(i, "TABLE") {
        i += 1;
        if words.at(i, "IF") {
            i += 3;
        }
        return words.name_at(i).map(Known::CreatesTable);
    }
    if !words.at(i, "INDEX") {
        return None;
    }
    let on = (i..words.len()).find(|&j| words.at(j, "ON"))?;
    let only = usize::from(words.at(on + 1, "ONLY"));
    Some(Known::CreatesIndex {
        table: words.name_at(on + 1 + only)?,
        concurrently: words.at(i + 1, "CONCURRENTLY"),
    })
}

/// `ALTER TABLE name a, b, c` the parser rejected: each action parsed on its own (the others
/// blanked out), actions it does not know read from their first words.
fn alter_table_by_action(piece: &Piece, whole: ParseFailure) -> Parsed {
    let tokens = &piece.tokens;
    let words = Words::new(tokens);
    let mut i = 2;
    if words.at(i, "IF") && words.at(i + 1, "EXISTS") {
        i += 2;
    }
    if words.at(i, "ONLY") {
        i += 1;
    }
    let Some(table) = words.name_at(i) else {
        return Parsed {
            errors: vec![whole],
            ..Parsed::default()
        };
    };
    let mut start = words.skip_name(i);
    if words.at(start, "*") {
        start += 1;
    }
    let repairs = repair_mask(tokens);
    let mut parsed = Parsed::default();
    let mut base: Option<Statement> = None;
    for (from, to) in words.split_top_level(start, ",") {
        let keep = |j: usize| (j < start || (from..to).contains(&j)) && !repairs[j];
        let text = blanked(piece.text, tokens, |j| !keep(j));
        match parse_sql(&text) {
            Ok(mut statements) => match (&mut base, statements.pop()) {
                (Some(Statement::AlterTable(all)), Some(Statement::AlterTable(one))) => {
                    all.operations.extend(one.operations);
                }
                (None, Some(statement)) => base = Some(statement),
                _ => {}
            },
            Err(error) => match known_action(&Words::new(&tokens[from..to])) {
                Some(true) => parsed.known.push(Known::Locks {
                    what: "ALTER TABLE".to_owned(),
                    table: Some(table.clone()),
                    index: None,
                }),
                Some(false) => parsed.known.push(Known::Harmless),
                None => parsed.errors.push(error),
            },
        }
    }
    parsed.statements.extend(base);
    parsed
}

/// An `ALTER TABLE` action the parser does not know but that no rule is about, and whether it
/// takes a lock that blocks reads or writes (all but `SET STATISTICS`, `CLUSTER ON` and
/// `SET WITHOUT CLUSTER`, which take SHARE UPDATE EXCLUSIVE).
fn known_action(words: &Words) -> Option<bool> {
    let mut i = 0;
    if words.at(0, "ALTER") && !words.at(1, "CONSTRAINT") {
        i = 1 + usize::from(words.at(1, "COLUMN"));
        i = words.skip_name(i);
        let weak = words.at(i, "SET") && words.at(i + 1, "STATISTICS");
        let known = weak
            || (words.at(i, "SET")
                && [
                    "STORAGE",
                    "COMPRESSION",
                    "(",
                    "GENERATED",
                    "INCREMENT",
                    "START",
                    "MAXVALUE",
                    "MINVALUE",
                ]
                .iter()
                .any(|w| words.at(i + 1, w)))
            || words.at(i, "RESET")
            || words.at(i, "RESTART")
            || (words.at(i, "DROP") && (words.at(i + 1, "IDENTITY") || words.at(i + 1, "EXPRESSION")));
        return known.then_some(!weak);
    }
    let weak = (words.at(i, "CLUSTER") && words.at(i + 1, "ON"))
        || (words.at(i, "SET") && words.at(i + 1, "WITHOUT") && words.at(i + 2, "CLUSTER"));
    let known = weak
        || [
            &["SET", "SCHEMA"][..],
            &["SET", "TABLESPACE"],
            &["SET", "ACCESS", "METHOD"],
            &["SET", "WITHOUT", "OIDS"],
            &["SET", "("],
            &["RESET", "("],
            &["OWNER", "TO"],
            &["INHERIT"],
            &["NO", "INHERIT"],
            &["OF"],
            &["NOT", "OF"],
            &["ALTER", "CONSTRAINT"],
            &["ENABLE"],
            &["DISABLE"],
            &["REPLICA", "IDENTITY"],
            &["ATTACH", "PARTITION"],
            &["DETACH", "PARTITION"],
        ]
        .iter()
        .any(|form| form.iter().enumerate().all(|(j, w)| words.at(i + j, w)));
    known.then_some(!weak)
}

/// Reading a statement's significant tokens by position.
pub(super) struct Words<'t, 'a> {
    tokens: &'t [Located<'a>],
}

impl<'t, 'a> Words<'t, 'a> {
    pub fn new(tokens: &'t [Located<'a>]) -> Self {
        Words { tokens }
    }

    fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether token `i` is the keyword (case-insensitive) or punctuation `word`.
    pub fn at(&self, i: usize, word: &str) -> bool {
        self.tokens.get(i).is_some_and(|t| match t.token.kind {
            TokenKind::Word => t.token.text.eq_ignore_ascii_case(word),
            TokenKind::Other | TokenKind::OpenParen | TokenKind::CloseParen => t.token.text == word,
            _ => false,
        })
    }

    /// Token `i` as a lower-case word.
    fn word(&self, i: usize) -> Option<String> {
        self.tokens
            .get(i)
            .filter(|t| t.token.kind == TokenKind::Word)
            .map(|t| t.token.text.to_lowercase())
    }

    /// The identifier token `i` names (unquoted ones fold to lower case).
    fn ident(&self, i: usize) -> Option<String> {
        self.tokens.get(i)?.token.identifier()
    }

    /// The (qualified) name starting at token `i`, `public.` dropped.
    pub fn name_at(&self, i: usize) -> Option<String> {
        let mut parts = vec![self.ident(i)?];
        let mut j = i + 1;
        while self.at(j, ".") {
            parts.push(self.ident(j + 1)?);
            j += 2;
        }
        if parts.len() == 2 && parts[0] == "public" {
            parts.remove(0);
        }
        Some(parts.join("."))
    }

    /// The token after the name starting at `i`.
    fn skip_name(&self, i: usize) -> usize {
        let mut j = i + 1;
        while self.at(j, ".") {
            j += 2;
        }
        j
    }

    /// The token after the parenthesised group opening at `i`.
    fn after_parens(&self, i: usize) -> usize {
        let mut depth = 0usize;
        for (j, t) in self.tokens.iter().enumerate().skip(i) {
            match t.token.kind {
                TokenKind::OpenParen => depth += 1,
                TokenKind::CloseParen => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return j + 1;
                    }
                }
                _ => {}
            }
        }
        self.tokens.len()
    }

    /// Whether any token is `word`.
    fn contains(&self, word: &str) -> bool {
        (0..self.tokens.len()).any(|i| self.at(i, word))
    }

    /// The ranges of tokens from `start` separated by top-level `separator`.
    fn split_top_level(&self, start: usize, separator: &str) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        let mut depth = 0usize;
        let mut from = start;
        for (j, t) in self.tokens.iter().enumerate().skip(start) {
            match t.token.kind {
                TokenKind::OpenParen => depth += 1,
                TokenKind::CloseParen => depth = depth.saturating_sub(1),
                _ if depth == 0 && self.at(j, separator) => {
                    ranges.push((from, j));
                    from = j + 1;
                }
                _ => {}
            }
        }
        if from < self.tokens.len() {
            ranges.push((from, self.tokens.len()));
        }
        ranges
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::Script;
    use super::*;

    fn parsed(sql: &str) -> Parsed {
        let script = Script::new(sql);
        parse(&script.statements[0])
    }

    #[test]
    fn known_statements_are_not_errors() {
        for sql in [
            "DO $$ BEGIN PERFORM 1; END $$",
            "COMMENT ON CONSTRAINT c ON t IS 'x'",
            "ALTER SEQUENCE s RESTART WITH 10",
        ] {
            let p = parsed(sql);
            assert_eq!(p.known, [Known::Harmless], "{sql}");
            assert!(p.errors.is_empty(), "{sql}");
        }
        assert!(matches!(
            &parsed("DROP INDEX CONCURRENTLY IF EXISTS i").known[..],
            [Known::NonTransactional { what, .. }] if what == "DROP INDEX CONCURRENTLY"
        ));
        assert!(matches!(
            &parsed("REINDEX TABLE public.\"T\"").known[..],
            [Known::Locks { table: Some(t), .. }] if t == "T"
        ));
        assert!(matches!(
            &parsed("VACUUM (FULL, ANALYZE) t").known[..],
            [Known::NonTransactional { locks: true, .. }]
        ));
    }

    #[test]
    fn repairs_keep_positions() {
        let p = parsed("CREATE INDEX CONCURRENTLY i ON ONLY t (a) TABLESPACE fast");
        assert!(matches!(&p.statements[..], [Statement::CreateIndex(i)] if i.concurrently));
        let p = parsed("ALTER TABLE t ALTER COLUMN c TYPE text COLLATE \"C\"");
        assert_eq!(p.statements.len(), 1);
        let p = parsed(
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (o, a) REFERENCES u (o, id) ON DELETE SET NULL (a) NOT VALID",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.statements.len(), 1);
    }

    #[test]
    fn alter_table_is_read_action_by_action() {
        let p = parsed(
            "ALTER TABLE t ALTER COLUMN a SET STATISTICS 100,\n  DROP COLUMN b, ALTER COLUMN c SET NOT NULL",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let Some(Statement::AlterTable(alter)) = p.statements.first() else {
            panic!("{p:?}")
        };
        assert_eq!(alter.operations.len(), 2);
        assert_eq!(p.known.len(), 1);

        let p = parsed("ALTER TABLE t FROBNICATE a, DROP COLUMN b");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.statements.len(), 1);
    }

    #[test]
    fn errors_keep_what_tokens_tell() {
        let p = parsed("CREATE TABLE t (LIKE u INCLUDING ALL, x int)");
        assert_eq!(p.known, [Known::CreatesTable("t".into())]);
        assert_eq!(p.errors.len(), 1);
        let p = parsed("SELEC 1");
        assert!(p.known.is_empty());
        assert_eq!(p.errors[0].at, Some((1, 1)));
    }
}
