//! Split an SQL script into statements, the way `psql` does.
//!
//! A statement ends at a `;` at the top level. A `;` does not end a statement inside:
//! - a string: `'...'` (with `''` escapes), `E'...'` (also with backslash escapes), and the
//!   `U&'...'` and `B'...'`/`X'...'` forms, which lex as plain strings;
//! - a quoted identifier: `"..."` (with `""` escapes);
//! - a dollar-quoted string: `$$...$$` or `$tag$...$tag$`;
//! - a comment: `-- ...` to the end of the line, or `/* ... */`, which nests;
//! - parentheses;
//! - the `BEGIN ... END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies,
//!   `BEGIN ATOMIC ... END`), found with psql's own heuristic.
//!
//! Statements are returned trimmed and without their `;`. Comments are kept: a comment before a
//! statement (after the previous `;`) stays part of that statement, so error messages show it.
//! A piece that holds only comments and whitespace (a comment after the last statement, `;;`) is
//! dropped. Unterminated strings, identifiers and comments run to the end of the script (the
//! server reports the error when the statement runs).

/// What a token of SQL is, as far as splitting and classifying statements needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Whitespace,
    /// `-- ...` up to (not including) the end of the line.
    LineComment,
    /// `/* ... */`, nested comments included.
    BlockComment,
    /// A string constant of any form: `'..'`, `E'..'`, `$tag$..$tag$`.
    String,
    /// `"..."`.
    QuotedIdent,
    /// A keyword or unquoted identifier.
    Word,
    /// A number, a positional parameter (`$1`), an operator or any other character.
    Other,
    Semicolon,
    OpenParen,
    CloseParen,
}

/// One token: its kind and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
}

impl Token<'_> {
    /// Whitespace or a comment: nothing the server executes.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }

    /// Whether this is the keyword `word` (case-insensitive).
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(word)
    }

    /// The name an identifier token stands for: unquoted ones fold to lower case, quoted ones lose
    /// their quotes (an unterminated one runs to the end of the text).
    pub fn identifier(&self) -> Option<String> {
        match self.kind {
            TokenKind::Word => Some(self.text.to_lowercase()),
            TokenKind::QuotedIdent => {
                let inner = self.text.strip_prefix('"').unwrap_or(self.text);
                Some(inner.strip_suffix('"').unwrap_or(inner).replace("\"\"", "\""))
            }
            _ => None,
        }
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Split `sql` into tokens. Concatenating the texts gives `sql` back.
pub fn tokenize(sql: &str) -> Vec<Token<'_>> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let kind = if b.is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            TokenKind::Whitespace
        } else if b == b'-' && next == Some(b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            TokenKind::LineComment
        } else if b == b'/' && next == Some(b'*') {
            i = block_comment_end(bytes, i);
            TokenKind::BlockComment
        } else if b == b'\'' {
            i = quoted_end(bytes, i + 1, b'\'', false);
            TokenKind::String
        } else if (b == b'e' || b == b'E') && next == Some(b'\'') {
            i = quoted_end(bytes, i + 2, b'\'', true);
            TokenKind::String
        } else if b == b'"' {
            i = quoted_end(bytes, i + 1, b'"', false);
            TokenKind::QuotedIdent
        } else if b == b'$' {
            match dollar_tag_len(bytes, i) {
                Some(tag_len) => {
                    let tag = &bytes[i..i + tag_len];
                    i = find(bytes, i + tag_len, tag).map_or(bytes.len(), |end| end + tag_len);
                    TokenKind::String
                }
                None => {
                    // A positional parameter `$1`, or a stray `$`.
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    TokenKind::Other
                }
            }
        } else if is_ident_start(b) {
            while i < bytes.len() && is_ident_char(bytes[i]) {
                i += 1;
            }
            TokenKind::Word
        } else if b.is_ascii_digit() {
            // A number; identifier characters directly after it belong to it (`1e5`, `0x1F`), so
            // that a `$` in them does not start a dollar quote.
            while i < bytes.len() && (is_ident_char(bytes[i]) || bytes[i] == b'.') {
                i += 1;
            }
            TokenKind::Other
        } else {
            i += 1;
            match b {
                b';' => TokenKind::Semicolon,
                b'(' => TokenKind::OpenParen,
                b')' => TokenKind::CloseParen,
                _ => TokenKind::Other,
            }
        };
        tokens.push(Token {
            kind,
            text: &sql[start..i],
        });
    }
    tokens
}

