use schema_core::prelude::*;

#[derive(Table)]
pub struct Seat {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    // The literal keeps the column's type: 70000 does not fit a smallint.
    #[column(default = 70000)]
    pub position: i16,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
