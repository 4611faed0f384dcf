//! What the database's statistics say, and since when: the reset time (an index unscanned since a
//! reset an hour ago proves nothing, so the unused-index report waits for a minimum age), and
//! each table's reads and writes (an index on a table that is mostly written costs more than it
//! serves, so the choice penalises it).
//!
//! The write rule: a table's *read share* is `(reads + 1) / (reads + rows written + 1)`, where
//! reads are the statements that scanned it (`seq_scan + idx_scan`) and rows written those that
//! update its indexes (`n_tup_ins + n_tup_upd - n_tup_hot_upd + n_tup_del`), since the last
//! reset. Every row written updates every index of the table, every read is one statement an
//! index may serve, so a table read as often as rows are written gets half the weight, one only
//! written gets next to none, and one without statistics (never read nor written) keeps its
//! whole weight. The greedy choice ranks candidates by benefit × read share.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tokio_postgres::Client;

use crate::error::Error;

/// The minimum statistics age when none is given: a week sees the weekly jobs.
pub const DEFAULT_MIN_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Since when the statistics count, and whether that is long enough to call an index unused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsWindow {
    /// When the database's statistics were last reset; `None`: never (they count since the
    /// database was created, a time Postgres does not keep).
    pub reset_at: Option<String>,
    /// How long ago, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<f64>,
    /// `--min-stats-age`, in seconds.
    pub min_age_seconds: u64,
    /// Whether indexes without a scan are reported as unused: the statistics are at least the
    /// minimum age, or their age is unknown.
    pub unused_reported: bool,
}

impl StatsWindow {
    /// One line for the report.
    pub fn describe(&self) -> String {
        match (&self.reset_at, self.age_seconds) {
            (Some(at), Some(age)) if !self.unused_reported => format!(
                "statistics reset at {at} ({} ago), less than the minimum age {} (--min-stats-age): no index is called unused yet",
                human(age as u64),
                human(self.min_age_seconds)
            ),
            (Some(at), Some(age)) => format!(
                "statistics reset at {at} ({} ago): unused means no scan since then",
                human(age as u64)
            ),
            _ => "statistics never reset: unused means no scan since the database was created (its age is unknown; reset them with pg_stat_reset() to start a known window)".to_owned(),
        }
    }
}

/// The statistics window of the current database, for a minimum age of `min_age`.
pub async fn window(client: &Client, min_age: Duration) -> Result<StatsWindow, Error> {
    let sql = include_str!("stats_window.sql");
    let row = client
        .query_one(sql, &[])
        .await
        .map_err(|source| Error::Statement {
            sql: sql.to_owned(),
            source,
        })?;
    let reset_at: Option<String> = row.get("reset_at");
    let age_seconds: Option<f64> = row.get("age_seconds");
    let unused_reported = age_seconds.is_none_or(|age| age >= min_age.as_secs_f64());
    Ok(StatsWindow {
        reset_at,
        age_seconds,
        min_age_seconds: min_age.as_secs(),
        unused_reported,
    })
}

/// A table's reads and writes since the statistics were reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Activity {
    /// Statements that scanned it.
    pub reads: i64,
    /// Rows written in a way that updates its indexes.
    pub rows_written: i64,
    /// The planner's row estimate.
    #[serde(skip)]
    pub row_estimate: f64,
    /// Its indexes, keys' included.
    #[serde(skip)]
    pub index_count: i64,
}

impl Activity {
    /// The weight of a benefit on this table (see the module's rule).
    pub fn read_share(&self) -> f64 {
        let reads = self.reads.max(0) as f64;
        let written = self.rows_written.max(0) as f64;
        (reads + 1.0) / (reads + written + 1.0)
    }
}

/// Each table's activity, by name.
pub async fn activity(client: &Client) -> Result<BTreeMap<String, Activity>, Error> {
    let sql = include_str!("table_activity.sql");
    let rows = client.query(sql, &[]).await.map_err(|source| Error::Statement {
        sql: sql.to_owned(),
        source,
    })?;
    Ok(rows
        .iter()
        .map(|row| {
            (
                row.get("table_name"),
                Activity {
                    reads: row.get("reads"),
                    rows_written: row.get("rows_written"),
                    row_estimate: row.get("row_estimate"),
                    index_count: row.get("index_count"),
                },
            )
        })
        .collect())
}

/// `7d`, `12h`, `30m`, `45s` or `0`.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad =
        || format!("--min-stats-age takes a duration such as `7d`, `12h`, `30m`, `45s` or `0`, not `{text}`");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 24 * 3600,
        _ => return Err(bad()),
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

/// `3d 4h`, `2h 5m`, `40s`: the two largest units.
fn human(seconds: u64) -> String {
    let units = [("d", 24 * 3600), ("h", 3600), ("m", 60), ("s", 1)];
    let mut parts = Vec::new();
    let mut left = seconds;
    for (name, size) in units {
        if left >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{}{name}", left / size));
            left %= size;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_and_print() {
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_age("0"), Ok(Duration::ZERO));
        assert!(parse_age("7 days").is_err());
        assert!(parse_age("d").is_err());
        assert!(parse_age("-1h").is_err());
        assert_eq!(human(0), "0s");
        assert_eq!(human(3 * 86_400 + 4 * 3600 + 5), "3d 4h");
        assert_eq!(human(125), "2m 5s");
    }

    #[test]
    fn the_read_share_weighs_writes_against_reads() {
        let share = |reads, rows_written| {
            Activity {
                reads,
                rows_written,
                ..Activity::default()
            }
            .read_share()
        };
        assert_eq!(share(0, 0), 1.0);
        assert!((share(999, 1000) - 0.5).abs() < 1e-9);
        assert!(share(10, 100_000) < 0.001);
        assert!(share(100_000, 10) > 0.999);
    }
}
