//! Never silent: a database holding one object of every kind Postgres 15 can create (that a test
//! can create without a second server or a tablespace directory). Each is either in the model, and
//! then a database built from the model reads back the same, or reported as `not compared`.

use schema_core::Renames;
use schema_migrate::diff::{Change, diff};
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::normalize::apply_schema;
use testkit::TestDb;

/// Objects the model holds.
const MODELLED: &str = "
    CREATE TYPE mood AS ENUM ('calm', 'busy');
    CREATE TABLE accounts (
        id int GENERATED ALWAYS AS IDENTITY (START WITH 10 CACHE 5) PRIMARY KEY,
        email text NOT NULL UNIQUE,
        mood mood NOT NULL DEFAULT 'calm',
        balance bigint NOT NULL CHECK (balance >= 0) NO INHERIT
    );
    ALTER TABLE accounts ADD CONSTRAINT accounts_email_at CHECK (email LIKE '%@%') NOT VALID;
    CREATE INDEX accounts_mood_idx ON accounts (mood) WHERE balance > 0;
    COMMENT ON TABLE accounts IS 'who pays';
    COMMENT ON INDEX accounts_mood_idx IS 'for the dashboard';
    COMMENT ON TYPE mood IS 'how it feels';
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE FUNCTION padded(t text, width int DEFAULT 8, fill text DEFAULT '.', OUT p text, INOUT n int DEFAULT 0)
        LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN p := rpad(t, width, fill); END $$;
    CREATE FUNCTION sum_of(VARIADIC xs int[] DEFAULT '{}') RETURNS TABLE(total bigint) LANGUAGE sql IMMUTABLE
        AS $$ SELECT sum(x) FROM unnest(xs) x $$;
    ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
    CREATE POLICY accounts_all ON accounts USING (true);
    CREATE TABLE nothing ();
    CREATE TABLE positions (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, pos int UNIQUE DEFERRABLE);
    CREATE SEQUENCE loose_seq AS integer START WITH 5;
    CREATE SEQUENCE accounts_refs OWNED BY accounts.balance;
    CREATE TABLE numbered (id bigint PRIMARY KEY DEFAULT nextval('loose_seq'), n serial);
    CREATE VIEW rich AS SELECT id, email FROM accounts WHERE balance > 1000;
    CREATE VIEW rich_count AS SELECT count(*) AS n FROM rich;
    CREATE MATERIALIZED VIEW balances AS SELECT mood, sum(balance) AS total FROM accounts GROUP BY mood;
    CREATE UNIQUE INDEX balances_mood ON balances (mood);
    COMMENT ON VIEW rich IS 'the big accounts';
    COMMENT ON MATERIALIZED VIEW balances IS 'per mood, refreshed nightly';
    COMMENT ON INDEX balances_mood IS 'lets the refresh run concurrently';
    CREATE TABLE logs (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE logs_rest PARTITION OF logs DEFAULT;
    CREATE INDEX logs_at ON logs (at);
    CREATE EXTENSION pg_trgm;
    CREATE EXTENSION citext;
    CREATE COLLATION german (provider = icu, locale = 'de-DE');
    CREATE COLLATION bytes (provider = libc, locale = 'C');
    CREATE DOMAIN positive AS int CHECK (VALUE > 0);
    CREATE TABLE people (id int PRIMARY KEY, email citext, name text COLLATE german, age positive);
    CREATE INDEX people_name_trgm ON people USING gin (name gin_trgm_ops);
";

/// One object (or attribute) of every kind the model cannot hold, each with the words its note
/// must contain.
const UNMODELLED: &[(&str, &str)] = &[
    (
        "CREATE VIEW guarded WITH (security_barrier) AS SELECT 1 AS one",
        "view guarded has options (security_barrier=true)",
    ),
    (
        "CREATE INDEX logs_2024_own ON logs_2024 (id)",
        "index logs_2024.logs_2024_own belongs to the partition",
    ),
    (
        "CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
         PARTITION BY LIST (id)",
        "table logs_2025 is a partition that is partitioned itself",
    ),
    (
        "DO $r$ BEGIN CREATE ROLE not_compared_reader NOLOGIN;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $r$;
         GRANT SELECT ON logs_2024 TO not_compared_reader",
        "partition logs_2024 grants privileges to not_compared_reader of its own",
    ),
    (
        // As after an upgrade of ICU: the version recorded is not the library's.
        "UPDATE pg_catalog.pg_collation SET collversion = '0.1' WHERE collname = 'german'",
        "collation german was recorded at version 0.1 of its library, which now provides",
    ),
    (
        "CREATE TABLE parent (id int); CREATE TABLE child () INHERITS (parent)",
        "table child inherits",
    ),
    (
        "CREATE UNLOGGED TABLE scratch (id int)",
        "table scratch is UNLOGGED",
    ),
    // Comments the model does not keep, on objects it does.
    (
        "COMMENT ON FUNCTION touch() IS 'keeps the row'",
        "function touch() has a comment",
    ),
    (
        "COMMENT ON SEQUENCE loose_seq IS 'numbers'",
        "sequence loose_seq has a comment",
    ),
    (
        "COMMENT ON COLUMN rich.email IS 'where to write'",
        "view column rich.email has a comment",
    ),
    (
        "COMMENT ON TRIGGER accounts_touch ON accounts IS 'on every update'",
        "trigger accounts.accounts_touch has a comment",
    ),
    (
        "COMMENT ON POLICY accounts_all ON accounts IS 'everyone'",
        "policy accounts.accounts_all has a comment",
    ),
    ("CREATE TYPE pair AS (a int, b int)", "composite type pair"),
    ("CREATE TABLE typed OF pair", "table typed is a typed table"),
    ("CREATE TYPE span AS RANGE (subtype = int4)", "range type span"),
    ("CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", "procedure p()"),
    (
        "CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int)",
        "aggregate total(integer)",
    ),
    (
        "CREATE TABLE rooms (id int, during int4range, EXCLUDE USING gist (during WITH &&))",
        "exclusion constraint rooms.rooms_during_excl",
    ),
    (
        // Its key is an expression (attnum 0): reported, and the rest still read.
        "ALTER TABLE rooms ADD CONSTRAINT rooms_doubled_excl EXCLUDE USING btree ((id * 2) WITH =)",
        "exclusion constraint rooms.rooms_doubled_excl",
    ),
    (
        "CREATE TABLE tuned (id int) WITH (fillfactor = 70)",
        "table tuned has storage parameters (fillfactor=70)",
    ),
    (
        "CREATE TABLE replicated (id int); ALTER TABLE replicated REPLICA IDENTITY FULL",
        "table replicated has REPLICA IDENTITY FULL",
    ),
    (
        "CREATE TABLE stats (a int, b int); ALTER TABLE stats ALTER COLUMN a SET STATISTICS 500",
        "column stats.a has SET STATISTICS 500",
    ),
    (
        // Column b has nothing else to say: its one option is reported alone (beside any option
        // of the server's own, pg_*, which some servers keep on every column).
        "ALTER TABLE stats ALTER COLUMN b SET (n_distinct = 100)",
        "column stats.b has options (n_distinct=100)",
    ),
    (
        "CREATE TABLE stored (doc text); ALTER TABLE stored ALTER COLUMN doc SET STORAGE EXTERNAL",
        "column stored.doc has SET STORAGE EXTERNAL",
    ),
    (
        "CREATE TABLE packed (doc text COMPRESSION pglz)",
        "column packed.doc has SET COMPRESSION pglz",
    ),
    (
        "CREATE INDEX stats_b_idx ON stats (b) WITH (fillfactor = 50)",
        "index stats_b_idx has storage parameters",
    ),
    (
        "COMMENT ON INDEX accounts_email_key IS 'one account per address'",
        "index accounts_email_key has a comment",
    ),
    (
        "COMMENT ON CONSTRAINT accounts_email_at ON accounts IS 'loose'",
        "constraint accounts.accounts_email_at has a comment",
    ),
    (
        "COMMENT ON DOMAIN positive IS 'more than nothing'",
        "type positive has a comment",
    ),
    (
        "CREATE RULE stats_nothing AS ON DELETE TO stats DO INSTEAD NOTHING",
        "rule stats.stats_nothing",
    ),
    (
        "CREATE STATISTICS stats_ab (dependencies) ON a, b FROM stats",
        "statistics object stats_ab",
    ),
    (
        "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int)",
        "schema billing is not inspected",
    ),
    (
        "CREATE FUNCTION pair_eq(pair, pair) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1.a = $2.a';
         CREATE OPERATOR === (LEFTARG = pair, RIGHTARG = pair, FUNCTION = pair_eq)",
        "operator ===(pair, pair)",
    ),
    (
        "CREATE OPERATOR FAMILY pair_ops USING btree",
        "operator family pair_ops (btree)",
    ),
    (
        "CREATE CONVERSION latin_to_utf FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8",
        "conversion latin_to_utf",
    ),
    (
        "CREATE TEXT SEARCH CONFIGURATION plain (COPY = simple)",
        "text search configuration plain",
    ),
    (
        "CREATE TEXT SEARCH DICTIONARY short_words (TEMPLATE = simple)",
        "text search dictionary short_words",
    ),
    (
        "CREATE TEXT SEARCH PARSER words (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype)",
        "text search parser words",
    ),
    (
        "CREATE TEXT SEARCH TEMPLATE lexer (LEXIZE = dsimple_lexize)",
        "text search template lexer",
    ),
    ("CREATE CAST (pair AS text) WITH INOUT", "cast (pair AS text)"),
    (
        "CREATE LANGUAGE plpgsql_again HANDLER plpgsql_call_handler",
        "language plpgsql_again",
    ),
    (
        "CREATE ACCESS METHOD heap_again TYPE TABLE HANDLER heap_tableam_handler",
        "access method heap_again",
    ),
    (
        "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
         CREATE EVENT TRIGGER ddl_watch ON ddl_command_end EXECUTE FUNCTION on_ddl()",
        "event trigger ddl_watch",
    ),
    (
        "CREATE PUBLICATION everything FOR TABLE accounts",
        "publication everything",
    ),
    (
        "CREATE FOREIGN DATA WRAPPER nowhere",
        "foreign-data wrapper nowhere",
    ),
    (
        "CREATE SERVER far FOREIGN DATA WRAPPER nowhere",
        "foreign server far",
    ),
    (
        "CREATE FOREIGN TABLE remote (id int) SERVER far",
        "foreign table remote",
    ),
    (
        "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC",
        "default privileges",
    ),
];

#[tokio::test]
async fn every_catalog_kind_is_modelled_or_reported() {
    let db = TestDb::create("every_kind").await;
    let client = db.connect().await;
    client
        .batch_execute(MODELLED)
        .await
        .unwrap_or_else(|e| panic!("modelled DDL failed: {e:?}"));
    let modelled_only = inspect(&client, &InspectOptions::default())
        .await
        .expect("inspect");
    assert!(
        modelled_only.unsupported.is_empty(),
        "the modelled objects are all in the model: {:#?}",
        modelled_only.unsupported
    );
    for (ddl, _) in UNMODELLED {
        client
            .batch_execute(ddl)
            .await
            .unwrap_or_else(|e| panic!("DDL failed: {e:?}\n{ddl}"));
    }
    let inspection = inspect(&client, &InspectOptions::default())
        .await
        .expect("inspect");
    let notes = inspection.unsupported.join("\n");
    let missing: Vec<&str> = UNMODELLED
        .iter()
        .map(|(_, expected)| *expected)
        .filter(|expected| !notes.contains(expected))
        .collect();
    assert!(missing.is_empty(), "not reported: {missing:#?}\nnotes:\n{notes}");

    // The unmodelled objects add to the model only what they are made of and it holds: two
    // functions, and the ordinary tables whose unmodelled attributes are reported.
    let added = diff(&modelled_only.schema, &inspection.schema, &Renames::default());
    let mut names: Vec<String> = added
        .iter()
        .map(|change| match change {
            Change::CreateFunction(f) => format!("function {}", f.name),
            Change::CreateTable(t) => format!("table {}", t.name),
            Change::CreateView(v) => format!("view {}", v.name),
            other => panic!("the unmodelled objects changed the model: {other:#?}"),
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "function on_ddl",
            "function pair_eq",
            "table child",
            "table packed",
            "table parent",
            "table replicated",
            "table rooms",
            "table scratch",
            "table stats",
            "table stored",
            "table tuned",
            "table typed",
            "view guarded",
        ]
    );

    // What the model holds round-trips: built from the model on an empty database, it reads back
    // equal, with nothing to report.
    let copy = TestDb::create("every_kind_copy").await;
    let copy_client = copy.connect().await;
    apply_schema(&copy_client, &modelled_only.schema)
        .await
        .expect("apply the model");
    let read_back = inspect(&copy_client, &InspectOptions::default())
        .await
        .expect("inspect");
    let remaining = diff(&read_back.schema, &modelled_only.schema, &Renames::default());
    assert!(remaining.is_empty(), "{remaining:#?}");
    assert!(read_back.unsupported.is_empty(), "{:#?}", read_back.unsupported);
}

/// A plan never takes a name an object not compared holds: creating a table (or an enum, an
/// index) where a partitioned or foreign table, a composite or range type of that name stands
/// is refused, saying what stands there, instead of failing part way or replacing it.
#[tokio::test]
async fn a_plan_never_takes_the_name_of_an_object_not_compared() {
    use schema_migrate::plan::{PlanError, PlanOptions, plan};
    let cases = [
        (
            "collide_partition",
            "CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE events PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
             PARTITION BY LIST (id);",
            "CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE events (id int PRIMARY KEY);",
            "create table events: events is a partition",
        ),
        (
            "collide_foreign",
            "CREATE FOREIGN DATA WRAPPER nowhere; CREATE SERVER far FOREIGN DATA WRAPPER nowhere;
             CREATE FOREIGN TABLE events (id int) SERVER far;",
            "CREATE TABLE events (id int PRIMARY KEY);",
            "create table events: events is a foreign table",
        ),
        (
            "collide_composite",
            "CREATE TYPE mood AS (a int);",
            "CREATE TYPE mood AS ENUM ('calm');",
            "create enum type mood: mood is a composite type",
        ),
        (
            "collide_range",
            "CREATE TYPE events AS RANGE (subtype = int4); CREATE TABLE t (id int PRIMARY KEY);",
            "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE events (id int);",
            "create table events: events is a range type",
        ),
        (
            "collide_domain_with_composite",
            "CREATE TYPE cents AS (a int);",
            "CREATE DOMAIN cents AS bigint;",
            "create domain cents: cents is a composite type",
        ),
        (
            "collide_index_of_a_partition",
            "CREATE TABLE t (id int PRIMARY KEY, at date);
             CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE INDEX logs_at ON logs (at);",
            "CREATE TABLE t (id int PRIMARY KEY, at date); CREATE INDEX logs_2024_at_idx ON t (at);
             CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE INDEX logs_at ON logs (at);",
            "create index logs_2024_at_idx on t: logs_2024_at_idx is an index of the partition logs_2024",
        ),
        (
            "collide_partition_index",
            "CREATE TABLE t (id int PRIMARY KEY, at date);
             CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
             PARTITION BY LIST (id);",
            "CREATE TABLE t (id int PRIMARY KEY, at date); CREATE INDEX logs_2024 ON t (at);
             CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);",
            "create index logs_2024 on t: logs_2024 is a partition",
        ),
    ];
    for (name, existing, declared, expected) in cases {
        let old_db = TestDb::create(&format!("{name}_old")).await;
        let client = old_db.connect().await;
        client.batch_execute(existing).await.unwrap();
        let old = inspect(&client, &InspectOptions::default()).await.unwrap();
        let new_db = TestDb::create(&format!("{name}_new")).await;
        let new_client = new_db.connect().await;
        new_client.batch_execute(declared).await.unwrap();
        let new = inspect(&new_client, &InspectOptions::default()).await.unwrap();
        let options = PlanOptions {
            allow_destructive: true,
            unmodelled: old.unmodelled_names.clone(),
            ..PlanOptions::default()
        };
        match plan(&old.schema, &new.schema, &Renames::default(), &options) {
            Err(error @ PlanError::Collides { .. }) => {
                let message = error.to_string();
                assert!(message.contains(expected), "{name}: {message}");
                assert!(
                    message.contains("rename or remove that object by hand"),
                    "{message}"
                );
            }
            other => panic!("{name}: the plan was not refused: {other:?}"),
        }
        // Without the collision, the same database plans (the objects not compared are left alone).
        let options = PlanOptions {
            unmodelled: old.unmodelled_names,
            ..PlanOptions::default()
        };
        assert!(
            plan(&old.schema, &old.schema, &Renames::default(), &options)
                .unwrap()
                .is_empty()
        );
    }
}

