//! The rules about tables, columns, constraints and indexes.

use std::collections::BTreeSet;

use schema_core::assemble::TENANT_COLUMN;
use schema_core::model::Schema;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, ColumnDef, CreateIndex, CreateTable,
    DetachPartitionMode, Expr, Ident, ObjectName, ObjectType, RenameTableNameKind, TableConstraint,
};

use super::check::{At, Checker, NotValid, quoted};
use super::facts::{ColumnFacts, TypeKind, denotes_money, ident, object_name};
use super::parse::parse_expression;
use super::rules::Rule;
use crate::plan::LockMode;

const ONLINE_CONSTRAINT: &str = "add it NOT VALID (new rows are checked at once), then `ALTER TABLE ... VALIDATE CONSTRAINT` in a \
                                 later transaction: it scans without blocking writes";

fn constraint_name(constraint: &TableConstraint) -> Option<&Ident> {
    match constraint {
        TableConstraint::ForeignKey(c) => c.name.as_ref(),
        TableConstraint::Check(c) => c.name.as_ref(),
        TableConstraint::Unique(c) => c.name.as_ref(),
        TableConstraint::PrimaryKey(c) => c.name.as_ref(),
        TableConstraint::Exclude(c) => c.name.as_ref(),
        _ => None,
    }
}

/// The columns a `CHECK (col IS NOT NULL)` of the schema before the script already proves: a
/// later migration may `SET NOT NULL` them without a scan.
pub(super) fn proven_not_null(before: &Schema) -> BTreeSet<(String, String)> {
    let mut proven = BTreeSet::new();
    for table in &before.tables {
        for check in &table.checks {
            if let Some(column) = parse_expression(&check.expression)
                .as_ref()
                .and_then(not_null_column)
            {
                proven.insert((table.name.clone(), column));
            }
        }
    }
    proven
}

