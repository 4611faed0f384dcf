//! Schema assembly: from the declared tables to one validated [`Schema`].
//!
//! One struct cannot see the others, so the rules that involve several tables live here: every
//! foreign key targets a table of the schema (and a key of it), there is exactly one tenant root,
//! and names do not collide. Assembly also adds what the standards imply: each tenant table's
//! foreign key to the root, an index for every foreign key, row-level security on tenant tables,
//! the `updated_at` trigger, and the audit table and triggers for `#[table(audited)]` (see
//! [`crate::triggers`]). Every violation is returned, not only the first.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::declare::{ColumnRename, Table, TableDef, Tenancy};
use crate::ident;
use crate::model::{
    Collation, ColumnGrant, ColumnType, Domain, EnumType, Extension, ForeignKey, Function, Grant, Index,
    Policy, PolicyCommand, Privilege, ReferentialAction, RowLevelSecurity, Schema, Sequence, Trigger,
    UniqueConstraint, View, Volatility,
};
use crate::triggers::{self, AUDIT_TABLE, DEFAULT_ACTOR_SETTING};

mod hand_written;

pub use hand_written::usage as hand_written_usage;

/// The column that carries the tenant in every tenant table.
pub const TENANT_COLUMN: &str = "organization_id";

/// The default session setting that holds the current tenant for row-level security.
pub const DEFAULT_TENANT_SETTING: &str = "app.current_organization_id";

/// The name of the policy that confines a tenant table to the current organization.
pub const TENANT_POLICY: &str = "tenant_isolation";

/// Collects declared tables and assembles them into a validated schema.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    tables: Vec<TableDef>,
    schemas: Vec<String>,
    sequences: Vec<Sequence>,
    views: Vec<View>,
    extensions: Vec<Extension>,
    collations: Vec<Collation>,
    domains: Vec<Domain>,
    tenant_setting: String,
    actor_setting: String,
    app_role: Option<String>,
    writable: Vec<String>,
    lookups: Vec<Lookup>,
    object_renames: Vec<ObjectRename>,
    hand_written: hand_written::HandWritten,
}

/// A lookup across tenants, declared with [`SchemaBuilder::lookup`]: what the app must find before
/// it knows the tenant (the organization of a subdomain, of an API key). Rendered as a `SECURITY
/// DEFINER` function with a pinned `search_path` that returns only the declared columns of the
/// rows whose `by` column equals its one argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// The function's name.
    pub name: String,
    pub table: String,
    /// The column matched against the argument (it should be unique).
    pub by: String,
    /// The columns returned.
    pub returns: Vec<String>,
}

/// A declared schema: the model, plus what only declarations know (renames, tenancy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredSchema {
    /// The schema in canonical form.
    pub schema: Schema,
    /// Renames declared with `renamed_from`.
    pub renames: Renames,
    /// The declarations, in the order given (for documentation and messages).
    pub tables: Vec<TableDef>,
    /// The session setting row-level security reads the tenant from.
    pub tenant_setting: String,
    /// The session setting audit rows read the acting user from.
    #[serde(default = "default_actor_setting")]
    pub actor_setting: String,
    /// The application role the schema grants to ([`SchemaBuilder::app_role`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_role: Option<String>,
}

fn default_actor_setting() -> String {
    DEFAULT_ACTOR_SETTING.to_owned()
}

/// Renames declared in code, which turn a drop and an add into a rename.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renames {
    pub tables: Vec<TableRename>,
    pub columns: Vec<ColumnRename>,
    /// Enum types, sequences, views and functions moved to another namespace or renamed
    /// ([`SchemaBuilder::renamed`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectRename>,
}

/// The kinds of objects besides tables that a rename or a move between namespaces keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Enum,
    Sequence,
    View,
    Function,
}

/// An object's previous name: `billing.status` was `status` (moved), `billing.states` (renamed),
/// or both. The object keeps what uses it: an enum type its columns and their rows, a sequence
/// its current value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObjectRename {
    pub kind: ObjectKind,
    pub from: String,
    pub to: String,
}

impl ObjectRename {
    pub fn enum_type(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self::of(ObjectKind::Enum, from, to)
    }

    pub fn sequence(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self::of(ObjectKind::Sequence, from, to)
    }

    /// A view or a materialized view.
    pub fn view(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self::of(ObjectKind::View, from, to)
    }

    /// A function (every function of the name: its arguments stay).
    pub fn function(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self::of(ObjectKind::Function, from, to)
    }

    fn of(kind: ObjectKind, from: impl Into<String>, to: impl Into<String>) -> Self {
        ObjectRename {
            kind,
            from: from.into(),
            to: to.into(),
        }
    }
}

/// A table's previous name, from `#[table(renamed_from = "...")]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TableRename {
    pub from: String,
    pub to: String,
}

/// A rule that only the whole schema can check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    DuplicateTable {
        table: String,
        declared_by: Vec<String>,
    },
    NoTenantRoot,
    SeveralTenantRoots {
        tables: Vec<String>,
    },
    TenantTableWithoutTenantColumn {
        table: String,
    },
    ForeignKeyTargetMissing {
        table: String,
        foreign_key: String,
        target: String,
    },
    ForeignKeyTargetNotKey {
        table: String,
        foreign_key: String,
        target: String,
        columns: Vec<String>,
    },
    ForeignKeyColumnCount {
        table: String,
        foreign_key: String,
    },
    UnknownColumn {
        table: String,
        object: String,
        column: String,
    },
    /// A primary or unique key of a partitioned table (declared, or added by assembly for a
    /// tenant-scoped foreign key) without a column of the partition key: Postgres enforces
    /// uniqueness partition by partition and refuses it.
    KeyWithoutPartitionKey {
        table: String,
        key: String,
        column: String,
    },
    DuplicateRelationName {
        name: String,
        first: String,
        second: String,
    },
    DuplicateConstraintName {
        table: String,
        name: String,
    },
    EnumConflict {
        name: String,
        tables: Vec<String>,
    },
    EnumNameTaken {
        name: String,
    },
    NameTooLong {
        kind: &'static str,
        name: String,
    },
    /// A declared table has the name of a table the tool generates.
    ReservedTableName {
        table: String,
        declared_by: String,
    },
    /// A field's Rust type declares a kind its column type is not (a `Plain` kind for a
    /// `double precision` column): the standards judged it by the wrong kind.
    KindMismatch {
        table: String,
        column: String,
        kind: String,
        column_type: String,
        expected: &'static [&'static str],
    },
    /// A tenant table's key has no database-generated value while an app role is declared: the
    /// app would choose keys, and a key that collides with another tenant's row tells it the row
    /// exists.
    AppChoosesTenantKey {
        table: String,
        column: String,
    },
    /// An identity or serial column of a type that is not `smallint`, `integer` or `bigint`:
    /// Postgres refuses it when the migration runs.
    IdentityNotInteger {
        table: String,
        column: String,
        column_type: String,
    },
    /// A hand-written object ([`SchemaBuilder::trigger`], [`SchemaBuilder::policy`],
    /// [`SchemaBuilder::grant`]) is put on a table the schema does not have.
    UnknownTable {
        object: String,
        table: String,
    },
    /// A hand-written object has the name of one the builder generates; `fix` says which
    /// declaration generates it.
    GeneratedName {
        kind: &'static str,
        name: String,
        table: Option<String>,
        fix: &'static str,
    },
    /// Two hand-written objects of one kind share a name (on one table, for triggers, policies
    /// and grants, whose name is the role's).
    DuplicateName {
        kind: &'static str,
        name: String,
        table: Option<String>,
    },
    /// A hand-written `SECURITY DEFINER` function without a pinned `search_path`.
    SecurityDefinerWithoutSearchPath {
        function: String,
    },
    /// A hand-written grant to the application role, whose grants the builder writes.
    GrantToAppRole {
        table: String,
        role: String,
    },
    /// A hand-written policy on a table without row-level security, where Postgres ignores it.
    PolicyWithoutRowLevelSecurity {
        table: String,
        policy: String,
    },
}

