//! Tenant isolation, audit trail and updated_at on the example app's migrated database, checked
//! with a non-superuser application role (row-level security does not apply to superusers).
//!
//! Two organizations, A and B, get rows in every table (seeded as the superuser). Then, for every
//! tenant table: with tenant A set, B's rows cannot be read, updated, deleted or inserted; with no
//! tenant set, nothing is visible; a table owner is held to the policy too (FORCE).

use std::path::Path;
use std::time::Duration;

use billing_example::schema;
use schema_core::model::ReferentialAction;
use schema_core::prelude::*;
use schema_core::tenant::{self, TenantScope, with_tenant};
use schema_core::{DeclaredSchema, Tenancy};
use schema_migrate::apply::{ApplyOptions, apply};
use schema_migrate::migrations::MigrationDir;
use schema_migrate::plan::{PlanOptions, plan};
use schema_migrate::runner;
use testkit::{TestDb, TestRole};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// The error type of tenant-scoped work in these tests.
type Error = tenant::Error;

fn declared() -> DeclaredSchema {
    schema().expect("the example schema is valid")
}

/// The example's tenant tables (and the root) with the column that holds the tenant.
fn tenant_tables() -> Vec<(String, &'static str)> {
    declared()
        .tables
        .iter()
        .filter(|d| d.rls_exempt.is_none())
        .filter_map(|d| match d.tenancy {
            Tenancy::Tenant => Some((d.table.name.clone(), "organization_id")),
            Tenancy::Root => Some((d.table.name.clone(), "id")),
            Tenancy::Global => None,
        })
        .collect()
}

struct Fixture {
    db: TestDb,
    admin: Client,
    app: TestRole,
    a: OrganizationId,
    b: OrganizationId,
}

impl Fixture {
    /// A database migrated with the example's committed migrations, an application role with the
    /// usual privileges, and two seeded organizations.
    async fn new(label: &str) -> Fixture {
        Fixture::migrated_to(label, None).await
    }

    /// As [`Fixture::new`], with the migrations up to `to` only (all of them for `None`).
    async fn migrated_to(label: &str, to: Option<&str>) -> Fixture {
        let db = TestDb::create(label).await;
        let dir = MigrationDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"));
        let migrations = dir.load().expect("the example's migrations load");
        runner::up(db.url(), &migrations, to, &ApplyOptions::default())
            .await
            .expect("the example's migrations apply");
        let admin = db.connect().await;
        let app = db.create_role("app").await;
        grant_app_privileges(&admin, app.name()).await;
        let (a, b) = (OrganizationId::new(), OrganizationId::new());
        seed(&admin, a, "a").await;
        seed(&admin, b, "b").await;
        Fixture { db, admin, app, a, b }
    }

    /// A connection acting as `role` (`SET ROLE` on a superuser connection).
    async fn connect_as(&self, role: &str) -> Client {
        let client = self.db.connect().await;
        client
            .batch_execute(&format!("SET ROLE \"{role}\""))
            .await
            .expect("set role");
        client
    }

    /// Rows of `table` whose tenant column is `organization`, counted as the superuser.
    async fn rows_of(&self, table: &str, column: &str, organization: OrganizationId) -> i64 {
        self.admin
            .query_one(
                &format!("SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = $1"),
                &[&organization],
            )
            .await
            .unwrap()
            .get(0)
    }

    /// Rows of `table` (qualified, as written) of `organization`, counted as the superuser.
    async fn rows_of_in(&self, table: &str, organization: OrganizationId) -> i64 {
        self.admin
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE organization_id = $1"),
                &[&organization],
            )
            .await
            .unwrap()
            .get(0)
    }

    /// One of `organization`'s rows of `table`, as jsonb, read as the superuser.
    async fn row_json(&self, table: &str, column: &str, organization: OrganizationId) -> serde_json::Value {
        self.admin
            .query_one(
                &format!("SELECT to_jsonb(t) FROM \"{table}\" t WHERE \"{column}\" = $1 LIMIT 1"),
                &[&organization],
            )
            .await
            .unwrap_or_else(|e| panic!("{table} has no row of the organization: {e}"))
            .get(0)
    }
}

async fn grant_app_privileges(admin: &Client, role: &str) {
    admin
        .batch_execute(&format!(
            "GRANT USAGE ON SCHEMA public TO \"{role}\";
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{role}\";
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \"{role}\";"
        ))
        .await
        .expect("grant");
}

