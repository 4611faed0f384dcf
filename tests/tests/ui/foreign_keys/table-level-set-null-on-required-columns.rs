use schema_core::prelude::*;

#[derive(Table)]
pub struct Order {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(primary_key)]
    pub line: i32,
    pub organization_id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(foreign_key(columns(order_id, line), references = Order, on_delete = "set null"))]
pub struct Shipment {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub order_id: Uuid,
    pub line: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {}