/// Every violation found while assembling a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemaErrors {
    pub violations: Vec<Violation>,
}

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the declared schema breaks {} rule(s):", self.violations.len())?;
        for violation in &self.violations {
            write!(f, "\n  - {violation}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::DuplicateTable { table, declared_by } => write!(
                f,
                "table `{table}` is declared more than once (by {}): give each struct its own `#[table(name = \"...\")]`",
                declared_by.join(", ")
            ),
            Violation::NoTenantRoot => {
                f.write_str("no tenant root: mark the organizations table with `#[table(tenant_root)]`")
            }
            Violation::SeveralTenantRoots { tables } => write!(
                f,
                "several tenant roots ({}): exactly one table may be `#[table(tenant_root)]`",
                tables.join(", ")
            ),
            Violation::TenantTableWithoutTenantColumn { table } => write!(
                f,
                "tenant table `{table}` has no `organization_id` column: add `organization_id: OrganizationId` or mark it `#[table(global)]`"
            ),
            Violation::ForeignKeyTargetMissing {
                table,
                foreign_key,
                target,
            } => write!(
                f,
                "foreign key `{foreign_key}` of `{table}` references `{target}`, which is not in the schema: add that table to the schema"
            ),
            Violation::ForeignKeyTargetNotKey {
                table,
                foreign_key,
                target,
                columns,
            } => write!(
                f,
                "foreign key `{foreign_key}` of `{table}` references `{target}` ({}), which is neither its primary key nor a unique constraint",
                columns.join(", ")
            ),
            Violation::ForeignKeyColumnCount { table, foreign_key } => write!(
                f,
                "foreign key `{foreign_key}` of `{table}` has a different number of columns than the key it references"
            ),
            Violation::KeyWithoutPartitionKey { table, key, column } => write!(
                f,
                "key `{key}` of the partitioned table `{table}` does not include the partition key column `{column}` (Postgres enforces uniqueness partition by partition): add `{column}` to the key"
            ),
            Violation::UnknownColumn {
                table,
                object,
                column,
            } => {
                write!(
                    f,
                    "`{object}` on `{table}` names column `{column}`, which `{table}` does not have"
                )
            }
            Violation::DuplicateRelationName { name, first, second } => write!(
                f,
                "name `{name}` is used by both {first} and {second}: tables and indexes share one namespace, rename one"
            ),
            Violation::DuplicateConstraintName { table, name } => {
                write!(
                    f,
                    "constraint name `{name}` is used twice on `{table}`: rename one"
                )
            }
            Violation::EnumConflict { name, tables } => write!(
                f,
                "enum type `{name}` is declared with different values (used by {}): use one Rust enum for it",
                tables.join(", ")
            ),
            Violation::EnumNameTaken { name } => write!(
                f,
                "enum type `{name}` has the name of a table (Postgres gives every table a type of its name): rename the enum with `#[pg_enum(name = \"...\")]`"
            ),
            Violation::ReservedTableName { table, declared_by } => write!(
                f,
                "table `{table}` (declared by {declared_by}) has the name of the audit table the tool generates for `#[table(audited)]`: give it another `#[table(name = \"...\")]`"
            ),
            Violation::KindMismatch {
                table,
                column,
                kind,
                column_type,
                expected,
            } => write!(
                f,
                "column `{column}` of `{table}` is `{column_type}`, but its Rust type declares the kind `{kind}`: its `SqlType` impl must declare {} so that the standards judge it as what it stores",
                expected
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Violation::AppChoosesTenantKey { table, column } => write!(
                f,
                "tenant table `{table}`: the app role would choose its key `{column}`, and a key that collides with another tenant's row tells the tenant that the row exists: let the database generate it (`#[column(primary_key, default_sql = \"gen_random_uuid()\")]`, or `identity`)"
            ),
            Violation::IdentityNotInteger {
                table,
                column,
                column_type,
            } => write!(
                f,
                "column `{table}.{column}` is an identity (or serial) of type `{column_type}`: a sequence generates whole numbers, so make the field `i16`, `i32` or `i64`, or remove `identity`"
            ),
            Violation::UnknownTable { object, table } => write!(
                f,
                "{object} is put on table `{table}`, which is not in the schema: name a table of the schema as the model spells it (`billing.invoices` outside `public`)"
            ),
            Violation::GeneratedName {
                kind,
                name,
                table,
                fix,
            } => {
                write!(f, "{kind} `{name}`")?;
                if let Some(table) = table {
                    write!(f, " on `{table}`")?;
                }
                write!(f, " has the name of the {kind} the builder generates: {fix}")
            }
            Violation::DuplicateName { kind, name, table } => {
                write!(f, "{kind} `{name}` is declared twice")?;
                if let Some(table) = table {
                    write!(f, " on `{table}`")?;
                }
                f.write_str(if *kind == "grant to role" {
                    ": give all of the role's privileges on the table in one grant"
                } else {
                    ": keep one, or give the other another name"
                })
            }
            Violation::SecurityDefinerWithoutSearchPath { function } => write!(
                f,
                "function `{function}` is SECURITY DEFINER without a pinned search_path: a caller could put its own schema (or pg_temp) first and have the body run its objects with the owner's rights; set `search_path: Some(schema_core::triggers::FUNCTION_SEARCH_PATH.into())`"
            ),
            Violation::GrantToAppRole { table, role } => write!(
                f,
                "grant to `{role}` on `{table}`: `{role}` is the application role, whose grants the builder writes (`.app_role(..)`, `.writable::<T>()`): remove this `.grant(..)`"
            ),
            Violation::PolicyWithoutRowLevelSecurity { table, policy } => write!(
                f,
                "policy `{policy}` on `{table}` would be ignored: `{table}` has no row-level security (a global or `rls_exempt` table): put the policy on a tenant table or remove it"
            ),
            Violation::NameTooLong { kind, name } => write!(
                f,
                "{kind} name `{name}` is {} bytes; Postgres keeps 63 and would silently truncate it: choose a shorter name",
                name.len()
            ),
        }
    }
}

