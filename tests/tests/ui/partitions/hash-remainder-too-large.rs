use schema_core::prelude::*;

#[derive(Table)]
#[table(partition_by(hash(id)), partition(name = "events_0", modulus = 2, remainder = 2))]
pub struct Event {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
