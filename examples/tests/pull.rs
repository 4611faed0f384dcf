//! `migrate pull` end to end: a database is pulled, the generated Rust is written into a
//! temporary crate and built with cargo, its binary prints the declared schema, and that schema
//! is compared with the database as `check --database` compares them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use schema_core::Renames;
use schema_core::model::Schema;
use schema_migrate::apply::ApplyOptions;
use schema_migrate::diff::diff;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::migrations::MigrationDir;
use schema_migrate::normalize::normalize;
use schema_migrate::pull::{self, PullOptions};
use schema_migrate::runner;
use testkit::TestDb;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// Build `code` as the library of a fresh crate (path dependency on schema-core) with a binary
/// that prints its declared schema as JSON; the declared schema, or the compiler's errors.
fn build_and_declare(name: &str, code: &str) -> Result<Schema, String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path();
    std::fs::create_dir(root.join("src")).expect("src");
    let core = workspace().join("schema-core");
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nschema-core = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
            core.display().to_string()
        ),
    )
    .expect("Cargo.toml");
    // The workspace's lock file, so the crate builds offline with the versions already built.
    std::fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock")).expect("Cargo.lock");
    std::fs::write(root.join("src/lib.rs"), code).expect("lib.rs");
    std::fs::write(
        root.join("src/main.rs"),
        format!(
            "fn main() {{\n    match {}::schema() {{\n        Ok(declared) => println!(\"{{}}\", serde_json::to_string(&declared.schema).unwrap()),\n        Err(errors) => {{ eprintln!(\"{{errors}}\"); std::process::exit(1) }}\n    }}\n}}\n",
            name.replace('-', "_")
        ),
    )
    .expect("main.rs");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--offline"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", workspace().join("target").join("pull-crates"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let json = String::from_utf8(output.stdout).expect("utf-8");
    Ok(Schema::from_json(json.trim()).expect("the binary prints a schema"))
}

/// The drift `check --database` reports between the database and a declared schema.
async fn drift(db: &TestDb, declared: &Schema) -> Vec<String> {
    let client = db.connect().await;
    let live = inspect(&client, &InspectOptions::declared([declared]))
        .await
        .expect("inspect");
    let expected = normalize(db.server_url(), declared).await.expect("normalize");
    diff(&live.schema, &expected, &Renames::default())
        .iter()
        .map(schema_migrate::plan::describe_change)
        .collect()
}

#[tokio::test]
async fn the_pulled_example_builds_and_matches_its_database() {
    let db = TestDb::create("pull_example").await;
    let migrations = MigrationDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .load()
        .expect("the example's migrations load");
    runner::up(db.url(), &migrations, None, &ApplyOptions::default())
        .await
        .expect("the example's migrations apply");
    let client = db.connect().await;
    // A password hash in a row: the sample that lets `password_hash` be a `PasswordHash`.
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, slug, display_name, plan) VALUES ('00000000-0000-0000-0000-000000000001', 'a', 'A', 'free');
             INSERT INTO users (organization_id, email, full_name, password_hash)
             VALUES ('00000000-0000-0000-0000-000000000001', 'a@example.com', 'A', '{HASH}');"
        ))
        .await
        .expect("seed");

    let pulled = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    let report = &pulled.report;
    assert_eq!(report.schemas, ["public"]);
    assert_eq!(report.tables, 13, "the audit table is the builder's: {report:?}");
    assert!(report.not_reproduced.is_empty(), "{:#?}", report.not_reproduced);
    assert!(
        pulled.code.contains("pub password_hash: PasswordHash,"),
        "{}",
        pulled.code
    );
    assert!(
        pulled.code.contains("pub token_hash: TokenHash,"),
        "{}",
        pulled.code
    );
    assert!(pulled.code.contains("#[table(tenant_root"), "{}", pulled.code);
    assert!(
        pulled.code.contains(".app_role(\"billing_app\")"),
        "{}",
        pulled.code
    );
    assert!(
        pulled
            .code
            .contains(".lookup::<Organization>(\"organization_by_slug\""),
        "{}",
        pulled.code
    );
    // The reasons the example states live in its code, not in the database: the pull reports them.
    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.object.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("rls-off", "usage_events"),
            ("float-without-reason", "exchange_rates.rate"),
            ("json-without-reason", "customers.metadata"),
            ("json-without-reason", "payment_methods.gateway_payload"),
        ]
    );

    let declared = build_and_declare("pulled-example", &pulled.code)
        .unwrap_or_else(|errors| panic!("the pulled code does not build:\n{errors}\n{}", pulled.code));
    let drift = drift(&db, &declared).await;
    assert!(drift.is_empty(), "drift after pull: {drift:#?}");

    // The baseline's snapshot is spelled as the builder spells: `generate` finds no changes.
    let baseline = pull::baseline::snapshot(&pulled);
    let changes = diff(&baseline, &declared, &Renames::default());
    let described: Vec<String> = changes
        .iter()
        .map(schema_migrate::plan::describe_change)
        .collect();
    assert!(
        described.is_empty(),
        "the baseline differs from the declared schema: {described:#?}"
    );
}