impl Default for SchemaBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SchemaBuilder {
    pub fn new() -> Self {
        SchemaBuilder {
            tables: Vec::new(),
            schemas: Vec::new(),
            sequences: Vec::new(),
            views: Vec::new(),
            extensions: Vec::new(),
            collations: Vec::new(),
            domains: Vec::new(),
            tenant_setting: DEFAULT_TENANT_SETTING.to_owned(),
            actor_setting: DEFAULT_ACTOR_SETTING.to_owned(),
            app_role: None,
            writable: Vec::new(),
            lookups: Vec::new(),
            object_renames: Vec::new(),
            hand_written: Default::default(),
        }
    }

    /// Declare a lookup across tenants: `lookup::<Organization>("organization_by_slug", "slug",
    /// &["id", "display_name"])` becomes `organization_by_slug(value text) RETURNS TABLE(id uuid,
    /// display_name text)`, which finds the row without a tenant set and returns those columns
    /// only. The function runs as its owner (the migration role, which must be a superuser or
    /// have BYPASSRLS, since the table is under FORCE ROW LEVEL SECURITY); the tenant policy stays.
    /// The application role gets EXECUTE; PUBLIC does not.
    pub fn lookup<T: Table>(mut self, name: &str, by: &str, returns: &[&str]) -> Self {
        self.lookups.push(Lookup {
            name: name.to_owned(),
            table: T::NAME.to_owned(),
            by: by.to_owned(),
            returns: returns.iter().map(|c| (*c).to_owned()).collect(),
        });
        self
    }

    /// The role the application connects as (or is granted to its login role). The schema grants
    /// it exactly what the app needs, with every migration: SELECT, INSERT, UPDATE and DELETE on
    /// the tenant root and tenant tables (row-level security confines them to the tenant),
    /// SELECT on global tables (see [`SchemaBuilder::writable`]) and on the audit table, whose
    /// rows only the audit trigger writes. Nothing on tables that opt out of row-level security,
    /// and no privilege that allows DDL: it owns nothing, so it cannot alter, drop or disable
    /// row-level security on any table.
    pub fn app_role(mut self, role: impl Into<String>) -> Self {
        self.app_role = Some(role.into());
        self
    }

    /// Let the application role write this global table (it only reads global tables otherwise:
    /// they are shared by every tenant, so one tenant's write changes what all of them see).
    pub fn writable<T: Table>(mut self) -> Self {
        self.writable.push(T::NAME.to_owned());
        self
    }

    /// Add a table declared with `#[derive(Table)]`.
    pub fn table<T: Table>(mut self) -> Self {
        self.tables.push(T::definition());
        self
    }

    /// Add a table declaration built by hand.
    pub fn table_def(mut self, table: TableDef) -> Self {
        self.tables.push(table);
        self
    }

    /// Declare a namespace besides `public` (`CREATE SCHEMA`) that may hold nothing yet; the
    /// namespaces of declared tables (`#[table(schema = "billing")]`), sequences and views
    /// (`View::new("billing.open_invoices", ...)`) are declared by their names.
    pub fn namespace(mut self, name: impl Into<String>) -> Self {
        self.schemas.push(name.into());
        self
    }

    /// Declare that an enum type, sequence, view or function was known by another name or lived
    /// in another namespace: `.renamed(ObjectRename::enum_type("status", "billing.status"))`.
    /// The plan moves it (`ALTER TYPE ... SET SCHEMA`, then `RENAME TO` if the name changes)
    /// instead of dropping and creating it.
    pub fn renamed(mut self, rename: ObjectRename) -> Self {
        self.object_renames.push(rename);
        self
    }

    /// Add a sequence: a free one (a column takes its values with `default_sql(seq.nextval())`),
    /// or one `owned_by` a column.
    pub fn sequence(mut self, sequence: Sequence) -> Self {
        self.sequences.push(sequence);
        self
    }

    /// Add a view or a materialized view, its query as SQL:
    /// `.view(View::new("open_invoices", "SELECT id, total FROM invoices WHERE paid_at IS NULL"))`.
    pub fn view(mut self, view: View) -> Self {
        self.views.push(view);
        self
    }

    /// Add an extension, created before the tables whose columns use its types or functions:
    /// `.extension(Extension::new("citext"))`, `.extension(Extension::new("hstore").version("1.8"))`.
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Add a collation, created before the columns and indexes that use it:
    /// `.collation(Collation::icu("case_insensitive", "und-u-ks-level2").nondeterministic())`.
    pub fn collation(mut self, collation: Collation) -> Self {
        self.collations.push(collation);
        self
    }

    /// Add a domain, created before the columns of its type:
    /// `.domain(Domain::new("positive_cents", ColumnType::BigInt).check("positive_cents_check", "VALUE > 0"))`.
    pub fn domain(mut self, domain: Domain) -> Self {
        self.domains.push(domain);
        self
    }

    /// Read the current tenant for row-level security from this session setting instead of
    /// `app.current_organization_id`.
    pub fn tenant_setting(mut self, setting: impl Into<String>) -> Self {
        self.tenant_setting = setting.into();
        self
    }

    /// Read the acting user recorded in audit rows from this session setting instead of
    /// `app.current_user_id`.
    pub fn actor_setting(mut self, setting: impl Into<String>) -> Self {
        self.actor_setting = setting.into();
        self
    }

    /// Add a function written by hand, created before the triggers that call it. A
    /// `SECURITY DEFINER` function must pin its `search_path` (the builder refuses it otherwise),
    /// and none may take the name of a function the builder writes (`set_updated_at`,
    /// `audit_row_change`, a lookup's). The roles its `execute` names get USAGE on its namespace
    /// outside `public`.
    ///
    /// ```
    /// use schema_core::model::{Function, Parallel, Volatility};
    /// use schema_core::prelude::*;
    ///
    /// let declared = SchemaBuilder::new()
    ///     .function(Function {
    ///         name: "cents_to_units".into(),
    ///         arguments: "cents bigint".into(),
    ///         argument_defaults: Vec::new(),
    ///         returns: "numeric".into(),
    ///         language: "sql".into(),
    ///         volatility: Volatility::Immutable,
    ///         strict: true,
    ///         parallel: Parallel::Safe,
    ///         cost: None,
    ///         rows: None,
    ///         security_definer: false,
    ///         search_path: None,
    ///         execute: None,
    ///         settings: Default::default(),
    ///         body: "SELECT cents / 100.0".into(),
    ///         sql_body: false,
    ///     })
    ///     .build()
    ///     .unwrap();
    /// assert!(declared.schema.function("cents_to_units").is_some());
    /// ```
    pub fn function(mut self, function: Function) -> Self {
        self.hand_written.functions.push(function);
        self
    }

