//! The schema model: plain data describing a PostgreSQL schema.
//!
//! Everything here is I/O free and serde-serializable. The same types describe a schema declared in
//! Rust (through the derives), a schema read back from a live database (by `schema-migrate`'s
//! inspector), and the snapshot stored beside each migration. Because the inspector fills these
//! types from the catalogs, they describe what Postgres can hold, not only what the derive emits.
//!
//! [`Schema::canonicalize`] puts a schema into its canonical form: objects sorted by name, so two
//! equal schemas compare equal and serialize byte-identically. Column order and enum value order
//! are kept, because they carry meaning.
//!
//! SQL expressions (defaults, CHECK bodies, index predicates, policy conditions) are stored as SQL
//! text. Text written by hand and text printed by Postgres may spell the same expression
//! differently; `schema-migrate` normalizes by letting Postgres print both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

mod arguments;
pub use arguments::{Argument, ArgumentMode, split_arguments};

/// A whole schema: the tables, enum types, functions, sequences and views of `public` and of any
/// number of other Postgres namespaces.
///
/// Objects in `public` are named as they are (`invoices`); objects in another namespace carry it
/// in their name, `billing.invoices` (see [`crate::ident::split_qualified`]), wherever the model
/// names them: tables, foreign key targets, enum types of columns, sequences, views, functions,
/// trigger functions. So two tables of one name in two namespaces are two objects, and everything
/// in `public` reads, diffs and renders exactly as it did before namespaces existed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The namespaces besides `public` (`CREATE SCHEMA`), sorted in the canonical form, which
    /// adds every namespace an object's name carries. A namespace can be declared empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// `GRANT USAGE ON SCHEMA`: the roles (besides the owner) that may look objects up in each
    /// namespace of [`Schema::schemas`]. A privilege on a table of `billing` is of no use to a
    /// role without USAGE on `billing`. It is data, not derived from the grants on the objects,
    /// so a database whose namespace privileges drifted from its table grants reads back as it
    /// is; the [`crate::SchemaBuilder`] fills it for its application role. Roles sorted and
    /// namespaces without roles left out in the canonical form; `public` is not listed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schema_usage: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<EnumType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
    /// Sequences other than those behind identity and serial columns (which their columns stand
    /// for): free ones, and ones owned by a column that does not take its values from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
    /// Views and materialized views.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
    /// Extensions (`CREATE EXTENSION`), database-wide: what they create (types, functions,
    /// operators) is theirs and not listed anywhere else in the model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// Collations (`CREATE COLLATION`) of the schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collations: Vec<Collation>,
    /// Domains (`CREATE DOMAIN`) of the schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
}

/// An extension: `CREATE EXTENSION name [WITH SCHEMA s] [VERSION v]`.
///
/// Its types (`citext`, `hstore`, ...) are used by columns as [`ColumnType::Other`]; it is
/// created before them and dropped after them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    /// `WITH SCHEMA`: the schema its objects go in. `None`: the schema of the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `VERSION`. `None`: the version the server installs by default (its `default_version`);
    /// a version installed that is not the default is read back as `Some`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Extension {
    /// The extension at its default version, in the schema of the model.
    pub fn new(name: impl Into<String>) -> Self {
        Extension {
            name: name.into(),
            schema: None,
            version: None,
        }
    }

    /// `WITH SCHEMA`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// `VERSION`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// A collation: `CREATE COLLATION name (provider = ..., locale = ..., deterministic = ...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collation {
    pub name: String,
    pub provider: CollationProvider,
    /// The ICU locale, or libc's `LC_COLLATE`.
    pub locale: String,
    /// libc's `LC_CTYPE` when it differs from `LC_COLLATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctype: Option<String>,
    /// `deterministic = false` (ICU only): strings that compare equal need not be byte-equal
    /// (case- or accent-insensitive comparison).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub deterministic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollationProvider {
    Icu,
    Libc,
}

impl Collation {
    /// An ICU collation.
    pub fn icu(name: impl Into<String>, locale: impl Into<String>) -> Self {
        Collation {
            name: name.into(),
            provider: CollationProvider::Icu,
            locale: locale.into(),
            ctype: None,
            deterministic: true,
        }
    }

    /// A libc collation (`LC_COLLATE` and `LC_CTYPE` both `locale`).
    pub fn libc(name: impl Into<String>, locale: impl Into<String>) -> Self {
        Collation {
            provider: CollationProvider::Libc,
            ..Collation::icu(name, locale)
        }
    }

    /// `deterministic = false`.
    pub fn nondeterministic(mut self) -> Self {
        self.deterministic = false;
        self
    }
}

/// A domain: `CREATE DOMAIN name AS type [COLLATE c] [DEFAULT e] [NOT NULL] [CHECK ...]`. Columns
/// of the domain use it as [`ColumnType::Other`] (its name, as Postgres prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub name: String,
    pub data_type: ColumnType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_null: bool,
    /// Its CHECK constraints (the expression names `VALUE`), sorted by name in the canonical form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
}

impl Domain {
    pub fn new(name: impl Into<String>, data_type: ColumnType) -> Self {
        Domain {
            name: name.into(),
            data_type,
            collation: None,
            default: None,
            not_null: false,
            checks: Vec::new(),
        }
    }

    /// `CHECK (expression)`, named `name`.
    pub fn check(mut self, name: impl Into<String>, expression: impl Into<String>) -> Self {
        self.checks.push(CheckConstraint {
            name: name.into(),
            expression: expression.into(),
            not_valid: false,
            no_inherit: false,
        });
        self
    }

    pub fn not_null(mut self) -> Self {
        self.not_null = true;
        self
    }

