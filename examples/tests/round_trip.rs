//! Every standard type and a PgEnum, written and read back on a real Postgres through
//! tokio-postgres, sqlx and sea-query-bound values: extremes (`i64::MAX`/`i64::MIN` cents),
//! non-ASCII text, NULLs and arrays. A value that comes back different fails the test.

use schema_core::prelude::*;
use schema_core::rows::{self, RowError};
use schema_core::sea_query::{self, Expr, ExprTrait, PostgresQueryBuilder, Query};
use schema_core::{DeclaredSchema, render};
use sqlx::Connection;
use testkit::TestDb;

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Free,
    #[pg_enum(rename = "très-cher")]
    Expensive,
}

/// One column of every standard type, and a nullable twin of each.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(global)]
pub struct Sample {
    #[column(primary_key, identity)]
    pub id: i64,
    pub organization: OrganizationId,
    pub maybe_organization: Option<OrganizationId>,
    pub price_cents: Money,
    pub maybe_price_cents: Option<Money>,
    pub password_hash: PasswordHash,
    pub maybe_password_hash: Option<PasswordHash>,
    pub token_hash: TokenHash,
    pub maybe_token_hash: Option<TokenHash>,
    #[column(json = "a test document")]
    pub document: Json<serde_json::Value>,
    #[column(json = "a test document")]
    pub maybe_document: Option<Json<serde_json::Value>>,
    pub happened_at: Timestamp,
    pub maybe_happened_at: Option<Timestamp>,
    pub tier: Tier,
    pub maybe_tier: Option<Tier>,
    pub label: String,
    pub maybe_label: Option<String>,
    pub due_on: Date,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The arrays the array test reads back: amounts, enums, ids, token hashes, timestamps, hashes.
type Arrays = (
    Vec<Money>,
    Vec<Option<Tier>>,
    Vec<OrganizationId>,
    Vec<TokenHash>,
    Vec<Timestamp>,
    Vec<PasswordHash>,
);

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

fn declared() -> DeclaredSchema {
    SchemaBuilder::new()
        .table::<Sample>()
        .build()
        .expect("the sample schema is valid")
}

async fn database(label: &str) -> TestDb {
    let db = TestDb::create(label).await;
    db.connect()
        .await
        .batch_execute(&render::schema_sql(&declared().schema))
        .await
        .expect("the sample DDL applies");
    db
}

/// Extremes: the largest amount, non-ASCII text and JSON, a timestamp with microseconds.
fn full() -> NewSample {
    NewSample {
        organization: OrganizationId::new(),
        maybe_organization: Some(OrganizationId::new()),
        price_cents: Money::MAX,
        maybe_price_cents: Some(Money::MIN),
        password_hash: PasswordHash::from_phc(HASH).unwrap(),
        maybe_password_hash: Some(PasswordHash::from_phc(HASH).unwrap()),
        token_hash: TokenHash::of("jeton-🔑".as_bytes()),
        maybe_token_hash: Some(TokenHash::of(b"other")),
        document: Json(serde_json::json!({"name": "Zoë Ærøskøbing", "emoji": "🧾", "n": i64::MAX})),
        maybe_document: Some(Json(serde_json::json!(["日本語", null]))),
        happened_at: Timestamp::from(time::macros::datetime!(2024-02-29 23:59:59.123456 +02:00)),
        maybe_happened_at: Some(Timestamp::now()),
        tier: Tier::Expensive,
        maybe_tier: Some(Tier::Free),
        label: "Ünïcødé — «quoted» 'single' \"double\" \\ 🦀".to_owned(),
        maybe_label: Some(String::new()),
        due_on: time::macros::date!(2099 - 12 - 31),
        tags: vec!["ä".to_owned(), String::new(), "x,y".to_owned()],
        defaults: Default::default(),
    }
}

/// Every nullable column NULL.
fn nulls() -> NewSample {
    NewSample {
        maybe_organization: None,
        maybe_price_cents: None,
        maybe_password_hash: None,
        maybe_token_hash: None,
        maybe_document: None,
        maybe_happened_at: None,
        maybe_tier: None,
        maybe_label: None,
        price_cents: Money::from_cents(-1),
        tags: Vec::new(),
        ..full()
    }
}

/// What the inserted row must read back as (its id and timestamps come from the database).
fn expected(new: NewSample, stored: &Sample) -> Sample {
    Sample {
        id: stored.id,
        organization: new.organization,
        maybe_organization: new.maybe_organization,
        price_cents: new.price_cents,
        maybe_price_cents: new.maybe_price_cents,
        password_hash: new.password_hash,
        maybe_password_hash: new.maybe_password_hash,
        token_hash: new.token_hash,
        maybe_token_hash: new.maybe_token_hash,
        document: new.document,
        maybe_document: new.maybe_document,
        happened_at: new.happened_at,
        maybe_happened_at: new.maybe_happened_at,
        tier: new.tier,
        maybe_tier: new.maybe_tier,
        label: new.label,
        maybe_label: new.maybe_label,
        due_on: new.due_on,
        tags: new.tags,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }
}

#[tokio::test]
async fn every_standard_type_round_trips_through_tokio_postgres_and_sea_query() {
    let db = database("rows_tokio").await;
    let client = db.connect().await;
    for new in [full(), nulls()] {
        // Written with sea-query-bound values, read with `TryFrom<&Row>`.
        let stored: Sample = rows::postgres::fetch_one(&client, &Sample::insert(&new))
            .await
            .unwrap();
        assert_eq!(stored, expected(new, &stored));
        let found: Sample = rows::postgres::fetch_one(&client, &Sample::find(&stored.id))
            .await
            .unwrap();
        assert_eq!(found, stored);

        // Every column filtered by its own value finds the row (the value binds as the column's
        // type, enums and NULLs included).
        let c = Sample::COLUMNS;
        let mut select = Sample::select();
        select
            .and_where(c.organization.eq(stored.organization))
            .and_where(c.price_cents.eq(stored.price_cents))
            .and_where(c.password_hash.eq(stored.password_hash.clone()))
            .and_where(c.token_hash.eq(stored.token_hash))
            .and_where(c.happened_at.eq(stored.happened_at))
            .and_where(c.tier.eq(stored.tier))
            .and_where(c.label.eq(stored.label.clone()))
            .and_where(c.due_on.eq(stored.due_on));
        match stored.maybe_tier {
            Some(tier) => select.and_where(c.maybe_tier.eq(Some(tier))),
            None => select.and_where(c.maybe_tier.is_null()),
        };
        let matched: Vec<Sample> = rows::postgres::fetch_all(&client, &select).await.unwrap();
        assert_eq!(matched, vec![stored.clone()]);

        // Updated through the typed statement: every column written back, NULLs too.
        let mut changed = stored.clone();
        changed.price_cents = Money::MIN;
        changed.maybe_price_cents = None;
        changed.maybe_tier = Some(Tier::Expensive);
        changed.label = "änderung".to_owned();
        let updated: Sample = rows::postgres::fetch_one(&client, &changed.update())
            .await
            .unwrap();
        assert_eq!(
            (
                updated.price_cents,
                updated.maybe_price_cents,
                updated.maybe_tier,
                &updated.label
            ),
            (Money::MIN, None, Some(Tier::Expensive), &changed.label)
        );
        assert_eq!(
            rows::postgres::execute(&client, &Sample::delete(&stored.id))
                .await
                .unwrap(),
            1
        );
        assert!(
            rows::postgres::fetch_optional::<Sample>(&client, &Sample::find(&stored.id))
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn every_standard_type_round_trips_through_sqlx() {
    let db = database("rows_sqlx").await;
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    for new in [full(), nulls()] {
        let stored: Sample = rows::sqlx::fetch_one(&mut conn, &Sample::insert(&new))
            .await
            .unwrap();
        assert_eq!(stored, expected(new, &stored));
        // `sqlx::FromRow` on a plain sqlx query, and each type bound directly with sqlx.
        let plain: Sample = sqlx::query_as("SELECT * FROM samples WHERE id = $1")
            .bind(stored.id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(plain, stored);
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM samples WHERE organization = $1 AND price_cents = $2 \
             AND password_hash = $3 AND token_hash = $4 AND document = $5 AND happened_at = $6 \
             AND tier = $7 AND maybe_tier IS NOT DISTINCT FROM $8 AND maybe_price_cents IS NOT DISTINCT FROM $9",
        )
        .bind(stored.organization)
        .bind(stored.price_cents)
        .bind(&stored.password_hash)
        .bind(stored.token_hash)
        .bind(&stored.document)
        .bind(stored.happened_at)
        .bind(stored.tier)
        .bind(stored.maybe_tier)
        .bind(stored.maybe_price_cents)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(count, 1);
        let mut changed = stored.clone();
        changed.maybe_tier = None;
        changed.price_cents = Money::MIN;
        let updated: Sample = rows::sqlx::fetch_one(&mut conn, &changed.update()).await.unwrap();
        // The updated_at trigger sets the time of the update.
        assert!(updated.updated_at > stored.updated_at);
        changed.updated_at = updated.updated_at;
        assert_eq!(updated, changed);
        assert_eq!(
            rows::sqlx::execute(&mut conn, &Sample::delete(&stored.id))
                .await
                .unwrap(),
            1
        );
    }
}

#[tokio::test]
async fn arrays_of_standard_types_round_trip_on_every_path() {
    let db = database("rows_arrays").await;
    let client = db.connect().await;
    let amounts = vec![Money::MAX, Money::ZERO, Money::MIN];
    let tiers = vec![Some(Tier::Expensive), None, Some(Tier::Free)];
    let ids = vec![OrganizationId::new(), OrganizationId::new()];
    let hashes = vec![TokenHash::of(b"a"), TokenHash::of(b"b")];
    let stamps = vec![Timestamp::now()];
    let passwords = vec![PasswordHash::from_phc(HASH).unwrap()];

    // tokio-postgres (postgres-types' `Vec<T>`).
    let row = client
        .query_one(
            "SELECT $1::bigint[], $2::tier[], $3::uuid[], $4::bytea[], $5::timestamptz[], $6::text[]",
            &[&amounts, &tiers, &ids, &hashes, &stamps, &passwords],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<Money>>(0), amounts);
    assert_eq!(row.get::<_, Vec<Option<Tier>>>(1), tiers);
    assert_eq!(row.get::<_, Vec<OrganizationId>>(2), ids);
    assert_eq!(row.get::<_, Vec<TokenHash>>(3), hashes);
    assert_eq!(row.get::<_, Vec<Timestamp>>(4), stamps);
    assert_eq!(row.get::<_, Vec<PasswordHash>>(5), passwords);

    // sqlx (`PgHasArrayType`).
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let (a, t, i, h, s, p): Arrays = sqlx::query_as("SELECT $1, $2, $3, $4, $5, $6")
        .bind(&amounts)
        .bind(&tiers)
        .bind(&ids)
        .bind(&hashes)
        .bind(&stamps)
        .bind(&passwords)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (a, t, i, h, s, p),
        (
            amounts.clone(),
            tiers.clone(),
            ids.clone(),
            hashes.clone(),
            stamps.clone(),
            passwords.clone()
        )
    );

    // sea-query arrays (`ValueType`), bound on tokio-postgres and on sqlx.
    let mut select = Query::select();
    select
        .expr(Expr::val(amounts.clone()).as_enum("int8[]"))
        .expr(Expr::val(vec![Tier::Expensive, Tier::Free]))
        .expr(Expr::val(ids.clone()).as_enum("uuid[]"))
        .expr(Expr::val(stamps.clone()).as_enum("timestamptz[]"));
    let (sql, _) = select.build(PostgresQueryBuilder);
    assert!(
        sql.contains("::\"tier\"[]"),
        "an enum array is cast to its type: {sql}"
    );
    let row = client
        .query_one(
            &rows::postgres::build(&select).0,
            &rows::postgres::build(&select)
                .1
                .iter()
                .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<Money>>(0), amounts);
    assert_eq!(row.get::<_, Vec<Tier>>(1), vec![Tier::Expensive, Tier::Free]);
    assert_eq!(row.get::<_, Vec<OrganizationId>>(2), ids);
    assert_eq!(row.get::<_, Vec<Timestamp>>(3), stamps);
    let (sql, arguments) = rows::sqlx::build(&select).unwrap();
    let (a, t, i, s): (Vec<Money>, Vec<Tier>, Vec<OrganizationId>, Vec<Timestamp>) =
        sqlx::query_as_with(&sql, arguments)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        (a, t, i, s),
        (amounts, vec![Tier::Expensive, Tier::Free], ids, stamps)
    );
}

#[tokio::test]
async fn money_never_passes_through_a_float() {
    // Every path of i64::MAX cents, which no f64 holds exactly (2^63 - 1 rounds to 2^63).
    assert_ne!(i64::MAX as f64 as i128, i128::from(i64::MAX));
    assert!(matches!(
        sea_query::Value::from(Money::MAX),
        sea_query::Value::BigInt(Some(i64::MAX))
    ));
    let db = database("rows_money").await;
    let client = db.connect().await;
    let text: String = client
        .query_one("SELECT ($1::bigint)::text", &[&Money::MAX])
        .await
        .unwrap()
        .get(0);
    assert_eq!(text, i64::MAX.to_string());
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let text: String = sqlx::query_scalar("SELECT ($1::bigint)::text")
        .bind(Money::MIN)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(text, i64::MIN.to_string());
}

#[tokio::test]
async fn a_row_that_does_not_fit_names_the_column() {
    let db = database("rows_mismatch").await;
    let client = db.connect().await;
    let stored: Sample = rows::postgres::fetch_one(&client, &Sample::insert(&full()))
        .await
        .unwrap();
    // The column holds a value the type refuses: not a PHC hash.
    client
        .execute("UPDATE samples SET password_hash = 'hunter2'", &[])
        .await
        .unwrap();
    let error = rows::postgres::fetch_one::<Sample>(&client, &Sample::find(&stored.id))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("column `password_hash` of table `samples`"),
        "{message}"
    );
    assert!(
        !message.contains("hunter2"),
        "the refused value may be a password: {message}"
    );

    // A column of another type than the struct's.
    client
        .batch_execute("ALTER TABLE samples ALTER COLUMN price_cents TYPE numeric")
        .await
        .unwrap();
    let row = client.query_one("SELECT * FROM samples", &[]).await.unwrap();
    let error: RowError = Sample::try_from(&row).unwrap_err();
    assert_eq!((error.table, error.column), ("samples", "price_cents"));
    assert!(error.to_string().contains("numeric"), "{error}");

    // A select that lacks a column.
    let row = client.query_one("SELECT id FROM samples", &[]).await.unwrap();
    let error = Sample::try_from(&row).unwrap_err();
    assert_eq!(error.column, "organization");
}

#[test]
fn statements_bind_every_value_and_name_every_column() {
    let new = full();
    let (sql, values) = Sample::insert(&new).build(PostgresQueryBuilder);
    let (columns, rest) = sql.split_once(" VALUES ").unwrap();
    assert!(
        !columns.contains("\"id\""),
        "an identity column is never written: {sql}"
    );
    assert!(
        !columns.contains("created_at"),
        "an unset default is left out: {sql}"
    );
    assert!(
        rest.contains("$13::\"tier\""),
        "an enum value is cast to its type: {sql}"
    );
    assert!(
        rest.contains("RETURNING \"id\""),
        "the stored row is returned: {sql}"
    );
    assert!(!sql.contains("Zoë"), "values are bound, not inlined: {sql}");
    assert_eq!(values.0.len(), 18, "{sql}");
    assert_eq!(Sample::COLUMN_NAMES[0], "id");
    assert_eq!(Sample::COLUMN_NAMES.last(), Some(&"updated_at"));
}

/// An enum type in a second schema.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[pg_enum(schema = "billing")]
pub enum Standing {
    Open,
    Settled,
}

/// A table in a second schema with columns of that enum.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(global, schema = "billing")]
pub struct Ledger {
    #[column(primary_key, identity)]
    pub id: i64,
    pub standing: Standing,
    pub maybe_standing: Option<Standing>,
    pub label: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The typed statements name a table and cast an enum of another schema qualified: the
/// database has no `public.ledgers` nor `public.standing`, so an unqualified name fails.
#[tokio::test]
async fn a_table_and_an_enum_in_a_second_schema_round_trip() {
    let declared = SchemaBuilder::new()
        .table::<Ledger>()
        .build()
        .expect("the ledger schema is valid");
    let db = TestDb::create("rows_second_schema").await;
    let client = db.connect().await;
    client
        .batch_execute(&render::schema_sql(&declared.schema))
        .await
        .expect("the ledger DDL applies");
    let new = NewLedger {
        standing: Standing::Open,
        maybe_standing: None,
        label: "first".to_owned(),
        defaults: Default::default(),
    };
    let (sql, _) = rows::postgres::build(&Ledger::insert(&new));
    assert!(
        sql.contains(r#"INSERT INTO "billing"."ledgers""#) && sql.contains(r#"::"billing"."standing""#),
        "{sql}"
    );
    let stored: Ledger = rows::postgres::fetch_one(&client, &Ledger::insert(&new))
        .await
        .unwrap();
    assert_eq!((stored.standing, stored.maybe_standing), (Standing::Open, None));
    let found: Ledger = rows::postgres::fetch_one(&client, &Ledger::find(&stored.id))
        .await
        .unwrap();
    assert_eq!(found, stored);
    let c = Ledger::COLUMNS;
    let mut select = Ledger::select();
    select
        .and_where(c.standing.eq(Standing::Open))
        .and_where(c.maybe_standing.is_null());
    let matched: Vec<Ledger> = rows::postgres::fetch_all(&client, &select).await.unwrap();
    assert_eq!(matched, vec![stored.clone()]);

    let mut changed = stored.clone();
    changed.standing = Standing::Settled;
    changed.maybe_standing = Some(Standing::Settled);
    let updated: Ledger = rows::postgres::fetch_one(&client, &changed.update())
        .await
        .unwrap();
    assert_eq!(
        (updated.standing, updated.maybe_standing),
        (Standing::Settled, Some(Standing::Settled))
    );
    // Read through sqlx too, as the enum's own type.
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let via_sqlx: Ledger = rows::sqlx::fetch_one(&mut conn, &Ledger::find(&stored.id))
        .await
        .unwrap();
    assert_eq!(via_sqlx, updated);
    assert_eq!(
        rows::postgres::execute(&client, &Ledger::delete(&stored.id))
            .await
            .unwrap(),
        1
    );
}
