//! Introspection: a live Postgres schema read from the catalogs into the [`schema_core::model`].
//!
//! The inspector issues a fixed number of catalog queries ([`QUERY_COUNT`]), one per kind of
//! object, whatever the number of tables: each query reads every object of its kind in the schema
//! and the rows are assembled into tables here. The queries live in `inspect/*.sql`; the schema
//! name is their only parameter (`$1`), never formatted into SQL.
//!
//! Expressions (defaults, checks, predicates, policy conditions, trigger conditions) are kept as
//! Postgres prints them, so a schema read back after being created from the model compares equal
//! to a second reading, whatever the spelling of the original.
//!
//! What the model cannot hold is not silently dropped: it is described in
//! [`Inspection::unsupported`].

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use schema_core::model::{
    Argument, CheckConstraint, Column, ColumnGrant, ColumnRef, ColumnType, Deferrable, EnumType, ForeignKey,
    Function, Grant, Identity, Index, IndexKey, IndexTarget, NullsOrder, Parallel, Partition, Policy,
    PolicyCommand, PrimaryKey, Privilege, ReferentialAction, RowLevelSecurity, Schema, SequenceOptions,
    SortOrder, Table, Trigger, TriggerEvent, TriggerTiming, UniqueConstraint, Volatility, split_arguments,
};
use tokio_postgres::{Client, GenericClient, Row, Statement};

/// The schema of the migration runner's own bookkeeping: no application table can be in it
/// (the inspector reads one schema, and reports no other that holds only this).
pub const HISTORY_SCHEMA: &str = "schema_migrate";

/// The table the migration runner keeps its history in, schema-qualified.
pub const HISTORY_TABLE: &str = "schema_migrate.schema_migrations";

/// Where versions before [`HISTORY_SCHEMA`] kept the history: in the schema of the application's
/// tables, under a name other tools (Rails, dbmate) use too. A table there is the old history,
/// and not inspected, only when it has this tool's history columns; the runner moves it into
/// [`HISTORY_SCHEMA`] on its next run. Any other table of that name is the application's.
pub const LEGACY_HISTORY_TABLE: &str = "schema_migrations";

const RELATIONS_SQL: &str = include_str!("inspect/relations.sql");
const TYPES_SQL: &str = include_str!("inspect/types.sql");
const COLUMNS_SQL: &str = include_str!("inspect/columns.sql");
const CONSTRAINTS_SQL: &str = include_str!("inspect/constraints.sql");
const INDEXES_SQL: &str = include_str!("inspect/indexes.sql");
const POLICIES_SQL: &str = include_str!("inspect/policies.sql");
const FUNCTIONS_SQL: &str = include_str!("inspect/functions.sql");
const TRIGGERS_SQL: &str = include_str!("inspect/triggers.sql");
const COMMENTS_SQL: &str = include_str!("inspect/comments.sql");
const GRANTS_SQL: &str = include_str!("inspect/grants.sql");

mod collations;
mod domains;
mod extensions;
mod partitions;
mod sequences;
mod unmodelled;
mod views;

/// The number of catalog queries one [`inspect`] issues, whatever the size of the schema.
pub const QUERY_COUNT: usize = 16;

/// What to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectOptions {
    /// The Postgres schema (namespace) to read; the model names its objects unqualified.
    pub schema: String,
    /// Other schemas to read (the ones an application declares besides `public`,
    /// [`Schema::schemas`]); the model names their objects `schema.name`. A schema listed that
    /// does not exist reads as empty. Any other schema holding objects is reported.
    pub schemas: Vec<String>,
    /// Tables to leave out, by name. The runner's history table is always left out.
    pub exclude_tables: Vec<String>,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            schema: "public".to_owned(),
            schemas: Vec::new(),
            exclude_tables: Vec::new(),
        }
    }
}

impl InspectOptions {
    /// `public` and the other schemas of `declared` (one model or several: a plan from one to
    /// another reads the schemas of both).
    pub fn declared<'a>(declared: impl IntoIterator<Item = &'a Schema>) -> Self {
        let mut schemas: Vec<String> = declared.into_iter().flat_map(Schema::namespaces).collect();
        schemas.sort();
        schemas.dedup();
        InspectOptions {
            schemas,
            ..InspectOptions::default()
        }
    }

    /// Every schema read, the unqualified one first.
    pub fn all_schemas(&self) -> Vec<String> {
        std::iter::once(self.schema.clone())
            .chain(self.schemas.iter().filter(|s| **s != self.schema).cloned())
            .collect()
    }
}

/// The model's name for `name` in `schema`: unqualified in the schema read unqualified
/// (`primary`), `schema.name` elsewhere.
pub(crate) fn qualify(primary: &str, schema: &str, name: &str) -> String {
    // A name holding a dot is qualified even there (`public.a.b`), as the queries qualify it,
    // so that it does not read as `b` of a schema `a`.
    if schema == primary && !name.contains('.') {
        name.to_owned()
    } else {
        format!("{schema}.{name}")
    }
}

const NAMESPACES_SQL: &str = include_str!("inspect/namespaces.sql");

/// Every schema of the database an application could keep objects in, by name: the system's, the
/// runner's [`HISTORY_SCHEMA`] and the extensions' left out. For reading a database whole, when no
/// declaration says which schemas are the application's (a diff of two databases).
pub async fn namespaces(client: &impl GenericClient) -> Result<Vec<String>, InspectError> {
    let rows = client.query(NAMESPACES_SQL, &[]).await?;
    rows.iter()
        .map(|row| row.try_get("name").map_err(InspectError::from))
        .collect()
}

impl InspectOptions {
    /// `public` and every other schema named in `namespaces` (both sides of a diff of two
    /// databases, so that a schema one of them lacks reads as empty there).
    pub fn whole<'a>(namespaces: impl IntoIterator<Item = &'a String>) -> Self {
        let primary = InspectOptions::default().schema;
        let mut schemas: Vec<String> = namespaces
            .into_iter()
            .filter(|s| **s != primary)
            .cloned()
            .collect();
        schemas.sort();
        schemas.dedup();
        InspectOptions {
            schemas,
            ..InspectOptions::default()
        }
    }
}

