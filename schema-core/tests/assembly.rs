//! What schema assembly adds for the standards: updated_at triggers, and the audit table, function
//! and triggers for `#[table(audited)]` tables.

#![allow(dead_code)]

use schema_core::model::{PolicyCommand, TriggerEvent, TriggerTiming};
use schema_core::prelude::*;
use schema_core::triggers::{AUDIT_FUNCTION, AUDIT_TABLE, UPDATED_AT_FUNCTION};
use schema_core::{Schema, Violation};

#[derive(Table)]
#[table(tenant_root, audited)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(audited)]
pub struct Project {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(global, audited)]
pub struct Country {
    #[column(primary_key)]
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
pub struct Label {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A table that takes the audit table's name.
#[derive(Table)]
#[table(global, name = "audit_log")]
pub struct AuditLog {
    #[column(primary_key)]
    pub id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn audit_arguments(schema: &Schema, table: &str) -> Option<Vec<String>> {
    let table = schema.table(table).unwrap();
    table
        .triggers
        .iter()
        .find(|t| t.name == AUDIT_FUNCTION)
        .map(|t| t.arguments.clone())
}

#[test]
fn audited_tables_get_a_trigger_told_where_the_tenant_is() {
    let declared = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Project>()
        .table::<Country>()
        .table::<Label>()
        .build()
        .unwrap();
    let schema = &declared.schema;
    assert_eq!(
        audit_arguments(schema, "organizations"),
        Some(vec!["id".to_owned()])
    );
    assert_eq!(
        audit_arguments(schema, "projects"),
        Some(vec!["organization_id".to_owned()])
    );
    assert_eq!(audit_arguments(schema, "countries"), Some(vec![]));
    assert_eq!(audit_arguments(schema, "labels"), None, "labels is not audited");

    let trigger = schema
        .table("projects")
        .unwrap()
        .triggers
        .iter()
        .find(|t| t.name == AUDIT_FUNCTION)
        .unwrap();
    assert_eq!(trigger.timing, TriggerTiming::After);
    assert_eq!(
        trigger.events,
        [TriggerEvent::Insert, TriggerEvent::Update, TriggerEvent::Delete]
    );
    assert!(trigger.for_each_row);

    let audit = schema.table(AUDIT_TABLE).expect("the audit table is added");
    assert!(audit.row_level_security.enabled && audit.row_level_security.forced);
    let commands: Vec<PolicyCommand> = audit.policies.iter().map(|p| p.command).collect();
    assert_eq!(
        commands,
        [PolicyCommand::Insert, PolicyCommand::Select],
        "append and read only"
    );
    assert!(audit.triggers.is_empty(), "the audit table is not audited itself");
    assert!(schema.function(AUDIT_FUNCTION).is_some());
}

#[test]
fn every_table_with_updated_at_gets_the_trigger_and_one_function() {
    let declared = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Label>()
        .build()
        .unwrap();
    let schema = &declared.schema;
    for table in ["organizations", "labels"] {
        let trigger = schema
            .table(table)
            .unwrap()
            .triggers
            .iter()
            .find(|t| t.name == UPDATED_AT_FUNCTION);
        let trigger = trigger.unwrap_or_else(|| panic!("{table} has no updated_at trigger"));
        assert_eq!(
            (trigger.timing, trigger.events.as_slice()),
            (TriggerTiming::Before, &[TriggerEvent::Update][..])
        );
    }
    let functions: Vec<&str> = schema.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        functions,
        [AUDIT_FUNCTION, UPDATED_AT_FUNCTION],
        "one function each, shared"
    );
}

#[test]
fn no_audit_table_without_audited_tables() {
    let declared = SchemaBuilder::new()
        .table::<Label>()
        .table::<AuditLogFreeRoot>()
        .build()
        .unwrap();
    assert!(declared.schema.table(AUDIT_TABLE).is_none());
    assert!(declared.schema.function(AUDIT_FUNCTION).is_none());
}

/// A second tenant root, for a second schema: in a module of its own, since two roots in one
/// module are a compile error.
mod audit_log_free {
    use schema_core::prelude::*;

    #[derive(Table)]
    #[table(tenant_root, name = "organizations")]
    pub struct AuditLogFreeRoot {
        #[column(primary_key)]
        pub id: OrganizationId,
        pub created_at: Timestamp,
        pub updated_at: Timestamp,
    }
}
use audit_log_free::AuditLogFreeRoot;

#[test]
fn the_actor_setting_is_configurable() {
    let declared = SchemaBuilder::new()
        .table::<Organization>()
        .actor_setting("app.user")
        .build()
        .unwrap();
    let body = &declared.schema.function(AUDIT_FUNCTION).unwrap().body;
    assert!(body.contains("current_setting('app.user', true)"), "{body}");
    assert_eq!(declared.actor_setting, "app.user");
}

#[test]
fn a_declared_table_may_not_take_the_audit_tables_name() {
    let errors = SchemaBuilder::new()
        .table::<Organization>()
        .table::<AuditLog>()
        .build()
        .unwrap_err();
    assert!(
        errors
            .violations
            .iter()
            .any(|v| matches!(v, Violation::ReservedTableName { .. })),
        "{errors}"
    );
    assert!(errors.to_string().contains("audit table"), "{errors}");
}

/// A type of one's own that declares the wrong kind: a float payload passed off as plain.
pub struct Ratio(pub f64);

impl schema_core::SqlType for Ratio {
    type Kind = schema_core::sql_type::kind::Plain;
    fn column_type() -> schema_core::model::ColumnType {
        schema_core::model::ColumnType::DoublePrecision
    }
}

/// The same payload, declared honestly.
pub struct Share(pub f64);

impl schema_core::SqlType for Share {
    type Kind = schema_core::sql_type::kind::Float;
    fn column_type() -> schema_core::model::ColumnType {
        schema_core::model::ColumnType::DoublePrecision
    }
}

/// A float spelled as text, passed off as plain.
pub struct Spelled(pub f64);

impl schema_core::SqlType for Spelled {
    type Kind = schema_core::sql_type::kind::Plain;
    fn column_type() -> schema_core::model::ColumnType {
        schema_core::model::ColumnType::Other("float8".to_owned())
    }
}

#[derive(Table)]
#[table(global)]
pub struct Measurement {
    #[column(primary_key)]
    pub id: Uuid,
    pub ratio: Ratio,
    pub spelled: Spelled,
    #[column(float = "a display estimate")]
    pub share: Share,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[test]
fn a_kind_that_is_not_the_column_type_is_a_violation() {
    let errors = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Measurement>()
        .build()
        .unwrap_err();
    let mismatches: Vec<&Violation> = errors
        .violations
        .iter()
        .filter(|v| matches!(v, Violation::KindMismatch { .. }))
        .collect();
    assert_eq!(mismatches.len(), 2, "{errors}");
    assert!(
        matches!(mismatches[0], Violation::KindMismatch { column, kind, .. } if column == "ratio" && kind == "plain"),
        "{errors}"
    );
    assert!(errors.to_string().contains("must declare `float`"), "{errors}");
}
