//! Tenant-scoped foreign keys: what assembly makes of a reference between tenant tables, declared
//! on a column or as an explicit composite key, and of references to global tables and the root.

#![allow(dead_code)]

use schema_core::model::{ForeignKey, ReferentialAction, UniqueConstraint};
use schema_core::prelude::*;
use schema_core::render;

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
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

#[derive(Table)]
pub struct Project {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Country, on_delete = "restrict")]
    pub country_code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A reference declared on its column.
#[derive(Table)]
pub struct Task {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(references = Project, on_delete = "cascade")]
    pub project_id: Uuid,
    #[column(references = Project, on_delete = "set null")]
    pub moved_to: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The same key, declared with the tenant column.
#[derive(Table)]
#[table(foreign_key(
    columns(organization_id, project_id),
    references = Project,
    on_delete = "set null"
))]
pub struct Note {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub project_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn schema() -> schema_core::Schema {
    SchemaBuilder::new()
        .table::<Organization>()
        .table::<Country>()
        .table::<Project>()
        .table::<Task>()
        .table::<Note>()
        .build()
        .unwrap()
        .schema
}

fn key<'a>(schema: &'a schema_core::Schema, table: &str, column: &str) -> &'a ForeignKey {
    let table = schema.table(table).unwrap();
    table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.iter().any(|c| c == column))
        .unwrap_or_else(|| panic!("no key on {column}: {:?}", table.foreign_keys))
}

