use schema_core::prelude::*;

#[derive(Table)]
#[table(global, rls_exempt = "shared")]
pub struct Currency {
    #[column(primary_key)]
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
