//! Hand-written functions, triggers, policies and grants given to the builder: added to the
//! schema as given, and refused where they clash with what the builder generates, name a table
//! the schema lacks, or break a standard (a SECURITY DEFINER function without search_path).

#![allow(dead_code)]

use schema_core::model::{
    ColumnGrant, Function, Grant, Policy, PolicyCommand, Privilege, Trigger, TriggerEvent, TriggerTiming,
    Volatility,
};
use schema_core::prelude::*;
use schema_core::triggers::FUNCTION_SEARCH_PATH;
use schema_core::{SchemaErrors, Violation};

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub slug: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(audited)]
pub struct Document {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub title: String,
    pub archived: bool,
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
#[table(global, schema = "billing")]
pub struct Rate {
    #[column(primary_key)]
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn function(name: &str) -> Function {
    Function {
        name: name.to_owned(),
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
        search_path: None,
        execute: None,
        settings: Default::default(),
        body: "BEGIN NEW.title := btrim(NEW.title); RETURN NEW; END".to_owned(),
        sql_body: false,
    }
}

fn trigger(name: &str, function: &str) -> Trigger {
    Trigger {
        name: name.to_owned(),
        timing: TriggerTiming::Before,
        events: vec![TriggerEvent::Insert, TriggerEvent::Update],
        update_columns: Vec::new(),
        old_table: None,
        new_table: None,
        for_each_row: true,
        function: function.to_owned(),
        arguments: Vec::new(),
        when: None,
    }
}

fn policy(name: &str) -> Policy {
    Policy {
        name: name.to_owned(),
        command: PolicyCommand::Update,
        permissive: false,
        roles: Vec::new(),
        using: Some("NOT archived".to_owned()),
        with_check: None,
    }
}

fn builder() -> SchemaBuilder {
    SchemaBuilder::new()
        .app_role("app")
        .table::<Organization>()
        .table::<Document>()
        .table::<Country>()
}

fn violations(result: Result<DeclaredSchema, SchemaErrors>) -> Vec<Violation> {
    match result {
        Ok(_) => panic!("the schema was accepted"),
        Err(errors) => errors.violations,
    }
}

fn messages(result: Result<DeclaredSchema, SchemaErrors>) -> Vec<String> {
    violations(result).iter().map(ToString::to_string).collect()
}

#[test]
fn hand_written_objects_are_added_beside_the_generated_ones() {
    let declared = builder()
        .function(function("trim_title"))
        .trigger("documents", trigger("documents_trim_title", "trim_title"))
        .policy("documents", policy("documents_not_archived"))
        .grant("countries", Grant::table("reporting", vec![Privilege::Select]))
        .grant(
            "documents",
            Grant {
                role: "reporting".to_owned(),
                privileges: vec![Privilege::Select],
                columns: vec![ColumnGrant {
                    privilege: Privilege::Update,
                    columns: vec!["archived".to_owned()],
                }],
                serial_usage: Vec::new(),
            },
        )
        .build()
        .expect("valid");
    let schema = &declared.schema;
    assert_eq!(schema.function("trim_title"), Some(&function("trim_title")));
    let documents = schema.table("documents").unwrap();
    let triggers: Vec<&str> = documents.triggers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        triggers,
        ["audit_row_change", "documents_trim_title", "set_updated_at"]
    );
    let policies: Vec<&str> = documents.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(policies, ["documents_not_archived", "tenant_isolation"]);
    let roles: Vec<&str> = documents.grants.iter().map(|g| g.role.as_str()).collect();
    assert_eq!(
        roles,
        ["app", "reporting"],
        "the app role's grant stays the builder's"
    );
    let reporting = documents.grants.iter().find(|g| g.role == "reporting").unwrap();
    assert_eq!(reporting.columns_of(Privilege::Update), ["archived"]);
    let countries = schema.table("countries").unwrap();
    assert!(countries.grants.iter().any(|g| g.role == "reporting"));
}

#[test]
fn an_object_on_a_table_the_schema_lacks_is_refused() {
    let found = violations(
        builder()
            .trigger("docs", trigger("docs_trim", "trim_title"))
            .policy("billing.documents", policy("p"))
            .grant("nowhere", Grant::table("reporting", vec![Privilege::Select]))
            .build(),
    );
    let tables: Vec<(&str, &str)> = found
        .iter()
        .map(|v| match v {
            Violation::UnknownTable { object, table } => (object.as_str(), table.as_str()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        tables,
        [
            ("trigger docs_trim", "docs"),
            ("policy p", "billing.documents"),
            ("grant to reporting", "nowhere"),
        ]
    );
    assert!(found[0].to_string().contains("not in the schema"), "{}", found[0]);
}

#[test]
fn the_names_the_builder_generates_are_refused_with_the_declaration_that_generates_them() {
    let found = messages(
        builder()
            .function(function("set_updated_at"))
            .trigger("documents", trigger("set_updated_at", "trim_title"))
            .trigger("countries", trigger("audit_row_change", "trim_title"))
            .policy("documents", policy("tenant_isolation"))
            .policy("audit_log", policy("audit_read"))
            .build(),
    );
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(
        found[0].starts_with("function `set_updated_at` has the name of the function the builder generates")
            && found[0].contains("`updated_at` column"),
        "{}",
        found[0]
    );
    assert!(
        found[1].starts_with("trigger `set_updated_at` on `documents`"),
        "{}",
        found[1]
    );
    assert!(found[2].contains("#[table(audited)]"), "{}", found[2]);
    assert!(
        found[3].starts_with("policy `tenant_isolation` on `documents`")
            && found[3].contains(".tenant_setting("),
        "{}",
        found[3]
    );
    assert!(found[4].contains("audit table"), "{}", found[4]);
}

#[test]
fn a_function_with_a_lookups_name_is_refused() {
    let found = messages(
        builder()
            .lookup::<Organization>("organization_by_slug", "slug", &["id"])
            .function(function("organization_by_slug"))
            .build(),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("`.lookup(..)` declares it"), "{}", found[0]);
}

#[test]
fn a_security_definer_function_must_pin_its_search_path() {
    let definer = |search_path: Option<&str>| Function {
        security_definer: true,
        search_path: search_path.map(str::to_owned),
        ..function("trim_title")
    };
    let found = violations(builder().function(definer(None)).build());
    assert_eq!(
        found,
        [Violation::SecurityDefinerWithoutSearchPath {
            function: "trim_title".to_owned()
        }]
    );
    assert!(
        found[0].to_string().contains("FUNCTION_SEARCH_PATH"),
        "{}",
        found[0]
    );
    assert!(builder().function(definer(Some(""))).build().is_err());
    let declared = builder()
        .function(definer(Some(FUNCTION_SEARCH_PATH)))
        .build()
        .expect("a pinned search_path is accepted");
    assert!(declared.schema.function("trim_title").unwrap().security_definer);
}

#[test]
fn a_grant_to_the_app_role_is_the_builders() {
    let found = messages(
        builder()
            .grant("countries", Grant::table("app", vec![Privilege::Insert]))
            .build(),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("is the application role") && found[0].contains("remove this `.grant(..)`"),
        "{}",
        found[0]
    );
}

#[test]
fn a_policy_on_a_table_without_row_level_security_is_refused() {
    let found = violations(builder().policy("countries", policy("countries_p")).build());
    assert_eq!(
        found,
        [Violation::PolicyWithoutRowLevelSecurity {
            table: "countries".to_owned(),
            policy: "countries_p".to_owned()
        }]
    );
}

#[test]
fn duplicates_and_unknown_columns_are_refused() {
    let found = messages(
        builder()
            .function(function("trim_title"))
            .function(function("trim_title"))
            .trigger("documents", trigger("t", "trim_title"))
            .trigger("documents", trigger("t", "trim_title"))
            .trigger(
                "documents",
                Trigger {
                    update_columns: vec!["subject".to_owned()],
                    ..trigger("u", "trim_title")
                },
            )
            .grant("countries", Grant::table("reporting", vec![Privilege::Select]))
            .grant("countries", Grant::table("reporting", vec![Privilege::Insert]))
            .grant(
                "documents",
                Grant {
                    columns: vec![ColumnGrant {
                        privilege: Privilege::Update,
                        columns: vec!["subject".to_owned()],
                    }],
                    ..Grant::table("reporting", Vec::new())
                },
            )
            .build(),
    );
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(
        found[0].starts_with("function `trim_title()` is declared twice"),
        "{}",
        found[0]
    );
    assert!(
        found[1].starts_with("trigger `t` is declared twice on `documents`"),
        "{}",
        found[1]
    );
    assert!(found[2].contains("names column `subject`"), "{}", found[2]);
    assert!(
        found[3].starts_with("grant to role `reporting` is declared twice on `countries`"),
        "{}",
        found[3]
    );
    assert!(
        found[4].starts_with("`grant to reporting` on `documents` names column `subject`"),
        "{}",
        found[4]
    );
}

#[test]
fn a_role_granted_on_another_namespace_gets_usage_on_it() {
    let declared = builder()
        .table::<Rate>()
        .grant(
            "billing.rates",
            Grant::table("reporting", vec![Privilege::Select]),
        )
        .function(Function {
            name: "billing.rate_of".to_owned(),
            arguments: "code text".to_owned(),
            argument_defaults: Vec::new(),
            returns: "text".to_owned(),
            language: "sql".to_owned(),
            body: "SELECT code".to_owned(),
            execute: Some(vec!["pricing".to_owned()]),
            ..function("unused")
        })
        .grant("countries", Grant::table("auditor", vec![Privilege::Select]))
        .build()
        .expect("valid");
    let usage = &declared.schema.schema_usage;
    assert_eq!(
        usage.get("billing").map(Vec::as_slice),
        Some(["app", "pricing", "reporting"].map(String::from).as_slice()),
        "{usage:?}"
    );
    assert_eq!(usage.len(), 1, "public needs no USAGE: {usage:?}");
}

/// Arguments written as `CREATE FUNCTION` takes them keep their defaults apart, as the inspector
/// reads them, so the function compares equal to the one Postgres holds.
#[test]
fn arguments_written_with_defaults_keep_the_defaults_apart() {
    let declared = builder()
        .function(Function {
            name: "pad".to_owned(),
            arguments: "t text, width integer DEFAULT 10, fill text DEFAULT 'a, b', OUT padded text"
                .to_owned(),
            returns: "text".to_owned(),
            language: "sql".to_owned(),
            body: "SELECT rpad(t, width, fill)".to_owned(),
            ..function("unused")
        })
        .build()
        .expect("valid");
    let pad = declared.schema.function("pad").expect("declared");
    assert_eq!(pad.arguments, "t text, width integer, fill text, OUT padded text");
    assert_eq!(pad.argument_defaults, ["10", "'a, b'"]);
    assert_eq!(
        pad.arguments_with_defaults(),
        "t text, width integer DEFAULT 10, fill text DEFAULT 'a, b', OUT padded text"
    );
}
