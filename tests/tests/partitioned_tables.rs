//! Partitioned tables declared with the derive (`#[table(partition_by(range(created_at)),
//! partition(...))]`): the model holds the key and the partitions, the DDL creates them, a plan
//! from nothing round-trips, a tenant partitioned table keeps row-level security on its parent
//! (one tenant cannot read another's rows through the parent, and the application role reaches
//! no partition directly), and turning a plain table into a partitioned one is refused with the
//! expand/contract steps.

mod common;

use schema_core::SchemaBuilder;
use schema_core::model::Partition;
use schema_core::prelude::*;
use schema_core::render;
use schema_core::tenant::{self, with_tenant};
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::plan::{PlanError, PlanOptions, plan};
use testkit::TestDb;
use tokio_postgres::error::SqlState;

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Usage, one partition a year. Bounds on a `timestamptz` key carry their offset: without one,
/// Postgres reads them in the session's time zone.
#[derive(Table)]
#[table(
    partition_by(range(created_at)),
    partition(
        name = "events_2025",
        from = "2025-01-01 00:00:00+00",
        to = "2026-01-01 00:00:00+00"
    ),
    partition(
        name = "events_2026",
        from = "2026-01-01 00:00:00+00",
        to = "2027-01-01 00:00:00+00"
    ),
    partition(name = "events_rest", default),
    unique(organization_id, kind, created_at)
)]
pub struct Event {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub kind: String,
    #[column(primary_key)]
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Shared, by list and by hash.
#[derive(Table)]
#[table(
    global,
    partition_by(list(region)),
    partition(name = "rates_eu", values("de", "fr")),
    partition(name = "rates_us", values("us"))
)]
pub struct Rate {
    #[column(primary_key)]
    pub region: String,
    #[column(primary_key)]
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// Clippy reads the keys of each `partition(...)` as attributes of their own: every hash
// partition repeats `modulus = 2`.
#[allow(clippy::duplicated_attributes)]
#[derive(Table)]
#[table(
    global,
    partition_by(hash(id)),
    partition(name = "buckets_0", modulus = 2, remainder = 0),
    partition(name = "buckets_1", modulus = 2, remainder = 1)
)]
pub struct Bucket {
    #[column(primary_key)]
    pub id: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

mod plain {
    use schema_core::prelude::*;

