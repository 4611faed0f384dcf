//! What `SchemaBuilder::build` adds, taken back out of the pulled schema.
//!
//! The builder adds what the standards imply: each tenant table's foreign key to the tenant root,
//! tenant-scoped foreign keys and the unique keys they reference, an index per foreign key,
//! row-level security with the `tenant_isolation` policy, the `updated_at` and audit triggers
//! with their functions and the audit table, the application role's grants, and the lookup
//! functions. A pulled table declares none of these: it declares what the builder makes them
//! from (`audited`, `references = T`, `.app_role(..)`, `.lookup::<T>(..)`), so the code builds
//! the same schema again. What matches no pattern is listed as not reproduced, never dropped.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::Tenancy;
use schema_core::assemble::{DEFAULT_TENANT_SETTING, TENANT_COLUMN, TENANT_POLICY};
use schema_core::ident;
use schema_core::model::{
    ColumnType, Deferrable, ForeignKey, Function, Grant, IndexTarget, Policy, Privilege, ReferentialAction,
    Schema, Table, Trigger,
};
use schema_core::triggers::{
    self, AUDIT_APPEND_POLICY, AUDIT_FUNCTION, AUDIT_READ_POLICY, AUDIT_TABLE, DEFAULT_ACTOR_SETTING,
    UPDATED_AT_COLUMN, UPDATED_AT_FUNCTION,
};

use super::report::Finding;

/// A table as the generated struct declares it: the pulled table without what the builder adds.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub table: Table,
    pub tenancy: Tenancy,
    pub audited: bool,
    pub rls_exempt: Option<String>,
    /// Foreign keys declared on the struct (single-column ones on the field).
    pub foreign_keys: Vec<ForeignKey>,
}

/// A lookup function recognised: `.lookup::<T>(name, by, &[returns])`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub name: String,
    pub table: String,
    pub by: String,
    pub returns: Vec<String>,
}

/// The schema taken apart into declarations.
#[derive(Debug, Clone, Default)]
pub struct Declarations {
    pub tables: Vec<Pulled>,
    pub app_role: Option<String>,
    pub writable: Vec<String>,
    pub tenant_setting: Option<String>,
    pub lookups: Vec<Lookup>,
    /// The actor setting of the builder's audit function, when it is not the default.
    pub actor_setting: Option<String>,
    /// What the database holds that the builder writes as written by hand (`.function(..)`,
    /// `.trigger(..)`, `.policy(..)`, `.grant(..)`), with the table each is on.
    pub hand_written: HandWritten,
    pub findings: Vec<Finding>,
    pub not_reproduced: Vec<String>,
}

/// Functions, triggers, policies and grants no derive declares: emitted as builder calls.
#[derive(Debug, Clone, Default)]
pub struct HandWritten {
    pub functions: Vec<Function>,
    pub triggers: Vec<(String, Trigger)>,
    pub policies: Vec<(String, Policy)>,
    pub grants: Vec<(String, Grant)>,
}

/// The names the builder keeps for its own triggers and policies: one written by hand under such
/// a name is refused by the builder, so it stays listed as not reproduced.
fn generated_trigger_name(name: &str) -> bool {
    name == UPDATED_AT_FUNCTION || name == AUDIT_FUNCTION
}

fn generated_policy_name(name: &str) -> bool {
    [TENANT_POLICY, AUDIT_READ_POLICY, AUDIT_APPEND_POLICY].contains(&name)
}

/// The actor setting the builder's audit function reads, when `function` is that function as
/// the builder writes it for some setting.
pub(crate) fn audit_actor_setting(function: &Function) -> Option<String> {
    let marker = "current_setting('";
    let start = function.body.find(marker)? + marker.len();
    let end = start + function.body[start..].find("', true)")?;
    let setting = function.body[start..end].replace("''", "'");
    (triggers::audit_function(&setting) == *function).then_some(setting)
}

/// How the caller names the tenant root and global tables.
#[derive(Debug, Clone, Default)]
pub struct Tenancies {
    pub root: Option<String>,
    pub global: Vec<String>,
}

/// A constraint added `NOT VALID` and never validated: existing rows may break it. The code
/// declares it validated, so the first migration validates it (without blocking writes).
fn not_valid(table: &str, constraint: &str) -> Finding {
    Finding {
        rule: "not-valid-constraint",
        object: format!("{table}.{constraint}"),
        message: "is NOT VALID: rows from before it was added are not checked; declared validated".to_owned(),
        declared_fixed: true,
        fix: vec![format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {} -- fix the rows it reports first",
            ident::quote_qualified(table),
            ident::quote(constraint)
        )],
    }
}