    pub fn default_sql(mut self, expression: impl Into<String>) -> Self {
        self.default = Some(expression.into());
        self
    }
}

/// A view or a materialized view: a name for a query.
///
/// The tables and views it reads are found in the query (any identifier naming one): they are
/// created before it, and a change to their columns rebuilds it around the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    /// The `SELECT`, as SQL, without a trailing semicolon. Postgres prints it back in its own
    /// spelling; `schema-migrate` normalizes by letting Postgres print both sides.
    pub query: String,
    /// `CREATE MATERIALIZED VIEW`: the rows are stored, and read again with `REFRESH
    /// MATERIALIZED VIEW [CONCURRENTLY]` (concurrently needs a unique index).
    #[serde(default, skip_serializing_if = "is_false")]
    pub materialized: bool,
    /// The indexes of a materialized view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// `COMMENT ON VIEW` / `COMMENT ON MATERIALIZED VIEW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl View {
    /// Whether the query names `relation` (unquoted, folded to lower case, or quoted), outside
    /// string literals. A column of the same name counts too: it only costs a rebuild.
    /// A relation of another namespace counts by its unqualified name (an over-approximation that
    /// only costs a rebuild).
    pub fn names(&self, relation: &str) -> bool {
        let relation = crate::ident::unqualified(relation);
        identifiers(&self.query).any(|identifier| identifier == relation)
    }

    /// A view of `query`.
    pub fn new(name: impl Into<String>, query: impl Into<String>) -> Self {
        View {
            name: name.into(),
            query: query.into().trim().trim_end_matches(';').trim_end().to_owned(),
            materialized: false,
            indexes: Vec::new(),
            comment: None,
        }
    }

    /// A materialized view of `query`.
    pub fn materialized(name: impl Into<String>, query: impl Into<String>) -> Self {
        View {
            materialized: true,
            ..View::new(name, query)
        }
    }

    /// An index of a materialized view (a unique one lets it be refreshed concurrently).
    pub fn index(mut self, index: Index) -> Self {
        self.indexes.push(index);
        self
    }

    /// `COMMENT ON [MATERIALIZED] VIEW`: what the view is for.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

/// A sequence (`CREATE SEQUENCE`), e.g. one that numbers invoices across tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: String,
    /// `AS smallint`, `AS integer` or `AS bigint` (the default).
    #[serde(default = "bigint", skip_serializing_if = "is_bigint")]
    pub data_type: ColumnType,
    #[serde(default, skip_serializing_if = "SequenceOptions::is_default")]
    pub options: SequenceOptions,
    /// `OWNED BY table.column`: the sequence is dropped with the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<ColumnRef>,
    /// Roles granted USAGE (`nextval`, as a column default does), besides the owner. Sorted in
    /// the canonical form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<String>,
}

/// A column of a table, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

fn bigint() -> ColumnType {
    ColumnType::BigInt
}

fn is_bigint(ty: &ColumnType) -> bool {
    *ty == ColumnType::BigInt
}

impl Sequence {
    /// A free `bigint` sequence with the default options.
    pub fn new(name: impl Into<String>) -> Self {
        Sequence {
            name: name.into(),
            data_type: ColumnType::BigInt,
            options: SequenceOptions::default(),
            owned_by: None,
            usage: Vec::new(),
        }
    }

    /// `AS smallint` / `AS integer` / `AS bigint`.
    pub fn data_type(mut self, data_type: ColumnType) -> Self {
        self.data_type = data_type;
        self
    }

    pub fn options(mut self, options: SequenceOptions) -> Self {
        self.options = options;
        self
    }

    /// `OWNED BY table.column`.
    pub fn owned_by(mut self, table: impl Into<String>, column: impl Into<String>) -> Self {
        self.owned_by = Some(ColumnRef {
            table: table.into(),
            column: column.into(),
        });
        self
    }

    /// `nextval('name'::regclass)`, as Postgres prints it in a column default (the name quoted
    /// only when it must be; reserved words aside).
    pub fn nextval(&self) -> String {
        format!(
            "nextval({}::regclass)",
            crate::ident::quote_literal(&crate::ident::as_printed(&self.name))
        )
    }
}

/// A table with its columns, constraints, indexes, row-level security, policies and triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueConstraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "RowLevelSecurity::is_off")]
    pub row_level_security: RowLevelSecurity,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Privileges granted on the table to roles other than its owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `PARTITION BY ...`: the strategy and key as Postgres prints them (`pg_get_partkeydef`),
    /// e.g. `RANGE (created_at)`, `LIST (region)`, `HASH (organization_id)`. A table cannot become
    /// partitioned or stop being so in place: that is an expand/contract migration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// The partitions of a partitioned table. They take the table's columns, keys, partitioned
    /// indexes (each partition gets its local index), checks and foreign keys from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<Partition>,
}

/// A partition of a partitioned table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub name: String,
    /// The bound as Postgres prints it: `FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`,
    /// `FOR VALUES WITH (modulus m, remainder r)` or `DEFAULT`.
    pub bound: String,
}

impl Partition {
    pub fn new(name: impl Into<String>, bound: impl Into<String>) -> Self {
        Partition {
            name: name.into(),
            bound: bound.into(),
        }
    }
}

/// `GRANT privileges, privilege (columns) ON table TO role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: String,
    /// On the whole table (every column, present and future). Sorted in the canonical form.
    pub privileges: Vec<Privilege>,
    /// On some columns only (`GRANT INSERT (a, b)`, read back from `pg_attribute.attacl`): one
    /// entry per privilege that is not also on the whole table, columns sorted, in the canonical
    /// form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnGrant>,
    /// Serial columns whose sequence the role may use (USAGE): an INSERT that leaves the column
    /// to its `nextval` default needs it. Sorted in the canonical form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_usage: Vec<String>,
}