    /// `events` before it was partitioned.
    #[derive(Table)]
    #[table(name = "events")]
    pub struct Event {
        #[column(primary_key, default_sql = "gen_random_uuid()")]
        pub id: Uuid,
        pub organization_id: OrganizationId,
        pub kind: String,
        #[column(primary_key)]
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }
}

fn declared(app_role: Option<&str>) -> schema_core::DeclaredSchema {
    let builder = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Event>()
        .table::<Rate>()
        .table::<Bucket>();
    match app_role {
        Some(role) => builder.app_role(role),
        None => builder,
    }
    .build()
    .expect("valid")
}

#[test]
fn the_derive_declares_the_key_and_the_partitions() {
    let declared = declared(None);
    let events = declared.schema.table("events").unwrap();
    assert_eq!(events.partition_by.as_deref(), Some("RANGE (created_at)"));
    assert_eq!(
        events.partitions,
        [
            Partition::new(
                "events_2025",
                "FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')"
            ),
            Partition::new(
                "events_2026",
                "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')"
            ),
            Partition::new("events_rest", "DEFAULT"),
        ]
    );
    let rates = declared.schema.table("rates").unwrap();
    assert_eq!(rates.partition_by.as_deref(), Some("LIST (region)"));
    assert_eq!(rates.partitions[0].bound, "FOR VALUES IN ('de', 'fr')");
    let buckets = declared.schema.table("buckets").unwrap();
    assert_eq!(buckets.partition_by.as_deref(), Some("HASH (id)"));
    assert_eq!(
        buckets.partitions[1].bound,
        "FOR VALUES WITH (modulus 2, remainder 1)"
    );
    // A tenant partitioned table keeps its row-level security (on the parent).
    assert!(events.row_level_security.enabled && events.row_level_security.forced);
    assert!(!events.policies.is_empty());
}

#[test]
fn partitioned_tables_ddl_snapshot() {
    insta::assert_snapshot!(render::schema_sql(&declared(Some("app")).schema));
}

#[tokio::test]
async fn a_plan_from_nothing_creates_the_partitions_and_round_trips() {
    let declared = declared(None);
    common::round_trip_from_nothing("partitioned_derive", &declared).await;
}

#[tokio::test]
async fn one_tenant_cannot_read_another_through_the_parent_or_a_partition() {
    let db = TestDb::create("partitioned_tenancy").await;
    let app = db.create_role("app").await;
    let declared = declared(Some(app.name()));
    let admin = db.connect().await;
    let empty = inspect(&admin, &InspectOptions::declared([&declared.schema]))
        .await
        .expect("inspect")
        .schema;
    let steps = plan(
        &empty,
        &declared.schema,
        &declared.renames,
        &PlanOptions::default(),
    )
    .expect("plan");
    admin.batch_execute(&steps.up_script()).await.expect("up applies");
    let (a, b) = (OrganizationId::new(), OrganizationId::new());
    for org in [a, b] {
        let id: Uuid = org.into();
        admin
            .execute("INSERT INTO organizations (id) VALUES ($1)", &[&id])
            .await
            .unwrap();
        // One row in each partition (2025, 2026 and the default one).
        admin
            .execute(
                "INSERT INTO events (organization_id, kind, created_at)
                 SELECT $1, 'login', at FROM unnest(ARRAY['2025-06-01', '2026-06-01', '2031-01-01']::timestamptz[]) at",
                &[&id],
            )
            .await
            .unwrap();
    }
    let mut client = db.connect().await;
    client
        .batch_execute(&format!("SET ROLE \"{}\"", app.name()))
        .await
        .unwrap();
    let b_id: Uuid = b.into();
    let (all, of_b) = with_tenant(&mut client, a, async |tx| {
        let all: i64 = tx.query_one("SELECT count(*) FROM events", &[]).await?.get(0);
        let of_b: i64 = tx
            .query_one("SELECT count(*) FROM events WHERE organization_id = $1", &[&b_id])
            .await?
            .get(0);
        Ok::<_, tenant::Error>((all, of_b))
    })
    .await
    .expect("tenant A reads the parent");
    assert_eq!(
        (all, of_b),
        (3, 0),
        "through the parent, A sees its three rows only"
    );
    for partition in ["events_2025", "events_2026", "events_rest"] {
        let error = with_tenant(&mut client, a, async |tx| {
            tx.query_one(&format!("SELECT count(*) FROM {partition}"), &[])
                .await?;
            Ok::<_, tenant::Error>(())
        })
        .await
        .expect_err("a partition is not reachable directly");
        let tenant::Error::Postgres(error) = error else {
            panic!("{partition}: {error:?}");
        };
        assert_eq!(
            error.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{partition}: {error:?}"
        );
    }
    // Writing another tenant's row through the parent is refused by the policy.
    let a_id: Uuid = a.into();
    let error = with_tenant(&mut client, a, async |tx| {
        tx.execute(
            "INSERT INTO events (organization_id, kind) VALUES ($1, 'x')",
            &[&b_id],
        )
        .await?;
        Ok::<_, tenant::Error>(())
    })
    .await
    .expect_err("A cannot write B's row");
    assert!(format!("{error:?}").contains("row-level security"), "{error:?}");
    let moved = with_tenant(&mut client, a, async |tx| {
        Ok::<_, tenant::Error>(
            tx.execute(
                "UPDATE events SET kind = 'moved' WHERE organization_id = $1",
                &[&b_id],
            )
            .await?,
        )
    })
    .await
    .unwrap();
    assert_eq!(moved, 0);
    let own = with_tenant(&mut client, a, async |tx| {
        Ok::<_, tenant::Error>(
            tx.execute(
                "UPDATE events SET kind = 'seen' WHERE organization_id = $1",
                &[&a_id],
            )
            .await?,
        )
    })
    .await
    .unwrap();
    assert_eq!(own, 3, "A updates its own rows in every partition");
}

#[tokio::test]
async fn a_plain_table_becoming_partitioned_is_refused_with_the_steps() {
    let before = SchemaBuilder::new()
        .table::<Organization>()
        .table::<plain::Event>()
        .build()
        .expect("valid");
    let after = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Event>()
        .build()
        .expect("valid");
    let options = PlanOptions {
        allow_destructive: true,
        ..PlanOptions::default()
    };
    let error = plan(&before.schema, &after.schema, &after.renames, &options).expect_err("refused");
    assert!(matches!(error, PlanError::Refused { .. }), "{error}");
    let message = error.to_string();
    for step in [
        "cannot change its partitioning in place",
        "create events_new as declared (PARTITION BY RANGE (created_at)",
        "copy the rows in batches",
        "rename events to events_old and events_new to events",
        "drop events_old",
    ] {
        assert!(message.contains(step), "{step}: {message}");
    }
}

/// A partitioned table declared through the builder is held to the same rule as the derive: a
/// key without the partition key is a schema error (Postgres would refuse it at apply time).
#[test]
fn a_builder_key_without_the_partition_key_is_refused() {
    use schema_core::model::{Column, ColumnType, PrimaryKey, Table, UniqueConstraint};
    use schema_core::{TableDef, Tenancy};
    let mut logs = Table::new(
        "logs",
        vec![
            Column::new("id", ColumnType::BigInt),
            Column::new("at", ColumnType::Date),
            Column::new("code", ColumnType::Text),
        ],
    )
    .partition_by("RANGE (at)")
    .partition(Partition::new("logs_rest", "DEFAULT"));
    logs.primary_key = Some(PrimaryKey {
        name: "logs_pkey".into(),
        columns: vec!["id".into()],
        deferrable: Default::default(),
    });
    logs.uniques.push(UniqueConstraint {
        name: "logs_code_at_key".into(),
        columns: vec!["code".into(), "at".into()],
        nulls_not_distinct: false,
        deferrable: Default::default(),
    });
    let errors = SchemaBuilder::new()
        .table_def(TableDef::new(logs, Tenancy::Global))
        .build()
        .expect_err("the primary key lacks the partition key");
    let message = errors.to_string();
    assert!(
        message.contains(
            "key `logs_pkey` of the partitioned table `logs` does not include the partition key column `at`"
        ),
        "{message}"
    );
    assert!(!message.contains("logs_code_at_key"), "{message}");
}