/// A schema that leaves the declaration is dropped with what the model holds of it, never with
/// what it does not compare: the plan is refused, naming what is left.
#[tokio::test]
async fn a_schema_holding_what_is_not_compared_is_not_dropped() {
    use schema_migrate::plan::{PlanError, PlanOptions, plan};
    let db = TestDb::create("schema_not_empty").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE SCHEMA billing;
             CREATE TABLE billing.invoices (id int PRIMARY KEY);
             CREATE TYPE billing.pair AS (a integer, b integer);",
        )
        .await
        .unwrap();
    let options = InspectOptions {
        schemas: vec!["billing".into()],
        ..InspectOptions::default()
    };
    let old = inspect(&client, &options).await.unwrap();
    assert_eq!(old.schema.schemas, ["billing"]);
    assert!(
        old.unsupported.iter().any(|n| n.contains("billing.pair")),
        "{:#?}",
        old.unsupported
    );
    let plan_options = PlanOptions {
        allow_destructive: true,
        unmodelled: old.unmodelled_names.clone(),
        ..PlanOptions::default()
    };
    let error = plan(
        &old.schema,
        &schema_core::model::Schema::default(),
        &Renames::default(),
        &plan_options,
    )
    .expect_err("the schema still holds a composite type");
    assert!(matches!(error, PlanError::Refused { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("drop schema billing") && message.contains("billing.pair (a composite type)"),
        "{message}"
    );

    // Without it, the schema goes after its table, and `public` is never dropped.
    client.batch_execute("DROP TYPE billing.pair").await.unwrap();
    let old = inspect(&client, &options).await.unwrap();
    let steps = plan(
        &old.schema,
        &schema_core::model::Schema::default(),
        &Renames::default(),
        &PlanOptions {
            allow_destructive: true,
            unmodelled: old.unmodelled_names.clone(),
            ..PlanOptions::default()
        },
    )
    .expect("plan");
    let up = steps.up_script();
    let table = up.find("DROP TABLE \"billing\".\"invoices\"").expect(&up);
    let schema = up.find("DROP SCHEMA \"billing\"").expect(&up);
    assert!(table < schema, "{up}");
    assert!(!up.contains("\"public\""), "{up}");
    client.batch_execute(&up).await.unwrap();
    let after = inspect(&client, &options).await.unwrap();
    assert_eq!(after.schema, schema_core::model::Schema::default());
}

/// The down re-creates what the up dropped; an object not compared may take such a name after
/// the up ran (the plan never touches those objects). Read again before the down, the database
/// names what collides, and a plan whose down would collide is refused like one whose up would.
#[tokio::test]
async fn a_down_never_takes_the_name_of_an_object_not_compared() {
    use schema_migrate::plan::{PlanError, PlanOptions, down_collisions, plan};
    let db = TestDb::create("down_collides").await;
    let client = db.connect().await;
    client
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY);
             CREATE TABLE events (id int PRIMARY KEY);
             CREATE TYPE mood AS ENUM ('calm');
             CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        )
        .await
        .unwrap();
    let old = inspect(&client, &InspectOptions::default()).await.unwrap();
    let mut new = old.schema.clone();
    new.tables.retain(|t| t.name != "events");
    new.enums.clear();
    new.table_mut("logs").unwrap().partitions.clear();
    let options = PlanOptions {
        allow_destructive: true,
        unmodelled: old.unmodelled_names.clone(),
        ..PlanOptions::default()
    };
    let steps = plan(&old.schema, &new, &Renames::default(), &options).expect("nothing collides yet");
    client.batch_execute(&steps.up_script()).await.unwrap();
    // After the up, objects the model does not hold take the freed names.
    client
        .batch_execute(
            "CREATE TYPE events AS (a int);
             CREATE TYPE mood AS RANGE (subtype = int4);
             CREATE FOREIGN DATA WRAPPER nowhere; CREATE SERVER far FOREIGN DATA WRAPPER nowhere;
             CREATE FOREIGN TABLE logs_2024 (id int) SERVER far;",
        )
        .await
        .unwrap();
    let now = inspect(&client, &InspectOptions::default()).await.unwrap();
    let changes = diff(&old.schema, &new, &Renames::default());
    let collisions = down_collisions(&changes, &now.unmodelled_names);
    let mut names: Vec<(&str, &str)> = collisions
        .iter()
        .map(|(_, name, what)| (name.as_str(), what.as_str()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("events", "a composite type"),
            ("logs_2024", "a foreign table"),
            ("mood", "a range type"),
        ],
        "{collisions:#?}"
    );
    assert!(
        collisions
            .iter()
            .any(|(step, name, _)| name == "events" && step.starts_with("the down of drop table events")),
        "{collisions:#?}"
    );
    // The plan made against the database as it is now is refused, naming the down's step.
    let options = PlanOptions {
        allow_destructive: true,
        unmodelled: now.unmodelled_names.clone(),
        ..PlanOptions::default()
    };
    match plan(&old.schema, &new, &Renames::default(), &options) {
        Err(error @ PlanError::Collides { .. }) => {
            let message = error.to_string();
            assert!(
                message.contains("the down of drop table events: events is a composite type in the database"),
                "{message}"
            );
        }
        other => panic!("the down's collision was not refused: {other:?}"),
    }
    // And the down, run anyway, fails where the plan refused (it does not replace the type).
    assert!(client.batch_execute(&steps.down_script()).await.is_err());
}