/// A privilege on some columns of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnGrant {
    pub privilege: Privilege,
    pub columns: Vec<String>,
}

impl Grant {
    /// Privileges on the whole table only.
    pub fn table(role: impl Into<String>, privileges: Vec<Privilege>) -> Grant {
        Grant {
            role: role.into(),
            privileges,
            columns: Vec::new(),
            serial_usage: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.privileges.is_empty() && self.columns.is_empty() && self.serial_usage.is_empty()
    }

    /// The columns `privilege` is granted on when it is not granted on the whole table.
    pub fn columns_of(&self, privilege: Privilege) -> &[String] {
        self.columns
            .iter()
            .find(|c| c.privilege == privilege)
            .map_or(&[], |c| c.columns.as_slice())
    }
}

/// A table privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
}

/// A column. `nullable` is false for NOT NULL columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// `COLLATE "name"`, when it is not the type's default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    pub nullable: bool,
    /// The DEFAULT expression, as SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The options of an identity column's sequence (`GENERATED ... AS IDENTITY (START WITH ...)`);
    /// the default options are the default value.
    #[serde(default, skip_serializing_if = "SequenceOptions::is_default")]
    pub identity_options: SequenceOptions,
    /// `GENERATED ALWAYS AS (expr) STORED`: the expression, as SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// How a column generates its own values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`
    ByDefault,
    /// `serial`/`bigserial`/`smallserial`: a sequence owned by the column and a `nextval` default.
    Serial,
}

/// The options of a sequence. `None` means Postgres' default for the sequence's data type and
/// direction (see [`SequenceOptions::resolved`]), so a default spelled out and a default left out
/// compare equal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SequenceOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub cycle: bool,
}

/// Every option of a sequence with its value, defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResolvedSequenceOptions {
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

/// A column's data type.
///
/// The named variants are the types the tool reasons about (for hazards such as narrowing);
/// [`ColumnType::Other`] carries any other type exactly as Postgres' `format_type` prints it, so
/// a live database always fits the model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    SmallInt,
    Integer,
    BigInt,
    Real,
    DoublePrecision,
    /// `numeric`, `numeric(p)` (stored as `(p, 0)`) or `numeric(p, s)`.
    Numeric(Option<(u32, u32)>),
    Text,
    /// `character varying` with an optional maximum length.
    Varchar(Option<u32>),
    /// `character(n)`; a bare `char` is `character(1)`.
    Char(u32),
    Boolean,
    Uuid,
    /// `timestamp with time zone`
    Timestamptz,
    /// `timestamp without time zone`
    Timestamp,
    Date,
    /// `time without time zone`
    Time,
    Interval,
    Json,
    Jsonb,
    Bytea,
    Inet,
    Cidr,
    /// An array of the element type. Postgres does not enforce array dimensions, so none are kept.
    Array(Box<ColumnType>),
    /// A user-defined enum type, by name.
    Enum(String),
    /// Any other type, spelled as `format_type` prints it (e.g. `timestamp(3) with time zone`).
    Other(String),
}

/// The PRIMARY KEY constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
    /// `DEFERRABLE [INITIALLY DEFERRED]`, as a unique constraint's
    /// ([`UniqueConstraint::deferrable`]): Postgres cannot alter it in place, so a change
    /// rebuilds the key; and no foreign key can reference a deferrable key.
    #[serde(default, skip_serializing_if = "Deferrable::is_not_deferrable")]
    pub deferrable: Deferrable,
}

/// A UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    pub name: String,
    pub columns: Vec<String>,
    /// `NULLS NOT DISTINCT` (Postgres 15+): two NULLs conflict.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// `DEFERRABLE [INITIALLY DEFERRED]`: uniqueness is checked at the end of the statement's
    /// transaction (when deferred) instead of row by row. Postgres cannot alter it in place for
    /// a unique constraint, so a change rebuilds the constraint.
    #[serde(default, skip_serializing_if = "Deferrable::is_not_deferrable")]
    pub deferrable: Deferrable,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConstraint {
    pub name: String,
    /// The boolean expression, as SQL, without the surrounding `CHECK (...)`.
    pub expression: String,
    /// Added `NOT VALID` and not validated since: the rows that were there are not known to
    /// pass. Validating is `VALIDATE CONSTRAINT`; a check cannot be un-validated in place, so the
    /// way back drops it and adds it again `NOT VALID` (a catalog change, no scan).
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
    /// `NO INHERIT`: the check does not apply to child tables.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_inherit: bool,
}

/// A FOREIGN KEY constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub referenced_table: String,
    pub referenced_columns: Vec<String>,
    pub on_delete: ReferentialAction,
    /// The columns `ON DELETE SET NULL (...)` / `SET DEFAULT (...)` sets (Postgres 15+); empty
    /// means every referencing column. A tenant-scoped key sets only its own column, never
    /// `organization_id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_delete_set_columns: Vec<String>,
    pub on_update: ReferentialAction,
    #[serde(default, skip_serializing_if = "Deferrable::is_not_deferrable")]
    pub deferrable: Deferrable,
    /// `MATCH FULL`: a multi-column key is either all NULL or all set (the default, `MATCH
    /// SIMPLE`, skips the check as soon as one column is NULL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub match_full: bool,
    /// Added `NOT VALID` and not validated since, as a check's [`CheckConstraint::not_valid`]:
    /// new rows are checked, the rows that were there are not known to reference anything.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

/// `ON DELETE` / `ON UPDATE` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

