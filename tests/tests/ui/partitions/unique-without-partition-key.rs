use schema_core::prelude::*;

#[derive(Table)]
#[table(partition_by(list(region)), unique(organization_id, code))]
pub struct Event {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(primary_key)]
    pub region: String,
    pub code: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