mod adopted {
    //! The schema a database was once created from by the tool (audited, with a non-default
    //! actor setting) before objects were added to it by hand.
    use schema_core::prelude::*;

    #[derive(Table)]
    #[table(tenant_root)]
    pub struct Organization {
        #[column(primary_key)]
        pub id: OrganizationId,
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }

    #[derive(Table)]
    #[table(audited)]
    pub struct Document {
        #[column(primary_key, default_sql = "gen_random_uuid()")]
        pub id: Uuid,
        pub organization_id: OrganizationId,
        pub title: String,
        pub archived: bool,
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }

    #[derive(Table)]
    #[table(global)]
    pub struct Country {
        #[column(primary_key)]
        pub code: String,
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }

    #[derive(Table)]
    #[table(global, schema = "billing")]
    pub struct Rate {
        #[column(primary_key)]
        pub code: String,
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }

    pub fn schema(app: &str) -> DeclaredSchema {
        SchemaBuilder::new()
            .app_role(app)
            .actor_setting("app.acting_user")
            .table::<Organization>()
            .table::<Document>()
            .table::<Country>()
            .table::<Rate>()
            .build()
            .expect("valid")
    }
}

/// What was added by hand: a trigger and its function, a function with argument defaults and
/// a policy calling it, restrictive policies, grants to a
/// reporting role (whole table and columns, on a table of another namespace with USAGE on it,
/// on the builder's audit table), a materialized view with two indexes.
fn added_by_hand(reporting: &str) -> String {
    format!(
        r###"
CREATE FUNCTION trim_title() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- a "#tag" and a "##tag": the raw string takes three hashes
    NEW.title := btrim(NEW.title);
    RETURN NEW;
END
$fn$;
CREATE TRIGGER documents_trim_title BEFORE INSERT OR UPDATE OF title ON documents
    FOR EACH ROW WHEN (NEW.title IS NOT NULL) EXECUTE FUNCTION trim_title();
CREATE POLICY documents_archived_are_read_only ON documents AS RESTRICTIVE FOR UPDATE USING (NOT archived);
CREATE FUNCTION short_title(title text, width integer DEFAULT 20, ellipsis text DEFAULT '...', OUT short text)
    LANGUAGE plpgsql IMMUTABLE AS $fn$ BEGIN short := left(title, width) || ellipsis; END $fn$;
CREATE POLICY documents_short_titles ON documents AS RESTRICTIVE FOR INSERT WITH CHECK (short_title(title, 1000, '') = title);
GRANT SELECT ON countries TO "{reporting}";
GRANT SELECT (id, title), UPDATE (archived) ON documents TO "{reporting}";
GRANT USAGE ON SCHEMA billing TO "{reporting}";
GRANT SELECT ON billing.rates TO "{reporting}";
GRANT SELECT ON audit_log TO "{reporting}";
CREATE MATERIALIZED VIEW document_counts AS
    SELECT organization_id, count(*) AS documents FROM documents GROUP BY organization_id;
CREATE UNIQUE INDEX document_counts_organization_id_idx ON document_counts (organization_id);
CREATE INDEX document_counts_many_idx ON document_counts (documents DESC) WHERE documents > 10;
"###
    )
}