/// Whether a constraint's check can be deferred to the end of the transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    #[default]
    NotDeferrable,
    InitiallyImmediate,
    InitiallyDeferred,
}

/// An index that does not back a constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// Access method: `btree`, `hash`, `gin`, `gist`, `brin`, `spgist`, or an extension's.
    #[serde(default = "default_method", skip_serializing_if = "is_default_method")]
    pub method: String,
    pub keys: Vec<IndexKey>,
    /// Columns carried in the index leaf pages (`INCLUDE (...)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// The `WHERE` predicate of a partial index, as SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// `COMMENT ON INDEX`: the index's purpose (which query it serves). Not part of its
    /// definition: a new comment is a catalog change, never a rebuild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One key of an index: a column or an expression, with its ordering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexKey {
    #[serde(flatten)]
    pub target: IndexTarget,
    /// `COLLATE "name"`, when it is not the collation of the column (or, for an expression, the
    /// database default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    #[serde(default, skip_serializing_if = "SortOrder::is_asc")]
    pub order: SortOrder,
    /// `None` is the default for the order (NULLS LAST for ASC, NULLS FIRST for DESC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
}

/// What an index key indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexTarget {
    Column(String),
    /// An expression, as SQL, without the surrounding parentheses.
    Expression(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    First,
    Last,
}

/// A Postgres enum type; the order of `values` is the sort order of the type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
    /// `COMMENT ON TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `ALTER TABLE ... ENABLE/FORCE ROW LEVEL SECURITY`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowLevelSecurity {
    pub enabled: bool,
    /// FORCE: the table owner is subject to the policies too.
    pub forced: bool,
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub command: PolicyCommand,
    /// PERMISSIVE (true) policies are OR-ed together; RESTRICTIVE ones are AND-ed on top.
    pub permissive: bool,
    /// Roles the policy applies to; empty means PUBLIC.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// A function (trigger functions, for the tool's own triggers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    /// The argument list as Postgres prints it (`pg_get_function_identity_arguments`), e.g. `a integer`.
    /// OUT, INOUT and VARIADIC arguments are part of it (as Postgres prints them); the defaults
    /// are not, they are [`Function::argument_defaults`].
    #[serde(default)]
    pub arguments: String,
    /// The `DEFAULT` expressions of the last input arguments (not OUT), in order, as Postgres
    /// prints them (`pg_get_function_arguments`), e.g. `['x'::text, 3]` for `a integer, b text
    /// DEFAULT 'x'::text, c integer DEFAULT 3`. [`Function::arguments_with_defaults`] puts them in
    /// the argument list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argument_defaults: Vec<String>,
    /// The return type as SQL, e.g. `trigger`.
    pub returns: String,
    pub language: String,
    pub volatility: Volatility,
    /// `STRICT` (`RETURNS NULL ON NULL INPUT`): not called when an argument is NULL.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    #[serde(default, skip_serializing_if = "Parallel::is_unsafe")]
    pub parallel: Parallel,
    /// `COST n`, as Postgres prints the number (`procost`); `None` is the language's default
    /// (1 for C and internal functions, 100 for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    /// `ROWS n`, as Postgres prints the number (`prorows`); `None` is the default (1000 for a
    /// set-returning function; others have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub security_definer: bool,
    /// `SET search_path = ...`: the schemas the body resolves names in, pinned so that a caller's
    /// `search_path` cannot redirect them (every generated function pins it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_path: Option<String>,
    /// Who may call it: `None` is Postgres' default (PUBLIC); `Some(roles)` revokes EXECUTE from
    /// PUBLIC and grants it to these roles only (besides the owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute: Option<Vec<String>>,
    /// `SET name = value` options other than `search_path` (`proconfig`), by name, with values
    /// as Postgres keeps them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, String>,
    /// The body, without dollar quotes; with [`Function::sql_body`], a SQL-standard body
    /// (`RETURN expr` or `BEGIN ATOMIC ... END`), written as is.
    pub body: String,
    /// The body is SQL-standard (`pg_proc.prosqlbody`): parsed when the function is created, so
    /// it depends on the tables it reads.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sql_body: bool,
}

impl Function {
    /// A function as `CREATE FUNCTION name(arguments) RETURNS returns LANGUAGE language
    /// volatility AS body` makes it: every other attribute at Postgres' default (not strict,
    /// PARALLEL UNSAFE, the language's cost, invoker's rights, no `SET`, EXECUTE to PUBLIC, no
    /// argument defaults, a body written as a string). Set the others on the value.
    ///
    /// ```
    /// use schema_core::model::{Function, Volatility};
    /// let f = Function::new("title_is_set", "title text", "boolean", "sql", Volatility::Immutable, "SELECT title <> ''");
    /// assert!(!f.strict && !f.security_definer && f.argument_defaults.is_empty());
    /// ```
    pub fn new(
        name: impl Into<String>,
        arguments: impl Into<String>,
        returns: impl Into<String>,
        language: impl Into<String>,
        volatility: Volatility,
        body: impl Into<String>,
    ) -> Self {
        Function {
            name: name.into(),
            arguments: arguments.into(),
            argument_defaults: Vec::new(),
            returns: returns.into(),
            language: language.into(),
            volatility,
            strict: false,
            parallel: Parallel::default(),
            cost: None,
            rows: None,
            security_definer: false,
            search_path: None,
            execute: None,
            settings: BTreeMap::new(),
            body: body.into(),
            sql_body: false,
        }
    }
}

/// `PARALLEL UNSAFE | RESTRICTED | SAFE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parallel {
    #[default]
    Unsafe,
    Restricted,
    Safe,
}

