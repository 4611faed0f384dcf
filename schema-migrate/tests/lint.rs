//! `migrate lint`: every rule on a hazardous statement (positive) and on its safe form (negative),
//! suppression, parse-error recovery, positions, and the tool's own generated SQL linting clean.
//! Pure parser tests: no database.

use std::path::Path;

use schema_core::Renames;
use schema_core::model::Schema;
use schema_migrate::lint::{Finding, LintOptions, Rule, Severity, created_by, lint_path, lint_sql};
use schema_migrate::migrations::NO_TRANSACTION_MARKER;
use schema_migrate::plan::{PlanOptions, Statement, plan, script, transaction_body};

/// Lines joined into a script, so a test reads its line numbers off the slice index + 1.
fn sql(lines: &[&str]) -> String {
    lines.join("\n")
}

fn lint(lines: &[&str]) -> Vec<Finding> {
    lint_sql("up.sql", &sql(lines), &LintOptions::default())
}

/// The lines of the findings of `rule`.
fn lines_of(findings: &[Finding], rule: Rule) -> Vec<usize> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.line)
        .collect()
}

fn found(lines: &[&str], rule: Rule) -> Vec<usize> {
    lines_of(&lint(lines), rule)
}

#[track_caller]
fn assert_clean(lines: &[&str]) {
    let findings = lint(lines);
    assert!(findings.is_empty(), "{}", report(&findings));
}

fn report(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("{f}\n")).collect()
}

const TIMEOUT: &str = "SET LOCAL lock_timeout = '2s';";
const NO_TX: &str = NO_TRANSACTION_MARKER;

// ---- create-index-not-concurrently ----

#[test]
fn create_index_on_an_existing_table() {
    let findings = lint(&[TIMEOUT, "CREATE INDEX invoices_due_idx ON invoices (due_on);"]);
    assert_eq!(lines_of(&findings, Rule::CreateIndexNotConcurrently), [2]);
    let text = findings[0].to_string();
    assert_eq!(
        text,
        "up.sql:2: [create-index-not-concurrently] CREATE INDEX on existing table \"invoices\" blocks writes while it builds\n  \
         fix: CREATE INDEX CONCURRENTLY in a migration marked -- migrate:no-transaction"
    );
    assert_eq!(
        found(
            &[TIMEOUT, "CREATE UNIQUE INDEX ON public.invoices (number);"],
            Rule::CreateIndexNotConcurrently
        ),
        [2]
    );
}

#[test]
fn concurrent_index_and_index_on_a_new_table_are_fine() {
    assert_clean(&[
        NO_TX,
        "SET lock_timeout = '10min';",
        "CREATE INDEX CONCURRENTLY invoices_due_idx ON invoices (due_on);",
    ]);
    assert_clean(&[
        TIMEOUT,
        "CREATE TABLE notes (id uuid PRIMARY KEY, organization_id uuid NOT NULL);",
        "CREATE INDEX notes_org_idx ON notes (organization_id);",
    ]);
}

// ---- constraint-not-valid ----

#[test]
fn constraints_on_existing_tables_without_not_valid() {
    let findings = lint(&[
        TIMEOUT,
        "ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);",
        "ALTER TABLE invoices ADD CONSTRAINT invoices_total_check CHECK (total_cents >= 0);",
        "ALTER TABLE invoices ADD CONSTRAINT invoices_number_key UNIQUE (number);",
        "ALTER TABLE invoices ADD PRIMARY KEY (id);",
        "ALTER TABLE invoices ADD COLUMN plan_id uuid REFERENCES plans (id);",
    ]);
    assert_eq!(
        lines_of(&findings, Rule::ConstraintNotValid),
        [2, 3, 4, 5, 6],
        "{}",
        report(&findings)
    );
}

#[test]
fn validating_in_the_transaction_that_added_not_valid() {
    let lines = [
        TIMEOUT,
        "ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
        "ALTER TABLE invoices VALIDATE CONSTRAINT invoices_customer_fkey;",
    ];
    assert_eq!(found(&lines, Rule::ConstraintNotValid), [3]);
}

#[test]
fn not_valid_then_validate_later_and_using_index_are_fine() {
    assert_clean(&[
        NO_TX,
        "BEGIN;",
        TIMEOUT,
        "ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
        "ALTER TABLE invoices ADD CONSTRAINT invoices_total_check CHECK (total_cents >= 0) NOT VALID;",
        "COMMIT;",
        "ALTER TABLE invoices VALIDATE CONSTRAINT invoices_customer_fkey;",
        "ALTER TABLE invoices VALIDATE CONSTRAINT invoices_total_check;",
        "CREATE UNIQUE INDEX CONCURRENTLY invoices_number_key ON invoices (number);",
        "BEGIN;",
        TIMEOUT,
        "ALTER TABLE invoices ADD CONSTRAINT invoices_number_key UNIQUE USING INDEX invoices_number_key;",
        "COMMIT;",
    ]);
    // On a table the script creates, the plain forms are right.
    assert_clean(&[
        "CREATE TABLE notes (id uuid, organization_id uuid NOT NULL, body text);",
        "ALTER TABLE notes ADD PRIMARY KEY (id);",
        "ALTER TABLE notes ADD CONSTRAINT notes_body_check CHECK (body <> '');",
    ]);
}

