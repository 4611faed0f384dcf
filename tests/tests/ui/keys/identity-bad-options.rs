use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key, identity(start = "1000"))]
    pub id: i64,
    #[column(identity(increment = 0))]
    pub a: i64,
    #[column(identity(min_value = 10, max_value = 5))]
    pub b: i64,
    #[column(identity(start = 99999999999999999999))]
    pub c: i64,
    #[column(identity(strat = 1))]
    pub d: i64,
    #[column(identity = "sequence")]
    pub e: i64,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
