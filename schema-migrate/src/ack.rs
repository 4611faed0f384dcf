//! Hazards acknowledged once, in the migration, when it is generated.
//!
//! A team that accepts a hazard (a declared rename, a drop allowed with `--allow-destructive`, a
//! rewrite of a small table) says so to `generate`, with a reason, and the migration carries it:
//!
//! - a header line per acknowledged hazard kind, `-- migrate:ack rewrites_table <reason>`, which
//!   `check --deny-hazard` honours for that migration (and only that one);
//! - a `-- lint:allow <rule> <reason>` line above each statement the linter would flag for it, so
//!   `lint` passes on what was accepted and still fails on anything else.
//!
//! Both are comments written before the migration is applied anywhere. Comments are part of the
//! checksum (as with Flyway and sqlx), so acknowledging a hazard of an applied migration is an
//! edit like any other and is refused; acknowledge it when generating, or in a new migration.

use std::collections::BTreeMap;

use crate::lint::{Finding, LintOptions, Rule, lint_sql};
use crate::plan::HazardKind;

/// The header line that acknowledges a hazard kind.
pub const ACK_MARKER: &str = "-- migrate:ack";

/// What an acknowledgement covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acked {
    Hazard(HazardKind),
    Rule(Rule),
}

/// An acknowledgement and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub what: Acked,
    pub reason: String,
}

impl Ack {
    /// `KIND=reason`, where KIND is a hazard kind (`rewrites_table`) or a lint rule (`drop-column`).
    pub fn parse(text: &str) -> Result<Ack, String> {
        let (kind, reason) = text
            .split_once('=')
            .map(|(k, r)| (k.trim(), r.trim()))
            .ok_or_else(|| {
                format!("--ack `{text}`: give KIND=reason, e.g. --ack rewrites_table=\"small lookup table\"")
            })?;
        if reason.is_empty() {
            return Err(format!("--ack `{kind}` needs a reason after `=`"));
        }
        if reason.contains('\n') {
            return Err(format!("--ack `{kind}`: the reason must be one line"));
        }
        let what = if let Some(hazard) = HazardKind::parse(kind) {
            Acked::Hazard(hazard)
        } else if let Some(rule) = Rule::parse(kind) {
            Acked::Rule(rule)
        } else {
            let hazards: Vec<&str> = HazardKind::ALL.iter().map(|k| k.name()).collect();
            return Err(format!(
                "--ack `{kind}` is neither a hazard kind ({}) nor a lint rule ({})",
                hazards.join(", "),
                Rule::known()
            ));
        };
        Ok(Ack {
            what,
            reason: reason.to_owned(),
        })
    }

    /// Whether this acknowledges a finding of `rule`.
    fn covers(&self, rule: Rule) -> bool {
        match self.what {
            Acked::Rule(acked) => acked == rule,
            Acked::Hazard(kind) => rules_of(kind).contains(&rule),
        }
    }
}

/// The lint rules that flag statements with a hazard of `kind`.
fn rules_of(kind: HazardKind) -> &'static [Rule] {
    match kind {
        HazardKind::DeletesData => &[Rule::DropColumn, Rule::DropTable],
        HazardKind::RewritesTable => &[Rule::ColumnTypeChange, Rule::VolatileDefault],
        HazardKind::AccessExclusiveLock => &[Rule::MissingLockTimeout],
        HazardKind::BuildsIndex => &[Rule::CreateIndexNotConcurrently],
        HazardKind::ValidatesConstraint => &[Rule::ConstraintNotValid, Rule::SetNotNull],
        HazardKind::MayFail => &[Rule::NotNullWithoutDefault],
        HazardKind::Irreversible => &[],
    }
}

/// The header of acknowledged hazard kinds, for the kinds the migration has.
pub fn header(acks: &[Ack], kinds: &[HazardKind]) -> String {
    let mut out = String::new();
    for ack in acks {
        if let Acked::Hazard(kind) = ack.what
            && kinds.contains(&kind)
        {
            out.push_str(&format!("{ACK_MARKER} {} {}\n", kind.name(), ack.reason));
        }
    }
    out
}