#[tokio::test]
async fn hand_written_objects_are_pulled_as_builder_calls_and_match_their_database() {
    let db = TestDb::create("pull_hand_written").await;
    let app = db.create_role("pull_hw_app").await;
    let reporting = db.create_role("pull_hw_reporting").await;
    let client = db.connect().await;
    let base = adopted::schema(app.name());
    let options = InspectOptions::declared([&base.schema]);
    let empty = inspect(&client, &options).await.expect("inspect").schema;
    let steps = schema_migrate::plan::plan(
        &empty,
        &base.schema,
        &base.renames,
        &schema_migrate::plan::PlanOptions::default(),
    )
    .expect("plan");
    client
        .batch_execute(&steps.up_script())
        .await
        .expect("the tool's schema");
    client
        .batch_execute(&added_by_hand(reporting.name()))
        .await
        .expect("what was added by hand");

    let pulled = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    let code = &pulled.code;
    assert!(
        pulled.report.not_reproduced.is_empty(),
        "{:#?}\n{code}",
        pulled.report.not_reproduced
    );
    for expected in [
        ".actor_setting(\"app.acting_user\")",
        "body: r###\"",
        ".trigger(\n            \"documents\",",
        ".policy(\n            \"documents\",",
        "argument_defaults: vec![\"20\".into(), \"'...'::text\".into()],",
        &format!(
            ".grant(\"countries\", model::Grant::table({:?}, vec![model::Privilege::Select]))",
            reporting.name()
        ),
        ".index(model::Index {\n                    unique: true,\n                    ..model::Index::on_columns(\"document_counts_organization_id_idx\", &[\"organization_id\"])",
    ] {
        assert!(code.contains(expected), "no `{expected}` in:\n{code}");
    }
    let function = code.find(".function(").expect("the function");
    let trigger = code.find(".trigger(").expect("the trigger");
    assert!(
        function < trigger,
        "functions come before the triggers that call them"
    );

    let declared = build_and_declare("pulled-hand-written", code)
        .unwrap_or_else(|errors| panic!("the pulled code does not build:\n{errors}\n{code}"));
    let drift = drift(&db, &declared).await;
    assert!(drift.is_empty(), "drift after pull: {drift:#?}");
    let baseline = pull::baseline::snapshot(&pulled);
    let changes: Vec<String> = diff(&baseline, &declared, &Renames::default())
        .iter()
        .map(schema_migrate::plan::describe_change)
        .collect();
    assert!(
        changes.is_empty(),
        "the baseline differs from the declared schema: {changes:#?}"
    );
}

/// A 63-byte name: the longest Postgres keeps (a longer one was cut to this).
const LONG_TABLE: &str = "a_table_name_that_is_exactly_sixty_three_bytes_long_abcdefghijk";
const LONG_COLUMN: &str = "a_column_name_that_is_exactly_sixty_three_bytes_long_abcdefghij";

