//! What the cross-crate tests share.

use schema_core::DeclaredSchema;
use schema_core::model::Schema;
use schema_migrate::diff::diff;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::plan::{PlanOptions, plan};
use testkit::TestDb;

/// Plan `declared` from an empty database of its own, apply the up (nothing left unreported,
/// no diff left against the declaration spelled as Postgres prints it), then the down (the
/// database empty again). Returns the database and a session, for checks of its own.
pub async fn round_trip_from_nothing(
    label: &str,
    declared: &DeclaredSchema,
) -> (TestDb, tokio_postgres::Client) {
    let db = TestDb::create(label).await;
    let client = db.connect().await;
    let options = InspectOptions::declared([&declared.schema]);
    let empty = inspect(&client, &options).await.expect("inspect").schema;
    let steps = plan(
        &empty,
        &declared.schema,
        &declared.renames,
        &PlanOptions::default(),
    )
    .expect("plan");
    client
        .batch_execute(&steps.up_script())
        .await
        .expect("up applies");
    let after = inspect(&client, &options).await.expect("inspect");
    assert!(after.unsupported.is_empty(), "{:#?}", after.unsupported);
    let normalized = schema_migrate::normalize::normalize(db.server_url(), &declared.schema)
        .await
        .expect("normalize");
    let remaining = diff(&after.schema, &normalized, &Default::default());
    assert!(remaining.is_empty(), "{remaining:#?}");
    client
        .batch_execute(&steps.down_script())
        .await
        .expect("down applies");
    let back: Schema = inspect(&client, &options).await.expect("inspect").schema;
    assert_eq!(back, Schema::default());
    (db, client)
}
