//! Every feature of the derives, in one schema that compiles and assembles.
#![allow(clippy::duplicated_attributes)]

use schema_core::prelude::*;
use schema_core::sea_query::{PostgresQueryBuilder, Query};

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[pg_enum(name = "order_state")]
pub enum State {
    Draft,
    #[pg_enum(rename = "in-review")]
    InReview,
    Done,
}

#[derive(Table)]
#[table(tenant_root, name = "orgs", comment = "tenants")]
pub struct Org {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(
    audited,
    renamed_from = "old_orders",
    unique(organization_id, number, name = "orders_number_key", nulls_not_distinct),
    check(name = "orders_total_positive", expr = "total_cents >= 0"),
    index(organization_id, state, created_at desc nulls last, include(total_cents), where = "state <> 'done'"),
    index("lower(reference)", unique, name = "orders_reference_key"),
    index(tags, method = "gin", name = "orders_tags_idx"),
)]
pub struct Order {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(identity = "by default")]
    pub number: i64,
    #[column(default = State::Draft)]
    pub state: State,
    #[column(default = Money::ZERO, comment = "in cents")]
    pub total_cents: Money,
    #[column(sql_type = "character varying(40)", renamed_from = "ref", collate = "C")]
    pub reference: String,
    pub tags: Vec<String>,
    #[column(json = "shape owned by the partner")]
    pub extra: Option<Json<serde_json::Value>>,
    #[column(float = "display only")]
    pub score: Option<f64>,
    #[column(not_money = "a percentage", default = 0, check = "discount_percent BETWEEN 0 AND 100")]
    pub discount_percent: i16,
    #[column(generated = "number * 2")]
    pub double_number: i64,
    #[column(default_sql = "gen_random_uuid()", unique)]
    pub public_id: Uuid,
    pub password_hash: Option<PasswordHash>,
    pub api_token_hash: TokenHash,
    pub due_on: Option<Date>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(foreign_key(
    columns(order_id, line),
    references = OrderLine,
    on_delete = "cascade",
    on_update = "cascade",
    match_full
))]
pub struct Shipment {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(index)]
    pub order_id: Uuid,
    pub line: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(rls_exempt = "read by the nightly export job, which runs without a tenant")]
pub struct OrderLine {
    #[column(primary_key, references = Order, on_delete = "cascade")]
    pub order_id: Uuid,
    #[column(primary_key)]
    pub line: i32,
    pub organization_id: OrganizationId,
    #[column(references = Order, on_delete = "set null")]
    pub replaces_order_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(global)]
pub struct Country {
    #[column(primary_key, sql_type = "character(2)")]
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let declared = SchemaBuilder::new()
        .table::<Org>()
        .table::<Order>()
        .table::<OrderLine>()
        .table::<Shipment>()
        .table::<Country>()
        .build()
        .expect("the schema is valid");
    // The five declared tables and the audit table `#[table(audited)]` adds.
    assert_eq!(declared.schema.tables.len(), 6);
    assert!(declared.schema.table("audit_log").is_some());
    let orders = declared.schema.table("orders").expect("orders");
    assert_eq!(orders.column("reference").unwrap().collation.as_deref(), Some("C"));
    let shipments = declared.schema.table("shipments").expect("shipments");
    // The composite key between tenant tables is tenant-scoped (issue 11).
    assert!(shipments.foreign_keys.iter().any(|fk| fk.columns == ["organization_id", "order_id", "line"]
        && fk.referenced_columns == ["organization_id", "order_id", "line"]
        && fk.match_full));
    let sql = Query::select()
        .column(OrderIden::TotalCents)
        .from(OrderIden::Table)
        .to_string(PostgresQueryBuilder);
    assert_eq!(sql, r#"SELECT "total_cents" FROM "orders""#);
    let _: <OrderLine as schema_core::Table>::PrimaryKey = (Uuid::nil(), 1);
}