impl Parallel {
    pub fn is_unsafe(&self) -> bool {
        *self == Parallel::Unsafe
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

/// A trigger on a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub timing: TriggerTiming,
    /// Sorted in the canonical form: INSERT, UPDATE, DELETE, TRUNCATE.
    pub events: Vec<TriggerEvent>,
    /// `UPDATE OF` these columns (in the order of the table): the trigger fires only when one is
    /// a target of the UPDATE. Postgres refuses to change the type of such a column, so the
    /// trigger is rebuilt around the change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_columns: Vec<String>,
    /// `REFERENCING OLD TABLE AS name`: the transition table of the old rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_table: Option<String>,
    /// `REFERENCING NEW TABLE AS name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_table: Option<String>,
    pub for_each_row: bool,
    /// The function called, by name (in the same schema).
    pub function: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    /// The `WHEN (...)` condition, as SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

impl SequenceOptions {
    pub fn is_default(&self) -> bool {
        *self == SequenceOptions::default()
    }

    /// The bounds of a sequence of `data_type` (`smallint`, `integer`, anything else is `bigint`).
    pub fn type_range(data_type: &ColumnType) -> (i64, i64) {
        match data_type {
            ColumnType::SmallInt => (i16::MIN.into(), i16::MAX.into()),
            ColumnType::Integer => (i32::MIN.into(), i32::MAX.into()),
            _ => (i64::MIN, i64::MAX),
        }
    }

    /// Every option with its value for a sequence of `data_type`, as `CREATE SEQUENCE` fills in
    /// the ones left out.
    pub fn resolved(&self, data_type: &ColumnType) -> ResolvedSequenceOptions {
        let (type_min, type_max) = SequenceOptions::type_range(data_type);
        let increment = self.increment.unwrap_or(1);
        let ascending = increment > 0;
        let min_value = self.min_value.unwrap_or(if ascending { 1 } else { type_min });
        let max_value = self.max_value.unwrap_or(if ascending { type_max } else { -1 });
        ResolvedSequenceOptions {
            start: self
                .start
                .unwrap_or(if ascending { min_value } else { max_value }),
            increment,
            min_value,
            max_value,
            cache: self.cache.unwrap_or(1),
            cycle: self.cycle,
        }
    }

    /// The options as written down, each default left out: the canonical form of `resolved`.
    pub fn from_resolved(resolved: ResolvedSequenceOptions, data_type: &ColumnType) -> SequenceOptions {
        let mut options = SequenceOptions {
            increment: (resolved.increment != 1).then_some(resolved.increment),
            cache: (resolved.cache != 1).then_some(resolved.cache),
            cycle: resolved.cycle,
            ..SequenceOptions::default()
        };
        let defaults = options.resolved(data_type);
        options.min_value = (resolved.min_value != defaults.min_value).then_some(resolved.min_value);
        options.max_value = (resolved.max_value != defaults.max_value).then_some(resolved.max_value);
        let defaults = options.resolved(data_type);
        options.start = (resolved.start != defaults.start).then_some(resolved.start);
        options
    }

    /// The same options in canonical form: every option equal to its default left out.
    pub fn canonical(&self, data_type: &ColumnType) -> SequenceOptions {
        SequenceOptions::from_resolved(self.resolved(data_type), data_type)
    }
}

/// The identifiers of an SQL text: unquoted ones folded to lower case, quoted ones as written;
/// string literals and comments skipped.
/// `sql` with every identifier `from` (outside string literals and comments, unqualified)
/// spelled `to`, quoted only when it must be: a view's query as Postgres prints it once the
/// relation `from` of its namespace is renamed `to` (a view is bound to its relations by oid and
/// printed with their names). A column of that name is renamed too, which only makes the result
/// differ from what Postgres prints (and costs a rebuild).
pub fn rename_identifier(sql: &str, from: &str, to: &str) -> String {
    let (from, to) = (crate::ident::unqualified(from), crate::ident::unqualified(to));
    let spelled = crate::ident::as_printed(to);
    let mut out = String::with_capacity(sql.len());
    let mut written = 0;
    for (span, name) in identifier_spans(sql) {
        if name == from {
            out.push_str(&sql[written..span.start]);
            out.push_str(&spelled);
            written = span.end;
        }
    }
    out.push_str(&sql[written..]);
    out
}

fn identifiers(sql: &str) -> impl Iterator<Item = String> + '_ {
    identifier_spans(sql).map(|(_, name)| name)
}

/// The identifiers of `sql` outside string literals and comments, each with where it is written
/// (quotes included) and its name (unquoted names folded to lower case).
fn identifier_spans(sql: &str) -> impl Iterator<Item = (std::ops::Range<usize>, String)> + '_ {
    let bytes = sql.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\'' {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                    } else if bytes[i] == b'\'' {
                        i += 1;
                        break;
                    } else {
                        i += 1;
                    }
                }
            } else if b == b'-' && bytes.get(i + 1) == Some(&b'-') {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            } else if b == b'"' {
                let start = i + 1;
                let mut name = String::new();
                i = start;
                while i < bytes.len() {
                    if bytes[i] == b'"' && bytes.get(i + 1) == Some(&b'"') {
                        name.push('"');
                        i += 2;
                    } else if bytes[i] == b'"' {
                        i += 1;
                        break;
                    } else {
                        let ch = sql[i..].chars().next().expect("in bounds");
                        name.push(ch);
                        i += ch.len_utf8();
                    }
                }
                return Some((start - 1..i, name));
            } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                return Some((start..i, sql[start..i].to_lowercase()));
            } else {
                i += 1;
            }
        }
        None
    })
}