/// The result of reading a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The schema, in canonical form.
    pub schema: Schema,
    /// Indexes that are not valid (left by a failed `CREATE INDEX CONCURRENTLY`). They are not in
    /// [`Inspection::schema`]: they enforce nothing and should be dropped and built again.
    pub invalid_indexes: Vec<String>,
    /// `table.constraint` for every CHECK or FOREIGN KEY added `NOT VALID` and not validated yet.
    /// They are in the schema.
    pub unvalidated_constraints: Vec<String>,
    /// Objects of the schema the model cannot represent, one human-readable note each.
    pub unsupported: Vec<String>,
    /// The names the schema's relations and types take that the model does not hold (a
    /// partitioned or foreign table, a domain, an excluded table), each with what it is. A plan
    /// must not create anything under one of them ([`crate::plan::PlanOptions::unmodelled`]).
    pub unmodelled_names: BTreeMap<String, String>,
    /// The types the database's extensions made (as `format_type` prints them, which is how a
    /// column of the model names its type), each with its extension: a plan must not drop an
    /// extension whose types a column keeps ([`crate::plan::PlanOptions::extension_types`]).
    pub extension_types: BTreeMap<String, String>,
    /// The number of catalog queries issued: [`QUERY_COUNT`], whatever the size of the schema.
    pub queries: usize,
}

/// Why a schema could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("reading the catalog failed: {0}")]
    Query(#[from] tokio_postgres::Error),
    #[error("there is no schema named {0:?} in the database (is the schema name right?)")]
    NoSuchSchema(String),
    #[error("unexpected catalog contents: {0}")]
    Catalog(String),
}

/// `pg_collation`'s oid of the database's default collation (`DEFAULT_COLLATION_OID`).
const DEFAULT_COLLATION_OID: u32 = 100;

/// Read the schema `options.schema` of the database behind `client` into the model.
///
/// The queries are pipelined on the connection. Each runs in its own statement, so a schema
/// changed by another session while it is read could be seen half-changed; to read one consistent
/// snapshot, pass a `REPEATABLE READ` transaction as `client`.
pub async fn inspect(
    client: &impl GenericClient,
    options: &InspectOptions,
) -> Result<Inspection, InspectError> {
    inspect_on(&[client], None, options).await
}

/// The catalog queries, in the order [`inspect_on`] sends them.
const QUERIES: [&str; QUERY_COUNT] = [
    RELATIONS_SQL,
    TYPES_SQL,
    COLUMNS_SQL,
    CONSTRAINTS_SQL,
    INDEXES_SQL,
    POLICIES_SQL,
    FUNCTIONS_SQL,
    TRIGGERS_SQL,
    COMMENTS_SQL,
    unmodelled::SQL,
    sequences::SQL,
    views::SQL,
    GRANTS_SQL,
    extensions::SQL,
    collations::SQL,
    domains::SQL,
];

/// Sessions that read one database again and again (verify's throwaway ones), with the catalog
/// queries prepared on them once and planned once (`plan_cache_mode = force_generic_plan`):
/// planning them is about half the time of reading a schema of a few dozen tables. The
/// sessions must do nothing else, and nothing may change the database while it is read: they
/// read no common snapshot.
pub struct Inspector<'a> {
    clients: Vec<&'a Client>,
    /// Query `i`, prepared on `clients[i % clients.len()]`.
    statements: Vec<Statement>,
}

impl<'a> Inspector<'a> {
    pub async fn prepare(clients: &[&'a Client]) -> Result<Inspector<'a>, InspectError> {
        assert!(!clients.is_empty(), "an inspector needs a session");
        for client in clients {
            client
                .batch_execute("SET plan_cache_mode = force_generic_plan")
                .await?;
        }
        let mut statements = Vec::with_capacity(QUERIES.len());
        for (i, sql) in QUERIES.iter().enumerate() {
            statements.push(clients[i % clients.len()].prepare(sql).await?);
        }
        Ok(Inspector {
            clients: clients.to_vec(),
            statements,
        })
    }

    /// The schema as [`inspect`] reads it, the queries spread over the sessions.
    pub async fn inspect(&self, options: &InspectOptions) -> Result<Inspection, InspectError> {
        inspect_on(&self.clients, Some(&self.statements), options).await
    }
}

/// As [`inspect`], with the queries spread over several sessions of one database, which the
/// server answers at once (a session answers its queries one after the other); `prepared`:
/// the statements of [`Inspector`].
async fn inspect_on<C: GenericClient>(
    clients: &[&C],
    prepared: Option<&[Statement]>,
    options: &InspectOptions,
) -> Result<Inspection, InspectError> {
    let schema_names: Vec<String> = options.all_schemas();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&schema_names];
    let params = &params;
    // Every query issued goes through `query`, which counts it. All are sent at once: each
    // connection pipelines its share.
    // (An atomic rather than a `Cell`, so that the future stays `Send` and a caller may spawn it.)
    let issued = AtomicUsize::new(0);
    let query = |sql: &'static str| {
        let n = issued.fetch_add(1, Ordering::Relaxed);
        let client = clients[n % clients.len()];
        async move {
            match prepared {
                Some(statements) => client.query(&statements[n], params).await,
                None => client.query(sql, params).await,
            }
        }
    };
    let (
        relations,
        types,
        columns,
        constraints,
        indexes,
        policies,
        functions,
        triggers,
        comments,
        unmodelled,
        sequences,
        views,
        grants,
        extensions,
        collations,
        domains,
    ) = tokio::try_join!(
        query(QUERIES[0]),
        query(QUERIES[1]),
        query(QUERIES[2]),
        query(QUERIES[3]),
        query(QUERIES[4]),
        query(QUERIES[5]),
        query(QUERIES[6]),
        query(QUERIES[7]),
        query(QUERIES[8]),
        query(QUERIES[9]),
        query(QUERIES[10]),
        query(QUERIES[11]),
        query(QUERIES[12]),
        query(QUERIES[13]),
        query(QUERIES[14]),
        query(QUERIES[15]),
    )?;

