//! What a statement asks of each table: the columns it compares with a value or joins on
//! (equality), the columns it bounds (range), the order it sorts in, and its constant
//! predicates. Read from sqlparser's syntax tree; columns are resolved against the schema, so an
//! unqualified column belongs to the one table in scope that has it.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use schema_core::model::{Schema, Table};
use sqlparser::ast::{
    BinaryOperator, Expr, Join, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart, OrderByExpr,
    OrderByKind, OrderBySort, Query, SetExpr, Statement, TableFactor, TableWithJoins, Visit, Visitor,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// What one statement asks of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableUse {
    pub table: String,
    /// Columns compared for equality with a value, a parameter or a list.
    pub equal: Vec<String>,
    /// Columns compared for equality with another table's column (a join): an index helps when
    /// this table is the inner side of a nested loop.
    pub joined: Vec<String>,
    /// Columns bounded by `<`, `>`, `BETWEEN`.
    pub range: Vec<String>,
    /// The statement's sort, when every sort key is a column of this table: (column, descending).
    pub order: Vec<(String, bool)>,
    /// Predicates on this table alone with constants only (`paid_at IS NULL`, `status = 'open'`),
    /// as written.
    pub constant: Vec<String>,
    /// The columns of this table the statement reads anywhere (for covering indexes).
    pub reads: Vec<String>,
    /// `*` or `t.*`: every column is read.
    pub reads_all: bool,
}

/// The uses of the schema's tables by `sql`, one per table it reads (merged when a table appears
/// twice). An error when sqlparser cannot parse it.
pub fn uses(sql: &str, schema: &Schema) -> Result<Vec<TableUse>, String> {
    Ok(found(sql, schema)?.uses.into_values().collect())
}

/// What a `$n` parameter of a statement is compared with or assigned to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Parameter {
    pub table: String,
    pub column: String,
    pub role: Role,
}

/// How a parameter meets its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `column = $n`, `column IN ($n, ...)`.
    Equal,
    /// `column > $n`, `column >= $n`, `BETWEEN $n AND ...`.
    Lower,
    /// `column < $n`, `column <= $n`, `BETWEEN ... AND $n`.
    Upper,
    /// `SET column = $n`.
    Assigned,
}

/// The parameters of `sql` that meet a column of the schema, by number (1 for `$1`); the first
/// use of each counts.
pub fn parameters(sql: &str, schema: &Schema) -> Result<BTreeMap<usize, Parameter>, String> {
    Ok(found(sql, schema)?.parameters)
}

fn found<'a>(sql: &str, schema: &'a Schema) -> Result<Found<'a>, String> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| e.to_string())?;
    let mut found = Found {
        schema,
        uses: BTreeMap::new(),
        parameters: BTreeMap::new(),
    };
    for statement in &statements {
        found.statement(statement);
    }
    Ok(found)
}

struct Found<'a> {
    schema: &'a Schema,
    uses: BTreeMap<String, TableUse>,
    parameters: BTreeMap<usize, Parameter>,
}

/// The tables in scope of one SELECT (or UPDATE/DELETE): alias or name → table.
type Scope<'a> = Vec<(String, &'a Table)>;

impl<'a> Found<'a> {
    fn statement(&mut self, statement: &Statement) {
        match statement {
            Statement::Query(query) => self.query(query),
            Statement::Update(update) => {
                let mut scope = Scope::new();
                let mut ons = Vec::new();
                self.from(&update.table, &mut scope, &mut ons);
                if let Some(sqlparser::ast::UpdateTableFromKind::AfterSet(from))
                | Some(sqlparser::ast::UpdateTableFromKind::BeforeSet(from)) = &update.from
                {
                    for item in from {
                        self.from(item, &mut scope, &mut ons);
                    }
                }
                for assignment in &update.assignments {
                    if let sqlparser::ast::AssignmentTarget::ColumnName(column) = &assignment.target
                        && let Some((_, table)) = scope.first()
                    {
                        let column = object_last(column);
                        if table.columns.iter().any(|c| c.name == column) {
                            let table = table.name.clone();
                            self.parameter(&assignment.value, &table, &column, Role::Assigned);
                        }
                    }
                }
                let predicates = ons.into_iter().chain(update.selection.clone());
                self.predicates(&scope, predicates);
                self.nested(statement);
            }
            Statement::Delete(delete) => {
                let mut scope = Scope::new();
                let mut ons = Vec::new();
                let (sqlparser::ast::FromTable::WithFromKeyword(from)
                | sqlparser::ast::FromTable::WithoutKeyword(from)) = &delete.from;
                for item in from.iter().chain(delete.using.iter().flatten()) {
                    self.from(item, &mut scope, &mut ons);
                }
                let predicates = ons.into_iter().chain(delete.selection.clone());
                self.predicates(&scope, predicates);
                self.nested(statement);
            }
            _ => {}
        }
    }

