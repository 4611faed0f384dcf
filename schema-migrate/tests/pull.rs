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

/// Objects written by hand (a trigger and its function, a restrictive policy, grants to a
/// second role, a SQL-standard function) and a materialized view with indexes.
fn hand_written_sql(app: &str, reporting: &str) -> String {
    format!(
        r##"
CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE documents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title text NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_organization_id_idx ON documents (organization_id);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
    USING (organization_id = NULLIF(current_setting('app.current_organization_id', true), '')::uuid)
    WITH CHECK (organization_id = NULLIF(current_setting('app.current_organization_id', true), '')::uuid);
CREATE POLICY documents_archived_are_read_only ON documents AS RESTRICTIVE FOR UPDATE USING (NOT archived);
CREATE FUNCTION trim_title() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- a "#tag" in the body: its raw string takes two hashes
    NEW.title := btrim(NEW.title);
    RETURN NEW;
END
$fn$;
CREATE TRIGGER documents_trim_title BEFORE INSERT OR UPDATE OF title ON documents
    FOR EACH ROW EXECUTE FUNCTION trim_title();
-- Named as the builder's trigger, calling another function: the builder refuses the name.
CREATE TRIGGER set_updated_at BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION trim_title();
CREATE FUNCTION add_cents(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET work_mem = '64MB' RETURN a + b;
CREATE FUNCTION label(t text, width integer DEFAULT 12, fill text DEFAULT '.', OUT padded text) LANGUAGE sql IMMUTABLE
    AS $fn$ SELECT rpad(t, width, fill) $fn$;
-- SECURITY DEFINER without search_path: the builder refuses it.
CREATE FUNCTION count_documents() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM documents';
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, documents TO "{app}";
GRANT SELECT (title), UPDATE (archived) ON documents TO "{reporting}";
CREATE MATERIALIZED VIEW document_counts AS
    SELECT organization_id, count(*) AS documents FROM documents GROUP BY organization_id;
CREATE UNIQUE INDEX document_counts_organization_id_idx ON document_counts (organization_id);
CREATE INDEX document_counts_many_idx ON document_counts (documents DESC NULLS LAST) WHERE documents > 10;
-- USAGE on a namespace where the role is granted nothing: the builder does not give it.
CREATE SCHEMA archive;
GRANT USAGE ON SCHEMA archive TO "{reporting}";
"##
    )
}

#[tokio::test]
async fn generated_rust_for_hand_written_objects() {
    let db = TestDb::create("pull_hand_written").await;
    let app = db.create_role("pull_app").await;
    let reporting = db.create_role("pull_reporting").await;
    let client = db.connect().await;
    client
        .batch_execute(&hand_written_sql(app.name(), reporting.name()))
        .await
        .expect("schema");
    let pulled = pull::pull(&client, &PullOptions::default()).await.expect("pull");
    // Role names are unique per run: the snapshot names them by their part.
    let stable = |text: &str| {
        text.replace(app.name(), "<app role>")
            .replace(reporting.name(), "<reporting role>")
    };
    let code = stable(&pulled.code);
    // Functions come before the triggers that call them.
    let function = code.find(".function(model::Function {\n            name: \"trim_title\"");
    let trigger = code.find(".trigger(\n            \"documents\"");
    assert!(function.is_some() && function < trigger, "{code}");
    // Argument defaults are pulled beside the identity arguments.
    assert!(
        code.contains(
            "arguments: \"t text, width integer, fill text, OUT padded text\".into(),\n            argument_defaults: vec![\"12\".into(), \"'.'::text\".into()],"
        ),
        "{code}"
    );
    let notes = &pulled.report.not_reproduced;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("count_documents() is SECURITY DEFINER without search_path")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("trigger set_updated_at has the name")),
        "{notes:#?}"
    );
    let usage = format!(
        "schema archive: USAGE granted to {} (not declared)",
        reporting.name()
    );
    assert!(notes.contains(&usage), "{notes:#?}");
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("trim_title") || n.contains("grant to") || n.contains("materialized")),
        "{notes:#?}"
    );
    insta::assert_snapshot!(code);
    insta::assert_snapshot!("hand_written_report", stable(&pulled.report.text()));
}