    let mut reader = Reader {
        options,
        tables: BTreeMap::new(),
        schema: Schema::default(),
        invalid_indexes: Vec::new(),
        unvalidated_constraints: Vec::new(),
        unsupported: Vec::new(),
        view_indexes: BTreeMap::new(),
        legacy_history: false,
        unmodelled_names: BTreeMap::new(),
        partitions: partitions::Partitions::default(),
        extension_types: BTreeMap::new(),
        attributes: HashMap::new(),
        enum_types: HashMap::new(),
    };
    reader.relations(&relations)?;
    reader.types(&types)?;
    // Before the columns: an identity column's options and a serial are read with its sequence.
    let sequences = sequences::read(&sequences, &schema_names, |table| reader.excluded(table))?;
    reader.columns(&columns, &sequences)?;
    reader.constraints(&constraints)?;
    reader.indexes(&indexes)?;
    reader.policies(&policies)?;
    reader.functions(&functions)?;
    reader.triggers(&triggers)?;
    reader.comments(&comments)?;
    reader.grants(&grants)?;
    let notes = unmodelled::notes(&unmodelled, |table| reader.excluded(table))?;
    reader.unsupported.extend(notes);
    reader.schema.sequences = sequences.sequences;
    for (serial, roles) in sequences.serial_usage {
        let Some(table) = reader.tables.get_mut(&serial.table) else {
            continue;
        };
        for role in roles {
            match table.grants.iter_mut().find(|g| g.role == role) {
                Some(grant) => grant.serial_usage.push(serial.column.clone()),
                None => table.grants.push(Grant {
                    serial_usage: vec![serial.column.clone()],
                    ..Grant::table(role, Vec::new())
                }),
            }
        }
    }
    reader.unsupported.extend(sequences.notes);
    let views = views::read(&views, std::mem::take(&mut reader.view_indexes))?;
    reader.schema.views = views.views;
    reader.unsupported.extend(views.notes);
    let extensions = extensions::read(&extensions)?;
    reader.schema.extensions = extensions.extensions;
    reader.extension_types = extensions.types;
    let collations = collations::read(&collations)?;
    reader.schema.collations = collations.collations;
    reader.unsupported.extend(collations.notes);
    reader.schema.domains = domains::read(&domains)?;
    Ok(reader.finish(issued.load(Ordering::Relaxed)))
}

/// Assembles the rows of the catalog queries into the model.
struct Reader<'a> {
    options: &'a InspectOptions,
    tables: BTreeMap<String, Table>,
    schema: Schema,
    invalid_indexes: Vec<String>,
    unvalidated_constraints: Vec<String>,
    unsupported: Vec<String>,
    /// The indexes of materialized views, by view.
    view_indexes: BTreeMap<String, Vec<Index>>,
    /// The schema holds the runner's history as versions before [`HISTORY_SCHEMA`] kept it.
    legacy_history: bool,
    unmodelled_names: BTreeMap<String, String>,
    partitions: partitions::Partitions,
    extension_types: BTreeMap<String, String>,
    /// Every column of the relations read, by relation oid and attnum: its name and collation
    /// (constraint and index keys come as attnums).
    attributes: HashMap<(u32, i16), (String, u32)>,
    /// The enums of the schemas read, by the oid of the type and of its array type (`true`).
    enum_types: HashMap<u32, (String, bool)>,
}