    /// Add a trigger written by hand to `table` (named as the model spells it: `invoices`,
    /// `billing.invoices`). Its function is one of [`SchemaBuilder::function`] or one Postgres
    /// has; the names of the builder's triggers (`set_updated_at`, `audit_row_change`) are taken.
    ///
    /// ```
    /// use schema_core::model::{Function, Trigger, TriggerEvent, TriggerTiming, Volatility};
    /// use schema_core::prelude::*;
    ///
    /// #[derive(Table)]
    /// #[table(global)]
    /// pub struct Country {
    ///     #[column(primary_key)]
    ///     pub code: String,
    ///     pub name: String,
    ///     pub created_at: Timestamp,
    ///     pub updated_at: Timestamp,
    /// }
    ///
    /// let declared = SchemaBuilder::new()
    ///     .table::<Country>()
    ///     .function(Function {
    ///         name: "upper_code".into(),
    ///         arguments: String::new(),
    ///         argument_defaults: Vec::new(),
    ///         returns: "trigger".into(),
    ///         language: "plpgsql".into(),
    ///         volatility: Volatility::Volatile,
    ///         strict: false,
    ///         parallel: Default::default(),
    ///         cost: None,
    ///         rows: None,
    ///         security_definer: false,
    ///         search_path: None,
    ///         execute: None,
    ///         settings: Default::default(),
    ///         body: "BEGIN NEW.code := upper(NEW.code); RETURN NEW; END".into(),
    ///         sql_body: false,
    ///     })
    ///     .trigger(
    ///         "countries",
    ///         Trigger {
    ///             name: "countries_upper_code".into(),
    ///             timing: TriggerTiming::Before,
    ///             events: vec![TriggerEvent::Insert, TriggerEvent::Update],
    ///             update_columns: vec!["code".into()],
    ///             old_table: None,
    ///             new_table: None,
    ///             for_each_row: true,
    ///             function: "upper_code".into(),
    ///             arguments: Vec::new(),
    ///             when: None,
    ///         },
    ///     )
    ///     .build()
    ///     .unwrap();
    /// let countries = declared.schema.table("countries").unwrap();
    /// assert!(countries.triggers.iter().any(|t| t.name == "countries_upper_code"));
    /// ```
    pub fn trigger(mut self, table: impl Into<String>, trigger: Trigger) -> Self {
        self.hand_written.triggers.push((table.into(), trigger));
        self
    }

    /// Add a row-level security policy written by hand to `table`, besides the builder's
    /// `tenant_isolation` (whose name is taken). The table must have row-level security (a
    /// tenant table or the tenant root): Postgres ignores a policy on a table without it. A
    /// restrictive policy narrows what the tenant policy lets through.
    ///
    /// ```
    /// use schema_core::model::{Policy, PolicyCommand};
    /// use schema_core::prelude::*;
    ///
    /// #[derive(Table)]
    /// #[table(tenant_root)]
    /// pub struct Organization {
    ///     #[column(primary_key)]
    ///     pub id: OrganizationId,
    ///     pub created_at: Timestamp,
    ///     pub updated_at: Timestamp,
    /// }
    ///
    /// #[derive(Table)]
    /// pub struct Document {
    ///     #[column(primary_key, default_sql = "gen_random_uuid()")]
    ///     pub id: Uuid,
    ///     pub organization_id: OrganizationId,
    ///     pub archived: bool,
    ///     pub created_at: Timestamp,
    ///     pub updated_at: Timestamp,
    /// }
    ///
    /// let declared = SchemaBuilder::new()
    ///     .table::<Organization>()
    ///     .table::<Document>()
    ///     .policy(
    ///         "documents",
    ///         Policy {
    ///             name: "documents_not_archived".into(),
    ///             command: PolicyCommand::Update,
    ///             permissive: false,
    ///             roles: Vec::new(),
    ///             using: Some("NOT archived".into()),
    ///             with_check: None,
    ///         },
    ///     )
    ///     .build()
    ///     .unwrap();
    /// let documents = declared.schema.table("documents").unwrap();
    /// assert_eq!(documents.policies.len(), 2);
    /// ```
    pub fn policy(mut self, table: impl Into<String>, policy: Policy) -> Self {
        self.hand_written.policies.push((table.into(), policy));
        self
    }

    /// Grant privileges on `table` to a role other than the application role (whose grants the
    /// builder writes): a reporting role, a replication user. One grant per role and table. On a
    /// table outside `public` the role also gets USAGE on its namespace, without which the
    /// privilege is of no use (as the application role does; see [`hand_written_usage`]).
    ///
    /// ```
    /// use schema_core::model::{Grant, Privilege};
    /// use schema_core::prelude::*;
    ///
    /// #[derive(Table)]
    /// #[table(global)]
    /// pub struct Country {
    ///     #[column(primary_key)]
    ///     pub code: String,
    ///     pub created_at: Timestamp,
    ///     pub updated_at: Timestamp,
    /// }
    ///
    /// let declared = SchemaBuilder::new()
    ///     .app_role("app")
    ///     .table::<Country>()
    ///     .grant("countries", Grant::table("reporting", vec![Privilege::Select]))
    ///     .build()
    ///     .unwrap();
    /// let countries = declared.schema.table("countries").unwrap();
    /// let roles: Vec<&str> = countries.grants.iter().map(|g| g.role.as_str()).collect();
    /// assert_eq!(roles, ["app", "reporting"]);
    /// ```
    pub fn grant(mut self, table: impl Into<String>, grant: Grant) -> Self {
        self.hand_written.grants.push((table.into(), grant));
        self
    }