/// The end (exclusive) of the block comment starting at `start`, nested comments included.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The end (exclusive) of a quoted token whose content starts at `i`: the closing `quote`, where a
/// doubled quote is an escaped one and, with `backslash`, `\` escapes the next character.
fn quoted_end(bytes: &[u8], mut i: usize, quote: u8, backslash: bool) -> usize {
    while i < bytes.len() {
        let b = bytes[i];
        if backslash && b == b'\\' {
            i += 2;
        } else if b == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The length of the dollar-quote opening tag (`$$` or `$tag$`) at `i`, if there is one.
fn dollar_tag_len(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if j < bytes.len() && is_ident_start(bytes[j]) {
        while j < bytes.len() && is_ident_char(bytes[j]) && bytes[j] != b'$' {
            j += 1;
        }
    }
    (bytes.get(j) == Some(&b'$')).then_some(j + 1 - i)
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|p| from + p)
}

/// Tracks psql's heuristic for the bodies of `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN
/// ... END`, in which `;` does not end the statement.
#[derive(Default)]
struct BodyTracker {
    /// The first letters of the statement's first words, when they are among CREATE, OR,
    /// REPLACE, FUNCTION and PROCEDURE.
    first: [u8; 4],
    words: usize,
    begin_depth: usize,
}

impl BodyTracker {
    fn word(&mut self, word: &str, paren_depth: usize) {
        let lower = word.to_ascii_lowercase();
        if self.words < self.first.len()
            && matches!(
                lower.as_str(),
                "create" | "or" | "replace" | "function" | "procedure"
            )
        {
            self.first[self.words] = lower.as_bytes()[0];
        }
        self.words += 1;
        let f = self.first;
        let is_routine = f[0] == b'c'
            && (f[1] == b'f'
                || f[1] == b'p'
                || (f[1] == b'o' && f[2] == b'r' && (f[3] == b'f' || f[3] == b'p')));
        if !is_routine || paren_depth > 0 {
            return;
        }
        match lower.as_str() {
            "begin" => self.begin_depth += 1,
            // CASE also ends with END; it only matters inside a body.
            "case" if self.begin_depth > 0 => self.begin_depth += 1,
            "end" => self.begin_depth = self.begin_depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// Split an SQL script into its statements: trimmed, without the final `;`, comment-only pieces
/// dropped (see the module documentation).
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    let mut has_code = false;
    let mut paren_depth = 0usize;
    let mut body = BodyTracker::default();
    for token in tokenize(sql) {
        let token_start = offset;
        offset += token.text.len();
        match token.kind {
            TokenKind::Semicolon if paren_depth == 0 && body.begin_depth == 0 => {
                if has_code {
                    statements.push(sql[start..token_start].trim().to_owned());
                }
                start = offset;
                has_code = false;
                body = BodyTracker::default();
                continue;
            }
            TokenKind::OpenParen => paren_depth += 1,
            TokenKind::CloseParen => paren_depth = paren_depth.saturating_sub(1),
            TokenKind::Word => body.word(token.text, paren_depth),
            _ => {}
        }
        if !token.is_trivia() {
            has_code = true;
        }
    }
    if has_code {
        statements.push(sql[start..].trim().to_owned());
    }
    statements
}

/// The tokens of `sql` that the server executes: no whitespace, no comments.
pub fn significant_tokens(sql: &str) -> Vec<Token<'_>> {
    tokenize(sql).into_iter().filter(|t| !t.is_trivia()).collect()
}

/// `sql` without its comments (each replaced by a space), trimmed.
pub fn strip_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    for token in tokenize(sql) {
        match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment => out.push(' '),
            _ => out.push_str(token.text),
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(sql: &str) -> Vec<String> {
        split_statements(sql)
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(split("SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(split("SELECT 1;\nSELECT 2"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(split("  SELECT 1  ;  "), ["SELECT 1"]);
    }

    #[test]
    fn drops_empty_and_comment_only_statements() {
        assert!(split("").is_empty());
        assert!(split(" ;; ; \n").is_empty());
        assert!(split("-- only a comment\n").is_empty());
        assert!(split("/* only */ -- comments\n;").is_empty());
        assert_eq!(split("SELECT 1;\n-- trailing comment\n"), ["SELECT 1"]);
        assert_eq!(split("SELECT 1; /* trailing */ ;"), ["SELECT 1"]);
    }

    #[test]
    fn keeps_comments_before_a_statement() {
        assert_eq!(
            split("-- migrate:no-transaction\n-- make it\nCREATE TABLE t ();"),
            ["-- migrate:no-transaction\n-- make it\nCREATE TABLE t ()"]
        );
    }

    #[test]
    fn single_quoted_strings() {
        assert_eq!(split("SELECT 'a;b'; SELECT 2"), ["SELECT 'a;b'", "SELECT 2"]);
        assert_eq!(
            split("SELECT 'it''s; here'; SELECT 2"),
            ["SELECT 'it''s; here'", "SELECT 2"]
        );
        // A backslash does not escape in a standard string.
        assert_eq!(split(r"SELECT 'a\'; SELECT 2"), [r"SELECT 'a\'", "SELECT 2"]);
    }

    #[test]
    fn escape_strings() {
        assert_eq!(
            split(r"SELECT E'a\';b'; SELECT 2"),
            [r"SELECT E'a\';b'", "SELECT 2"]
        );
        assert_eq!(split(r"SELECT e'\\'; SELECT 2"), [r"SELECT e'\\'", "SELECT 2"]);
        assert_eq!(
            split(r"SELECT E'x''; y'; SELECT 2"),
            [r"SELECT E'x''; y'", "SELECT 2"]
        );
        // `e` at the end of an identifier does not start an escape string.
        assert_eq!(
            split(r"SELECT 1 AS some; SELECT 'x\'; SELECT 3"),
            ["SELECT 1 AS some", r"SELECT 'x\'", "SELECT 3"]
        );
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(
            split(r#"CREATE TABLE "a;b" (); SELECT 2"#),
            [r#"CREATE TABLE "a;b" ()"#, "SELECT 2"]
        );
        assert_eq!(
            split(r#"SELECT 1 AS "x"";y"; SELECT 2"#),
            [r#"SELECT 1 AS "x"";y""#, "SELECT 2"]
        );
        assert_eq!(
            split(r#"SELECT 1 AS "--"; SELECT 2"#),
            [r#"SELECT 1 AS "--""#, "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quoted_strings() {
        let function = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$";
        assert_eq!(split(&format!("{function}; SELECT 2;")), [function, "SELECT 2"]);
        let tagged = "DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$";
        assert_eq!(split(&format!("{tagged};SELECT 2")), [tagged, "SELECT 2"]);
        let nested = "SELECT $a$ $b$ ; $b$ ; $a$";
        assert_eq!(split(&format!("{nested}; SELECT 2")), [nested, "SELECT 2"]);
    }

    #[test]
    fn dollar_signs_that_do_not_quote() {
        assert_eq!(
            split("PREPARE p AS SELECT $1; SELECT 2"),
            ["PREPARE p AS SELECT $1", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT a$b FROM t; SELECT 2"),
            ["SELECT a$b FROM t", "SELECT 2"]
        );
    }

    #[test]
    fn line_comments() {
        assert_eq!(
            split("SELECT 1 -- not; the end\n; SELECT 2"),
            ["SELECT 1 -- not; the end", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT 1; -- a comment; with semicolons\nSELECT 2"),
            ["SELECT 1", "-- a comment; with semicolons\nSELECT 2"]
        );
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(
            split("SELECT /* a; /* b; */ c; */ 1; SELECT 2"),
            ["SELECT /* a; /* b; */ c; */ 1", "SELECT 2"]
        );
        assert_eq!(
            split("SELECT 1 /* unterminated; SELECT 2"),
            ["SELECT 1 /* unterminated; SELECT 2"]
        );
    }

    #[test]
    fn parentheses() {
        assert_eq!(split("SELECT (1; 2); SELECT 3"), ["SELECT (1; 2)", "SELECT 3"]);
    }

    #[test]
    fn sql_standard_function_bodies() {
        let function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END";
        assert_eq!(split(&format!("{function}; SELECT 3;")), [function, "SELECT 3"]);
        let procedure = "create or replace procedure p() begin atomic insert into t values (1); end";
        assert_eq!(split(&format!("{procedure};select 3")), [procedure, "select 3"]);
        // BEGIN/END outside routines are ordinary statements.
        assert_eq!(split("BEGIN; SELECT 1; END;"), ["BEGIN", "SELECT 1", "END"]);
    }

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        assert_eq!(split("SELECT 'abc; SELECT 2"), ["SELECT 'abc; SELECT 2"]);
        assert_eq!(split("SELECT $$abc; SELECT 2"), ["SELECT $$abc; SELECT 2"]);
        assert_eq!(split("SELECT \"abc; SELECT 2"), ["SELECT \"abc; SELECT 2"]);
    }

    #[test]
    fn tricky_inputs() {
        let table: &[(&str, &[&str])] = &[
            ("", &[]),
            (";", &[]),
            ("SELECT ';'", &["SELECT ';'"]),
            ("SELECT '';SELECT ''''", &["SELECT ''", "SELECT ''''"]),
            ("SELECT E'\\\\';SELECT 1", &["SELECT E'\\\\'", "SELECT 1"]),
            ("SELECT E'\\'';SELECT 1", &["SELECT E'\\''", "SELECT 1"]),
            (
                "SELECT U&'d\\0061t;a'; SELECT 1",
                &["SELECT U&'d\\0061t;a'", "SELECT 1"],
            ),
            ("SELECT $$;$$;SELECT $x$;$x$", &["SELECT $$;$$", "SELECT $x$;$x$"]),
            (
                "SELECT $x$ $$ ; $$ $x$; SELECT 1",
                &["SELECT $x$ $$ ; $$ $x$", "SELECT 1"],
            ),
            ("SELECT 1 --;\n;SELECT 2", &["SELECT 1 --;", "SELECT 2"]),
            ("SELECT 1 --;", &["SELECT 1 --;"]),
            ("SELECT 1/* ; */;SELECT 2", &["SELECT 1/* ; */", "SELECT 2"]),
            (
                "SELECT 1 /* /* ; */ */; SELECT 2",
                &["SELECT 1 /* /* ; */ */", "SELECT 2"],
            ),
            ("SELECT 2-1;SELECT 3", &["SELECT 2-1", "SELECT 3"]),
            ("SELECT 10/2;SELECT 3", &["SELECT 10/2", "SELECT 3"]),
            ("SELECT '--';SELECT '/*'", &["SELECT '--'", "SELECT '/*'"]),
            ("SELECT \"a\"\"\";SELECT 2", &["SELECT \"a\"\"\"", "SELECT 2"]),
            ("SELECT 'é;ü'; SELECT 'ñ'", &["SELECT 'é;ü'", "SELECT 'ñ'"]),
            ("SELECT 1e5;SELECT 2", &["SELECT 1e5", "SELECT 2"]),
            ("\n\n  -- c\n\n", &[]),
            (
                "CREATE INDEX CONCURRENTLY i ON t (a);\nSET lock_timeout = '1s';",
                &["CREATE INDEX CONCURRENTLY i ON t (a)", "SET lock_timeout = '1s'"],
            ),
        ];
        for (input, expected) in table {
            assert_eq!(&split(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn tokens_reassemble_the_input() {
        let sql = "SELECT E'a\\'', $t$x$t$, \"q\" -- c\n/* d /* e */ */ ; $1";
        let tokens = tokenize(sql);
        assert_eq!(tokens.iter().map(|t| t.text).collect::<String>(), sql);
        let significant: Vec<&str> = significant_tokens(sql).iter().map(|t| t.text).collect();
        assert_eq!(
            significant,
            ["SELECT", "E'a\\''", ",", "$t$x$t$", ",", "\"q\"", ";", "$1"]
        );
    }

    #[test]
    fn strips_comments() {
        assert_eq!(strip_comments("-- c\nBEGIN /* x */"), "BEGIN");
        assert_eq!(strip_comments("SELECT '--'"), "SELECT '--'");
    }
}
