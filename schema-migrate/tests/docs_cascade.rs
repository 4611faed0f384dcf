//! The cascade reach the schema docs print, against what Postgres does: a schema with a cycle, a
//! self reference and CASCADE / SET NULL / RESTRICT / NO ACTION mixes; each table's row deleted in
//! turn (rolled back), and the tables that lost rows, changed rows or blocked the delete compared
//! with [`schema_migrate::docs::cascade::reach`].

use std::collections::{BTreeMap, BTreeSet};

use schema_migrate::docs::cascade::reach;
use schema_migrate::docs::pages::cascade_text;
use schema_migrate::inspect::{InspectOptions, inspect};
use testkit::TestDb;

const SCHEMA: &str = "
    CREATE TABLE root (id int PRIMARY KEY);
    CREATE TABLE a (id int PRIMARY KEY, root_id int NOT NULL REFERENCES root ON DELETE CASCADE);
    CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE CASCADE);
    CREATE TABLE s (id int PRIMARY KEY, b_id int REFERENCES b ON DELETE SET NULL);
    CREATE TABLE r (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE RESTRICT);
    CREATE TABLE n (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE NO ACTION);
    -- A cycle: p and q cascade into each other; p's root is set to NULL.
    CREATE TABLE p (id int PRIMARY KEY, root_id int REFERENCES root ON DELETE SET NULL, q_id int);
    CREATE TABLE q (id int PRIMARY KEY, p_id int NOT NULL REFERENCES p ON DELETE CASCADE);
    ALTER TABLE p ADD FOREIGN KEY (q_id) REFERENCES q ON DELETE CASCADE;
    -- A self reference under a NO ACTION key to the root.
    CREATE TABLE t (id int PRIMARY KEY, parent_id int REFERENCES t ON DELETE CASCADE,
                    root_id int NOT NULL REFERENCES root ON DELETE NO ACTION);
    -- A second root whose RESTRICT / NO ACTION keys point inside what it deletes.
    CREATE TABLE root2 (id int PRIMARY KEY);
    CREATE TABLE u (id int PRIMARY KEY, root2_id int NOT NULL REFERENCES root2 ON DELETE CASCADE);
    CREATE TABLE w (id int PRIMARY KEY, root2_id int NOT NULL REFERENCES root2 ON DELETE CASCADE,
                    u_id int NOT NULL REFERENCES u ON DELETE RESTRICT);
    CREATE TABLE v (id int PRIMARY KEY, root2_id int NOT NULL REFERENCES root2 ON DELETE CASCADE,
                    u_id int REFERENCES u ON DELETE NO ACTION);
    -- A third root whose RESTRICT key comes from a table it reaches later than the row it
    -- references: the check runs before the cascade gets there.
    CREATE TABLE root3 (id int PRIMARY KEY);
    CREATE TABLE x (id int PRIMARY KEY, root3_id int NOT NULL REFERENCES root3 ON DELETE CASCADE);
    CREATE TABLE y (id int PRIMARY KEY, x_id int NOT NULL REFERENCES x ON DELETE CASCADE);
    CREATE TABLE z (id int PRIMARY KEY, y_id int NOT NULL REFERENCES y ON DELETE CASCADE,
                    x_id int NOT NULL REFERENCES x ON DELETE RESTRICT);
";

const ROWS: &str = "
    INSERT INTO root VALUES (1);
    INSERT INTO a VALUES (1, 1);
    INSERT INTO b VALUES (1, 1);
    INSERT INTO s VALUES (1, 1);
    INSERT INTO r VALUES (1, 1);
    INSERT INTO n VALUES (1, 1);
    INSERT INTO p VALUES (1, 1, NULL);
    INSERT INTO q VALUES (1, 1);
    UPDATE p SET q_id = 1;
    INSERT INTO t VALUES (1, NULL, 1), (2, 1, 1);
    INSERT INTO root2 VALUES (1);
    INSERT INTO u VALUES (1, 1);
    INSERT INTO w VALUES (1, 1, 1);
    INSERT INTO v VALUES (1, 1, 1);
    INSERT INTO root3 VALUES (1);
    INSERT INTO x VALUES (1, 1);
    INSERT INTO y VALUES (1, 1);
    INSERT INTO z VALUES (1, 1, 1);
";