/// The tenant root: the table named, else the one most `organization_id` keys reference.
fn find_root(schema: &Schema, named: Option<&str>) -> Option<String> {
    if let Some(name) = named {
        return schema.table(name).map(|t| t.name.clone());
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            if fk.columns == [TENANT_COLUMN] && fk.referenced_columns == ["id"] {
                *counts.entry(fk.referenced_table.as_str()).or_default() += 1;
            }
        }
    }
    let by_references = counts
        .into_iter()
        .max_by_key(|(name, n)| (*n, std::cmp::Reverse(*name)))
        .map(|(name, _)| name.to_owned());
    by_references.or_else(|| {
        schema
            .table("organizations")
            .filter(|t| t.column("id").is_some_and(|c| c.ty == ColumnType::Uuid))
            .map(|t| t.name.clone())
    })
}

fn is_tenant_column(table: &Table) -> bool {
    table
        .column(TENANT_COLUMN)
        .is_some_and(|c| c.ty == ColumnType::Uuid && !c.nullable)
}

/// The setting of a tenant predicate on `column` (as the builder writes it, or as Postgres
/// prints it back), when `text` is one.
pub(crate) fn predicate_setting(text: &str, column: &str) -> Option<String> {
    let quoted = ident::quote(column);
    let plain = if quoted.trim_matches('"') == column && !column.contains(' ') {
        column.to_owned()
    } else {
        quoted.clone()
    };
    let forms = [
        (
            format!("({quoted} = NULLIF(current_setting('"),
            "', true), '')::uuid)",
        ),
        (
            format!("({plain} = (NULLIF(current_setting('"),
            "'::text, true), ''::text))::uuid)",
        ),
    ];
    forms.iter().find_map(|(prefix, suffix)| {
        let setting = text.strip_prefix(prefix.as_str())?.strip_suffix(suffix)?;
        (!setting.contains('\'')).then(|| setting.to_owned())
    })
}

/// The builder's lookup body: `SELECT "a", "b" FROM "t" WHERE "by" = $1`.
fn lookup_of(function: &Function, tables: &[Pulled]) -> Option<Lookup> {
    if !function.security_definer || function.language != "sql" || function.sql_body {
        return None;
    }
    let body = function.body.trim();
    let rest = body.strip_prefix("SELECT ")?;
    let (columns, rest) = rest.split_once(" FROM ")?;
    let (table, by) = rest.split_once(" WHERE ")?;
    let by = by.strip_suffix(" = $1")?;
    let unquote = |s: &str| -> Option<String> {
        let s = s.trim();
        let inner = s.strip_prefix('"')?.strip_suffix('"')?;
        Some(inner.replace("\"\"", "\""))
    };
    let table_name = tables
        .iter()
        .find(|t| ident::quote_qualified(&t.table.name) == table.trim())?
        .table
        .name
        .clone();
    let returns = columns.split(", ").map(unquote).collect::<Option<Vec<_>>>()?;
    Some(Lookup {
        name: function.name.clone(),
        table: table_name,
        by: unquote(by)?,
        returns,
    })
}

