//! A script as the lint reads it: its statements, split the way the runner splits them, each with
//! its position, and the `lint:allow` comments with the statements they apply to.

use std::collections::BTreeSet;

use super::rules::Rule;
use crate::migrations::NO_TRANSACTION_MARKER;
use crate::sql_split::{Token, TokenKind, split_statements, tokenize};

/// A token and its byte offset in the statement text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Located<'a> {
    pub token: Token<'a>,
    pub offset: usize,
}

/// Whether a statement starts or ends a transaction (`BEGIN`, `START TRANSACTION`, `COMMIT`,
/// `END`, `ROLLBACK`, `ABORT`; not `ROLLBACK TO` a savepoint, nor prepared transactions), as the
/// runner tells.
pub(super) fn is_transaction_control(tokens: &[Located<'_>]) -> bool {
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t| t.token.is_word(w));
    word(0, "BEGIN")
        || (word(0, "START") && word(1, "TRANSACTION"))
        || (word(0, "COMMIT") && !word(1, "PREPARED"))
        || word(0, "END")
        || (word(0, "ROLLBACK") && !word(1, "TO") && !word(1, "PREPARED"))
        || word(0, "ABORT")
}

/// One statement of a script.
#[derive(Debug)]
pub(super) struct Piece<'a> {
    /// From its first to its last significant token: no leading comment, no `;`.
    pub text: &'a str,
    /// The byte offset of `text` in the script.
    pub start: usize,
    /// 1-based line and column (in characters) of its first token.
    pub line: usize,
    pub column: usize,
    /// The line of its last token.
    pub end_line: usize,
    /// Its significant tokens (no whitespace, no comments).
    pub tokens: Vec<Located<'a>>,
}

impl Piece<'_> {
    /// The first line of the statement, shortened, for reports.
    pub fn excerpt(&self) -> String {
        let first = self.text.lines().next().unwrap_or("").trim_end();
        let mut excerpt: String = first.chars().take(100).collect();
        if excerpt.len() < first.len() || self.text.lines().nth(1).is_some() {
            excerpt.push_str(" ...");
        }
        excerpt
    }
}

/// A `-- lint:allow` or `-- lint:allow-file` comment.
#[derive(Debug, Clone)]
pub(super) struct Allow {
    /// The comment.
    pub text: String,
    pub line: usize,
    pub column: usize,
    pub file_wide: bool,
    /// The rules it names that exist.
    pub rules: Vec<Rule>,
    /// What is wrong with it; an allow without a reason suppresses nothing.
    pub problems: Vec<String>,
    pub has_reason: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LineKind {
    Blank,
    Comment,
    Code,
}

/// A script split into statements.
pub(super) struct Script<'a> {
    line_starts: Vec<usize>,
    sql: &'a str,
    pub statements: Vec<Piece<'a>>,
    pub allows: Vec<Allow>,
    /// The script has a [`NO_TRANSACTION_MARKER`] line: the runner does not wrap it in a
    /// transaction.
    pub no_transaction: bool,
    lines: Vec<LineKind>,
}

impl<'a> Script<'a> {
    pub fn new(sql: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        let mut script = Script {
            lines: vec![LineKind::Blank; line_starts.len() + 1],
            line_starts,
            sql,
            statements: Vec::new(),
            allows: Vec::new(),
            no_transaction: sql.lines().any(|line| line.trim() == NO_TRANSACTION_MARKER),
        };
        let mut significant = Vec::new();
        let mut offset = 0;
        for token in tokenize(sql) {
            let (first, last) = (script.line_of(offset), script.line_of(offset + token.text.len()));
            match token.kind {
                TokenKind::Whitespace => {}
                TokenKind::LineComment | TokenKind::BlockComment => {
                    for line in first..=last {
                        script.mark(line, LineKind::Comment);
                    }
                    if let Some(allow) = parse_allow(token.text) {
                        let (line, column) = script.position(offset);
                        script.allows.push(Allow {
                            line,
                            column,
                            ..allow
                        });
                    }
                }
                _ => {
                    for line in first..=last {
                        script.mark(line, LineKind::Code);
                    }
                    significant.push(Located { token, offset });
                }
            }
            offset += token.text.len();
        }
        script.statements = script.pieces(&significant);
        script
    }

    fn mark(&mut self, line: usize, kind: LineKind) {
        if let Some(slot) = self.lines.get_mut(line)
            && *slot < kind
        {
            *slot = kind;
        }
    }