/// A collation of `pg_catalog` whose recorded version is not the library's is reported where
/// the schema read uses it (a column, an index key, a view's query), and only there: one used
/// only by another schema's table is that schema's concern.
#[tokio::test]
async fn a_stale_collation_is_reported_where_the_schema_uses_it() {
    let db = TestDb::create("stale_collation").await;
    let client = db.connect().await;
    client
        .batch_execute(
            r#"
            CREATE TABLE sorted (id int PRIMARY KEY, name text COLLATE "en-x-icu", code text);
            CREATE INDEX sorted_code ON sorted (code COLLATE "fr-x-icu");
            CREATE VIEW sorted_names AS SELECT code COLLATE "de-x-icu" AS code FROM sorted;
            CREATE SCHEMA elsewhere;
            CREATE TABLE elsewhere.other (name text COLLATE "it-x-icu");
            UPDATE pg_catalog.pg_collation SET collversion = '0.1'
             WHERE collname IN ('en-x-icu', 'fr-x-icu', 'de-x-icu', 'it-x-icu', 'es-x-icu');
            "#,
        )
        .await
        .unwrap_or_else(|e| panic!("DDL failed: {e:?}"));
    let inspection = inspect(&client, &InspectOptions::default())
        .await
        .expect("inspect");
    let stale: Vec<&str> = inspection
        .unsupported
        .iter()
        .filter(|note| note.contains("was recorded at version 0.1"))
        .map(|note| note.split(' ').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        stale,
        [r#""de-x-icu""#, r#""en-x-icu""#, r#""fr-x-icu""#],
        "{:#?}",
        inspection.unsupported
    );
}
