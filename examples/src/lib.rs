//! A multi-tenant billing app's schema, declared with schema-core.
//!
//! Organizations are the tenants. Everything a customer of ours creates (users, their customers,
//! invoices, ...) belongs to one organization and is isolated by row-level security; currencies
//! and exchange rates are shared reference data.

pub mod repository;
pub mod schema;

pub use schema::schema;

/// The README's Rust examples, compiled (and run, where they can run) as doctests, so that what
/// the README shows keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