    /// Every query nested in the statement (subqueries, CTEs), each in its own scope.
    fn nested<V: Visit>(&mut self, node: &V) {
        struct Queries(Vec<Query>);
        impl Visitor for Queries {
            type Break = ();
            fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
                self.0.push(query.clone());
                ControlFlow::Continue(())
            }
        }
        let mut queries = Queries(Vec::new());
        let _ = node.visit(&mut queries);
        for query in &queries.0 {
            self.one_query(query);
        }
    }

    fn query(&mut self, query: &Query) {
        self.nested(query);
    }

    /// One query's own SELECTs (not its nested queries, which the visitor reaches on its own).
    fn one_query(&mut self, query: &Query) {
        let order: Vec<&OrderByExpr> = match query.order_by.as_ref().map(|o| &o.kind) {
            Some(OrderByKind::Expressions(exprs)) => exprs.iter().collect(),
            _ => Vec::new(),
        };
        self.set_expr(&query.body, &order);
    }

    fn set_expr(&mut self, body: &SetExpr, order: &[&OrderByExpr]) {
        match body {
            SetExpr::Select(select) => {
                let mut scope = Scope::new();
                let mut ons = Vec::new();
                for item in &select.from {
                    self.from(item, &mut scope, &mut ons);
                }
                let predicates = ons.into_iter().chain(select.selection.clone());
                self.predicates(&scope, predicates);
                self.order(&scope, order);
                self.reads(&scope, select, order);
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, &[]);
                self.set_expr(right, &[]);
            }
            _ => {}
        }
    }

    /// The tables of a FROM item into `scope`, and its joins' ON conditions into `ons`.
    fn from(&mut self, item: &TableWithJoins, scope: &mut Scope<'a>, ons: &mut Vec<Expr>) {
        self.factor(&item.relation, scope);
        for Join {
            relation,
            join_operator,
            ..
        } in &item.joins
        {
            self.factor(relation, scope);
            let constraint = match join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c)
                | JoinOperator::Semi(c)
                | JoinOperator::LeftSemi(c)
                | JoinOperator::RightSemi(c)
                | JoinOperator::Anti(c)
                | JoinOperator::LeftAnti(c)
                | JoinOperator::RightAnti(c) => Some(c),
                _ => None,
            };
            match constraint {
                Some(JoinConstraint::On(expr)) => ons.push(expr.clone()),
                Some(JoinConstraint::Using(columns)) => {
                    // USING (a): equality on `a` in every table of the scope that has it.
                    for column in columns {
                        let name = object_last(column);
                        for (_, table) in scope.iter() {
                            if table.columns.iter().any(|c| c.name == name) {
                                push(&mut self.entry(&table.name).joined, name.clone());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn factor(&mut self, factor: &TableFactor, scope: &mut Scope<'a>) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let table_name = object_last(name);
                if let Some(table) = self.schema.tables.iter().find(|t| t.name == table_name) {
                    let key = alias
                        .as_ref()
                        .map(|a| ident(&a.name))
                        .unwrap_or_else(|| table_name.clone());
                    scope.push((key, table));
                    self.entry(&table.name);
                }
            }
            TableFactor::NestedJoin { table_with_joins, .. } => {
                let mut ons = Vec::new();
                self.from(table_with_joins, scope, &mut ons);
                let scope_now = scope.clone();
                self.predicates(&scope_now, ons.into_iter().map(Some).map(Option::unwrap));
            }
            _ => {}
        }
    }

    /// Note what `value`, when it is a parameter, meets.
    fn parameter(&mut self, value: &Expr, table: &str, column: &str, role: Role) {
        if let Some(n) = placeholder(value) {
            self.parameters.entry(n).or_insert_with(|| Parameter {
                table: table.to_owned(),
                column: column.to_owned(),
                role,
            });
        }
    }

    fn entry(&mut self, table: &str) -> &mut TableUse {
        self.uses.entry(table.to_owned()).or_insert_with(|| TableUse {
            table: table.to_owned(),
            ..TableUse::default()
        })
    }

    fn predicates(&mut self, scope: &Scope<'a>, predicates: impl Iterator<Item = Expr>) {
        for predicate in predicates {
            let mut conjuncts = Vec::new();
            split_and(&predicate, &mut conjuncts);
            for conjunct in conjuncts {
                self.conjunct(scope, conjunct);
            }
        }
    }

    fn conjunct(&mut self, scope: &Scope<'a>, conjunct: &Expr) {
        match conjunct {
            Expr::BinaryOp { left, op, right } => {
                let kind = match op {
                    BinaryOperator::Eq => Kind::Equal,
                    BinaryOperator::Lt | BinaryOperator::Gt | BinaryOperator::LtEq | BinaryOperator::GtEq => {
                        Kind::Range
                    }
                    _ => return,
                };
                for (column_is_left, (column_side, other)) in [(true, (left, right)), (false, (right, left))]
                {
                    if let Some((table, column)) = resolve(scope, column_side) {
                        let role = match (op, column_is_left) {
                            (BinaryOperator::Eq, _) => Role::Equal,
                            (BinaryOperator::Gt | BinaryOperator::GtEq, true)
                            | (BinaryOperator::Lt | BinaryOperator::LtEq, false) => Role::Lower,
                            _ => Role::Upper,
                        };
                        self.parameter(other, &table, &column, role);
                        let other_columns = columns_of(scope, other);
                        if other_columns.iter().any(|(t, _)| *t == table) {
                            continue;
                        }
                        let constant = other_columns.is_empty() && !has_placeholder(other);
                        let join = !other_columns.is_empty();
                        let entry = self.entry(&table);
                        match kind {
                            Kind::Equal if join => push(&mut entry.joined, column),
                            Kind::Equal => push(&mut entry.equal, column),
                            Kind::Range => push(&mut entry.range, column),
                        }
                        if constant && !has_unresolved_identifier(other) {
                            push(&mut entry.constant, conjunct.to_string());
                        }
                    }
                }
            }
            Expr::In {
                expr,
                target,
                negated: false,
                ..
            } => {
                if let Some((table, column)) = resolve(scope, expr) {
                    if let sqlparser::ast::InTarget::List(list) = target {
                        for item in list {
                            self.parameter(item, &table, &column, Role::Equal);
                        }
                    }
                    push(&mut self.entry(&table).equal, column);
                }
            }
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => {
                if let Some((table, column)) = resolve(scope, expr) {
                    self.parameter(low, &table, &column, Role::Lower);
                    self.parameter(high, &table, &column, Role::Upper);
                    push(&mut self.entry(&table).range, column);
                }
            }
            Expr::IsNull(expr) | Expr::IsNotNull(expr) | Expr::IsTrue(expr) | Expr::IsFalse(expr) => {
                if let Some((table, _)) = resolve(scope, expr) {
                    push(&mut self.entry(&table).constant, conjunct.to_string());
                }
            }
            _ => {}
        }
    }

    /// What the SELECT reads of each table in scope: a covering index must hold all of it.
    fn reads(&mut self, scope: &Scope<'a>, select: &sqlparser::ast::Select, order: &[&OrderByExpr]) {
        use sqlparser::ast::{SelectItem, SelectItemQualifiedWildcardKind};
        for item in &select.projection {
            match item {
                SelectItem::Wildcard(_) => {
                    for (_, table) in scope {
                        self.entry(&table.name).reads_all = true;
                    }
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    let qualifier = object_last(name);
                    if let Some((_, table)) = scope.iter().find(|(alias, _)| *alias == qualifier) {
                        self.entry(&table.name).reads_all = true;
                    }
                }
                _ => {}
            }
        }
        let mut read = columns_of_node(scope, select);
        for expr in order {
            read.extend(columns_of(scope, &expr.expr));
        }
        for (table, column) in read {
            push(&mut self.entry(&table).reads, column);
        }
    }

    fn order(&mut self, scope: &Scope<'a>, order: &[&OrderByExpr]) {
        let mut keys = Vec::new();
        for expr in order {
            let Some((table, column)) = resolve(scope, &expr.expr) else {
                return;
            };
            let descending = matches!(expr.options.sort, Some(OrderBySort::Desc));
            keys.push((table, column, descending));
        }
        let Some((first, _, _)) = keys.first() else {
            return;
        };
        if keys.iter().any(|(t, _, _)| t != first) {
            return;
        }
        let table = first.clone();
        let entry = self.entry(&table);
        if entry.order.is_empty() {
            entry.order = keys.into_iter().map(|(_, c, d)| (c, d)).collect();
        }
    }
}

enum Kind {
    Equal,
    Range,
}

fn push(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn split_and<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        Expr::Nested(inner) => split_and(inner, out),
        other => out.push(other),
    }
}

fn ident(ident: &sqlparser::ast::Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

fn object_last(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(i)) => ident(i),
        _ => String::new(),
    }
}

