//! Comments on enum types and indexes: a PgEnum's `///` doc comment or `comment = "..."` (which
//! wins), `comment = "..."` in `index(...)` and on a column's `index(...)`, and the attribute
//! `migrate advise` prints, pasted as it is, rendered with its COMMENT ON INDEX.
use schema_core::prelude::*;

/// Where an invoice stands.
///
/// Paid and void are final.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceState {
    Open,
    Paid,
    Void,
}

/// Seen by Rust readers only.
#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[pg_enum(comment = "how a customer pays")]
pub enum PaymentKind {
    Card,
    Transfer,
}

#[derive(PgEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plain {
    One,
}

#[derive(Table)]
#[table(tenant_root)]
pub struct Organization {
    #[column(primary_key)]
    pub id: OrganizationId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Table)]
#[table(index(organization_id, state, comment = "serves the open-invoices list"))]
// As `migrate advise` prints it (see advise::candidates' tests).
#[table(index(organization_id, customer_id, due_on desc, name = "invoices_organization_id_customer_id_due_on_idx", comment = "serves the \"overdue\" list"))]
pub struct Invoice {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub customer_id: Uuid,
    pub state: InvoiceState,
    pub kind: PaymentKind,
    pub plain: Plain,
    pub due_on: Date,
    #[column(index(comment = "serves lookups by number"))]
    pub number: i64,
    #[column(index)]
    pub reference: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let declared = SchemaBuilder::new()
        .table::<Organization>()
        .table::<Invoice>()
        .build()
        .expect("the schema is valid");
    let schema = &declared.schema;
    let comment = |name: &str| schema.enum_type(name).unwrap().comment.clone();
    assert_eq!(
        comment("invoice_state").as_deref(),
        Some("Where an invoice stands.\n\nPaid and void are final.")
    );
    assert_eq!(comment("payment_kind").as_deref(), Some("how a customer pays"));
    assert_eq!(comment("plain"), None);
    let invoices = schema.table("invoices").unwrap();
    let index = |name: &str| {
        invoices
            .indexes
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .comment
            .clone()
    };
    assert_eq!(
        index("invoices_organization_id_state_idx").as_deref(),
        Some("serves the open-invoices list")
    );
    assert_eq!(index("invoices_number_idx").as_deref(), Some("serves lookups by number"));
    assert_eq!(index("invoices_reference_idx"), None);
    let ddl = schema_core::render::schema_sql(schema);
    for expected in [
        "COMMENT ON TYPE \"invoice_state\" IS 'Where an invoice stands.\n\nPaid and void are final.'",
        "COMMENT ON TYPE \"payment_kind\" IS 'how a customer pays'",
        "CREATE INDEX \"invoices_organization_id_customer_id_due_on_idx\" ON \"invoices\" USING btree (\"organization_id\", \"customer_id\", \"due_on\" DESC)",
        "COMMENT ON INDEX \"invoices_organization_id_customer_id_due_on_idx\" IS 'serves the \"overdue\" list'",
        "COMMENT ON INDEX \"invoices_number_idx\" IS 'serves lookups by number'",
    ] {
        assert!(ddl.contains(expected), "{expected}\n--- in ---\n{ddl}");
    }
}