/// The column of `CHECK (col IS NOT NULL)`.
fn not_null_column(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Nested(inner) => not_null_column(inner),
        Expr::IsNotNull(inner) => match inner.as_ref() {
            Expr::Identifier(column) => Some(ident(column)),
            Expr::Nested(nested) => not_null_column(&Expr::IsNotNull(nested.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// `USING col` or `USING col::type`: a conversion Postgres may do in place.
fn is_plain_conversion(using: &Expr, column: &str) -> bool {
    match using {
        Expr::Identifier(id) => ident(id) == column,
        Expr::Nested(inner) => is_plain_conversion(inner, column),
        Expr::Cast { expr, .. } => is_plain_conversion(expr, column),
        _ => false,
    }
}

impl Checker<'_> {
    pub(super) fn create_table(&mut self, create: &CreateTable) {
        let table = object_name(&create.name);
        let existed = create.if_not_exists
            && self
                .options
                .before
                .as_ref()
                .is_some_and(|schema| schema.tables.iter().any(|t| t.name == table));
        if !existed {
            self.new_tables.insert(table.clone());
        }
        let mut has_tenant = false;
        for column in &create.columns {
            let facts = ColumnFacts::of(column);
            self.money(&table, &facts.name, &facts.ty, self.at(column.name.span));
            if let Some(target) = &facts.references {
                self.foreign_key(&table, std::slice::from_ref(&column.name), target);
            }
            has_tenant |= facts.name == TENANT_COLUMN;
            self.column_types.insert((table.clone(), facts.name), facts.ty);
        }
        for constraint in &create.constraints {
            if let TableConstraint::ForeignKey(fk) = constraint {
                self.foreign_key(&table, &fk.columns, &fk.foreign_table);
            }
        }
        // Columns from elsewhere (AS SELECT, LIKE, a parent) are not known here.
        let columns_listed = create.query.is_none()
            && create.like.is_none()
            && create.partition_of.is_none()
            && create.inherits.is_none();
        if !has_tenant && columns_listed && !create.temporary && !existed {
            let at = create
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .and_then(|name| self.at(name.span));
            self.without_tenant.push((self.current, table, at));
        }
    }

    /// A foreign key from `columns` of `table` to `target`: a tenant root when it is the tenant
    /// column; while it is added, `target` is locked against writes.
    fn foreign_key(&mut self, table: &str, columns: &[Ident], target: &ObjectName) {
        let target = object_name(target);
        if let [column] = columns
            && ident(column) == TENANT_COLUMN
        {
            self.tenant_roots.insert(target.clone());
        }
        if target != table {
            let what = format!("a foreign key referencing {}", quoted(&target));
            self.needs_lock(Some(&target), &what, LockMode::ShareRowExclusive);
        }
    }

    pub(super) fn alter_table(&mut self, alter: &AlterTable) {
        let table = object_name(&alter.name);
        let existing = !self.is_new(&table);
        let mut locks = false;
        for operation in &alter.operations {
            match operation {
                // SHARE UPDATE EXCLUSIVE: reads and writes go on.
                AlterTableOperation::ValidateConstraint { name } => self.validate(&table, name),
                AlterTableOperation::DetachPartitionOf {
                    mode: Some(DetachPartitionMode::Concurrently),
                    ..
                } => self.non_transactional("DETACH PARTITION CONCURRENTLY"),
                _ => {
                    locks = true;
                    self.alter_operation(&table, existing, operation);
                }
            }
        }
        if locks && existing {
            self.needs_lock(Some(&table), "ALTER TABLE", LockMode::AccessExclusive);
        }
    }

    fn alter_operation(&mut self, table: &str, existing: bool, operation: &AlterTableOperation) {
        use AlterTableOperation as Op;
        match operation {
            Op::AddColumn { column_def, .. } => self.add_column(table, existing, column_def),
            Op::AddConstraint {
                constraint,
                not_valid,
            } => {
                self.add_constraint(table, existing, constraint, *not_valid);
            }
            Op::AlterColumn { column_name, op } => self.alter_column(table, existing, column_name, op),
            Op::DropColumn { column_names, .. } => {
                for name in column_names {
                    self.drop_column(table, existing, name);
                }
            }
            Op::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.rename_column(table, existing, old_column_name, new_column_name),
            Op::RenameTable {
                table_name: RenameTableNameKind::As(new) | RenameTableNameKind::To(new),
            } => self.rename_table(table, existing, new),
            _ => {}
        }
    }

    fn add_column(&mut self, table: &str, existing: bool, def: &ColumnDef) {
        let facts = ColumnFacts::of(def);
        let at = self.at(def.name.span);
        self.money(table, &facts.name, &facts.ty, at);
        if let Some(target) = &facts.references {
            self.foreign_key(table, std::slice::from_ref(&def.name), target);
        }
        let key = (table.to_owned(), facts.name.clone());
        self.column_types.insert(key.clone(), facts.ty.clone());
        if !existing {
            return;
        }
        self.new_columns.insert(key);
        let column = format!("{}.{}", quoted(table), quoted(&facts.name));
        if let Some(per_row) = &facts.per_row {
            self.emit(
                Rule::VolatileDefault,
                at,
                format!(
                    "adding {column} with {per_row} gives every existing row a value of its own: Postgres rewrites the \
                     whole table under an ACCESS EXCLUSIVE lock (reads and writes wait)"
                ),
                "add the column without it (a constant default is fine), backfill the existing rows in batches, then set \
                 the default for new rows (expand, backfill, contract)",
            );
        } else if facts.not_null && !facts.has_default {
            self.emit(
                Rule::NotNullWithoutDefault,
                at,
                format!(
                    "adding {column} NOT NULL without a default fails if {} has any rows: they would hold NULL",
                    quoted(table)
                ),
                "add it with a constant DEFAULT; or add it nullable, backfill in batches, then add \
                 `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it, and SET NOT NULL",
            );
        }
        if let Some(constraint) = facts.inline_constraint {
            self.emit(
                Rule::ConstraintNotValid,
                at,
                format!(
                    "adding {column} with an inline {constraint} checks or indexes every existing row while ADD COLUMN \
                     holds an ACCESS EXCLUSIVE lock"
                ),
                "add the column alone, then the constraint the online way: a foreign key or check NOT VALID and \
                 VALIDATE it later; a unique key or primary key with CREATE UNIQUE INDEX CONCURRENTLY and `USING INDEX`",
            );
        }
    }

    fn add_constraint(&mut self, table: &str, existing: bool, constraint: &TableConstraint, not_valid: bool) {
        let name = constraint_name(constraint);
        let at = name.and_then(|n| self.at(n.span));
        let label = name.map_or_else(String::new, |n| format!(" {}", quoted(&ident(n))));
        let name = name.map(ident);
        let target = quoted(table);
        match constraint {
            TableConstraint::ForeignKey(fk) => {
                self.foreign_key(table, &fk.columns, &fk.foreign_table);
                if !existing {
                } else if not_valid {
                    self.record_not_valid(table, name, None);
                } else {
                    let referenced = quoted(&object_name(&fk.foreign_table));
                    self.emit(
                        Rule::ConstraintNotValid,
                        at,
                        format!(
                            "adding foreign key{label} to existing table {target} without NOT VALID checks every row while \
                             holding a SHARE ROW EXCLUSIVE lock on {target} and {referenced}: writes to both wait"
                        ),
                        ONLINE_CONSTRAINT,
                    );
                }
            }
            TableConstraint::Check(check) => {
                let column = not_null_column(&check.expr);
                if !existing {
                } else if not_valid {
                    self.record_not_valid(table, name, column);
                } else {
                    if let Some(column) = column {
                        self.validated_not_null.insert((table.to_owned(), column));
                    }
                    self.emit(
                        Rule::ConstraintNotValid,
                        at,
                        format!(
                            "adding check constraint{label} to existing table {target} without NOT VALID scans every row \
                             under an ACCESS EXCLUSIVE lock: reads and writes wait"
                        ),
                        ONLINE_CONSTRAINT,
                    );
                }
            }
            TableConstraint::Unique(_) | TableConstraint::PrimaryKey(_) if existing => {
                let kind = if matches!(constraint, TableConstraint::PrimaryKey(_)) {
                    "primary key"
                } else {
                    "unique constraint"
                };
                self.emit(
                    Rule::ConstraintNotValid,
                    at,
                    format!(
                        "adding {kind}{label} to existing table {target} builds its unique index under an ACCESS EXCLUSIVE \
                         lock: reads and writes wait for the whole build"
                    ),
                    "build the index first with CREATE UNIQUE INDEX CONCURRENTLY (in a -- migrate:no-transaction \
                     migration), then `ADD CONSTRAINT name UNIQUE USING INDEX index` (PRIMARY KEY USING INDEX for a \
                     primary key)",
                );
            }
            TableConstraint::Exclude(_) if existing => {
                self.emit(
                    Rule::ConstraintNotValid,
                    at,
                    format!(
                        "adding exclusion constraint{label} to existing table {target} builds its index under an ACCESS \
                         EXCLUSIVE lock, and it cannot be built concurrently"
                    ),
                    "add it while the table is small or in a maintenance window, or build a new table with the \
                     constraint and move the rows over",
                );
            }
            _ => {}
        }
    }

    fn record_not_valid(&mut self, table: &str, name: Option<String>, not_null_column: Option<String>) {
        if let Some(name) = name {
            let transaction = self.transaction_id();
            self.not_valid.insert(
                (table.to_owned(), name),
                NotValid {
                    transaction,
                    not_null_column,
                },
            );
        }
    }

    fn validate(&mut self, table: &str, name: &Ident) {
        let key = (table.to_owned(), ident(name));
        let Some(added) = self.not_valid.get(&key) else {
            return;
        };
        let same_transaction = added.transaction.is_some() && added.transaction == self.transaction_id();
        if let Some(column) = added.not_null_column.clone() {
            self.validated_not_null.insert((table.to_owned(), column));
        }
        if same_transaction {
            self.emit(
                Rule::ConstraintNotValid,
                self.at(name.span),
                format!(
                    "VALIDATE CONSTRAINT {} runs in the transaction that added it NOT VALID: the ADD's lock is held \
                     through the whole validating scan, which NOT VALID was meant to avoid",
                    quoted(&key.1)
                ),
                "validate in a later transaction: in a migration of its own, or after the COMMIT in a \
                 `-- migrate:no-transaction` file",
            );
        }
    }

    fn alter_column(&mut self, table: &str, existing: bool, name: &Ident, op: &AlterColumnOperation) {
        let column = ident(name);
        let at = self.at(name.span);
        let qualified = format!("{}.{}", quoted(table), quoted(&column));
        let key = (table.to_owned(), column.clone());
        match op {
            AlterColumnOperation::SetNotNull if existing && !self.validated_not_null.contains(&key) => {
                self.emit(
                    Rule::SetNotNull,
                    at,
                    format!(
                        "SET NOT NULL on {qualified} scans the whole table under an ACCESS EXCLUSIVE lock: reads and \
                         writes wait until every row is checked"
                    ),
                    format!(
                        "first `ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID`, then VALIDATE \
                         CONSTRAINT it in a later transaction; SET NOT NULL then skips the scan (drop the check \
                         afterwards)",
                        quoted(table),
                        quoted(&format!("{table}_{column}_not_null")),
                        quoted(&column)
                    ),
                );
            }
            AlterColumnOperation::SetDataType { data_type, using, .. } => {
                let ty = data_type.to_string();
                self.money(table, &column, &ty, at);
                let from = self.column_type(table, &column);
                let in_place = using.as_ref().is_none_or(|u| is_plain_conversion(u, &column))
                    && TypeKind::of(&ty).converts_in_place_from(from.as_deref().map(TypeKind::of).as_ref());
                // sqlparser keeps no COLLATE clause here; the statement's tokens tell.
                let recollates = self.script.statements[self.current]
                    .tokens
                    .iter()
                    .any(|t| t.token.is_word("COLLATE"));
                if existing && in_place && recollates {
                    self.emit(
                        Rule::ColumnTypeChange,
                        at,
                        format!(
                            "changing the collation of {qualified} rebuilds every index on it under an ACCESS EXCLUSIVE \
                             lock: reads and writes wait until they are rebuilt"
                        ),
                        "on a large table, add a column with the new collation, backfill it in batches, build its \
                         indexes concurrently, then switch over; on a small one, add `-- lint:allow column-type-change <why>`",
                    );
                } else if existing && !in_place {
                    let from = from.map_or_else(String::new, |f| format!(" from {f}"));
                    self.emit(
                        Rule::ColumnTypeChange,
                        at,
                        format!(
                            "changing the type of {qualified}{from} to {ty} rewrites the table (or scans it) under an \
                             ACCESS EXCLUSIVE lock: reads and writes wait until it is done"
                        ),
                        "expand and contract: add a column of the new type, write both, backfill in batches, move readers, \
                         then drop the old column (widening a varchar, or varchar to text, needs no rewrite)",
                    );
                }
                self.column_types.insert(key, ty);
            }
            _ => {}
        }
    }

    fn drop_column(&mut self, table: &str, existing: bool, name: &Ident) {
        let key = (table.to_owned(), ident(name));
        let reverts = self
            .options
            .reverts
            .as_ref()
            .is_some_and(|up| up.tables.contains(table) || up.columns.contains(&key));
        if !existing || reverts || self.new_columns.contains(&key) {
            return;
        }
        self.emit(
            Rule::DropColumn,
            self.at(name.span),
            format!(
                "dropping {}.{} deletes its data, and running code that still reads or writes it fails until the new \
                 version is deployed",
                quoted(table),
                quoted(&key.1)
            ),
            "first deploy code that no longer uses the column, then drop it in a later migration; once nothing uses it, \
             add `-- lint:allow drop-column <why>`",
        );
    }

    fn rename_column(&mut self, table: &str, existing: bool, old: &Ident, new: &Ident) {
        let (old_name, new_name) = (ident(old), ident(new));
        let old_key = (table.to_owned(), old_name.clone());
        let new_key = (table.to_owned(), new_name.clone());
        if existing && !self.new_columns.contains(&old_key) {
            self.emit(
                Rule::Rename,
                self.at(old.span),
                format!(
                    "renaming column {}.{} to {} breaks running code that uses the old name until every instance runs \
                     the new version",
                    quoted(table),
                    quoted(&old_name),
                    quoted(&new_name)
                ),
                "expand and contract: add the new column, write both, backfill, move readers, then drop the old one",
            );
        }
        if self.new_columns.remove(&old_key) {
            self.new_columns.insert(new_key.clone());
        }
        if let Some(ty) = self.column_types.remove(&old_key) {
            self.column_types.insert(new_key, ty);
        }
    }

    fn rename_table(&mut self, table: &str, existing: bool, new: &ObjectName) {
        let new_name = object_name(new);
        if existing {
            self.emit(
                Rule::Rename,
                None,
                format!(
                    "renaming table {} to {} breaks running code that uses the old name until every instance runs the \
                     new version",
                    quoted(table),
                    quoted(&new_name)
                ),
                "rename it and create a view with the old name for the deploy (`CREATE VIEW old AS SELECT * FROM new`), \
                 dropping the view later; or expand and contract",
            );
        } else {
            self.new_tables.insert(new_name);
        }
    }

    pub(super) fn drop(&mut self, object_type: ObjectType, names: &[ObjectName]) {
        match object_type {
            ObjectType::Table => {
                for name in names {
                    let table = object_name(name);
                    if self.is_new(&table) {
                        continue;
                    }
                    let reverts = self
                        .options
                        .reverts
                        .as_ref()
                        .is_some_and(|up| up.tables.contains(&table));
                    if !reverts {
                        let at = name
                            .0
                            .last()
                            .and_then(|p| p.as_ident())
                            .and_then(|i| self.at(i.span));
                        self.emit(
                            Rule::DropTable,
                            at,
                            format!(
                                "dropping table {} deletes its data, and running code that still uses it fails",
                                quoted(&table)
                            ),
                            "first deploy code that no longer uses the table, then drop it in a later migration (keep a \
                             backup); once nothing uses it, add `-- lint:allow drop-table <why>`",
                        );
                    }
                    self.needs_lock(Some(&table), "DROP TABLE", LockMode::AccessExclusive);
                }
            }
            ObjectType::Index => {
                for name in names {
                    let table = self.index_tables.get(&object_name(name)).cloned();
                    self.needs_lock(table.as_deref(), "DROP INDEX", LockMode::AccessExclusive);
                }
            }
            ObjectType::Database => self.non_transactional("DROP DATABASE"),
            _ => {}
        }
    }

    pub(super) fn create_index_statement(&mut self, index: &CreateIndex) {
        let name = index.name.as_ref().map(object_name);
        self.create_index(
            &object_name(&index.table_name),
            index.concurrently,
            name,
            index.unique,
        );
    }

    /// `CREATE INDEX ... ON ONLY t`: no rows are read (the index stays invalid until the
    /// partitions' indexes, built `CONCURRENTLY`, are attached), so only the brief lock counts.
    pub(super) fn create_index_on_only(&mut self, index: &CreateIndex) {
        let table = object_name(&index.table_name);
        if let Some(name) = index.name.as_ref().map(object_name) {
            self.index_tables.insert(name, table.clone());
        }
        if index.concurrently {
            self.non_transactional("CREATE INDEX CONCURRENTLY");
        } else {
            self.needs_lock(Some(&table), "CREATE INDEX ... ON ONLY", LockMode::Share);
        }
    }

    pub(super) fn create_index(
        &mut self,
        table: &str,
        concurrently: bool,
        name: Option<String>,
        unique: bool,
    ) {
        if let Some(name) = name {
            self.index_tables.insert(name, table.to_owned());
        }
        let what = if unique {
            "CREATE UNIQUE INDEX"
        } else {
            "CREATE INDEX"
        };
        if concurrently {
            self.non_transactional(&format!("{what} CONCURRENTLY"));
            return;
        }
        if self.is_new(table) {
            return;
        }
        self.emit(
            Rule::CreateIndexNotConcurrently,
            None,
            format!(
                "{what} on existing table {} blocks writes while it builds",
                quoted(table)
            ),
            "CREATE INDEX CONCURRENTLY in a migration marked -- migrate:no-transaction",
        );
        self.needs_lock(Some(table), what, LockMode::Share);
    }

    fn money(&mut self, table: &str, column: &str, ty: &str, at: At) {
        let kind = TypeKind::of(ty.trim_end_matches("[]"));
        if !denotes_money(column) || !kind.is_inexact_money() {
            return;
        }
        let why = match kind {
            TypeKind::Float => "floating point cannot hold cents exactly",
            TypeKind::Money => "the money type follows the server's lc_monetary and carries no currency",
            _ => "the project keeps money as integer cents",
        };
        let cents = if column.ends_with("_cents") {
            column.to_owned()
        } else {
            format!("{column}_cents")
        };
        self.emit(
            Rule::MoneyAsFloat,
            at,
            format!(
                "money column {}.{} is {}: {why}",
                quoted(table),
                quoted(column),
                ty.to_lowercase()
            ),
            format!("store integer cents in a bigint column (schema-core's `Money`), e.g. `{cents} bigint`"),
        );
    }
}