impl Reader<'_> {
    /// Whether `schema` is one of the schemas read.
    fn reads(&self, schema: &str) -> bool {
        schema == self.options.schema || self.options.schemas.iter().any(|s| s == schema)
    }

    /// The model's name of `name` in `schema` (see [`qualify`]).
    fn qualify(&self, schema: &str, name: &str) -> String {
        qualify(&self.options.schema, schema, name)
    }

    fn excluded(&self, table: &str) -> bool {
        (self.legacy_history && table == LEGACY_HISTORY_TABLE)
            || self.options.exclude_tables.iter().any(|t| t == table)
    }

    fn note(&mut self, note: String) {
        self.unsupported.push(note);
    }

    /// `name` is taken in the schema by an object the model does not hold.
    fn occupied(&mut self, name: &str, what: &str) {
        self.unmodelled_names
            .entry(name.to_owned())
            .or_insert_with(|| what.to_owned());
    }

    fn relations(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        let mut primary_found = false;
        for row in rows {
            let schema: String = row.try_get("schema")?;
            if schema == self.options.schema {
                primary_found = true;
            } else if !self.schema.schemas.contains(&schema) {
                // The other schemas read that exist: a declared one that does not is created.
                let usage: Vec<String> = row.try_get("schema_usage")?;
                if !usage.is_empty() {
                    self.schema.schema_usage.insert(schema.clone(), usage);
                }
                let unmodelled: Vec<String> = row.try_get("schema_acl_unmodelled")?;
                if !unmodelled.is_empty() {
                    self.note(format!(
                        "schema {schema} grants {}, which the model does not keep (only USAGE to a role)",
                        unmodelled.join(", ")
                    ));
                }
                self.schema.schemas.push(schema);
            }
        }
        if !primary_found {
            return Err(InspectError::NoSuchSchema(self.options.schema.clone()));
        }
        for row in rows {
            // The schema's own row, when it holds no relation.
            let Some(name) = row.try_get::<_, Option<String>>("name")? else {
                continue;
            };
            let kind: String = row.try_get("kind")?;
            if row.try_get::<_, bool>("is_legacy_history")? {
                self.legacy_history = true;
            }
            if self.excluded(&name) {
                self.occupied(&name, "a table left out of the comparison");
                continue;
            }
            match kind.as_str() {
                _ if row.try_get::<_, bool>("is_partition")? => {
                    let parent: Option<String> = row.try_get("partition_of")?;
                    let bound: Option<String> = row.try_get("partition_bound")?;
                    match (parent, bound) {
                        (Some(parent), Some(bound)) if kind == "r" => {
                            self.partitions.found(parent, Partition::new(name, bound));
                        }
                        _ => {
                            self.note(format!(
                                "table {name} is a partition that is partitioned itself or whose table is \
                                 in another schema, which the model cannot represent"
                            ));
                            self.occupied(&name, "a partition");
                        }
                    }
                }
                "r" | "p" => {
                    if row.try_get::<_, bool>("inherits")? {
                        self.note(format!(
                            "table {name} inherits from another table; the inheritance is not represented"
                        ));
                    }
                    let persistence: String = row.try_get("persistence")?;
                    if persistence == "u" {
                        self.note(format!(
                            "table {name} is UNLOGGED; the model reads it as a logged table"
                        ));
                    }
                    let mut table = Table::new(name.clone(), Vec::new());
                    table.row_level_security = RowLevelSecurity {
                        enabled: row.try_get("rls_enabled")?,
                        forced: row.try_get("rls_forced")?,
                    };
                    table.partition_by = row.try_get("partition_by")?;
                    self.tables.insert(name, table);
                }
                // Read with their queries by `views`.
                "v" | "m" => {}
                "f" => {
                    self.note(format!("foreign table {name} is not represented"));
                    self.occupied(&name, "a foreign table");
                }
                "c" => {
                    self.note(format!("composite type {name} is not represented"));
                    self.occupied(&name, "a composite type");
                }
                // Read with their options by `sequences`.
                "S" => {}
                other => {
                    self.note(format!("relation {name} of kind {other:?} is not represented"));
                    self.occupied(&name, "a relation");
                }
            }
        }
        for (partition, table) in self.partitions.attach(&mut self.tables) {
            self.note(format!(
                "table {partition} is a partition of {table}, which is not compared"
            ));
            self.occupied(&partition, "a partition");
        }
        Ok(())
    }

    /// Notes what a partition of a table of the model has of its own (see [`partitions`]);
    /// whether the row was a partition's.
    fn partition_own(&mut self, table: &str, what: &str, name: &str, inherited: bool) -> bool {
        if !self.partitions.contains(table) {
            return false;
        }
        // A partition's index, its own or its table's, takes a relation name a plan must not.
        if what == "index" {
            self.occupied(
                &schema_core::ident::sibling(table, name),
                &format!("an index of the partition {table}"),
            );
        }
        if !inherited {
            self.note(format!(
                "{what} {table}.{name} belongs to the partition, not to its table; it is not represented"
            ));
        }
        true
    }

    fn types(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let name: String = row.try_get("name")?;
            let kind: String = row.try_get("kind")?;
            if kind == "e" {
                self.enum_types.insert(row.try_get("oid")?, (name.clone(), false));
                self.enum_types
                    .insert(row.try_get("array_oid")?, (name.clone(), true));
            }
            // An extension's type is the extension's: only its columns' type is named.
            if row.try_get::<_, bool>("of_extension")? {
                continue;
            }
            match kind.as_str() {
                "e" => self.schema.enums.push(EnumType {
                    name,
                    values: row.try_get("labels")?,
                    comment: row.try_get("comment")?,
                }),
                // Read with their constraints by `domains`.
                "d" => {}
                "r" => {
                    self.note(format!("range type {name} is not represented"));
                    self.occupied(&name, "a range type");
                }
                other => {
                    self.note(format!("type {name} of kind {other:?} is not represented"));
                    self.occupied(&name, "a type");
                }
            }
        }
        Ok(())
    }

    fn columns(&mut self, rows: &[Row], sequences: &sequences::Read) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            let name: String = row.try_get("name")?;
            self.attributes.insert(
                (row.try_get("table_oid")?, row.try_get("attnum")?),
                (name.clone(), row.try_get("collation_oid")?),
            );
            if !self.tables.contains_key(&table_name) {
                continue;
            }
            let type_sql: String = row.try_get("type_sql")?;
            let ty = match self.enum_types.get(&row.try_get::<_, u32>("type_oid")?) {
                Some((enum_name, true)) => ColumnType::Array(Box::new(ColumnType::Enum(enum_name.clone()))),
                Some((enum_name, false)) => ColumnType::Enum(enum_name.clone()),
                None => ColumnType::parse(&type_sql),
            };
            let column_ref = ColumnRef {
                table: table_name.clone(),
                column: name.clone(),
            };
            let identity_code: String = row.try_get("identity")?;
            let generated_code: String = row.try_get("generated")?;
            let default_sql: Option<String> = row.try_get("default_sql")?;
            let is_serial = sequences.serials.contains(&column_ref);
            let serial_type = matches!(
                ty,
                ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
            );
            let (default, identity, generated) = match (identity_code.as_str(), generated_code.as_str()) {
                ("a", _) => (None, Some(Identity::Always), None),
                ("d", _) => (None, Some(Identity::ByDefault), None),
                (_, "s") => (None, None, default_sql),
                (_, "") if is_serial && serial_type => (None, Some(Identity::Serial), None),
                (_, "") => (default_sql, None, None),
                (_, other) => {
                    self.note(format!(
                        "column {table_name}.{name} is generated with kind {other:?}, which the model cannot represent"
                    ));
                    (None, None, None)
                }
            };
            let collation: Option<String> = row.try_get("collation")?;
            if let Some(schema) = row.try_get::<_, Option<String>>("collation_schema")?
                && schema != "pg_catalog"
                && schema != self.options.schema
            {
                let collation = collation.as_deref().unwrap_or_default();
                self.note(format!(
                    "column {table_name}.{name} has collation {schema}.{collation}, outside the schema; \
                     the model names it {collation}"
                ));
            }
            if let Some(unmodelled) = row.try_get::<_, Option<String>>("unmodelled")? {
                self.note(format!("column {table_name}.{name} {unmodelled}"));
            }
            let identity_options = match identity {
                Some(Identity::Always | Identity::ByDefault) => {
                    let Some(resolved) = sequences.identities.get(&column_ref) else {
                        return Err(InspectError::Catalog(format!(
                            "identity column {table_name}.{name} has no sequence"
                        )));
                    };
                    SequenceOptions::from_resolved(*resolved, &ty)
                }
                _ => SequenceOptions::default(),
            };
            let column = Column {
                name,
                ty,
                collation,
                nullable: !row.try_get::<_, bool>("not_null")?,
                default,
                identity,
                identity_options,
                generated,
                comment: None,
            };
            if let Some(table) = self.tables.get_mut(&table_name) {
                table.columns.push(column);
            }
        }
        Ok(())
    }

    fn constraints(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            let name: String = row.try_get("name")?;
            if self.partition_own(&table_name, "constraint", &name, row.try_get("is_inherited")?) {
                continue;
            }
            if !self.tables.contains_key(&table_name) {
                continue;
            }
            let kind: String = row.try_get("kind")?;
            let table_oid: u32 = row.try_get("table_oid")?;
            // Only the kinds the model holds by column: a check is read from its definition, and
            // an exclusion constraint's keys may be expressions (attnum 0).
            let columns = if matches!(kind.as_str(), "p" | "u" | "f") {
                column_names(&self.attributes, table_oid, row.try_get("columns")?, &name)?
            } else {
                Vec::new()
            };
            let validated: bool = row.try_get("validated")?;
            let deferrable = match (
                row.try_get::<_, bool>("deferrable")?,
                row.try_get::<_, bool>("deferred")?,
            ) {
                (false, _) => Deferrable::NotDeferrable,
                (true, false) => Deferrable::InitiallyImmediate,
                (true, true) => Deferrable::InitiallyDeferred,
            };
            let qualified = format!("{table_name}.{name}");
            if !validated && matches!(kind.as_str(), "c" | "f") {
                self.unvalidated_constraints.push(qualified.clone());
            }
            let Some(table) = self.tables.get_mut(&table_name) else {
                continue;
            };
            match kind.as_str() {
                "p" => {
                    table.primary_key = Some(PrimaryKey {
                        name,
                        columns,
                        deferrable,
                    })
                }
                "u" => table.uniques.push(UniqueConstraint {
                    name,
                    columns,
                    nulls_not_distinct: row.try_get("nulls_not_distinct")?,
                    deferrable,
                }),
                "c" => {
                    let definition: String = row.try_get("definition")?;
                    let Some(expression) = check_expression(&definition) else {
                        return Err(InspectError::Catalog(format!(
                            "cannot read the CHECK constraint {qualified}: {definition}"
                        )));
                    };
                    table.checks.push(CheckConstraint {
                        name,
                        expression,
                        not_valid: !validated,
                        no_inherit: row.try_get("no_inherit")?,
                    });
                }
                "f" => {
                    let referenced_table: Option<String> = row.try_get("referenced_table")?;
                    let referenced_schema: Option<String> = row.try_get("referenced_schema")?;
                    let (Some(referenced_table), Some(referenced_schema)) =
                        (referenced_table, referenced_schema)
                    else {
                        return Err(InspectError::Catalog(format!(
                            "foreign key {qualified} references no table"
                        )));
                    };
                    let referenced_columns = match row.try_get("referenced_column_names")? {
                        Some(names) => names,
                        None => column_names(
                            &self.attributes,
                            row.try_get("referenced_oid")?,
                            row.try_get("referenced_columns")?,
                            &qualified,
                        )?,
                    };
                    let on_delete_set_columns = column_names(
                        &self.attributes,
                        table_oid,
                        row.try_get("on_delete_set_columns")?,
                        &qualified,
                    )?;
                    let on_delete = referential_action(&row.try_get::<_, String>("on_delete")?, &qualified)?;
                    let on_update = referential_action(&row.try_get::<_, String>("on_update")?, &qualified)?;
                    table.foreign_keys.push(ForeignKey {
                        name,
                        columns,
                        referenced_table: qualify(
                            &self.options.schema,
                            &referenced_schema,
                            &referenced_table,
                        ),
                        referenced_columns,
                        on_delete,
                        on_delete_set_columns,
                        on_update,
                        deferrable,
                        match_full: row.try_get::<_, String>("match_type")? == "f",
                        not_valid: !validated,
                    });
                    if !self.reads(&referenced_schema) {
                        self.unsupported.push(format!(
                            "foreign key {qualified} references {referenced_schema}.{referenced_table}, \
                             outside the schemas read; the model names it {referenced_table}"
                        ));
                    }
                }
                "x" => self
                    .unsupported
                    .push(format!("exclusion constraint {qualified} is not represented")),
                "t" => self
                    .unsupported
                    .push(format!("constraint trigger {qualified} is not represented")),
                other => self.unsupported.push(format!(
                    "constraint {qualified} of kind {other:?} is not represented"
                )),
            }
        }
        Ok(())
    }

    fn indexes(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            let of_view = row.try_get::<_, String>("relation_kind")? == "m";
            let name: String = row.try_get("name")?;
            if self.partition_own(&table_name, "index", &name, row.try_get("is_attached")?) {
                continue;
            }
            if !of_view && !self.tables.contains_key(&table_name) {
                continue;
            }
            if !row.try_get::<_, bool>("is_valid")? {
                self.invalid_indexes.push(name);
                continue;
            }
            let table_oid: u32 = row.try_get("table_oid")?;
            let key_count = usize::try_from(row.try_get::<_, i32>("key_count")?).unwrap_or(0);
            let attnums: Vec<i16> = row.try_get("attnums")?;
            let options: Vec<i16> = row.try_get("options")?;
            let collation_oids: Vec<u32> = row.try_get("collation_oids")?;
            let expressions: Option<Vec<Option<String>>> = row.try_get("expressions")?;
            let opclasses: Option<Vec<Option<String>>> = row.try_get("opclasses")?;
            let collation_names: Option<Vec<Option<String>>> = row.try_get("collation_names")?;
            let inconsistent = || InspectError::Catalog(format!("index {name} has inconsistent key arrays"));
            if attnums.len() < key_count
                || options.len() != key_count
                || collation_oids.len() != key_count
                || expressions.as_ref().is_some_and(|e| e.len() != key_count)
                || opclasses.as_ref().is_some_and(|o| o.len() < key_count)
                || collation_names.as_ref().is_some_and(|c| c.len() != key_count)
            {
                return Err(inconsistent());
            }
            let column = |attnum: i16| {
                self.attributes.get(&(table_oid, attnum)).ok_or_else(|| {
                    InspectError::Catalog(format!("index {name} names column {attnum}, which was not read"))
                })
            };
            let mut keys = Vec::with_capacity(key_count);
            for k in 0..key_count {
                let attnum = attnums[k];
                let (target, column_collation) = if attnum != 0 {
                    let (column, collation) = column(attnum)?;
                    (IndexTarget::Column(column.clone()), Some(*collation))
                } else {
                    match expressions.as_ref().and_then(|e| e[k].clone()) {
                        Some(expression) => (IndexTarget::Expression(expression), None),
                        None => {
                            return Err(InspectError::Catalog(format!(
                                "index {name} has a key with no column"
                            )));
                        }
                    }
                };
                // A key's collation when it is not the column's (an expression's: not the
                // default).
                let collation_oid = collation_oids[k];
                let collation = match column_collation {
                    _ if collation_oid == 0 => None,
                    Some(of_column) if of_column == collation_oid => None,
                    None if collation_oid == DEFAULT_COLLATION_OID => None,
                    _ => match collation_names.as_ref().and_then(|c| c[k].clone()) {
                        Some(collation) => Some(collation),
                        None if collation_oid == DEFAULT_COLLATION_OID => Some("default".to_owned()),
                        None => return Err(inconsistent()),
                    },
                };
                let (order, nulls) = key_ordering(i32::from(options[k]));
                keys.push(IndexKey {
                    target,
                    collation,
                    opclass: opclasses.as_ref().and_then(|o| o[k].clone()),
                    order,
                    nulls,
                });
            }
            let include = attnums[key_count..]
                .iter()
                .filter(|&&attnum| attnum != 0)
                .map(|&attnum| column(attnum).map(|(column, _)| column.clone()))
                .collect::<Result<Vec<_>, _>>()?;
            let index = Index {
                name,
                unique: row.try_get("is_unique")?,
                nulls_not_distinct: row.try_get("nulls_not_distinct")?,
                method: row.try_get("method")?,
                keys,
                include,
                predicate: row.try_get("predicate")?,
                comment: row.try_get("comment")?,
            };
            if of_view {
                self.view_indexes.entry(table_name).or_default().push(index);
            } else if let Some(table) = self.tables.get_mut(&table_name) {
                table.indexes.push(index);
            }
        }
        Ok(())
    }

    fn grants(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            if self.partitions.contains(&table_name) {
                // A role granted a partition reads it directly, without the row-level security
                // of its table (a partition has none of its own): never silent.
                let role = row
                    .try_get::<_, Option<String>>("role")?
                    .unwrap_or_else(|| "PUBLIC".to_owned());
                self.note(format!(
                    "partition {table_name} grants privileges to {role} of its own, which the model does not keep \
                     (the role reaches its rows without the policies of its table): revoke them"
                ));
                continue;
            }
            let Some(table) = self.tables.get_mut(&table_name) else {
                continue;
            };
            let column: Option<String> = row.try_get("column_name")?;
            let on = match &column {
                Some(column) => format!("column {table_name}.{column}"),
                None => format!("table {table_name}"),
            };
            let Some(role) = row.try_get::<_, Option<String>>("role")? else {
                self.unsupported.push(format!(
                    "{on} grants privileges to PUBLIC, which the model does not keep"
                ));
                continue;
            };
            let mut privileges = Vec::new();
            let mut unknown = Vec::new();
            for name in row.try_get::<_, Vec<String>>("privileges")? {
                match Privilege::parse(&name) {
                    Some(privilege) => privileges.push(privilege),
                    None => unknown.push(name),
                }
            }
            let index = match table.grants.iter().position(|g| g.role == role) {
                Some(index) => index,
                None => {
                    table.grants.push(Grant::table(role.clone(), Vec::new()));
                    table.grants.len() - 1
                }
            };
            let grant = &mut table.grants[index];
            match column {
                // Rows come table-wide first (NULLS FIRST): a column privilege the table has
                // anyway is left out when the table is normalized.
                None => grant.privileges.extend(privileges),
                Some(column) => {
                    for privilege in privileges {
                        match grant.columns.iter_mut().find(|c| c.privilege == privilege) {
                            Some(on_columns) => on_columns.columns.push(column.clone()),
                            None => grant.columns.push(ColumnGrant {
                                privilege,
                                columns: vec![column.clone()],
                            }),
                        }
                    }
                }
            }
            if !unknown.is_empty() {
                self.unsupported.push(format!(
                    "{on} grants {} to {role}, which the model does not keep",
                    unknown.join(", ")
                ));
            }
            if row.try_get::<_, Option<bool>>("grantable")?.unwrap_or(false) {
                self.unsupported.push(format!(
                    "{on} grants privileges to {role} WITH GRANT OPTION, which the model does not keep"
                ));
            }
        }
        Ok(())
    }

    fn policies(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            let name: String = row.try_get("name")?;
            if self.partition_own(&table_name, "policy", &name, false) {
                continue;
            }
            let Some(table) = self.tables.get_mut(&table_name) else {
                continue;
            };
            let command = match row.try_get::<_, String>("command")?.as_str() {
                "r" => PolicyCommand::Select,
                "a" => PolicyCommand::Insert,
                "w" => PolicyCommand::Update,
                "d" => PolicyCommand::Delete,
                "*" => PolicyCommand::All,
                other => {
                    return Err(InspectError::Catalog(format!(
                        "policy {table_name}.{name} has unknown command {other:?}"
                    )));
                }
            };
            let mut roles: Vec<String> = row.try_get("roles")?;
            // The model spells "PUBLIC only" as no roles.
            if roles.iter().all(|r| r == "public") {
                roles.clear();
            }
            table.policies.push(Policy {
                name,
                command,
                permissive: row.try_get("permissive")?,
                roles,
                using: row.try_get("using_sql")?,
                with_check: row.try_get("with_check_sql")?,
            });
        }
        Ok(())
    }

    fn functions(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let name: String = row.try_get("name")?;
            let kind: String = row.try_get("kind")?;
            let identity_arguments: String = row.try_get("identity_arguments")?;
            let signature = format!("{name}({identity_arguments})");
            match kind.as_str() {
                "f" => {}
                "p" => {
                    self.note(format!("procedure {signature} is not represented"));
                    continue;
                }
                "a" => {
                    self.note(format!("aggregate {signature} is not represented"));
                    continue;
                }
                "w" => {
                    self.note(format!("window function {signature} is not represented"));
                    continue;
                }
                other => {
                    self.note(format!(
                        "routine {signature} of kind {other:?} is not represented"
                    ));
                    continue;
                }
            }
            let volatility = match row.try_get::<_, String>("volatility")?.as_str() {
                "i" => Volatility::Immutable,
                "s" => Volatility::Stable,
                "v" => Volatility::Volatile,
                other => {
                    return Err(InspectError::Catalog(format!(
                        "function {signature} has unknown volatility {other:?}"
                    )));
                }
            };
            let language: String = row.try_get("language")?;
            // The full list differs from the identity arguments by the defaults alone (OUT,
            // INOUT and VARIADIC arguments are in both); kept beside them, and read back to check.
            let arguments: String = row.try_get("arguments")?;
            let argument_defaults: Vec<String> = split_arguments(&arguments)
                .into_iter()
                .filter_map(|piece| Argument::parse(piece).default.map(str::to_owned))
                .collect();
            let parallel = match row.try_get::<_, String>("parallel")?.as_str() {
                "s" => Parallel::Safe,
                "r" => Parallel::Restricted,
                _ => Parallel::Unsafe,
            };
            let default_cost = if matches!(language.as_str(), "c" | "internal") {
                "1"
            } else {
                "100"
            };
            let default_rows = if row.try_get::<_, bool>("returns_set")? {
                "1000"
            } else {
                "0"
            };
            let cost: String = row.try_get("cost")?;
            let rows: String = row.try_get("rows")?;
            let mut settings = BTreeMap::new();
            for setting in row.try_get::<_, Vec<String>>("settings")? {
                let Some((name, value)) = setting.split_once('=') else {
                    return Err(InspectError::Catalog(format!(
                        "function {signature} has the SET option {setting:?}, without a value"
                    )));
                };
                settings.insert(name.to_owned(), value.to_owned());
            }
            // The model knows the default (PUBLIC may call it) and "these roles only".
            let execute = match row.try_get::<_, Option<Vec<String>>>("execute")? {
                Some(roles) if roles.iter().any(|r| r == "PUBLIC") => {
                    if roles.len() > 1 {
                        self.note(format!(
                            "function {signature} grants EXECUTE to PUBLIC and to roles, which the model does not keep"
                        ));
                    }
                    None
                }
                roles => roles,
            };
            if matches!(language.as_str(), "c" | "internal") {
                self.note(format!(
                    "function {signature} is written in {language}; its body is a symbol, not source"
                ));
            }
            let function = Function {
                name,
                arguments: identity_arguments,
                argument_defaults,
                returns: row.try_get("result")?,
                language,
                volatility,
                strict: row.try_get("strict")?,
                parallel,
                cost: (cost != default_cost).then_some(cost),
                rows: (rows != default_rows).then_some(rows),
                security_definer: row.try_get("security_definer")?,
                search_path: row.try_get("search_path")?,
                execute,
                settings,
                body: row.try_get("body")?,
                sql_body: row.try_get("has_sql_body")?,
            };
            if function.arguments_with_defaults() != arguments {
                self.note(format!(
                    "function {signature} has the argument list {arguments}, which the model cannot read into its defaults"
                ));
            }
            self.schema.functions.push(function);
        }
        Ok(())
    }

    fn triggers(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            let name: String = row.try_get("name")?;
            if self.partition_own(&table_name, "trigger", &name, row.try_get("is_inherited")?) {
                continue;
            }
            if !self.tables.contains_key(&table_name) {
                continue;
            }
            let qualified = format!("{table_name}.{name}");
            let bits: i32 = row.try_get("type_bits")?;
            let definition: String = row.try_get("definition")?;
            let when = if row.try_get::<_, bool>("has_when")? {
                match trigger_when(&definition) {
                    Some(when) => Some(when),
                    None => {
                        return Err(InspectError::Catalog(format!(
                            "cannot read the WHEN condition of trigger {qualified}: {definition}"
                        )));
                    }
                }
            } else {
                None
            };
            let argument_count = usize::try_from(row.try_get::<_, i32>("argument_count")?).unwrap_or(0);
            let raw_arguments: Vec<u8> = row.try_get("arguments")?;
            let arguments = trigger_arguments(&raw_arguments, argument_count);
            let function_schema: String = row.try_get("function_schema")?;
            let bare_function: String = row.try_get("function_name")?;
            let function = if self.reads(&function_schema) {
                self.qualify(&function_schema, &bare_function)
            } else {
                self.note(format!(
                    "trigger {qualified} calls {function_schema}.{bare_function}, outside the schemas read; the model \
                     names it {bare_function}"
                ));
                bare_function
            };
            if row.try_get::<_, bool>("is_constraint")? {
                self.note(format!(
                    "trigger {qualified} is a constraint trigger, which the model does not keep"
                ));
            }
            if row.try_get::<_, String>("enabled")? != "O" {
                self.note(format!(
                    "trigger {qualified} is disabled or set to fire on replica only, which the model does not keep"
                ));
            }
            let (timing, events, for_each_row) = trigger_type(bits);
            if let Some(table) = self.tables.get_mut(&table_name) {
                table.triggers.push(Trigger {
                    name,
                    timing,
                    events,
                    update_columns: row.try_get("update_columns")?,
                    old_table: row.try_get("old_table")?,
                    new_table: row.try_get("new_table")?,
                    for_each_row,
                    function,
                    arguments,
                    when,
                });
            }
        }
        Ok(())
    }

    fn comments(&mut self, rows: &[Row]) -> Result<(), InspectError> {
        for row in rows {
            let table_name: String = row.try_get("table_name")?;
            let Some(table) = self.tables.get_mut(&table_name) else {
                continue;
            };
            let column: Option<String> = row.try_get("column_name")?;
            let description: String = row.try_get("description")?;
            match column {
                None => table.comment = Some(description),
                Some(column) => {
                    if let Some(column) = table.column_mut(&column) {
                        column.comment = Some(description);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self, queries: usize) -> Inspection {
        let mut schema = self.schema;
        schema.tables = self.tables.into_values().collect();
        schema.canonicalize();
        let mut invalid_indexes = self.invalid_indexes;
        invalid_indexes.sort();
        let mut unvalidated_constraints = self.unvalidated_constraints;
        unvalidated_constraints.sort();
        Inspection {
            schema,
            invalid_indexes,
            unvalidated_constraints,
            unsupported: self.unsupported,
            unmodelled_names: self.unmodelled_names,
            extension_types: self.extension_types,
            queries,
        }
    }
}

/// The options of the identity sequence of a column row (`seq_*` columns), defaults left out.
/// The names of the columns `attnums` of the relation `relid` (NULL: none), read by
/// `columns`; `of` names what lists them, for the error.
fn column_names(
    attributes: &HashMap<(u32, i16), (String, u32)>,
    relid: u32,
    attnums: Option<Vec<i16>>,
    of: &str,
) -> Result<Vec<String>, InspectError> {
    attnums
        .unwrap_or_default()
        .into_iter()
        .map(|attnum| {
            attributes
                .get(&(relid, attnum))
                .map(|(name, _)| name.clone())
                .ok_or_else(|| {
                    InspectError::Catalog(format!(
                        "{of} names column {attnum} of relation {relid}, which was not read"
                    ))
                })
        })
        .collect()
}

fn referential_action(code: &str, constraint: &str) -> Result<ReferentialAction, InspectError> {
    Ok(match code {
        "a" => ReferentialAction::NoAction,
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        other => {
            return Err(InspectError::Catalog(format!(
                "foreign key {constraint} has unknown action {other:?}"
            )));
        }
    })
}

/// `indoption` bits: 1 is DESC, 2 is NULLS FIRST. The nulls order is kept only when it is not
/// the default for the direction (NULLS LAST for ASC, NULLS FIRST for DESC).
fn key_ordering(option: i32) -> (SortOrder, Option<NullsOrder>) {
    let desc = option & 1 != 0;
    let nulls_first = option & 2 != 0;
    match (desc, nulls_first) {
        (false, false) => (SortOrder::Asc, None),
        (false, true) => (SortOrder::Asc, Some(NullsOrder::First)),
        (true, true) => (SortOrder::Desc, None),
        (true, false) => (SortOrder::Desc, Some(NullsOrder::Last)),
    }
}

/// `tgtype` bits: 1 ROW, 2 BEFORE, 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE, 64 INSTEAD.
fn trigger_type(bits: i32) -> (TriggerTiming, Vec<TriggerEvent>, bool) {
    let timing = if bits & 64 != 0 {
        TriggerTiming::InsteadOf
    } else if bits & 2 != 0 {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    };
    let events = [
        (4, TriggerEvent::Insert),
        (16, TriggerEvent::Update),
        (8, TriggerEvent::Delete),
        (32, TriggerEvent::Truncate),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, event)| event)
    .collect();
    (timing, events, bits & 1 != 0)
}

/// `tgargs`: the arguments, each terminated by a NUL byte.
fn trigger_arguments(raw: &[u8], count: usize) -> Vec<String> {
    raw.split(|b| *b == 0)
        .take(count)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// The expression of a CHECK constraint definition as `pg_get_constraintdef` prints it:
/// `CHECK ((a > 0)) [NO INHERIT] [NOT VALID]` gives `(a > 0)`.
pub(super) fn check_expression(definition: &str) -> Option<String> {
    let mut text = definition.trim();
    text = text.strip_suffix(" NOT VALID").unwrap_or(text);
    text = text.strip_suffix(" NO INHERIT").unwrap_or(text);
    let inner = text.strip_prefix("CHECK (")?;
    let close = matching_paren(text, "CHECK ".len())?;
    (close == text.len() - 1).then(|| inner[..inner.len() - 1].to_owned())
}

/// The condition of a trigger as `pg_get_triggerdef` prints it: the text inside the top-level
/// `WHEN (...)`, found outside quoted identifiers and literals.
fn trigger_when(definition: &str) -> Option<String> {
    const KEYWORD: &str = " WHEN (";
    let bytes = definition.as_bytes();
    let mut single = false;
    let mut double = false;
    for i in 0..bytes.len() {
        match bytes[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b' ' if !single && !double && definition[i..].starts_with(KEYWORD) => {
                let open = i + KEYWORD.len() - 1;
                let close = matching_paren(definition, open)?;
                return Some(definition[open + 1..close].to_owned());
            }
            _ => {}
        }
    }
    None
}

/// The byte offset of the parenthesis closing the one at `open`, skipping quoted text.
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(open) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let mut single = false;
    let mut double = false;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'(' if !single && !double => depth += 1,
            b')' if !single && !double => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_check_definitions() {
        assert_eq!(check_expression("CHECK ((a > 0))").as_deref(), Some("(a > 0)"));
        assert_eq!(
            check_expression("CHECK ((a > 0)) NOT VALID").as_deref(),
            Some("(a > 0)")
        );
        assert_eq!(
            check_expression("CHECK (((a)::text <> ')'::text)) NO INHERIT").as_deref(),
            Some("((a)::text <> ')'::text)")
        );
        assert_eq!(check_expression("CHECK ((a > 0)) OR (b)"), None);
    }

    #[test]
    fn reads_trigger_conditions() {
        let def = "CREATE TRIGGER \"x WHEN (y)\" BEFORE UPDATE ON public.t FOR EACH ROW \
                   WHEN ((old.a IS DISTINCT FROM new.a) AND (new.b <> ')'::text)) EXECUTE FUNCTION f()";
        assert_eq!(
            trigger_when(def).as_deref(),
            Some("(old.a IS DISTINCT FROM new.a) AND (new.b <> ')'::text)")
        );
        assert_eq!(
            trigger_when("CREATE TRIGGER t AFTER INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION f()"),
            None
        );
    }

    #[test]
    fn decodes_trigger_types_and_arguments() {
        let (timing, events, row) = trigger_type(1 | 2 | 4 | 16);
        assert_eq!(timing, TriggerTiming::Before);
        assert_eq!(events, vec![TriggerEvent::Insert, TriggerEvent::Update]);
        assert!(row);
        let (timing, events, row) = trigger_type(8 | 32);
        assert_eq!(timing, TriggerTiming::After);
        assert_eq!(events, vec![TriggerEvent::Delete, TriggerEvent::Truncate]);
        assert!(!row);
        assert_eq!(trigger_type(64 | 1 | 4).0, TriggerTiming::InsteadOf);
        assert_eq!(trigger_arguments(b"a\0b c\0", 2), vec!["a", "b c"]);
        assert!(trigger_arguments(b"", 0).is_empty());
    }

    #[test]
    fn decodes_index_options() {
        assert_eq!(key_ordering(0), (SortOrder::Asc, None));
        assert_eq!(key_ordering(3), (SortOrder::Desc, None));
        assert_eq!(key_ordering(1), (SortOrder::Desc, Some(NullsOrder::Last)));
        assert_eq!(key_ordering(2), (SortOrder::Asc, Some(NullsOrder::First)));
    }
}