// ---- set-not-null ----

#[test]
fn set_not_null_on_an_existing_table() {
    let lines = [TIMEOUT, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"];
    assert_eq!(found(&lines, Rule::SetNotNull), [2]);
}

#[test]
fn set_not_null_after_a_validated_check_is_fine() {
    assert_clean(&[
        NO_TX,
        "BEGIN;",
        TIMEOUT,
        "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;",
        "COMMIT;",
        "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;",
        "BEGIN;",
        TIMEOUT,
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        "ALTER TABLE users DROP CONSTRAINT users_email_not_null;",
        "COMMIT;",
    ]);
}

#[test]
fn set_not_null_after_a_check_of_an_earlier_migration_is_fine() {
    let before = |check: &str| {
        schema(&format!(
            r#"[{{"name": "users", "columns": [{{"name": "email", "type": "text", "nullable": true}}],
                 "checks": [{{"name": "users_email_check", "expression": "{check}"}}]}}]"#
        ))
    };
    let script = sql(&[TIMEOUT, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"]);
    let lint_after = |check: &str| {
        let options = LintOptions {
            before: Some(before(check)),
            ..LintOptions::default()
        };
        lines_of(&lint_sql("up.sql", &script, &options), Rule::SetNotNull)
    };
    assert!(lint_after("(email IS NOT NULL)").is_empty());
    // A check that proves something else does not help.
    assert_eq!(lint_after("(length(email) > 3)"), [2]);
    assert_eq!(lint_after("((email IS NOT NULL) OR true)"), [2]);
}

// ---- not-null-without-default ----

#[test]
fn not_null_column_without_default_on_an_existing_table() {
    let findings = lint(&[TIMEOUT, "ALTER TABLE users ADD COLUMN nickname text NOT NULL;"]);
    assert_eq!(lines_of(&findings, Rule::NotNullWithoutDefault), [2]);
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn not_null_column_with_a_constant_default_or_nullable_is_fine() {
    assert_clean(&[
        TIMEOUT,
        "ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT '';",
        "ALTER TABLE users ADD COLUMN bio text;",
        "ALTER TABLE users ADD COLUMN seen_at timestamptz NOT NULL DEFAULT now();",
    ]);
}

// ---- column-type-change ----

#[test]
fn type_change_on_an_existing_table() {
    let lines = [
        TIMEOUT,
        "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
        "ALTER TABLE users ALTER COLUMN code SET DATA TYPE varchar(20) USING upper(code);",
    ];
    assert_eq!(found(&lines, Rule::ColumnTypeChange), [2, 3]);
}

#[test]
fn a_new_collation_on_an_existing_column() {
    let before =
        schema(r#"[{"name": "products", "columns": [{"name": "sku", "type": "text", "nullable": false}]}]"#);
    let options = LintOptions {
        before: Some(before),
        ..LintOptions::default()
    };
    let lint_with = |statement: &str| {
        let script = sql(&[TIMEOUT, statement]);
        lint_sql("up.sql", &script, &options)
    };
    let findings = lint_with(r#"ALTER TABLE products ALTER COLUMN sku TYPE text COLLATE "C";"#);
    assert_eq!(lines_of(&findings, Rule::ColumnTypeChange), [2]);
    assert!(
        findings[0].message.contains("collation"),
        "{}",
        findings[0].message
    );
    // The same type without a collation changes nothing.
    assert!(lint_with("ALTER TABLE products ALTER COLUMN sku TYPE text;").is_empty());
}

#[test]
fn widening_a_varchar_or_to_text_is_fine() {
    assert_clean(&[
        TIMEOUT,
        "ALTER TABLE users ALTER COLUMN name TYPE text;",
        "ALTER TABLE users ALTER COLUMN code TYPE varchar(200);",
    ]);
}

#[test]
fn the_previous_snapshot_tells_the_old_type() {
    let before = schema(
        r#"[{"name": "users", "columns": [{"name": "code", "type": {"varchar": 10}, "nullable": true}]}]"#,
    );
    let options = LintOptions {
        before: Some(before),
        ..LintOptions::default()
    };
    let check = |ty: &str| {
        let script = sql(&[
            TIMEOUT,
            &format!("ALTER TABLE users ALTER COLUMN code TYPE {ty};"),
        ]);
        lines_of(&lint_sql("up.sql", &script, &options), Rule::ColumnTypeChange)
    };
    assert!(check("varchar(20)").is_empty());
    assert!(check("text").is_empty());
    assert_eq!(check("varchar(5)"), [2]);
    let findings = lint_sql(
        "up.sql",
        &sql(&[TIMEOUT, "ALTER TABLE users ALTER COLUMN code TYPE varchar(5);"]),
        &options,
    );
    assert!(
        findings[0].message.contains("from character varying(10)"),
        "{}",
        findings[0]
    );
}

// ---- volatile-default ----

#[test]
fn columns_with_a_value_per_row_on_an_existing_table() {
    let lines = [
        TIMEOUT,
        "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();",
        "ALTER TABLE users ADD COLUMN salt float8 DEFAULT random();",
        "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT (clock_timestamp());",
        "ALTER TABLE users ADD COLUMN n bigserial;",
        "ALTER TABLE users ADD COLUMN m bigint GENERATED ALWAYS AS IDENTITY;",
        "ALTER TABLE users ADD COLUMN g int GENERATED ALWAYS AS (m * 2) STORED;",
        "ALTER TABLE users ADD COLUMN k uuid DEFAULT public.uuid_generate_v4();",
    ];
    assert_eq!(found(&lines, Rule::VolatileDefault), [2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn stable_defaults_and_new_tables_are_fine() {
    assert_clean(&[
        TIMEOUT,
        "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();",
        "ALTER TABLE users ADD COLUMN updated_at timestamptz DEFAULT CURRENT_TIMESTAMP;",
        "ALTER TABLE users ALTER COLUMN id SET DEFAULT gen_random_uuid();",
        "CREATE TABLE notes (id uuid DEFAULT gen_random_uuid(), organization_id uuid NOT NULL);",
        "ALTER TABLE notes ADD COLUMN n bigserial;",
    ]);
}

// ---- drop-column, drop-table ----

#[test]
fn dropping_existing_columns_and_tables() {
    let findings = lint(&[
        TIMEOUT,
        "ALTER TABLE users DROP COLUMN legacy, DROP COLUMN IF EXISTS old_name;",
        "DROP TABLE IF EXISTS audit_old, sessions CASCADE;",
    ]);
    assert_eq!(lines_of(&findings, Rule::DropColumn), [2, 2]);
    assert_eq!(lines_of(&findings, Rule::DropTable), [3, 3]);
}

#[test]
fn dropping_what_the_script_or_its_up_created_is_fine() {
    assert_clean(&[
        TIMEOUT,
        "CREATE TABLE scratch (id int, organization_id uuid);",
        "ALTER TABLE users ADD COLUMN tmp int;",
        "ALTER TABLE users DROP COLUMN tmp;",
        "DROP TABLE scratch;",
    ]);
    // A down.sql undoing its up.sql.
    let up = sql(&[
        TIMEOUT,
        "CREATE TABLE notes (id uuid, organization_id uuid NOT NULL);",
        "ALTER TABLE users ADD COLUMN nickname text;",
    ]);
    let down = sql(&[
        TIMEOUT,
        "ALTER TABLE users DROP COLUMN nickname;",
        "DROP TABLE notes;",
    ]);
    let options = LintOptions {
        reverts: Some(created_by(&up)),
        ..LintOptions::default()
    };
    let findings = lint_sql("down.sql", &down, &options);
    assert!(findings.is_empty(), "{}", report(&findings));
    // Without its up.sql, the same down drops data.
    assert_eq!(lint_sql("down.sql", &down, &LintOptions::default()).len(), 2);
}

// ---- rename ----

#[test]
fn renaming_existing_tables_and_columns() {
    let lines = [
        TIMEOUT,
        "ALTER TABLE bills RENAME TO invoices;",
        "ALTER TABLE users RENAME COLUMN mail TO email;",
        "ALTER TABLE users RENAME name TO full_name;",
    ];
    assert_eq!(found(&lines, Rule::Rename), [2, 3, 4]);
}

#[test]
fn renaming_new_objects_constraints_and_indexes_is_fine() {
    assert_clean(&[
        TIMEOUT,
        "CREATE TABLE draft (id int, organization_id uuid);",
        "ALTER TABLE draft RENAME TO notes;",
        "ALTER TABLE notes RENAME COLUMN id TO note_id;",
        "ALTER TABLE notes ADD COLUMN body text;",
        "CREATE INDEX notes_body_idx ON notes (body);",
        "ALTER TABLE invoices RENAME CONSTRAINT bills_pkey TO invoices_pkey;",
        "ALTER INDEX bills_total_idx RENAME TO invoices_total_idx;",
    ]);
}

// ---- missing-lock-timeout ----

#[test]
fn strong_locks_without_a_lock_timeout() {
    let findings = lint(&[
        "-- no timeout",
        "ALTER TABLE users ADD COLUMN bio text;",
        "ALTER TABLE users ADD COLUMN age int;",
    ]);
    // Reported once, where it is first missing.
    assert_eq!(lines_of(&findings, Rule::MissingLockTimeout), [2]);
    // Zero turns the timeout off, and so does RESET.
    let lines = [
        "SET lock_timeout = 0;",
        "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();",
    ];
    assert_eq!(found(&lines, Rule::MissingLockTimeout), [2]);
    let lines = [
        TIMEOUT,
        "ALTER TABLE users ADD COLUMN bio text;",
        "RESET lock_timeout;",
        "DROP TRIGGER t ON users;",
    ];
    assert_eq!(found(&lines, Rule::MissingLockTimeout), [4]);
    // SET LOCAL ends with its transaction, and does nothing outside one.
    let lines = [
        NO_TX,
        "BEGIN;",
        TIMEOUT,
        "ALTER TABLE users ADD COLUMN bio text;",
        "COMMIT;",
        "DROP TABLE sessions;",
    ];
    assert_eq!(found(&lines, Rule::MissingLockTimeout), [6]);
    let findings = lint(&[NO_TX, TIMEOUT, "CREATE POLICY p ON users USING (true);"]);
    assert_eq!(lines_of(&findings, Rule::MissingLockTimeout), [3]);
    assert!(
        findings[0].message.contains("SET LOCAL lock_timeout at line 2"),
        "{}",
        findings[0]
    );
}

#[test]
fn a_lock_timeout_set_before_covers_later_statements() {
    assert_clean(&[
        "SET lock_timeout TO '1500ms';",
        "ALTER TABLE users ADD COLUMN bio text;",
        "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();",
    ]);
    assert_clean(&[
        NO_TX,
        "SET lock_timeout = '2s';",
        "BEGIN;",
        "ALTER TABLE users ADD COLUMN bio text;",
        "COMMIT;",
    ]);
    // New tables need none; nor do statements that block no reads or writes.
    assert_clean(&[
        "CREATE TABLE notes (id int, organization_id uuid);",
        "ALTER TABLE notes ADD COLUMN body text;",
        "COMMENT ON TABLE users IS 'people';",
        "ALTER TABLE users VALIDATE CONSTRAINT users_email_check;",
    ]);
}

// ---- concurrently-in-transaction ----

#[test]
fn non_transactional_statements_in_a_transaction() {
    let lines = [
        "CREATE INDEX CONCURRENTLY i ON invoices (due_on);",
        "DROP INDEX CONCURRENTLY IF EXISTS j;",
        "REINDEX INDEX CONCURRENTLY k;",
        "VACUUM invoices;",
    ];
    let findings = lint(&lines);
    assert_eq!(lines_of(&findings, Rule::ConcurrentlyInTransaction), [1, 2, 3, 4]);
    assert!(
        findings[0].message.contains("migrate:no-transaction"),
        "{}",
        findings[0]
    );
    assert_eq!(findings[0].severity, Severity::Error);
    // Inside an explicit block of a no-transaction file.
    let lines = [
        NO_TX,
        "BEGIN;",
        "CREATE INDEX CONCURRENTLY i ON invoices (due_on);",
        "COMMIT;",
    ];
    assert_eq!(found(&lines, Rule::ConcurrentlyInTransaction), [3]);
}

#[test]
fn an_enum_value_used_in_the_transaction_that_added_it() {
    let lines = [
        TIMEOUT,
        "ALTER TYPE invoice_status ADD VALUE 'refunded' AFTER 'paid';",
        "UPDATE invoices SET status = 'refunded' WHERE refunded_at IS NOT NULL;",
    ];
    let findings = lint(&lines);
    assert_eq!(lines_of(&findings, Rule::ConcurrentlyInTransaction), [2]);
    assert!(findings[0].message.contains("used at line 3"), "{}", findings[0]);
    // Added on its own, committed, then used: fine. Added and not used: fine.
    assert_clean(&[
        NO_TX,
        "ALTER TYPE invoice_status ADD VALUE 'refunded';",
        "BEGIN;",
        "UPDATE invoices SET status = 'refunded' WHERE refunded_at IS NOT NULL;",
        "COMMIT;",
    ]);
    assert_clean(&["ALTER TYPE invoice_status ADD VALUE IF NOT EXISTS 'refunded';"]);
}

#[test]
fn non_transactional_statements_on_their_own_are_fine() {
    assert_clean(&[
        NO_TX,
        "-- each runs on its own",
        "SET lock_timeout = '10min';",
        "CREATE INDEX CONCURRENTLY i ON invoices (due_on);",
        "DROP INDEX CONCURRENTLY IF EXISTS j;",
        "REINDEX INDEX CONCURRENTLY k;",
        "VACUUM (ANALYZE) invoices;",
    ]);
}

// ---- transaction-control ----

#[test]
fn transaction_control_the_runner_refuses() {
    // Without the marker the runner refuses a file that controls its transactions: reported
    // once, and the file is read as its blocks, the way its author meant it.
    let findings = lint(&[
        TIMEOUT,
        "BEGIN;",
        "ALTER TABLE invoices ADD COLUMN note text;",
        "COMMIT;",
        "CREATE INDEX CONCURRENTLY i ON invoices (due_on);",
    ]);
    assert_eq!(
        lines_of(&findings, Rule::TransactionControl),
        [2],
        "{}",
        report(&findings)
    );
    assert!(
        findings[0].fix.contains("migrate:no-transaction"),
        "{}",
        findings[0]
    );
    assert!(lines_of(&findings, Rule::ConcurrentlyInTransaction).is_empty());
    let lines = [
        NO_TX,
        "BEGIN;",
        "BEGIN;",
        "COMMIT;",
        "COMMIT;",
        "ROLLBACK;",
        "BEGIN;",
        "SELECT 1;",
    ];
    assert_eq!(found(&lines, Rule::TransactionControl), [3, 5, 6, 7]);
}

#[test]
fn blocks_in_a_no_transaction_file_are_fine() {
    assert_clean(&[
        NO_TX,
        "BEGIN;",
        "SELECT 1;",
        "COMMIT;",
        "START TRANSACTION;",
        "SELECT 2;",
        "END;",
    ]);
}

// ---- identifier-too-long ----

#[test]
fn identifiers_over_63_bytes() {
    let long = "a".repeat(64);
    let script =
        format!("CREATE TABLE t (\n  organization_id uuid,\n  x int CONSTRAINT \"{long}\" CHECK (x > 0)\n);");
    let findings = lint_sql("up.sql", &script, &LintOptions::default());
    let finding = findings
        .iter()
        .find(|f| f.rule == Rule::IdentifierTooLong)
        .expect("found");
    assert_eq!((finding.line, finding.column), (3, Some(20)));
    assert!(finding.message.contains("64 bytes"), "{finding}");
    // Bytes, not characters: 32 two-byte characters are 64 bytes.
    let wide = "é".repeat(32);
    assert_eq!(
        found(
            &[&format!("CREATE TABLE \"{wide}\" (organization_id uuid);")],
            Rule::IdentifierTooLong
        ),
        [1]
    );
}

#[test]
fn identifiers_of_63_bytes_and_long_strings_are_fine() {
    let name = "a".repeat(63);
    let text = "b".repeat(100);
    assert_clean(&[&format!(
        "CREATE TABLE {name} (organization_id uuid, note text DEFAULT '{text}');"
    )]);
}

// ---- money-as-float ----

#[test]
fn money_in_floating_point_or_numeric_columns() {
    let findings = lint(&[
        TIMEOUT,
        "CREATE TABLE orders (",
        "  organization_id uuid NOT NULL,",
        "  price real,",
        "  total_amount numeric(12, 2),",
        "  fee money,",
        "  tax_cents double precision,",
        "  rate double precision",
        ");",
        "ALTER TABLE invoices ADD COLUMN subtotal float8;",
        "ALTER TABLE invoices ALTER COLUMN balance TYPE decimal;",
    ]);
    assert_eq!(
        lines_of(&findings, Rule::MoneyAsFloat),
        [4, 5, 6, 7, 10, 11],
        "{}",
        report(&findings)
    );
    let price = findings.iter().find(|f| f.rule == Rule::MoneyAsFloat).unwrap();
    assert_eq!(price.column, Some(3));
    assert!(price.fix.contains("price_cents bigint"), "{price}");
}

#[test]
fn money_in_integer_cents_is_fine() {
    assert_clean(&[
        "CREATE TABLE orders (",
        "  organization_id uuid NOT NULL,",
        "  price_cents bigint NOT NULL,",
        "  exchange_rate double precision,",
        "  taxonomy numeric",
        ");",
    ]);
}

// ---- missing-organization-id ----

#[test]
fn tables_without_organization_id() {
    let findings = lint(&["CREATE TABLE notes (id uuid PRIMARY KEY, body text);"]);
    assert_eq!(lines_of(&findings, Rule::MissingOrganizationId), [1]);
    assert_eq!(findings[0].column, Some(14));
}

#[test]
fn tenant_tables_roots_and_declared_global_tables_are_fine() {
    assert_clean(&[
        "CREATE TABLE organizations (id uuid PRIMARY KEY);",
        "CREATE TABLE tenants (id uuid PRIMARY KEY);",
        "CREATE TABLE notes (id uuid, organization_id uuid NOT NULL REFERENCES tenants (id));",
        "CREATE TEMP TABLE scratch (n int);",
        "CREATE TABLE notes_2024 PARTITION OF notes FOR VALUES IN ('x');",
        "-- lint:allow missing-organization-id currencies are shared by every tenant",
        "CREATE TABLE currencies (code char(3) PRIMARY KEY);",
    ]);
    // A table the migration's snapshot declares passed the schema compiler's tenancy check.
    let after = schema(
        r#"[{"name": "currencies", "columns": [{"name": "code", "type": "text", "nullable": false}]}]"#,
    );
    let options = LintOptions {
        after: Some(after),
        ..LintOptions::default()
    };
    let findings = lint_sql("up.sql", "CREATE TABLE currencies (code text);", &options);
    assert!(findings.is_empty(), "{}", report(&findings));
}

// ---- parse-error ----

#[test]
fn parse_errors_are_reported_and_linting_goes_on() {
    let findings = lint(&[
        TIMEOUT,
        "CREAT TABLE oops (id int);",
        "ALTER TABLE users",
        "  ADD COLUMN x int,",
        "  FROBNICATE y;",
        "CREATE INDEX i ON invoices (due_on);",
    ]);
    assert_eq!(
        lines_of(&findings, Rule::ParseError),
        [2, 5],
        "{}",
        report(&findings)
    );
    assert!(findings[0].message.contains("CREAT"), "{}", findings[0]);
    // The readable action of the ALTER TABLE was still checked, as was the next statement.
    assert_eq!(lines_of(&findings, Rule::CreateIndexNotConcurrently), [6]);
}

#[test]
fn postgres_forms_the_parser_lacks_are_not_errors() {
    assert_clean(&[
        NO_TX,
        "SET lock_timeout = '2s';",
        "DO $$ BEGIN PERFORM 1; END $$;",
        "COMMENT ON CONSTRAINT c ON invoices IS 'x';",
        "ALTER SEQUENCE s RESTART WITH 10;",
        "ALTER TABLE invoices ALTER COLUMN status SET STATISTICS 500;",
        "CREATE INDEX CONCURRENTLY i ON ONLY invoices (due_on);",
        "CREATE TRIGGER a AFTER INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION audit('organization_id');",
        "CLUSTER;",
    ]);
}

#[test]
fn actions_the_parser_lacks_still_count_their_locks() {
    let lines = ["ALTER TABLE invoices ALTER COLUMN status DROP IDENTITY IF EXISTS;"];
    assert_eq!(found(&lines, Rule::MissingLockTimeout), [1]);
    assert_clean(&["ALTER TABLE invoices ALTER COLUMN status SET STATISTICS 500;"]);
    assert_clean(&[
        "CREATE TABLE notes (id int GENERATED ALWAYS AS IDENTITY, organization_id uuid);",
        "ALTER TABLE notes ALTER COLUMN id DROP IDENTITY;",
    ]);
}

#[test]
fn empty_and_comment_only_scripts_are_fine() {
    assert!(lint(&[]).is_empty());
    assert!(lint(&["-- nothing to do", "/* at all */", ""]).is_empty());
    assert!(lint(&[";;", "  ;"]).is_empty());
}

// ---- suppression ----

#[test]
fn an_allow_with_a_reason_suppresses_its_statement_only() {
    let findings = lint(&[
        TIMEOUT,
        "-- lint:allow drop-table,drop-column retired in 2023, nothing reads them",
        "DROP TABLE legacy;",
        "DROP TABLE other;",
        "ALTER TABLE users DROP COLUMN legacy; -- lint:allow drop-column unused since v2",
    ]);
    assert_eq!(lines_of(&findings, Rule::DropTable), [4], "{}", report(&findings));
    assert!(lines_of(&findings, Rule::DropColumn).is_empty());
}

#[test]
fn an_allow_without_a_reason_is_a_finding_and_suppresses_nothing() {
    let findings = lint(&[TIMEOUT, "-- lint:allow drop-table", "DROP TABLE legacy;"]);
    assert_eq!(lines_of(&findings, Rule::InvalidAllow), [2]);
    assert_eq!(lines_of(&findings, Rule::DropTable), [3]);
    let findings = lint(&[
        TIMEOUT,
        "-- lint:allow drop-tables typo in the name",
        "DROP TABLE legacy;",
    ]);
    assert_eq!(lines_of(&findings, Rule::InvalidAllow), [2]);
    assert!(
        findings[0].message.contains("unknown rule `drop-tables`"),
        "{}",
        findings[0]
    );
}

#[test]
fn allow_file_and_options_suppress_everywhere() {
    let lines = [
        "-- lint:allow-file missing-organization-id lookup tables, shared by all tenants",
        "CREATE TABLE countries (code text);",
        "",
        "CREATE TABLE currencies (code text);",
    ];
    assert_clean(&lines);
    let options = LintOptions {
        allow: [Rule::MissingOrganizationId].into(),
        ..LintOptions::default()
    };
    assert!(lint_sql("x.sql", "CREATE TABLE countries (code text);", &options).is_empty());
}

// ---- positions ----

#[test]
fn lines_count_comments_and_multi_line_statements() {
    let findings = lint(&[
        "-- header",
        "/* a block comment;",
        "   over lines */",
        TIMEOUT,
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$",
        "BEGIN",
        "    PERFORM 1; -- a semicolon in the body",
        "    RETURN NEW;",
        "END",
        "$body$;",
        "",
        "ALTER TABLE users",
        "    ADD COLUMN bio text,",
        "    DROP COLUMN legacy;",
        "SELECT 'a;b', $$ ; $$; CREATE INDEX i",
        "  ON invoices (due_on);",
    ]);
    let positions: Vec<(Rule, usize, Option<usize>)> =
        findings.iter().map(|f| (f.rule, f.line, f.column)).collect();
    assert_eq!(
        positions,
        [
            (Rule::DropColumn, 14, Some(17)),
            (Rule::CreateIndexNotConcurrently, 15, Some(24))
        ],
        "{}",
        report(&findings)
    );
    assert_eq!(findings[1].statement, "CREATE INDEX i ...");
}

#[test]
fn findings_serialize_for_ci() {
    let findings = lint(&[TIMEOUT, "DROP TABLE legacy;"]);
    let json: serde_json::Value = serde_json::to_value(&findings).unwrap();
    assert_eq!(json[0]["rule"], "drop-table");
    assert_eq!(json[0]["severity"], "warning");
    assert_eq!(json[0]["line"], 2);
    assert_eq!(json[0]["statement"], "DROP TABLE legacy");
    assert!(json[0]["fix"].as_str().unwrap().contains("deploy"));
}

// ---- the tool's own SQL ----

fn schema(tables: &str) -> Schema {
    serde_json::from_str(&format!(r#"{{"tables": {tables}}}"#)).expect("schema JSON")
}

#[test]
fn the_example_migrations_lint_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/migrations");
    let findings = lint_path(&dir, &LintOptions::default()).unwrap();
    assert!(findings.is_empty(), "{}", report(&findings));
    // Their global tables are declared in the snapshot: without it they are findings.
    let initial = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("up.sql").is_file())
        .min()
        .unwrap();
    let up = std::fs::read_to_string(initial.join("up.sql")).unwrap();
    let alone = lint_sql("up.sql", &up, &LintOptions::default());
    assert!(
        alone.iter().all(|f| f.rule == Rule::MissingOrganizationId),
        "{}",
        report(&alone)
    );
}

#[test]
fn lint_path_reads_a_migrations_directory_with_its_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("migrations");
    let snapshot = r#"{"tables": [{"name": "users", "columns": [
        {"name": "id", "type": "uuid", "nullable": false},
        {"name": "organization_id", "type": "uuid", "nullable": false},
        {"name": "code", "type": {"varchar": 10}, "nullable": true}]}]}"#;
    let write = |migration: &str, up: &[&str], down: &[&str]| {
        let dir = root.join(migration);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("up.sql"), sql(up)).unwrap();
        std::fs::write(dir.join("down.sql"), sql(down)).unwrap();
        std::fs::write(dir.join("schema.json"), snapshot).unwrap();
        dir
    };
    write(
        "20240101000000_users",
        &["CREATE TABLE users (id uuid, organization_id uuid, code varchar(10));"],
        &[TIMEOUT, "DROP TABLE users;"],
    );
    let second = write(
        "20240102000000_shorter_codes",
        &[
            TIMEOUT,
            "ALTER TABLE users ALTER COLUMN code TYPE varchar(5);",
            "ALTER TABLE users ADD COLUMN bio text;",
        ],
        &[
            TIMEOUT,
            "ALTER TABLE users DROP COLUMN bio;",
            "ALTER TABLE users DROP COLUMN code;",
        ],
    );
    std::fs::write(root.join("migrations.sum"), "h1:whatever\n").unwrap();

    let found: Vec<(String, usize, Rule)> = lint_path(&root, &LintOptions::default())
        .unwrap()
        .into_iter()
        .map(|f| {
            (
                f.file.replace(&format!("{}/", root.display()), ""),
                f.line,
                f.rule,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            // The previous snapshot says code was varchar(10): this narrows it.
            (
                "20240102000000_shorter_codes/up.sql".to_owned(),
                2,
                Rule::ColumnTypeChange
            ),
            // bio is what up.sql added; code is not.
            (
                "20240102000000_shorter_codes/down.sql".to_owned(),
                3,
                Rule::DropColumn
            ),
        ]
    );
    // A file of a migration is read with the same context.
    let down = lint_path(&second.join("down.sql"), &LintOptions::default()).unwrap();
    assert_eq!(lines_of(&down, Rule::DropColumn), [3]);
    assert!(lint_path(&root.join("nowhere"), &LintOptions::default()).is_err());
}

/// A migration file the way `migrate generate` writes it.
fn migration_file(statements: &[&Statement]) -> String {
    if statements.iter().all(|s| s.transactional) {
        transaction_body(statements)
    } else {
        format!("{NO_TRANSACTION_MARKER}\n{}", script(statements))
    }
}

/// `users` of the online-plan tests: `email` nullable or not, `code` a varchar of `code_length`,
/// plus `columns` and table properties `extra` (JSON fragments starting with a comma).
fn users(email_nullable: bool, code_length: u32, columns: &str, extra: &str) -> String {
    format!(
        r#"{{"name": "users", "columns": [
            {{"name": "id", "type": "uuid", "nullable": false}},
            {{"name": "organization_id", "type": "uuid", "nullable": false}},
            {{"name": "email", "type": "text", "nullable": {email_nullable}}},
            {{"name": "code", "type": {{"varchar": {code_length}}}, "nullable": true}}
            {columns}
        ], "primary_key": {{"name": "users_pkey", "columns": ["id"]}} {extra}}}"#
    )
}