/// A schema that breaks every standard the report knows, with awkward names.
fn awkward_sql() -> String {
    assert_eq!(LONG_TABLE.len(), 63);
    assert_eq!(LONG_COLUMN.len(), 63);
    format!(
        r#"
CREATE SCHEMA billing;
CREATE TYPE "Mood" AS ENUM ('happy', 'Very Sad', 'ok-ish');
CREATE TYPE billing.state AS ENUM ('on', 'off');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    "type" text NOT NULL,
    "CustomerName" text,
    "unit price" numeric(12,2) NOT NULL,
    total double precision,
    discount integer,
    weight real,
    payload jsonb,
    api_token text,
    password_hash text,
    mood "Mood",
    quantity positive_int,
    created_at timestamp without time zone NOT NULL DEFAULT now()
);
CREATE INDEX orders_organization_id_idx ON orders (organization_id);
COMMENT ON TABLE orders IS 'Orders.

Two paragraphs, and a "quote"';
COMMENT ON COLUMN orders."type" IS 'What kind of order';
CREATE TABLE line_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    order_id bigint NOT NULL REFERENCES orders (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX line_items_organization_id_idx ON line_items (organization_id);
CREATE TABLE notes (
    id serial PRIMARY KEY,
    order_id bigint REFERENCES orders (id) ON DELETE CASCADE,
    body text
);
CREATE INDEX notes_order_id_idx ON notes (order_id);
CREATE TABLE "{LONG_TABLE}" (
    id integer PRIMARY KEY,
    "{LONG_COLUMN}" text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE billing.invoices (
    id uuid PRIMARY KEY,
    state billing.state NOT NULL DEFAULT 'on',
    "Mixed Case" integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE "where" (
    "select" integer PRIMARY KEY,
    "self" text,
    "fn" boolean,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE no_key (x integer);
CREATE VIEW open_orders AS SELECT id, "type" FROM orders;
CREATE SEQUENCE invoice_numbers START 1000;
INSERT INTO organizations (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'A');
INSERT INTO orders (organization_id, "type", "unit price", password_hash)
VALUES ('00000000-0000-0000-0000-000000000001', 'x', 1.50, 'hunter2');
"#
    )
}

#[tokio::test]
async fn a_schema_with_every_finding_and_awkward_names_builds() {
    let db = TestDb::create("pull_awkward").await;
    let client = db.connect().await;
    client.batch_execute(&awkward_sql()).await.expect("schema");

    let pulled = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    let report = &pulled.report;
    assert_eq!(
        report.schemas,
        ["billing", "public"],
        "every application schema is read"
    );
    let rules: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    for rule in [
        "money-not-cents",
        "float-without-reason",
        "json-without-reason",
        "plaintext-secret",
        "tenant-table-without-organization-id",
        "missing-timestamp",
        "timestamp-type",
        "foreign-key-without-index",
        "foreign-key-without-on-delete",
        "cross-tenant-foreign-key",
        "truncated-name",
        "no-primary-key",
        "rls-off",
    ] {
        assert!(rules.contains(rule), "no {rule} finding: {:#?}", report.findings);
    }
    for finding in &report.findings {
        assert!(!finding.fix.is_empty(), "a finding without its fix: {finding:?}");
    }
    // Money as numeric is a rewrite: expand (add, backfill) and contract (drop).
    let money = report
        .findings
        .iter()
        .find(|f| f.rule == "money-not-cents" && f.object == "orders.unit price")
        .expect("unit price");
    assert_eq!(money.fix.len(), 3, "{money:?}");
    assert!(money.fix[0].starts_with("ALTER TABLE \"orders\" ADD COLUMN \"unit price_cents\" bigint"));
    assert!(money.fix[2].contains("DROP COLUMN \"unit price\""));
    // What the code cannot hold is listed, never dropped.
    assert!(
        report.not_reproduced.iter().any(|n| n.contains("no_key")),
        "{:#?}",
        report.not_reproduced
    );
    assert!(
        !report.not_reproduced.iter().any(|n| n.contains("serial")),
        "a serial column is declared `identity = \"serial\"`: {:#?}",
        report.not_reproduced
    );
    let code = &pulled.code;
    for expected in [
        "pub r#type: String,",
        "#[column(name = \"CustomerName\")]",
        "#[column(name = \"unit price\", sql_type = \"numeric(12,2)\", not_money = \"existing column: money stored as numeric(12,2), not integer cents\")]",
        "pub self_: Option<String>,",
        "pub r#fn: Option<bool>,",
        "#[pg_enum(name = \"Mood\")]",
        "#[pg_enum(rename = \"Very Sad\")]",
        "#[pg_enum(schema = \"billing\")]",
        "#[table(name = \"where\", global)]",
        "not_secret = \"existing column: plaintext-looking secret\"",
        "not_secret = \"existing column: password column whose rows are not all PHC hashes\"",
        ".view(model::View::new(\"open_orders\"",
        ".sequence(model::Sequence::new(\"invoice_numbers\")",
        ".domain(model::Domain::new(\"positive_int\"",
        "/// Two paragraphs, and a \"quote\"",
        "#[column(primary_key, identity = \"serial\")]",
    ] {
        assert!(code.contains(expected), "no `{expected}` in:\n{code}");
    }

    let declared = build_and_declare("pulled-awkward", code)
        .unwrap_or_else(|errors| panic!("the pulled code does not build:\n{errors}\n{code}"));
    // Where the code declares the standard instead of the database's state, `check --database`
    // shows the difference: only there (and where the report says what is not reproduced:
    // the serial column, the table without a key).
    let drift = drift(&db, &declared).await;
    let fixed: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.declared_fixed)
        .map(|f| f.object.split(['.', ':']).next().unwrap_or_default())
        .collect();
    let explained = |change: &String| {
        fixed.iter().any(|table| change.contains(table))
            || change.contains("function set_updated_at")
            || ["notes", "no_key"].iter().any(|t| change.contains(t))
    };
    let unexplained: Vec<&String> = drift.iter().filter(|c| !explained(c)).collect();
    assert!(
        unexplained.is_empty(),
        "drift no finding explains: {unexplained:#?}\nall: {drift:#?}"
    );
}

/// What the derive declares beyond the builder's defaults: identity options, serial columns,
/// primary key names, deferrable keys, index keys with a collation or operator class,
/// partitioned tables of every strategy. Each is pulled as an attribute, so the pulled code
/// declares exactly the database: no drift, and nothing listed as not reproduced.
const DECLARABLE_SQL: &str = r#"
CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tickets (
    id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1000 INCREMENT BY 5 CACHE 10) CONSTRAINT ticket_pk PRIMARY KEY,
    number integer GENERATED ALWAYS AS IDENTITY (MINVALUE -50 MAXVALUE 5000 START WITH -50 CYCLE),
    code text NOT NULL,
    position smallserial,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tickets_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX tickets_code_idx ON tickets (code COLLATE "C" text_pattern_ops DESC NULLS LAST);
CREATE TABLE ticket_links (
    id serial PRIMARY KEY,
    ticket_id bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE DEFERRABLE,
    other_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_links_other_fk FOREIGN KEY (other_id) REFERENCES tickets (id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED
);
-- NOT VALID counts only when added to an existing table (CREATE TABLE validates it at once).
ALTER TABLE ticket_links ADD CONSTRAINT ticket_links_positive CHECK (other_id > 0) NOT VALID;
CREATE INDEX ticket_links_ticket_id_idx ON ticket_links (ticket_id);
CREATE INDEX ticket_links_other_id_idx ON ticket_links (other_id);
CREATE TABLE readings (
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');
CREATE TABLE readings_old PARTITION OF readings FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00');
CREATE TABLE readings_rest PARTITION OF readings DEFAULT;
CREATE TABLE regional (
    id integer NOT NULL,
    "Region" text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, "Region")
) PARTITION BY LIST ("Region");
CREATE TABLE regional_eu PARTITION OF regional FOR VALUES IN ('eu', 'uk''s');
CREATE TABLE buckets (
    id integer PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY HASH (id);
CREATE TABLE buckets_0 PARTITION OF buckets FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE buckets_1 PARTITION OF buckets FOR VALUES WITH (MODULUS 2, REMAINDER 1);
"#;

#[tokio::test]
async fn identity_options_deferrable_keys_opclasses_and_partitions_are_pulled_as_declared() {
    let db = TestDb::create("pull_declarable").await;
    let client = db.connect().await;
    client.batch_execute(DECLARABLE_SQL).await.expect("schema");
    let options = PullOptions {
        tenancies: pull::Tenancies {
            root: Some("organizations".to_owned()),
            global: ["tickets", "ticket_links", "readings", "regional", "buckets"]
                .map(String::from)
                .to_vec(),
        },
        ..PullOptions::default()
    };
    let pulled = pull::pull(&client, &options).await.expect("pull");
    let code = &pulled.code;
    for expected in [
        "#[column(primary_key, identity(by_default, start = 1000, increment = 5, cache = 10))]",
        "#[column(identity(min_value = -50, max_value = 5000, cycle))]",
        "#[column(identity = \"serial\")]",
        "primary_key(name = \"ticket_pk\")",
        "unique(code, deferrable = \"initially deferred\")",
        "index(code collate \"C\" opclass \"text_pattern_ops\" desc nulls last)",
        "deferrable = \"initially immediate\"",
        "foreign_key(columns(other_id), references = Ticket, on_delete = \"restrict\", name = \"ticket_links_other_fk\", deferrable = \"initially deferred\")",
        "partition_by(range(created_at))",
        "partition(name = \"readings_2026\", from = \"2026-01-01 00:00:00+00\", to = \"2027-01-01 00:00:00+00\")",
        "partition(name = \"readings_old\", from = \"MINVALUE\", to = \"2026-01-01 00:00:00+00\")",
        "partition(name = \"readings_rest\", default)",
        "partition_by(list(region))",
        "partition(name = \"regional_eu\", values(\"eu\", \"uk's\"))",
        "partition_by(hash(id))",
        "partition(name = \"buckets_1\", modulus = 2, remainder = 1)",
    ] {
        assert!(code.contains(expected), "no `{expected}` in:\n{code}");
    }
    let report = &pulled.report;
    assert!(
        report.not_reproduced.is_empty(),
        "everything here is declarable: {:#?}",
        report.not_reproduced
    );
    let not_valid: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "not-valid-constraint")
        .map(|f| f.object.as_str())
        .collect();
    assert_eq!(not_valid, ["ticket_links.ticket_links_positive"]);

    let declared = build_and_declare("pulled-declarable", code)
        .unwrap_or_else(|errors| panic!("the pulled code does not build:\n{errors}\n{code}"));
    // What differs is what the findings say the code declares fixed (the builder's triggers
    // and the root's row-level security, the validated check): no attribute under test drifts.
    let drift = drift(&db, &declared).await;
    let fixed: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.declared_fixed)
        .map(|f| f.object.split(['.', ':']).next().unwrap_or_default())
        .collect();
    let unexplained: Vec<&String> = drift
        .iter()
        .filter(|change| {
            !(fixed.iter().any(|table| {
                change.ends_with(&format!(" on {table}")) || change.contains(&format!(" on {table}:"))
            }) || change.as_str() == "create function set_updated_at()")
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "drift no finding explains: {unexplained:#?}\nall: {drift:#?}\n{code}"
    );
    assert!(
        drift.contains(&"validate check constraint ticket_links_positive on ticket_links".to_owned()),
        "{drift:#?}"
    );
}

#[tokio::test]
async fn a_baseline_is_marked_applied_on_a_database_without_history() {
    let db = TestDb::create("pull_baseline").await;
    let client = db.connect().await;
    client.batch_execute(&awkward_sql()).await.expect("schema");
    let pulled = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = MigrationDir::new(tmp.path().join("migrations"));
    let written = pull::baseline::write(&dir, &pulled).expect("baseline");
    assert!(written.up.contains("CREATE TABLE"), "{}", written.up);
    let migrations = dir.load().expect("the baseline loads");
    assert_eq!(migrations.len(), 1);
    dir.check_sum_of(&migrations).expect("migrations.sum is written");
    // A second baseline is refused: it is the first migration.
    assert!(pull::baseline::write(&dir, &pulled).is_err());

    let history = "SELECT to_regclass('schema_migrate.schema_migrations') IS NOT NULL";
    let before: bool = client.query_one(history, &[]).await.unwrap().get(0);
    assert!(!before, "the database has no history yet");
    runner::resolve(
        db.url(),
        &migrations,
        &written.version,
        runner::Resolution::Applied,
        &ApplyOptions::default(),
    )
    .await
    .expect("resolve --applied creates the history and records the baseline");
    let statuses = runner::status(&client, &migrations).await.expect("status");
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].state, runner::State::Applied);
    // Nothing ran: the tables are the ones that were there, rows included.
    let orders: i64 = client
        .query_one("SELECT count(*) FROM orders", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(orders, 1);
    // The up script creates the same schema on an empty database (a new environment).
    let fresh = TestDb::create("pull_baseline_fresh").await;
    runner::up(fresh.url(), &migrations, None, &ApplyOptions::default())
        .await
        .expect("the baseline applies to an empty database");
    let fresh_client = fresh.connect().await;
    let options = InspectOptions::declared([&pulled.schema]);
    let there = inspect(&client, &options).await.expect("inspect").schema;
    let here = inspect(&fresh_client, &options).await.expect("inspect").schema;
    let changes: Vec<String> = diff(&there, &here, &Renames::default())
        .iter()
        .map(schema_migrate::plan::describe_change)
        .collect();
    assert!(changes.is_empty(), "{changes:#?}");
}

#[tokio::test]
async fn bad_input_is_one_line_with_its_exit_code() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("migrations");
    let run = |url: &str, args: &[&str]| common::migrate(&dir, url, args).output().expect("run migrate");
    let one_line = |output: &std::process::Output, code: i32, contains: &str| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
        assert!(stderr.contains(contains), "expected `{contains}` in {stderr}");
    };
    one_line(&run("not a url", &["pull"]), 2, "error:");
    one_line(
        &run(
            "postgres://postgres:s3cret@127.0.0.1:1/x?connect_timeout=2",
            &["pull"],
        ),
        3,
        "error:",
    );
    let db = TestDb::create("pull_cli").await;
    let out = tmp.path().join("no/such/dir/schema.rs");
    let output = run(db.url(), &["pull", "--out", out.to_str().unwrap()]);
    one_line(&output, 2, "cannot write");
    let output = run(db.url(), &["pull", "--out", tmp.path().to_str().unwrap()]);
    one_line(&output, 2, "is a directory");
    one_line(
        &run(db.url(), &["pull", "--schema", "nosuch"]),
        2,
        "no such schema",
    );
    // Success: the code to the file, the report to stdout (and as JSON with --format json).
    let file = tmp.path().join("schema.rs");
    let output = run(
        db.url(),
        &["--format", "json", "pull", "--out", file.to_str().unwrap()],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(report["tables"], 0);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("pub fn schema()")
    );
}
