//! Literal defaults take the column's own type: integers, negatives, decimals on floats, suffixed
//! literals and nullable columns.
use schema_core::prelude::*;

#[derive(Table)]
pub struct Seat {
    #[column(primary_key)]
    pub id: Uuid,
    pub organization_id: OrganizationId,
    #[column(default = -1)]
    pub position: i16,
    #[column(default = 3)]
    pub row_number: Option<i32>,
    #[column(default = 9_000_000_000)]
    pub capacity: i64,
    #[column(default = 2i64)]
    pub floor: i64,
    #[column(float = "a rendering weight", default = 0.5)]
    pub weight: f64,
    #[column(float = "a rendering weight", default = -2.25)]
    pub tilt: Option<f32>,
    #[column(default = "A")]
    pub section: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn main() {
    let table = <Seat as schema_core::Table>::definition().table;
    let default = |name: &str| {
        table
            .columns
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.default.clone())
    };
    assert_eq!(default("position").as_deref(), Some("-1"));
    assert_eq!(default("row_number").as_deref(), Some("3"));
    assert_eq!(default("capacity").as_deref(), Some("9000000000"));
    assert_eq!(default("weight").as_deref(), Some("0.5"));
    assert_eq!(default("tilt").as_deref(), Some("-2.25"));
    assert_eq!(default("section").as_deref(), Some("'A'"));
}
