//! The example app.