#[test]
fn online_plans_lint_clean() {
    let organizations = r#"{"name": "organizations", "columns": [{"name": "id", "type": "uuid", "nullable": false}],
        "primary_key": {"name": "organizations_pkey", "columns": ["id"]}}"#;
    let from = schema(&format!("[{organizations}, {}]", users(true, 10, "", "")));
    let foreign_key = r#", "foreign_keys": [{"name": "users_organization_id_fkey", "columns": ["organization_id"],
        "referenced_table": "organizations", "referenced_columns": ["id"], "on_delete": "cascade", "on_update": "no_action"}]"#;
    // (change, users after it, the rules its down migration rightly breaks)
    let targets: [(&str, String, &[Rule]); 7] = [
        (
            "index",
            users(
                true,
                10,
                "",
                r#", "indexes": [{"name": "users_email_idx", "keys": [{"column": "email"}]}]"#,
            ),
            &[],
        ),
        (
            "unique",
            users(
                true,
                10,
                "",
                r#", "uniques": [{"name": "users_email_key", "columns": ["email"]}]"#,
            ),
            &[],
        ),
        (
            "check",
            users(
                true,
                10,
                "",
                r#", "checks": [{"name": "users_email_check", "expression": "email <> ''"}]"#,
            ),
            &[],
        ),
        ("foreign key", users(true, 10, "", foreign_key), &[]),
        ("set not null", users(false, 10, "", ""), &[]),
        (
            "widen varchar",
            users(true, 40, "", ""),
            &[Rule::ColumnTypeChange],
        ),
        (
            "add nullable column",
            users(
                true,
                10,
                r#", {"name": "bio", "type": "text", "nullable": true}"#,
                "",
            ),
            &[],
        ),
    ];
    for (what, target, down_rules) in targets {
        let to = schema(&format!("[{organizations}, {target}]"));
        let plan = plan(&from, &to, &Renames::default(), &PlanOptions::default()).expect(what);
        assert!(!plan.is_empty(), "{what}: nothing planned");
        let up = migration_file(&plan.up());
        let options = LintOptions {
            before: Some(from.clone()),
            after: Some(to.clone()),
            ..LintOptions::default()
        };
        let findings = lint_sql("up.sql", &up, &options);
        assert!(findings.is_empty(), "{what}:\n{up}\n{}", report(&findings));
        let down = migration_file(&plan.down());
        let options = LintOptions {
            before: Some(to.clone()),
            after: Some(from.clone()),
            reverts: Some(created_by(&up)),
            ..LintOptions::default()
        };
        let findings = lint_sql("down.sql", &down, &options);
        let rules: Vec<Rule> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, down_rules, "{what} (down):\n{down}\n{}", report(&findings));
    }
}

