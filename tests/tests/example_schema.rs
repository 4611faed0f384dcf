//! The example app's schema: its DDL is snapshot-tested, applies to a fresh Postgres database, and
//! the catalog then holds exactly what was declared.

use std::collections::BTreeMap;

use schema_core::model::{ReferentialAction, Schema};
use schema_core::render;
use schema_migrate::inspect::{InspectOptions, inspect};
use schema_migrate::normalize::normalize;
use testkit::TestDb;

/// type, NOT NULL, default, attidentity, attgenerated
type CatalogColumn = (String, bool, Option<String>, String, String);

fn declared() -> Schema {
    billing_example::schema()
        .expect("the example schema is valid")
        .schema
}

#[test]
fn example_ddl_snapshot() {
    insta::assert_snapshot!(render::schema_sql(&declared()));
}

#[test]
fn example_schema_json_is_canonical() {
    let schema = declared();
    let json = schema.to_json();
    let back = Schema::from_json(&json).expect("parse");
    assert_eq!(back, schema);
    assert_eq!(back.to_json(), json, "serialization is byte-identical");
}

/// Apply the rendered DDL and read the catalog directly (not through our inspector).
#[tokio::test]
async fn example_ddl_applies_and_catalog_matches() {
    let schema = declared();
    let db = TestDb::create("example_ddl").await;
    let client = db.connect().await;
    client
        .batch_execute(&render::schema_sql(&schema))
        .await
        .expect("the example DDL applies to Postgres");

    // Enum types with their labels in order.
    let rows = client
        .query(
            "SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
             FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY t.typname",
            &[],
        )
        .await
        .unwrap();
    let enums: Vec<(String, Vec<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let expected: Vec<(String, Vec<String>)> = schema
        .enums
        .iter()
        .map(|e| (e.name.clone(), e.values.clone()))
        .collect();
    assert_eq!(enums, expected);

    // Every column: type, nullability, whether it has a default.
    let rows = client
        .query(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY c.relname, a.attnum",
            &[],
        )
        .await
        .unwrap();
    let mut catalog_columns: BTreeMap<(String, String), CatalogColumn> = BTreeMap::new();
    for row in &rows {
        catalog_columns.insert(
            (row.get(0), row.get(1)),
            (row.get(2), row.get(3), row.get(4), row.get(5), row.get(6)),
        );
    }
    let mut declared_count = 0;
    for table in &schema.tables {
        for column in &table.columns {
            declared_count += 1;
            let (ty, not_null, default, identity, generated) = catalog_columns
                .get(&(table.name.clone(), column.name.clone()))
                .unwrap_or_else(|| panic!("{}.{} is missing from the catalog", table.name, column.name));
            assert_eq!(
                *ty,
                column.ty.sql().replace('"', ""),
                "{}.{} type",
                table.name,
                column.name
            );
            assert_eq!(
                *not_null, !column.nullable,
                "{}.{} nullability",
                table.name, column.name
            );
            assert_eq!(
                identity.is_empty(),
                column.identity.is_none(),
                "{}.{} identity",
                table.name,
                column.name
            );
            assert_eq!(
                generated.is_empty(),
                column.generated.is_none(),
                "{}.{} generated",
                table.name,
                column.name
            );
            if column.generated.is_none() {
                assert_eq!(
                    default.is_some(),
                    column.default.is_some(),
                    "{}.{} default",
                    table.name,
                    column.name
                );
            }
        }
    }
    assert_eq!(catalog_columns.len(), declared_count, "no extra columns");
    // Spot checks of how Postgres stored the defaults the standards imply.
    let created_at = &catalog_columns[&("invoices".to_owned(), "created_at".to_owned())];
    assert_eq!(created_at.2.as_deref(), Some("now()"));
    let status = &catalog_columns[&("invoices".to_owned(), "status".to_owned())];
    assert_eq!(status.2.as_deref(), Some("'draft'::invoice_status"));
    assert_eq!(status.0, "invoice_status");

    // Constraints by name and kind, with foreign key actions.
    let rows = client
        .query(
            "SELECT c.relname::text, k.conname::text, k.contype::text, k.confdeltype::text,
                    coalesce(f.relname::text, ''), pg_get_constraintdef(k.oid)
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
             LEFT JOIN pg_class f ON f.oid = k.confrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
            &[],
        )
        .await
        .unwrap();
    let constraints: BTreeMap<(String, String), (String, String, String, String)> = rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3), r.get(4), r.get(5))))
        .collect();
    let mut expected_constraints = 0;
    for table in &schema.tables {
        let key = |name: &str| (table.name.clone(), name.to_owned());
        let pk = table.primary_key.as_ref().expect("every table has a primary key");
        assert_eq!(constraints[&key(&pk.name)].0, "p", "{}", pk.name);
        expected_constraints += 1;
        for unique in &table.uniques {
            assert_eq!(constraints[&key(&unique.name)].0, "u", "{}", unique.name);
            expected_constraints += 1;
        }
        for check in &table.checks {
            let (kind, _, _, definition) = &constraints[&key(&check.name)];
            assert_eq!(kind, "c", "{}", check.name);
            assert!(definition.starts_with("CHECK ("), "{definition}");
            expected_constraints += 1;
        }
        for fk in &table.foreign_keys {
            let (kind, on_delete, target, _) = &constraints[&key(&fk.name)];
            assert_eq!(kind, "f", "{}", fk.name);
            assert_eq!(*target, fk.referenced_table, "{}", fk.name);
            let expected_action = match fk.on_delete {
                ReferentialAction::NoAction => "a",
                ReferentialAction::Restrict => "r",
                ReferentialAction::Cascade => "c",
                ReferentialAction::SetNull => "n",
                ReferentialAction::SetDefault => "d",
            };
            assert_eq!(on_delete, expected_action, "{} ON DELETE", fk.name);
            expected_constraints += 1;
        }
    }
    assert_eq!(constraints.len(), expected_constraints, "no extra constraints");
    assert_eq!(
        constraints[&(
            "invoice_line_items".into(),
            // Tenant-scoped since issue 11: (organization_id, product_id).
            "invoice_line_items_organization_id_product_id_fkey".into()
        )]
            .1,
        "n"
    );
    assert_eq!(
        constraints[&(
            "invoices".into(),
            "invoices_organization_id_customer_id_fkey".into()
        )]
            .1,
        "r"
    );
    assert_eq!(
        constraints[&("users".into(), "users_organization_id_fkey".into())].1,
        "c"
    );

    // Indexes that do not back constraints, with their definitions.
    let rows = client
        .query(
            "SELECT i.indexname::text, i.indexdef FROM pg_indexes i
             WHERE i.schemaname = 'public' AND NOT EXISTS (
                 SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
            &[],
        )
        .await
        .unwrap();
    let indexes: BTreeMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let declared_indexes: Vec<&str> = schema
        .tables
        .iter()
        .flat_map(|t| t.indexes.iter().map(|i| i.name.as_str()))
        .collect();
    assert_eq!(
        indexes.keys().map(String::as_str).collect::<Vec<_>>().len(),
        declared_indexes.len()
    );
    for name in &declared_indexes {
        assert!(indexes.contains_key(*name), "index {name} is missing");
    }
    assert_eq!(
        indexes["customers_live_email_key"],
        "CREATE UNIQUE INDEX customers_live_email_key ON public.customers USING btree (organization_id, email) WHERE (deleted_at IS NULL)"
    );
    assert_eq!(
        indexes["invoices_status_due_idx"],
        "CREATE INDEX invoices_status_due_idx ON public.invoices USING btree (organization_id, status, due_on DESC) INCLUDE (total_cents)"
    );
    // Every foreign key is indexed; organization_id leads an index of every tenant table.
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            assert!(
                table.has_index_leading_with(&fk.columns),
                "{} is not indexed",
                fk.name
            );
        }
    }
}

/// The whole model survives a trip through Postgres: what the inspector reads back equals the
/// declared schema, once Postgres has normalized its expressions.
#[tokio::test]
async fn example_schema_reads_back_equal() {
    let schema = declared();
    let db = TestDb::create("example_roundtrip").await;
    let client = db.connect().await;
    client
        .batch_execute(&render::schema_sql(&schema))
        .await
        .expect("apply");
    let read = inspect(&client, &InspectOptions::default())
        .await
        .expect("inspect")
        .schema;
    let normalized = normalize(db.server_url(), &schema).await.expect("normalize");
    assert_eq!(read, normalized);
    assert_eq!(read.tables.len(), schema.tables.len());
}
