//! The schema docs of the example: committed under `examples/docs/schema/` and kept current
//! (`check` fails when a page is stale), snapshots of its pages, the Mermaid grammar of its ER
//! diagram, and `docs --from-database` on a database migrated with the example's migrations.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use schema_migrate::docs::{Docs, mermaid};
use schema_migrate::migrations::MigrationDir;
use testkit::TestDb;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn migrate(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run migrate")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn pages() -> std::collections::BTreeMap<String, String> {
    let declared = billing_example::schema().unwrap();
    let migrations = MigrationDir::new(manifest().join("migrations")).load().unwrap();
    Docs::declared(&declared, &migrations).pages()
}

/// CI keeps the committed docs current: this fails when a schema change was not followed by
/// `cargo run --bin migrate -- docs` (or `generate`).
#[test]
fn check_passes_on_the_example_and_its_committed_docs() {
    let out = migrate(&manifest().join("migrations"), None, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stale = schema_migrate::docs::stale(&manifest().join("docs/schema"), &pages()).unwrap();
    assert!(
        stale.is_empty(),
        "stale pages: {stale:?}: run `cargo run --bin migrate -- docs`"
    );
}

#[test]
fn the_pages_are_stable() {
    assert_eq!(pages(), pages(), "the same schema gives the same bytes");
}

#[test]
fn snapshots_of_the_example_pages() {
    let pages = pages();
    for page in [
        "README.md",
        "history.md",
        "tables/organizations.md",
        "tables/customers.md",
        "tables/invoices.md",
        "tables/invoice_line_items.md",
        "tables/products.md",
        "tables/usage_events.md",
        "tables/exchange_rates.md",
    ] {
        let name = page.trim_end_matches(".md").replace('/', "_");
        insta::assert_snapshot!(name, pages[page]);
    }
}

/// The ER diagram of the overview, between its fences.
fn diagram(readme: &str) -> &str {
    let start = readme.find("```mermaid\n").expect("a mermaid block") + "```mermaid\n".len();
    let end = start + readme[start..].find("```").expect("a closed block");
    &readme[start..end]
}

#[test]
fn the_er_diagram_parses() {
    let pages = pages();
    let source = diagram(&pages["README.md"]);
    mermaid::validate(source).unwrap_or_else(|e| panic!("{e}\n{source}"));
    // One relationship per foreign key, each with its cardinality.
    let declared = billing_example::schema().unwrap();
    let keys: usize = declared.schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(source.lines().filter(|l| l.contains(" : \"")).count(), keys);
    assert!(
        source.contains("    products |o--o{ invoice_line_items : \"organization_id, product_id\""),
        "{source}"
    );
    assert!(
        source.contains("    customers ||--o{ invoices : \"organization_id, customer_id\""),
        "{source}"
    );
}

#[test]
fn check_is_red_on_a_stale_page_and_green_after_docs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    copy_dir(&manifest().join("migrations"), &dir);
    copy_dir(&manifest().join("docs"), &tmp.path().join("docs"));
    let docs = tmp.path().join("docs/schema");
    let out = migrate(&dir, None, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A page edited by hand, a page of a table that is gone, a page deleted.
    let invoices = docs.join("tables/invoices.md");
    let edited = std::fs::read_to_string(&invoices)
        .unwrap()
        .replace("RESTRICT", "CASCADE");
    std::fs::write(&invoices, edited).unwrap();
    std::fs::write(docs.join("tables/gone.md"), "# gone\n").unwrap();
    std::fs::remove_file(docs.join("history.md")).unwrap();
    let out = migrate(&dir, None, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("schema docs") && stdout.contains("3 page(s)"),
        "{}",
        text(&out)
    );
    for page in ["tables/invoices.md", "tables/gone.md", "history.md"] {
        assert!(
            stdout.contains(&format!("stale: {page}")),
            "{page}: {}",
            text(&out)
        );
    }
    let out = migrate(&dir, None, &["--format", "json", "check"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["stale_docs"].as_array().map(Vec::len), Some(3), "{report}");

    let out = migrate(&dir, None, &["docs"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        !docs.join("tables/gone.md").exists(),
        "a left-over page is removed"
    );
    let out = migrate(&dir, None, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = migrate(&dir, None, &["docs"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("up to date"),
        "{}",
        text(&out)
    );

    // `generate` rewrites the docs with its migration: check stays green.
    let out = migrate(&dir, None, &["generate", "--empty", "backfill_numbers"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let history = std::fs::read_to_string(docs.join("history.md")).unwrap();
    assert!(history.contains("backfill numbers"), "{history}");
    let out = migrate(&dir, None, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // --out writes elsewhere; an unwritable place is a usage error, in one line.
    let elsewhere = tmp.path().join("elsewhere");
    let out = migrate(&dir, None, &["docs", "--out", elsewhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(elsewhere.join("tables/invoices.md").is_file());
    let blocker = tmp.path().join("a_file");
    std::fs::write(&blocker, "").unwrap();
    let out = migrate(&dir, None, &["docs", "--out", blocker.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn docs_from_a_database() {
    let db = TestDb::create("docs_from_db").await;
    let dir = manifest().join("migrations");
    let out = migrate(&dir, Some(db.url()), &["up"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Something the model cannot hold, to be listed.
    let client = db.connect().await;
    client
        .batch_execute("CREATE TYPE odd_pair AS (a integer, b integer)")
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("live");
    let out = migrate(
        &dir,
        Some(db.url()),
        &["docs", "--from-database", "--out", out_dir.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(db.url()));
    let readme = std::fs::read_to_string(out_dir.join("README.md")).unwrap();
    mermaid::validate(diagram(&readme)).unwrap();
    assert!(readme.contains("From a live database"), "{readme}");
    assert!(readme.contains("## Not documented"), "{readme}");
    assert!(readme.contains("odd_pair"), "{readme}");
    // Tenancy inferred from the tenant keys.
    let root = readme.find("### Tenant root").unwrap();
    let tenant = readme.find("### Tenant tables").unwrap();
    assert!(readme[root..tenant].contains("[organizations]"), "{readme}");
    assert!(!out_dir.join("history.md").exists());
    // The database's comments are the declared ones, and the cascade reach is the same.
    let live = std::fs::read_to_string(out_dir.join("tables/customers.md")).unwrap();
    let declared = &pages()["tables/customers.md"];
    let section = |page: &str, title: &str| {
        let start = page.find(title).unwrap();
        let end = start + page[start + 1..].find("\n## ").unwrap();
        page[start..end].to_owned()
    };
    assert_eq!(
        section(&live, "## Cascade reach"),
        section(declared, "## Cascade reach")
    );
    assert!(
        live.contains("Soft delete: set when the customer is removed"),
        "{live}"
    );
}
