use schema_core::prelude::*;

#[derive(Table)]
pub struct Invoice(Uuid, OrganizationId);

fn main() {}
