//! What the benchmarks share: the synthetic schema of N tables they read back, and the figures
//! they print. Not an example of its own (a directory without `main.rs`); each benchmark includes
//! it with `#[path = "bench_common/mod.rs"] mod bench_common;`.

use std::error::Error;
use std::time::Duration;

use tokio_postgres::Client;

/// The enum type every table's `status` column has.
pub const ENUM_DDL: &str = "CREATE TYPE status AS ENUM ('draft', 'active', 'suspended', 'closed');";

/// Tables created per `batch_execute` (one implicit transaction each: a single transaction for
/// all of them would need more lock slots than `max_locks_per_transaction` gives by default).
const TABLES_PER_BATCH: usize = 100;

pub fn table_name(i: usize) -> String {
    format!("t{i:04}")
}

/// Create the enum type and tables `0..tables` (with `changed`, one more column on every tenth
/// table), then ANALYZE.
pub async fn create_tables(client: &Client, tables: usize, changed: bool) -> Result<(), Box<dyn Error>> {
    client.batch_execute(ENUM_DDL).await?;
    for first in (0..tables).step_by(TABLES_PER_BATCH) {
        let last = (first + TABLES_PER_BATCH).min(tables);
        let ddl: String = (first..last).map(|i| table_ddl(i, changed)).collect();
        client.batch_execute(&ddl).await?;
    }
    client.batch_execute("ANALYZE").await?;
    Ok(())
}

/// Table `i`: ten columns of varied types (an eleventh, `note`, on every tenth table when
/// `changed`), a primary key, a check, a foreign key to the table before it (the first references
/// itself), a unique index, a partial or an expression index, and a two-column index.
pub fn table_ddl(i: usize, changed: bool) -> String {
    let name = table_name(i);
    let parent = table_name(i.saturating_sub(1));
    let even = i.is_multiple_of(2);
    let on_delete = if even { "RESTRICT" } else { "CASCADE" };
    let second_index = if even {
        format!("CREATE INDEX {name}_active_idx ON {name} (created_at) WHERE active;")
    } else {
        format!("CREATE INDEX {name}_lower_name_idx ON {name} (lower(name));")
    };
    let extra = if changed && i.is_multiple_of(10) {
        "note text,"
    } else {
        ""
    };
    format!(
        "CREATE TABLE {name} (
             id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
             parent_id uuid,
             name text NOT NULL,
             code varchar(32) NOT NULL,
             seq bigint NOT NULL DEFAULT 0,
             amount numeric(12, 2) NOT NULL DEFAULT 0,
             active boolean NOT NULL DEFAULT true,
             status status NOT NULL DEFAULT 'draft',
             data jsonb,
             {extra}
             created_at timestamptz NOT NULL DEFAULT now(),
             CONSTRAINT {name}_parent_fkey FOREIGN KEY (parent_id) REFERENCES {parent} (id) ON DELETE {on_delete},
             CONSTRAINT {name}_amount_check CHECK (amount >= 0)
         );
         CREATE UNIQUE INDEX {name}_code_key ON {name} (code);
         {second_index}
         CREATE INDEX {name}_status_created_idx ON {name} (status, created_at DESC);\n"
    )
}

/// Minimum, median and maximum, in milliseconds.
pub fn min_median_max(values: &[Duration]) -> (f64, f64, f64) {
    let mut ms: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    (ms[0], median, ms[ms.len() - 1])
}
