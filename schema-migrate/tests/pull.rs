//! `pull` on small schemas: the generated Rust (insta snapshot) and the report, read from a real
//! Postgres. The generated code is built and compared with its database in
//! `examples/tests/pull.rs`.

use schema_migrate::pull::{self, PullOptions, Tenancies};
use testkit::TestDb;

const SMALL: &str = r#"
CREATE TYPE invoice_status AS ENUM ('draft', 'paid', 'void');
CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE customers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id)
);
CREATE INDEX customers_organization_id_idx ON customers (organization_id);
CREATE TABLE invoices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id uuid NOT NULL,
    status invoice_status NOT NULL DEFAULT 'draft',
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    due_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, customer_id) REFERENCES customers (organization_id, id) ON DELETE RESTRICT
);
CREATE INDEX invoices_organization_id_customer_id_idx ON invoices (organization_id, customer_id);
CREATE INDEX invoices_open_idx ON invoices (organization_id, due_on DESC) WHERE status = 'draft';
COMMENT ON TABLE invoices IS 'A bill sent to a customer.';
COMMENT ON COLUMN invoices.due_on IS 'NULL: due on receipt.';
CREATE TABLE currencies (
    code character(3) PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
"#;

#[tokio::test]
async fn generated_rust_for_a_small_schema() {
    let db = TestDb::create("pull_small").await;
    let client = db.connect().await;
    client.batch_execute(SMALL).await.expect("schema");
    let options = PullOptions {
        tenancies: Tenancies {
            root: None,
            global: vec!["currencies".to_owned()],
        },
        ..PullOptions::default()
    };
    let pulled = pull::pull(&client, &options).await.expect("pull");
    insta::assert_snapshot!(pulled.code);
    insta::assert_snapshot!("small_schema_report", pulled.report.text());
}

#[tokio::test]
async fn a_named_schema_alone_is_read() {
    let db = TestDb::create("pull_named").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE SCHEMA billing;
             CREATE TABLE billing.rates (id integer PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
             CREATE TABLE public.other (id integer PRIMARY KEY);",
        )
        .await
        .expect("schema");
    let options = PullOptions {
        schemas: vec!["billing".to_owned()],
        ..PullOptions::default()
    };
    let pulled = pull::pull(&client, &options).await.expect("pull");
    assert_eq!(pulled.report.schemas, ["billing"]);
    assert_eq!(pulled.report.tables, 1);
    assert!(
        pulled.code.contains("#[table(schema = \"billing\", global)]"),
        "{}",
        pulled.code
    );
    assert!(!pulled.code.contains("Other"), "{}", pulled.code);
}

/// The catalog queries of a pull do not grow with the number of tables.
#[tokio::test]
async fn catalog_queries_do_not_grow_with_the_schema() {
    let db = TestDb::create("pull_queries").await;
    let client = db.connect().await;
    client.batch_execute(SMALL).await.expect("schema");
    let small = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    let mut more = String::new();
    for i in 0..40 {
        more.push_str(&format!(
            "CREATE TABLE extra_{i} (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());\n"
        ));
    }
    client.batch_execute(&more).await.expect("more tables");
    let large = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    assert_eq!(large.report.tables, small.report.tables + 40);
    assert_eq!(large.report.catalog_queries, small.report.catalog_queries);
    assert_eq!(
        small.report.catalog_queries,
        schema_migrate::inspect::QUERY_COUNT + 1,
        "the inspector's queries and the one that lists the schemas"
    );
}