    /// Validate the tables together and assemble the schema.
    pub fn build(self) -> Result<DeclaredSchema, SchemaErrors> {
        let mut violations = Vec::new();
        let defs = self.tables;

        check_duplicate_tables(&defs, &mut violations);
        check_column_kinds(&defs, &mut violations);
        let root = find_root(&defs, &mut violations);
        let enums = collect_enums(&defs, &mut violations);

        let mut schema = Schema {
            schemas: self.schemas,
            schema_usage: Default::default(),
            enums,
            functions: Vec::new(),
            tables: defs.iter().map(|d| d.table.clone()).collect(),
            sequences: self.sequences,
            views: self.views,
            extensions: self.extensions,
            collations: self.collations,
            domains: self.domains,
        };
        for def in &defs {
            let table = schema.table_mut(&def.table.name).expect("just added");
            if def.tenancy == Tenancy::Tenant && table.column(TENANT_COLUMN).is_none() {
                violations.push(Violation::TenantTableWithoutTenantColumn {
                    table: table.name.clone(),
                });
            }
        }
        if let Some(root) = &root {
            add_tenant_foreign_keys(&mut schema, &defs, root);
        }
        scope_foreign_keys_to_tenant(&mut schema, &defs);
        add_row_level_security(&mut schema, &defs, root.as_deref(), &self.tenant_setting);
        triggers::add_updated_at_triggers(&mut schema);
        add_audit(
            &mut schema,
            &defs,
            &self.tenant_setting,
            &self.actor_setting,
            &mut violations,
        );
        if let Some(role) = &self.app_role {
            add_app_grants(&mut schema, &defs, role, &self.writable, &mut violations);
        }
        add_lookups(
            &mut schema,
            &self.lookups,
            self.app_role.as_ref(),
            &mut violations,
        );
        hand_written::add(
            &mut schema,
            self.hand_written,
            &self.lookups,
            self.app_role.as_deref(),
            &mut violations,
        );
        if let Some(role) = &self.app_role {
            add_app_schema_usage(&mut schema, role);
        }
        check_columns_exist(&schema, &mut violations);
        check_partition_keys(&schema, &mut violations);
        check_foreign_keys(&schema, &mut violations);
        check_identity_types(&schema, &mut violations);
        add_foreign_key_indexes(&mut schema);
        check_names(&schema, &mut violations);

        if !violations.is_empty() {
            return Err(SchemaErrors { violations });
        }
        schema.canonicalize();
        let renames = Renames {
            tables: defs
                .iter()
                .filter_map(|d| {
                    d.renamed_from.as_ref().map(|from| TableRename {
                        from: from.clone(),
                        to: d.table.name.clone(),
                    })
                })
                .collect(),
            columns: defs
                .iter()
                .flat_map(|d| d.column_renames.iter().cloned())
                .collect(),
            objects: {
                let mut objects = self.object_renames;
                for rename in defs.iter().flat_map(|d| d.enum_renames.iter()) {
                    if !objects.contains(rename) {
                        objects.push(rename.clone());
                    }
                }
                objects
            },
        };
        Ok(DeclaredSchema {
            schema,
            renames,
            tables: defs,
            tenant_setting: self.tenant_setting,
            actor_setting: self.actor_setting,
            app_role: self.app_role,
        })
    }
}

fn check_duplicate_tables(defs: &[TableDef], violations: &mut Vec<Violation>) {
    let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for def in defs {
        by_name
            .entry(&def.table.name)
            .or_default()
            .push(def.rust_name.clone());
    }
    for (name, declared_by) in by_name {
        if declared_by.len() > 1 {
            violations.push(Violation::DuplicateTable {
                table: name.to_owned(),
                declared_by,
            });
        }
    }
}

/// The kinds a column of this type may declare; `None` when any kind may (user-defined types).
fn kinds_for(ty: &ColumnType) -> Option<&'static [&'static str]> {
    Some(match ty.element() {
        ColumnType::SmallInt | ColumnType::Integer => &["integer"],
        ColumnType::BigInt => &["integer", "money"],
        ColumnType::Real | ColumnType::DoublePrecision => &["float"],
        ColumnType::Numeric(_) => &["decimal"],
        ColumnType::Text | ColumnType::Varchar(_) | ColumnType::Char(_) => &["text", "password hash"],
        ColumnType::Bytea => &["bytes", "token hash"],
        ColumnType::Json | ColumnType::Jsonb => &["json"],
        ColumnType::Boolean
        | ColumnType::Uuid
        | ColumnType::Timestamptz
        | ColumnType::Timestamp
        | ColumnType::Date
        | ColumnType::Time
        | ColumnType::Interval
        | ColumnType::Inet
        | ColumnType::Cidr
        | ColumnType::Enum(_) => &["plain"],
        ColumnType::Array(_) | ColumnType::Other(_) => return None,
    })
}

/// Every column's declared kind matches its column type: the compile-time standards trust the
/// kind, and a `SqlType` impl of one's own chooses it.
fn check_column_kinds(defs: &[TableDef], violations: &mut Vec<Violation>) {
    for def in defs {
        for declared in &def.column_kinds {
            let Some(column) = def.table.column(&declared.column) else {
                continue;
            };
            // A type spelled as text (`Other("double precision")`) is judged as what it names.
            let ty = match &column.ty {
                ColumnType::Other(sql) => ColumnType::parse(sql),
                other => other.clone(),
            };
            if let Some(expected) = kinds_for(&ty)
                && !expected.contains(&declared.kind.as_str())
            {
                violations.push(Violation::KindMismatch {
                    table: def.table.name.clone(),
                    column: column.name.clone(),
                    kind: declared.kind.clone(),
                    column_type: column.ty.to_string(),
                    expected,
                });
            }
        }
    }
}

fn find_root(defs: &[TableDef], violations: &mut Vec<Violation>) -> Option<String> {
    let roots: Vec<String> = defs
        .iter()
        .filter(|d| d.tenancy == Tenancy::Root)
        .map(|d| d.table.name.clone())
        .collect();
    let has_tenant_tables = defs.iter().any(|d| d.tenancy == Tenancy::Tenant);
    match roots.len() {
        0 if has_tenant_tables => {
            violations.push(Violation::NoTenantRoot);
            None
        }
        0 => None,
        1 => roots.into_iter().next(),
        _ => {
            violations.push(Violation::SeveralTenantRoots { tables: roots });
            None
        }
    }
}

fn collect_enums(defs: &[TableDef], violations: &mut Vec<Violation>) -> Vec<EnumType> {
    let mut enums: BTreeMap<String, (EnumType, Vec<String>)> = BTreeMap::new();
    let mut conflicts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for def in defs {
        for enum_type in &def.enums {
            match enums.get_mut(&enum_type.name) {
                Some((existing, users)) => {
                    users.push(def.table.name.clone());
                    if existing.values != enum_type.values {
                        let entry = conflicts.entry(enum_type.name.clone()).or_default();
                        entry.extend(users.iter().cloned());
                    }
                }
                None => {
                    enums.insert(
                        enum_type.name.clone(),
                        (enum_type.clone(), vec![def.table.name.clone()]),
                    );
                }
            }
        }
    }
    for (name, tables) in conflicts {
        violations.push(Violation::EnumConflict {
            name,
            tables: tables.into_iter().collect(),
        });
    }
    let table_names: BTreeSet<&str> = defs.iter().map(|d| d.table.name.as_str()).collect();
    for name in enums.keys() {
        if table_names.contains(name.as_str()) {
            violations.push(Violation::EnumNameTaken { name: name.clone() });
        }
    }
    enums.into_values().map(|(e, _)| e).collect()
}