/// An index added to (or dropped from) a partitioned table that has rows: the plan builds it
/// partition by partition (`ON ONLY`, each partition's `CONCURRENTLY`, `ATTACH`), which the
/// online lint accepts, both ways.
#[test]
fn online_partitioned_index_plans_lint_clean() {
    let events = |indexes: &str| {
        format!(
            r#"[{{"name": "events", "columns": [
                {{"name": "id", "type": "big_int", "nullable": false}},
                {{"name": "at", "type": "date", "nullable": false}},
                {{"name": "kind", "type": "text", "nullable": true}}
            ], "primary_key": {{"name": "events_pkey", "columns": ["id", "at"]}},
            "partition_by": "RANGE (at)",
            "partitions": [
                {{"name": "events_2024", "bound": "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"}},
                {{"name": "events_2025", "bound": "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"}}
            ] {indexes}}}]"#
        )
    };
    let plain = schema(&events(""));
    let indexed = schema(&events(
        r#", "indexes": [{"name": "events_kind_idx", "keys": [{"column": "kind"}]}]"#,
    ));
    for (from, to) in [(&plain, &indexed), (&indexed, &plain)] {
        let plan = plan(from, to, &Renames::default(), &PlanOptions::default()).expect("plan");
        for (direction, statements, before, after) in
            [("up", plan.up(), from, to), ("down", plan.down(), to, from)]
        {
            let sql = migration_file(&statements);
            let options = LintOptions {
                before: Some(before.clone()),
                after: Some(after.clone()),
                ..LintOptions::default()
            };
            let findings = lint_sql("up.sql", &sql, &options);
            assert!(findings.is_empty(), "{direction}:\n{sql}\n{}", report(&findings));
            if direction == "up" && to == &indexed || direction == "down" && from == &indexed {
                for expected in [
                    "ON ONLY \"events\"",
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"events_2024_events_kind_idx\" ON \"events_2024\"",
                    "ALTER INDEX \"events_kind_idx\" ATTACH PARTITION \"events_2025_events_kind_idx\"",
                ] {
                    assert!(sql.contains(expected), "{direction}: {expected}\n{sql}");
                }
            }
        }
    }
}