/// The hazard kinds a migration's `up.sql` acknowledges, with their reasons.
pub fn acknowledged(up: &str) -> BTreeMap<HazardKind, String> {
    up.lines()
        .filter_map(|line| line.trim().strip_prefix(ACK_MARKER))
        .filter_map(|rest| {
            let rest = rest.trim();
            let (kind, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            HazardKind::parse(kind).map(|k| (k, reason.trim().to_owned()))
        })
        .collect()
}

/// `sql` with a `-- lint:allow` line above each statement the linter flags for an acknowledged
/// hazard; returns it and the findings nothing acknowledges.
pub fn annotate(file: &str, sql: &str, options: &LintOptions, acks: &[Ack]) -> (String, Vec<Finding>) {
    let findings = lint_sql(file, sql, options);
    // Line number (1-based) → the allow lines to put above it.
    let mut above: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for finding in &findings {
        if let Some(ack) = acks.iter().find(|a| a.covers(finding.rule)) {
            let line = format!("-- lint:allow {} {}", finding.rule, ack.reason);
            let lines = above.entry(finding.line).or_default();
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    if above.is_empty() {
        return (sql.to_owned(), findings);
    }
    let mut out = String::with_capacity(sql.len() + 128);
    for (index, line) in sql.split_inclusive('\n').enumerate() {
        if let Some(allows) = above.get(&(index + 1)) {
            for allow in allows {
                out.push_str(allow);
                out.push('\n');
            }
        }
        out.push_str(line);
    }
    // What is left is what the linter still reports on the annotated text.
    let left = lint_sql(file, &out, options);
    (out, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_acknowledgements() {
        let ack = Ack::parse("rewrites_table = a 40-row lookup table").unwrap();
        assert_eq!(ack.what, Acked::Hazard(HazardKind::RewritesTable));
        assert_eq!(ack.reason, "a 40-row lookup table");
        assert_eq!(
            Ack::parse("drop-column=unused since v2").unwrap().what,
            Acked::Rule(Rule::DropColumn)
        );
        assert!(Ack::parse("rewrites_table").unwrap_err().contains("KIND=reason"));
        assert!(
            Ack::parse("rewrites_table=")
                .unwrap_err()
                .contains("needs a reason")
        );
        assert!(Ack::parse("sideways=x").unwrap_err().contains("neither"));
    }

    #[test]
    fn reads_the_header_back() {
        let acks = [Ack::parse("deletes_data=the column was never read").unwrap()];
        let header = header(&acks, &[HazardKind::DeletesData, HazardKind::BuildsIndex]);
        assert_eq!(header, "-- migrate:ack deletes_data the column was never read\n");
        let read = acknowledged(&format!("-- x: up\n{header}ALTER TABLE t DROP COLUMN c;\n"));
        assert_eq!(
            read.get(&HazardKind::DeletesData).map(String::as_str),
            Some("the column was never read")
        );
        assert!(header_is_empty_for_absent_kinds());
    }

    fn header_is_empty_for_absent_kinds() -> bool {
        header(
            &[Ack::parse("deletes_data=x").unwrap()],
            &[HazardKind::BuildsIndex],
        )
        .is_empty()
    }

    #[test]
    fn allows_exactly_the_acknowledged_statements() {
        let sql = "ALTER TABLE invoices DROP COLUMN memo;\nALTER TABLE invoices RENAME COLUMN a TO b;\n";
        let acks = [Ack::parse("deletes_data=memo was never shown").unwrap()];
        let (annotated, left) = annotate("up.sql", sql, &LintOptions::default(), &acks);
        assert!(
            annotated.starts_with(
                "-- lint:allow drop-column memo was never shown\nALTER TABLE invoices DROP COLUMN memo;"
            ),
            "{annotated}"
        );
        let rules: Vec<Rule> = left.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&Rule::Rename), "{left:?}");
        assert!(!rules.contains(&Rule::DropColumn), "{left:?}");
    }
}