const TABLES: [&str; 17] = [
    "root", "a", "b", "s", "r", "n", "p", "q", "t", "root2", "u", "w", "v", "root3", "x", "y", "z",
];

/// Every table's rows as text, by id.
async fn rows(client: &tokio_postgres::Transaction<'_>) -> BTreeMap<String, BTreeMap<i32, String>> {
    let mut out = BTreeMap::new();
    for table in TABLES {
        let found = client
            .query(&format!("SELECT id, row_to_json(x)::text FROM {table} x"), &[])
            .await
            .unwrap();
        out.insert(
            table.to_owned(),
            found
                .iter()
                .map(|r| (r.get::<_, i32>(0), r.get::<_, String>(1)))
                .collect(),
        );
    }
    out
}

#[tokio::test]
async fn the_documented_reach_is_what_postgres_does() {
    let db = TestDb::create("docs_cascade").await;
    let mut client = db.connect().await;
    client.batch_execute(SCHEMA).await.unwrap();
    client.batch_execute(ROWS).await.unwrap();
    let schema = inspect(&client, &InspectOptions::default()).await.unwrap().schema;

    let mut blocked = BTreeSet::new();
    let mut deleted_somewhere = false;
    let mut set_somewhere = false;
    for table in &TABLES {
        let expected = reach(&schema, table);
        let text = cascade_text(&schema, table);
        let tx = client.transaction().await.unwrap();
        let before = rows(&tx).await;
        let result = tx
            .execute(&format!("DELETE FROM {table} WHERE id = 1"), &[])
            .await;
        match result {
            Err(error) => {
                let db_error = error.as_db_error().unwrap_or_else(|| panic!("{table}: {error}"));
                assert_eq!(db_error.code().code(), "23503", "{table}: {error}");
                let constraint = db_error.constraint().unwrap().to_owned();
                let blockers: BTreeSet<&String> = expected
                    .blocked_by
                    .values()
                    .chain(expected.may_be_blocked_by.values())
                    .flatten()
                    .collect();
                assert!(
                    blockers.contains(&constraint),
                    "deleting from {table} was blocked by {constraint}, the docs say {:?}\n{text}",
                    expected.blocked_by
                );
                assert!(text.contains(&format!("`{constraint}`")), "{text}");
                blocked.insert(*table);
            }
            Ok(_) => {
                assert!(
                    expected.blocked_by.is_empty(),
                    "deleting from {table} succeeded, the docs say it is blocked by {:?}",
                    expected.blocked_by
                );
                let after = rows(&tx).await;
                let mut lost = BTreeSet::new();
                let mut changed = BTreeSet::new();
                for (name, old) in &before {
                    let new = &after[name];
                    if old.keys().any(|id| !new.contains_key(id)) {
                        lost.insert(name.clone());
                    }
                    if new.iter().any(|(id, row)| old.get(id) != Some(row)) {
                        changed.insert(name.clone());
                    }
                }
                let mut deleted = expected.deletes.clone();
                deleted.insert((*table).to_owned());
                assert_eq!(lost, deleted, "rows deleted by deleting from {table}\n{text}");
                let sets: BTreeSet<String> = expected.sets.keys().cloned().collect();
                assert_eq!(changed, sets, "rows changed by deleting from {table}\n{text}");
                deleted_somewhere |= deleted.len() > 1;
                set_somewhere |= !sets.is_empty();
            }
        }
        tx.rollback().await.unwrap();
    }
    // The schema exercises every outcome.
    assert!(!blocked.is_empty() && deleted_somewhere && set_somewhere);
    // The cycle ends; RESTRICT and NO ACTION keys inside the reach do not block.
    assert_eq!(reach(&schema, "p").deletes, ["p", "q"].map(String::from).into());
    assert!(reach(&schema, "root2").blocked_by.is_empty());
    assert!(reach(&schema, "root2").may_be_blocked_by.is_empty());
    // Reached later than the row it references: Postgres blocks.
    assert!(blocked.contains("root3"), "{blocked:?}");
    let of_root3 = reach(&schema, "root3");
    assert!(of_root3.blocked_by.is_empty());
    assert_eq!(
        of_root3.may_be_blocked_by.keys().cloned().collect::<Vec<_>>(),
        ["z"].map(String::from)
    );
    assert_eq!(
        reach(&schema, "root")
            .blocked_by
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        ["n", "r", "t"].map(String::from)
    );
}
