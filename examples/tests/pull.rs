//! `migrate pull` end to end: a database is pulled, the generated Rust is written into a
//! temporary crate and built with cargo, its binary prints the declared schema, and that schema
//! is compared with the database as `check --database` compares them.

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