// ---- any input ----

/// SQL-ish fragments, and arbitrary text, to assemble scripts from.
fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let words = prop::sample::select(vec![
        "CREATE",
        "TABLE",
        "INDEX",
        "UNIQUE",
        "CONCURRENTLY",
        "ALTER",
        "ADD",
        "COLUMN",
        "DROP",
        "SET",
        "LOCAL",
        "lock_timeout",
        "=",
        "'0'",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "NOT",
        "NULL",
        "VALID",
        "DEFAULT",
        "random()",
        "ON",
        "ONLY",
        "t",
        "\"T é\"",
        "'s'",
        "E'\\''",
        "$$",
        "$a$",
        ";",
        ",",
        "(",
        ")",
        "--",
        "/*",
        "*/",
        "\n",
        "\r\n",
        "é",
        "RENAME",
        "TO",
        "TYPE",
        "numeric",
        "price",
        "organization_id",
        "VALIDATE",
        "CONSTRAINT",
        "CHECK",
        "FOREIGN KEY",
        "REFERENCES",
        "DO",
        "REINDEX",
        "VACUUM",
        "USING",
        "EXECUTE FUNCTION",
        "TRIGGER",
        "VALUE",
        "\"",
        "-- lint:allow drop-table x\n",
        "-- lint:allow\n",
        "-- migrate:no-transaction\n",
    ]);
    prop_oneof![4 => words.prop_map(|w| format!("{w} ")), 1 => "\\PC{0,6}"]
}

proptest::proptest! {
    /// Whatever the script, linting ends, with every finding inside it.
    #[test]
    fn any_script_lints_without_panicking(pieces in proptest::collection::vec(fragment(), 0..60)) {
        let script = pieces.concat();
        let findings = lint_sql("x.sql", &script, &LintOptions::default());
        let lines = script.split('\n').count();
        for finding in &findings {
            proptest::prop_assert!(
                (1..=lines).contains(&finding.line),
                "line {} of {lines}: {finding}\n{script:?}",
                finding.line
            );
        }
    }
}
