//! A table declared through `macro_rules!`: its types, defaults and values arrive in invisible
//! groups.
use schema_core::prelude::*;

macro_rules! table {
    ($name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        #[derive(Table)]
        #[table(global)]
        pub struct $name {
            $($(#[$attr])* pub $field: $ty,)*
        }
    };
}

macro_rules! with_values {
    ($default:expr, $sql:literal, $target:ty, $reason:expr) => {
        #[derive(Table)]
        #[table(global)]
        pub struct Line {
            #[column(primary_key)]
            pub id: Uuid,
            #[column(default = $default)]
            pub label: String,
            #[column(sql_type = $sql)]
            pub code: String,
            #[column(references = $target, on_delete = "cascade")]
            pub product_id: Option<Uuid>,
            #[column(float = $reason)]
            pub weight: f64,
            pub created_at: Timestamp,
            pub updated_at: Timestamp,
        }
    };
}

table!(Product {
    #[column(primary_key)]
    id: Uuid,
    total_cents: Money,
    note: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
});

with_values!("none", "character varying(8)", Product, "a shipping estimate");

fn main() {
    let line = <Line as schema_core::Table>::definition().table;
    assert_eq!(line.column("label").unwrap().default.as_deref(), Some("'none'"));
    let _ = <Product as schema_core::Table>::definition();
}
