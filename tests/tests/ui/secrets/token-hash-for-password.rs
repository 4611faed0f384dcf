//! A `TokenHash` is a fast SHA-256: a password needs `PasswordHash`.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub password_hash: TokenHash,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