impl Schema {
    /// The views, each after the views its query names (a cycle, which Postgres cannot create,
    /// keeps the given order).
    pub fn views_in_dependency_order(&self) -> Vec<&View> {
        let mut ordered: Vec<&View> = Vec::with_capacity(self.views.len());
        let mut pending: Vec<&View> = self.views.iter().collect();
        while !pending.is_empty() {
            let ready = pending.iter().position(|view| {
                pending
                    .iter()
                    .all(|other| other.name == view.name || !view.names(&other.name))
            });
            let view = pending.remove(ready.unwrap_or(0));
            ordered.push(view);
        }
        ordered
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_true(value: &bool) -> bool {
    *value
}

fn yes() -> bool {
    true
}

fn default_method() -> String {
    "btree".to_owned()
}

fn is_default_method(method: &str) -> bool {
    method == "btree"
}

impl RowLevelSecurity {
    pub fn is_off(&self) -> bool {
        !self.enabled && !self.forced
    }
}

impl Deferrable {
    pub fn is_not_deferrable(&self) -> bool {
        *self == Deferrable::NotDeferrable
    }
}

impl SortOrder {
    pub fn is_asc(&self) -> bool {
        *self == SortOrder::Asc
    }
}

impl Schema {
    /// Sort every unordered collection by name so equal schemas are equal values.
    pub fn canonicalize(&mut self) {
        self.schemas = self.namespaces();
        for roles in self.schema_usage.values_mut() {
            roles.sort();
            roles.dedup();
        }
        self.schema_usage.retain(|_, roles| !roles.is_empty());
        self.enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.functions
            .sort_by(|a, b| (&a.name, &a.arguments).cmp(&(&b.name, &b.arguments)));
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        for table in &mut self.tables {
            table.canonicalize();
        }
        self.views.sort_by(|a, b| a.name.cmp(&b.name));
        for view in &mut self.views {
            view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        self.collations.sort_by(|a, b| a.name.cmp(&b.name));
        self.domains.sort_by(|a, b| a.name.cmp(&b.name));
        for domain in &mut self.domains {
            domain.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.sequences.sort_by(|a, b| a.name.cmp(&b.name));
        for sequence in &mut self.sequences {
            sequence.options = sequence.options.canonical(&sequence.data_type);
            sequence.usage.sort();
            sequence.usage.dedup();
        }
    }

    /// The namespaces besides `public`: those declared in [`Schema::schemas`] and those the
    /// objects' names carry, sorted.
    pub fn namespaces(&self) -> Vec<String> {
        let names = self
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .chain(self.enums.iter().map(|e| e.name.as_str()))
            .chain(self.functions.iter().map(|f| f.name.as_str()))
            .chain(self.sequences.iter().map(|s| s.name.as_str()))
            .chain(self.views.iter().map(|v| v.name.as_str()));
        let mut namespaces: Vec<String> = names
            .filter_map(|name| crate::ident::split_qualified(name).0)
            .map(str::to_owned)
            .chain(self.schemas.iter().cloned())
            .filter(|namespace| namespace != crate::ident::DEFAULT_SCHEMA)
            .collect();
        namespaces.sort();
        namespaces.dedup();
        namespaces
    }

    /// This schema in canonical form.
    pub fn canonical(mut self) -> Self {
        self.canonicalize();
        self
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| t.name == name)
    }

    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }

    pub fn sequence(&self, name: &str) -> Option<&Sequence> {
        self.sequences.iter().find(|s| s.name == name)
    }

    pub fn extension(&self, name: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.name == name)
    }

    pub fn collation(&self, name: &str) -> Option<&Collation> {
        self.collations.iter().find(|c| c.name == name)
    }

    pub fn domain(&self, name: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.name == name)
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// Serialize to pretty JSON, in canonical form, ending with a newline.
    pub fn to_json(&self) -> String {
        let canonical = self.clone().canonical();
        let mut json = serde_json::to_string_pretty(&canonical).expect("the model always serializes");
        json.push('\n');
        json
    }

    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str::<Schema>(json).map(Schema::canonical)
    }
}

impl Table {
    /// A table with the given columns and nothing else.
    pub fn new(name: impl Into<String>, columns: Vec<Column>) -> Self {
        Table {
            name: name.into(),
            columns,
            primary_key: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            row_level_security: RowLevelSecurity::default(),
            policies: Vec::new(),
            triggers: Vec::new(),
            grants: Vec::new(),
            comment: None,
            partition_by: None,
            partitions: Vec::new(),
        }
    }

    /// This table, partitioned `by` (e.g. `RANGE (created_at)`).
    pub fn partition_by(mut self, by: impl Into<String>) -> Self {
        self.partition_by = Some(by.into());
        self
    }

    /// This table with one more partition.
    pub fn partition(mut self, partition: Partition) -> Self {
        self.partitions.push(partition);
        self
    }

