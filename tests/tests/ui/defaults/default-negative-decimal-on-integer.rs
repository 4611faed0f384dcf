use schema_core::prelude::*;

#[derive(Table)]
pub struct Seat {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(default = -1.5)]
    pub position: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
