//! The migration engine for schema-core schemas, one module per stage of the data path:
//! inspect (a live database into the model) → normalize → diff (two models into typed changes) →
//! plan (ordered, reversible steps with hazards) → prove (on a throwaway database) → apply.

pub mod ack;
pub mod advise;
pub mod apply;
pub mod cli;
pub mod cluster;
pub mod conninfo;
pub mod db;
pub mod diff;
pub mod docs;
pub mod error;
pub mod inspect;
pub mod isolation;
pub mod lint;
pub mod migrations;
pub mod normalize;
pub mod plan;
pub mod proof;
pub mod pull;
pub mod rehearse;
pub mod runner;
pub mod scratch;
pub mod seed;
pub mod sql_split;
pub mod tls;

pub use error::Error;