    pub fn canonicalize(&mut self) {
        for column in &mut self.columns {
            column.identity_options = column.identity_options.canonical(&column.ty);
        }
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.policies.sort_by(|a, b| a.name.cmp(&b.name));
        self.triggers.sort_by(|a, b| a.name.cmp(&b.name));
        self.partitions.sort_by(|a, b| a.name.cmp(&b.name));
        for policy in &mut self.policies {
            policy.roles.sort();
            policy.roles.dedup();
        }
        for trigger in &mut self.triggers {
            trigger.events.sort();
            trigger.events.dedup();
        }
        for grant in &mut self.grants {
            grant.privileges.sort();
            grant.privileges.dedup();
            let table_wide = grant.privileges.clone();
            grant.columns.retain(|c| !table_wide.contains(&c.privilege));
            for columns in &mut grant.columns {
                columns.columns.sort();
                columns.columns.dedup();
            }
            grant.columns.retain(|c| !c.columns.is_empty());
            grant.columns.sort_by_key(|c| c.privilege);
            grant.serial_usage.sort();
            grant.serial_usage.dedup();
        }
        self.grants.retain(|g| !g.is_empty());
        self.grants.sort_by(|a, b| a.role.cmp(&b.role));
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Whether some index, unique constraint or the primary key starts with `columns`, in order,
    /// so that lookups by those columns (e.g. a foreign key's) do not scan the table.
    pub fn has_index_leading_with(&self, columns: &[String]) -> bool {
        let leads = |keys: &[String]| keys.len() >= columns.len() && keys[..columns.len()] == *columns;
        self.primary_key.as_ref().is_some_and(|pk| leads(&pk.columns))
            || self.uniques.iter().any(|u| leads(&u.columns))
            || self.indexes.iter().any(|index| {
                index.predicate.is_none() && index.method == "btree" && {
                    let key_columns: Vec<String> = index
                        .keys
                        .iter()
                        .map_while(|key| match &key.target {
                            IndexTarget::Column(c) => Some(c.clone()),
                            IndexTarget::Expression(_) => None,
                        })
                        .collect();
                    leads(&key_columns)
                }
            })
    }

    /// Whether the primary key, a unique constraint or a full unique index is on exactly these
    /// columns (in any order), as a foreign key's referenced columns must be.
    pub fn has_key_on(&self, columns: &[String]) -> bool {
        let wanted: BTreeSet<&String> = columns.iter().collect();
        let same =
            |keys: &[String]| keys.len() == columns.len() && keys.iter().collect::<BTreeSet<_>>() == wanted;
        self.primary_key.as_ref().is_some_and(|pk| same(&pk.columns))
            || self.uniques.iter().any(|u| same(&u.columns))
            || self.indexes.iter().any(|i| {
                i.unique
                    && i.predicate.is_none()
                    && i.keys.len() == columns.len()
                    && same(&i.key_columns().map(str::to_owned).collect::<Vec<_>>())
            })
    }

    /// Every constraint name of the table (primary key, uniques, checks, foreign keys).
    pub fn constraint_names(&self) -> impl Iterator<Item = &str> {
        self.primary_key
            .iter()
            .map(|pk| pk.name.as_str())
            .chain(self.uniques.iter().map(|u| u.name.as_str()))
            .chain(self.checks.iter().map(|c| c.name.as_str()))
            .chain(self.foreign_keys.iter().map(|f| f.name.as_str()))
    }
}

impl Column {
    /// A NOT NULL column without default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Column {
            name: name.into(),
            ty,
            collation: None,
            nullable: false,
            default: None,
            identity: None,
            identity_options: SequenceOptions::default(),
            generated: None,
            comment: None,
        }
    }

    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// `COLLATE "name"`.
    pub fn collate(mut self, collation: impl Into<String>) -> Self {
        self.collation = Some(collation.into());
        self
    }

    pub fn default_sql(mut self, expression: impl Into<String>) -> Self {
        self.default = Some(expression.into());
        self
    }
}

impl IndexKey {
    pub fn column(name: impl Into<String>) -> Self {
        IndexKey {
            target: IndexTarget::Column(name.into()),
            collation: None,
            opclass: None,
            order: SortOrder::Asc,
            nulls: None,
        }
    }

    pub fn expression(sql: impl Into<String>) -> Self {
        IndexKey {
            target: IndexTarget::Expression(sql.into()),
            collation: None,
            opclass: None,
            order: SortOrder::Asc,
            nulls: None,
        }
    }

    pub fn desc(mut self) -> Self {
        self.order = SortOrder::Desc;
        self
    }
}

impl Index {
    /// A plain btree index on columns.
    pub fn on_columns(name: impl Into<String>, columns: &[&str]) -> Self {
        Index {
            name: name.into(),
            unique: false,
            nulls_not_distinct: false,
            method: default_method(),
            keys: columns.iter().map(|c| IndexKey::column(*c)).collect(),
            include: Vec::new(),
            predicate: None,
            comment: None,
        }
    }

    /// `COMMENT ON INDEX`: the index's purpose.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// The index without its comment: what its definition is (a comment changes without a
    /// rebuild).
    pub fn definition(&self) -> Index {
        Index {
            comment: None,
            ..self.clone()
        }
    }

    /// The columns indexed by plain column keys, in order; expression keys are skipped.
    pub fn key_columns(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(|k| match &k.target {
            IndexTarget::Column(c) => Some(c.as_str()),
            IndexTarget::Expression(_) => None,
        })
    }
}

impl ColumnType {
    /// The type as Postgres spells it in DDL (and as `format_type` prints it). Enum type names are
    /// quoted identifiers.
    pub fn sql(&self) -> String {
        self.to_string()
    }

    /// The innermost element type of an array type, or the type itself.
    pub fn element(&self) -> &ColumnType {
        match self {
            ColumnType::Array(inner) => inner.element(),
            other => other,
        }
    }

    /// The enum type this column type uses, if any (directly or as an array element).
    pub fn enum_name(&self) -> Option<&str> {
        match self.element() {
            ColumnType::Enum(name) => Some(name),
            _ => None,
        }
    }

