//! Tables and enum types declared in schemas other than `public` (`#[table(schema = "...")]`):
//! the model names them `schema.name`, foreign keys to them resolve to their schema, the DDL
//! qualifies them, and a plan from nothing creates the schema and round-trips.

mod common;

use schema_core::SchemaBuilder;
use schema_core::prelude::*;
use schema_core::render;
use schema_migrate::diff::diff;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::plan::{PlanOptions, plan};
use testkit::TestDb;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[pg_enum(schema = "billing")]
pub enum InvoiceStatus {
    Open,
    Paid,
}

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(schema = "billing", renamed_from = "bills")]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub status: InvoiceStatus,
    #[column(index)]
    pub number: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Same name as `billing.invoices`, another table.
#[derive(Table)]
#[table(name = "invoices")]
pub struct DraftInvoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(schema = "ledger")]
pub struct Payment {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Invoice, on_delete = "cascade", index)]
    pub invoice_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn declared() -> schema_core::DeclaredSchema {
    SchemaBuilder::new()
        .table::<Organization>()
        .table::<Invoice>()
        .table::<DraftInvoice>()
        .table::<Payment>()
        .namespace("archive")
        .build()
        .expect("valid")
}

#[test]
fn the_model_names_objects_outside_public_with_their_schema() {
    let declared = declared();
    let schema = &declared.schema;
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["billing.invoices", "invoices", "ledger.payments", "organizations"]
    );
    assert_eq!(schema.schemas, ["archive", "billing", "ledger"]);
    let payments = schema.table("ledger.payments").unwrap();
    let fk = payments
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.contains(&"invoice_id".to_owned()))
        .unwrap();
    assert_eq!(fk.referenced_table, "billing.invoices");
    // Generated names are made from the name without the schema, as Postgres makes them.
    assert_eq!(fk.name, "payments_organization_id_invoice_id_fkey");
    let invoices = schema.table("billing.invoices").unwrap();
    assert_eq!(invoices.primary_key.as_ref().unwrap().name, "invoices_pkey");
    assert_eq!(
        invoices.column("status").unwrap().ty,
        schema_core::model::ColumnType::Enum("billing.invoice_status".into())
    );
    assert_eq!(schema.enums[0].name, "billing.invoice_status");
    // A previous name without a schema is in the table's schema.
    assert!(
        declared
            .renames
            .tables
            .iter()
            .any(|r| r.from == "billing.bills" && r.to == "billing.invoices"),
        "{:?}",
        declared.renames
    );
}

#[test]
fn named_schemas_ddl_snapshot() {
    insta::assert_snapshot!(render::schema_sql(&declared().schema));
}

#[tokio::test]
async fn a_plan_from_nothing_creates_the_schemas_and_round_trips() {
    let declared = declared();
    let (_db, client) = common::round_trip_from_nothing("named_schemas", &declared).await;
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname IN ('billing', 'ledger', 'archive')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the down drops the schemas it created");
}

// Version 1: an enum type in `public`, used by a table (a `//` comment: a doc comment would be
// the type's COMMENT ON TYPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[pg_enum(name = "priority")]
pub enum PriorityV1 {
    Low,
    High,
}

#[derive(Table)]
#[table(global, name = "tasks")]
pub struct TaskV1 {
    #[column(primary_key)]
    pub id: Uuid,
    pub priority: PriorityV1,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// Version 2: the same type moved to `billing`, declared on the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[pg_enum(name = "priority", schema = "billing", renamed_from = "public.priority")]
pub enum PriorityV2 {
    Low,
    High,
}

#[derive(Table)]
#[table(global, name = "tasks")]
pub struct TaskV2 {
    #[column(primary_key)]
    pub id: Uuid,
    pub priority: PriorityV2,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// `#[pg_enum(renamed_from)]` naming another schema moves the type in place: the column and its
/// rows stay, and the down moves it back.
#[tokio::test]
async fn an_enum_declared_renamed_from_another_schema_moves_with_its_rows() {
    let v1 = SchemaBuilder::new().table::<TaskV1>().build().expect("v1");
    let v2 = SchemaBuilder::new().table::<TaskV2>().build().expect("v2");
    assert_eq!(
        v2.renames.objects,
        vec![schema_core::ObjectRename::enum_type(
            "priority",
            "billing.priority"
        )]
    );
    let steps = plan(&v1.schema, &v2.schema, &v2.renames, &PlanOptions::default()).expect("plan");
    let summaries: Vec<&str> = steps.steps.iter().map(|s| s.summary.as_str()).collect();
    assert_eq!(
        summaries,
        vec![
            "create schema billing",
            "move enum type priority to billing.priority"
        ]
    );
    let db = TestDb::create("enum_moved").await;
    let client = db.connect().await;
    client
        .batch_execute(&render::schema_sql(&v1.schema))
        .await
        .expect("v1 applies");
    client
        .batch_execute("INSERT INTO tasks (id, priority) VALUES (gen_random_uuid(), 'high')")
        .await
        .unwrap();
    client.batch_execute(&steps.up_script()).await.expect("up");
    let options = InspectOptions::declared([&v1.schema, &v2.schema]);
    let after = inspect(&client, &options).await.expect("inspect").schema;
    let normalized = schema_migrate::normalize::normalize(db.server_url(), &v2.schema)
        .await
        .expect("normalize");
    let remaining = diff(&after, &normalized, &Default::default());
    assert!(remaining.is_empty(), "{remaining:#?}");
    let kept: String = client
        .query_one("SELECT priority::text FROM tasks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, "high");
    client.batch_execute(&steps.down_script()).await.expect("down");
    let back: String = client
        .query_one("SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'priority'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(back, "priority");
}