fn add_tenant_foreign_keys(schema: &mut Schema, defs: &[TableDef], root: &str) {
    let root_key: Vec<String> = schema
        .table(root)
        .and_then(|t| t.primary_key.as_ref())
        .map(|pk| pk.columns.clone())
        .unwrap_or_else(|| vec!["id".to_owned()]);
    for def in defs.iter().filter(|d| d.tenancy == Tenancy::Tenant) {
        let table = schema.table_mut(&def.table.name).expect("declared");
        if table.column(TENANT_COLUMN).is_none() {
            continue;
        }
        let columns = vec![TENANT_COLUMN.to_owned()];
        let declared = table.foreign_keys.iter().any(|fk| fk.columns == columns);
        if !declared {
            table.foreign_keys.push(ForeignKey {
                name: ident::foreign_key_name(&table.name, &columns),
                columns,
                referenced_table: root.to_owned(),
                referenced_columns: root_key.clone(),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
                deferrable: Default::default(),
                match_full: false,
                on_delete_set_columns: Vec::new(),
                not_valid: false,
            });
        }
    }
}

/// A foreign key between two tenant tables includes `organization_id` on both sides, so a row can
/// only reference a row of its own organization. Postgres checks foreign keys and runs their
/// actions without row-level security; a single-column key would let tenant A point at B's row
/// (and learn that it exists), block B's deletes, or have B's cascade delete A's rows.
///
/// A key declared on one column (`references = Customer`) becomes `(organization_id, customer_id)
/// REFERENCES customers (organization_id, id)`; one declared with `organization_id` among its
/// columns is kept. `ON DELETE SET NULL`/`SET DEFAULT` then set only the key's own columns (the
/// tenant column is NOT NULL and must not change). The referenced table gets a unique constraint
/// on `(organization_id, id)` unless a key on those columns exists: its primary key stays `id`.
/// Keys to global tables and to the tenant root stay single-column.
fn scope_foreign_keys_to_tenant(schema: &mut Schema, defs: &[TableDef]) {
    let is_tenant_table = |schema: &Schema, name: &str| {
        defs.iter()
            .any(|d| d.table.name == name && d.tenancy == Tenancy::Tenant)
            && schema
                .table(name)
                .is_some_and(|t| t.column(TENANT_COLUMN).is_some())
    };
    let tenant = TENANT_COLUMN.to_owned();
    let mut needed_keys: Vec<(String, Vec<String>)> = Vec::new();
    let names: Vec<String> = schema.tables.iter().map(|t| t.name.clone()).collect();
    for name in names {
        if !is_tenant_table(schema, &name) {
            continue;
        }
        let targets: Vec<bool> = schema
            .table(&name)
            .expect("listed")
            .foreign_keys
            .iter()
            .map(|fk| is_tenant_table(schema, &fk.referenced_table))
            .collect();
        let table = schema.table_mut(&name).expect("listed");
        for (fk, to_tenant_table) in table.foreign_keys.iter_mut().zip(targets) {
            if !to_tenant_table {
                continue;
            }
            if !fk.columns.contains(&tenant) {
                let declared = fk.columns.clone();
                fk.columns.insert(0, tenant.clone());
                fk.referenced_columns.insert(0, tenant.clone());
                if fk.name == ident::foreign_key_name(&name, &declared) {
                    fk.name = ident::foreign_key_name(&name, &fk.columns);
                }
            }
            let scoped = fk
                .columns
                .iter()
                .zip(&fk.referenced_columns)
                .any(|(from, to)| *from == tenant && *to == tenant);
            if !scoped {
                continue;
            }
            if matches!(
                fk.on_delete,
                ReferentialAction::SetNull | ReferentialAction::SetDefault
            ) && fk.on_delete_set_columns.is_empty()
            {
                fk.on_delete_set_columns = fk.columns.iter().filter(|c| **c != tenant).cloned().collect();
            }
            needed_keys.push((fk.referenced_table.clone(), fk.referenced_columns.clone()));
        }
    }
    for (target, columns) in needed_keys {
        let Some(table) = schema.table_mut(&target) else {
            continue;
        };
        if !table.has_key_on(&columns) {
            table.uniques.push(UniqueConstraint {
                name: ident::unique_name(&target, &columns),
                columns,
                nulls_not_distinct: false,
                deferrable: Default::default(),
            });
        }
    }
}

fn add_lookups(
    schema: &mut Schema,
    lookups: &[Lookup],
    app_role: Option<&String>,
    violations: &mut Vec<Violation>,
) {
    for lookup in lookups {
        let Some(table) = schema.table(&lookup.table) else {
            continue;
        };
        let mut typed = Vec::new();
        for column in std::iter::once(&lookup.by).chain(&lookup.returns) {
            match table.column(column) {
                Some(c) => typed.push((ident::quote(column), c.ty.sql())),
                None => violations.push(Violation::UnknownColumn {
                    table: lookup.table.clone(),
                    object: lookup.name.clone(),
                    column: column.clone(),
                }),
            }
        }
        if typed.len() != lookup.returns.len() + 1 {
            continue;
        }
        let (by, by_type) = typed.remove(0);
        let returns: Vec<String> = typed.iter().map(|(c, ty)| format!("{c} {ty}")).collect();
        let columns: Vec<&str> = typed.iter().map(|(c, _)| c.as_str()).collect();
        schema.functions.push(Function {
            name: lookup.name.clone(),
            arguments: format!("value {by_type}"),
            argument_defaults: Vec::new(),
            returns: format!("TABLE({})", returns.join(", ")),
            language: "sql".to_owned(),
            volatility: Volatility::Stable,
            strict: false,
            parallel: Default::default(),
            cost: None,
            rows: None,
            security_definer: true,
            search_path: Some(triggers::FUNCTION_SEARCH_PATH.to_owned()),
            execute: Some(app_role.into_iter().cloned().collect()),
            settings: Default::default(),
            sql_body: false,
            body: format!(
                "SELECT {} FROM {} WHERE {by} = $1",
                columns.join(", "),
                ident::quote_qualified(&lookup.table)
            ),
        });
    }
}

