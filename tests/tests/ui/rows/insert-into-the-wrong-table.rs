use schema_core::prelude::*;

#[derive(Table)]
pub struct Customer {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub email: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub total_cents: Money,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let customer = NewCustomer {
        id: Uuid::nil(),
        organization_id: OrganizationId::new(),
        email: "a@example.test".to_owned(),
        defaults: Default::default(),
    };
    let _ = Invoice::insert(&customer);
}
