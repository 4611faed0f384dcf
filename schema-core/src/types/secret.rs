//! Secrets are stored only as one-way hashes: `PasswordHash` and `TokenHash`.

use std::error::Error;
use std::fmt;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use sha2::{Digest, Sha256};

use crate::model::ColumnType;
use crate::sql_type::{SqlType, kind};

/// A password hash in PHC string format (`$argon2id$v=19$...`, `$2b$12$...`). Never plaintext.
///
/// Only [`PasswordHash::from_phc`] (and the validating `TryFrom`, serde and `FromSql` paths)
/// construct one. `Debug` is redacted and there is no `Display`: use [`PasswordHash::as_str`]
/// when the hash really must be handed to a verifier.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PasswordHash(String);

/// Why a string is not accepted as a password hash.
///
/// The rejected input is deliberately not included: it may be a plaintext password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordHashError {
    #[error(
        "not a PHC-format password hash (expected `$<algorithm>$...`): refusing to store what may be a plaintext password"
    )]
    NotPhc,
}

/// Longest accepted hash string; real PHC strings are well under this.
const MAX_PHC_LEN: usize = 1024;

impl PasswordHash {
    /// Accepts `s` if it is a PHC-format hash string: `$<id>$<segment>[$<segment>...]`, where
    /// `<id>` is `[a-z0-9-]{1,32}` and every segment is non-empty and made of the PHC character
    /// set (`[A-Za-z0-9/+.=,-]`). bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`) must be
    /// `$2b$<2-digit cost>$<53 chars>`, and argon2 must carry parameters, salt and hash.
    pub fn from_phc(s: impl Into<String>) -> Result<Self, PasswordHashError> {
        let s = s.into();
        if is_phc(&s) {
            Ok(PasswordHash(s))
        } else {
            Err(PasswordHashError::NotPhc)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn is_phc(s: &str) -> bool {
    if s.len() > MAX_PHC_LEN {
        return false;
    }
    let Some(rest) = s.strip_prefix('$') else {
        return false;
    };
    let mut parts = rest.split('$');
    let Some(id) = parts.next() else {
        return false;
    };
    if id.is_empty()
        || id.len() > 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return false;
    }
    let segments: Vec<&str> = parts.collect();
    let phc_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'.' | b'=' | b',' | b'-');
    if segments.is_empty()
        || segments
            .iter()
            .any(|seg| seg.is_empty() || !seg.bytes().all(phc_char))
    {
        return false;
    }
    match id {
        "2" | "2a" | "2b" | "2x" | "2y" => is_bcrypt(&segments),
        "argon2i" | "argon2d" | "argon2id" => is_argon2(&segments),
        _ => true,
    }
}

/// `$2b$<cost>$<22-char salt><31-char hash>`, bcrypt's own base64 alphabet.
fn is_bcrypt(segments: &[&str]) -> bool {
    let [cost, salt_and_hash] = segments else {
        return false;
    };
    cost.len() == 2
        && cost.bytes().all(|b| b.is_ascii_digit())
        && salt_and_hash.len() == 53
        && salt_and_hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
}

/// `[$v=<n>]$m=..,t=..,p=..$<salt>$<hash>`.
fn is_argon2(segments: &[&str]) -> bool {
    let segments = match segments {
        [version, rest @ ..] if version.starts_with("v=") => {
            if !version[2..].bytes().all(|b| b.is_ascii_digit()) || version.len() == 2 {
                return false;
            }
            rest
        }
        _ => segments,
    };
    let [params, _salt, _hash] = segments else {
        return false;
    };
    params.split(',').all(|param| {
        param
            .split_once('=')
            .is_some_and(|(name, value)| !name.is_empty() && !value.is_empty())
    })
}

impl TryFrom<String> for PasswordHash {
    type Error = PasswordHashError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        PasswordHash::from_phc(s)
    }
}

impl TryFrom<&str> for PasswordHash {
    type Error = PasswordHashError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        PasswordHash::from_phc(s)
    }
}

impl From<PasswordHash> for String {
    fn from(hash: PasswordHash) -> Self {
        hash.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

fn is_text(ty: &Type) -> bool {
    *ty == Type::TEXT || *ty == Type::VARCHAR
}

impl ToSql for PasswordHash {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        self.0.as_str().to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        is_text(ty)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for PasswordHash {
    /// Fails if the database holds something that is not a PHC hash string.
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let s = <&str as FromSql>::from_sql(ty, raw)?;
        Ok(PasswordHash::from_phc(s)?)
    }

    fn accepts(ty: &Type) -> bool {
        is_text(ty)
    }
}

/// The SHA-256 digest of an API key or token (`bytea`, 32 bytes).
///
/// Serialized (serde) as a lowercase hex string; `Debug` is redacted.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

/// Why bytes or a string are not accepted as a token hash.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TokenHashError {
    #[error("a token hash is 32 bytes (SHA-256), got {0}")]
    WrongLength(usize),
    #[error("a token hash is 64 hex digits: {0}")]
    Hex(#[from] hex::FromHexError),
}

impl TokenHash {
    /// The SHA-256 digest of `token`.
    pub fn of(token: &[u8]) -> Self {
        TokenHash(Sha256::digest(token).into())
    }

    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenHash(bytes)
    }

    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `token` hashes to this digest. The comparison takes the same time whichever byte
    /// differs.
    pub fn verify(&self, token: &[u8]) -> bool {
        let candidate = TokenHash::of(token);
        let difference = self
            .0
            .iter()
            .zip(candidate.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }

    /// The digest as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, TokenHashError> {
        let bytes = hex::decode(s)?;
        TokenHash::try_from(bytes.as_slice())
    }
}

impl TryFrom<&[u8]> for TokenHash {
    type Error = TokenHashError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        <[u8; 32]>::try_from(bytes)
            .map(TokenHash)
            .map_err(|_| TokenHashError::WrongLength(bytes.len()))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

impl serde::Serialize for TokenHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for TokenHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        TokenHash::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

impl ToSql for TokenHash {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        self.0.as_slice().to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::BYTEA
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for TokenHash {
    /// Fails unless the value is exactly 32 bytes.
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let bytes = <&[u8] as FromSql>::from_sql(ty, raw)?;
        Ok(TokenHash::try_from(bytes)?)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::BYTEA
    }
}

#[diagnostic::do_not_recommend]
impl SqlType for PasswordHash {
    type Kind = kind::PasswordHash;
    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

#[diagnostic::do_not_recommend]
impl SqlType for TokenHash {
    type Kind = kind::TokenHash;
    fn column_type() -> ColumnType {
        ColumnType::Bytea
    }
}
