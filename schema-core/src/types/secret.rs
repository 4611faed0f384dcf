//! Secrets are stored only as one-way hashes: `PasswordHash` and `TokenHash`.

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind, rules};

/// A password hash in PHC string format (`$argon2id$v=19$...`). Never plaintext.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PasswordHash(String);

/// Why a string is not accepted as a password hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordHashError {
    #[error(
        "not a PHC-format password hash (expected `$<algorithm>$...`): refusing to store what may be a plaintext password"
    )]
    NotPhc,
}

/// The SHA-256 digest of an API key or token (`bytea`, 32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl SqlType for PasswordHash {
    type Kind = kind::SecretHash;
    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl SqlType for TokenHash {
    type Kind = kind::SecretHash;
    fn column_type() -> ColumnType {
        ColumnType::Bytea
    }
}

impl rules::SecretColumn for PasswordHash {}
impl rules::SecretColumn for Option<PasswordHash> {}
impl rules::SecretColumn for TokenHash {}
impl rules::SecretColumn for Option<TokenHash> {}