    /// Match the runner's statements to the script's tokens, to learn where each one is.
    fn pieces(&self, significant: &[Located<'a>]) -> Vec<Piece<'a>> {
        let mut pieces = Vec::new();
        let mut next = 0;
        for statement in split_statements(self.sql) {
            let count = tokenize(&statement).iter().filter(|t| !t.is_trivia()).count();
            while significant
                .get(next)
                .is_some_and(|t| t.token.kind == TokenKind::Semicolon)
            {
                next += 1;
            }
            let end = (next + count).min(significant.len());
            let Some(first) = significant.get(next) else {
                break;
            };
            let last = significant[end.saturating_sub(1).max(next)];
            let start = first.offset;
            let stop = last.offset + last.token.text.len();
            let (line, column) = self.position(start);
            pieces.push(Piece {
                text: &self.sql[start..stop],
                start,
                line,
                column,
                end_line: self.line_of(stop.saturating_sub(1).max(start)),
                tokens: significant[next..end]
                    .iter()
                    .map(|t| Located {
                        token: t.token,
                        offset: t.offset - start,
                    })
                    .collect(),
            });
            next = end;
        }
        pieces
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.line_starts[line - 1];
        let column = self.sql.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// The rules `-- lint:allow` comments suppress for statement `index`: those on the comment
    /// lines directly above it, inside it, or after it on its last line. Only allows with a
    /// reason count.
    pub fn allowed_for(&self, index: usize) -> BTreeSet<Rule> {
        let piece = &self.statements[index];
        let mut first = piece.line;
        while first > 1 && self.lines.get(first - 1) == Some(&LineKind::Comment) {
            first -= 1;
        }
        self.allows
            .iter()
            .filter(|a| !a.file_wide && a.has_reason && (first..=piece.end_line).contains(&a.line))
            .flat_map(|a| a.rules.iter().copied())
            .collect()
    }

    /// The rules `-- lint:allow-file` comments suppress everywhere in the script.
    pub fn allowed_everywhere(&self) -> BTreeSet<Rule> {
        self.allows
            .iter()
            .filter(|a| a.file_wide && a.has_reason)
            .flat_map(|a| a.rules.iter().copied())
            .collect()
    }
}

const ALLOW: &str = "lint:allow";
const ALLOW_FILE: &str = "lint:allow-file";

/// `-- lint:allow rule[,rule] reason` or `-- lint:allow-file ...`; None for other comments.
fn parse_allow(comment: &str) -> Option<Allow> {
    let text = if let Some(line) = comment.strip_prefix("--") {
        line
    } else {
        comment.strip_prefix("/*")?.strip_suffix("*/")?
    };
    let text = text.trim();
    let (file_wide, rest) = if let Some(rest) = text.strip_prefix(ALLOW_FILE) {
        (true, rest)
    } else {
        (false, text.strip_prefix(ALLOW)?)
    };
    // `lint:allowed` and the like are prose, not directives.
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let mut rest = rest.trim_start();
    let mut names = Vec::new();
    // The rule list is one word, or words ending in `,` (`a, b reason`).
    loop {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        names.extend(word.split(',').filter(|n| !n.is_empty()).map(str::to_owned));
        rest = after.trim_start();
        if !word.ends_with(',') || rest.is_empty() {
            break;
        }
    }
    let directive = if file_wide { ALLOW_FILE } else { ALLOW };
    let mut allow = Allow {
        text: comment.trim().to_owned(),
        line: 0,
        column: 0,
        file_wide,
        rules: Vec::new(),
        problems: Vec::new(),
        has_reason: !rest.is_empty(),
    };
    if names.is_empty() {
        allow
            .problems
            .push(format!("`{directive}` names no rule (known: {})", Rule::known()));
    }
    for name in &names {
        match Rule::parse(name) {
            Some(rule) => allow.rules.push(rule),
            None => allow.problems.push(format!(
                "`{directive}` names an unknown rule `{name}` (known: {})",
                Rule::known()
            )),
        }
    }
    if !allow.has_reason && !names.is_empty() {
        allow.problems.push(format!(
            "`{directive} {}` gives no reason, so it suppresses nothing",
            names.join(",")
        ));
    }
    Some(allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_know_their_lines() {
        let sql = "-- header\n\nSELECT 1;\n/* c */ SELECT\n  2;\n\n;SELECT $$a;\nb$$; SELECT 4";
        let script = Script::new(sql);
        let found: Vec<(&str, usize, usize, usize)> = script
            .statements
            .iter()
            .map(|p| (p.text, p.line, p.column, p.end_line))
            .collect();
        assert_eq!(
            found,
            [
                ("SELECT 1", 3, 1, 3),
                ("SELECT\n  2", 4, 9, 5),
                ("SELECT $$a;\nb$$", 7, 2, 8),
                ("SELECT 4", 8, 6, 8),
            ]
        );
        assert!(Script::new("").statements.is_empty());
        assert!(Script::new("-- only\n/* comments */").statements.is_empty());
    }

    #[test]
    fn columns_count_characters() {
        let script = Script::new("SELECT 'é'; SELECT 2");
        assert_eq!(script.statements[1].column, 13);
    }

    #[test]
    fn parses_allow_comments() {
        let allow = parse_allow("-- lint:allow drop-table,rename the old table is unused").unwrap();
        assert_eq!(allow.rules, [Rule::DropTable, Rule::Rename]);
        assert!(allow.has_reason && allow.problems.is_empty() && !allow.file_wide);

        let allow = parse_allow("-- lint:allow drop-table, rename because").unwrap();
        assert_eq!(allow.rules, [Rule::DropTable, Rule::Rename]);

        let allow = parse_allow("--lint:allow-file missing-organization-id global lookup tables").unwrap();
        assert!(allow.file_wide);
        assert_eq!(allow.rules, [Rule::MissingOrganizationId]);

        let allow = parse_allow("-- lint:allow drop-table").unwrap();
        assert!(!allow.has_reason);
        assert!(allow.problems[0].contains("no reason"), "{:?}", allow.problems);

        let allow = parse_allow("-- lint:allow dorp-table typo").unwrap();
        assert!(allow.problems[0].contains("unknown rule `dorp-table`"));

        assert!(parse_allow("-- lint:allowed to do this").is_none());
        assert!(parse_allow("-- a comment").is_none());
        assert!(parse_allow("/* lint:allow rename legacy */").is_some());
    }

    #[test]
    fn allows_apply_to_the_statement_below_or_on_its_last_line() {
        let sql = "-- lint:allow drop-table unused since 2023\n-- (see the ticket)\nDROP TABLE a;\n\n\
                   -- lint:allow rename not directly above\n\nDROP TABLE b; -- lint:allow drop-column trailing\n";
        let script = Script::new(sql);
        assert_eq!(script.allowed_for(0), BTreeSet::from([Rule::DropTable]));
        assert_eq!(script.allowed_for(1), BTreeSet::from([Rule::DropColumn]));
    }
}