/// The application role's grants (see [`SchemaBuilder::app_role`]).
///
/// On a tenant table the app writes only the columns it may choose: its INSERT leaves out the
/// primary key (the database generates it) and generated columns, its UPDATE also leaves out
/// `organization_id`. A key the app could choose would collide with another tenant's row in the
/// primary key, and the unique violation would tell the tenant that the row exists.
fn add_app_grants(
    schema: &mut Schema,
    defs: &[TableDef],
    role: &str,
    writable: &[String],
    violations: &mut Vec<Violation>,
) {
    use Privilege::*;
    for table in &mut schema.tables {
        let def = defs.iter().find(|d| d.table.name == table.name);
        let grant = match def {
            Some(def) if def.rls_exempt.is_some() => continue,
            Some(def) if def.tenancy == Tenancy::Global && !writable.contains(&table.name) => {
                Grant::table(role, vec![Select])
            }
            Some(def) if def.tenancy == Tenancy::Tenant => {
                let key: Vec<&str> = table
                    .primary_key
                    .as_ref()
                    .map(|pk| pk.columns.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                for column in table.columns.iter().filter(|c| key.contains(&c.name.as_str())) {
                    if column.default.is_none() && column.identity.is_none() {
                        violations.push(Violation::AppChoosesTenantKey {
                            table: table.name.clone(),
                            column: column.name.clone(),
                        });
                    }
                }
                let writable_columns = |also_excluded: &[&str]| -> Vec<String> {
                    table
                        .columns
                        .iter()
                        .filter(|c| c.generated.is_none())
                        .filter(|c| {
                            !key.contains(&c.name.as_str()) && !also_excluded.contains(&c.name.as_str())
                        })
                        .map(|c| c.name.clone())
                        .collect()
                };
                Grant {
                    role: role.to_owned(),
                    privileges: vec![Select, Delete],
                    serial_usage: serial_columns(table),
                    columns: vec![
                        ColumnGrant {
                            privilege: Insert,
                            columns: writable_columns(&[]),
                        },
                        ColumnGrant {
                            privilege: Update,
                            columns: writable_columns(&[TENANT_COLUMN]),
                        },
                    ],
                }
            }
            // The root's policy confines its key to the tenant's own id: an INSERT can only
            // collide with the tenant's own row. Global tables declared writable hold no tenant.
            Some(_) => Grant {
                serial_usage: serial_columns(table),
                ..Grant::table(role, vec![Select, Insert, Update, Delete])
            },
            // The audit table: read own organization's rows; written only by the trigger.
            None if table.name == AUDIT_TABLE => Grant::table(role, vec![Select]),
            None => continue,
        };
        table.grants.push(grant);
    }
    // Free sequences hand out values to the column defaults that call them.
    for sequence in &mut schema.sequences {
        sequence.usage.push(role.to_owned());
    }
}

/// USAGE on the namespaces the application role reaches into: those of the tables, sequences and
/// functions it is granted something on, and of the enum types of those tables' columns (a cast
/// to `"billing"."status"` looks the type up). Derived from the grants rather than given to every
/// namespace, so a namespace holding only what the app may not touch stays closed to it; the
/// model keeps the result as data (see [`Schema::schema_usage`]).
fn add_app_schema_usage(schema: &mut Schema, role: &str) {
    let mut namespaces: BTreeSet<String> = BTreeSet::new();
    let mut add = |name: &str| {
        if let (Some(namespace), _) = ident::split_qualified(name) {
            namespaces.insert(namespace.to_owned());
        }
    };
    for table in &schema.tables {
        if !table.grants.iter().any(|g| g.role == role) {
            continue;
        }
        add(&table.name);
        for column in &table.columns {
            if let Some(name) = column.ty.enum_name() {
                add(name);
            }
        }
    }
    for sequence in schema
        .sequences
        .iter()
        .filter(|s| s.usage.iter().any(|r| r == role))
    {
        add(&sequence.name);
    }
    for function in &schema.functions {
        if function
            .execute
            .as_ref()
            .is_some_and(|roles| roles.iter().any(|r| r == role))
        {
            add(&function.name);
        }
    }
    for namespace in namespaces {
        schema
            .schema_usage
            .entry(namespace)
            .or_default()
            .push(role.to_owned());
    }
}

/// The serial columns of `table`: an INSERT that leaves one to its default calls `nextval` on its
/// sequence, which needs USAGE (an identity column needs nothing).
fn serial_columns(table: &crate::model::Table) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|c| c.identity == Some(crate::model::Identity::Serial))
        .map(|c| c.name.clone())
        .collect()
}

/// The tenant predicate: the row's tenant column equals the session's tenant. A missing or empty
/// setting yields NULL, which matches no row, so an unset tenant sees nothing and writes nothing.
pub fn tenant_predicate(column: &str, setting: &str) -> String {
    format!(
        "({} = NULLIF(current_setting({}, true), '')::uuid)",
        ident::quote(column),
        ident::quote_literal(setting)
    )
}

fn add_row_level_security(schema: &mut Schema, defs: &[TableDef], root: Option<&str>, setting: &str) {
    for def in defs {
        let column = match def.tenancy {
            Tenancy::Global => continue,
            _ if def.rls_exempt.is_some() => continue,
            Tenancy::Tenant => TENANT_COLUMN,
            Tenancy::Root => match schema.table(&def.table.name).and_then(|t| t.primary_key.as_ref()) {
                Some(pk) if pk.columns.len() == 1 && Some(def.table.name.as_str()) == root => "id",
                _ => continue,
            },
        };
        let table = schema.table_mut(&def.table.name).expect("declared");
        if table.column(column).is_none() {
            continue;
        }
        table.row_level_security = RowLevelSecurity {
            enabled: true,
            forced: true,
        };
        if !table.policies.iter().any(|p| p.name == TENANT_POLICY) {
            let predicate = tenant_predicate(column, setting);
            table.policies.push(Policy {
                name: TENANT_POLICY.to_owned(),
                command: PolicyCommand::All,
                permissive: true,
                roles: Vec::new(),
                using: Some(predicate.clone()),
                with_check: Some(predicate),
            });
        }
    }
}

/// Audit every `#[table(audited)]` table. The trigger is told which column holds the row's
/// tenant: `organization_id` on tenant tables, the key of the tenant root, none on global tables.
fn add_audit(
    schema: &mut Schema,
    defs: &[TableDef],
    tenant_setting: &str,
    actor_setting: &str,
    violations: &mut Vec<Violation>,
) {
    let audited: Vec<(String, Option<String>)> = defs
        .iter()
        .filter(|d| d.audited)
        .map(|d| {
            let table = &d.table;
            let tenant_column = match d.tenancy {
                Tenancy::Global => None,
                Tenancy::Tenant => table.column(TENANT_COLUMN).map(|c| c.name.clone()),
                Tenancy::Root => match &table.primary_key {
                    Some(pk) if pk.columns.len() == 1 => Some(pk.columns[0].clone()),
                    _ => None,
                },
            };
            (table.name.clone(), tenant_column)
        })
        .collect();
    if audited.is_empty() {
        return;
    }
    if let Some(def) = defs.iter().find(|d| d.table.name == AUDIT_TABLE) {
        violations.push(Violation::ReservedTableName {
            table: AUDIT_TABLE.to_owned(),
            declared_by: def.rust_name.clone(),
        });
        return;
    }
    let predicate = tenant_predicate(TENANT_COLUMN, tenant_setting);
    triggers::add_audit(schema, &audited, &predicate, actor_setting);
}