#[test]
fn a_reference_between_tenant_tables_includes_the_tenant() {
    let schema = schema();
    let fk = key(&schema, "tasks", "project_id");
    assert_eq!(fk.name, "tasks_organization_id_project_id_fkey");
    assert_eq!(fk.columns, ["organization_id", "project_id"]);
    assert_eq!(fk.referenced_table, "projects");
    assert_eq!(fk.referenced_columns, ["organization_id", "id"]);
    assert_eq!(fk.on_delete, ReferentialAction::Cascade);
    assert!(fk.on_delete_set_columns.is_empty());

    // The target keeps `id` as its primary key and gains the unique key the reference needs.
    let projects = schema.table("projects").unwrap();
    assert_eq!(projects.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(
        projects.uniques,
        [UniqueConstraint {
            name: "projects_organization_id_id_key".into(),
            columns: vec!["organization_id".into(), "id".into()],
            nulls_not_distinct: false,
            deferrable: Default::default(),
        }]
    );
    // The index behind the key leads with both columns.
    assert!(
        schema
            .table("tasks")
            .unwrap()
            .has_index_leading_with(&["organization_id".into(), "project_id".into()])
    );
}

#[test]
fn set_null_over_a_tenant_scoped_key_sets_only_the_reference() {
    let schema = schema();
    let fk = key(&schema, "tasks", "moved_to");
    assert_eq!(fk.columns, ["organization_id", "moved_to"]);
    assert_eq!(fk.on_delete, ReferentialAction::SetNull);
    assert_eq!(fk.on_delete_set_columns, ["moved_to"]);
    let sql = render::add_foreign_key("tasks", fk, false);
    assert!(
        sql.contains(
            r#"REFERENCES "projects" ("organization_id", "id") ON DELETE SET NULL ("moved_to") ON UPDATE"#
        ),
        "{sql}"
    );
}

#[test]
fn an_explicit_composite_key_with_the_tenant_column_is_accepted() {
    let schema = schema();
    let fk = key(&schema, "notes", "project_id");
    assert_eq!(fk.name, "notes_organization_id_project_id_fkey");
    assert_eq!(fk.columns, ["organization_id", "project_id"]);
    assert_eq!(fk.referenced_columns, ["organization_id", "id"]);
    assert_eq!(fk.on_delete_set_columns, ["project_id"]);
    // One unique key on the target serves both tables' references.
    assert_eq!(schema.table("projects").unwrap().uniques.len(), 1);
}

#[test]
fn references_to_global_tables_and_the_root_stay_single_column() {
    let schema = schema();
    let fk = key(&schema, "projects", "country_code");
    assert_eq!(fk.columns, ["country_code"]);
    assert_eq!(fk.referenced_columns, ["code"]);
    let tenant = schema
        .table("tasks")
        .unwrap()
        .foreign_keys
        .iter()
        .find(|fk| fk.referenced_table == "organizations")
        .unwrap();
    assert_eq!(tenant.columns, ["organization_id"]);
    assert!(schema.table("countries").unwrap().uniques.is_empty());
    assert!(schema.table("organizations").unwrap().uniques.is_empty());
}

#[test]
fn a_lookup_is_a_security_definer_function_returning_only_its_columns() {
    let declared = SchemaBuilder::new()
        .app_role("app")
        .table::<Organization>()
        .table::<Country>()
        .table::<Project>()
        .table::<Task>()
        .table::<Note>()
        .lookup::<Project>("project_by_country", "country_code", &["id", "organization_id"])
        .build()
        .unwrap();
    let function = declared.schema.function("project_by_country").unwrap();
    assert_eq!(function.arguments, "value text");
    assert_eq!(function.returns, r#"TABLE("id" uuid, "organization_id" uuid)"#);
    assert!(function.security_definer);
    assert_eq!(
        function.search_path.as_deref(),
        Some("pg_catalog, public, pg_temp")
    );
    assert_eq!(function.execute, Some(vec!["app".to_owned()]));
    assert_eq!(
        function.body,
        r#"SELECT "id", "organization_id" FROM "projects" WHERE "country_code" = $1"#
    );
    // The tenant policy of the table stays.
    assert!(!declared.schema.table("projects").unwrap().policies.is_empty());

    let wrong = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Country>()
        .table::<Project>()
        .lookup::<Project>("project_by_secret", "secret", &["id"])
        .build()
        .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("`project_by_secret` on `projects` names column `secret`"),
        "{wrong}"
    );
}

#[test]
fn distributed_rules_are_checked_from_the_model() {
    let mut declared = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Country>()
        .table::<Project>()
        .table::<Task>()
        .table::<Note>()
        .build()
        .unwrap();
    let report = schema_core::distributed::check(&declared);
    assert_eq!(
        report.calls[..2],
        [
            "SELECT create_reference_table('countries');".to_owned(),
            "SELECT create_distributed_table('organizations', 'id');".to_owned(),
        ]
    );
    assert!(
        report.calls.contains(
            &"SELECT create_distributed_table('tasks', 'organization_id', colocate_with => 'organizations');"
                .to_owned()
        )
    );
    // Tenant-scoped keys qualify; single-column primary keys do not.
    assert!(
        report.violations.iter().all(|v| !v.contains("foreign key")),
        "{:#?}",
        report.violations
    );
    assert!(report.violations.contains(
        &"tasks: primary key tasks_pkey (id) does not include the distribution column organization_id: make it (organization_id, id)".to_owned()
    ));

    // A key between tenant tables without the tenant, and a global table referencing a tenant
    // table, are both reported.
    let tasks = declared.schema.table_mut("tasks").unwrap();
    let fk = tasks
        .foreign_keys
        .iter_mut()
        .find(|fk| fk.referenced_table == "projects")
        .unwrap();
    fk.columns = vec!["project_id".into()];
    fk.referenced_columns = vec!["id".into()];
    let mut from_global = fk.clone();
    from_global.name = "countries_project_fkey".into();
    declared
        .schema
        .table_mut("countries")
        .unwrap()
        .foreign_keys
        .push(from_global);
    let report = schema_core::distributed::check(&declared);
    let keys: Vec<&String> = report
        .violations
        .iter()
        .filter(|v| v.contains("foreign key"))
        .collect();
    assert_eq!(keys.len(), 2, "{keys:#?}");
    assert!(keys[0].starts_with("countries: foreign key countries_project_fkey goes from a reference table"));
    assert!(keys[1].contains("does not pair organization_id with projects.organization_id"));
}

/// A tenant table whose key the app would choose.
#[derive(Table)]
pub struct Draft {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[test]
fn the_app_role_writes_no_tenant_key_and_moves_no_row() {
    use schema_core::model::{ColumnGrant, Grant, Privilege::*};
    let declared = SchemaBuilder::new()
        .app_role("app")
        .table::<Organization>()
        .table::<Country>()
        .table::<Project>()
        .build()
        .unwrap();
    let grants = &declared.schema.table("projects").unwrap().grants;
    let columns = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(
        grants,
        &[Grant {
            role: "app".to_owned(),
            privileges: vec![Select, Delete],
            serial_usage: vec![],
            columns: vec![
                ColumnGrant {
                    privilege: Insert,
                    columns: columns(&["country_code", "created_at", "organization_id", "updated_at"]),
                },
                ColumnGrant {
                    privilege: Update,
                    columns: columns(&["country_code", "created_at", "updated_at"]),
                },
            ],
        }]
    );
    assert_eq!(
        render::grant_privileges("projects", &grants[0]),
        r#"GRANT SELECT, DELETE, INSERT ("country_code", "created_at", "organization_id", "updated_at"), UPDATE ("country_code", "created_at", "updated_at") ON "projects" TO "app""#
    );
    // The root's policy confines its key to the tenant's own id; global tables hold no tenant.
    let root = &declared.schema.table("organizations").unwrap().grants[0];
    assert_eq!(root.privileges, [Select, Insert, Update, Delete]);
    assert_eq!(
        declared.schema.table("countries").unwrap().grants[0].privileges,
        [Select]
    );

    let chosen = SchemaBuilder::new()
        .app_role("app")
        .table::<Organization>()
        .table::<Draft>()
        .build()
        .unwrap_err();
    assert!(
        chosen
            .to_string()
            .contains("tenant table `drafts`: the app role would choose its key `id`"),
        "{chosen}"
    );
    // A free sequence hands out values to the defaults that call it: the app role may use it.
    let numbered = SchemaBuilder::new()
        .app_role("app")
        .sequence(schema_core::model::Sequence::new("ticket_numbers"))
        .table::<Organization>()
        .build()
        .unwrap();
    assert_eq!(numbered.schema.sequences[0].usage, ["app"]);

    // Without an app role nobody is granted anything, and the key is the app's business.
    SchemaBuilder::new()
        .table::<Organization>()
        .table::<Draft>()
        .build()
        .unwrap();
}
