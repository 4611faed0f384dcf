//! `Money`: an amount in integer cents.

use crate::model::ColumnType;
use crate::sql_type::{SqlLiteral, SqlType, kind, rules};

/// An amount of money in integer cents (`bigint`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Arithmetic that would overflow or divide by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("money arithmetic overflowed")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }
}

impl SqlType for Money {
    type Kind = kind::Money;
    fn column_type() -> ColumnType {
        ColumnType::BigInt
    }
}

impl SqlLiteral for Money {
    fn sql_literal(&self) -> String {
        self.0.to_string()
    }
}

impl rules::MoneyColumn for Money {}
impl rules::MoneyColumn for Option<Money> {}
