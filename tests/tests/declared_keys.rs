//! What the derive declares about keys and sequences beyond the standard's defaults: identity
//! options, serial columns, a named or deferrable primary key, deferrable unique and foreign
//! keys (on a field and on the table), and index keys with a collation and an operator class.
//! Each is in the model as declared, the plan from nothing round-trips, and the database
//! behaves as declared (ids from 1000 by 5, a deferred unique key checked at commit).

mod common;

use schema_core::SchemaBuilder;
use schema_core::model::{Deferrable, IndexTarget, SequenceOptions};
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
#[table(
    primary_key(name = "ticket_pk"),
    unique(organization_id, code, deferrable = "initially deferred"),
    index(code collate "C" opclass "text_pattern_ops" desc nulls last, name = "tickets_code_prefix")
)]
pub struct Ticket {
    #[column(primary_key, identity(by_default, start = 1000, increment = 5, cache = 10))]
    pub id: i64,
    pub organization_id: OrganizationId,
    #[column(identity(min_value = -50, max_value = 5000, cycle))]
    pub number: i32,
    pub code: String,
    #[column(identity = "serial")]
    pub position: i16,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(foreign_key(
    columns(organization_id, other_id),
    references = Ticket,
    on_delete = "restrict",
    deferrable = "initially deferred"
))]
pub struct TicketLink {
    #[column(primary_key, identity = "serial")]
    pub id: i32,
    pub organization_id: OrganizationId,
    #[column(references = Ticket, on_delete = "cascade", deferrable = "initially immediate")]
    pub ticket_id: i64,
    pub other_id: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn declared() -> schema_core::DeclaredSchema {
    SchemaBuilder::new()
        .table::<Organization>()
        .table::<Ticket>()
        .table::<TicketLink>()
        .build()
        .expect("the schema assembles")
}

#[test]
fn the_model_holds_what_the_attributes_say() {
    let schema = declared().schema;
    let tickets = schema.table("tickets").expect("tickets");
    let pk = tickets.primary_key.as_ref().expect("key");
    assert_eq!(pk.name, "ticket_pk");
    let id = tickets.column("id").expect("id");
    assert_eq!(id.identity, Some(schema_core::model::Identity::ByDefault));
    assert_eq!(
        id.identity_options,
        SequenceOptions {
            start: Some(1000),
            increment: Some(5),
            cache: Some(10),
            ..SequenceOptions::default()
        }
    );
    let number = tickets.column("number").expect("number");
    assert_eq!(number.identity, Some(schema_core::model::Identity::Always));
    assert_eq!(number.identity_options.min_value, Some(-50));
    assert!(number.identity_options.cycle);
    assert_eq!(
        tickets.column("position").expect("position").identity,
        Some(schema_core::model::Identity::Serial)
    );
    let unique = tickets
        .uniques
        .iter()
        .find(|u| u.columns == ["organization_id", "code"])
        .expect("the declared unique key");
    assert_eq!(unique.deferrable, Deferrable::InitiallyDeferred);
    let index = tickets
        .indexes
        .iter()
        .find(|i| i.name == "tickets_code_prefix")
        .expect("the index");
    let key = &index.keys[0];
    assert_eq!(key.target, IndexTarget::Column("code".to_owned()));
    assert_eq!(key.collation.as_deref(), Some("C"));
    assert_eq!(key.opclass.as_deref(), Some("text_pattern_ops"));

    let links = schema.table("ticket_links").expect("links");
    let deferrable: Vec<(Vec<String>, Deferrable)> = links
        .foreign_keys
        .iter()
        .filter(|fk| fk.referenced_table == "tickets")
        .map(|fk| (fk.columns.clone(), fk.deferrable))
        .collect();
    // Both keys to another tenant table are scoped by organization_id, and keep their timing.
    assert!(
        deferrable.contains(&(
            vec!["organization_id".to_owned(), "ticket_id".to_owned()],
            Deferrable::InitiallyImmediate
        )),
        "{deferrable:?}"
    );
    assert!(
        deferrable.contains(&(
            vec!["organization_id".to_owned(), "other_id".to_owned()],
            Deferrable::InitiallyDeferred
        )),
        "{deferrable:?}"
    );
}

#[tokio::test]
async fn a_plan_from_nothing_round_trips_and_the_database_behaves_as_declared() {
    let declared = declared();
    let (db, client) = common::round_trip_from_nothing("declared_keys", &declared).await;
    // The round trip ends with the down applied: build it again to look at behaviour.
    let empty = schema_migrate::inspect::inspect(
        &client,
        &schema_migrate::inspect::InspectOptions::declared([&declared.schema]),
    )
    .await
    .expect("inspect")
    .schema;
    let steps = schema_migrate::plan::plan(&empty, &declared.schema, &declared.renames, &Default::default())
        .expect("plan");
    client.batch_execute(&steps.up_script()).await.expect("up");
    client
        .batch_execute(
            "INSERT INTO organizations (id) VALUES ('00000000-0000-0000-0000-000000000001');
             INSERT INTO tickets (organization_id, code) VALUES
                 ('00000000-0000-0000-0000-000000000001', 'a'),
                 ('00000000-0000-0000-0000-000000000001', 'b');",
        )
        .await
        .expect("rows");
    let rows = client
        .query("SELECT id, number, position FROM tickets ORDER BY id", &[])
        .await
        .expect("select");
    let got: Vec<(i64, i32, i16)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(got, [(1000, -50, 1), (1005, -49, 2)]);
    // Deferred: swapping two codes passes, the duplicate in between is checked at commit.
    client
        .batch_execute(
            "BEGIN;
             UPDATE tickets SET code = 'b' WHERE id = 1000;
             UPDATE tickets SET code = 'a' WHERE id = 1005;
             COMMIT;",
        )
        .await
        .expect("a deferred unique key allows a swap inside a transaction");
    let error = client
        .batch_execute(
            "BEGIN;
             UPDATE tickets SET code = 'a' WHERE id = 1000;
             COMMIT;",
        )
        .await
        .expect_err("a duplicate at commit");
    assert_eq!(
        error.code(),
        Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION),
        "{error}"
    );
    let _ = client.batch_execute("ROLLBACK").await;
    // A link to a ticket that comes later in the same transaction: the deferred key waits.
    client
        .batch_execute(
            "BEGIN;
             INSERT INTO ticket_links (organization_id, ticket_id, other_id)
             VALUES ('00000000-0000-0000-0000-000000000001', 1000, 1010);
             INSERT INTO tickets (organization_id, code) VALUES ('00000000-0000-0000-0000-000000000001', 'c');
             COMMIT;",
        )
        .await
        .expect("the deferred foreign key is checked at commit");
    drop(client);
    drop(db);
}

#[test]
fn an_identity_of_a_type_a_sequence_cannot_generate_is_refused_when_assembled() {
    #[derive(Table)]
    #[table(global)]
    pub struct Code {
        #[column(primary_key, identity)]
        pub id: String,
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }
    let error = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Code>()
        .build()
        .expect_err("an identity text column");
    let message = error.to_string();
    assert!(
        message.contains("column `codes.id` is an identity (or serial) of type `text`"),
        "{message}"
    );
}

/// The DDL of these attributes, reviewed: `GENERATED ... AS IDENTITY (options)`, `smallserial`,
/// the named key, `DEFERRABLE INITIALLY DEFERRED`, `COLLATE "C" text_pattern_ops`.
#[test]
fn ddl_snapshot() {
    insta::assert_snapshot!(schema_core::render::schema_sql(&declared().schema));
}
