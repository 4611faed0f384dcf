//! The lint rules: one table of names, severities and what each checks.

use std::fmt;

use serde::Serialize;

/// A lint rule. Its kebab-case [`Rule::name`] is stable: it is what `-- lint:allow`, `--allow`
/// and the JSON output use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Rule {
    /// `CREATE INDEX` without `CONCURRENTLY` on a table that already exists.
    CreateIndexNotConcurrently,
    /// A foreign key or check added to an existing table without `NOT VALID`, validated in the
    /// transaction that added it, or a unique/primary key/exclusion constraint that builds its
    /// index under the table lock.
    ConstraintNotValid,
    /// `SET NOT NULL` on an existing table without a validated `CHECK (col IS NOT NULL)`.
    SetNotNull,
    /// `ADD COLUMN ... NOT NULL` without a default on an existing table.
    NotNullWithoutDefault,
    /// `ALTER COLUMN ... TYPE` that rewrites or scans an existing table.
    ColumnTypeChange,
    /// `ADD COLUMN` whose value differs per row (volatile default, identity, serial, stored
    /// generated column) on an existing table: a table rewrite.
    VolatileDefault,
    /// `DROP COLUMN` on an existing table.
    DropColumn,
    /// `DROP TABLE` of a table this script did not create.
    DropTable,
    /// Renaming a table or a column that running code uses.
    Rename,
    /// A statement that takes a strong lock on an existing table while no `lock_timeout` is set.
    MissingLockTimeout,
    /// A statement that cannot run in a transaction block (or an enum value used in the
    /// transaction that added it) inside a transaction.
    ConcurrentlyInTransaction,
    /// `BEGIN`/`COMMIT`/`ROLLBACK` the runner refuses.
    TransactionControl,
    /// An identifier longer than Postgres' 63 bytes (silently truncated).
    IdentifierTooLong,
    /// A monetary column stored as a floating-point, numeric or money type.
    MoneyAsFloat,
    /// `CREATE TABLE` without an `organization_id` column.
    MissingOrganizationId,
    /// A statement the parser cannot read: the other rules could not check it.
    ParseError,
    /// A `lint:allow` comment without a reason, or naming no or an unknown rule.
    InvalidAllow,
}

/// How bad a finding is. Every finding fails `migrate lint`; the severity tells a reader which
/// ones break the migration outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The migration fails, or does something other than what it says.
    Error,
    /// The migration works, but locks, rewrites or breaks a busy production database.
    Warning,
}

impl Rule {
    pub const ALL: [Rule; 17] = [
        Rule::CreateIndexNotConcurrently,
        Rule::ConstraintNotValid,
        Rule::SetNotNull,
        Rule::NotNullWithoutDefault,
        Rule::ColumnTypeChange,
        Rule::VolatileDefault,
        Rule::DropColumn,
        Rule::DropTable,
        Rule::Rename,
        Rule::MissingLockTimeout,
        Rule::ConcurrentlyInTransaction,
        Rule::TransactionControl,
        Rule::IdentifierTooLong,
        Rule::MoneyAsFloat,
        Rule::MissingOrganizationId,
        Rule::ParseError,
        Rule::InvalidAllow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::CreateIndexNotConcurrently => "create-index-not-concurrently",
            Rule::ConstraintNotValid => "constraint-not-valid",
            Rule::SetNotNull => "set-not-null",
            Rule::NotNullWithoutDefault => "not-null-without-default",
            Rule::ColumnTypeChange => "column-type-change",
            Rule::VolatileDefault => "volatile-default",
            Rule::DropColumn => "drop-column",
            Rule::DropTable => "drop-table",
            Rule::Rename => "rename",
            Rule::MissingLockTimeout => "missing-lock-timeout",
            Rule::ConcurrentlyInTransaction => "concurrently-in-transaction",
            Rule::TransactionControl => "transaction-control",
            Rule::IdentifierTooLong => "identifier-too-long",
            Rule::MoneyAsFloat => "money-as-float",
            Rule::MissingOrganizationId => "missing-organization-id",
            Rule::ParseError => "parse-error",
            Rule::InvalidAllow => "invalid-allow",
        }
    }

    /// The rule named `name` (kebab-case; `_` is accepted for `-`, case is ignored).
    pub fn parse(name: &str) -> Option<Rule> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        Rule::ALL.into_iter().find(|rule| rule.name() == name)
    }

    /// The known rule names, comma-separated, for error messages.
    pub fn known() -> String {
        Rule::ALL.map(Rule::name).join(", ")
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::NotNullWithoutDefault
            | Rule::ConcurrentlyInTransaction
            | Rule::TransactionControl
            | Rule::IdentifierTooLong
            | Rule::ParseError
            | Rule::InvalidAllow => Severity::Error,
            Rule::CreateIndexNotConcurrently
            | Rule::ConstraintNotValid
            | Rule::SetNotNull
            | Rule::ColumnTypeChange
            | Rule::VolatileDefault
            | Rule::DropColumn
            | Rule::DropTable
            | Rule::Rename
            | Rule::MissingLockTimeout
            | Rule::MoneyAsFloat
            | Rule::MissingOrganizationId => Severity::Warning,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_kebab_case() {
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.name()), Some(rule));
            assert!(
                rule.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{rule}"
            );
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.name()));
        }
        assert_eq!(Rule::parse("DROP_TABLE"), Some(Rule::DropTable));
        assert_eq!(Rule::parse("no-such-rule"), None);
    }
}
