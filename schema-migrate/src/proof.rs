//! Proof: a plan is trusted only after it has run on a throwaway database. Build the source
//! schema, apply up, read back, require no difference to the target; apply down, read back,
//! require no difference to the source.

use std::fmt;

use schema_core::Renames;
use schema_core::model::Schema;

use crate::apply::apply_once;
use crate::diff::{Change, diff};
use crate::error::Error;
use crate::inspect::{InspectOptions, inspect};
use crate::normalize::{apply_schema, normalize};
use crate::plan::Plan;
use crate::scratch::ScratchDb;

/// Which direction of a plan failed to reach its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// The outcome of a proof.
#[derive(Debug)]
pub enum Proof {
    /// Up reached the target and down came back to the source.
    Proven,
    /// After running `direction`, the database still differs from where it should be.
    Differs {
        direction: Direction,
        remaining: Vec<Change>,
    },
    /// A statement of `direction` failed.
    Failed { direction: Direction, error: Error },
}

impl Proof {
    pub fn is_proven(&self) -> bool {
        matches!(self, Proof::Proven)
    }
}

impl fmt::Display for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proof::Proven => f.write_str("proven: up reaches the target and down restores the source"),
            Proof::Differs { direction, remaining } => {
                write!(f, "after {direction}, {} difference(s) remain:", remaining.len())?;
                for change in remaining {
                    write!(f, "\n  - {}", crate::plan::describe_change(change))?;
                }
                Ok(())
            }
            Proof::Failed { direction, error } => write!(f, "{direction} failed: {error}"),
        }
    }
}

/// Prove `plan` (planned from `from` to `to`) on throwaway databases of `server_url`.
pub async fn prove(server_url: &str, from: &Schema, to: &Schema, plan: &Plan) -> Result<Proof, Error> {
    let target = normalize(server_url, to).await?;
    let scratch = ScratchDb::create(server_url).await?;
    let result = async {
        let client = scratch.connect().await?;
        apply_schema(&client, from).await?;
        let options = InspectOptions::declared([from, to]);
        let source = inspect(&client, &options).await?.schema;
        if let Err(error) = apply_once(&client, &plan.up()).await {
            return Ok(Proof::Failed {
                direction: Direction::Up,
                error,
            });
        }
        let after_up = inspect(&client, &options).await?.schema;
        let remaining = diff(&after_up, &target, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Proof::Differs {
                direction: Direction::Up,
                remaining,
            });
        }
        if let Err(error) = apply_once(&client, &plan.down()).await {
            return Ok(Proof::Failed {
                direction: Direction::Down,
                error,
            });
        }
        let after_down = inspect(&client, &options).await?.schema;
        let remaining = diff(&after_down, &source, &Renames::default());
        if !remaining.is_empty() {
            return Ok(Proof::Differs {
                direction: Direction::Down,
                remaining,
            });
        }
        Ok(Proof::Proven)
    }
    .await;
    scratch.drop_now().await?;
    result
}