/// One row in every table for `org`, as the superuser (which row-level security does not bind).
async fn seed(admin: &Client, org: OrganizationId, tag: &str) {
    let statements = [
        "INSERT INTO currencies (code, name, minor_units) VALUES ('EUR', 'Euro', 2), ('USD', 'US dollar', 2)
         ON CONFLICT DO NOTHING",
        "INSERT INTO exchange_rates (base_code, quote_code, rate, observed_on)
         VALUES ('EUR', 'USD', 1.08, current_date) ON CONFLICT DO NOTHING",
        "INSERT INTO organizations (id, slug, display_name, plan) VALUES ($1, 'org-' || $2, 'Org ' || $2, 'team')",
        "INSERT INTO users (id, organization_id, email, full_name, password_hash, role)
         VALUES (gen_random_uuid(), $1, $2 || '@example.test', 'User ' || $2,
                 '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'owner')",
        "INSERT INTO api_keys (id, organization_id, created_by, label, token_hash)
         SELECT gen_random_uuid(), $1, id, 'ci ' || $2, sha256(convert_to($2, 'UTF8'))
           FROM users WHERE organization_id = $1",
        "INSERT INTO customers (id, organization_id, email, display_name, country_code, metadata)
         VALUES (gen_random_uuid(), $1, 'buyer-' || $2 || '@example.test', 'Buyer ' || $2, 'DE', '{}')",
        "INSERT INTO payment_methods (id, organization_id, customer_id, kind, gateway_reference, gateway_payload)
         SELECT gen_random_uuid(), $1, id, 'card', 'pm_' || $2, '{}' FROM customers WHERE organization_id = $1",
        "INSERT INTO products (id, organization_id, sku, name, unit_price_cents)
         VALUES (gen_random_uuid(), $1, 'SKU-' || $2, 'Plan ' || $2, 1500)",
        "INSERT INTO invoices (id, organization_id, customer_id, number, currency_code, due_on)
         SELECT gen_random_uuid(), $1, id, 1, 'EUR', current_date + 30 FROM customers WHERE organization_id = $1",
        "INSERT INTO invoice_line_items (organization_id, invoice_id, product_id, description, unit_price_cents)
         SELECT $1, i.id, p.id, 'Plan ' || $2, 1500
           FROM invoices i, products p WHERE i.organization_id = $1 AND p.organization_id = $1",
        "INSERT INTO subscriptions (id, organization_id, customer_id, product_id, status, current_period_end)
         SELECT gen_random_uuid(), $1, c.id, p.id, 'active', now() + interval '30 days'
           FROM customers c, products p WHERE c.organization_id = $1 AND p.organization_id = $1",
        "INSERT INTO usage_events (id, organization_id, subscription_id, quantity, recorded_at)
         SELECT gen_random_uuid(), $1, id, 42, now() FROM subscriptions WHERE organization_id = $1",
    ];
    let org_id: Uuid = org.into();
    let invitations = admin
        .query_one("SELECT to_regclass('invitations') IS NOT NULL", &[])
        .await
        .unwrap()
        .get::<_, bool>(0);
    // Invitations came with a later migration than some fixtures stop at.
    let invite = "INSERT INTO invitations (organization_id, invited_by, email, token_hash, expires_at)
         SELECT $1, id, 'invitee-' || $2 || '@example.test', sha256(convert_to('invite-' || $2, 'UTF8')),
                now() + interval '7 days'
           FROM users WHERE organization_id = $1";
    let statements = statements.iter().copied().chain(invitations.then_some(invite));
    for statement in statements {
        // Bind what the statement uses ($1 the organization, $2 its tag).
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::new();
        if statement.contains("$1") {
            params.push(&org_id);
        }
        if statement.contains("$2") {
            params.push(&tag);
        }
        admin
            .execute(statement, &params)
            .await
            .unwrap_or_else(|e| panic!("seed failed: {e:?}\n{statement}"));
    }
}

/// An INSERT of `row` (a row of `table` as jsonb) with every column that accepts a value.
fn insert_row_sql(table: &str) -> String {
    let declared = declared();
    let columns: Vec<String> = declared
        .schema
        .table(table)
        .unwrap()
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let columns = columns.join(", ");
    format!(
        "INSERT INTO \"{table}\" ({columns}) OVERRIDING SYSTEM VALUE \
         SELECT {columns} FROM jsonb_populate_record(NULL::\"{table}\", $1)"
    )
}

/// The example's tenant-scoped foreign keys: (table, referencing column, referenced table).
fn tenant_references() -> Vec<(String, String, String)> {
    declared()
        .schema
        .tables
        .iter()
        .flat_map(|table| {
            table
                .foreign_keys
                .iter()
                .filter_map(|fk| match (&fk.columns[..], &fk.referenced_columns[..]) {
                    ([tenant, column], [referenced_tenant, _])
                        if tenant == "organization_id" && referenced_tenant == "organization_id" =>
                    {
                        Some((table.name.clone(), column.clone(), fk.referenced_table.clone()))
                    }
                    _ => None,
                })
        })
        .collect()
}

/// Every table with an `organization_id` column (tenant tables, opted out of row-level security
/// or not, and the audit log).
fn tables_with_tenant_column() -> Vec<String> {
    declared()
        .schema
        .tables
        .iter()
        .filter(|t| t.column("organization_id").is_some())
        .map(|t| t.name.clone())
        .collect()
}

/// A fingerprint of `organization`'s rows of `table`, read as the superuser: equal fingerprints,
/// equal rows.
async fn fingerprint(admin: &Client, table: &str, organization: OrganizationId) -> (i64, String) {
    let row = admin
        .query_one(
            &format!(
                "SELECT count(*), coalesce(md5(string_agg(to_jsonb(t)::text, ',' ORDER BY to_jsonb(t)::text)), '')
                   FROM \"{table}\" t WHERE organization_id = $1"
            ),
            &[&organization],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// How a refused reference reads to the tenant: SQLSTATE, constraint, message, and the detail
/// with the id it tried replaced by `<id>`.
fn refusal(result: Result<u64, Error>, tried: Uuid, what: &str) -> (String, String, String, String) {
    match result {
        Err(Error::Postgres(e)) => {
            let db = e.as_db_error().unwrap_or_else(|| panic!("{what}: {e}"));
            (
                db.code().code().to_owned(),
                db.constraint().unwrap_or_default().to_owned(),
                db.message().to_owned(),
                db.detail()
                    .unwrap_or_default()
                    .replace(&tried.to_string(), "<id>"),
            )
        }
        other => panic!("{what}: expected the reference to be refused, got {other:?}"),
    }
}

fn assert_rls_violation(result: Result<u64, Error>, what: &str) {
    match result {
        Err(Error::Postgres(e)) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
            let message = e
                .as_db_error()
                .map(|d| d.message().to_owned())
                .unwrap_or_default();
            assert!(
                message.contains("row-level security"),
                "{what}: refused, but not by row-level security: {message}"
            );
        }
        other => panic!("{what}: expected a row-level security violation, got {other:?}"),
    }
}

#[tokio::test]
async fn with_tenant_a_set_tenant_b_rows_are_out_of_reach() {
    let fx = Fixture::new("tenancy_cross").await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let tables = tenant_tables();
    assert!(
        tables.len() >= 9,
        "the example has the root and 8 tenant tables: {tables:?}"
    );
    for (table, column) in &tables {
        let own = fx.rows_of(table, column, fx.a).await;
        let others = fx.rows_of(table, column, fx.b).await;
        assert!(
            own > 0 && others > 0,
            "{table}: the seed must give both organizations rows"
        );

        let (visible, of_b): (i64, i64) = with_tenant(&mut app, fx.a, async |tx| {
            let all = tx
                .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
                .await?;
            let b = tx
                .query_one(
                    &format!("SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = $1"),
                    &[&fx.b],
                )
                .await?;
            Ok::<_, Error>((all.get(0), b.get(0)))
        })
        .await
        .unwrap();
        assert_eq!(
            (visible, of_b),
            (own, 0),
            "{table}: tenant A must see exactly its rows"
        );

        let updated = with_tenant(&mut app, fx.a, async |tx| {
            let sql = format!("UPDATE \"{table}\" SET \"{column}\" = \"{column}\" WHERE \"{column}\" = $1");
            Ok::<_, Error>(tx.execute(&sql, &[&fx.b]).await?)
        })
        .await
        .unwrap();
        assert_eq!(updated, 0, "{table}: tenant A updated tenant B's rows");

        let deleted = with_tenant(&mut app, fx.a, async |tx| {
            let sql = format!("DELETE FROM \"{table}\" WHERE \"{column}\" = $1");
            Ok::<_, Error>(tx.execute(&sql, &[&fx.b]).await?)
        })
        .await
        .unwrap();
        assert_eq!(deleted, 0, "{table}: tenant A deleted tenant B's rows");
        assert_eq!(
            fx.rows_of(table, column, fx.b).await,
            others,
            "{table}: B's rows changed"
        );

        let row_of_b = fx.row_json(table, column, fx.b).await;
        let inserted = with_tenant(&mut app, fx.a, async |tx| {
            Ok::<_, Error>(tx.execute(&insert_row_sql(table), &[&row_of_b]).await?)
        })
        .await;
        assert_rls_violation(
            inserted,
            &format!("{table}: tenant A inserting a row of tenant B"),
        );

        let moved = with_tenant(&mut app, fx.a, async |tx| {
            let sql = format!("UPDATE \"{table}\" SET \"{column}\" = $1 WHERE \"{column}\" = $2");
            Ok::<_, Error>(tx.execute(&sql, &[&fx.b, &fx.a]).await?)
        })
        .await;
        assert_rls_violation(moved, &format!("{table}: tenant A moving its row to tenant B"));
    }
}

#[tokio::test]
async fn without_a_tenant_nothing_is_visible_or_writable() {
    let fx = Fixture::new("tenancy_none").await;
    let app = fx.connect_as(fx.app.name()).await;
    for (table, column) in tenant_tables() {
        for setting in [None, Some("")] {
            if let Some(value) = setting {
                app.execute(
                    "SELECT set_config('app.current_organization_id', $1, false)",
                    &[&value],
                )
                .await
                .unwrap();
            }
            let visible: i64 = app
                .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
                .await
                .unwrap()
                .get(0);
            assert_eq!(
                visible, 0,
                "{table}: rows visible with tenant setting {setting:?}"
            );
            let updated = app
                .execute(
                    &format!("UPDATE \"{table}\" SET \"{column}\" = \"{column}\""),
                    &[],
                )
                .await
                .unwrap();
            assert_eq!(updated, 0, "{table}: rows updated without a tenant");
            let row = fx.row_json(&table, column, fx.a).await;
            let inserted = app
                .execute(&insert_row_sql(&table), &[&row])
                .await
                .map_err(Error::from);
            assert_rls_violation(inserted, &format!("{table}: insert without a tenant"));
        }
    }
}

#[tokio::test]
async fn force_holds_the_table_owner_to_the_policy() {
    let fx = Fixture::new("tenancy_owner").await;
    let owner = fx.db.create_role("owner").await;
    grant_app_privileges(&fx.admin, owner.name()).await;
    for (table, _) in tenant_tables() {
        fx.admin
            .batch_execute(&format!("ALTER TABLE \"{table}\" OWNER TO \"{}\"", owner.name()))
            .await
            .unwrap();
    }
    let mut as_owner = fx.connect_as(owner.name()).await;
    for (table, column) in tenant_tables() {
        let of_b: i64 = with_tenant(&mut as_owner, fx.a, async |tx| {
            let sql = format!("SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = $1");
            Ok::<_, Error>(tx.query_one(&sql, &[&fx.b]).await?.get(0))
        })
        .await
        .unwrap();
        assert_eq!(of_b, 0, "{table}: its owner, as tenant A, sees tenant B's rows");
        let unscoped: i64 = as_owner
            .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(unscoped, 0, "{table}: its owner sees rows without a tenant");
    }

    // The check above can fail: without FORCE, the owner sees every row.
    fx.admin
        .batch_execute("ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY")
        .await
        .unwrap();
    let unscoped: i64 = as_owner
        .query_one("SELECT count(*) FROM invoices", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(unscoped, 2, "without FORCE the owner bypasses the policy");
}

#[tokio::test]
async fn tenant_scope_refuses_roles_that_bypass_row_level_security() {
    let fx = Fixture::new("tenancy_bypass").await;
    let mut superuser = fx.db.connect().await;
    let result = with_tenant(&mut superuser, fx.a, async |tx| {
        Ok::<_, Error>(tx.execute("SELECT 1", &[]).await?)
    })
    .await;
    assert!(
        matches!(result, Err(Error::BypassesRowLevelSecurity { .. })),
        "a superuser must not run tenant-scoped work: {result:?}"
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("connect as the application role"), "{message}");
}

#[tokio::test]
async fn tenant_setting_ends_with_the_transaction_and_failed_work_rolls_back() {
    let fx = Fixture::new("tenancy_scope").await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let result: Result<(), Error> = TenantScope::new(fx.a)
        .acting_as("user-7")
        .run(&mut app, async |tx| {
            tx.execute(
                "INSERT INTO products (id, organization_id, sku, name, unit_price_cents)
                 VALUES (gen_random_uuid(), $1, 'ROLLED-BACK', 'Gone', 1)",
                &[&fx.a],
            )
            .await?;
            // The work fails after writing: nothing of it may remain.
            tx.execute("SELECT 1 / 0", &[]).await?;
            Ok(())
        })
        .await;
    assert!(matches!(result, Err(Error::Postgres(_))), "{result:?}");
    let row = app
        .query_one(
            "SELECT coalesce(current_setting('app.current_organization_id', true), ''),
                    coalesce(current_setting('app.current_user_id', true), '')",
            &[],
        )
        .await
        .unwrap();
    let (tenant, actor): (String, String) = (row.get(0), row.get(1));
    assert_eq!(
        (tenant.as_str(), actor.as_str()),
        ("", ""),
        "settings outlived the transaction"
    );
    let kept: i64 = fx
        .admin
        .query_one("SELECT count(*) FROM products WHERE sku = 'ROLLED-BACK'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 0, "failed work was committed");
}

#[tokio::test]
async fn audited_tables_record_every_write_with_old_and_new_rows() {
    let fx = Fixture::new("tenancy_audit").await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let customer = Uuid::now_v7();
    let scope = TenantScope::new(fx.a).acting_as("user-42");
    scope
        .run(&mut app, async |tx| {
            tx.execute(
                "INSERT INTO customers (id, organization_id, email, display_name, country_code, metadata)
                 VALUES ($1, $2, 'first@example.test', 'First', 'FR', '{}')",
                &[&customer, &fx.a],
            )
            .await?;
            Ok::<_, Error>(())
        })
        .await
        .unwrap();
    scope
        .run(&mut app, async |tx| {
            tx.execute(
                "UPDATE customers SET email = 'second@example.test' WHERE id = $1",
                &[&customer],
            )
            .await?;
            tx.execute("DELETE FROM customers WHERE id = $1", &[&customer])
                .await?;
            Ok::<_, Error>(())
        })
        .await
        .unwrap();

    let rows = fx
        .admin
        .query(
            "SELECT operation, organization_id, acted_by, old_row ->> 'email', new_row ->> 'email'
               FROM audit_log
              WHERE table_name = 'customers'
                AND coalesce(new_row, old_row) ->> 'id' = $1
              ORDER BY id",
            &[&customer.to_string()],
        )
        .await
        .unwrap();
    type AuditRow = (String, Uuid, Option<String>, Option<String>, Option<String>);
    let found: Vec<AuditRow> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let a: Uuid = fx.a.into();
    let actor = Some("user-42".to_owned());
    let email = |e: &str| Some(e.to_owned());
    assert_eq!(
        found,
        vec![
            (
                "INSERT".into(),
                a,
                actor.clone(),
                None,
                email("first@example.test")
            ),
            (
                "UPDATE".into(),
                a,
                actor.clone(),
                email("first@example.test"),
                email("second@example.test")
            ),
            (
                "DELETE".into(),
                a,
                actor.clone(),
                email("second@example.test"),
                None
            ),
        ]
    );

    // Tenants read only their own audit rows and cannot change or remove any.
    let (visible_to_b, rewritten, removed) = with_tenant(&mut app, fx.b, async |tx| {
        let visible: i64 = tx
            .query_one(
                "SELECT count(*) FROM audit_log WHERE organization_id = $1",
                &[&fx.a],
            )
            .await?
            .get(0);
        let rewritten = tx
            .execute("UPDATE audit_log SET acted_by = 'forged'", &[])
            .await?;
        let removed = tx.execute("DELETE FROM audit_log", &[]).await?;
        Ok::<_, Error>((visible, rewritten, removed))
    })
    .await
    .unwrap();
    assert_eq!((visible_to_b, rewritten, removed), (0, 0, 0));
    let own = with_tenant(&mut app, fx.a, async |tx| {
        let removed = tx.execute("DELETE FROM audit_log", &[]).await?;
        let visible: i64 = tx.query_one("SELECT count(*) FROM audit_log", &[]).await?.get(0);
        Ok::<_, Error>((removed, visible))
    })
    .await
    .unwrap();
    assert_eq!(own.0, 0, "audit rows can be deleted");
    assert!(
        own.1 >= 3,
        "tenant A must read its own audit rows, read {}",
        own.1
    );
}

#[tokio::test]
async fn updated_at_changes_on_every_update_of_every_table() {
    let fx = Fixture::new("tenancy_updated_at").await;
    let declared = declared();
    let tables: Vec<&str> = declared
        .schema
        .tables
        .iter()
        .filter(|t| t.column("updated_at").is_some())
        .map(|t| t.name.as_str())
        .collect();
    assert!(tables.len() >= 11, "{tables:?}");
    for table in tables {
        let before: Vec<schema_core::time::OffsetDateTime> = fx
            .admin
            .query(
                &format!("SELECT updated_at FROM \"{table}\" ORDER BY updated_at"),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(!before.is_empty(), "{table}: the seed must give it rows");
        tokio::time::sleep(Duration::from_millis(5)).await;
        // A statement that does not mention updated_at, and one that tries to set it: the
        // trigger decides either way.
        fx.admin
            .execute(&format!("UPDATE \"{table}\" SET created_at = created_at"), &[])
            .await
            .unwrap();
        let after: Vec<schema_core::time::OffsetDateTime> = fx
            .admin
            .query(&format!("SELECT updated_at FROM \"{table}\""), &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let latest_before = *before.last().unwrap();
        assert!(
            after.iter().all(|t| *t > latest_before),
            "{table}: updated_at did not move on UPDATE: {before:?} -> {after:?}"
        );
        let forced: schema_core::time::OffsetDateTime = fx
            .admin
            .query_one(
                &format!(
                    "UPDATE \"{table}\" SET updated_at = '2000-01-01T00:00:00Z'
                      WHERE ctid = (SELECT ctid FROM \"{table}\" LIMIT 1) RETURNING updated_at"
                ),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(
            forced.year() > 2000,
            "{table}: an UPDATE overrode the trigger: {forced}"
        );
    }
}

/// `#[table(rls_exempt = "...")]` is the one way out, and it is visible: the table has no
/// row-level security and no policy (so a tenant scope sees every organization's rows there), and
/// every other tenant table keeps both.
#[tokio::test]
async fn an_opted_out_tenant_table_has_no_policy_and_every_other_one_has() {
    let fx = Fixture::new("tenancy_opt_out").await;
    let declared = declared();
    let exempt: Vec<&str> = declared
        .tables
        .iter()
        .filter(|d| d.rls_exempt.is_some())
        .map(|d| d.table.name.as_str())
        .collect();
    assert_eq!(exempt, ["usage_events"]);
    let security = |table: String| {
        let admin = &fx.admin;
        async move {
            let row = admin
                .query_one(
                    "SELECT c.relrowsecurity, c.relforcerowsecurity,
                            (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
                       FROM pg_class c WHERE c.oid = $1::text::regclass",
                    &[&table],
                )
                .await
                .unwrap();
            (row.get::<_, bool>(0), row.get::<_, bool>(1), row.get::<_, i64>(2))
        }
    };
    assert_eq!(security("usage_events".to_owned()).await, (false, false, 0));
    for (table, _) in tenant_tables() {
        let (enabled, forced, policies) = security(table.clone()).await;
        assert!(
            enabled && forced && policies > 0,
            "{table}: {enabled} {forced} {policies}"
        );
    }

    let mut app = fx.connect_as(fx.app.name()).await;
    let seen: i64 = TenantScope::new(fx.a)
        .run(&mut app, async |tx| {
            Ok::<_, Error>(
                tx.query_one("SELECT count(DISTINCT organization_id) FROM usage_events", &[])
                    .await?
                    .get(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(seen, 2, "an opted-out table is not filtered by tenant");
}

#[tokio::test]
async fn sqlx_tenant_scope_sees_only_the_tenant() {
    use sqlx::Connection;

    let fx = Fixture::new("tenancy_sqlx").await;
    let mut connection = sqlx::PgConnection::connect(fx.db.url())
        .await
        .expect("sqlx connects");
    sqlx::query(&format!("SET ROLE \"{}\"", fx.app.name()))
        .execute(&mut connection)
        .await
        .unwrap();
    let (invoices, of_b): (i64, i64) = TenantScope::new(fx.a)
        .run_sqlx(&mut connection, async |conn| {
            let all: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices")
                .fetch_one(&mut *conn)
                .await?;
            let of_b: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices WHERE organization_id = $1")
                .bind(Uuid::from(fx.b))
                .fetch_one(&mut *conn)
                .await?;
            Ok::<_, Error>((all, of_b))
        })
        .await
        .unwrap();
    assert_eq!((invoices, of_b), (1, 0));
    let unscoped: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(unscoped, 0, "the tenant setting outlived the sqlx transaction");

    sqlx::query("RESET ROLE").execute(&mut connection).await.unwrap();
    let refused = TenantScope::new(fx.a)
        .run_sqlx(&mut connection, async |_| Ok::<_, Error>(()))
        .await;
    assert!(
        matches!(refused, Err(Error::BypassesRowLevelSecurity { .. })),
        "{refused:?}"
    );
}

/// For each tenant table the app role can read: with each tenant set, it sees exactly that
/// tenant's rows (as counted by the superuser). Returns how many rows it saw in all.
async fn every_tenant_sees_its_rows(fx: &Fixture, app: &mut Client, at: &str) -> i64 {
    let mut seen = 0;
    for (table, column) in tenant_tables() {
        let readable: bool = fx
            .admin
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL AND has_table_privilege($2, $1, 'SELECT')",
                &[&format!("\"{table}\""), &fx.app.name()],
            )
            .await
            .unwrap()
            .get(0);
        if !readable {
            continue;
        }
        for tenant in [fx.a, fx.b] {
            let count: i64 = with_tenant(app, tenant, async |tx| {
                Ok::<_, Error>(
                    tx.query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
                        .await?
                        .get(0),
                )
            })
            .await
            .unwrap_or_else(|e| panic!("{at}: {table} unreadable: {e:?}"));
            assert_eq!(
                count,
                fx.rows_of(&table, column, tenant).await,
                "{at}: {table}: a tenant does not see its own rows"
            );
            seen += count;
        }
    }
    seen
}

/// Runs `script` as the runner would, one unit at a time (in one transaction when it has no
/// no-transaction marker), and checks after every commit that every tenant sees its rows: a
/// migration stopped at any of those points leaves isolation and visibility as they must be.
async fn run_checking_every_commit(fx: &Fixture, app: &mut Client, name: &str, script: &str) -> usize {
    let transactional = !script
        .lines()
        .any(|l| l.trim() == schema_migrate::migrations::NO_TRANSACTION_MARKER);
    let mut statements = schema_migrate::sql_split::split_statements(script);
    if transactional {
        statements.insert(0, "BEGIN".to_owned());
        statements.push("COMMIT".to_owned());
    }
    let mut in_transaction = false;
    let mut commits = 0;
    for (i, statement) in statements.iter().enumerate() {
        let first = schema_migrate::sql_split::strip_comments(statement)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        fx.admin
            .batch_execute(statement)
            .await
            .unwrap_or_else(|e| panic!("{name}: statement {i} failed: {e:?}\n{statement}"));
        match first.trim_end_matches(';') {
            "BEGIN" => in_transaction = true,
            "COMMIT" => in_transaction = false,
            _ => {}
        }
        if !in_transaction {
            commits += 1;
            let seen = every_tenant_sees_its_rows(fx, app, &format!("{name} after statement {i}")).await;
            assert!(seen > 0, "{name} after statement {i}: no rows seen at all");
        }
    }
    commits
}

#[tokio::test]
async fn a_migration_stopped_at_any_commit_leaves_every_tenant_its_rows() {
    let dir = MigrationDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"));
    let migrations = dir.load().expect("the example's migrations load");
    // From the first migration whose predecessor holds every table the seed fills.
    let first = migrations
        .iter()
        .position(|m| m.description == "add_usage_events")
        .expect("the example adds usage events")
        + 1;
    let mut commits = 0;
    for i in first..migrations.len() {
        let before = &migrations[i - 1].version;
        let fx = Fixture::migrated_to(&format!("tenancy_stopped_{i}"), Some(before)).await;
        let mut app = fx.connect_as(fx.app.name()).await;
        let migration = &migrations[i];
        commits +=
            run_checking_every_commit(&fx, &mut app, &format!("{} up", migration.name()), &migration.up)
                .await;
        // Tables the migration created get the test's grants too, then its down runs the same way.
        grant_app_privileges(&fx.admin, fx.app.name()).await;
        commits += run_checking_every_commit(
            &fx,
            &mut app,
            &format!("{} down", migration.name()),
            &migration.down,
        )
        .await;
    }
    assert!(
        commits > 2 * (migrations.len() - first),
        "{commits} commit points checked"
    );
    println!("{commits} commit points checked");
}

/// A tenant table added in a later version of the app.
#[derive(Table)]
#[allow(dead_code)]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A tenant table keyed by a number the database counts.
#[derive(Table)]
#[allow(dead_code)]
pub struct Ticket {
    #[column(primary_key, identity)]
    pub id: i64,
    pub organization_id: OrganizationId,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[tokio::test]
async fn the_app_role_inserts_through_a_serial_key_with_its_sequence_usage() {
    let fx = Fixture::new("tenancy_serial").await;
    let v1 = declared();
    let mut v2 = v1
        .tables
        .iter()
        .cloned()
        .fold(SchemaBuilder::new(), SchemaBuilder::table_def)
        .app_role(billing_example::schema::APP_ROLE)
        .table::<Ticket>()
        .build()
        .expect("v2 is valid");
    // A serial key (as an inspected database has it; the derive declares identity columns): the
    // app role's grant on the table carries USAGE on its sequence.
    let tickets = v2.schema.tables.iter_mut().find(|t| t.name == "tickets").unwrap();
    let id = tickets.columns.iter_mut().find(|c| c.name == "id").unwrap();
    id.identity = Some(schema_core::model::Identity::Serial);
    tickets.grants[0].serial_usage = vec!["id".to_owned()];
    let serial = v2;
    let migration = plan(
        &v1.schema,
        &serial.schema,
        &serial.renames,
        &PlanOptions::default(),
    )
    .expect("plan");
    apply(&fx.admin, &migration.up(), &ApplyOptions::default())
        .await
        .expect("up");

    let (_login, mut app) = app_login(&fx, "serial_login").await;
    let insert = async |app: &mut Client| {
        with_tenant(app, fx.a, async |tx| {
            Ok::<_, Error>(
                tx.query_one(
                    "INSERT INTO tickets (organization_id, body) VALUES ($1, 'help') RETURNING id",
                    &[&fx.a],
                )
                .await?
                .get::<_, i64>(0),
            )
        })
        .await
    };
    assert_eq!(
        insert(&mut app)
            .await
            .expect("the app inserts, the sequence counts"),
        1
    );
    // Without the grant the same insert is refused: the sequence needs USAGE.
    fx.admin
        .batch_execute(&format!(
            "REVOKE USAGE ON SEQUENCE tickets_id_seq FROM \"{}\"",
            billing_example::schema::APP_ROLE
        ))
        .await
        .unwrap();
    assert_not_permitted(
        insert(&mut app).await,
        "an insert without USAGE on the serial's sequence",
    );

    apply(&fx.admin, &migration.down(), &ApplyOptions::default())
        .await
        .expect("down");
}

/// A tenant table in a second schema.
#[derive(Table)]
#[table(schema = "billing", audited)]
#[allow(dead_code)]
pub struct Payout {
    #[column(primary_key, identity)]
    pub id: i64,
    pub organization_id: OrganizationId,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[tokio::test]
async fn the_app_role_reaches_a_tenant_table_in_a_second_schema_and_only_its_tenant_rows() {
    let fx = Fixture::new("tenancy_second_schema").await;
    let v1 = declared();
    let v2 = v1
        .tables
        .iter()
        .cloned()
        .fold(SchemaBuilder::new(), SchemaBuilder::table_def)
        .app_role(billing_example::schema::APP_ROLE)
        .table::<Payout>()
        .build()
        .expect("v2 is valid");
    // Derived from the app's grants: USAGE on the schema of the table it is granted on.
    assert_eq!(
        v2.schema.schema_usage.get("billing"),
        Some(&vec![billing_example::schema::APP_ROLE.to_owned()])
    );
    let migration = plan(&v1.schema, &v2.schema, &v2.renames, &PlanOptions::default()).expect("plan");
    apply(&fx.admin, &migration.up(), &ApplyOptions::default())
        .await
        .expect("up");

    let (_login, mut app) = app_login(&fx, "second_schema_login").await;
    let insert = async |app: &mut Client, organization: OrganizationId, note: &str| {
        with_tenant(app, organization, async |tx| {
            Ok::<_, Error>(
                tx.execute(
                    "INSERT INTO billing.payouts (organization_id, note) VALUES ($1, $2)",
                    &[&organization, &note],
                )
                .await?,
            )
        })
        .await
    };
    insert(&mut app, fx.a, "a's").await.expect("A inserts its row");
    insert(&mut app, fx.b, "b's").await.expect("B inserts its row");
    // A tenant cannot write into another tenant's rows from here either.
    let (code, _) = refused_as(
        with_tenant(&mut app, fx.a, async |tx| {
            Ok::<_, Error>(
                tx.execute(
                    "INSERT INTO billing.payouts (organization_id, note) VALUES ($1, 'forged')",
                    &[&fx.b],
                )
                .await?,
            )
        })
        .await,
        "A inserting a row of B",
    );
    assert_eq!(code, "42501", "row-level security refuses it");
    let notes = async |app: &mut Client, organization: OrganizationId| {
        with_tenant(app, organization, async |tx| {
            Ok::<_, Error>(
                tx.query("SELECT note FROM billing.payouts ORDER BY note", &[])
                    .await?
                    .iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<Vec<_>>(),
            )
        })
        .await
    };
    // The audit trigger records the table by its qualified name (public tables keep their bare
    // one, see audited_tables_record_every_write_with_old_and_new_rows).
    let audited: Vec<(String, Uuid)> = fx
        .admin
        .query(
            "SELECT table_name, organization_id FROM audit_log WHERE table_name LIKE '%payouts' ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        audited,
        vec![
            ("billing.payouts".to_owned(), fx.a.into()),
            ("billing.payouts".to_owned(), fx.b.into())
        ]
    );
    assert_eq!(notes(&mut app, fx.a).await.unwrap(), vec!["a's".to_owned()]);
    assert_eq!(notes(&mut app, fx.b).await.unwrap(), vec!["b's".to_owned()]);
    let changed = with_tenant(&mut app, fx.a, async |tx| {
        Ok::<_, Error>(
            tx.execute(
                "UPDATE billing.payouts SET note = 'taken' WHERE organization_id = $1",
                &[&fx.b],
            )
            .await?
                + tx.execute("DELETE FROM billing.payouts WHERE organization_id = $1", &[&fx.b])
                    .await?,
        )
    })
    .await
    .unwrap();
    assert_eq!(changed, 0, "A neither updates nor deletes B's rows");
    assert_eq!(fx.rows_of_in("billing.payouts", fx.b).await, 1);

    // Without USAGE on the schema the table grants are of no use: the migration's grant is what
    // lets the app in.
    fx.admin
        .batch_execute(&format!(
            "REVOKE USAGE ON SCHEMA billing FROM \"{}\"",
            billing_example::schema::APP_ROLE
        ))
        .await
        .unwrap();
    assert_not_permitted(notes(&mut app, fx.a).await, "a read without USAGE on billing");
    fx.admin
        .batch_execute(&format!(
            "GRANT USAGE ON SCHEMA billing TO \"{}\"",
            billing_example::schema::APP_ROLE
        ))
        .await
        .unwrap();
    drop(app);

    fx.admin
        .execute("DELETE FROM billing.payouts", &[])
        .await
        .unwrap();
    apply(&fx.admin, &migration.down(), &ApplyOptions::default())
        .await
        .expect("down");
    let left: i64 = fx
        .admin
        .query_one("SELECT count(*) FROM pg_namespace WHERE nspname = 'billing'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "down drops the schema with its grant");
}

#[tokio::test]
async fn a_migration_adding_a_tenant_table_adds_its_policies_and_down_removes_them() {
    let fx = Fixture::new("tenancy_migration").await;
    let v1 = declared();
    let v2 = v1
        .tables
        .iter()
        .cloned()
        .fold(SchemaBuilder::new(), SchemaBuilder::table_def)
        .table::<Note>()
        .build()
        .expect("v2 is valid");
    let migration = plan(&v1.schema, &v2.schema, &v2.renames, &PlanOptions::default()).expect("plan");
    let policies = async |admin: &Client| -> Vec<(bool, bool, String, String)> {
        admin
            .query(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, p.policyname::text, p.cmd
                   FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname
                  WHERE c.relname = 'notes'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    };

    apply(&fx.admin, &migration.up(), &ApplyOptions::default())
        .await
        .expect("up");
    assert_eq!(
        policies(&fx.admin).await,
        vec![(true, true, "tenant_isolation".to_owned(), "ALL".to_owned())]
    );
    grant_app_privileges(&fx.admin, fx.app.name()).await;
    fx.admin
        .execute(
            "INSERT INTO notes (id, organization_id, body) VALUES (gen_random_uuid(), $1, 'b')",
            &[&fx.b],
        )
        .await
        .unwrap();
    let mut app = fx.connect_as(fx.app.name()).await;
    let visible: i64 = with_tenant(&mut app, fx.a, async |tx| {
        Ok::<_, Error>(tx.query_one("SELECT count(*) FROM notes", &[]).await?.get(0))
    })
    .await
    .unwrap();
    assert_eq!(visible, 0, "the new table must be isolated as soon as it exists");
    drop(app);

    fx.admin.execute("DELETE FROM notes", &[]).await.unwrap();
    apply(&fx.admin, &migration.down(), &ApplyOptions::default())
        .await
        .expect("down");
    assert_eq!(policies(&fx.admin).await, vec![]);
    let remaining: i64 = fx
        .admin
        .query_one("SELECT count(*) FROM pg_policies WHERE tablename = 'notes'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(remaining, 0);
}

#[tokio::test]
async fn a_hostile_tenant_cannot_reference_probe_or_cascade_into_another_tenant() {
    let fx = Fixture::new("tenancy_hostile").await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let references = tenant_references();
    assert!(
        references.len() >= 9,
        "every key between the example's tenant tables is tenant-scoped: {references:?}"
    );

    // With tenant A set, point each of A's rows at B's row, and at an id that exists nowhere.
    let mut trials = 0;
    for (table, column, target) in &references {
        let of_b: Uuid = fx
            .admin
            .query_one(
                &format!("SELECT id FROM \"{target}\" WHERE organization_id = $1 LIMIT 1"),
                &[&fx.b],
            )
            .await
            .unwrap()
            .get(0);
        let nowhere = Uuid::new_v4();
        let before = fingerprint(&fx.admin, table, fx.a).await;
        let mut seen = Vec::new();
        for tried in [of_b, nowhere] {
            let result = with_tenant(&mut app, fx.a, async |tx| {
                let sql = format!("UPDATE \"{table}\" SET \"{column}\" = $1");
                Ok::<_, Error>(tx.execute(&sql, &[&tried]).await?)
            })
            .await;
            let what = format!("{table}.{column}: tenant A referencing {target} {tried}");
            let refused = refusal(result, tried, &what);
            assert_eq!(
                refused.0,
                SqlState::FOREIGN_KEY_VIOLATION.code(),
                "{what}: {refused:?}"
            );
            seen.push(refused);
            trials += 1;
        }
        assert_eq!(
            seen[0], seen[1],
            "{table}.{column}: the refusal tells B's row from a missing one"
        );
        assert_eq!(
            fingerprint(&fx.admin, table, fx.a).await,
            before,
            "{table}: a refused reference changed A's rows"
        );
    }
    assert_eq!(trials, 2 * references.len());

    // B deletes all its rows, parents before children wherever the key cascades or sets NULL,
    // so every action runs. A's rows stay exactly as they were.
    let tables = tables_with_tenant_column();
    let mut a_before = Vec::new();
    for table in &tables {
        a_before.push(fingerprint(&fx.admin, table, fx.a).await);
    }
    let schema = declared().schema;
    let restricting = |child: &str, parent: &str| {
        schema.table(child).is_some_and(|t| {
            t.foreign_keys.iter().any(|fk| {
                fk.referenced_table == parent
                    && matches!(
                        fk.on_delete,
                        ReferentialAction::Restrict | ReferentialAction::NoAction
                    )
            })
        })
    };
    let mut remaining: Vec<String> = references.iter().map(|(t, _, _)| t.clone()).collect();
    remaining.extend(references.iter().map(|(_, _, t)| t.clone()));
    remaining.sort();
    remaining.dedup();
    remaining.sort_by_key(|t| declared().tables.iter().position(|d| &d.table.name == t));
    while !remaining.is_empty() {
        let next = remaining
            .iter()
            .position(|t| !remaining.iter().any(|child| child != t && restricting(child, t)))
            .expect("the example's restricting keys have no cycle");
        let table = remaining.remove(next);
        with_tenant(&mut app, fx.b, async |tx| {
            let sql = format!("DELETE FROM \"{table}\" WHERE organization_id = $1");
            Ok::<_, Error>(tx.execute(&sql, &[&fx.b]).await?)
        })
        .await
        .unwrap_or_else(|e| panic!("{table}: B cannot delete its own rows: {e:?}"));
        assert_eq!(
            fx.rows_of(&table, "organization_id", fx.b).await,
            0,
            "{table}: B's rows remain"
        );
        for (table, before) in tables.iter().zip(&a_before) {
            if table == "audit_log" {
                continue;
            }
            assert_eq!(
                &fingerprint(&fx.admin, table, fx.a).await,
                before,
                "{table}: B's deletes reached A's rows"
            );
        }
    }
}

/// A login role with the generated app role's grants and nothing else, and a connection as it.
async fn app_login(fx: &Fixture, name: &str) -> (TestRole, Client) {
    let login = fx.db.create_role(name).await;
    fx.admin
        .batch_execute(&format!(
            "GRANT \"{}\" TO \"{}\"",
            billing_example::schema::APP_ROLE,
            login.name()
        ))
        .await
        .unwrap();
    let client = fx.connect_as(login.name()).await;
    (login, client)
}

/// SQLSTATE and message of a refused statement (neither names the key it tried).
fn refused_as(result: Result<u64, Error>, what: &str) -> (String, String) {
    match result {
        Err(Error::Postgres(e)) => {
            let db = e.as_db_error().unwrap_or_else(|| panic!("{what}: {e}"));
            (db.code().code().to_owned(), db.message().to_owned())
        }
        other => panic!("{what}: expected a refusal, got {other:?}"),
    }
}

/// A key value that exists in no table: of the type of `like`.
fn unused_key(like: &serde_json::Value) -> serde_json::Value {
    match like {
        serde_json::Value::Number(_) => serde_json::json!(9_000_000_000_i64),
        _ => serde_json::json!(Uuid::new_v4().to_string()),
    }
}

#[tokio::test]
async fn a_hostile_tenant_cannot_probe_another_tenants_keys() {
    let fx = Fixture::new("tenancy_key_probe").await;
    let (_login, mut app) = app_login(&fx, "probe_login").await;
    let declared = declared();
    // Every tenant table under row-level security (and the root) is probed.
    let probed = tenant_tables();
    assert!(probed.len() >= 9, "{probed:?}");

    let mut trials = 0;
    for (table, tenant_column) in &probed {
        let a_row = fx.row_json(table, tenant_column, fx.a).await;
        let b_row = fx.row_json(table, tenant_column, fx.b).await;
        let key = declared
            .schema
            .table(table)
            .unwrap()
            .primary_key
            .clone()
            .unwrap()
            .columns;
        assert_eq!(key, ["id"], "{table}");
        let is_root = tenant_column == &"id";
        let (b_id, unused) = (b_row["id"].clone(), unused_key(&b_row["id"]));
        let before = fx.rows_of(table, tenant_column, fx.b).await;

        // A copy of A's row under B's key, and under a key that exists nowhere.
        let mut seen = Vec::new();
        for tried in [&b_id, &unused] {
            let mut row = a_row.clone();
            row["id"] = tried.clone();
            let sql = insert_row_sql(table);
            let result = with_tenant(&mut app, fx.a, async |tx| {
                Ok::<_, Error>(tx.execute(&sql, &[&row]).await?)
            })
            .await;
            seen.push(refused_as(
                result,
                &format!("{table}: tenant A inserting key {tried}"),
            ));
            trials += 1;
        }
        // A's own row moved to B's key, and to a key that exists nowhere.
        for tried in [&b_id, &unused] {
            let sql = format!(
                "UPDATE \"{table}\" SET id = (jsonb_populate_record(NULL::\"{table}\", jsonb_build_object('id', $1::jsonb))).id"
            );
            let result = with_tenant(&mut app, fx.a, async |tx| {
                Ok::<_, Error>(tx.execute(&sql, &[tried]).await?)
            })
            .await;
            seen.push(refused_as(
                result,
                &format!("{table}: tenant A updating its key to {tried}"),
            ));
            trials += 1;
        }
        let expected = if is_root {
            // The root's policy confines its key to the tenant's own id, checked before the key.
            (
                SqlState::INSUFFICIENT_PRIVILEGE.code().to_owned(),
                format!("new row violates row-level security policy for table \"{table}\""),
            )
        } else {
            // The app role may not write a tenant table's key at all.
            (
                SqlState::INSUFFICIENT_PRIVILEGE.code().to_owned(),
                format!("permission denied for table {table}"),
            )
        };
        // B's key and an unused one read the same; an identity column refuses an update of
        // its key before the privilege is looked at, the same way for both.
        assert_eq!(seen[0], expected, "{table}: inserting under B's key");
        assert_eq!(
            seen[0], seen[1],
            "{table}: B's key told apart from an unused one on INSERT"
        );
        assert_eq!(
            seen[2], seen[3],
            "{table}: B's key told apart from an unused one on UPDATE"
        );
        assert!(
            seen[2] == expected || seen[2].0 == SqlState::GENERATED_ALWAYS.code(),
            "{table}: updating its key to B's: {:?}",
            seen[2]
        );
        if !is_root {
            let result = with_tenant(&mut app, fx.a, async |tx| {
                let sql = format!("UPDATE \"{table}\" SET organization_id = $1");
                Ok::<_, Error>(tx.execute(&sql, &[&fx.b]).await?)
            })
            .await;
            assert_not_permitted(result, &format!("{table}: tenant A moving its rows to B"));
        }
        assert_eq!(
            fx.rows_of(table, tenant_column, fx.b).await,
            before,
            "{table}: B's rows changed"
        );
    }
    assert_eq!(trials, 4 * probed.len());

    // The app's way in: no key given, the database chooses one.
    let (customer, line_item): (Uuid, i64) = with_tenant(&mut app, fx.a, async |tx| {
        let customer = tx
            .query_one(
                "INSERT INTO customers (organization_id, email, display_name, country_code, metadata)
                 VALUES ($1, 'keyless@example.test', 'Keyless', 'FR', '{}') RETURNING id",
                &[&fx.a],
            )
            .await?
            .get(0);
        let line_item = tx
            .query_one(
                "INSERT INTO invoice_line_items (organization_id, invoice_id, description, unit_price_cents)
                 SELECT organization_id, id, 'Keyless', 100 FROM invoices RETURNING id",
                &[],
            )
            .await?
            .get(0);
        Ok::<_, Error>((customer, line_item))
    })
    .await
    .expect("the app inserts without choosing keys");
    assert!(!customer.is_nil() && line_item > 0);
}

/// The suite above can fail: with table-wide INSERT (the grants before the
/// `*_tenant_keys_from_the_database` migration), tenant A inserting under B's key gets a unique
/// violation, and under an unused key succeeds: the primary key tells A that B's row exists.
#[tokio::test]
async fn with_table_wide_inserts_the_primary_key_told_a_tenant_what_exists() {
    let fx = Fixture::new("tenancy_key_probe_before").await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let a_row = fx.row_json("customers", "organization_id", fx.a).await;
    let b_row = fx.row_json("customers", "organization_id", fx.b).await;
    let mut outcomes = Vec::new();
    for tried in [b_row["id"].clone(), unused_key(&b_row["id"])] {
        let mut row = a_row.clone();
        row["id"] = tried;
        row["email"] = serde_json::json!(format!("{}@example.test", Uuid::new_v4()));
        let sql = insert_row_sql("customers");
        let result = with_tenant(&mut app, fx.a, async |tx| {
            Ok::<_, Error>(tx.execute(&sql, &[&row]).await?)
        })
        .await;
        outcomes.push(match result {
            Ok(_) => "inserted".to_owned(),
            Err(Error::Postgres(e)) => e
                .as_db_error()
                .and_then(|d| d.constraint())
                .unwrap_or_default()
                .to_owned(),
            Err(e) => panic!("{e:?}"),
        });
    }
    assert_eq!(outcomes, ["customers_pkey", "inserted"]);
}

/// The suite above can fail: with the single-column keys of the earlier migrations, tenant A
/// points its invoice at B's customer, B can no longer delete that customer, and the error tells
/// A that B's customer exists.
#[tokio::test]
async fn before_tenant_scoped_keys_a_tenant_reached_across() {
    let fx = Fixture::migrated_to("tenancy_unscoped", Some("20261127204644")).await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let customer_of_b: Uuid = fx
        .admin
        .query_one("SELECT id FROM customers WHERE organization_id = $1", &[&fx.b])
        .await
        .unwrap()
        .get(0);
    let pointed = with_tenant(&mut app, fx.a, async |tx| {
        Ok::<_, Error>(
            tx.execute("UPDATE invoices SET customer_id = $1", &[&customer_of_b])
                .await?,
        )
    })
    .await
    .expect("single-column keys accept another tenant's row");
    assert_eq!(pointed, 1);
    let nowhere = with_tenant(&mut app, fx.a, async |tx| {
        Ok::<_, Error>(
            tx.execute("UPDATE invoices SET customer_id = $1", &[&Uuid::new_v4()])
                .await?,
        )
    })
    .await;
    assert!(
        matches!(&nowhere, Err(Error::Postgres(e)) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION)),
        "a missing id is refused where B's is accepted, which tells them apart: {nowhere:?}"
    );
    let blocked = with_tenant(&mut app, fx.b, async |tx| {
        tx.execute("DELETE FROM invoices", &[]).await?;
        Ok::<_, Error>(tx.execute("DELETE FROM customers", &[]).await?)
    })
    .await;
    assert!(
        matches!(&blocked, Err(Error::Postgres(e)) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION)),
        "A's invoice blocks B's delete of its own customer: {blocked:?}"
    );
}

/// The tenant setting as `client`'s session carries it outside any transaction.
async fn carried_tenant(client: &Client) -> String {
    client
        .query_one(
            "SELECT coalesce(current_setting('app.current_organization_id', true), '')",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_session_level_tenant_setting_is_refused_and_never_outlives_a_scope() {
    let fx = Fixture::new("tenancy_session_setting").await;
    let mut app = fx.connect_as(fx.app.name()).await;

    // Something set tenant B for the whole session: the scope refuses to run as A on top of it
    // and clears it.
    app.batch_execute(&format!("SET app.current_organization_id = '{}'", fx.b))
        .await
        .unwrap();
    let refused = with_tenant(&mut app, fx.a, async |tx| {
        Ok::<_, Error>(
            tx.query_one("SELECT count(*) FROM invoices", &[])
                .await?
                .get::<_, i64>(0),
        )
    })
    .await;
    match refused {
        Err(Error::SessionTenantSetting { setting, value }) => {
            assert_eq!(setting, "app.current_organization_id");
            assert_eq!(value, fx.b.to_string());
        }
        other => panic!("a carried session-level tenant must be refused, got {other:?}"),
    }
    assert_eq!(
        carried_tenant(&app).await,
        "",
        "the refused setting was not cleared"
    );

    // Work that sets the tenant for the session itself (SET, or set_config(..., false)) does not
    // leave it behind, whether it succeeds or fails.
    for fails in [false, true] {
        for statement in [
            format!("SET app.current_organization_id = '{}'", fx.b),
            format!(
                "SELECT set_config('app.current_organization_id', '{}', false)",
                fx.b
            ),
        ] {
            let result = with_tenant(&mut app, fx.a, async |tx| {
                tx.batch_execute(&statement).await?;
                if fails {
                    tx.batch_execute("SELECT 1 / 0").await?;
                }
                Ok::<_, Error>(())
            })
            .await;
            assert_eq!(result.is_err(), fails, "{statement}: {result:?}");
            assert_eq!(
                carried_tenant(&app).await,
                "",
                "{statement} (work fails: {fails}) left a tenant on the connection"
            );
            let visible: i64 = app
                .query_one("SELECT count(*) FROM invoices", &[])
                .await
                .unwrap()
                .get(0);
            assert_eq!(
                visible, 0,
                "after the scope, the next work on the connection sees a tenant"
            );
            // And the next scope opens normally.
            let own: i64 = with_tenant(&mut app, fx.a, async |tx| {
                Ok::<_, Error>(tx.query_one("SELECT count(*) FROM invoices", &[]).await?.get(0))
            })
            .await
            .unwrap();
            assert_eq!(own, 1);
        }
    }
}

#[tokio::test]
async fn audit_rows_come_only_from_the_trigger_with_the_rows_organization() {
    let fx = Fixture::new("tenancy_audit_definer").await;
    // The application role gets nothing on the audit table: the trigger writes as its owner.
    fx.admin
        .batch_execute(&format!("REVOKE ALL ON audit_log FROM \"{}\"", fx.app.name()))
        .await
        .unwrap();
    let mut app = fx.connect_as(fx.app.name()).await;
    let customer = Uuid::now_v7();
    TenantScope::new(fx.a)
        .acting_as("user-7")
        .run(&mut app, async |tx| {
            tx.execute(
                "INSERT INTO customers (id, organization_id, email, display_name, country_code, metadata)
                 VALUES ($1, $2, 'c@example.test', 'C', 'FR', '{}')",
                &[&customer, &fx.a],
            )
            .await?;
            Ok::<_, Error>(())
        })
        .await
        .expect("an audited write needs no privilege on the audit table");
    let row = fx
        .admin
        .query_one(
            "SELECT organization_id, acted_by FROM audit_log
              WHERE table_name = 'customers' AND new_row ->> 'id' = $1::text",
            &[&customer.to_string()],
        )
        .await
        .unwrap();
    let (organization, acted_by): (Option<Uuid>, Option<String>) = (row.get(0), row.get(1));
    assert_eq!(organization, Some(fx.a.into()), "the organization is the row's");
    assert_eq!(acted_by.as_deref(), Some("user-7"));

    // A direct INSERT, with or without an organization and with a forged actor, is refused.
    for organization in [None, Some(Uuid::from(fx.a)), Some(Uuid::from(fx.b))] {
        let forged = with_tenant(&mut app, fx.a, async |tx| {
            Ok::<_, Error>(
                tx.execute(
                    "INSERT INTO audit_log (table_name, organization_id, operation, acted_by)
                     VALUES ('invoices', $1, 'DELETE', 'someone-else')",
                    &[&organization],
                )
                .await?,
            )
        })
        .await;
        assert!(
            matches!(&forged, Err(Error::Postgres(e)) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE)),
            "a forged audit row ({organization:?}) must be refused: {forged:?}"
        );
    }
}

#[tokio::test]
async fn every_function_pins_its_search_path() {
    let fx = Fixture::new("tenancy_search_path").await;
    let declared = declared();
    assert!(!declared.schema.functions.is_empty());
    for function in &declared.schema.functions {
        assert!(
            function.search_path.is_some(),
            "{} does not pin search_path",
            function.name
        );
    }
    let unpinned: Vec<String> = fx
        .admin
        .query(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public'
                AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        unpinned.is_empty(),
        "functions without a pinned search_path: {unpinned:?}"
    );
}

/// `result` is refused for lack of privilege (SQLSTATE 42501).
fn assert_not_permitted<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) {
    assert!(
        matches!(&result, Err(Error::Postgres(e)) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE)),
        "{what}: expected a privilege error, got {result:?}"
    );
}

#[tokio::test]
async fn the_generated_app_role_runs_the_app_and_nothing_else() {
    let fx = Fixture::new("tenancy_app_role").await;
    let app_role = declared().app_role.expect("the example declares its app role");
    assert_eq!(app_role, billing_example::schema::APP_ROLE);
    let attributes = fx
        .admin
        .query_one(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1",
            &[&app_role],
        )
        .await
        .expect("the migrations create the app role");
    let flags: (bool, bool, bool, bool) = (
        attributes.get(0),
        attributes.get(1),
        attributes.get(2),
        attributes.get(3),
    );
    assert_eq!(
        flags,
        (false, false, false, false),
        "the app role must be an ordinary role"
    );

    // A login role with the app role's grants and nothing else.
    let login = fx.db.create_role("app_login").await;
    fx.admin
        .batch_execute(&format!("GRANT \"{app_role}\" TO \"{}\"", login.name()))
        .await
        .unwrap();
    let mut app = fx.connect_as(login.name()).await;

    // The app's work, as tenant A.
    let (invoices, currencies): (i64, i64) = TenantScope::new(fx.a)
        .acting_as("user-1")
        .run(&mut app, async |tx| {
            let customer: Uuid = tx
                .query_one(
                    "INSERT INTO customers (organization_id, email, display_name, country_code, metadata)
                     VALUES ($1, 'new@example.test', 'New', 'NL', '{}') RETURNING id",
                    &[&fx.a],
                )
                .await?
                .get(0);
            tx.execute("UPDATE customers SET display_name = 'Renamed' WHERE id = $1", &[&customer])
                .await?;
            let invoices = tx
                .query_one(
                    "SELECT count(*) FROM invoices i JOIN customers c ON c.organization_id = i.organization_id AND c.id = i.customer_id
                       JOIN invoice_line_items l ON l.organization_id = i.organization_id AND l.invoice_id = i.id
                       JOIN products p ON p.organization_id = l.organization_id AND p.id = l.product_id",
                    &[],
                )
                .await?
                .get(0);
            tx.execute("UPDATE subscriptions SET status = 'past_due'", &[]).await?;
            tx.execute("INSERT INTO invoice_line_items (organization_id, invoice_id, description, unit_price_cents)
                        SELECT organization_id, id, 'Extra', 100 FROM invoices", &[]).await?;
            tx.execute("DELETE FROM customers WHERE id = $1", &[&customer]).await?;
            let currencies = tx.query_one("SELECT count(*) FROM currencies JOIN exchange_rates ON base_code = code", &[]).await?.get(0);
            tx.query("SELECT * FROM audit_log", &[]).await?;
            tx.query("SELECT * FROM users JOIN api_keys ON api_keys.created_by = users.id", &[]).await?;
            Ok::<_, Error>((invoices, currencies))
        })
        .await
        .expect("the app's queries run with the generated grants alone");
    assert_eq!((invoices, currencies), (1, 1));

    // Nothing else: global tables are read-only, the audit log is written by the trigger only,
    // the table that opts out of row-level security is not the app's, and no DDL.
    let refused = [
        "INSERT INTO currencies (code, name, minor_units) VALUES ('XTS', 'Test', 2)",
        "UPDATE exchange_rates SET rate = 2",
        "DELETE FROM currencies",
        "INSERT INTO audit_log (table_name, operation) VALUES ('invoices', 'DELETE')",
        "SELECT count(*) FROM usage_events",
        "TRUNCATE invoices",
        "CREATE TABLE stolen (id int)",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "ALTER TABLE invoices DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE invoices ADD COLUMN note text",
        "DROP POLICY tenant_isolation ON invoices",
        "CREATE POLICY everything ON invoices USING (true)",
        "DROP TABLE invoices",
        "ALTER TABLE customers DROP CONSTRAINT customers_organization_id_id_key",
        // The generated trigger functions (one of them SECURITY DEFINER) are not the app's to
        // call: only the lookups are granted to it.
        "SELECT audit_row_change()",
        "SELECT set_updated_at()",
    ];
    for statement in refused {
        let result = with_tenant(&mut app, fx.a, async |tx| {
            Ok::<_, Error>(tx.execute(statement, &[]).await?)
        })
        .await;
        assert_not_permitted(result, statement);
    }
}

#[tokio::test]
async fn lookups_find_the_tenant_before_it_is_set_and_reveal_nothing_else() {
    let fx = Fixture::new("tenancy_lookups").await;
    let app_role = billing_example::schema::APP_ROLE;
    let login = fx.db.create_role("lookup_login").await;
    fx.admin
        .batch_execute(&format!("GRANT \"{app_role}\" TO \"{}\"", login.name()))
        .await
        .unwrap();
    let app = fx.connect_as(login.name()).await;

    // No tenant set: the tables show nothing, the lookups find the tenant.
    let visible: i64 = app
        .query_one("SELECT count(*) FROM organizations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(visible, 0);
    let by_slug = app
        .query("SELECT * FROM organization_by_slug($1)", &[&"org-b"])
        .await
        .unwrap();
    assert_eq!(by_slug.len(), 1);
    let columns: Vec<&str> = by_slug[0].columns().iter().map(|c| c.name()).collect();
    assert_eq!(columns, ["id", "display_name"], "only the declared columns");
    let found: OrganizationId = by_slug[0].get("id");
    assert_eq!(found, fx.b);

    let key = TokenHash::of(b"a");
    let by_key = app
        .query("SELECT * FROM api_key_by_token_hash($1)", &[&key])
        .await
        .unwrap();
    assert_eq!(by_key.len(), 1);
    let columns: Vec<&str> = by_key[0].columns().iter().map(|c| c.name()).collect();
    assert_eq!(columns, ["id", "organization_id", "expires_at", "revoked_at"]);
    let organization: OrganizationId = by_key[0].get("organization_id");
    assert_eq!(organization, fx.a);

    // An invitee follows the link: its token finds the invitation, with no tenant set.
    let by_token = app
        .query(
            "SELECT * FROM invitation_by_token_hash($1)",
            &[&TokenHash::of(b"invite-b")],
        )
        .await
        .unwrap();
    assert_eq!(by_token.len(), 1);
    let columns: Vec<&str> = by_token[0].columns().iter().map(|c| c.name()).collect();
    assert_eq!(
        columns,
        [
            "id",
            "organization_id",
            "email",
            "role",
            "expires_at",
            "accepted_at"
        ],
        "only the declared columns"
    );
    assert_eq!(by_token[0].get::<_, OrganizationId>("organization_id"), fx.b);
    assert_eq!(by_token[0].get::<_, &str>("email"), "invitee-b@example.test");
    let visible: i64 = app
        .query_one("SELECT count(*) FROM invitations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(visible, 0, "the table itself stays under its tenant policy");
    assert!(
        app.query(
            "SELECT * FROM invitation_by_token_hash($1)",
            &[&TokenHash::of(b"invite-nobody")]
        )
        .await
        .unwrap()
        .is_empty()
    );
    for undeclared in ["token_hash", "invited_by"] {
        let leaked = app
            .query(
                &format!("SELECT {undeclared} FROM invitation_by_token_hash($1)"),
                &[&TokenHash::of(b"invite-b")],
            )
            .await;
        assert!(leaked.is_err(), "{undeclared} is not returned");
    }

    // Nothing else: an unknown slug or key finds nothing, and no other column comes through.
    assert!(
        app.query("SELECT * FROM organization_by_slug($1)", &[&"org-nobody"])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.query(
            "SELECT * FROM api_key_by_token_hash($1)",
            &[&TokenHash::of(b"nobody")]
        )
        .await
        .unwrap()
        .is_empty()
    );
    let leaked = app
        .query("SELECT plan FROM organization_by_slug($1)", &[&"org-b"])
        .await;
    assert!(leaked.is_err(), "a column that was not declared is not returned");

    // The tenant policy stays, and PUBLIC cannot call the lookups: only the app role.
    assert_eq!(
        with_tenant(&mut fx.connect_as(login.name()).await, fx.a, async |tx| {
            Ok::<_, Error>(
                tx.query_one("SELECT count(*) FROM organizations", &[])
                    .await?
                    .get::<_, i64>(0),
            )
        })
        .await
        .unwrap(),
        1
    );
    let stranger = fx.db.create_role("stranger").await;
    let outsider = fx.connect_as(stranger.name()).await;
    let refused = outsider
        .query("SELECT * FROM organization_by_slug($1)", &[&"org-a"])
        .await
        .map_err(Error::from);
    assert_not_permitted(refused, "a role other than the app role calling a lookup");
}

/// Through `$repo` (the example's tokio-postgres or sqlx repository) on `$db` (the scope's
/// transaction or connection), as tenant A: inserts a row of every table, checks what the
/// database filled in, updates every row, checks that tenant B's rows (`$b_*`) are out of reach,
/// and deletes every row it inserted. The body of a scope's closure.
macro_rules! every_table {
    ($repo:ident, $db:ident, $fx:ident, $later:ident, $b_customer:ident, $b_invoice:ident, $b_line:ident) => {{
    // Insert a row of every table as tenant A.
            let org = $fx.a;
            let currency: Currency = $repo::insert(
                $db,
                &NewCurrency {
                    code: "JPY".to_owned(),
                    name: "Yen".to_owned(),
                    minor_units: 0,
                    defaults: Default::default(),
                },
            )
            .await?;
            let rate: ExchangeRate = $repo::insert(
                $db,
                &NewExchangeRate {
                    base_code: "JPY".to_owned(),
                    quote_code: "EUR".to_owned(),
                    rate: 0.0061,
                    observed_on: time::macros::date!(2026 - 12 - 01),
                    defaults: Default::default(),
                },
            )
            .await?;
            let user: User = $repo::insert(
                $db,
                &NewUser {
                    organization_id: org,
                    email: "zoë@example.test".to_owned(),
                    full_name: "Zoë Ærø".to_owned(),
                    password_hash: PasswordHash::from_phc(
                        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
                    )
                    .unwrap(),
                    last_signed_in_at: None,
                    defaults: Default::default(),
                },
            )
            .await?;
            let key: ApiKey = $repo::insert(
                $db,
                &NewApiKey {
                    organization_id: org,
                    created_by: user.id,
                    label: "deploy".to_owned(),
                    token_hash: TokenHash::of(b"repository key"),
                    expires_at: None,
                    revoked_at: None,
                    defaults: Default::default(),
                },
            )
            .await?;
            let invitation: Invitation = $repo::insert(
                $db,
                &NewInvitation {
                    organization_id: org,
                    invited_by: user.id,
                    email: "new@example.test".to_owned(),
                    token_hash: TokenHash::of(b"repository invite"),
                    expires_at: $later,
                    accepted_at: None,
                    defaults: NewInvitationDefaults {
                        role: Some(UserRole::Admin),
                        ..Default::default()
                    },
                },
            )
            .await?;
            let customer: Customer = $repo::insert(
                $db,
                &NewCustomer {
                    organization_id: org,
                    email: "käufer@example.test".to_owned(),
                    display_name: "Käufer GmbH".to_owned(),
                    country_code: "DE".to_owned(),
                    metadata: Json(serde_json::json!({"ref": "ü"})),
                    deleted_at: None,
                    defaults: Default::default(),
                },
            )
            .await?;
            let method: PaymentMethod = $repo::insert(
                $db,
                &NewPaymentMethod {
                    organization_id: org,
                    customer_id: customer.id,
                    kind: PaymentMethodKind::SepaDebit,
                    gateway_reference: "pm_repo".to_owned(),
                    gateway_payload: Json(serde_json::json!({})),
                    defaults: Default::default(),
                },
            )
            .await?;
            let product: Product = $repo::insert(
                $db,
                &NewProduct {
                    organization_id: org,
                    sku: "SKU-REPO".to_owned(),
                    name: "Repository plan".to_owned(),
                    unit_price_cents: Money::from_cents(1999),
                    defaults: Default::default(),
                },
            )
            .await?;
            let invoice: Invoice = $repo::insert(
                $db,
                &NewInvoice {
                    organization_id: org,
                    customer_id: customer.id,
                    number: 42,
                    currency_code: "EUR".to_owned(),
                    due_on: time::macros::date!(2027 - 01 - 31),
                    paid_at: None,
                    defaults: Default::default(),
                },
            )
            .await?;
            let line: InvoiceLineItem = $repo::insert(
                $db,
                &NewInvoiceLineItem {
                    organization_id: org,
                    invoice_id: invoice.id,
                    product_id: Some(product.id),
                    description: "Plan — 1 Monat".to_owned(),
                    unit_price_cents: Money::from_cents(1999),
                    defaults: Default::default(),
                },
            )
            .await?;
            let subscription: Subscription = $repo::insert(
                $db,
                &NewSubscription {
                    organization_id: org,
                    customer_id: customer.id,
                    product_id: product.id,
                    payment_method_id: Some(method.id),
                    status: SubscriptionStatus::Trialing,
                    current_period_end: $later,
                    canceled_at: None,
                    defaults: Default::default(),
                },
            )
            .await?;
            let usage: UsageEvent = $repo::insert(
                $db,
                &NewUsageEvent {
                    organization_id: org,
                    subscription_id: subscription.id,
                    quantity: 7,
                    recorded_at: Timestamp::now(),
                    defaults: Default::default(),
                },
            )
            .await?;
    // What the database filled in: defaults, the identity and the generated column.
    assert_eq!((user.role, invitation.role), (UserRole::Member, UserRole::Admin));
    assert_eq!(
        (invoice.status, invoice.total_cents),
        (InvoiceStatus::Draft, Money::ZERO)
    );
    assert_eq!((line.quantity, line.amount_cents), (1, Money::from_cents(1999)));
    assert!(line.id > 0 && rate.id > 0);
    assert_eq!(
        (product.tax_rate_basis_points, product.active, method.is_default),
        (0, true, false)
    );

    // Update every table through the repository, and read the change back.
        let mut user = user;
        user.full_name = "Zoë Ærø-Updated".to_owned();
        let user = $repo::update($db, &user).await?.expect("own user updates");
        assert_eq!(user.full_name, "Zoë Ærø-Updated");
        let mut key = key;
        key.revoked_at = Some(Timestamp::now());
        assert!($repo::update($db, &key).await?.unwrap().revoked_at.is_some());
        let mut invitation = invitation;
        invitation.accepted_at = Some(Timestamp::now());
        assert!(
            $repo::update($db, &invitation)
                .await?
                .unwrap()
                .accepted_at
                .is_some()
        );
        let mut customer = customer;
        customer.display_name = "Käufer AG".to_owned();
        assert_eq!(
            $repo::update($db, &customer).await?.unwrap().display_name,
            "Käufer AG"
        );
        let mut method = method;
        method.is_default = true;
        assert!($repo::update($db, &method).await?.unwrap().is_default);
        let mut product = product;
        product.unit_price_cents = Money::from_cents(2499);
        assert_eq!(
            $repo::update($db, &product).await?.unwrap().unit_price_cents,
            Money::from_cents(2499)
        );
        let mut line = line;
        line.quantity = 3;
        let line = $repo::update($db, &line).await?.unwrap();
        assert_eq!(
            line.amount_cents,
            Money::from_cents(3 * 1999),
            "the generated column follows"
        );
        let mut invoice = invoice;
        invoice.status = InvoiceStatus::Open;
        invoice.subtotal_cents = Money::from_cents(5997);
        invoice.total_cents = Money::from_cents(5997);
        let invoice = $repo::update($db, &invoice).await?.unwrap();
        let open = $repo::open_invoices($db, customer.id, Money::from_cents(5000)).await?;
        assert_eq!(open.iter().map(|i| i.id).collect::<Vec<_>>(), vec![invoice.id]);
        assert!(
            $repo::open_invoices($db, customer.id, Money::from_cents(6000))
                .await?
                .is_empty()
        );
        let mut subscription = subscription;
        subscription.status = SubscriptionStatus::Active;
        assert_eq!(
            $repo::update($db, &subscription).await?.unwrap().status,
            SubscriptionStatus::Active
        );
        let mut usage = usage;
        usage.quantity = 8;
        assert_eq!($repo::update($db, &usage).await?.unwrap().quantity, 8);
        let mut currency = currency;
        currency.name = "Japanese yen".to_owned();
        assert_eq!($repo::update($db, &currency).await?.unwrap().name, "Japanese yen");
        let mut rate = rate;
        rate.rate = 0.0062;
        assert_eq!($repo::update($db, &rate).await?.unwrap().rate, 0.0062);

        // Tenant B's rows, by their keys: not found, not updated, not deleted.
        assert!($repo::find::<Customer>($db, &$b_customer).await?.is_none());
        assert!($repo::find::<Invoice>($db, &$b_invoice).await?.is_none());
        assert!($repo::find::<InvoiceLineItem>($db, &$b_line).await?.is_none());
        assert!($repo::find::<Organization>($db, &$fx.b).await?.is_none());
        let mut probe = customer;
        probe.id = $b_customer;
        assert!(
            $repo::update($db, &probe).await?.is_none(),
            "tenant A updated B's customer"
        );
        assert!(!$repo::delete::<Customer>($db, &$b_customer).await?);
        assert!(!$repo::delete::<Invoice>($db, &$b_invoice).await?);
        assert!(!$repo::delete::<InvoiceLineItem>($db, &$b_line).await?);
        let visible: Vec<Customer> = $repo::all($db).await?;
        assert!(
            visible.iter().all(|c| c.organization_id == $fx.a),
            "only A's customers are listed"
        );

        // And delete every row inserted above, dependents first.
        assert!($repo::delete::<UsageEvent>($db, &usage.id).await?);
        assert!($repo::delete::<Subscription>($db, &subscription.id).await?);
        assert!($repo::delete::<InvoiceLineItem>($db, &line.id).await?);
        assert!($repo::delete::<Invoice>($db, &invoice.id).await?);
        assert!($repo::delete::<Product>($db, &product.id).await?);
        assert!($repo::delete::<PaymentMethod>($db, &method.id).await?);
        assert!($repo::delete::<Customer>($db, &probe_id(&visible, "käufer@example.test")).await?);
        assert!($repo::delete::<Invitation>($db, &invitation.id).await?);
        assert!($repo::delete::<ApiKey>($db, &key.id).await?);
        assert!($repo::delete::<User>($db, &user.id).await?);
        assert!($repo::delete::<ExchangeRate>($db, &rate.id).await?);
        assert!($repo::delete::<Currency>($db, &currency.code).await?);
        assert!($repo::find::<User>($db, &user.id).await?.is_none());
        Ok::<_, Error>(())

    }};
}

/// The example's repository (src/repository.rs: only generated statements and typed columns),
/// as the application role inside tenant scopes: every table is inserted, read, updated and
/// deleted, and tenant B's rows stay out of tenant A's reach through it.
#[tokio::test]
async fn the_repository_reads_and_writes_every_table_within_the_tenant() {
    use billing_example::repository as repo;
    use billing_example::schema::*;

    let fx = Fixture::new("tenancy_repository").await;
    let mut app = fx.connect_as(fx.app.name()).await;
    let a = TenantScope::new(fx.a).acting_as("user-a");
    let b_id = |table: &'static str| {
        let admin = &fx.admin;
        async move {
            admin
                .query_one(
                    &format!("SELECT id FROM \"{table}\" WHERE organization_id = $1"),
                    &[&fx.b],
                )
                .await
                .unwrap()
                .get::<_, Uuid>(0)
        }
    };
    let (b_customer, b_invoice) = (b_id("customers").await, b_id("invoices").await);
    let b_line: i64 = fx
        .admin
        .query_one(
            "SELECT id FROM invoice_line_items WHERE organization_id = $1",
            &[&fx.b],
        )
        .await
        .unwrap()
        .get(0);
    let later = Timestamp::from(time::OffsetDateTime::now_utc() + time::Duration::days(30));

    // A new tenant, the root row, written as that tenant.
    let c = OrganizationId::new();
    let org: Organization = TenantScope::new(c)
        .run(&mut app, async |tx| {
            let new = NewOrganization {
                id: c,
                slug: "org-c".to_owned(),
                display_name: "Organisation C — Zürich".to_owned(),
                plan: Plan::Free,
                defaults: Default::default(),
            };
            repo::insert(tx, &new).await
        })
        .await
        .unwrap();
    assert_eq!((org.id, org.plan), (c, Plan::Free));

    a.run(&mut app, async |tx| {
        every_table!(repo, tx, fx, later, b_customer, b_invoice, b_line)
    })
    .await
    .unwrap();

    // The root row, as its own tenant; tenant A cannot touch it.
    assert!(
        !a.run(&mut app, async |tx| repo::delete::<Organization>(tx, &c).await)
            .await
            .unwrap()
    );
    let deleted = TenantScope::new(c)
        .run(&mut app, async |tx| repo::delete::<Organization>(tx, &c).await)
        .await
        .unwrap();
    assert!(deleted);
    assert_eq!(
        fx.rows_of("customers", "organization_id", fx.b).await,
        1,
        "B's rows are intact"
    );
    assert_eq!(fx.rows_of("invoice_line_items", "organization_id", fx.b).await, 1);
}

fn probe_id(customers: &[billing_example::schema::Customer], email: &str) -> Uuid {
    customers
        .iter()
        .find(|c| c.email == email)
        .map(|c| c.id)
        .expect("the customer is listed")
}

/// The repository's sqlx flavour, as the application role in `run_sqlx`: every table inserted,
/// read, updated and deleted, B's rows out of reach; and the typed scope helpers.
#[tokio::test]
async fn the_sqlx_repository_stays_within_the_tenant() {
    use billing_example::repository::sqlx as repo;
    use billing_example::schema::*;
    use sqlx::Connection;

    let fx = Fixture::new("tenancy_repository_sqlx").await;
    let mut conn = sqlx::PgConnection::connect(fx.db.url()).await.unwrap();
    sqlx::query(&format!("SET ROLE \"{}\"", fx.app.name()))
        .execute(&mut conn)
        .await
        .unwrap();
    let b_customer: Uuid = fx
        .admin
        .query_one("SELECT id FROM customers WHERE organization_id = $1", &[&fx.b])
        .await
        .unwrap()
        .get(0);
    let b_invoice: Uuid = fx
        .admin
        .query_one("SELECT id FROM invoices WHERE organization_id = $1", &[&fx.b])
        .await
        .unwrap()
        .get(0);
    let b_line: i64 = fx
        .admin
        .query_one(
            "SELECT id FROM invoice_line_items WHERE organization_id = $1",
            &[&fx.b],
        )
        .await
        .unwrap()
        .get(0);
    let later = Timestamp::from(time::OffsetDateTime::now_utc() + time::Duration::days(30));
    let a = TenantScope::new(fx.a).acting_as("user-a");
    a.run_sqlx(&mut conn, async |conn| {
        every_table!(repo, conn, fx, later, b_customer, b_invoice, b_line)
    })
    .await
    .unwrap();

    let customer = a
        .run_sqlx(&mut conn, async |conn| {
            let new = NewCustomer {
                organization_id: fx.a,
                email: "sqlx@example.test".to_owned(),
                display_name: "Société sqlx".to_owned(),
                country_code: "FR".to_owned(),
                metadata: Json(serde_json::json!({"é": 1})),
                deleted_at: None,
                defaults: Default::default(),
            };
            let mut customer: Customer = repo::insert(conn, &new).await?;
            customer.display_name = "Société sqlx SA".to_owned();
            let customer = repo::update(conn, &customer)
                .await?
                .expect("own customer updates");
            let invoice: Invoice = repo::insert(
                conn,
                &NewInvoice {
                    organization_id: fx.a,
                    customer_id: customer.id,
                    number: 7,
                    currency_code: "EUR".to_owned(),
                    due_on: time::macros::date!(2027 - 02 - 28),
                    paid_at: None,
                    defaults: NewInvoiceDefaults {
                        status: Some(InvoiceStatus::Open),
                        ..Default::default()
                    },
                },
            )
            .await?;
            assert_eq!(
                repo::find::<Invoice>(conn, &invoice.id).await?.unwrap().status,
                InvoiceStatus::Open
            );
            assert!(repo::find::<Customer>(conn, &b_customer).await?.is_none());
            let mut probe = repo::find::<Customer>(conn, &customer.id).await?.unwrap();
            probe.id = b_customer;
            assert!(repo::update(conn, &probe).await?.is_none());
            assert!(!repo::delete::<Customer>(conn, &b_customer).await?);
            assert!(repo::delete::<Invoice>(conn, &invoice.id).await?);
            Ok::<_, Error>(customer)
        })
        .await
        .unwrap();
    assert_eq!(customer.display_name, "Société sqlx SA");

    // The scope's typed helpers: one statement, one scoped transaction each.
    let mine: Vec<Customer> = a.fetch_all_sqlx(&mut conn, &Customer::select()).await.unwrap();
    assert!(!mine.is_empty() && mine.iter().all(|c| c.organization_id == fx.a));
    let gone = a
        .execute_sqlx(&mut conn, &Customer::delete(&customer.id))
        .await
        .unwrap();
    assert_eq!(gone, 1);
    let untouched = a
        .execute_sqlx(&mut conn, &Customer::delete(&b_customer))
        .await
        .unwrap();
    assert_eq!(untouched, 0);
    let mut app = fx.connect_as(fx.app.name()).await;
    let of_b: Option<Customer> = a
        .fetch_optional(&mut app, &Customer::find(&b_customer))
        .await
        .unwrap();
    assert!(of_b.is_none());
    let own: Vec<Invoice> = a.fetch_all(&mut app, &Invoice::select()).await.unwrap();
    assert!(own.iter().all(|i| i.organization_id == fx.a) && !own.is_empty());
    // A superuser is still refused by the typed helpers: they go through the scope.
    let mut superuser = fx.db.connect().await;
    let refused = a.fetch_all::<Invoice>(&mut superuser, &Invoice::select()).await;
    assert!(
        matches!(refused, Err(Error::BypassesRowLevelSecurity { .. })),
        "a superuser ran the typed helper"
    );
}
