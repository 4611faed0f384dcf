use schema_core::prelude::*;

#[derive(Table)]
#[table(tenant_rot, index(numbr))]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(refrences = Customer)]
    pub customer_id: Uuid,
    #[column(unique, unique)]
    pub number: i64,
    pub created_at: Timestamp,
}

fn main() {}
