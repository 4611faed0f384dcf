//! Introspection, diff, plan, hazards, migration directory, runner and CLI.