/// The (table, column) a column reference names in `scope`; `None` for anything else or an
/// ambiguous or unknown name.
fn resolve(scope: &Scope<'_>, expr: &Expr) -> Option<(String, String)> {
    match expr {
        Expr::Nested(inner) => resolve(scope, inner),
        Expr::Cast { expr, .. } => resolve(scope, expr),
        Expr::Identifier(column) => {
            let column = ident(column);
            let mut owners = scope
                .iter()
                .filter(|(_, t)| t.columns.iter().any(|c| c.name == column));
            let (_, table) = owners.next()?;
            if owners.any(|(_, t)| t.name != table.name) {
                return None;
            }
            Some((table.name.clone(), column))
        }
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let column = ident(&parts[parts.len() - 1]);
            let qualifier = ident(&parts[parts.len() - 2]);
            let (_, table) = scope.iter().find(|(alias, _)| *alias == qualifier)?;
            table
                .columns
                .iter()
                .any(|c| c.name == column)
                .then(|| (table.name.clone(), column))
        }
        _ => None,
    }
}

/// The columns of tables in `scope` that `expr` reads.
fn columns_of(scope: &Scope<'_>, expr: &Expr) -> Vec<(String, String)> {
    columns_of_node(scope, expr)
}

/// The columns of tables in `scope` that any expression under `node` reads.
fn columns_of_node<V: Visit>(scope: &Scope<'_>, node: &V) -> Vec<(String, String)> {
    struct Columns<'s, 't>(&'s Scope<'t>, Vec<(String, String)>);
    impl Visitor for Columns<'_, '_> {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Some(found) = resolve(self.0, expr) {
                self.1.push(found);
            }
            ControlFlow::Continue(())
        }
    }
    let mut columns = Columns(scope, Vec::new());
    let _ = node.visit(&mut columns);
    columns.1
}