/// The plain columns of a partition key as Postgres prints it (`RANGE (a, "B")`); expressions
/// are left out.
fn partition_key_columns(by: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (by.find('('), by.rfind(')')) else {
        return Vec::new();
    };
    by[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter_map(
            |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => Some(quoted.replace("\"\"", "\"")),
                None => part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    .then(|| part.to_owned()),
            },
        )
        .collect()
}

fn check_partition_keys(schema: &Schema, violations: &mut Vec<Violation>) {
    for table in &schema.tables {
        let Some(by) = &table.partition_by else {
            continue;
        };
        let key = partition_key_columns(by);
        let keys = table
            .primary_key
            .iter()
            .map(|pk| (&pk.name, &pk.columns))
            .chain(table.uniques.iter().map(|u| (&u.name, &u.columns)));
        for (name, columns) in keys {
            for column in key.iter().filter(|c| !columns.contains(c)) {
                violations.push(Violation::KeyWithoutPartitionKey {
                    table: table.name.clone(),
                    key: name.clone(),
                    column: column.clone(),
                });
            }
        }
    }
}

fn check_columns_exist(schema: &Schema, violations: &mut Vec<Violation>) {
    for table in &schema.tables {
        let mut missing = |object: &str, column: &str| {
            if table.column(column).is_none() {
                violations.push(Violation::UnknownColumn {
                    table: table.name.clone(),
                    object: object.to_owned(),
                    column: column.to_owned(),
                });
            }
        };
        if let Some(pk) = &table.primary_key {
            pk.columns.iter().for_each(|c| missing(&pk.name, c));
        }
        for unique in &table.uniques {
            unique.columns.iter().for_each(|c| missing(&unique.name, c));
        }
        for fk in &table.foreign_keys {
            fk.columns.iter().for_each(|c| missing(&fk.name, c));
        }
        for index in &table.indexes {
            index.key_columns().for_each(|c| missing(&index.name, c));
            index.include.iter().for_each(|c| missing(&index.name, c));
        }
    }
}

fn check_foreign_keys(schema: &Schema, violations: &mut Vec<Violation>) {
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let Some(target) = schema.table(&fk.referenced_table) else {
                violations.push(Violation::ForeignKeyTargetMissing {
                    table: table.name.clone(),
                    foreign_key: fk.name.clone(),
                    target: fk.referenced_table.clone(),
                });
                continue;
            };
            if fk.columns.len() != fk.referenced_columns.len() {
                violations.push(Violation::ForeignKeyColumnCount {
                    table: table.name.clone(),
                    foreign_key: fk.name.clone(),
                });
                continue;
            }
            let is_key = target.has_key_on(&fk.referenced_columns);
            if !is_key {
                violations.push(Violation::ForeignKeyTargetNotKey {
                    table: table.name.clone(),
                    foreign_key: fk.name.clone(),
                    target: fk.referenced_table.clone(),
                    columns: fk.referenced_columns.clone(),
                });
            }
        }
    }
}

fn check_identity_types(schema: &Schema, violations: &mut Vec<Violation>) {
    for table in &schema.tables {
        for column in table.columns.iter().filter(|c| c.identity.is_some()) {
            if !matches!(
                column.ty,
                ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
            ) {
                violations.push(Violation::IdentityNotInteger {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    column_type: column.ty.sql(),
                });
            }
        }
    }
}

/// Every foreign key gets an index on its columns unless one already leads with them: without it,
/// deleting a referenced row scans the referencing table under lock.
fn add_foreign_key_indexes(schema: &mut Schema) {
    for table in &mut schema.tables {
        let mut added: Vec<Index> = Vec::new();
        for fk in &table.foreign_keys {
            let covered = table.has_index_leading_with(&fk.columns)
                || added.iter().any(|i| {
                    i.key_columns()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                        .starts_with(&fk.columns)
                });
            if !covered {
                let columns: Vec<&str> = fk.columns.iter().map(String::as_str).collect();
                added.push(Index::on_columns(
                    ident::index_name(&table.name, &columns),
                    &columns,
                ));
            }
        }
        table.indexes.extend(added);
    }
}

fn check_names(schema: &Schema, violations: &mut Vec<Violation>) {
    let mut too_long = |kind: &'static str, name: &str| {
        if !ident::fits(name) {
            violations.push(Violation::NameTooLong {
                kind,
                name: name.to_owned(),
            });
        }
    };
    for enum_type in &schema.enums {
        too_long("enum type", ident::unqualified(&enum_type.name));
        enum_type.values.iter().for_each(|v| too_long("enum value", v));
    }
    for table in &schema.tables {
        too_long("table", ident::unqualified(&table.name));
        table.columns.iter().for_each(|c| too_long("column", &c.name));
        table.indexes.iter().for_each(|i| too_long("index", &i.name));
        table.constraint_names().for_each(|n| too_long("constraint", n));
        table.policies.iter().for_each(|p| too_long("policy", &p.name));
        table.triggers.iter().for_each(|t| too_long("trigger", &t.name));
    }

    // Tables, indexes and the indexes behind primary keys and unique constraints share the
    // relation namespace of their schema (an index is in its table's): `claim` takes the
    // name qualified as the model qualifies a table's.
    let mut relations: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |name: &str, owner: String, violations: &mut Vec<Violation>| match relations.get(name) {
        Some(first) => violations.push(Violation::DuplicateRelationName {
            name: name.to_owned(),
            first: first.clone(),
            second: owner,
        }),
        None => {
            relations.insert(name.to_owned(), owner);
        }
    };
    for table in &schema.tables {
        claim(&table.name, format!("table `{}`", table.name), violations);
    }
    for table in &schema.tables {
        if let Some(pk) = &table.primary_key {
            claim(
                &ident::sibling(&table.name, &pk.name),
                format!("the primary key of `{}`", table.name),
                violations,
            );
        }
        for unique in &table.uniques {
            claim(
                &ident::sibling(&table.name, &unique.name),
                format!("a unique constraint of `{}`", table.name),
                violations,
            );
        }
        for index in &table.indexes {
            claim(
                &ident::sibling(&table.name, &index.name),
                format!("an index of `{}`", table.name),
                violations,
            );
        }
        let mut seen = BTreeSet::new();
        for name in table.constraint_names() {
            if !seen.insert(name) {
                violations.push(Violation::DuplicateConstraintName {
                    table: table.name.clone(),
                    name: name.to_owned(),
                });
            }
        }
    }
}
