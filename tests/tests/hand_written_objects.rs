//! Hand-written objects declared through the builder (`.function`, `.trigger`, `.policy`,
//! `.grant`) and a materialized view with an index: a plan from nothing creates them, the
//! database reads back as declared, the down removes them; applied again, the trigger fires,
//! the restrictive policy holds for the application role and the other role has its grant.

mod common;

use schema_core::SchemaBuilder;
use schema_core::model::{
    Function, Grant, Index, Policy, PolicyCommand, Privilege, Trigger, TriggerEvent, TriggerTiming, View,
    Volatility,
};
use schema_core::prelude::*;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::plan::{PlanOptions, plan};
use testkit::TestDb;

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

fn declared(app: &str, reporting: &str) -> DeclaredSchema {
    SchemaBuilder::new()
        .app_role(app)
        .actor_setting("app.actor")
        .table::<Organization>()
        .table::<Document>()
        .table::<Country>()
        .function(Function {
            search_path: Some(schema_core::triggers::FUNCTION_SEARCH_PATH.into()),
            ..Function::new(
                "trim_title",
                "",
                "trigger",
                "plpgsql",
                Volatility::Volatile,
                "\nBEGIN\n    NEW.title := btrim(NEW.title);\n    RETURN NEW;\nEND\n",
            )
        })
        // LANGUAGE sql, called by a policy (created before it), and one whose result is a
        // table's row type (created after the table).
        .function(Function::new(
            "title_is_set",
            "title text",
            "boolean",
            "sql",
            Volatility::Immutable,
            " SELECT length(btrim(title)) > 0 ",
        ))
        .function(Function::new(
            "open_documents",
            "",
            "SETOF documents",
            "sql",
            Volatility::Stable,
            " SELECT * FROM documents WHERE NOT archived ",
        ))
        .trigger(
            "documents",
            Trigger {
                name: "documents_trim_title".into(),
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Insert, TriggerEvent::Update],
                update_columns: vec!["title".into()],
                old_table: None,
                new_table: None,
                for_each_row: true,
                function: "trim_title".into(),
                arguments: Vec::new(),
                when: None,
            },
        )
        .policy(
            "documents",
            Policy {
                name: "documents_archived_are_read_only".into(),
                command: PolicyCommand::Update,
                permissive: false,
                roles: Vec::new(),
                using: Some("NOT archived".into()),
                with_check: None,
            },
        )
        .policy(
            "documents",
            Policy {
                name: "documents_titles_are_set".into(),
                command: PolicyCommand::Insert,
                permissive: false,
                roles: Vec::new(),
                using: None,
                with_check: Some("title_is_set(title)".into()),
            },
        )
        .grant("countries", Grant::table(reporting, vec![Privilege::Select]))
        .view(
            View::materialized(
                "document_counts",
                "SELECT organization_id, count(*) AS documents FROM documents GROUP BY organization_id",
            )
            .index(Index {
                unique: true,
                ..Index::on_columns("document_counts_organization_id_idx", &["organization_id"])
            }),
        )
        .build()
        .expect("valid")
}

#[tokio::test]
async fn hand_written_objects_round_trip_from_nothing_and_do_what_they_say() {
    let roles = TestDb::create("hand_written_roles").await;
    let app = roles.create_role("hw_app").await;
    let reporting = roles.create_role("hw_reporting").await;
    let declared = declared(app.name(), reporting.name());
    let (db, client) = common::round_trip_from_nothing("hand_written", &declared).await;

    // Applied again: what the objects do.
    let options = InspectOptions::declared([&declared.schema]);
    let empty = inspect(&client, &options).await.expect("inspect").schema;
    let steps = plan(
        &empty,
        &declared.schema,
        &declared.renames,
        &PlanOptions::default(),
    )
    .expect("plan");
    client.batch_execute(&steps.up_script()).await.expect("up");
    let org = "00000000-0000-0000-0000-00000000000a";
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id) VALUES ('{org}');
             INSERT INTO documents (organization_id, title, archived) VALUES ('{org}', '  Draft  ', false), ('{org}', 'Old', true);
             REFRESH MATERIALIZED VIEW CONCURRENTLY document_counts;"
        ))
        .await
        .expect("rows (the unique index lets the view refresh concurrently)");
    let titles: Vec<String> = client
        .query("SELECT title FROM documents ORDER BY title", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(titles, ["Draft", "Old"], "the hand-written trigger trims");
    let counted: i64 = client
        .query_one("SELECT documents FROM document_counts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(counted, 2);

    // The application role, as one tenant: the restrictive policy leaves archived rows alone.
    let app_client = db.connect().await;
    app_client
        .batch_execute(&format!(
            "SET ROLE \"{}\"; SELECT set_config('app.current_organization_id', '{org}', false);",
            app.name()
        ))
        .await
        .expect("set role");
    let updated = app_client
        .execute("UPDATE documents SET title = 'Renamed'", &[])
        .await
        .expect("update");
    assert_eq!(updated, 1, "only the row that is not archived");
    let blank = app_client
        .execute(
            "INSERT INTO documents (organization_id, title, archived) VALUES ($1::text::uuid, '   ', false)",
            &[&org],
        )
        .await
        .expect_err("the restrictive policy's SQL function refuses a blank title");
    assert_eq!(
        blank.code(),
        Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{blank}"
    );
    let open: i64 = app_client
        .query_one("SELECT count(*) FROM open_documents()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(open, 1, "the SQL function returns the table's rows");
    let granted: bool = client
        .query_one(
            "SELECT has_table_privilege($1, 'countries', 'SELECT') AND NOT has_table_privilege($1, 'countries', 'INSERT')",
            &[&reporting.name()],
        )
        .await
        .unwrap()
        .get(0);
    assert!(granted, "the other role has exactly its grant");
    app_client.batch_execute("RESET ROLE").await.expect("reset");
    client.batch_execute(&steps.down_script()).await.expect("down");
}
