use schema_core::prelude::*;

#[derive(Table)]
#[table(partition_by(range(id)), partition(default))]
pub struct Event {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
