//! `Money`: an amount in integer cents.
//!
//! There is deliberately no conversion from `f32`/`f64` and no panicking `Add`/`Sub`/`Neg`:
//! arithmetic goes through the `checked_*` (returning [`MoneyError::Overflow`]) or `saturating_*`
//! methods.

use std::error::Error;
use std::fmt;
use std::str::FromStr;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::model::ColumnType;
use crate::sql_type::{SqlLiteral, SqlType, kind};

/// An amount of money in integer cents (`bigint`).
///
/// Serialized (serde) as the integer number of cents; displayed and parsed as a decimal amount
/// with two fraction digits (`12345` cents is `"123.45"`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Arithmetic that would overflow, or a string that is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("money arithmetic overflowed")]
    Overflow,
    #[error("cannot parse an amount of money from an empty string")]
    Empty,
    #[error("amount of money `{0}` has more than 2 decimal places")]
    TooManyDecimals(String),
    #[error("`{0}` is not an amount of money (expected e.g. `123.45`, `-0.05` or `7`)")]
    Parse(String),
}

impl Money {
    /// No money.
    pub const ZERO: Money = Money(0);
    /// The largest representable amount.
    pub const MAX: Money = Money(i64::MAX);
    /// The smallest (most negative) representable amount.
    pub const MIN: Money = Money(i64::MIN);

    pub const fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `self + rhs`, or [`MoneyError::Overflow`].
    pub const fn checked_add(self, rhs: Money) -> Result<Money, MoneyError> {
        match self.0.checked_add(rhs.0) {
            Some(cents) => Ok(Money(cents)),
            None => Err(MoneyError::Overflow),
        }
    }

    /// `self - rhs`, or [`MoneyError::Overflow`].
    pub const fn checked_sub(self, rhs: Money) -> Result<Money, MoneyError> {
        match self.0.checked_sub(rhs.0) {
            Some(cents) => Ok(Money(cents)),
            None => Err(MoneyError::Overflow),
        }
    }

    /// `self * factor` (e.g. a quantity), or [`MoneyError::Overflow`].
    pub const fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        match self.0.checked_mul(factor) {
            Some(cents) => Ok(Money(cents)),
            None => Err(MoneyError::Overflow),
        }
    }

    /// `-self`, or [`MoneyError::Overflow`] for [`Money::MIN`].
    pub const fn checked_neg(self) -> Result<Money, MoneyError> {
        match self.0.checked_neg() {
            Some(cents) => Ok(Money(cents)),
            None => Err(MoneyError::Overflow),
        }
    }

    /// `self + rhs`, clamped to [`Money::MIN`]..=[`Money::MAX`].
    pub const fn saturating_add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, clamped to [`Money::MIN`]..=[`Money::MAX`].
    pub const fn saturating_sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }

    /// `self * factor`, clamped to [`Money::MIN`]..=[`Money::MAX`].
    pub const fn saturating_mul(self, factor: i64) -> Money {
        Money(self.0.saturating_mul(factor))
    }

    /// `-self`, with `-MIN` clamped to [`Money::MAX`].
    pub const fn saturating_neg(self) -> Money {
        Money(self.0.saturating_neg())
    }

    /// The sum of all amounts, or [`MoneyError::Overflow`] if any partial sum overflows.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |total, amount| total.checked_add(amount))
    }

    /// `basis_points / 10_000` of this amount (100 basis points = 1 %), rounded to the nearest
    /// cent, halves away from zero. Computed exactly in `i128`; [`MoneyError::Overflow`] if the
    /// result does not fit.
    pub fn percent_basis_points(self, basis_points: i64) -> Result<Money, MoneyError> {
        const DENOMINATOR: i128 = 10_000;
        let product = i128::from(self.0) * i128::from(basis_points);
        let quotient = product / DENOMINATOR;
        let remainder = product % DENOMINATOR;
        let rounded = if remainder.abs() * 2 >= DENOMINATOR {
            quotient + product.signum()
        } else {
            quotient
        };
        i64::try_from(rounded)
            .map(Money)
            .map_err(|_| MoneyError::Overflow)
    }
}

impl fmt::Display for Money {
    /// The decimal amount with two fraction digits: `12345` → `123.45`, `-5` → `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        // `unsigned_abs` is exact for `i64::MIN` too.
        let abs = self.0.unsigned_abs();
        let text = format!("{sign}{}.{:02}", abs / 100, abs % 100);
        f.pad(&text)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses a decimal amount: an optional sign, digits, and optionally `.` followed by one or two
    /// digits (`"123.45"`, `"-0.05"`, `"7"` = 700 cents, `"1.5"` = 150 cents).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if input.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, unsigned) = match input.as_bytes()[0] {
            b'-' => (true, &input[1..]),
            b'+' => (false, &input[1..]),
            _ => (false, input),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|fraction| !all_digits(fraction)) {
            return Err(MoneyError::Parse(input.to_owned()));
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals(input.to_owned()));
        }

        let mut cents: i128 = 0;
        for digit in whole.bytes().chain(fraction.bytes()) {
            cents = cents
                .checked_mul(10)
                .and_then(|c| c.checked_add(i128::from(digit - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        for _ in fraction.len()..2 {
            cents = cents.checked_mul(10).ok_or(MoneyError::Overflow)?;
        }
        if negative {
            cents = -cents;
        }
        i64::try_from(cents).map(Money).map_err(|_| MoneyError::Overflow)
    }
}

impl ToSql for Money {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INT8
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Money {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        i64::from_sql(ty, raw).map(Money)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INT8
    }
}

#[diagnostic::do_not_recommend]
impl SqlType for Money {
    type Kind = kind::Money;
    fn column_type() -> ColumnType {
        ColumnType::BigInt
    }
}

#[diagnostic::do_not_recommend]
impl SqlLiteral for Money {
    fn sql_literal(&self) -> String {
        self.0.to_string()
    }
}