/// Take `schema` apart into the declarations that build it again.
pub fn declarations(schema: &Schema, tenancies: &Tenancies) -> Declarations {
    let mut out = Declarations::default();
    let root = find_root(schema, tenancies.root.as_deref());
    let audited_anywhere = schema
        .tables
        .iter()
        .any(|t| t.triggers.iter().any(|tr| tr.function == AUDIT_FUNCTION));
    let tenancy_of = |table: &Table| -> Tenancy {
        if Some(&table.name) == root.as_ref() {
            Tenancy::Root
        } else if tenancies.global.contains(&table.name) || root.is_none() || !is_tenant_column(table) {
            Tenancy::Global
        } else {
            Tenancy::Tenant
        }
    };
    let tenancy: BTreeMap<String, Tenancy> = schema
        .tables
        .iter()
        .map(|t| (t.name.clone(), tenancy_of(t)))
        .collect();
    let is_tenant = |name: &str| tenancy.get(name) == Some(&Tenancy::Tenant);

    // The application role: the one role granted on the tenant tables.
    let mut roles: BTreeMap<&str, usize> = BTreeMap::new();
    for table in schema
        .tables
        .iter()
        .filter(|t| tenancy.get(&t.name) != Some(&Tenancy::Global))
    {
        for grant in &table.grants {
            *roles.entry(grant.role.as_str()).or_default() += 1;
        }
    }
    let app_role = roles
        .into_iter()
        .max_by_key(|(role, n)| (*n, std::cmp::Reverse(*role)))
        .map(|(role, _)| role.to_owned());
    out.app_role = app_role.clone();

    // Keys (organization_id, id) that scoped foreign keys reference, as the builder adds them.
    let mut scoped_targets: BTreeSet<(String, Vec<String>)> = BTreeSet::new();
    for table in schema.tables.iter().filter(|t| is_tenant(&t.name)) {
        for fk in &table.foreign_keys {
            if fk.columns.first().map(String::as_str) == Some(TENANT_COLUMN)
                && fk.referenced_columns.first().map(String::as_str) == Some(TENANT_COLUMN)
                && is_tenant(&fk.referenced_table)
            {
                scoped_targets.insert((fk.referenced_table.clone(), fk.referenced_columns.clone()));
            }
        }
    }

    for source in &schema.tables {
        if audited_anywhere && source.name == AUDIT_TABLE {
            // The builder's table: what else is on it was written by hand.
            let on = || AUDIT_TABLE.to_owned();
            let mut refused = Vec::new();
            for policy in &source.policies {
                if [AUDIT_READ_POLICY, AUDIT_APPEND_POLICY].contains(&policy.name.as_str()) {
                    continue;
                }
                if generated_policy_name(&policy.name) {
                    refused.push(format!("policy {}", policy.name));
                } else {
                    out.hand_written.policies.push((on(), policy.clone()));
                }
            }
            for trigger in &source.triggers {
                if generated_trigger_name(&trigger.name) {
                    refused.push(format!("trigger {}", trigger.name));
                } else {
                    out.hand_written.triggers.push((on(), trigger.clone()));
                }
            }
            let grants = source
                .grants
                .iter()
                .filter(|g| Some(&g.role) != app_role.as_ref());
            out.hand_written.grants.extend(grants.map(|g| (on(), g.clone())));
            for object in refused {
                out.not_reproduced.push(format!(
                    "table {AUDIT_TABLE}: {object} has the name of one the builder writes (not declared)"
                ));
            }
            continue;
        }
        let name = source.name.clone();
        let quoted = ident::quote_qualified(&name);
        let tenancy = tenancy[&name];
        let mut table = source.clone();
        let mut note = |what: String| out.not_reproduced.push(format!("table {name}: {what}"));

        if table.primary_key.is_none() {
            out.findings.push(Finding {
                rule: "no-primary-key",
                object: name.clone(),
                message: "has no primary key: a struct needs one, so the table is not pulled".to_owned(),
                declared_fixed: false,
                fix: vec![format!(
                    "ALTER TABLE {quoted} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY -- or ADD PRIMARY KEY on a unique NOT NULL column"
                )],
            });
            out.not_reproduced
                .push(format!("table {name}: no primary key, not pulled"));
            continue;
        }
        if tenancy == Tenancy::Global
            && root.is_some()
            && !tenancies.global.contains(&name)
            && table
                .foreign_keys
                .iter()
                .any(|fk| is_tenant(&fk.referenced_table))
        {
            out.findings.push(Finding {
                rule: "tenant-table-without-organization-id",
                object: name.clone(),
                message: "references tenant rows but has no NOT NULL organization_id: pulled as `global`".to_owned(),
                declared_fixed: false,
                fix: vec![
                    format!("ALTER TABLE {quoted} ADD COLUMN organization_id uuid"),
                    format!("UPDATE {quoted} SET organization_id = <the parent row's organization_id> -- in batches"),
                    format!("ALTER TABLE {quoted} ALTER COLUMN organization_id SET NOT NULL -- after a NOT VALID CHECK (organization_id IS NOT NULL) is validated; then drop `global`"),
                ],
            });
        }

        // Foreign keys: the tenant key and the scoping are the builder's.
        let mut foreign_keys = Vec::new();
        let mut has_tenant_key = false;
        for fk in std::mem::take(&mut table.foreign_keys) {
            let tenant_key = tenancy == Tenancy::Tenant
                && fk.columns == [TENANT_COLUMN]
                && Some(&fk.referenced_table) == root.as_ref()
                && fk.on_delete == ReferentialAction::Cascade
                && fk.on_update == ReferentialAction::NoAction
                && fk.deferrable == Deferrable::NotDeferrable
                && !fk.match_full
                && !fk.not_valid
                && fk.name == ident::foreign_key_name(&name, &fk.columns);
            if tenant_key {
                has_tenant_key = true;
                continue;
            }
            if fk.not_valid {
                out.findings.push(not_valid(&name, &fk.name));
            }
            let Some(target) = schema.table(&fk.referenced_table) else {
                note(format!(
                    "foreign key {} references {}, which is not pulled",
                    fk.name, fk.referenced_table
                ));
                continue;
            };
            let target_key = target
                .primary_key
                .as_ref()
                .map(|pk| pk.columns.clone())
                .unwrap_or_default();
            let scoped = tenancy == Tenancy::Tenant
                && is_tenant(&target.name)
                && fk.columns.first().map(String::as_str) == Some(TENANT_COLUMN)
                && fk.referenced_columns.first().map(String::as_str) == Some(TENANT_COLUMN)
                && fk.referenced_columns[1..] == target_key[..];
            if !scoped && fk.referenced_columns != target_key {
                note(format!(
                    "foreign key {} references ({}) of {}, not its primary key",
                    fk.name,
                    fk.referenced_columns.join(", "),
                    target.name
                ));
                continue;
            }
            if tenancy == Tenancy::Tenant && is_tenant(&target.name) && !scoped {
                out.findings.push(Finding {
                    rule: "cross-tenant-foreign-key",
                    object: format!("{name}.{}", fk.name),
                    message: format!(
                        "references {} without organization_id: a row can point at another tenant's row",
                        target.name
                    ),
                    declared_fixed: true,
                    fix: vec![format!(
                        "ALTER TABLE {quoted} ADD CONSTRAINT {} FOREIGN KEY (organization_id, {}) REFERENCES {} (organization_id, {}) NOT VALID; VALIDATE CONSTRAINT; then DROP CONSTRAINT {}",
                        ident::quote(&ident::foreign_key_name(&name, &[TENANT_COLUMN, fk.columns[0].as_str()])),
                        ident::quote_list(&fk.columns),
                        ident::quote_qualified(&target.name),
                        ident::quote_list(&target_key),
                        ident::quote(&fk.name)
                    )],
                });
            }
            if fk.on_delete == ReferentialAction::NoAction {
                out.findings.push(Finding {
                    rule: "foreign-key-without-on-delete",
                    object: format!("{name}.{}", fk.name),
                    message: "states no ON DELETE intent (NO ACTION, the default): declared as `on_delete = \"no action\"`".to_owned(),
                    declared_fixed: false,
                    fix: vec![format!(
                        "choose cascade, restrict or set null: ALTER TABLE {quoted} DROP CONSTRAINT {0}, ADD CONSTRAINT {0} FOREIGN KEY ({1}) REFERENCES {2} ({3}) ON DELETE RESTRICT NOT VALID; then VALIDATE CONSTRAINT {0}",
                        ident::quote(&fk.name),
                        ident::quote_list(&fk.columns),
                        ident::quote_qualified(&target.name),
                        ident::quote_list(&fk.referenced_columns),
                    )],
                });
            }
            foreign_keys.push(fk);
        }
        if tenancy == Tenancy::Tenant && !has_tenant_key {
            out.findings.push(Finding {
                rule: "tenant-table-without-organization-id",
                object: format!("{name}.organization_id"),
                message: "has no foreign key to the tenant root: declared with it (ON DELETE CASCADE)".to_owned(),
                declared_fixed: true,
                fix: vec![format!(
                    "ALTER TABLE {quoted} ADD CONSTRAINT {} FOREIGN KEY (organization_id) REFERENCES {} (id) ON DELETE CASCADE NOT VALID; then VALIDATE CONSTRAINT",
                    ident::quote(&ident::foreign_key_name(&name, &[TENANT_COLUMN])),
                    ident::quote_qualified(root.as_deref().unwrap_or("organizations"))
                )],
            });
        }

        // The unique keys scoped foreign keys reference.
        table.uniques.retain(|u| {
            let added = scoped_targets.contains(&(name.clone(), u.columns.clone()))
                && u.name == ident::unique_name(&name, &u.columns)
                && !u.nulls_not_distinct
                && u.deferrable == Deferrable::NotDeferrable;
            !added
        });
        for check in &table.checks {
            if check.not_valid {
                out.findings.push(not_valid(&name, &check.name));
            }
            if check.no_inherit {
                note(format!("check {} is NO INHERIT (declared without)", check.name));
            }
        }

        // The index each foreign key gets, unless another one leads with its columns.
        for fk in &foreign_keys {
            let generated = ident::index_name(&name, &fk.columns);
            let position = table.indexes.iter().position(|i| {
                i.name == generated
                    && !i.unique
                    && i.method == "btree"
                    && i.predicate.is_none()
                    && i.include.is_empty()
                    && i.keys.len() == fk.columns.len()
                    && i.keys.iter().zip(&fk.columns).all(|(k, c)| {
                        k.target == IndexTarget::Column(c.clone())
                            && k.collation.is_none()
                            && k.opclass.is_none()
                            && k.order == Default::default()
                            && k.nulls.is_none()
                    })
            });
            match position {
                Some(i) => {
                    let index = table.indexes.remove(i);
                    if table.has_index_leading_with(&fk.columns) {
                        table.indexes.insert(i, index);
                    }
                }
                None if !table.has_index_leading_with(&fk.columns) => out.findings.push(Finding {
                    rule: "foreign-key-without-index",
                    object: format!("{name}.{}", fk.name),
                    message: format!(
                        "no index leads with ({}): deletes of the referenced rows scan the table",
                        fk.columns.join(", ")
                    ),
                    declared_fixed: true,
                    fix: vec![format!(
                        "CREATE INDEX CONCURRENTLY {} ON {quoted} ({})",
                        ident::quote(&generated),
                        ident::quote_list(&fk.columns)
                    )],
                }),
                None => {}
            }
        }

        // Row-level security and the tenant policy.
        let mut rls_exempt = None;
        if tenancy != Tenancy::Global {
            let column = if tenancy == Tenancy::Root {
                "id"
            } else {
                TENANT_COLUMN
            };
            let position = table.policies.iter().position(|p| {
                p.name == TENANT_POLICY
                    && p.permissive
                    && p.roles.is_empty()
                    && p.command == schema_core::model::PolicyCommand::All
                    && p.using
                        .as_deref()
                        .and_then(|u| predicate_setting(u, column))
                        .is_some()
                    && p.using == p.with_check
            });
            match position {
                Some(i) => {
                    let policy = table.policies.remove(i);
                    let setting = policy.using.as_deref().and_then(|u| predicate_setting(u, column));
                    if out.tenant_setting.is_none() {
                        out.tenant_setting = setting;
                    }
                    if !(table.row_level_security.enabled && table.row_level_security.forced) {
                        note(
                            "row-level security is not enabled and forced (declared enabled and forced)"
                                .to_owned(),
                        );
                    }
                }
                None if tenancy == Tenancy::Tenant
                    && !table.row_level_security.enabled
                    && table.policies.is_empty() =>
                {
                    rls_exempt = Some("existing table: row-level security is off".to_owned());
                    out.findings.push(Finding {
                        rule: "rls-off",
                        object: name.clone(),
                        message: "a tenant table without row-level security: declared `rls_exempt`".to_owned(),
                        declared_fixed: false,
                        fix: vec![
                            format!("ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY"),
                            format!(
                                "CREATE POLICY tenant_isolation ON {quoted} USING (organization_id = NULLIF(current_setting('{DEFAULT_TENANT_SETTING}', true), '')::uuid) WITH CHECK (same) -- then remove `rls_exempt`"
                            ),
                        ],
                    });
                }
                None if !table.row_level_security.enabled && table.policies.is_empty() => {
                    out.findings.push(Finding {
                        rule: "rls-off",
                        object: name.clone(),
                        message: "the tenant root without row-level security: declared with it".to_owned(),
                        declared_fixed: true,
                        fix: vec![
                            format!("ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY"),
                            format!(
                                "CREATE POLICY tenant_isolation ON {quoted} USING (id = NULLIF(current_setting('{DEFAULT_TENANT_SETTING}', true), '')::uuid) WITH CHECK (same)"
                            ),
                        ],
                    });
                }
                None => note(format!(
                    "no {TENANT_POLICY} policy as the builder writes it (declared with one)"
                )),
            }
        } else if table.row_level_security.enabled {
            note("row-level security on a global table (declared without)".to_owned());
        }
        // The builder keeps row-level security on a table it writes the tenant policy on: other
        // policies there are written by hand; elsewhere Postgres ignores them.
        let secured = tenancy != Tenancy::Global && rls_exempt.is_none();
        for policy in std::mem::take(&mut table.policies) {
            if !secured {
                note(format!(
                    "policy {} on a table without row-level security (not declared)",
                    policy.name
                ));
            } else if generated_policy_name(&policy.name) {
                note(format!(
                    "policy {} has the name of a policy the builder writes, differently (not declared)",
                    policy.name
                ));
            } else {
                out.hand_written.policies.push((name.clone(), policy));
            }
        }

        // Triggers.
        let mut audited = false;
        let maintained = table
            .column(UPDATED_AT_COLUMN)
            .is_none_or(|c| matches!(c.ty, ColumnType::Timestamptz | ColumnType::Timestamp));
        if maintained && !table.triggers.iter().any(|t| t.name == UPDATED_AT_FUNCTION) {
            out.findings.push(Finding {
                rule: "missing-timestamp",
                object: format!("{name}.updated_at"),
                message: "is not maintained by a trigger: declared with the builder's set_updated_at trigger".to_owned(),
                declared_fixed: true,
                fix: vec![format!(
                    "CREATE TRIGGER set_updated_at BEFORE UPDATE ON {quoted} FOR EACH ROW EXECUTE FUNCTION set_updated_at() -- `generate` writes the function too"
                )],
            });
        }
        for trigger in std::mem::take(&mut table.triggers) {
            if trigger.name == UPDATED_AT_FUNCTION && trigger.function == UPDATED_AT_FUNCTION && maintained {
                continue;
            }
            if trigger.function == AUDIT_FUNCTION {
                audited = true;
                continue;
            }
            if generated_trigger_name(&trigger.name) {
                note(format!(
                    "trigger {} has the name of a trigger the builder writes, differently (not declared)",
                    trigger.name
                ));
                continue;
            }
            out.hand_written.triggers.push((name.clone(), trigger));
        }

        // Grants: the application role's are the builder's.
        for grant in std::mem::take(&mut table.grants) {
            if Some(&grant.role) == app_role.as_ref() {
                let all = [
                    Privilege::Select,
                    Privilege::Insert,
                    Privilege::Update,
                    Privilege::Delete,
                ];
                if tenancy == Tenancy::Global && all.iter().all(|p| grant.privileges.contains(p)) {
                    out.writable.push(name.clone());
                }
                if rls_exempt.is_some() {
                    note(format!(
                        "grant to {} on a table without row-level security (not declared)",
                        grant.role
                    ));
                }
            } else {
                out.hand_written.grants.push((name.clone(), grant));
            }
        }

        for column in ["created_at", "updated_at"] {
            match table.column(column) {
                None => out.findings.push(Finding {
                    rule: "missing-timestamp",
                    object: name.clone(),
                    message: format!("has no `{column}`: declared with it"),
                    declared_fixed: true,
                    fix: vec![format!(
                        "ALTER TABLE {quoted} ADD COLUMN {column} timestamptz NOT NULL DEFAULT now()"
                    )],
                }),
                Some(c) if c.nullable || c.default.as_deref() != Some("now()") => {
                    out.findings.push(Finding {
                        rule: "missing-timestamp",
                        object: format!("{name}.{column}"),
                        message: "is nullable or has no DEFAULT now(): declared NOT NULL DEFAULT now()"
                            .to_owned(),
                        declared_fixed: true,
                        fix: vec![
                            format!("ALTER TABLE {quoted} ALTER COLUMN {column} SET DEFAULT now()"),
                            format!(
                                "UPDATE {quoted} SET {column} = now() WHERE {column} IS NULL -- in batches"
                            ),
                            format!("ALTER TABLE {quoted} ALTER COLUMN {column} SET NOT NULL"),
                        ],
                    })
                }
                Some(_) => {}
            }
        }
        for object in std::iter::once(name.as_str()).chain(table.columns.iter().map(|c| c.name.as_str())) {
            if ident::unqualified(object).len() == 63 {
                out.findings.push(Finding {
                    rule: "truncated-name",
                    object: format!("{name}: {object}"),
                    message: "is exactly 63 bytes: Postgres probably truncated a longer name".to_owned(),
                    declared_fixed: false,
                    fix: vec![format!(
                        "rename it to a shorter name (ALTER TABLE ... RENAME), declared with `renamed_from`"
                    )],
                });
            }
        }

        out.tables.push(Pulled {
            table,
            tenancy,
            audited,
            rls_exempt,
            foreign_keys,
        });
    }

    // Functions: the builder's own, lookups, and the ones written by hand.
    for function in &schema.functions {
        if function.name == UPDATED_AT_FUNCTION {
            if *function != triggers::updated_at_function() {
                out.not_reproduced.push(format!(
                    "function {UPDATED_AT_FUNCTION} differs from the builder's (declared as the builder writes it)"
                ));
            }
            continue;
        }
        if function.name == AUDIT_FUNCTION {
            match audit_actor_setting(function) {
                Some(setting) if audited_anywhere => {
                    out.actor_setting = (setting != DEFAULT_ACTOR_SETTING).then_some(setting);
                }
                _ if audited_anywhere => out.not_reproduced.push(format!(
                    "function {AUDIT_FUNCTION} differs from the builder's (declared as the builder writes it)"
                )),
                _ => out.not_reproduced.push(format!(
                    "function {AUDIT_FUNCTION}({}): no table is audited and the name is the builder's audit function (not declared)",
                    function.arguments
                )),
            }
            continue;
        }
        if let Some(lookup) = lookup_of(function, &out.tables) {
            out.lookups.push(lookup);
            continue;
        }
        if function.security_definer && function.search_path.is_none() {
            out.not_reproduced.push(format!(
                "function {}({}) is SECURITY DEFINER without search_path, which the builder refuses: pin it (ALTER FUNCTION ... SET search_path = pg_catalog, public, pg_temp) and pull again",
                function.name, function.arguments
            ));
            continue;
        }
        out.hand_written.functions.push(function.clone());
    }
    // USAGE on namespaces: the application role's is the builder's, and so is that of the roles
    // the hand-written grants and functions name there (see `hand_written_usage`).
    let derived =
        schema_core::assemble::hand_written_usage(&out.hand_written.grants, &out.hand_written.functions);
    for (namespace, roles) in &schema.schema_usage {
        for role in roles {
            if Some(role) != app_role.as_ref() && !derived.contains(&(namespace.clone(), role.clone())) {
                out.not_reproduced.push(format!(
                    "schema {namespace}: USAGE granted to {role} (not declared)"
                ));
            }
        }
    }
    for (namespace, role) in &derived {
        let granted = schema
            .schema_usage
            .get(namespace)
            .is_some_and(|roles| roles.contains(role));
        if Some(role) != app_role.as_ref() && !granted {
            out.not_reproduced.push(format!(
                "schema {namespace}: {role} has privileges on its objects but no USAGE on it (declared with USAGE)"
            ));
        }
    }
    out.tables = dependency_order(out.tables);
    out
}