/// `n` when `expr` is the parameter `$n` (possibly cast or in parentheses).
fn placeholder(expr: &Expr) -> Option<usize> {
    match expr {
        Expr::Nested(inner) => placeholder(inner),
        Expr::Cast { expr, .. } => placeholder(expr),
        Expr::Value(v) => match &v.value {
            sqlparser::ast::Value::Placeholder(p) => p.strip_prefix('$')?.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

fn has_placeholder(expr: &Expr) -> bool {
    struct Placeholders(bool);
    impl Visitor for Placeholders {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Value(v) = expr
                && matches!(v.value, sqlparser::ast::Value::Placeholder(_))
            {
                self.0 = true;
            }
            ControlFlow::Continue(())
        }
    }
    let mut found = Placeholders(false);
    let _ = expr.visit(&mut found);
    found.0
}

/// Whether `expr` names a column or table of an outer query (or anything not in scope): then it
/// is no constant.
fn has_unresolved_identifier(expr: &Expr) -> bool {
    struct Idents(bool);
    impl Visitor for Idents {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if matches!(
                expr,
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Subquery(_)
            ) {
                self.0 = true;
            }
            ControlFlow::Continue(())
        }
    }
    let mut found = Idents(false);
    let _ = expr.visit(&mut found);
    found.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_core::model::{Column, ColumnType, Table};

    fn table(name: &str, columns: &[&str]) -> Table {
        Table::new(
            name,
            columns
                .iter()
                .map(|c| Column::new(*c, ColumnType::Text))
                .collect(),
        )
    }

    fn schema() -> Schema {
        let mut schema = Schema::default();
        schema.tables.push(table(
            "invoices",
            &[
                "id",
                "organization_id",
                "customer_id",
                "status",
                "due_on",
                "paid_at",
                "total_cents",
            ],
        ));
        schema.tables.push(table(
            "customers",
            &["id", "organization_id", "email", "display_name"],
        ));
        schema
    }

    fn one(sql: &str, table: &str) -> TableUse {
        uses(sql, &schema())
            .unwrap()
            .into_iter()
            .find(|u| u.table == table)
            .unwrap_or_else(|| panic!("no use of {table} in {sql}"))
    }

    #[test]
    fn equality_range_order_and_constants() {
        let u = one(
            "SELECT id FROM invoices WHERE organization_id = $1 AND status = 'open' AND due_on < $2 \
             AND paid_at IS NULL ORDER BY due_on DESC",
            "invoices",
        );
        assert_eq!(u.equal, ["organization_id", "status"]);
        assert_eq!(u.range, ["due_on"]);
        assert_eq!(u.order, [("due_on".to_owned(), true)]);
        assert_eq!(u.constant, ["status = 'open'", "paid_at IS NULL"]);
        assert_eq!(u.reads, ["id", "organization_id", "status", "due_on", "paid_at"]);
        assert!(!u.reads_all);
        assert!(one("SELECT i.* FROM invoices i WHERE i.id = $1", "invoices").reads_all);
    }

    #[test]
    fn joins_resolve_aliases_and_both_sides() {
        let found = uses(
            "SELECT i.id FROM invoices i JOIN customers AS c ON c.id = i.customer_id \
             WHERE c.email = $1 AND i.status IN ('open', 'draft')",
            &schema(),
        )
        .unwrap();
        let invoices = found.iter().find(|u| u.table == "invoices").unwrap();
        let customers = found.iter().find(|u| u.table == "customers").unwrap();
        assert_eq!(invoices.equal, ["status"]);
        assert_eq!(invoices.joined, ["customer_id"]);
        assert_eq!(customers.equal, ["email"]);
        assert_eq!(customers.joined, ["id"]);
    }

    #[test]
    fn parameters_meet_their_columns() {
        let found = |sql: &str| -> Vec<(usize, String, Role)> {
            parameters(sql, &schema())
                .unwrap()
                .into_iter()
                .map(|(n, p)| (n, format!("{}.{}", p.table, p.column), p.role))
                .collect()
        };
        assert_eq!(
            found(
                "SELECT * FROM invoices i JOIN customers c ON c.id = i.customer_id \
                 WHERE i.organization_id = $1 AND $2 > i.due_on AND i.status IN ($3, $4) \
                 AND i.total_cents BETWEEN $5::bigint AND ($6) LIMIT $7"
            ),
            [
                (1, "invoices.organization_id".to_owned(), Role::Equal),
                (2, "invoices.due_on".to_owned(), Role::Upper),
                (3, "invoices.status".to_owned(), Role::Equal),
                (4, "invoices.status".to_owned(), Role::Equal),
                (5, "invoices.total_cents".to_owned(), Role::Lower),
                (6, "invoices.total_cents".to_owned(), Role::Upper),
            ]
        );
        assert_eq!(
            found("UPDATE invoices SET status = $1 WHERE id = $2 AND due_on >= $3"),
            [
                (1, "invoices.status".to_owned(), Role::Assigned),
                (2, "invoices.id".to_owned(), Role::Equal),
                (3, "invoices.due_on".to_owned(), Role::Lower),
            ]
        );
    }

    #[test]
    fn subqueries_ctes_updates_and_deletes() {
        let u = one(
            "WITH open AS (SELECT customer_id FROM invoices WHERE status = $1) \
             SELECT * FROM customers WHERE id IN (SELECT customer_id FROM open)",
            "invoices",
        );
        assert_eq!(u.equal, ["status"]);
        let u = one("UPDATE invoices SET status = 'paid' WHERE id = $1", "invoices");
        assert_eq!(u.equal, ["id"]);
        let u = one(
            "DELETE FROM customers WHERE organization_id = $1 AND email = $2",
            "customers",
        );
        assert_eq!(u.equal, ["organization_id", "email"]);
    }

    #[test]
    fn ambiguous_unknown_and_unparsable() {
        // `id` is in both tables: not resolved without a qualifier.
        let found = uses("SELECT 1 FROM invoices, customers WHERE id = $1", &schema()).unwrap();
        assert!(found.iter().all(|u| u.equal.is_empty()));
        assert!(
            uses("SELECT * FROM nowhere WHERE x = 1", &schema())
                .unwrap()
                .is_empty()
        );
        assert!(uses("SELEKT nonsense", &schema()).is_err());
    }
}
