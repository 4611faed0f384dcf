//! Tenant isolation at every step of a migration script.
//!
//! A table under FORCE ROW LEVEL SECURITY whose policy is dropped shows no row to anyone bound by
//! row-level security, and one whose row-level security is disabled shows every row to everyone.
//! A migration that does either must undo it before anything commits: a script that runs step by
//! step (`-- migrate:no-transaction`) commits after every statement outside `BEGIN ... COMMIT`,
//! and may stop at any of those points. [`gaps`] reads a script the way the runner runs it and
//! reports every moment at which a table that keeps its policy (or its row-level security) after
//! the script is left without it at a commit.

use std::collections::BTreeMap;

use schema_core::model::Schema;

use crate::sql_split::{Token, significant_tokens, split_statements};

/// What a statement takes away from or gives back to a table's isolation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Guard {
    Policy(String),
    Enabled,
    Forced,
}

impl Guard {
    fn describe(&self, table: &str) -> String {
        match self {
            Guard::Policy(name) => format!("policy {name} on {table} is dropped"),
            Guard::Enabled => format!("row-level security on {table} is disabled"),
            Guard::Forced => format!("row-level security on {table} is no longer forced"),
        }
    }

    /// Whether `after` (the schema the script leads to) has this guard on `table`.
    fn kept_by(&self, after: &Schema, table: &str) -> bool {
        let Some(table) = after.table(table) else {
            return false;
        };
        match self {
            Guard::Policy(name) => table.policies.iter().any(|p| &p.name == name),
            Guard::Enabled => table.row_level_security.enabled,
            Guard::Forced => table.row_level_security.forced,
        }
    }
}

/// What makes the application role escape row-level security on the database `client` is
/// connected to: being a superuser, having BYPASSRLS, or being a member of a role that does
/// (whose attributes a `SET ROLE` would give it). Empty when the role is an ordinary one.
pub async fn app_role_problems(
    client: &tokio_postgres::Client,
    role: &str,
) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT r.rolname::text, r.rolsuper, r.rolbypassrls
               FROM pg_catalog.pg_roles r
              WHERE r.rolname = $1
                 OR pg_catalog.pg_has_role($1, r.oid, 'MEMBER') AND (r.rolsuper OR r.rolbypassrls)
              ORDER BY r.rolname = $1 DESC, r.rolname",
            &[&role],
        )
        .await;
    // pg_has_role fails for a role that does not exist: nothing escapes then.
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) if error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_OBJECT) => {
            return Ok(Vec::new());
        }
        Err(error) => return Err(error),
    };
    let mut problems = Vec::new();
    for row in rows {
        let (name, superuser, bypass): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
        let what = match (superuser, bypass) {
            (true, _) => "is a superuser",
            (false, true) => "has BYPASSRLS",
            (false, false) => continue,
        };
        let whose = if name == role {
            format!("the application role {role}")
        } else {
            format!("role {name}, which the application role {role} is a member of,")
        };
        problems.push(format!(
            "{whose} {what}, so row-level security does not confine it to a tenant: `ALTER ROLE \"{name}\" NOSUPERUSER NOBYPASSRLS`"
        ));
    }
    Ok(problems)
}

#[derive(Debug)]
enum Effect {
    Remove(String, Guard),
    Restore(String, Guard),
    DropTable(String),
    Begin,
    Commit,
    Other,
}

/// The moments `script` leaves a table of `after` without a policy or row-level security it has
/// in `after`, at a commit. `transactional` is whether the runner wraps the whole script in one
/// transaction (then nothing is visible until the end, and there is no such moment).
pub fn gaps(script: &str, transactional: bool, after: &Schema) -> Vec<String> {
    if transactional {
        return Vec::new();
    }
    let mut open: BTreeMap<(String, Guard), usize> = BTreeMap::new();
    let mut in_block = false;
    let mut found = Vec::new();
    let statements = split_statements(script);
    for (number, statement) in statements.iter().enumerate() {
        let tokens = significant_tokens(statement);
        let effect = effect(&tokens);
        match effect {
            Effect::Remove(table, guard) => {
                open.entry((table, guard)).or_insert(number + 1);
            }
            Effect::Restore(table, guard) => {
                open.remove(&(table, guard));
            }
            Effect::DropTable(table) => open.retain(|(t, _), _| *t != table),
            Effect::Begin => in_block = true,
            Effect::Commit => in_block = false,
            Effect::Other => {}
        }
        if !in_block {
            // This statement committed (on its own, or as the end of a block).
            for ((table, guard), from) in &open {
                if guard.kept_by(after, table) {
                    found.push(format!(
                        "{} at statement {from} and still missing when statement {} commits",
                        guard.describe(table),
                        number + 1
                    ));
                }
            }
            open.clear();
        }
    }
    found
}

