//! `sql_type` overrides that keep the rules: each rendered type is what the field's value is.
use schema_core::prelude::*;

#[derive(Table)]
#[table(global)]
pub struct Rate {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(sql_type = "bigint")]
    pub total_cents: Money,
    #[column(sql_type = "character varying(255)")]
    pub password_hash: PasswordHash,
    #[column(sql_type = "bytea")]
    pub api_key: TokenHash,
    #[column(float = "a central bank estimate", sql_type = "real")]
    pub ratio: f32,
    #[column(float = "stored rounded, read as an estimate", sql_type = "double precision")]
    pub estimate: i64,
    #[column(json = "shape owned by the partner", sql_type = "jsonb")]
    pub raw: String,
    #[column(sql_type = "numeric(12, 4)")]
    pub exchange_rate: Decimal,
    #[column(sql_type = "citext")]
    pub tax_number: String,
    #[column(sql_type = "text[]")]
    pub tags: Vec<String>,
    #[column(sql_type = "timestamp(3) with time zone")]
    pub fee_waived_at: Timestamp,
    #[column(not_money = "a count of price changes, not an amount", sql_type = "integer")]
    pub price_change: i32,
    #[column(not_secret = "the provider's public client identifier, which it calls a token")]
    pub client_token: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    use schema_core::model::ColumnType;
    let table = <Rate as schema_core::Table>::definition().table;
    // The derive parses each `sql_type` at compile time into exactly what `ColumnType::parse`
    // reads at run time.
    for (column, sql) in [
        ("total_cents", "bigint"),
        ("password_hash", "character varying(255)"),
        ("api_key", "bytea"),
        ("ratio", "real"),
        ("estimate", "double precision"),
        ("raw", "jsonb"),
        ("exchange_rate", "numeric(12, 4)"),
        ("tax_number", "citext"),
        ("tags", "text[]"),
        ("fee_waived_at", "timestamp(3) with time zone"),
        ("price_change", "integer"),
    ] {
        let declared = &table.column(column).expect(column).ty;
        assert_eq!(*declared, ColumnType::parse(sql), "{column}");
    }
}
