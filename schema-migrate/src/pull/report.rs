//! The standards report: each place where the pulled schema breaks one of the team's standards,
//! with the migration that would fix it, and what `pull` could not reproduce.

use serde::Serialize;

/// One broken standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule, kebab-case: `money-not-cents`, `float-without-reason`, `json-without-reason`,
    /// `plaintext-secret`, `tenant-table-without-organization-id`, `missing-timestamp`,
    /// `timestamp-type`, `foreign-key-without-index`, `foreign-key-without-on-delete`,
    /// `cross-tenant-foreign-key`, `truncated-name`, `no-primary-key`, `rls-off`.
    pub rule: &'static str,
    /// `table` or `table.column`.
    pub object: String,
    pub message: String,
    /// Whether the generated code already declares the standard (so `check --database` shows the
    /// difference and `migrate generate` writes `fix`), rather than the database's state with an
    /// escape hatch.
    pub declared_fixed: bool,
    /// The migration that fixes it, as SQL steps in order; a rewrite is expand/contract: add the
    /// new column, backfill it, switch the app, then drop the old one.
    pub fix: Vec<String>,
}

/// What `pull` wrote, found and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The Postgres schemas read.
    pub schemas: Vec<String>,
    pub tables: usize,
    pub enums: usize,
    pub findings: Vec<Finding>,
    /// Objects of the database that the generated code does not reproduce (and `check
    /// --database` will show as drift), each with what it is.
    pub not_reproduced: Vec<String>,
    /// Objects the model cannot hold at all (the inspector's `not compared`).
    pub not_compared: Vec<String>,
    /// Catalog queries issued, whatever the size of the database.
    pub catalog_queries: usize,
    /// Files written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
}

impl Report {
    /// The text form, for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "pulled {} table(s) and {} enum(s) from schema(s) {} ({} catalog queries)\n",
            self.tables,
            self.enums,
            self.schemas.join(", "),
            self.catalog_queries
        ));
        for path in &self.written {
            out.push_str(&format!("wrote {path}\n"));
        }
        if self.findings.is_empty() {
            out.push_str("standards: no findings\n");
        } else {
            out.push_str(&format!(
                "standards: {} finding(s), most urgent first\n",
                self.findings.len()
            ));
            for finding in &self.findings {
                let how = if finding.declared_fixed {
                    "declared as the standard wants; `generate` writes the fix"
                } else {
                    "kept as it is, with an escape hatch"
                };
                out.push_str(&format!(
                    "  {} {}: {} ({how})\n",
                    finding.rule, finding.object, finding.message
                ));
                for (i, step) in finding.fix.iter().enumerate() {
                    out.push_str(&format!("      fix {}: {step}\n", i + 1));
                }
            }
        }
        for note in &self.not_reproduced {
            out.push_str(&format!("not reproduced: {note}\n"));
        }
        for note in &self.not_compared {
            out.push_str(&format!("not compared: {note}\n"));
        }
        out
    }

    /// Findings in the order a team should fix them: data at risk first (secrets, tenancy),
    /// then money, then the rest.
    pub fn sort(&mut self) {
        fn urgency(rule: &str) -> usize {
            [
                "plaintext-secret",
                "tenant-table-without-organization-id",
                "cross-tenant-foreign-key",
                "rls-off",
                "money-not-cents",
                "no-primary-key",
                "foreign-key-without-on-delete",
                "foreign-key-without-index",
                "float-without-reason",
                "json-without-reason",
                "timestamp-type",
                "missing-timestamp",
                "truncated-name",
            ]
            .iter()
            .position(|r| *r == rule)
            .unwrap_or(usize::MAX)
        }
        self.findings.sort_by(|a, b| {
            urgency(a.rule)
                .cmp(&urgency(b.rule))
                .then(a.object.cmp(&b.object))
        });
    }
}
