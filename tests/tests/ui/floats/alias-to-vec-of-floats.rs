use schema_core::prelude::*;

type Readings = Vec<f64>;

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub readings: Readings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
