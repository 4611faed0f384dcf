//! The functions and triggers the standards imply, added by schema assembly so no code path can
//! forget them: `updated_at` is set by the database on every UPDATE, and every write to an
//! `#[table(audited)]` table is recorded in the audit table.

use crate::ident;
use crate::model::{
    CheckConstraint, Column, ColumnType, Function, Identity, Index, Policy, PolicyCommand, PrimaryKey,
    RowLevelSecurity, Schema, Table, Trigger, TriggerEvent, TriggerTiming, Volatility,
};

/// The column kept current by [`UPDATED_AT_FUNCTION`].
pub const UPDATED_AT_COLUMN: &str = "updated_at";

/// The trigger function that sets `updated_at`, and the name of the trigger on each table.
pub const UPDATED_AT_FUNCTION: &str = "set_updated_at";

/// The table that receives one row per write to an audited table.
pub const AUDIT_TABLE: &str = "audit_log";

/// The trigger function that writes audit rows, and the name of the trigger on each audited table.
pub const AUDIT_FUNCTION: &str = "audit_row_change";

/// The default session setting that names the acting user in audit rows.
pub const DEFAULT_ACTOR_SETTING: &str = "app.current_user_id";

/// The `search_path` every generated function runs with: a caller cannot put a schema of its own
/// (or `pg_temp`) in front of the names the body uses.
pub const FUNCTION_SEARCH_PATH: &str = "pg_catalog, public, pg_temp";

/// The policy that lets a tenant read its own audit rows.
pub const AUDIT_READ_POLICY: &str = "audit_read";

/// The policy that lets a write append its audit row: the row's organization is the current
/// tenant, or none (writes to audited global tables).
pub const AUDIT_APPEND_POLICY: &str = "audit_append";

/// `BEFORE UPDATE ... FOR EACH ROW`: overwrite `updated_at` whatever the statement set, so the
/// column is the time of the last update by construction.
pub fn updated_at_function() -> Function {
    Function {
        name: UPDATED_AT_FUNCTION.to_owned(),
        arguments: String::new(),
        argument_defaults: Vec::new(),
        returns: "trigger".to_owned(),
        language: "plpgsql".to_owned(),
        volatility: Volatility::Volatile,
        strict: false,
        parallel: Default::default(),
        cost: None,
        rows: None,
        security_definer: false,
        search_path: Some(FUNCTION_SEARCH_PATH.to_owned()),
        // Called by its triggers only (Postgres checks EXECUTE when a trigger is created, by
        // the table's owner, not when it fires): nobody else needs it.
        execute: Some(Vec::new()),
        settings: Default::default(),
        sql_body: false,
        body: format!(
            "\nBEGIN\n    NEW.{} := now();\n    RETURN NEW;\nEND\n",
            ident::quote(UPDATED_AT_COLUMN)
        ),
    }
}

/// The trigger that calls [`updated_at_function`] on a table.
pub fn updated_at_trigger() -> Trigger {
    Trigger {
        name: UPDATED_AT_FUNCTION.to_owned(),
        timing: TriggerTiming::Before,
        events: vec![TriggerEvent::Update],
        update_columns: Vec::new(),
        old_table: None,
        new_table: None,
        for_each_row: true,
        function: UPDATED_AT_FUNCTION.to_owned(),
        arguments: Vec::new(),
        when: None,
    }
}

/// `AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW`: append the old and new row to the audit
/// table. The trigger's one argument names the row's tenant column (none for global tables).
/// `table_name` is the table's name as the model spells it: bare in `public` (as audit rows
/// recorded before namespaces existed have it), `billing.invoices` in another namespace, so two
/// audited tables of one name stay apart.
///
/// The function is `SECURITY DEFINER` (it runs as its owner, the migration role) with a pinned
/// `search_path`, so the application role needs no privilege on the audit table: audit rows come
/// only from this trigger, never from a direct INSERT, and their organization is the written
/// row's (which row-level security on that table has already confined to the tenant).
pub fn audit_function(actor_setting: &str) -> Function {
    let body = format!(
        r#"
DECLARE
    old_row jsonb;
    new_row jsonb;
    organization uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_NARGS > 0 THEN
        organization := (coalesce(new_row, old_row) ->> TG_ARGV[0])::uuid;
    END IF;
    INSERT INTO {table} (table_name, organization_id, operation, old_row, new_row, acted_by)
    VALUES (CASE WHEN TG_TABLE_SCHEMA = 'public' THEN TG_TABLE_NAME ELSE TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME END,
            organization, TG_OP, old_row, new_row,
            NULLIF(current_setting({actor}, true), ''));
    RETURN NULL;
END
"#,
        table = ident::quote(AUDIT_TABLE),
        actor = ident::quote_literal(actor_setting),
    );
    Function {
        name: AUDIT_FUNCTION.to_owned(),
        arguments: String::new(),
        argument_defaults: Vec::new(),
        returns: "trigger".to_owned(),
        language: "plpgsql".to_owned(),
        volatility: Volatility::Volatile,
        strict: false,
        parallel: Default::default(),
        cost: None,
        rows: None,
        security_definer: true,
        search_path: Some(FUNCTION_SEARCH_PATH.to_owned()),
        // A SECURITY DEFINER function runs as its owner: no role but the owner may call it
        // (its triggers need no EXECUTE when they fire).
        execute: Some(Vec::new()),
        settings: Default::default(),
        sql_body: false,
        body,
    }
}

