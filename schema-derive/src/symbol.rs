//! Every attribute name, in one table.

pub const TABLE: &str = "table";
pub const COLUMN: &str = "column";
pub const PG_ENUM: &str = "pg_enum";

// #[table(...)]
pub const NAME: &str = "name";
pub const SCHEMA: &str = "schema";
pub const TENANT_ROOT: &str = "tenant_root";
pub const GLOBAL: &str = "global";
pub const AUDITED: &str = "audited";
pub const RLS_EXEMPT: &str = "rls_exempt";
pub const RENAMED_FROM: &str = "renamed_from";
pub const COMMENT: &str = "comment";
pub const CHECK: &str = "check";
pub const UNIQUE: &str = "unique";
pub const INDEX: &str = "index";
pub const FOREIGN_KEY: &str = "foreign_key";
pub const PARTITION_BY: &str = "partition_by";
pub const PARTITION: &str = "partition";
pub const PRIMARY_KEY: &str = "primary_key";

pub const TABLE_KEYS: &[&str] = &[
    NAME,
    SCHEMA,
    TENANT_ROOT,
    GLOBAL,
    AUDITED,
    RLS_EXEMPT,
    RENAMED_FROM,
    COMMENT,
    CHECK,
    UNIQUE,
    INDEX,
    FOREIGN_KEY,
    PARTITION_BY,
    PARTITION,
    PRIMARY_KEY,
];

// #[table(primary_key(...))]
pub const DEFERRABLE: &str = "deferrable";
pub const PRIMARY_KEY_KEYS: &[&str] = &[NAME, DEFERRABLE];

// #[column(...)]
pub const REFERENCES: &str = "references";
pub const ON_DELETE: &str = "on_delete";
pub const ON_UPDATE: &str = "on_update";
pub const DEFAULT: &str = "default";
pub const DEFAULT_SQL: &str = "default_sql";
pub const SQL_TYPE: &str = "sql_type";
pub const COLLATE: &str = "collate";
pub const IDENTITY: &str = "identity";
pub const GENERATED: &str = "generated";
pub const JSON: &str = "json";
pub const FLOAT: &str = "float";
pub const NOT_MONEY: &str = "not_money";
pub const NOT_SECRET: &str = "not_secret";

pub const COLUMN_KEYS: &[&str] = &[
    PRIMARY_KEY,
    NAME,
    RENAMED_FROM,
    UNIQUE,
    INDEX,
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    DEFAULT,
    DEFAULT_SQL,
    SQL_TYPE,
    COLLATE,
    IDENTITY,
    GENERATED,
    CHECK,
    JSON,
    FLOAT,
    NOT_MONEY,
    NOT_SECRET,
    COMMENT,
    DEFERRABLE,
];

// identity(...)
pub const ALWAYS: &str = "always";
pub const BY_DEFAULT: &str = "by_default";
pub const START: &str = "start";
pub const INCREMENT: &str = "increment";
pub const MIN_VALUE: &str = "min_value";
pub const MAX_VALUE: &str = "max_value";
pub const CACHE: &str = "cache";
pub const CYCLE: &str = "cycle";
pub const IDENTITY_KEYS: &[&str] = &[
    ALWAYS, BY_DEFAULT, START, INCREMENT, MIN_VALUE, MAX_VALUE, CACHE, CYCLE,
];

// check(...)
pub const EXPR: &str = "expr";
pub const CHECK_KEYS: &[&str] = &[NAME, EXPR];

// index(...) / unique(...)
pub const METHOD: &str = "method";
pub const INCLUDE: &str = "include";
pub const WHERE: &str = "where";
pub const NULLS_NOT_DISTINCT: &str = "nulls_not_distinct";
pub const INDEX_KEYS: &[&str] = &[NAME, UNIQUE, METHOD, INCLUDE, WHERE, NULLS_NOT_DISTINCT, COMMENT];
/// `#[column(index(...))]`: the keys of a one-column index.
pub const COLUMN_INDEX_KEYS: &[&str] = &[COMMENT];
pub const UNIQUE_KEYS: &[&str] = &[NAME, NULLS_NOT_DISTINCT, DEFERRABLE];
/// After an index key: `email collate "C" opclass "text_pattern_ops" desc nulls first`.
pub const OPCLASS: &str = "opclass";

// foreign_key(...)
pub const COLUMNS: &str = "columns";
pub const MATCH_FULL: &str = "match_full";
pub const FOREIGN_KEY_KEYS: &[&str] = &[
    COLUMNS, REFERENCES, ON_DELETE, ON_UPDATE, MATCH_FULL, NAME, DEFERRABLE,
];

// partition_by(range(a)) / partition(...)
pub const RANGE: &str = "range";
pub const LIST: &str = "list";
pub const HASH: &str = "hash";
pub const PARTITION_STRATEGIES: &[&str] = &[RANGE, LIST, HASH];
pub const FROM: &str = "from";
pub const TO: &str = "to";
pub const VALUES: &str = "values";
pub const MODULUS: &str = "modulus";
pub const REMAINDER: &str = "remainder";
pub const PARTITION_KEYS: &[&str] = &[NAME, FROM, TO, VALUES, MODULUS, REMAINDER, DEFAULT];

// #[pg_enum(...)]
pub const RENAME: &str = "rename";
pub const PG_ENUM_KEYS: &[&str] = &[NAME, SCHEMA, RENAMED_FROM, COMMENT];
pub const PG_ENUM_VARIANT_KEYS: &[&str] = &[RENAME];

/// The valid keys, for messages: "`a`, `b`, `c`".
pub fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The valid key closest to a misspelled one, if any is close.
pub fn suggest<'a>(unknown: &str, keys: &[&'a str]) -> Option<&'a str> {
    keys.iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(
            super::suggest("refrences", super::COLUMN_KEYS),
            Some("references")
        );
        assert_eq!(super::suggest("ondelete", super::COLUMN_KEYS), Some("on_delete"));
        assert_eq!(super::suggest("zzzzzz", super::COLUMN_KEYS), None);
    }
}