fn effect(tokens: &[Token]) -> Effect {
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t| t.is_word(w));
    let name = |i: usize| tokens.get(i).and_then(|t| t.identifier());
    // A table as the model names it: `public.t` is `t`, `billing.t` is `billing.t`.
    let object = |i: usize| -> (Option<String>, usize) {
        if tokens.get(i + 1).is_some_and(|t| t.text == ".") {
            let qualified = name(i)
                .zip(name(i + 2))
                .map(|(schema, table)| schema_core::ident::qualified_name(&schema, &table));
            (qualified, i + 3)
        } else {
            (name(i), i + 1)
        }
    };
    if word(0, "BEGIN") || (word(0, "START") && word(1, "TRANSACTION")) {
        return Effect::Begin;
    }
    if word(0, "COMMIT") || word(0, "END") || word(0, "ROLLBACK") {
        return Effect::Commit;
    }
    if word(0, "DROP") && word(1, "POLICY") {
        let at = if word(2, "IF") && word(3, "EXISTS") { 4 } else { 2 };
        if let (Some(policy), true, (Some(table), _)) = (name(at), word(at + 1, "ON"), object(at + 2)) {
            return Effect::Remove(table, Guard::Policy(policy));
        }
    }
    if word(0, "CREATE")
        && word(1, "POLICY")
        && let (Some(policy), true, (Some(table), _)) = (name(2), word(3, "ON"), object(4))
    {
        return Effect::Restore(table, Guard::Policy(policy));
    }
    if word(0, "DROP") && word(1, "TABLE") {
        let at = if word(2, "IF") && word(3, "EXISTS") { 4 } else { 2 };
        if let (Some(table), _) = object(at) {
            return Effect::DropTable(table);
        }
    }
    if word(0, "ALTER") && word(1, "TABLE") {
        let at = if word(2, "ONLY") { 3 } else { 2 };
        let (table, next) = object(at);
        if let Some(table) = table {
            let rls = word(next + 1, "ROW") || word(next + 2, "ROW");
            if rls && word(next, "DISABLE") {
                return Effect::Remove(table, Guard::Enabled);
            }
            if rls && word(next, "ENABLE") {
                return Effect::Restore(table, Guard::Enabled);
            }
            if rls && word(next, "NO") && word(next + 1, "FORCE") {
                return Effect::Remove(table, Guard::Forced);
            }
            if rls && word(next, "FORCE") {
                return Effect::Restore(table, Guard::Forced);
            }
        }
    }
    Effect::Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema_core::model::{Column, ColumnType, Policy, PolicyCommand, RowLevelSecurity, Table};

    fn after() -> Schema {
        let mut table = Table::new("docs", vec![Column::new("id", ColumnType::Integer)]);
        table.row_level_security = RowLevelSecurity {
            enabled: true,
            forced: true,
        };
        table.policies.push(Policy {
            name: "tenant_isolation".into(),
            command: PolicyCommand::All,
            permissive: true,
            roles: vec![],
            using: Some("true".into()),
            with_check: None,
        });
        Schema {
            tables: vec![table],
            ..Schema::default()
        }
    }

    #[test]
    fn a_policy_recreated_in_the_same_block_leaves_no_gap() {
        let script = "BEGIN;\nDROP POLICY \"tenant_isolation\" ON \"docs\";\nALTER TABLE docs ALTER COLUMN id TYPE bigint;\n\
                      CREATE POLICY \"tenant_isolation\" ON \"docs\" USING (true);\nCOMMIT;\n\
                      CREATE INDEX CONCURRENTLY i ON docs (id);";
        assert!(gaps(script, false, &after()).is_empty());
    }

    #[test]
    fn a_table_in_another_schema_is_told_apart_from_public_ones() {
        let mut schema = after();
        schema.tables[0].name = "billing.docs".into();
        let script = "BEGIN;\nDROP POLICY \"tenant_isolation\" ON \"billing\".\"docs\";\nCOMMIT;\n\
                      BEGIN;\nCREATE POLICY \"tenant_isolation\" ON \"billing\".\"docs\" USING (true);\nCOMMIT;";
        let found = gaps(script, false, &schema);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("billing.docs"), "{found:?}");
        // `docs` in `public` is another table, which this schema does not have.
        let script = "BEGIN;\nDROP POLICY tenant_isolation ON docs;\nCOMMIT;";
        assert!(gaps(script, false, &schema).is_empty());
    }

    #[test]
    fn a_policy_missing_at_a_commit_is_a_gap() {
        let script = "BEGIN;\nDROP POLICY tenant_isolation ON public.docs;\nCOMMIT;\n\
                      CREATE INDEX CONCURRENTLY i ON docs (id);\n\
                      BEGIN;\nCREATE POLICY tenant_isolation ON docs USING (true);\nCOMMIT;";
        let found = gaps(script, false, &after());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("policy tenant_isolation on docs"), "{found:?}");
        // The same script in one transaction is fine.
        assert!(gaps(script, true, &after()).is_empty());
    }

    #[test]
    fn disabling_row_level_security_at_a_commit_is_a_gap() {
        let script =
            "ALTER TABLE docs DISABLE ROW LEVEL SECURITY;\nALTER TABLE docs ENABLE ROW LEVEL SECURITY;";
        assert_eq!(gaps(script, false, &after()).len(), 1);
        let script = "ALTER TABLE docs NO FORCE ROW LEVEL SECURITY;";
        assert_eq!(gaps(script, false, &after()).len(), 1);
    }

    #[test]
    fn a_policy_that_goes_with_its_table_or_for_good_is_no_gap() {
        let script = "DROP POLICY tenant_isolation ON docs;\nDROP TABLE docs;";
        assert!(gaps(script, false, &Schema::default()).is_empty());
        let script = "DROP POLICY other ON docs;";
        assert!(gaps(script, false, &after()).is_empty());
    }
}