/// The trigger that calls [`audit_function`] on a table whose tenant is in `tenant_column`.
pub fn audit_trigger(tenant_column: Option<&str>) -> Trigger {
    Trigger {
        name: AUDIT_FUNCTION.to_owned(),
        timing: TriggerTiming::After,
        events: vec![TriggerEvent::Insert, TriggerEvent::Update, TriggerEvent::Delete],
        update_columns: Vec::new(),
        old_table: None,
        new_table: None,
        for_each_row: true,
        function: AUDIT_FUNCTION.to_owned(),
        arguments: tenant_column.map(str::to_owned).into_iter().collect(),
        when: None,
    }
}

/// The audit table. Append-only under row-level security: there is no UPDATE or DELETE policy,
/// so no role subject to it (the owner included, with FORCE) can change or remove a row.
/// It has no foreign key to the organizations table, so the history outlives what it describes.
pub fn audit_table(tenant_predicate: &str) -> Table {
    let column = |name: &str, ty: ColumnType| Column::new(name, ty);
    let mut id = column("id", ColumnType::BigInt);
    id.identity = Some(Identity::Always);
    let mut table = Table::new(
        AUDIT_TABLE,
        vec![
            id,
            column("table_name", ColumnType::Text),
            column("organization_id", ColumnType::Uuid).nullable(),
            column("operation", ColumnType::Text),
            column("old_row", ColumnType::Jsonb).nullable(),
            column("new_row", ColumnType::Jsonb).nullable(),
            column("acted_by", ColumnType::Text).nullable(),
            column("acted_at", ColumnType::Timestamptz).default_sql("now()"),
        ],
    );
    table.primary_key = Some(PrimaryKey {
        name: ident::primary_key_name(AUDIT_TABLE),
        columns: vec!["id".to_owned()],
        deferrable: Default::default(),
    });
    table.checks.push(CheckConstraint {
        name: ident::check_name(AUDIT_TABLE, "operation"),
        expression: "operation IN ('INSERT', 'UPDATE', 'DELETE')".to_owned(),
        not_valid: false,
        no_inherit: false,
    });
    table.indexes.push(Index::on_columns(
        ident::index_name(AUDIT_TABLE, &["organization_id", "acted_at"]),
        &["organization_id", "acted_at"],
    ));
    table.row_level_security = RowLevelSecurity {
        enabled: true,
        forced: true,
    };
    table.policies = vec![
        Policy {
            name: AUDIT_READ_POLICY.to_owned(),
            command: PolicyCommand::Select,
            permissive: true,
            roles: Vec::new(),
            using: Some(tenant_predicate.to_owned()),
            with_check: None,
        },
        Policy {
            name: AUDIT_APPEND_POLICY.to_owned(),
            command: PolicyCommand::Insert,
            permissive: true,
            roles: Vec::new(),
            using: None,
            with_check: Some(format!("(organization_id IS NULL OR {tenant_predicate})")),
        },
    ];
    table.comment = Some(
        "One row per INSERT, UPDATE and DELETE on an audited table (written by the audit_row_change trigger)"
            .to_owned(),
    );
    table
}

/// Add the `updated_at` trigger to every table that has the column.
pub(crate) fn add_updated_at_triggers(schema: &mut Schema) {
    let mut any = false;
    for table in &mut schema.tables {
        let maintained = table
            .column(UPDATED_AT_COLUMN)
            .is_some_and(|c| matches!(c.ty, ColumnType::Timestamptz | ColumnType::Timestamp));
        if maintained && !table.triggers.iter().any(|t| t.name == UPDATED_AT_FUNCTION) {
            table.triggers.push(updated_at_trigger());
            any = true;
        }
    }
    if any && schema.function(UPDATED_AT_FUNCTION).is_none() {
        schema.functions.push(updated_at_function());
    }
}

/// Add the audit table, the audit function and a trigger on each `(table, tenant column)`.
pub(crate) fn add_audit(
    schema: &mut Schema,
    audited: &[(String, Option<String>)],
    tenant_predicate: &str,
    actor_setting: &str,
) {
    if audited.is_empty() {
        return;
    }
    for (name, tenant_column) in audited {
        if let Some(table) = schema.table_mut(name) {
            table.triggers.push(audit_trigger(tenant_column.as_deref()));
        }
    }
    schema.tables.push(audit_table(tenant_predicate));
    schema.functions.push(audit_function(actor_setting));
}
