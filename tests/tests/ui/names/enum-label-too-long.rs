use schema_core::prelude::*;

#[derive(PgEnum, Clone, Copy)]
pub enum InvoiceStatus {
    Draft,
    WaitingForTheCustomerToConfirmTheBillingAddressBeforeWeCanSendIt,
}

fn main() {}