/// The tenant root, then referenced tables before the tables that reference them; otherwise by
/// name.
fn dependency_order(mut tables: Vec<Pulled>) -> Vec<Pulled> {
    // The root first: every tenant table references it (through the key the builder adds).
    tables.sort_by(|a, b| {
        (a.tenancy != Tenancy::Root, &a.table.name).cmp(&(b.tenancy != Tenancy::Root, &b.table.name))
    });
    let names: BTreeSet<String> = tables.iter().map(|t| t.table.name.clone()).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let ready = tables.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.referenced_table == t.table.name
                    || placed.contains(&fk.referenced_table)
                    || !names.contains(&fk.referenced_table)
            })
        });
        // A cycle: take the first left; Rust resolves the types in any order.
        let next = tables.remove(ready.unwrap_or(0));
        placed.insert(next.table.name.clone());
        ordered.push(next);
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_functions_actor_setting_is_read_back_only_from_the_builders_body() {
        let custom = triggers::audit_function("app.actor");
        assert_eq!(audit_actor_setting(&custom).as_deref(), Some("app.actor"));
        let default = triggers::audit_function(DEFAULT_ACTOR_SETTING);
        assert_eq!(
            audit_actor_setting(&default).as_deref(),
            Some(DEFAULT_ACTOR_SETTING)
        );
        let edited = Function {
            body: custom.body.replace("RETURN NULL;", "RETURN NULL; -- edited"),
            ..custom.clone()
        };
        assert_eq!(audit_actor_setting(&edited), None);
        let invoker = Function {
            security_definer: false,
            ..custom
        };
        assert_eq!(audit_actor_setting(&invoker), None);
    }
}