    /// Parse a type as `format_type` prints it (or as commonly written in DDL). Types that are not
    /// known variants become [`ColumnType::Other`]; enum types cannot be told apart from other
    /// user types by name alone, so callers that know a name is an enum build [`ColumnType::Enum`].
    pub fn parse(sql: &str) -> ColumnType {
        let trimmed = sql.trim();
        if let Some(inner) = trimmed.strip_suffix("[]") {
            return ColumnType::Array(Box::new(ColumnType::parse(inner)));
        }
        let lower = trimmed.to_ascii_lowercase();
        let (base, args) = match lower.find('(') {
            Some(open) if lower.ends_with(')') => {
                let args: Vec<u32> = lower[open + 1..lower.len() - 1]
                    .split(',')
                    .map(|a| a.trim().parse::<u32>())
                    .collect::<Result<_, _>>()
                    .unwrap_or_default();
                (lower[..open].trim().to_owned(), Some(args))
            }
            _ => (lower.clone(), None),
        };
        let args = args.as_deref();
        match (base.as_str(), args) {
            ("smallint" | "int2", None) => ColumnType::SmallInt,
            ("integer" | "int" | "int4", None) => ColumnType::Integer,
            ("bigint" | "int8", None) => ColumnType::BigInt,
            ("real" | "float4", None) => ColumnType::Real,
            ("double precision" | "float8", None) => ColumnType::DoublePrecision,
            ("numeric" | "decimal", None) => ColumnType::Numeric(None),
            ("numeric" | "decimal", Some([p])) => ColumnType::Numeric(Some((*p, 0))),
            ("numeric" | "decimal", Some([p, s])) => ColumnType::Numeric(Some((*p, *s))),
            ("text", None) => ColumnType::Text,
            ("character varying" | "varchar", None) => ColumnType::Varchar(None),
            ("character varying" | "varchar", Some([n])) => ColumnType::Varchar(Some(*n)),
            ("character" | "char" | "bpchar", None) => ColumnType::Char(1),
            ("character" | "char" | "bpchar", Some([n])) => ColumnType::Char(*n),
            ("boolean" | "bool", None) => ColumnType::Boolean,
            ("uuid", None) => ColumnType::Uuid,
            ("timestamp with time zone" | "timestamptz", None) => ColumnType::Timestamptz,
            ("timestamp without time zone" | "timestamp", None) => ColumnType::Timestamp,
            ("date", None) => ColumnType::Date,
            ("time without time zone" | "time", None) => ColumnType::Time,
            ("interval", None) => ColumnType::Interval,
            ("json", None) => ColumnType::Json,
            ("jsonb", None) => ColumnType::Jsonb,
            ("bytea", None) => ColumnType::Bytea,
            ("inet", None) => ColumnType::Inet,
            ("cidr", None) => ColumnType::Cidr,
            _ => ColumnType::Other(trimmed.to_owned()),
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::SmallInt => f.write_str("smallint"),
            ColumnType::Integer => f.write_str("integer"),
            ColumnType::BigInt => f.write_str("bigint"),
            ColumnType::Real => f.write_str("real"),
            ColumnType::DoublePrecision => f.write_str("double precision"),
            ColumnType::Numeric(None) => f.write_str("numeric"),
            ColumnType::Numeric(Some((p, s))) => write!(f, "numeric({p},{s})"),
            ColumnType::Text => f.write_str("text"),
            ColumnType::Varchar(None) => f.write_str("character varying"),
            ColumnType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            ColumnType::Char(n) => write!(f, "character({n})"),
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::Uuid => f.write_str("uuid"),
            ColumnType::Timestamptz => f.write_str("timestamp with time zone"),
            ColumnType::Timestamp => f.write_str("timestamp without time zone"),
            ColumnType::Date => f.write_str("date"),
            ColumnType::Time => f.write_str("time without time zone"),
            ColumnType::Interval => f.write_str("interval"),
            ColumnType::Json => f.write_str("json"),
            ColumnType::Jsonb => f.write_str("jsonb"),
            ColumnType::Bytea => f.write_str("bytea"),
            ColumnType::Inet => f.write_str("inet"),
            ColumnType::Cidr => f.write_str("cidr"),
            ColumnType::Array(inner) => write!(f, "{inner}[]"),
            ColumnType::Enum(name) => f.write_str(&crate::ident::quote_qualified(name)),
            ColumnType::Other(sql) => f.write_str(sql),
        }
    }
}

impl fmt::Display for ReferentialAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        })
    }
}

impl ReferentialAction {
    /// Parse the attribute spelling: `cascade`, `restrict`, `set null`/`set_null`, `set default`,
    /// `no action`. Case-insensitive.
    pub fn parse(text: &str) -> Option<Self> {
        let normalized = text.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        Some(match normalized.as_str() {
            "no action" => ReferentialAction::NoAction,
            "restrict" => ReferentialAction::Restrict,
            "cascade" => ReferentialAction::Cascade,
            "set null" => ReferentialAction::SetNull,
            "set default" => ReferentialAction::SetDefault,
            _ => return None,
        })
    }
}

impl Privilege {
    pub const ALL: [Privilege; 7] = [
        Privilege::Select,
        Privilege::Insert,
        Privilege::Update,
        Privilege::Delete,
        Privilege::Truncate,
        Privilege::References,
        Privilege::Trigger,
    ];

    /// The privilege as `aclexplode` and `GRANT` spell it.
    pub fn sql(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
        }
    }

    pub fn parse(sql: &str) -> Option<Privilege> {
        Privilege::ALL
            .into_iter()
            .find(|p| p.sql().eq_ignore_ascii_case(sql.trim()))
    }
}

impl fmt::Display for PolicyCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        })
    }
}

impl fmt::Display for Volatility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Volatility::Immutable => "IMMUTABLE",
            Volatility::Stable => "STABLE",
            Volatility::Volatile => "VOLATILE",
        })
    }
}

impl fmt::Display for Parallel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Parallel::Unsafe => "UNSAFE",
            Parallel::Restricted => "RESTRICTED",
            Parallel::Safe => "SAFE",
        })
    }
}

impl fmt::Display for TriggerTiming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        })
    }
}

impl fmt::Display for TriggerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        })
    }
}
