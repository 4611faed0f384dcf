use schema_core::prelude::*;

#[derive(Table)]
#[table(partition_by(range(id, at)), partition(name = "events_low", from = "a", to("b", "c")))]
pub struct Event {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(primary_key)]
    pub at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
