//! The DDL of extensions, collations and domains: objects the tables depend on, created before
//! them and dropped after them. Written by hand (sea-query has none of these statements).

use crate::ident::{quote, quote_literal, quote_qualified};
use crate::model::{CheckConstraint, Collation, CollationProvider, Domain, Extension};

/// `CREATE EXTENSION "name" [WITH SCHEMA "s"] [VERSION 'v']`
pub fn create_extension(extension: &Extension) -> String {
    let mut sql = format!("CREATE EXTENSION {}", quote(&extension.name));
    if let Some(schema) = &extension.schema {
        sql.push_str(&format!(" WITH SCHEMA {}", quote(schema)));
    }
    if let Some(version) = &extension.version {
        sql.push_str(&format!(" VERSION {}", quote_literal(version)));
    }
    sql
}

/// `DROP EXTENSION "name"` (RESTRICT: Postgres refuses while an object outside it uses it).
pub fn drop_extension(name: &str) -> String {
    format!("DROP EXTENSION {}", quote(name))
}

/// `ALTER EXTENSION "name" UPDATE [TO 'v']` (no version: to the default one).
pub fn update_extension(name: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!(
            "ALTER EXTENSION {} UPDATE TO {}",
            quote(name),
            quote_literal(version)
        ),
        None => format!("ALTER EXTENSION {} UPDATE", quote(name)),
    }
}

/// `ALTER EXTENSION "name" SET SCHEMA "s"`
pub fn set_extension_schema(name: &str, schema: &str) -> String {
    format!("ALTER EXTENSION {} SET SCHEMA {}", quote(name), quote(schema))
}

/// `CREATE COLLATION "name" (provider = ..., locale = '...' [, deterministic = false])`; a libc
/// collation whose `LC_CTYPE` differs names both.
pub fn create_collation(collation: &Collation) -> String {
    let provider = match collation.provider {
        CollationProvider::Icu => "icu",
        CollationProvider::Libc => "libc",
    };
    let locale = match (&collation.ctype, collation.provider) {
        (Some(ctype), CollationProvider::Libc) => format!(
            "lc_collate = {}, lc_ctype = {}",
            quote_literal(&collation.locale),
            quote_literal(ctype)
        ),
        _ => format!("locale = {}", quote_literal(&collation.locale)),
    };
    let deterministic = if collation.deterministic {
        ""
    } else {
        ", deterministic = false"
    };
    format!(
        "CREATE COLLATION {} (provider = {provider}, {locale}{deterministic})",
        quote_qualified(&collation.name)
    )
}

/// `DROP COLLATION "name"`
pub fn drop_collation(name: &str) -> String {
    format!("DROP COLLATION {}", quote_qualified(name))
}

/// `CREATE DOMAIN "name" AS type [COLLATE "c"] [DEFAULT e] [NOT NULL]`, its checks added by
/// [`add_domain_check`] (a check added `NOT VALID` cannot be written inline).
pub fn create_domain(domain: &Domain) -> String {
    let mut sql = format!(
        "CREATE DOMAIN {} AS {}",
        quote_qualified(&domain.name),
        domain.data_type.sql()
    );
    if let Some(collation) = &domain.collation {
        sql.push_str(&format!(" COLLATE {}", quote(collation)));
    }
    if let Some(default) = &domain.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if domain.not_null {
        sql.push_str(" NOT NULL");
    }
    for check in domain.checks.iter().filter(|c| !c.not_valid) {
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK ({})",
            quote(&check.name),
            check.expression
        ));
    }
    sql
}

/// The checks [`create_domain`] cannot write inline: those declared `NOT VALID`.
pub fn add_not_valid_domain_checks(domain: &Domain) -> Vec<String> {
    domain
        .checks
        .iter()
        .filter(|c| c.not_valid)
        .map(|c| add_domain_check(&domain.name, c, true))
        .collect()
}

/// `DROP DOMAIN "name"`
pub fn drop_domain(name: &str) -> String {
    format!("DROP DOMAIN {}", quote_qualified(name))
}

/// `ALTER DOMAIN "d" ADD CONSTRAINT "c" CHECK (...) [NOT VALID]`
pub fn add_domain_check(domain: &str, check: &CheckConstraint, not_valid: bool) -> String {
    format!(
        "ALTER DOMAIN {} ADD CONSTRAINT {} CHECK ({}){}",
        quote_qualified(domain),
        quote(&check.name),
        check.expression,
        if not_valid { " NOT VALID" } else { "" }
    )
}

/// `ALTER DOMAIN "d" VALIDATE CONSTRAINT "c"`
pub fn validate_domain_check(domain: &str, check: &str) -> String {
    format!(
        "ALTER DOMAIN {} VALIDATE CONSTRAINT {}",
        quote_qualified(domain),
        quote(check)
    )
}

/// `ALTER DOMAIN "d" DROP CONSTRAINT "c"`
pub fn drop_domain_check(domain: &str, check: &str) -> String {
    format!(
        "ALTER DOMAIN {} DROP CONSTRAINT {}",
        quote_qualified(domain),
        quote(check)
    )
}

/// `ALTER DOMAIN "d" SET DEFAULT e` / `DROP DEFAULT`
pub fn set_domain_default(domain: &str, default: Option<&str>) -> String {
    match default {
        Some(default) => format!("ALTER DOMAIN {} SET DEFAULT {default}", quote_qualified(domain)),
        None => format!("ALTER DOMAIN {} DROP DEFAULT", quote_qualified(domain)),
    }
}

/// `ALTER DOMAIN "d" SET NOT NULL` / `DROP NOT NULL`
pub fn set_domain_not_null(domain: &str, not_null: bool) -> String {
    format!(
        "ALTER DOMAIN {} {} NOT NULL",
        quote_qualified(domain),
        if not_null { "SET" } else { "DROP" }
    )
}
